package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/safehub/safehub/internal/httpx"
	"github.com/safehub/safehub/internal/hub"
)

// OIDCConfig configures sign-in through an identity provider.
type OIDCConfig struct {
	// Issuer is the provider's issuer URL; its discovery document is read
	// at start-up.
	Issuer string
	// ClientID and ClientSecret are Safehub's credentials at the provider.
	// The secret may be empty for a public client (PKCE alone).
	ClientID, ClientSecret string
	// RedirectURL is this server's https://…/sign-in/oidc/callback, as
	// registered at the provider.
	RedirectURL string
	// RequireIdPMFA refuses sign-in unless the ID token's amr claim shows a
	// second factor (see amrShowsMFA). Off by default: then a token without
	// one gives an MFA-pending session, when the app requires MFA, and the
	// user enters their Safehub code as after a password.
	RequireIdPMFA bool
	// FlowKey, if set, signs the flow cookie: servers sharing a database
	// share it (App.SharedKey), so that a flow begun on one may end on
	// another. Empty: a key made at random when the process starts.
	FlowKey []byte
	// HTTPClient, if set, makes the requests to the provider (discovery,
	// keys, code exchange); tests pass the test provider's client. The
	// default is a client with a 15-second timeout.
	HTTPClient *http.Client
}

// OIDC is sign-in through an agency's identity provider: the authorization
// code flow with PKCE (S256), state and nonce, and an ID token verified by
// go-oidc (signature against the provider's published keys, iss, aud,
// expiry). The user is found by the token's (iss, sub), never by email.
//
// The flow's secrets (state, nonce, PKCE verifier) live in a short-lived
// cookie, HMAC-signed with a key every server of the database shares
// (OIDCConfig.FlowKey), so no server-side store is needed and the callback
// may reach any server. Each nonce is
// accepted once: accepted nonces are remembered until their flow expires.
type OIDC struct {
	cfg    OIDCConfig
	oauth  oauth2.Config
	keys   oidc.KeySet
	algs   []string
	client *http.Client
	// flowKey signs the flow cookie.
	flowKey []byte
	used    acceptedNonces
}

// flowCookie holds the flow's state, nonce and PKCE verifier between the
// redirect to the provider and the callback. The __Host- prefix makes the
// browser insist on Secure, Path=/ and no Domain; SameSite=Lax lets it come
// back on the provider's top-level redirect.
const (
	flowCookie   = "__Host-safehub-oidc"
	flowLifetime = 10 * time.Minute
	// callbackPath is where the provider sends the browser back.
	callbackPath = "/sign-in/oidc/callback"
)

// signingAlgs are the ID-token signature algorithms accepted: asymmetric
// ones only, so a token "signed" with the client secret (HS256) or not at
// all is refused.
var signingAlgs = []string{oidc.RS256, oidc.RS384, oidc.RS512, oidc.ES256, oidc.ES384, oidc.ES512, oidc.PS256, oidc.PS384, oidc.PS512, oidc.EdDSA}

// NewOIDC checks the configuration and reads the provider's discovery
// document.
func NewOIDC(ctx context.Context, c OIDCConfig) (*OIDC, error) {
	if c.Issuer == "" || c.ClientID == "" || c.RedirectURL == "" {
		return nil, errors.New("OIDC needs an issuer, a client id and a redirect URL")
	}
	ru, err := url.Parse(c.RedirectURL)
	if err != nil || ru.Scheme != "https" || ru.Host == "" || ru.Path != callbackPath {
		return nil, fmt.Errorf("OIDC redirect URL %q must be https://<this server>%s", c.RedirectURL, callbackPath)
	}
	client := c.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 15 * time.Second}
	}
	provider, err := oidc.NewProvider(oidc.ClientContext(ctx, client), c.Issuer)
	if err != nil {
		return nil, fmt.Errorf("discover OIDC provider %s: %w", c.Issuer, err)
	}
	var meta struct {
		JWKSURI string   `json:"jwks_uri"`
		Algs    []string `json:"id_token_signing_alg_values_supported"`
	}
	if err := provider.Claims(&meta); err != nil {
		return nil, fmt.Errorf("read OIDC provider %s metadata: %w", c.Issuer, err)
	}
	if meta.JWKSURI == "" {
		return nil, fmt.Errorf("OIDC provider %s publishes no jwks_uri", c.Issuer)
	}
	o := &OIDC{
		cfg: c,
		oauth: oauth2.Config{
			ClientID:     c.ClientID,
			ClientSecret: c.ClientSecret,
			Endpoint:     provider.Endpoint(),
			RedirectURL:  c.RedirectURL,
			// Only openid: Safehub needs the subject, nothing more.
			Scopes: []string{oidc.ScopeOpenID},
		},
		// The key set caches keys and fetches again when it meets a new key
		// id; it uses the context only for its HTTP client.
		keys:    oidc.NewRemoteKeySet(oidc.ClientContext(context.Background(), client), meta.JWKSURI),
		client:  client,
		flowKey: make([]byte, 32),
		used:    acceptedNonces{m: map[string]time.Time{}},
	}
	for _, a := range meta.Algs {
		if slices.Contains(signingAlgs, a) {
			o.algs = append(o.algs, a)
		}
	}
	if len(o.algs) == 0 {
		o.algs = []string{oidc.RS256} // the spec's default
	}
	if len(c.FlowKey) > 0 {
		o.flowKey = slices.Clone(c.FlowKey)
	} else if _, err := rand.Read(o.flowKey); err != nil {
		return nil, err
	}
	return o, nil
}

// flow is what the flow cookie carries.
type flow struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Expires  int64  `json:"e"` // Unix seconds
}

// begin starts a flow: it returns the provider's authorization URL and the
// cookie that remembers the flow.
func (o *OIDC) begin(now time.Time) (string, *http.Cookie, error) {
	f := flow{State: randomToken(), Nonce: randomToken(), Verifier: oauth2.GenerateVerifier(), Expires: now.Add(flowLifetime).Unix()}
	value, err := o.seal(f)
	if err != nil {
		return "", nil, err
	}
	u := o.oauth.AuthCodeURL(f.State, oidc.Nonce(f.Nonce), oauth2.S256ChallengeOption(f.Verifier))
	c := &http.Cookie{Name: flowCookie, Value: value, Path: "/", MaxAge: int(flowLifetime / time.Second), Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode}
	return u, c, nil
}

// seal encodes f and signs it: base64url(JSON) "." base64url(HMAC-SHA256).
func (o *OIDC) seal(f flow) (string, error) {
	b, err := json.Marshal(f)
	if err != nil {
		return "", err
	}
	payload := base64.RawURLEncoding.EncodeToString(b)
	return payload + "." + base64.RawURLEncoding.EncodeToString(o.mac(payload)), nil
}

// open checks the cookie's signature and decodes it.
func (o *OIDC) open(value string) (flow, bool) {
	var f flow
	payload, sig, ok := strings.Cut(value, ".")
	if !ok {
		return f, false
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, o.mac(payload)) {
		return f, false
	}
	b, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil || json.Unmarshal(b, &f) != nil || f.State == "" || f.Nonce == "" || f.Verifier == "" {
		return flow{}, false
	}
	return f, true
}

func (o *OIDC) mac(payload string) []byte {
	m := hmac.New(sha256.New, o.flowKey)
	m.Write([]byte("safehub oidc flow\x00" + payload))
	return m.Sum(nil)
}

// identity is who a verified ID token names.
type identity struct {
	Issuer, Subject string
	// MFA says whether the token's amr claim shows a second factor.
	MFA bool
}

// refusal is why a callback was refused: detail goes to the audit log,
// shown to the user, and cause (the library's error, if any) to the log.
// issuer and subject are set once the token has been verified.
type refusal struct {
	detail          string
	shown           error
	cause           error
	issuer, subject string
}

func (r *refusal) Error() string { return r.detail }

// Messages shown on the sign-in page. None repeats the provider's words.
var (
	errOIDCFailed  = hub.Errorf(hub.EUnauthorized, "signing in with your organisation's account did not work; try again, or sign in with your username and password")
	errOIDCRestart = hub.Errorf(hub.EUnauthorized, "signing in with your organisation's account took too long or was started in another window; try again")
	errOIDCNoMFA   = hub.Errorf(hub.EUnauthorized, "your organisation's sign-in did not use a second factor, which Safehub requires; sign in again and use your second factor")
)

// finish checks a callback against the flow cookie, exchanges the code
// with the PKCE verifier, verifies the ID token and its nonce, and returns
// who it names. Every failure is a *refusal.
func (o *OIDC) finish(ctx context.Context, r *http.Request, now time.Time) (*identity, error) {
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		return nil, &refusal{detail: "oidc: provider returned error " + oauthErrorCode(e), shown: errOIDCFailed}
	}
	c, err := r.Cookie(flowCookie)
	if err != nil {
		return nil, &refusal{detail: "oidc: no sign-in in progress (state missing)", shown: errOIDCRestart}
	}
	f, ok := o.open(c.Value)
	if !ok {
		return nil, &refusal{detail: "oidc: state cookie invalid", shown: errOIDCRestart}
	}
	if !now.Before(time.Unix(f.Expires, 0)) {
		return nil, &refusal{detail: "oidc: state expired", shown: errOIDCRestart}
	}
	state := q.Get("state")
	if state == "" {
		return nil, &refusal{detail: "oidc: state missing", shown: errOIDCRestart}
	}
	if subtle.ConstantTimeCompare([]byte(state), []byte(f.State)) != 1 {
		return nil, &refusal{detail: "oidc: state mismatch", shown: errOIDCRestart}
	}
	code := q.Get("code")
	if code == "" {
		return nil, &refusal{detail: "oidc: no code", shown: errOIDCFailed}
	}
	ctx, cancel := context.WithTimeout(oidc.ClientContext(ctx, o.client), 20*time.Second)
	defer cancel()
	tok, err := o.oauth.Exchange(ctx, code, oauth2.VerifierOption(f.Verifier))
	if err != nil {
		return nil, &refusal{detail: "oidc: code exchange failed", shown: errOIDCFailed, cause: err}
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, &refusal{detail: "oidc: no id token", shown: errOIDCFailed}
	}
	v := oidc.NewVerifier(o.cfg.Issuer, o.keys, &oidc.Config{ClientID: o.cfg.ClientID, SupportedSigningAlgs: o.algs, Now: func() time.Time { return now }})
	idt, err := v.Verify(ctx, raw)
	if err != nil {
		detail := "oidc: id token rejected (signature, issuer or audience)"
		if _, ok := errors.AsType[*oidc.TokenExpiredError](err); ok {
			detail = "oidc: id token expired"
		}
		return nil, &refusal{detail: detail, shown: errOIDCFailed, cause: err}
	}
	var claims struct {
		AZP string   `json:"azp"`
		AMR []string `json:"amr"`
	}
	if err := idt.Claims(&claims); err != nil {
		return nil, &refusal{detail: "oidc: id token claims unreadable", shown: errOIDCFailed, cause: err}
	}
	// OpenID Connect Core 3.1.3.7 (4, 5): with several audiences, or an
	// azp at all, the token must have been issued to this client.
	if (len(idt.Audience) > 1 || claims.AZP != "") && claims.AZP != o.cfg.ClientID {
		return nil, &refusal{detail: "oidc: id token issued to another party (azp)", shown: errOIDCFailed}
	}
	if idt.Nonce == "" {
		return nil, &refusal{detail: "oidc: nonce missing", shown: errOIDCFailed}
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(f.Nonce)) != 1 {
		return nil, &refusal{detail: "oidc: nonce mismatch (replayed or injected token)", shown: errOIDCFailed}
	}
	if !o.used.accept(f.Nonce, time.Unix(f.Expires, 0), now) {
		return nil, &refusal{detail: "oidc: nonce replayed", shown: errOIDCFailed}
	}
	id := &identity{Issuer: idt.Issuer, Subject: idt.Subject, MFA: amrShowsMFA(claims.AMR)}
	if o.cfg.RequireIdPMFA && !id.MFA {
		return nil, &refusal{detail: "oidc: no second factor at identity provider (amr)", shown: errOIDCNoMFA, issuer: id.Issuer, subject: id.Subject}
	}
	return id, nil
}

// amrShowsMFA reports whether an ID token's amr claim (RFC 8176
// authentication method references) shows a second factor. It does when amr
// contains
//
//   - "mfa" (multiple-factor authentication),
//   - "otp" (one-time password), "sms" (a code by text message),
//     "fpt" (fingerprint) or "face" (facial recognition), which providers
//     report for the step after the first factor, or
//   - "hwk" or "swk" (proof of a hardware or software key) together with
//     another method, such as "pin", "pwd" or "fpt": a key alone is one
//     factor.
//
// Anything else, including no amr at all, shows no second factor. The acr
// claim is not consulted: its values are provider-specific.
func amrShowsMFA(amr []string) bool {
	for _, m := range amr {
		switch m {
		case "mfa", "otp", "sms", "fpt", "face":
			return true
		}
	}
	if slices.Contains(amr, "hwk") || slices.Contains(amr, "swk") {
		methods := slices.Clone(amr)
		slices.Sort(methods)
		return len(slices.Compact(methods)) >= 2
	}
	return false
}

// acceptedNonces remembers the nonces of flows that got as far as a valid
// ID token, until their flow expires, so that none is accepted twice. Only
// a real sign-in at the provider adds an entry, so the set stays small.
type acceptedNonces struct {
	mu sync.Mutex
	m  map[string]time.Time
}

// accept records nonce until expires and reports whether it was new.
func (a *acceptedNonces) accept(nonce string, expires, now time.Time) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	for n, exp := range a.m {
		if !now.Before(exp) {
			delete(a.m, n)
		}
	}
	if _, seen := a.m[nonce]; seen {
		return false
	}
	a.m[nonce] = expires
	return true
}

// oauthErrorCode keeps an OAuth error code for the audit log if it looks
// like one (RFC 6749 §4.1.2.1: printable ASCII, in practice a_b_c), so
// nothing the provider (or a forged redirect) chose reaches the log.
func oauthErrorCode(s string) string {
	if len(s) > 40 || strings.Trim(s, "abcdefghijklmnopqrstuvwxyz_") != "" {
		return "(unrecognised)"
	}
	return s
}

func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// oidcStart sends the browser to the identity provider.
func (h *Handler) oidcStart(w http.ResponseWriter, r *http.Request) {
	u, c, err := h.cfg.OIDC.begin(h.app.Now())
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	http.SetCookie(w, c)
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, u, http.StatusFound)
}

// oidcCallback finishes the flow and signs the user in; any failure is
// audited and shown on the sign-in page as one of a few plain messages.
func (h *Handler) oidcCallback(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	// The flow cookie is single-use whatever happens.
	http.SetCookie(w, &http.Cookie{Name: flowCookie, Value: "", Path: "/", MaxAge: -1, Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	ctx := r.Context()
	id, err := h.cfg.OIDC.finish(ctx, r, h.app.Now())
	if rf, ok := errors.AsType[*refusal](err); ok {
		if rf.cause != nil {
			h.log.Warn("oidc sign-in refused", "request_id", httpx.RequestID(ctx), "reason", rf.detail, "err", rf.cause)
		}
		if err := h.app.RecordOIDCFailure(ctx, rf.issuer, rf.subject, rf.detail); err != nil {
			h.RenderError(w, r, err)
			return
		}
		h.oidcFailed(w, r, rf.shown)
		return
	}
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	login, err := h.app.SignInOIDC(ctx, id.Issuer, id.Subject, id.MFA)
	if err != nil {
		if httpx.Status(err) >= 500 {
			h.RenderError(w, r, err)
			return
		}
		h.oidcFailed(w, r, err)
		return
	}
	httpx.SetSessionCookie(w, login.Token)
	if login.Session.MFAPending {
		http.Redirect(w, r, "/sign-in/mfa", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// oidcFailed shows the sign-in page with err's message.
func (h *Handler) oidcFailed(w http.ResponseWriter, r *http.Request, err error) {
	p := signInPage{Page: h.page(r, "Sign in", ""), OIDC: true, DemoAccounts: h.cfg.Demo}
	p.SetError(err)
	h.render(w, r, httpx.Status(err), "signin", p)
}
