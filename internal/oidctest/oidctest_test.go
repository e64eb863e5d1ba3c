package oidctest_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/safehub/safehub/internal/oidctest"
)

const redirectURL = "https://rp.example/sign-in/oidc/callback"

// rp is a minimal relying party built from go-oidc and x/oauth2, the
// libraries Safehub uses, to check the provider against.
type rp struct {
	idp      *oidctest.Provider
	ctx      context.Context
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
	browser  *http.Client
}

func newRP(t *testing.T, idp *oidctest.Provider) *rp {
	t.Helper()
	ctx := oidc.ClientContext(context.Background(), idp.Client())
	p, err := oidc.NewProvider(ctx, idp.Issuer)
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	browser := idp.Client()
	browser.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &rp{
		idp:      idp,
		ctx:      ctx,
		oauth:    oauth2.Config{ClientID: idp.ClientID, ClientSecret: idp.ClientSecret, Endpoint: p.Endpoint(), RedirectURL: redirectURL, Scopes: []string{oidc.ScopeOpenID}},
		verifier: p.Verifier(&oidc.Config{ClientID: idp.ClientID}),
		browser:  browser,
	}
}

// authorize sends the browser to the provider and returns the query of
// the redirect back.
func (r *rp) authorize(t *testing.T, opts ...oauth2.AuthCodeOption) url.Values {
	t.Helper()
	res, err := r.browser.Get(r.oauth.AuthCodeURL("state-1", opts...))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusFound {
		t.Fatalf("/authorize = %d, want 302", res.StatusCode)
	}
	u, err := url.Parse(res.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if got := u.Scheme + "://" + u.Host + u.Path; got != redirectURL {
		t.Fatalf("redirected to %s, want %s", got, redirectURL)
	}
	return u.Query()
}

// TestProvider checks the good path and that the provider enforces what a
// real one does: PKCE S256, client credentials, single-use codes.
func TestProvider(t *testing.T) {
	idp := oidctest.New(t, oidctest.Options{RedirectURL: redirectURL})
	r := newRP(t, idp)
	idp.Approve(oidctest.Login{Subject: "alice", AMR: []string{"pwd", "mfa"}, Email: "alice@example.org"})

	pkce := oauth2.GenerateVerifier()
	q := r.authorize(t, oidc.Nonce("nonce-1"), oauth2.S256ChallengeOption(pkce))
	if q.Get("state") != "state-1" || q.Get("code") == "" {
		t.Fatalf("callback query = %v, want state-1 and a code", q)
	}
	if _, err := r.oauth.Exchange(r.ctx, q.Get("code"), oauth2.VerifierOption("wrong-verifier-wrong-verifier-wrong-verifier")); err == nil {
		t.Error("exchange with the wrong PKCE verifier succeeded")
	}

	q = r.authorize(t, oidc.Nonce("nonce-1"), oauth2.S256ChallengeOption(pkce))
	tok, err := r.oauth.Exchange(r.ctx, q.Get("code"), oauth2.VerifierOption(pkce))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := r.verifier.Verify(r.ctx, raw)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	var claims struct {
		AMR   []string `json:"amr"`
		Email string   `json:"email"`
	}
	if err := idt.Claims(&claims); err != nil {
		t.Fatal(err)
	}
	if idt.Subject != "alice" || idt.Nonce != "nonce-1" || idt.Issuer != idp.Issuer || len(claims.AMR) != 2 || claims.Email != "alice@example.org" {
		t.Errorf("token = sub %q nonce %q iss %q amr %v email %q", idt.Subject, idt.Nonce, idt.Issuer, claims.AMR, claims.Email)
	}
	if idp.LastIDToken() != raw {
		t.Error("LastIDToken is not the token just issued")
	}
	if _, err := r.oauth.Exchange(r.ctx, q.Get("code"), oauth2.VerifierOption(pkce)); err == nil {
		t.Error("a code was exchanged twice")
	}

	if q := r.authorize(t, oidc.Nonce("n")); q.Get("error") != "invalid_request" {
		t.Errorf("without PKCE: callback query = %v, want error=invalid_request", q)
	}
	if q := r.authorize(t, oidc.Nonce("n"), oauth2.SetAuthURLParam("code_challenge", "x"), oauth2.SetAuthURLParam("code_challenge_method", "plain")); q.Get("error") != "invalid_request" {
		t.Errorf("with plain PKCE: callback query = %v, want error=invalid_request", q)
	}

	bad := *r
	bad.oauth.ClientSecret = "not-the-secret"
	q = r.authorize(t, oidc.Nonce("n"), oauth2.S256ChallengeOption(pkce))
	var re *oauth2.RetrieveError
	if _, err := bad.oauth.Exchange(r.ctx, q.Get("code"), oauth2.VerifierOption(pkce)); !errors.As(err, &re) || re.ErrorCode != "invalid_client" {
		t.Errorf("exchange with the wrong secret = %v, want invalid_client", err)
	}
}

// TestFaults checks that each fault spoils the token in the way go-oidc's
// verifier (or the nonce check it leaves to the caller) notices.
func TestFaults(t *testing.T) {
	idp := oidctest.New(t, oidctest.Options{})
	r := newRP(t, idp)
	for _, tc := range []struct {
		fault    oidctest.Fault
		verifies bool
		nonce    string
	}{
		{oidctest.NoFault, true, "nonce-1"},
		{oidctest.ForeignKey, false, ""},
		{oidctest.Tampered, false, ""},
		{oidctest.Unsigned, false, ""},
		{oidctest.WrongAudience, false, ""},
		{oidctest.WrongIssuer, false, ""},
		{oidctest.Expired, false, ""},
		{oidctest.NoNonce, true, ""},
		{oidctest.WrongNonce, true, "other"},
	} {
		idp.Approve(oidctest.Login{Subject: "alice", Fault: tc.fault})
		pkce := oauth2.GenerateVerifier()
		q := r.authorize(t, oidc.Nonce("nonce-1"), oauth2.S256ChallengeOption(pkce))
		tok, err := r.oauth.Exchange(r.ctx, q.Get("code"), oauth2.VerifierOption(pkce))
		if err != nil {
			t.Fatalf("fault %d: exchange: %v", tc.fault, err)
		}
		raw, _ := tok.Extra("id_token").(string)
		idt, err := r.verifier.Verify(r.ctx, raw)
		if (err == nil) != tc.verifies {
			t.Errorf("fault %d: Verify error = %v, want verifies %v", tc.fault, err, tc.verifies)
			continue
		}
		if err != nil {
			continue
		}
		if tc.nonce == "other" {
			if idt.Nonce == "" || idt.Nonce == "nonce-1" {
				t.Errorf("fault %d: nonce = %q, want another", tc.fault, idt.Nonce)
			}
		} else if idt.Nonce != tc.nonce {
			t.Errorf("fault %d: nonce = %q, want %q", tc.fault, idt.Nonce, tc.nonce)
		}
	}

	idp.Approve(oidctest.Login{Subject: "alice", Fault: oidctest.Deny})
	if q := r.authorize(t, oidc.Nonce("n"), oauth2.S256ChallengeOption(oauth2.GenerateVerifier())); q.Get("error") != "access_denied" || q.Get("state") != "state-1" {
		t.Errorf("Deny: callback query = %v, want error=access_denied with the state", q)
	}
}
