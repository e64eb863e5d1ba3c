package server_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/safehub/safehub/internal/apptest"
	"github.com/safehub/safehub/internal/httpx"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store/storetest"
)

// hostileBodies are JSON request bodies no route may accept, each with a
// name for the failure message (security.md's catalogue of bad input:
// broken and truncated JSON, the wrong top-level type, unknown fields,
// invalid UTF-8, deep nesting, an oversized body).
var hostileBodies = []struct{ name, body string }{
	{"truncated", `{"a": `},
	{"not an object", `[]`},
	{"null", `null`},
	{"only whitespace", " \n "},
	{"a string", `"x"`},
	{"unknown field", `{"zz_not_a_field": 1}`},
	{"invalid UTF-8", "{\"note\": \"\xff\xfe\"}"},
	{"two objects", `{} {}`},
	{"deep nesting", strings.Repeat("[", 100000) + strings.Repeat("]", 100000)},
	{"oversized", `{"note": "` + strings.Repeat("a", 3<<20) + `"}`},
}

// TestHostileJSONBodies sends every hostile body to every JSON API route
// that takes one, as tokens whose roles and scopes get past the guard:
// each is refused with a 4xx JSON error that says what was wrong, never a
// 5xx, and the fixture's records are unchanged.
func TestHostileJSONBodies(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine, apptest.Options{RequireMFA: true})
		fx := newFixture(t, h)
		tokens := map[string]string{
			"manager": h.Token(t, h.Users[hub.RoleManager], hub.Scopes...),
			"nurse":   h.Token(t, h.Users[hub.RoleNurse], hub.ScopePersonRead, hub.ScopePersonWrite, hub.ScopeCaseRead),
		}
		before := fx.person.Version
		n := 0
		for _, rt := range h.Server.Routes() {
			method, rpath, _ := strings.Cut(rt.Pattern, " ")
			if rt.Auth != httpx.Token || (method != http.MethodPost && method != http.MethodPut) || !strings.HasPrefix(rpath, "/api/") ||
				strings.HasSuffix(rpath, "/attachments") { // a file, not JSON
				continue
			}
			_, path := fx.path(rt.Pattern)
			for who, tok := range tokens {
				for _, hb := range hostileBodies {
					res := h.send(t, nil, request{method: method, path: path, json: hb.body, bearer: tok, header: http.Header{"If-Match": {`"1"`}}})
					n++
					where := rt.Pattern + " as " + who + " with " + hb.name
					if res.StatusCode < 400 || res.StatusCode >= 500 {
						t.Errorf("%s: status %d, want a 4xx refusal; body: %.200s", where, res.StatusCode, res.Body)
						continue
					}
					var e struct{ Code, Message string }
					if !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") || json.Unmarshal([]byte(res.Body), &e) != nil || e.Code == "" || e.Message == "" {
						t.Errorf("%s: %d without a JSON error saying why: %.200s", where, res.StatusCode, res.Body)
					}
				}
			}
		}
		if n < 200 {
			t.Errorf("only %d requests sent: the route list is not what this test expects", n)
		}
		v, err := h.App.ViewPerson(t.Context(), h.RoleActor(hub.RoleManager), fx.person.ID)
		if err != nil || v.Person.Version != before {
			t.Errorf("the fixture's person changed: %v, version %d → %d", err, before, v.Person.Version)
		}
	})
}

// hostileForms are form bodies, sent as they are (not re-encoded): bad
// escapes, invalid UTF-8, NUL bytes, huge and duplicated fields, numbers
// out of range, and an oversized body.
var hostileForms = func() []struct{ name, body string } {
	fields := []string{"version", "note", "reason", "q", "given_name", "family_name", "date_of_birth", "nhs_number", "outcome", "service",
		"summary", "lead_id", "area_id", "category", "risk_level", "start", "review_due", "expires", "parts", "purpose", "basis", "code", "body", "kind"}
	all := func(v string) string {
		var b strings.Builder
		for i, f := range fields {
			if i > 0 {
				b.WriteByte('&')
			}
			b.WriteString(f + "=" + v)
		}
		return b.String()
	}
	return []struct{ name, body string }{
		{"bad escapes", all("%zz%")},
		{"invalid UTF-8", all("%ff%fe%c0%af")},
		{"NUL bytes", all("a%00b")},
		{"huge values", all(strings.Repeat("x", 20000))},
		{"numbers out of range", all("99999999999999999999999999")},
		{"duplicated fields", all("1") + "&" + all("2")},
		{"markup", all("%3Cscript%3Ealert(1)%3C%2Fscript%3E")},
		{"oversized", "note=" + strings.Repeat("a", 3<<20)},
	}
}()

// TestHostileForms posts every hostile form to every web route that takes
// a POST, as signed-in staff: none may answer 5xx. (The few routes that
// take no input, such as marking notifications read, accept any body.)
func TestHostileForms(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine, apptest.Options{RequireMFA: true})
		fx := newFixture(t, h)
		n := 0
		statuses := map[int]int{}
		for _, rt := range h.Server.Routes() {
			method, rpath, _ := strings.Cut(rt.Pattern, " ")
			if method != http.MethodPost || rt.Auth == httpx.Token || strings.HasPrefix(rpath, "/api/") || strings.HasPrefix(rpath, "/fhir/") ||
				rpath == "/sign-out" || strings.HasPrefix(rpath, "/sign-in") || rpath == "/csp-report" {
				continue
			}
			_, path := fx.path(rt.Pattern)
			for _, p := range fx.principals {
				if p.role != hub.RoleManager && p.role != hub.RoleNurse && p.role != hub.RolePractitioner {
					continue
				}
				for _, hf := range hostileForms {
					req, err := http.NewRequest(http.MethodPost, h.TS.URL+path, strings.NewReader(hf.body))
					if err != nil {
						t.Fatal(err)
					}
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					req.Header.Set("Sec-Fetch-Site", "same-origin")
					req.Header.Set("Origin", h.TS.URL)
					res := h.Do(t, p.client, req)
					n++
					statuses[res.StatusCode]++
					if res.StatusCode >= 500 {
						t.Errorf("%s as %s with %s: status %d; body: %.300s", rt.Pattern, p.name, hf.name, res.StatusCode, res.Body)
					}
				}
			}
		}
		if n < 300 {
			t.Errorf("only %d requests sent: the route list is not what this test expects", n)
		}
		// The forms reached the handlers, which refused them: most with
		// 400, the oversized one with 413.
		if statuses[http.StatusBadRequest] < n/4 || statuses[http.StatusRequestEntityTooLarge] == 0 {
			t.Errorf("statuses %v: the hostile forms did not reach the handlers' validation", statuses)
		}
	})
}

// hostileQueries are query strings no GET route may answer with a 5xx:
// numbers out of range or negative, bad escapes, NULs, invalid UTF-8,
// impossible dates, repeated and unknown parameters.
var hostileQueries = []string{
	"limit=-1&offset=-5",
	"limit=99999999999999999999999&offset=99999999999999999999",
	"limit=abc&offset=1e9",
	"q=%00&status=%ff%fe&mine=maybe",
	"from=2026-13-45&to=0000-00-00&since=yesterday",
	"page=%zz",
	"status=active&status=closed&status=all",
	"zz_not_a_param=" + strings.Repeat("x", 5000),
}

// TestHostileQueries sends every hostile query string to every GET route
// of the JSON API and the web pages, as tokens and sessions that get past
// the guard: none may answer 5xx, and the API's refusals are JSON errors.
func TestHostileQueries(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine, apptest.Options{RequireMFA: true})
		fx := newFixture(t, h)
		manager := h.Token(t, h.Users[hub.RoleManager], hub.Scopes...)
		var session *http.Client
		for _, p := range fx.principals {
			if p.role == hub.RoleManager {
				session = p.client
			}
		}
		n := 0
		statuses := map[int]int{}
		for _, rt := range h.Server.Routes() {
			method, rpath, _ := strings.Cut(rt.Pattern, " ")
			if method != http.MethodGet || strings.HasPrefix(rpath, "/fhir/") || rpath == "/static/" || rpath == "/sign-out" {
				continue
			}
			_, path := fx.path(rt.Pattern)
			for _, q := range hostileQueries {
				var res *apptest.Response
				if rt.Auth == httpx.Token {
					res = h.send(t, nil, request{method: method, path: path + "?" + q, bearer: manager})
				} else {
					res = h.send(t, session, request{method: method, path: path + "?" + q})
				}
				n++
				statuses[res.StatusCode]++
				if res.StatusCode >= 500 {
					t.Errorf("%s?%.60s: status %d; body: %.300s", rt.Pattern, q, res.StatusCode, res.Body)
				}
				if rt.Auth == httpx.Token && res.StatusCode >= 400 && !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
					t.Errorf("%s?%.60s: %d as %q, want a JSON error", rt.Pattern, q, res.StatusCode, res.Header.Get("Content-Type"))
				}
			}
		}
		if n < 300 {
			t.Errorf("only %d requests sent: the route list is not what this test expects", n)
		}
		// The requests reached the pages: most answer (unknown parameters
		// are ignored), and bad paging is refused.
		if statuses[http.StatusOK] < n/4 || statuses[http.StatusBadRequest] == 0 {
			t.Errorf("statuses %v: the queries did not reach the handlers", statuses)
		}
	})
}
