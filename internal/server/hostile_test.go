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
