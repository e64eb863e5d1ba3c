package server_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/safehub/safehub/internal/apptest"
	"github.com/safehub/safehub/internal/auth"
	"github.com/safehub/safehub/internal/httpx"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
	"github.com/safehub/safehub/internal/store/pgtest"
	"github.com/safehub/safehub/internal/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// harness is a running Safehub whose every response is checked for the
// headers SEC-31 and SEC-33 demand, for session tokens leaking into URLs and
// bodies (SEC-20), and for CSP nonces used twice.
type harness struct {
	*apptest.Env

	mu     sync.Mutex
	nonces map[string]string // nonce → the request that got it
	tokens map[string]bool   // every session token the server has issued
	codes  []string          // every TOTP code the tests computed
}

func newHarness(t testing.TB, engine string, opt apptest.Options) *harness {
	t.Helper()
	return &harness{Env: apptest.New(t, engine, opt), nonces: map[string]string{}, tokens: map[string]bool{}}
}

// request describes one request for harness.send.
type request struct {
	method string
	path   string
	// form is sent as application/x-www-form-urlencoded; json as
	// application/json. At most one is set.
	form url.Values
	json string
	// header is added to the request. A state-changing request also gets
	// the headers a same-origin form post carries (Sec-Fetch-Site, Origin)
	// unless noFetchMeta is set.
	header      http.Header
	noFetchMeta bool
	bearer      string
	// authed says the request carries a credential its route accepts, so the
	// response must not be cached (Cache-Control: no-store).
	authed bool
}

// send sends rq with client c (nil for a fresh anonymous client) and checks
// the response's headers.
func (h *harness) send(t testing.TB, c *http.Client, rq request) *apptest.Response {
	t.Helper()
	if c == nil {
		c = h.Client()
	}
	var body io.Reader
	switch {
	case rq.form != nil:
		body = strings.NewReader(rq.form.Encode())
	case rq.json != "":
		body = strings.NewReader(rq.json)
	}
	req, err := http.NewRequest(rq.method, h.TS.URL+rq.path, body)
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case rq.form != nil:
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	case rq.json != "":
		req.Header.Set("Content-Type", "application/json")
	}
	if !safeMethod(rq.method) && !rq.noFetchMeta {
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		req.Header.Set("Origin", h.TS.URL)
	}
	if rq.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+rq.bearer)
	}
	for k, vs := range rq.header {
		req.Header[k] = vs
	}
	res := h.Do(t, c, req)
	h.check(t, rq, res)
	return res
}

func (h *harness) get(t testing.TB, c *http.Client, path string) *apptest.Response {
	t.Helper()
	return h.send(t, c, request{method: http.MethodGet, path: path})
}

func (h *harness) post(t testing.TB, c *http.Client, path string, form url.Values) *apptest.Response {
	t.Helper()
	if form == nil {
		form = url.Values{}
	}
	return h.send(t, c, request{method: http.MethodPost, path: path, form: form})
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

var (
	scriptTag  = regexp.MustCompile(`(?is)<script\b[^>]*>`)
	nonceAttr  = regexp.MustCompile(`(?i)\snonce="([^"]*)"`)
	srcAttr    = regexp.MustCompile(`(?i)\ssrc="[^"]+"`)
	styleAttr  = regexp.MustCompile(`(?i)<[a-z][^>]*\sstyle\s*=`)
	styleElem  = regexp.MustCompile(`(?i)<style\b`)
	eventAttr  = regexp.MustCompile(`(?i)<[a-z][^>]*\son[a-z]+\s*=`)
	jsURL      = regexp.MustCompile(`(?i)(href|src|action)\s*=\s*"\s*javascript:`)
	maxAgeHSTS = regexp.MustCompile(`max-age=(\d+)`)
)

// check asserts what every response must carry.
func (h *harness) check(t testing.TB, rq request, res *apptest.Response) {
	t.Helper()
	what := rq.method + " " + rq.path
	hd := res.Header

	// CSP with a fresh nonce (SEC-31).
	csp := hd.Get("Content-Security-Policy")
	dirs := map[string][]string{}
	for _, d := range strings.Split(csp, ";") {
		f := strings.Fields(d)
		if len(f) > 0 {
			dirs[strings.ToLower(f[0])] = f[1:]
		}
	}
	nonce := ""
	for _, v := range dirs["script-src"] {
		if n, ok := strings.CutPrefix(v, "'nonce-"); ok {
			nonce = strings.TrimSuffix(n, "'")
		}
	}
	if len(nonce) < 16 {
		t.Errorf("%s: CSP script-src has no nonce of at least 16 characters: %q", what, csp)
	}
	for _, want := range []struct{ dir, val string }{{"object-src", "'none'"}, {"base-uri", "'none'"}, {"frame-ancestors", "'none'"}} {
		if got := dirs[want.dir]; len(got) != 1 || got[0] != want.val {
			t.Errorf("%s: CSP %s = %q, want %s", what, want.dir, got, want.val)
		}
	}
	if len(dirs["report-uri"]) == 0 && len(dirs["report-to"]) == 0 {
		t.Errorf("%s: CSP has no report-uri or report-to: %q", what, csp)
	}
	for _, d := range []string{"script-src", "style-src", "default-src"} {
		for _, v := range dirs[d] {
			if v == "'unsafe-inline'" || v == "'unsafe-eval'" || v == "*" {
				t.Errorf("%s: CSP %s allows %s", what, d, v)
			}
		}
	}
	if nonce != "" {
		h.mu.Lock()
		if prev, dup := h.nonces[nonce]; dup {
			t.Errorf("%s: CSP nonce %q was already given to %s", what, nonce, prev)
		}
		h.nonces[nonce] = what
		h.mu.Unlock()
	}

	// The other security headers (SEC-31).
	if got := hd.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("%s: X-Content-Type-Options = %q, want nosniff", what, got)
	}
	if got := hd.Get("Referrer-Policy"); got != "no-referrer" && got != "strict-origin-when-cross-origin" {
		t.Errorf("%s: Referrer-Policy = %q", what, got)
	}
	if got := hd.Get("Cross-Origin-Opener-Policy"); got != "same-origin" {
		t.Errorf("%s: Cross-Origin-Opener-Policy = %q, want same-origin", what, got)
	}
	hsts := hd.Get("Strict-Transport-Security")
	m := maxAgeHSTS.FindStringSubmatch(hsts)
	if m == nil || !strings.Contains(hsts, "includeSubDomains") {
		t.Errorf("%s: Strict-Transport-Security = %q, want max-age ≥ 31536000; includeSubDomains", what, hsts)
	} else if n, _ := strconv.Atoi(m[1]); n < 31536000 {
		t.Errorf("%s: Strict-Transport-Security max-age = %d, want ≥ 31536000", what, n)
	}
	if s := hd.Get("Server"); s != "" && strings.ContainsAny(s, "0123456789/") {
		t.Errorf("%s: Server header reveals a version: %q", what, s)
	}
	if s := hd.Get("X-Powered-By"); s != "" {
		t.Errorf("%s: X-Powered-By = %q", what, s)
	}
	// CORS (SEC-33): no origin is ever allowed by echo or wildcard.
	if s := hd.Get("Access-Control-Allow-Origin"); s != "" {
		t.Errorf("%s: Access-Control-Allow-Origin = %q, want none", what, s)
	}
	if hd.Get("X-Request-Id") == "" {
		t.Errorf("%s: no X-Request-Id", what)
	}

	ct := hd.Get("Content-Type")
	if res.Body != "" && ct == "" {
		t.Errorf("%s: a body of %d bytes without Content-Type", what, len(res.Body))
	}
	isHTML := strings.HasPrefix(ct, "text/html")
	if (isHTML || strings.HasPrefix(ct, "application/json") || strings.HasPrefix(ct, "text/")) && !strings.Contains(strings.ToLower(ct), "charset=utf-8") {
		t.Errorf("%s: Content-Type = %q, want charset=utf-8", what, ct)
	}
	if rq.authed && res.StatusCode < 300 && !strings.HasPrefix(rq.path, "/static/") {
		if cc := hd.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
			t.Errorf("%s: authenticated response has Cache-Control %q, want no-store", what, cc)
		}
	}

	// HTML: scripts only from files, with this response's nonce; no inline
	// styles or event handlers.
	if isHTML {
		for _, tag := range scriptTag.FindAllString(res.Body, -1) {
			if !srcAttr.MatchString(tag) {
				t.Errorf("%s: inline script: %s", what, tag)
			}
			nm := nonceAttr.FindStringSubmatch(tag)
			if nm == nil || html.UnescapeString(nm[1]) != nonce {
				t.Errorf("%s: script without this response's nonce %q: %s", what, nonce, tag)
			}
		}
		if loc := styleAttr.FindString(res.Body); loc != "" {
			t.Errorf("%s: inline style attribute: %s", what, loc)
		}
		if styleElem.MatchString(res.Body) {
			t.Errorf("%s: inline <style> element", what)
		}
		if loc := eventAttr.FindString(res.Body); loc != "" {
			t.Errorf("%s: inline event handler: %s", what, loc)
		}
		if jsURL.MatchString(res.Body) {
			t.Errorf("%s: javascript: URL", what)
		}
	}

	// Session tokens never travel in URLs or bodies (SEC-20).
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, sc := range res.Cookies() {
		if sc.Name == httpx.SessionCookie && sc.Value != "" {
			h.tokens[sc.Value] = true
		}
	}
	loc := hd.Get("Location")
	for tok := range h.tokens {
		if strings.Contains(loc, tok) {
			t.Errorf("%s: Location %q carries a session token", what, loc)
		}
		if strings.Contains(res.Body, tok) {
			t.Errorf("%s: body carries a session token", what)
		}
	}
	if strings.Contains(loc, auth.SessionTokenPrefix) || !strings.HasPrefix(rq.path, "/static/") && strings.Contains(res.Body, auth.SessionTokenPrefix) {
		t.Errorf("%s: response mentions a session token (prefix %q)", what, auth.SessionTokenPrefix)
	}
}

// sessionCookie returns the value of the session cookie the response sets,
// and whether it sets one.
func sessionCookie(res *apptest.Response) (string, bool) {
	for _, c := range res.Cookies() {
		if c.Name == httpx.SessionCookie {
			return c.Value, true
		}
	}
	return "", false
}

// cookieClient returns a client whose jar holds the session token tok.
func (h *harness) cookieClient(t testing.TB, tok string) *http.Client {
	t.Helper()
	c := h.Client()
	u, _ := url.Parse(h.TS.URL)
	c.Jar.SetCookies(u, []*http.Cookie{{Name: httpx.SessionCookie, Value: tok, Path: "/", Secure: true}})
	return c
}

// currentToken returns the session token c holds.
func (h *harness) currentToken(t testing.TB, c *http.Client) string {
	t.Helper()
	u, _ := url.Parse(h.TS.URL)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == httpx.SessionCookie {
			return ck.Value
		}
	}
	return ""
}

// passwordOnly signs u in with the password alone and returns the client,
// whose session is then MFA pending.
func (h *harness) passwordOnly(t testing.TB, u *hub.User) *http.Client {
	t.Helper()
	return h.passwordOnlyWith(t, u, apptest.Password)
}

func (h *harness) passwordOnlyWith(t testing.TB, u *hub.User, password string) *http.Client {
	t.Helper()
	c := h.Client()
	res := h.post(t, c, "/sign-in", url.Values{"username": {u.Username}, "password": {password}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/sign-in/mfa" {
		t.Fatalf("password sign-in as %s = %d %q, want 303 to /sign-in/mfa", u.Username, res.StatusCode, res.Header.Get("Location"))
	}
	return c
}

// code returns the TOTP code at the clock's time plus offset steps.
func (h *harness) code(t testing.TB, offset int) string {
	t.Helper()
	c, err := auth.TOTPCode(apptest.MFASecret, h.Clock.Now().Add(time.Duration(offset)*30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	h.mu.Lock()
	h.codes = append(h.codes, c)
	h.mu.Unlock()
	return c
}

// signIn signs in fully, checking each step's headers, and returns the
// client. It moves the clock on one TOTP step first so that the code is
// never a replay.
func (h *harness) signIn(t testing.TB, u *hub.User) *http.Client {
	t.Helper()
	return h.signInWith(t, u, apptest.Password)
}

func (h *harness) signInWith(t testing.TB, u *hub.User, password string) *http.Client {
	t.Helper()
	c := h.passwordOnlyWith(t, u, password)
	h.Clock.Advance(30 * time.Second)
	res := h.post(t, c, "/sign-in/mfa", url.Values{"code": {h.code(t, 0)}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		t.Fatalf("MFA as %s = %d %q, want 303 to /", u.Username, res.StatusCode, res.Header.Get("Location"))
	}
	return c
}

// auditSince returns the audit events appended since index from, oldest
// first.
func (h *harness) auditSince(t testing.TB, from int64) []*hub.AuditEvent {
	t.Helper()
	var out []*hub.AuditEvent
	err := h.Store.Read(context.Background(), func(tx *store.Tx) error {
		es, err := tx.FindAuditEvents(store.AuditFilter{Limit: 500})
		if err != nil {
			return err
		}
		for i := len(es) - 1; i >= 0; i-- {
			if es[i].Index >= from {
				out = append(out, es[i])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// auditSize returns the number of audit entries.
func (h *harness) auditSize(t testing.TB) int64 {
	t.Helper()
	var n int64
	err := h.Store.Read(context.Background(), func(tx *store.Tx) error {
		var err error
		n, err = tx.AuditSize()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// isSignInRedirect reports whether res sends the browser to sign in.
func isSignInRedirect(res *apptest.Response) bool {
	return res.StatusCode == http.StatusSeeOther && res.Header.Get("Location") == "/sign-in"
}

// firstEngine is the engine for tests that exercise HTTP only: the store
// does not matter to them, so one engine (SQLite by default) is enough.
func firstEngine() string { return storetest.Engines()[0] }

// normalise removes what differs between two renderings of the same page:
// the CSP nonce, the request id and record ids.
func normalise(res *apptest.Response, extra ...string) string {
	b := res.Body
	if n := nonceAttr.FindStringSubmatch(b); n != nil {
		b = strings.ReplaceAll(b, n[1], "NONCE")
	}
	if id := res.Header.Get("X-Request-Id"); id != "" {
		b = strings.ReplaceAll(b, id, "REQUEST-ID")
	}
	for _, x := range extra {
		if x != "" {
			b = strings.ReplaceAll(b, x, "X")
		}
	}
	return uuidRE.ReplaceAllString(b, "ID")
}

var uuidRE = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
