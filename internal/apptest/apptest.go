// Package apptest starts a whole Safehub in-process for tests: a real store
// on the chosen engine, the app with a settable clock, the web and API
// surfaces behind the server's middleware on an httptest TLS server, and a
// small partnership (three areas, an agency of each kind, one user per role)
// ready to sign in.
package apptest

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/api"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/auth"
	"github.com/safehub/safehub/internal/fhirapi"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/server"
	"github.com/safehub/safehub/internal/store"
	"github.com/safehub/safehub/internal/store/storetest"
	"github.com/safehub/safehub/internal/web"
	"github.com/safehub/safehub/internal/web/static"
)

// Password is every test user's password.
const Password = "correct-tolerable-orchard-lamp"

// Options adjust New.
type Options struct {
	// RequireMFA makes sign-in need a TOTP code (every test user is enrolled
	// with a known secret). Off by default, as in the demo.
	RequireMFA bool
	// Demo shows the demo banner.
	Demo bool
	// Config, if set, replaces the app configuration.
	Config *app.Config
	// OIDC, if set, offers sign-in through an identity provider (such as an
	// oidctest.Provider). An empty RedirectURL becomes the test server's
	// callback URL.
	OIDC *web.OIDCConfig
	// FHIR, if set, replaces the FHIR surface's configuration.
	FHIR *fhirapi.Config
}

// Env is a running Safehub.
type Env struct {
	Store  *storetest.Store
	App    *app.App
	Clock  *storetest.Clock
	Server *server.Server
	TS     *httptest.Server
	Log    *LogBuffer
	// Flags is the health flag look-up service behind the FHIR surface.
	Flags *app.FlagLookups

	Areas    map[string]*hub.Area // by code: "855" Leicestershire, "856" Leicester, "857" Rutland
	Agencies map[hub.AgencyKind]*hub.Agency
	// Users holds one user per role, working in Leicester (856) only,
	// except the administrator, who has no area.
	Users map[hub.Role]*hub.User
}

// New starts a Safehub on engine.
func New(t testing.TB, engine string, opt Options) *Env {
	t.Helper()
	clock := storetest.NewClock(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
	st := storetest.Open(t, engine, storetest.Options{Clock: clock})
	cfg := app.DefaultConfig()
	cfg.PasswordParams = auth.MinimumParams
	cfg.RequireMFA = opt.RequireMFA
	if opt.Config != nil {
		cfg = *opt.Config
	}
	if cfg.Cases.AttachmentDir == "" {
		// Case-note attachments go to a folder of the test's own.
		cfg.Cases.AttachmentDir = filepath.Join(t.TempDir(), "attachments")
	}
	logs := &LogBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a, err := app.New(st.DB, cfg, clock, log)
	if err != nil {
		t.Fatal(err)
	}
	e := &Env{Store: st, App: a, Clock: clock, Log: logs, Areas: map[string]*hub.Area{}, Agencies: map[hub.AgencyKind]*hub.Agency{}, Users: map[hub.Role]*hub.User{}}
	e.seed(t)
	assets := Assets(t)
	// The server's address is needed before the web handler is built (for
	// the OIDC redirect URL), so it listens first and delegates later.
	e.TS = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { e.Server.ServeHTTP(w, r) }))
	wcfg := web.Config{Demo: opt.Demo, Version: "test"}
	if opt.OIDC != nil {
		oc := *opt.OIDC
		if oc.RedirectURL == "" {
			oc.RedirectURL = "https://" + e.TS.Listener.Addr().String() + "/sign-in/oidc/callback"
		}
		if wcfg.OIDC, err = web.NewOIDC(context.Background(), oc); err != nil {
			t.Fatal(err)
		}
	}
	w, err := web.NewHandler(wcfg, a, assets, log)
	if err != nil {
		t.Fatal(err)
	}
	e.Flags, err = a.StartFlagLookups(context.Background(), app.FlagLookupOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Flags.Close)
	fcfg := fhirapi.Config{TLS: true, Version: "test"}
	if opt.FHIR != nil {
		fcfg = *opt.FHIR
	}
	e.Server = server.New(server.Config{TLS: true}, a, log, w, api.NewHandler(a, log), fhirapi.NewHandler(e.Flags, log, fcfg))
	e.TS.Config.ErrorLog = slog.NewLogLogger(log.Handler(), slog.LevelWarn)
	e.TS.StartTLS()
	t.Cleanup(e.TS.Close)
	return e
}

// Assets loads the built front-end bundle, or, when it has not been built
// and this is not CI, a stand-in with empty files so that server tests run
// without npm.
func Assets(t testing.TB) *static.Assets {
	t.Helper()
	a, err := static.Load()
	if err == nil {
		return a
	}
	if !errors.Is(err, static.ErrBundleMissing) || os.Getenv("CI") == "true" {
		t.Fatalf("load front-end bundle: %v", err)
	}
	a, err = static.LoadFS(fstest.MapFS{
		"manifest.json": {Data: []byte(`{"app.js":"app-TEST.js","app.css":"app-TEST.css"}`)},
		"app-TEST.js":   {Data: []byte("")},
		"app-TEST.css":  {Data: []byte("")},
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// System is the administrator actor used for setup.
var System = app.System("test")

func (e *Env) seed(t testing.TB) {
	ctx := context.Background()
	for _, ar := range []hub.Area{{Code: "855", Name: "Leicestershire"}, {Code: "856", Name: "Leicester"}, {Code: "857", Name: "Rutland"}} {
		ar := ar
		if err := e.App.CreateArea(ctx, System, &ar); err != nil {
			t.Fatal(err)
		}
		e.Areas[ar.Code] = &ar
	}
	for _, k := range hub.AgencyKinds {
		ag := &hub.Agency{Name: "Test " + k.Label(), Kind: k}
		if err := e.App.CreateAgency(ctx, System, ag); err != nil {
			t.Fatal(err)
		}
		e.Agencies[k] = ag
	}
	agencyFor := map[hub.Role]hub.AgencyKind{
		hub.RolePractitioner: hub.AgencySocialCare, hub.RolePolice: hub.AgencyPolice, hub.RoleAnalyst: hub.AgencyPolice,
		hub.RoleNurse: hub.AgencyHealth, hub.RoleEducation: hub.AgencyEducation, hub.RoleManager: hub.AgencySocialCare,
		hub.RoleAdmin: hub.AgencySocialCare, hub.RoleAuditor: hub.AgencySocialCare, hub.RolePartner: hub.AgencyVoluntary,
	}
	for _, r := range hub.Roles {
		in := app.NewUser{Username: "test." + string(r), DisplayName: "Test " + r.Label(), AgencyID: e.Agencies[agencyFor[r]].ID, Roles: []hub.Role{r}, Password: Password}
		if r != hub.RoleAdmin {
			in.AreaIDs = []string{e.Areas["856"].ID}
		}
		u, err := e.App.CreateUser(ctx, System, in)
		if err != nil {
			t.Fatalf("create %s: %v", r, err)
		}
		e.enrolMFA(t, u)
		e.Users[r] = u
	}
}

// MFASecret is every test user's TOTP secret.
const MFASecret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

func (e *Env) enrolMFA(t testing.TB, u *hub.User) {
	err := e.Store.Tx(context.Background(), func(tx *store.Tx) error {
		cur, err := tx.User(u.ID)
		if err != nil {
			return err
		}
		cur.MFASecret, cur.MFAEnrolled = MFASecret, true
		return tx.UpdateUser(cur)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// NewUser creates another user with the given roles and areas (by code),
// enrolled in MFA with MFASecret and with password Password.
func (e *Env) NewUser(t testing.TB, username string, agency hub.AgencyKind, roles []hub.Role, areaCodes ...string) *hub.User {
	t.Helper()
	in := app.NewUser{Username: username, DisplayName: "Test " + username, AgencyID: e.Agencies[agency].ID, Roles: roles, Password: Password}
	for _, c := range areaCodes {
		in.AreaIDs = append(in.AreaIDs, e.Areas[c].ID)
	}
	u, err := e.App.CreateUser(context.Background(), System, in)
	if err != nil {
		t.Fatal(err)
	}
	e.enrolMFA(t, u)
	return u
}

// Actor returns the access actor for a user, as a session would build it.
func (e *Env) Actor(u *hub.User) *access.Actor {
	var kind hub.AgencyKind
	for k, ag := range e.Agencies {
		if ag.ID == u.AgencyID {
			kind = k
		}
	}
	return &access.Actor{ID: u.ID, Name: u.Username, AgencyID: u.AgencyID, AgencyKind: kind, Roles: u.Roles, AreaIDs: u.AreaIDs}
}

// RoleActor returns the actor of the test user with role r.
func (e *Env) RoleActor(r hub.Role) *access.Actor { return e.Actor(e.Users[r]) }

// NewPerson creates a synthetic person in area code as the practitioner
// of that area (a manager actor with the area is used, so any area works).
func (e *Env) NewPerson(t testing.TB, areaCode string, in app.PersonInput) *hub.Person {
	t.Helper()
	in.AreaID = e.Areas[areaCode].ID
	in.Synthetic = true
	if in.GivenName == "" && in.FamilyName == "" {
		in.GivenName, in.FamilyName = "Test", "Person"
	}
	actor := &access.Actor{ID: "", Name: "test-setup", AgencyID: e.Agencies[hub.AgencySocialCare].ID, Roles: []hub.Role{hub.RoleManager}, AreaIDs: []string{e.Areas[areaCode].ID}}
	p, err := e.App.CreatePerson(context.Background(), actor, in)
	if err != nil {
		t.Fatalf("create person: %v", err)
	}
	return p
}

// Client returns an HTTPS client for the test server with its own cookie
// jar, which does not follow redirects.
func (e *Env) Client() *http.Client {
	jar, _ := cookiejar.New(nil)
	c := e.TS.Client()
	tr := c.Transport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // test server's own certificate
	return &http.Client{Transport: tr, Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, Timeout: 30 * time.Second}
}

// SignIn signs in as u (completing MFA when required) and returns the
// client holding the session cookie.
func (e *Env) SignIn(t testing.TB, u *hub.User) *http.Client {
	t.Helper()
	c := e.Client()
	res := e.PostForm(t, c, "/sign-in", url.Values{"username": {u.Username}, "password": {Password}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in as %s: status %d", u.Username, res.StatusCode)
	}
	if res.Header.Get("Location") == "/sign-in/mfa" {
		// A fresh time step each time, so the code is never a replay.
		e.Clock.Advance(30 * time.Second)
		code, err := auth.TOTPCode(MFASecret, e.Clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		res = e.PostForm(t, c, "/sign-in/mfa", url.Values{"code": {code}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
			t.Fatalf("MFA for %s: status %d, location %q", u.Username, res.StatusCode, res.Header.Get("Location"))
		}
	}
	return c
}

// SignInRole signs in as the test user with role r.
func (e *Env) SignInRole(t testing.TB, r hub.Role) *http.Client { return e.SignIn(t, e.Users[r]) }

// PostForm posts a form as a same-origin browser would (Sec-Fetch-Site:
// same-origin) and returns the response with its body read and closed.
func (e *Env) PostForm(t testing.TB, c *http.Client, path string, form url.Values) *Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.TS.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Origin", e.TS.URL)
	return e.Do(t, c, req)
}

// Get fetches path.
func (e *Env) Get(t testing.TB, c *http.Client, path string) *Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.TS.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return e.Do(t, c, req)
}

// Response is an HTTP response with its body read.
type Response struct {
	*http.Response
	Body string
}

// Do sends req and reads the whole body.
func (e *Env) Do(t testing.TB, c *http.Client, req *http.Request) *Response {
	t.Helper()
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return &Response{Response: res, Body: string(b)}
}

// Token creates an API token. With user set it is a personal token for
// that user; otherwise a machine client of the social care agency.
func (e *Env) Token(t testing.TB, user *hub.User, scopes ...hub.Scope) string {
	t.Helper()
	in := app.NewAPIClient{Name: "test client", Setting: "test", AgencyID: e.Agencies[hub.AgencySocialCare].ID, Scopes: scopes}
	if user != nil {
		in.UserID = user.ID
	}
	_, tok, err := e.App.CreateAPIClient(context.Background(), System, in)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// LogBuffer collects log output for assertions (goroutine-safe).
type LogBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

// Write implements io.Writer.
func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// String returns everything logged so far.
func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
