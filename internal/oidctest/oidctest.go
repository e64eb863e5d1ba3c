// Package oidctest is an OpenID Connect identity provider for tests: an
// httptest TLS server with discovery, a JWKS, an /authorize endpoint that
// approves a configured user without asking, and a /token endpoint that
// checks the code, the client's credentials and the PKCE verifier and
// returns an RS256-signed ID token.
//
// Faults make it misbehave the ways a hostile or broken provider (or an
// attacker between it and the client) might: a token signed by the wrong
// key or altered after signing, the wrong audience or issuer, an expired
// token, a missing or wrong nonce, an unsigned token, an error in place of a
// code, or an old token replayed.
//
// It imports the standard library and go-jose only, so that any package's
// tests may use it.
package oidctest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// KeyID is the key id the provider publishes and signs with.
const KeyID = "oidctest-1"

// Options configure New.
type Options struct {
	// ClientID and ClientSecret are the one client's credentials; defaults
	// "safehub" and "oidctest-secret".
	ClientID, ClientSecret string
	// RedirectURL, if set, is the only redirect_uri /authorize accepts, as
	// with a registered client. Otherwise any absolute URL is accepted, and
	// /token checks that the same one comes back.
	RedirectURL string
	// Now is the provider's clock, for iat and exp; time.Now when nil.
	Now func() time.Time
}

// Fault spoils the ID token, or the authorization response, in one way.
type Fault int

// Faults.
const (
	// NoFault makes a good token.
	NoFault Fault = iota
	// ForeignKey signs the token with a key the JWKS does not hold, under
	// the published key id.
	ForeignKey
	// Tampered signs the token for another subject, then swaps in the
	// approved subject without signing again.
	Tampered
	// Unsigned sends the token with alg "none" and no signature.
	Unsigned
	// WrongAudience issues the token to another client.
	WrongAudience
	// WrongIssuer names another issuer in iss.
	WrongIssuer
	// Expired issues a token whose exp has passed.
	Expired
	// NoNonce leaves the nonce out.
	NoNonce
	// WrongNonce puts in a nonce other than the one the client sent.
	WrongNonce
	// Deny answers /authorize with error=access_denied and an
	// error_description the client must not show.
	Deny
)

// DenyDescription is the error_description that Deny sends.
const DenyDescription = `<b>Provider says:</b> the user said no`

// Login is the user /authorize approves and how their ID token is made.
type Login struct {
	Subject string
	// Email goes into the token to show the client ignores it.
	Email string
	// AMR and ACR are the amr and acr claims; left out when empty.
	AMR []string
	ACR string
	// Fault spoils the token (or the authorization) in one way.
	Fault Fault
	// IDToken, if set, is what /token returns instead of a new token: to
	// replay one seen before.
	IDToken string
}

// Provider is a running test identity provider.
type Provider struct {
	// Issuer is the provider's issuer: its server's https URL.
	Issuer       string
	ClientID     string
	ClientSecret string

	server      *httptest.Server
	redirectURL string
	now         func() time.Time

	mu      sync.Mutex
	login   *Login
	grants  map[string]*grant
	lastRaw string
}

// grant is an issued authorization code and what it was issued for.
type grant struct {
	redirectURI string
	challenge   string
	nonce       string
	login       Login
	expires     time.Time
}

// New starts a provider that approves nobody until Approve is called, and
// stops it when the test ends.
func New(tb testing.TB, opt Options) *Provider {
	tb.Helper()
	if opt.ClientID == "" {
		opt.ClientID = "safehub"
	}
	if opt.ClientSecret == "" {
		opt.ClientSecret = "oidctest-secret"
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if _, err := signingKeys(); err != nil {
		tb.Fatalf("oidctest: generate keys: %v", err)
	}
	p := &Provider{ClientID: opt.ClientID, ClientSecret: opt.ClientSecret, redirectURL: opt.RedirectURL, now: opt.Now, grants: map[string]*grant{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", p.discovery)
	mux.HandleFunc("GET /jwks", p.jwks)
	mux.HandleFunc("GET /authorize", p.authorize)
	mux.HandleFunc("POST /token", p.token)
	p.server = httptest.NewTLSServer(mux)
	p.Issuer = p.server.URL
	tb.Cleanup(p.server.Close)
	return p
}

// Approve makes /authorize sign in as l from now on.
func (p *Provider) Approve(l Login) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.login = &l
}

// Client returns an HTTP client that trusts the provider's certificate, for
// the relying party's back-channel requests (discovery, JWKS, token).
func (p *Provider) Client() *http.Client { return p.server.Client() }

// LastIDToken returns the last ID token /token issued.
func (p *Provider) LastIDToken() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lastRaw
}

// signingKeys returns the provider's signing key and a foreign key, both
// made once per test binary: RSA key generation is slow.
var signingKeys = sync.OnceValues(func() (keyPair, error) {
	var kp keyPair
	var err error
	if kp.good, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		return kp, err
	}
	kp.foreign, err = rsa.GenerateKey(rand.Reader, 2048)
	return kp, err
})

type keyPair struct{ good, foreign *rsa.PrivateKey }

func (p *Provider) discovery(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                p.Issuer,
		"authorization_endpoint":                p.Issuer + "/authorize",
		"token_endpoint":                        p.Issuer + "/token",
		"jwks_uri":                              p.Issuer + "/jwks",
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"code_challenge_methods_supported":      []string{"S256"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		"scopes_supported":                      []string{"openid"},
		"claims_supported":                      []string{"iss", "sub", "aud", "exp", "iat", "nonce", "amr", "acr", "email"},
	})
}

func (p *Provider) jwks(w http.ResponseWriter, r *http.Request) {
	kp, _ := signingKeys()
	writeJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: &kp.good.PublicKey, KeyID: KeyID, Algorithm: string(jose.RS256), Use: "sig"},
	}})
}

// authorize approves the configured login at once and redirects back with
// a code. Requests it cannot trust (unknown client, bad redirect_uri) get a
// plain 400, as the spec requires; other problems go back as an error
// redirect.
func (p *Provider) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != p.ClientID {
		http.Error(w, "unknown client", http.StatusBadRequest)
		return
	}
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || !redirect.IsAbs() || (p.redirectURL != "" && q.Get("redirect_uri") != p.redirectURL) {
		http.Error(w, "redirect_uri not registered", http.StatusBadRequest)
		return
	}
	state := q.Get("state")
	fail := func(code, desc string) {
		v := redirect.Query()
		v.Set("error", code)
		v.Set("error_description", desc)
		if state != "" {
			v.Set("state", state)
		}
		redirect.RawQuery = v.Encode()
		http.Redirect(w, r, redirect.String(), http.StatusFound)
	}
	switch {
	case q.Get("response_type") != "code":
		fail("unsupported_response_type", "only the code flow is supported")
		return
	case !slices.Contains(strings.Fields(q.Get("scope")), "openid"):
		fail("invalid_scope", "scope must include openid")
		return
	case q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "":
		fail("invalid_request", "PKCE with S256 is required")
		return
	}
	p.mu.Lock()
	login := p.login
	p.mu.Unlock()
	if login == nil || login.Fault == Deny {
		fail("access_denied", DenyDescription)
		return
	}
	code := randomString()
	p.mu.Lock()
	p.grants[code] = &grant{
		redirectURI: q.Get("redirect_uri"),
		challenge:   q.Get("code_challenge"),
		nonce:       q.Get("nonce"),
		login:       *login,
		expires:     p.now().Add(time.Minute),
	}
	p.mu.Unlock()
	v := redirect.Query()
	v.Set("code", code)
	if state != "" {
		v.Set("state", state)
	}
	redirect.RawQuery = v.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

// token exchanges a code for tokens after checking the client's
// credentials (client_secret_basic or client_secret_post), the code (once
// only, unexpired, for this redirect_uri) and the PKCE verifier.
func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		tokenError(w, http.StatusBadRequest, "invalid_request")
		return
	}
	id, secret, ok := r.BasicAuth()
	if ok {
		// RFC 6749 §2.3.1: the Basic credentials are form-encoded first.
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id != p.ClientID || subtle.ConstantTimeCompare([]byte(secret), []byte(p.ClientSecret)) != 1 {
		w.Header().Set("WWW-Authenticate", `Basic realm="oidctest"`)
		tokenError(w, http.StatusUnauthorized, "invalid_client")
		return
	}
	if r.PostForm.Get("grant_type") != "authorization_code" {
		tokenError(w, http.StatusBadRequest, "unsupported_grant_type")
		return
	}
	p.mu.Lock()
	g := p.grants[r.PostForm.Get("code")]
	delete(p.grants, r.PostForm.Get("code"))
	p.mu.Unlock()
	if g == nil || !p.now().Before(g.expires) || r.PostForm.Get("redirect_uri") != g.redirectURI {
		tokenError(w, http.StatusBadRequest, "invalid_grant")
		return
	}
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	if subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(g.challenge)) != 1 {
		tokenError(w, http.StatusBadRequest, "invalid_grant")
		return
	}
	raw := g.login.IDToken
	if raw == "" {
		var err error
		if raw, err = p.idToken(g); err != nil {
			tokenError(w, http.StatusInternalServerError, "server_error")
			return
		}
	}
	p.mu.Lock()
	p.lastRaw = raw
	p.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": randomString(),
		"token_type":   "Bearer",
		"expires_in":   300,
		"id_token":     raw,
	})
}

// idToken makes the ID token for g, spoiled as g.login.Fault says.
func (p *Provider) idToken(g *grant) (string, error) {
	l := g.login
	now := p.now()
	claims := map[string]any{
		"iss":       p.Issuer,
		"sub":       l.Subject,
		"aud":       p.ClientID,
		"iat":       now.Unix(),
		"auth_time": now.Unix(),
		"exp":       now.Add(5 * time.Minute).Unix(),
		"nonce":     g.nonce,
	}
	if l.Email != "" {
		claims["email"], claims["email_verified"] = l.Email, true
	}
	if len(l.AMR) > 0 {
		claims["amr"] = l.AMR
	}
	if l.ACR != "" {
		claims["acr"] = l.ACR
	}
	kp, err := signingKeys()
	if err != nil {
		return "", err
	}
	key := kp.good
	switch l.Fault {
	case ForeignKey:
		key = kp.foreign
	case WrongAudience:
		claims["aud"] = "another-client"
	case WrongIssuer:
		claims["iss"] = "https://idp.example.invalid"
	case Expired:
		claims["iat"], claims["auth_time"] = now.Add(-time.Hour).Unix(), now.Add(-time.Hour).Unix()
		claims["exp"] = now.Add(-55 * time.Minute).Unix()
	case NoNonce:
		delete(claims, "nonce")
	case WrongNonce:
		claims["nonce"] = randomString()
	case Unsigned:
		payload, err := json.Marshal(claims)
		if err != nil {
			return "", err
		}
		header := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
		return header + "." + base64.RawURLEncoding.EncodeToString(payload) + ".", nil
	case Tampered:
		genuine := maps.Clone(claims)
		genuine["sub"] = "someone-else"
		raw, err := sign(key, genuine)
		if err != nil {
			return "", err
		}
		payload, err := json.Marshal(claims)
		if err != nil {
			return "", err
		}
		parts := strings.Split(raw, ".")
		parts[1] = base64.RawURLEncoding.EncodeToString(payload)
		return strings.Join(parts, "."), nil
	}
	return sign(key, claims)
}

func sign(key *rsa.PrivateKey, claims map[string]any) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	signer, err := jose.NewSigner(
		jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: KeyID, Algorithm: string(jose.RS256)}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", err
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

func randomString() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func tokenError(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, map[string]string{"error": code})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
