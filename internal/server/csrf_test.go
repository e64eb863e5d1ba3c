package server_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/safehub/safehub/internal/apptest"
	"github.com/safehub/safehub/internal/hub"
)

// csrfCases are SEC-32's rows, in its order, with its verdicts.
var csrfCases = []struct {
	name    string
	header  http.Header
	allowed bool
}{
	{"Sec-Fetch-Site cross-site", http.Header{"Sec-Fetch-Site": {"cross-site"}}, false},
	// Same-site is another origin (a sibling subdomain): refused.
	{"Sec-Fetch-Site same-site", http.Header{"Sec-Fetch-Site": {"same-site"}}, false},
	{"Sec-Fetch-Site same-origin", http.Header{"Sec-Fetch-Site": {"same-origin"}}, true},
	// A user-initiated navigation (typed URL, bookmark).
	{"Sec-Fetch-Site none", http.Header{"Sec-Fetch-Site": {"none"}}, true},
	{"foreign Origin without Sec-Fetch-Site", http.Header{"Origin": {"https://evil.example"}}, false},
	// Not a browser: nothing to forge.
	{"no headers", nil, true},
	// Sec-Fetch-Site decides when present, whatever Origin claims.
	{"cross-site with our Origin", http.Header{"Sec-Fetch-Site": {"cross-site"}, "Origin": {"SELF"}}, false},
	{"foreign Origin null", http.Header{"Origin": {"null"}}, false},
}

func csrfHeader(h *harness, hd http.Header) http.Header {
	out := http.Header{}
	for k, vs := range hd {
		for _, v := range vs {
			if v == "SELF" {
				v = h.TS.URL
			}
			out.Add(k, v)
		}
	}
	return out
}

// TestCrossOriginProtection is the CSRF matrix (SEC-32) on state-changing
// routes for a signed-in browser.
func TestCrossOriginProtection(t *testing.T) {
	h := newHarness(t, firstEngine(), apptest.Options{RequireMFA: true})
	u := h.Users[hub.RolePractitioner]
	c := h.signIn(t, u)

	t.Run("POST /persons/search", func(t *testing.T) {
		for _, tc := range csrfCases {
			res := h.send(t, c, request{method: http.MethodPost, path: "/persons/search", form: url.Values{"q": {"Smith"}}, header: csrfHeader(h, tc.header), noFetchMeta: true, authed: true})
			checkCSRF(t, tc.name, tc.allowed, res, http.StatusOK)
		}
	})

	t.Run("POST /account/sessions/end-others", func(t *testing.T) {
		for _, tc := range csrfCases {
			other := h.signIn(t, u)
			res := h.send(t, c, request{method: http.MethodPost, path: "/account/sessions/end-others", form: url.Values{}, header: csrfHeader(h, tc.header), noFetchMeta: true, authed: true})
			checkCSRF(t, tc.name, tc.allowed, res, http.StatusOK)
			// A refused request changed nothing: the other session lives.
			alive := h.get(t, other, "/").StatusCode == http.StatusOK
			if alive == tc.allowed {
				t.Errorf("%s: other session alive = %v after the request, want %v", tc.name, alive, !tc.allowed)
			}
		}
	})

	t.Run("POST /sign-in", func(t *testing.T) {
		// Login CSRF: a foreign site cannot sign the browser in.
		for _, tc := range csrfCases {
			if tc.allowed {
				continue
			}
			res := h.send(t, h.Client(), request{method: http.MethodPost, path: "/sign-in", form: url.Values{"username": {u.Username}, "password": {apptest.Password}}, header: csrfHeader(h, tc.header), noFetchMeta: true})
			checkCSRF(t, tc.name, false, res, 0)
			if _, ok := sessionCookie(res); ok {
				t.Errorf("%s: refused sign-in set a session cookie", tc.name)
			}
		}
	})
}

func checkCSRF(t *testing.T, name string, allowed bool, res *apptest.Response, okStatus int) {
	t.Helper()
	if allowed {
		if res.StatusCode != okStatus {
			t.Errorf("%s: status %d, want %d (allowed)", name, res.StatusCode, okStatus)
		}
		return
	}
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("%s: status %d, want 403", name, res.StatusCode)
		return
	}
	if !strings.Contains(res.Body, "came from another site") {
		t.Errorf("%s: 403 page does not say why: %.300s", name, res.Body)
	}
}

// TestStateChangingRoutesRefuseGET: every route that changes state refuses
// GET with 405, unless GET on that path is a different, read-only route
// (GET /persons/{id} beside POST /persons/{id}).
func TestStateChangingRoutesRefuseGET(t *testing.T) {
	h := newHarness(t, firstEngine(), apptest.Options{RequireMFA: true})
	routes := h.Server.Routes()
	mux := http.NewServeMux()
	for _, rt := range routes {
		mux.Handle(rt.Pattern, http.NotFoundHandler())
	}
	clients := map[string]*http.Client{"anonymous": h.Client(), "manager": h.signIn(t, h.Users[hub.RoleManager]), "admin": h.signIn(t, h.Users[hub.RoleAdmin])}
	checked := 0
	for _, rt := range routes {
		method, path, _ := strings.Cut(rt.Pattern, " ")
		if method == http.MethodGet || method == http.MethodHead {
			continue
		}
		path = strings.ReplaceAll(strings.ReplaceAll(path, "{$}", ""), "{id}", hub.NewID())
		_, pattern := mux.Handler(httptest.NewRequest(http.MethodGet, path, nil))
		if strings.HasPrefix(pattern, "GET ") {
			// GET reaches a read route; the matrix covers it.
			continue
		}
		checked++
		for name, c := range clients {
			res := h.get(t, c, path)
			if res.StatusCode != http.StatusMethodNotAllowed {
				t.Errorf("GET %s (for %s) as %s = %d, want 405", path, rt.Pattern, name, res.StatusCode)
			}
			if allow := res.Header.Get("Allow"); strings.Contains(allow, "GET") {
				t.Errorf("GET %s: Allow = %q includes GET", path, allow)
			}
		}
	}
	if checked < 5 {
		t.Errorf("only %d state-changing routes checked", checked)
	}
}

// TestCORS: no origin is granted cross-origin reads (SEC-33); check()
// asserts the absence of Access-Control-Allow-Origin on every response, and
// here on requests that ask for it.
func TestCORS(t *testing.T) {
	h := newHarness(t, firstEngine(), apptest.Options{RequireMFA: true})
	tok := h.Token(t, h.Users[hub.RolePractitioner], hub.ScopePersonRead)
	c := h.signIn(t, h.Users[hub.RolePractitioner])
	evil := http.Header{"Origin": {"https://evil.example"}}
	for _, rq := range []struct {
		c  *http.Client
		rq request
	}{
		{nil, request{method: http.MethodGet, path: "/api/v1/me", bearer: tok, header: evil, authed: true}},
		{c, request{method: http.MethodGet, path: "/", header: evil, authed: true}},
		{c, request{method: http.MethodGet, path: "/account", header: evil, authed: true}},
		{nil, request{method: http.MethodGet, path: "/api/v1/openapi.json", header: evil}},
		{nil, request{method: http.MethodOptions, path: "/api/v1/me", header: http.Header{"Origin": {"https://evil.example"}, "Access-Control-Request-Method": {"GET"}, "Access-Control-Request-Headers": {"authorization"}}}},
		{nil, request{method: http.MethodOptions, path: "/api/v1/persons/_search", header: http.Header{"Origin": {"https://evil.example"}, "Access-Control-Request-Method": {"POST"}}}},
	} {
		res := h.send(t, rq.c, rq.rq)
		if v := res.Header.Get("Access-Control-Allow-Credentials"); v != "" {
			t.Errorf("%s %s: Access-Control-Allow-Credentials = %q", rq.rq.method, rq.rq.path, v)
		}
		if rq.rq.method == http.MethodOptions && res.StatusCode < 300 {
			t.Errorf("preflight %s = %d, want refused", rq.rq.path, res.StatusCode)
		}
	}
}
