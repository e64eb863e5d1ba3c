package server_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/apptest"
	"github.com/safehub/safehub/internal/hub"
)

var hrefRE = regexp.MustCompile(`\shref="(/[^"#]*)`)

// TestCrawlHeaders (SEC-31) crawls the pages each kind of user can reach by
// following links, from every GET route, checking every response's headers
// and HTML (harness.check). A link the interface offers must work: the
// navigation never shows a page the user may not open.
func TestCrawlHeaders(t *testing.T) {
	h := newHarness(t, firstEngine(), apptest.Options{RequireMFA: true})
	p := h.NewPerson(t, "856", app.PersonInput{GivenName: "Crawl", FamilyName: "Child", DateOfBirth: "2013-07-08"})
	h.NewPerson(t, "856", app.PersonInput{GivenName: "Hidden", FamilyName: "Child", Restricted: true})
	fx := &fixture{h: h, person: p, user: h.Users[hub.RolePartner], asset: apptest.Assets(t).URL("app.js")}

	var gets []string
	for _, rt := range h.Server.Routes() {
		if method, _ := fx.path(rt.Pattern); method == http.MethodGet {
			_, path := fx.path(rt.Pattern)
			if !strings.Contains(path, "{") {
				gets = append(gets, path)
			}
		}
	}

	crawl := func(t *testing.T, name string, c *http.Client, authed bool, start []string) {
		seen := map[string]bool{}
		queue := append([]string(nil), start...)
		pages := 0
		for len(queue) > 0 && pages < 80 {
			path := queue[0]
			queue = queue[1:]
			if seen[path] {
				continue
			}
			seen[path] = true
			pages++
			res := h.send(t, c, request{method: http.MethodGet, path: path, authed: authed && !strings.HasPrefix(path, "/static/")})
			if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") || res.StatusCode != http.StatusOK {
				continue
			}
			for _, m := range hrefRE.FindAllStringSubmatch(res.Body, -1) {
				link := strings.ReplaceAll(m[1], "&amp;", "&")
				if seen[link] {
					continue
				}
				// A link the page offers must open (followed at once so the
				// failure names the page that offered it).
				lr := h.send(t, c, request{method: http.MethodGet, path: link, authed: authed && !strings.HasPrefix(link, "/static/")})
				seen[link] = true
				if !authed && isSignInRedirect(lr) {
					continue
				}
				if lr.StatusCode != http.StatusOK {
					t.Errorf("%s: %s links to %s, which answers %d", name, path, link, lr.StatusCode)
					continue
				}
				if strings.HasPrefix(lr.Header.Get("Content-Type"), "text/html") {
					queue = append(queue, link)
					seen[link] = false
				}
			}
		}
		if authed && pages < 3 {
			t.Errorf("%s: crawled only %d pages", name, pages)
		}
		t.Logf("%s: %d pages, %d links", name, pages, len(seen))
	}

	t.Run("anonymous", func(t *testing.T) {
		crawl(t, "anonymous", h.Client(), false, []string{"/sign-in"})
		// Every other GET route, refused or not, still carries the headers.
		for _, path := range gets {
			h.get(t, nil, path)
		}
	})
	for _, r := range []hub.Role{hub.RoleManager, hub.RoleAdmin, hub.RoleAuditor, hub.RolePractitioner, hub.RolePartner} {
		t.Run(string(r), func(t *testing.T) {
			c := h.signIn(t, h.Users[r])
			// Reading the record first gives the auditor and the manager an
			// access log with entries to link from.
			start := []string{"/", "/persons/" + p.ID}
			crawl(t, string(r), c, true, start)
		})
	}
}

// TestNoncePerResponse: two responses for the same page carry different
// nonces, and each page's scripts carry its own.
func TestNoncePerResponse(t *testing.T) {
	h := newHarness(t, firstEngine(), apptest.Options{RequireMFA: true})
	nonce := func(res *apptest.Response) string {
		csp := res.Header.Get("Content-Security-Policy")
		i := strings.Index(csp, "'nonce-")
		if i < 0 {
			return ""
		}
		return strings.TrimSuffix(strings.Fields(csp[i+len("'nonce-"):])[0], "';")
	}
	a, b := h.get(t, nil, "/sign-in"), h.get(t, nil, "/sign-in")
	if na, nb := nonce(a), nonce(b); na == "" || na == nb {
		t.Errorf("nonces %q and %q, want two different ones", na, nb)
	}
	if !strings.Contains(a.Body, "<script") {
		t.Error("the sign-in page has no script tag to check")
	}
}

// TestErrorPageHeaders: error answers carry the same headers as pages
// (harness.check) and are generic pages.
func TestErrorPageHeaders(t *testing.T) {
	h := newHarness(t, firstEngine(), apptest.Options{RequireMFA: true})
	c := h.signIn(t, h.Users[hub.RolePartner])
	for _, tc := range []struct {
		rq     request
		status int
	}{
		{request{method: http.MethodGet, path: "/nope", authed: true}, 404},
		{request{method: http.MethodGet, path: "/persons/" + hub.NewID(), authed: true}, 404},
		{request{method: http.MethodGet, path: "/persons/not-an-id", authed: true}, 400},
		{request{method: http.MethodGet, path: "/admin/users", authed: true}, 403},
		{request{method: http.MethodDelete, path: "/", form: url.Values{}}, 405},
		{request{method: http.MethodPost, path: "/persons/search", form: url.Values{"q": {"x"}}, noFetchMeta: true, header: http.Header{"Sec-Fetch-Site": {"cross-site"}}}, 403},
		{request{method: http.MethodPost, path: "/persons/search", json: `{"q":"x"}`}, 400},
	} {
		res := h.send(t, c, tc.rq)
		if res.StatusCode != tc.status {
			t.Errorf("%s %s = %d, want %d", tc.rq.method, tc.rq.path, res.StatusCode, tc.status)
		}
		if strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
			if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
				t.Errorf("%s %s: error page Cache-Control %q, want no-store", tc.rq.method, tc.rq.path, cc)
			}
		}
	}
}
