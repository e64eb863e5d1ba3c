package web_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/apptest"
	"github.com/safehub/safehub/internal/auth"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/oidctest"
	"github.com/safehub/safehub/internal/store"
	"github.com/safehub/safehub/internal/store/storetest"
	"github.com/safehub/safehub/internal/web"
)

// The linked user's subject at the test provider, and their email, which
// must never be what finds them.
const (
	oidcSubject = "00u1b2c3d4-agency-idp"
	oidcEmail   = "jo.linked@agency.example"
)

// Fragments of the messages the sign-in page shows.
const (
	msgFailed    = "did not work; try again"
	msgRestart   = "took too long or was started in another window"
	msgNoMFA     = "did not use a second factor"
	msgNoAccount = "cannot be used to sign in to Safehub"
)

const flowCookieName = "__Host-safehub-oidc"

// oidcEnv is a Safehub whose web surface offers sign-in through a test
// identity provider, with a user linked to that provider.
type oidcEnv struct {
	*apptest.Env
	IdP *oidctest.Provider
	// User is linked to (IdP.Issuer, oidcSubject), has no password, and is
	// enrolled for TOTP with apptest.MFASecret.
	User *hub.User
}

func newOIDCEnv(t *testing.T, engine string, requireMFA, requireIdPMFA bool) *oidcEnv {
	t.Helper()
	o := &oidcEnv{}
	// The provider and Safehub share the test clock, so "expired" means the
	// same to both.
	o.IdP = oidctest.New(t, oidctest.Options{Now: func() time.Time { return o.Clock.Now() }})
	o.Env = apptest.New(t, engine, apptest.Options{RequireMFA: requireMFA, OIDC: &web.OIDCConfig{
		Issuer: o.IdP.Issuer, ClientID: o.IdP.ClientID, ClientSecret: o.IdP.ClientSecret,
		RequireIdPMFA: requireIdPMFA, HTTPClient: o.IdP.Client(),
	}})
	o.User = o.linkedUser(t, "jo.linked", o.IdP.Issuer, oidcSubject, oidcEmail)
	return o
}

// linkedUser creates a practitioner with no password, linked to (issuer,
// subject) and enrolled for TOTP.
func (o *oidcEnv) linkedUser(t *testing.T, username, issuer, subject, email string) *hub.User {
	t.Helper()
	u, err := o.App.CreateUser(context.Background(), apptest.System, app.NewUser{
		Username: username, DisplayName: "Linked " + username, Email: email,
		AgencyID: o.Agencies[hub.AgencySocialCare].ID, AreaIDs: []string{o.Areas["856"].ID}, Roles: []hub.Role{hub.RolePractitioner},
		OIDCIssuer: issuer, OIDCSubject: subject,
	})
	if err != nil {
		t.Fatalf("create linked user: %v", err)
	}
	o.updateUser(t, u.ID, func(u *hub.User) { u.MFASecret, u.MFAEnrolled = apptest.MFASecret, true })
	return u
}

func (o *oidcEnv) updateUser(t *testing.T, id string, change func(*hub.User)) {
	t.Helper()
	err := o.Store.Tx(context.Background(), func(tx *store.Tx) error {
		u, err := tx.User(id)
		if err != nil {
			return err
		}
		change(u)
		return tx.UpdateUser(u)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// begin asks Safehub to start a sign-in and returns the provider URL it
// redirects to and the flow cookie it sets.
func (o *oidcEnv) begin(t *testing.T, c *http.Client) (*url.URL, *http.Cookie, *apptest.Response) {
	t.Helper()
	res := o.Get(t, c, "/sign-in/oidc")
	if res.StatusCode != http.StatusFound {
		t.Fatalf("GET /sign-in/oidc = %d, want 302", res.StatusCode)
	}
	u, err := url.Parse(res.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	var flow *http.Cookie
	for _, ck := range res.Cookies() {
		if ck.Name == flowCookieName {
			flow = ck
		}
	}
	if flow == nil {
		t.Fatalf("GET /sign-in/oidc set no %s cookie", flowCookieName)
	}
	return u, flow, res
}

// authorize visits the provider's authorization URL, which approves at
// once, and returns the callback URL the provider sends the browser to.
func (o *oidcEnv) authorize(t *testing.T, c *http.Client, u *url.URL) *url.URL {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u.String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	res := o.Do(t, c, req)
	if res.StatusCode != http.StatusFound {
		t.Fatalf("provider /authorize = %d, want 302: %s", res.StatusCode, res.Body)
	}
	cb, err := url.Parse(res.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return cb
}

// callback delivers the provider's redirect to Safehub.
func (o *oidcEnv) callback(t *testing.T, c *http.Client, cb *url.URL) *apptest.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, cb.String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return o.Do(t, c, req)
}

// signIn runs a whole sign-in in a new browser, with the provider
// approving l, and returns the browser and Safehub's answer to the callback.
func (o *oidcEnv) signIn(t *testing.T, l oidctest.Login) (*http.Client, *apptest.Response) {
	t.Helper()
	o.IdP.Approve(l)
	c := o.Client()
	u, _, _ := o.begin(t, c)
	return c, o.callback(t, c, o.authorize(t, c, u))
}

func (o *oidcEnv) auditSize(t *testing.T) int64 {
	t.Helper()
	var n int64
	err := o.Store.Read(context.Background(), func(tx *store.Tx) error {
		var err error
		n, err = tx.AuditSize()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// newestLogin returns the newest "login" audit event.
func (o *oidcEnv) newestLogin(t *testing.T) *hub.AuditEvent {
	t.Helper()
	var evs []*hub.AuditEvent
	err := o.Store.Read(context.Background(), func(tx *store.Tx) error {
		var err error
		evs, err = tx.FindAuditEvents(store.AuditFilter{Action: hub.ActLogin, Limit: 1})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) == 0 {
		t.Fatal("no login audit event")
	}
	return evs[0]
}

// sessionCookie returns the session cookie res sets, or nil.
func sessionCookie(res *apptest.Response) *http.Cookie {
	for _, ck := range res.Cookies() {
		if ck.Name == "__Host-safehub" && ck.Value != "" {
			return ck
		}
	}
	return nil
}

// checkRefused checks that res is the sign-in page showing msg, with no
// session and none of the provider's words, and that exactly one audit
// event was written since before: a failed login with detail.
func (o *oidcEnv) checkRefused(t *testing.T, res *apptest.Response, before int64, msg, detail string) *hub.AuditEvent {
	t.Helper()
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("callback status = %d, want 401", res.StatusCode)
	}
	if !strings.Contains(res.Body, "govuk-error-summary") || !strings.Contains(res.Body, msg) {
		t.Errorf("callback page does not show %q:\n%s", msg, res.Body)
	}
	if !strings.Contains(res.Body, `href="/sign-in/oidc"`) {
		t.Error("refusal page does not offer to try again")
	}
	for _, leak := range []string{"oidc:", "the user said no", "Provider says", "invalid_grant", "audience", "signature", "goroutine"} {
		if strings.Contains(res.Body, leak) {
			t.Errorf("callback page shows %q", leak)
		}
	}
	if ck := sessionCookie(res); ck != nil {
		t.Errorf("refused callback set a session cookie")
	}
	if got := o.auditSize(t) - before; got != 1 {
		t.Errorf("audit events written = %d, want 1", got)
	}
	ev := o.newestLogin(t)
	if ev.Outcome != hub.OutcomeFailure || ev.Detail != detail {
		t.Errorf("audit event = %s %q, want %s %q", ev.Outcome, ev.Detail, hub.OutcomeFailure, detail)
	}
	return ev
}

// TestOIDCSignIn follows a sign-in through the real handlers: the redirect
// to the provider carries state, nonce and an S256 PKCE challenge, the
// flow cookie is locked down, and a user linked by (iss, sub) whose
// provider reports MFA gets a complete session.
func TestOIDCSignIn(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		o := newOIDCEnv(t, engine, true, false)
		c := o.Client()
		if res := o.Get(t, c, "/sign-in"); !strings.Contains(res.Body, `href="/sign-in/oidc"`) {
			t.Error("the sign-in page does not offer the identity provider")
		}

		o.IdP.Approve(oidctest.Login{Subject: oidcSubject, AMR: []string{"pwd", "mfa"}})
		u, flow, res := o.begin(t, c)
		if got := res.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("start Cache-Control = %q, want no-store", got)
		}
		if got, want := u.Scheme+"://"+u.Host+u.Path, o.IdP.Issuer+"/authorize"; got != want {
			t.Errorf("redirect to %s, want %s", got, want)
		}
		q := u.Query()
		for k, want := range map[string]string{
			"response_type": "code", "client_id": o.IdP.ClientID, "scope": "openid",
			"redirect_uri": o.TS.URL + "/sign-in/oidc/callback", "code_challenge_method": "S256",
		} {
			if got := q.Get(k); got != want {
				t.Errorf("authorization request %s = %q, want %q", k, got, want)
			}
		}
		for _, k := range []string{"state", "nonce", "code_challenge"} {
			if len(q.Get(k)) < 43 {
				t.Errorf("authorization request %s = %q, want 256 random bits", k, q.Get(k))
			}
		}
		if q.Has("code_verifier") || strings.Contains(flow.Value, q.Get("code_challenge")) {
			t.Error("the PKCE verifier or challenge leaked where it should not be")
		}
		if !flow.Secure || !flow.HttpOnly || flow.SameSite != http.SameSiteLaxMode || flow.Path != "/" || flow.Domain != "" || flow.MaxAge != 600 {
			t.Errorf("flow cookie = %+v, want Secure HttpOnly SameSite=Lax Path=/ no Domain Max-Age=600", flow)
		}

		before := o.auditSize(t)
		res = o.callback(t, c, o.authorize(t, c, u))
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
			t.Fatalf("callback = %d → %q, want 303 → /: %s", res.StatusCode, res.Header.Get("Location"), res.Body)
		}
		if sessionCookie(res) == nil {
			t.Error("callback set no session cookie")
		}
		cleared := false
		for _, ck := range res.Cookies() {
			cleared = cleared || (ck.Name == flowCookieName && ck.MaxAge < 0)
		}
		if !cleared {
			t.Error("callback did not clear the flow cookie")
		}
		// Counted before the home page, whose work lists are audited reads.
		if got := o.auditSize(t) - before; got != 1 {
			t.Errorf("audit events written by sign-in = %d, want 1", got)
		}
		if home := o.Get(t, c, "/"); home.StatusCode != http.StatusOK || !strings.Contains(home.Body, o.User.DisplayName) {
			t.Errorf("GET / after sign-in = %d, want 200 naming %s", home.StatusCode, o.User.DisplayName)
		}
		ev := o.newestLogin(t)
		if ev.Outcome != hub.OutcomeSuccess || ev.ActorID != o.User.ID || ev.Detail != "oidc; second factor at identity provider" {
			t.Errorf("audit event = %s actor %s %q, want success by %s with detail oidc", ev.Outcome, ev.ActorID, ev.Detail, o.User.ID)
		}
	})
}

// TestOIDCSecondFactor checks which amr claims count as a second factor:
// with one the session is complete; without, the user must still enter
// their Safehub code when the app requires MFA.
func TestOIDCSecondFactor(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		o := newOIDCEnv(t, engine, true, false)
		for _, tc := range []struct {
			amr []string
			mfa bool
		}{
			{[]string{"pwd", "mfa"}, true},
			{[]string{"pwd", "otp"}, true},
			{[]string{"pwd", "sms"}, true},
			{[]string{"fpt"}, true},
			{[]string{"face"}, true},
			{[]string{"hwk", "pin"}, true},
			{[]string{"swk", "fpt"}, true},
			{nil, false},
			{[]string{"pwd"}, false},
			{[]string{"hwk"}, false},
			{[]string{"swk", "swk"}, false},
			{[]string{"pwd", "kba"}, false},
			{[]string{"MFA"}, false},
		} {
			c, res := o.signIn(t, oidctest.Login{Subject: oidcSubject, AMR: tc.amr})
			want := "/sign-in/mfa"
			if tc.mfa {
				want = "/"
			}
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != want {
				t.Errorf("amr %q: callback = %d → %q, want 303 → %s", tc.amr, res.StatusCode, res.Header.Get("Location"), want)
				continue
			}
			if tc.mfa {
				continue
			}
			// MFA pending: nothing but the MFA pages until the code is right.
			if home := o.Get(t, c, "/"); home.StatusCode != http.StatusSeeOther || home.Header.Get("Location") != "/sign-in/mfa" {
				t.Errorf("amr %q: GET / while MFA pending = %d → %q, want 303 → /sign-in/mfa", tc.amr, home.StatusCode, home.Header.Get("Location"))
			}
			if ev := o.newestLogin(t); ev.Detail != "oidc; second factor pending" {
				t.Errorf("amr %q: audit detail = %q, want second factor pending", tc.amr, ev.Detail)
			}
			o.Clock.Advance(30 * time.Second)
			code, err := auth.TOTPCode(apptest.MFASecret, o.Clock.Now())
			if err != nil {
				t.Fatal(err)
			}
			if res := o.PostForm(t, c, "/sign-in/mfa", url.Values{"code": {code}}); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
				t.Errorf("amr %q: MFA = %d → %q, want 303 → /", tc.amr, res.StatusCode, res.Header.Get("Location"))
			}
			if home := o.Get(t, c, "/"); home.StatusCode != http.StatusOK {
				t.Errorf("amr %q: GET / after MFA = %d, want 200", tc.amr, home.StatusCode)
			}
		}
	})
}

// TestOIDCWithoutAppMFA checks that when the app does not require MFA (the
// demo), a token without a second factor gives a complete session.
func TestOIDCWithoutAppMFA(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		o := newOIDCEnv(t, engine, false, false)
		_, res := o.signIn(t, oidctest.Login{Subject: oidcSubject})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
			t.Fatalf("callback = %d → %q, want 303 → /", res.StatusCode, res.Header.Get("Location"))
		}
		if ev := o.newestLogin(t); ev.Outcome != hub.OutcomeSuccess || ev.Detail != "oidc" {
			t.Errorf("audit event = %s %q, want success %q", ev.Outcome, ev.Detail, "oidc")
		}
	})
}

// TestOIDCRequireIdPMFA checks the switch that refuses tokens whose amr
// shows no second factor, and accepts those that do.
func TestOIDCRequireIdPMFA(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		o := newOIDCEnv(t, engine, true, true)
		before := o.auditSize(t)
		_, res := o.signIn(t, oidctest.Login{Subject: oidcSubject, AMR: []string{"pwd"}})
		ev := o.checkRefused(t, res, before, msgNoMFA, "oidc: no second factor at identity provider (amr)")
		if ev.ActorID != o.User.ID {
			t.Errorf("refusal attributed to %q, want the linked user %s", ev.ActorID, o.User.ID)
		}
		_, res = o.signIn(t, oidctest.Login{Subject: oidcSubject, AMR: []string{"pwd", "otp"}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
			t.Errorf("with amr pwd+otp: callback = %d → %q, want 303 → /", res.StatusCode, res.Header.Get("Location"))
		}
	})
}

// TestOIDCRefused is SEC-13: every bad callback is refused with a plain
// message, no session, and one audit event.
func TestOIDCRefused(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		o := newOIDCEnv(t, engine, true, false)
		// Same subject, another provider: the pair, not the subject, links.
		o.linkedUser(t, "jo.elsewhere", "https://other-idp.example", "shared-subject", "")
		disabled := o.linkedUser(t, "jo.disabled", o.IdP.Issuer, "disabled-subject", "")
		o.updateUser(t, disabled.ID, func(u *hub.User) { u.Disabled = true })

		good := oidctest.Login{Subject: oidcSubject, AMR: []string{"pwd", "mfa"}}
		fault := func(f oidctest.Fault) oidctest.Login { l := good; l.Fault = f; return l }
		type mangler func(t *testing.T, flow *http.Cookie, cb *url.URL) *http.Client
		setQuery := func(k, v string) mangler {
			return func(t *testing.T, _ *http.Cookie, cb *url.URL) *http.Client {
				q := cb.Query()
				if v == "" {
					q.Del(k)
				} else {
					q.Set(k, v)
				}
				cb.RawQuery = q.Encode()
				return nil
			}
		}
		for _, tc := range []struct {
			name   string
			login  oidctest.Login
			mangle mangler
			msg    string
			detail string
			// byUser says the event names the linked user.
			byUser *hub.User
		}{
			{name: "unknown subject", login: oidctest.Login{Subject: "nobody-here", AMR: good.AMR},
				msg: msgNoAccount, detail: "oidc: no account linked to this subject"},
			{name: "email matches, subject differs", login: oidctest.Login{Subject: "someone-else", Email: oidcEmail, AMR: good.AMR},
				msg: msgNoAccount, detail: "oidc: no account linked to this subject"},
			{name: "subject linked at another issuer", login: oidctest.Login{Subject: "shared-subject", AMR: good.AMR},
				msg: msgNoAccount, detail: "oidc: no account linked to this subject"},
			{name: "disabled account", login: oidctest.Login{Subject: "disabled-subject", AMR: good.AMR},
				msg: msgNoAccount, detail: "oidc: account disabled", byUser: disabled},
			{name: "signed by a foreign key", login: fault(oidctest.ForeignKey),
				msg: msgFailed, detail: "oidc: id token rejected (signature, issuer or audience)"},
			{name: "tampered after signing", login: fault(oidctest.Tampered),
				msg: msgFailed, detail: "oidc: id token rejected (signature, issuer or audience)"},
			{name: "unsigned", login: fault(oidctest.Unsigned),
				msg: msgFailed, detail: "oidc: id token rejected (signature, issuer or audience)"},
			{name: "wrong audience", login: fault(oidctest.WrongAudience),
				msg: msgFailed, detail: "oidc: id token rejected (signature, issuer or audience)"},
			{name: "wrong issuer", login: fault(oidctest.WrongIssuer),
				msg: msgFailed, detail: "oidc: id token rejected (signature, issuer or audience)"},
			{name: "expired token", login: fault(oidctest.Expired),
				msg: msgFailed, detail: "oidc: id token expired"},
			{name: "nonce missing", login: fault(oidctest.NoNonce),
				msg: msgFailed, detail: "oidc: nonce missing"},
			{name: "nonce mismatched", login: fault(oidctest.WrongNonce),
				msg: msgFailed, detail: "oidc: nonce mismatch (replayed or injected token)"},
			{name: "provider refused", login: fault(oidctest.Deny),
				msg: msgFailed, detail: "oidc: provider returned error access_denied"},
			{name: "forged provider error", login: good, mangle: setQuery("error", "<script>alert(1)</script>"),
				msg: msgFailed, detail: "oidc: provider returned error (unrecognised)"},
			{name: "state missing", login: good, mangle: setQuery("state", ""),
				msg: msgRestart, detail: "oidc: state missing"},
			{name: "state mismatched", login: good, mangle: setQuery("state", "c3RhdGUtZnJvbS1hbm90aGVyLWZsb3ctMDEyMzQ1Njc4OWFi"),
				msg: msgRestart, detail: "oidc: state mismatch"},
			{name: "code missing", login: good, mangle: setQuery("code", ""),
				msg: msgFailed, detail: "oidc: no code"},
			{name: "code forged", login: good, mangle: setQuery("code", "forged"),
				msg: msgFailed, detail: "oidc: code exchange failed"},
			{name: "no flow cookie (another browser)", login: good,
				mangle: func(t *testing.T, _ *http.Cookie, _ *url.URL) *http.Client { return o.Client() },
				msg:    msgRestart, detail: "oidc: no sign-in in progress (state missing)"},
			{name: "flow cookie altered", login: good,
				mangle: func(t *testing.T, flow *http.Cookie, _ *url.URL) *http.Client {
					return o.withFlowCookie(t, alterFlow(t, flow.Value, func(f map[string]any) { f["n"] = "attacker-chosen-nonce" }))
				},
				msg: msgRestart, detail: "oidc: state cookie invalid"},
			{name: "flow expired", login: good,
				mangle: func(t *testing.T, _ *http.Cookie, _ *url.URL) *http.Client {
					o.Clock.Advance(10*time.Minute + time.Second)
					return nil
				},
				msg: msgRestart, detail: "oidc: state expired"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				o.IdP.Approve(tc.login)
				c := o.Client()
				u, flow, _ := o.begin(t, c)
				cb := o.authorize(t, c, u)
				if tc.mangle != nil {
					if c2 := tc.mangle(t, flow, cb); c2 != nil {
						c = c2
					}
				}
				before := o.auditSize(t)
				res := o.callback(t, c, cb)
				ev := o.checkRefused(t, res, before, tc.msg, tc.detail)
				wantActor := ""
				if tc.byUser != nil {
					wantActor = tc.byUser.ID
				}
				if ev.ActorID != wantActor {
					t.Errorf("event actor = %q, want %q", ev.ActorID, wantActor)
				}
			})
		}
	})
}

// withFlowCookie returns a new browser holding only the flow cookie value.
func (o *oidcEnv) withFlowCookie(t *testing.T, value string) *http.Client {
	t.Helper()
	c := o.Client()
	u, err := url.Parse(o.TS.URL)
	if err != nil {
		t.Fatal(err)
	}
	c.Jar.SetCookies(u, []*http.Cookie{{Name: flowCookieName, Value: value, Path: "/", Secure: true, HttpOnly: true}})
	return c
}

// alterFlow changes the flow cookie's payload and keeps its signature.
func alterFlow(t *testing.T, value string, change func(map[string]any)) string {
	t.Helper()
	payload, sig, ok := strings.Cut(value, ".")
	if !ok {
		t.Fatalf("flow cookie %q has no signature", value)
	}
	b, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		t.Fatal(err)
	}
	var f map[string]any
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	change(f)
	if b, err = json.Marshal(f); err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b) + "." + sig
}

// TestOIDCReplay checks replays: an ID token from an earlier sign-in
// offered in a new one (nonce mismatch), an earlier flow's cookie and
// token offered again with a fresh code (nonce already used), and the same
// callback delivered twice (code already used).
func TestOIDCReplay(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		o := newOIDCEnv(t, engine, true, false)
		good := oidctest.Login{Subject: oidcSubject, AMR: []string{"pwd", "mfa"}}
		o.IdP.Approve(good)
		c := o.Client()
		u, flow, _ := o.begin(t, c)
		cb := o.authorize(t, c, u)
		if res := o.callback(t, c, cb); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
			t.Fatalf("first sign-in: callback = %d → %q", res.StatusCode, res.Header.Get("Location"))
		}
		stolen := o.IdP.LastIDToken()

		t.Run("token from an earlier sign-in", func(t *testing.T) {
			before := o.auditSize(t)
			_, res := o.signIn(t, oidctest.Login{IDToken: stolen})
			o.checkRefused(t, res, before, msgFailed, "oidc: nonce mismatch (replayed or injected token)")
		})
		t.Run("earlier flow and token with a fresh code", func(t *testing.T) {
			o.IdP.Approve(oidctest.Login{IDToken: stolen})
			c2 := o.withFlowCookie(t, flow.Value)
			cb2 := o.authorize(t, c2, u) // the same authorization request again
			before := o.auditSize(t)
			o.checkRefused(t, o.callback(t, c2, cb2), before, msgFailed, "oidc: nonce replayed")
		})
		t.Run("callback delivered twice", func(t *testing.T) {
			o.IdP.Approve(good)
			before := o.auditSize(t)
			o.checkRefused(t, o.callback(t, o.withFlowCookie(t, flow.Value), cb), before, msgFailed, "oidc: code exchange failed")
		})
	})
}

// TestNewOIDC checks the configuration NewOIDC refuses.
func TestNewOIDC(t *testing.T) {
	idp := oidctest.New(t, oidctest.Options{})
	ok := web.OIDCConfig{Issuer: idp.Issuer, ClientID: idp.ClientID, ClientSecret: idp.ClientSecret, RedirectURL: "https://hub.example/sign-in/oidc/callback", HTTPClient: idp.Client()}
	if _, err := web.NewOIDC(context.Background(), ok); err != nil {
		t.Fatalf("NewOIDC(good config) = %v", err)
	}
	for name, change := range map[string]func(*web.OIDCConfig){
		"no issuer":             func(c *web.OIDCConfig) { c.Issuer = "" },
		"no client id":          func(c *web.OIDCConfig) { c.ClientID = "" },
		"http redirect":         func(c *web.OIDCConfig) { c.RedirectURL = "http://hub.example/sign-in/oidc/callback" },
		"other redirect path":   func(c *web.OIDCConfig) { c.RedirectURL = "https://hub.example/callback" },
		"issuer mismatch":       func(c *web.OIDCConfig) { c.Issuer = idp.Issuer + "/" },
		"certificate untrusted": func(c *web.OIDCConfig) { c.HTTPClient = nil },
		"provider is not OIDC":  func(c *web.OIDCConfig) { c.Issuer = idp.Issuer + "/nothing-here" },
	} {
		c := ok
		change(&c)
		if _, err := web.NewOIDC(context.Background(), c); err == nil {
			t.Errorf("%s: NewOIDC succeeded, want an error", name)
		}
	}
}
