package server_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/apptest"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store/storetest"
)

// TestAuthEventsAudited (AUD-01): each sign-in success and failure, MFA
// success and failure, and sign-out writes exactly one audit event, with
// the time (UTC), actor, agency, role, action, object, outcome and the
// request id of the response; so do a person search and a person view.
func TestAuthEventsAudited(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine, apptest.Options{RequireMFA: true})
		u := h.Users[hub.RolePractitioner]
		p := h.NewPerson(t, "856", app.PersonInput{GivenName: "Audit", FamilyName: "Trail"})
		c := h.Client()

		type want struct {
			action, outcome, actor, role, object string
		}
		steps := []struct {
			name string
			do   func() *apptest.Response
			want want
		}{
			{"wrong password", func() *apptest.Response {
				return h.post(t, h.Client(), "/sign-in", url.Values{"username": {u.Username}, "password": {"not-the-right-one-at-all"}})
			}, want{hub.ActLogin, hub.OutcomeFailure, u.ID, "", u.ID}},
			{"unknown user", func() *apptest.Response {
				return h.post(t, h.Client(), "/sign-in", url.Values{"username": {"test.nobody"}, "password": {"not-the-right-one-at-all"}})
			}, want{hub.ActLogin, hub.OutcomeFailure, "", "", ""}},
			{"password", func() *apptest.Response {
				return h.post(t, c, "/sign-in", url.Values{"username": {u.Username}, "password": {apptest.Password}})
			}, want{hub.ActLogin, hub.OutcomeSuccess, u.ID, string(hub.RolePractitioner), u.ID}},
			{"wrong code", func() *apptest.Response {
				return h.post(t, c, "/sign-in/mfa", url.Values{"code": {wrongCode(t, h)}})
			}, want{hub.ActMFA, hub.OutcomeFailure, u.ID, string(hub.RolePractitioner), u.ID}},
			{"right code", func() *apptest.Response {
				h.Clock.Advance(30 * time.Second)
				return h.post(t, c, "/sign-in/mfa", url.Values{"code": {h.code(t, 0)}})
			}, want{hub.ActMFA, hub.OutcomeSuccess, u.ID, string(hub.RolePractitioner), u.ID}},
			{"search", func() *apptest.Response {
				return h.post(t, c, "/persons/search", url.Values{"q": {"Trail"}})
			}, want{hub.ActSearch, hub.OutcomeSuccess, u.ID, string(hub.RolePractitioner), ""}},
			{"view", func() *apptest.Response {
				return h.send(t, c, request{method: http.MethodGet, path: "/persons/" + p.ID, authed: true})
			}, want{hub.ActView, hub.OutcomeSuccess, u.ID, string(hub.RolePractitioner), p.ID}},
			{"sign out", func() *apptest.Response {
				return h.post(t, c, "/sign-out", nil)
			}, want{hub.ActLogout, hub.OutcomeSuccess, u.ID, string(hub.RolePractitioner), u.ID}},
		}
		for _, st := range steps {
			from := h.auditSize(t)
			res := st.do()
			if res.StatusCode >= 500 {
				t.Fatalf("%s: status %d", st.name, res.StatusCode)
			}
			es := h.auditSince(t, from)
			if len(es) != 1 {
				t.Errorf("%s: %d audit events, want exactly 1: %+v", st.name, len(es), es)
				continue
			}
			e := es[0]
			w := st.want
			if e.Action != w.action || e.Outcome != w.outcome || e.ActorID != w.actor || e.Role != w.role || e.ObjectID != w.object {
				t.Errorf("%s: event {action %q outcome %q actor %q role %q object %q}, want %+v", st.name, e.Action, e.Outcome, e.ActorID, e.Role, e.ObjectID, w)
			}
			if w.actor != "" && e.AgencyID != u.AgencyID {
				t.Errorf("%s: event agency %q, want %q", st.name, e.AgencyID, u.AgencyID)
			}
			if e.RequestID == "" || e.RequestID != res.Header.Get("X-Request-Id") {
				t.Errorf("%s: event request id %q, response's %q", st.name, e.RequestID, res.Header.Get("X-Request-Id"))
			}
			if e.Time.Location() != time.UTC || !e.Time.Equal(h.Clock.Now().Truncate(time.Microsecond)) {
				t.Errorf("%s: event time %v, want the clock's %v in UTC", st.name, e.Time, h.Clock.Now())
			}
			if e.Client == "" {
				t.Errorf("%s: event has no client address", st.name)
			}
		}
	})
}

// Sentinels: values the tests send that must never reach the log.
const (
	sentinelPassword = "Wr0ng-Sentinel-Passphrase-77"
	sentinelGiven    = "Quillonette"
	sentinelFamily   = "Zebrabright"
	sentinelNHS      = "9434765919"
	sentinelNHSSpace = "943 476 5919"
)

// TestLogsHoldNoSecrets (AUD-04): after sign-ins, wrong passwords and codes,
// searches and views by name and NHS number on the web and the API, and
// requests with personal data in the query string, the server's log holds
// no password, TOTP code, session or API token, NHS number or name; and
// every access-log line names a route pattern, never a query string.
func TestLogsHoldNoSecrets(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine, apptest.Options{RequireMFA: true})
		u := h.Users[hub.RolePractitioner]
		c := h.signIn(t, u)
		tok := h.Token(t, u, hub.ScopePersonRead, hub.ScopePersonWrite)

		h.post(t, h.Client(), "/sign-in", url.Values{"username": {u.Username}, "password": {sentinelPassword}})
		pending := h.passwordOnly(t, u)
		h.post(t, pending, "/sign-in/mfa", url.Values{"code": {wrongCode(t, h)}})
		h.codes = append(h.codes, wrongCode(t, h))

		res := h.post(t, c, "/persons", url.Values{"area_id": {h.Areas["856"].ID}, "given_name": {sentinelGiven}, "family_name": {sentinelFamily},
			"date_of_birth": {"2012-03-04"}, "nhs_number": {sentinelNHSSpace}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("create person = %d: %.300s", res.StatusCode, res.Body)
		}
		personPath := res.Header.Get("Location")
		for _, q := range []string{sentinelNHSSpace, sentinelNHS, sentinelFamily, sentinelGiven + " " + sentinelFamily} {
			if res := h.post(t, c, "/persons/search", url.Values{"q": {q}}); res.StatusCode != http.StatusOK || !strings.Contains(res.Body, sentinelFamily) {
				t.Errorf("search %q = %d, or no hit", q, res.StatusCode)
			}
			h.send(t, nil, request{method: http.MethodPost, path: "/api/v1/persons/_search", json: `{"q":"` + q + `"}`, bearer: tok, authed: true})
		}
		h.get(t, c, personPath)
		h.get(t, c, personPath+"?q="+sentinelFamily+"&nhs="+sentinelNHS)
		h.send(t, nil, request{method: http.MethodGet, path: "/api/v1" + personPath, bearer: tok, authed: true})
		h.get(t, nil, "/nope?nhs="+sentinelNHS+"&name="+sentinelFamily+"&password="+url.QueryEscape(sentinelPassword))
		h.get(t, c, "/persons/not-an-id?nhs="+sentinelNHS)
		h.send(t, nil, request{method: http.MethodPost, path: "/csp-report", json: `{"csp-report":{"document-uri":"https://x/persons?q=` + sentinelFamily + `"}}`})
		h.send(t, nil, request{method: http.MethodPost, path: "/api/v1/persons", json: `{"given_name":"` + sentinelGiven + `","nhs_number":"` + sentinelNHS + `1"}`, bearer: tok})
		aud := h.signIn(t, h.Users[hub.RoleAuditor])
		h.get(t, aud, "/audit?actor="+u.ID+"&action=search")
		h.post(t, c, "/sign-out", nil)

		logs := h.Log.String()
		secrets := map[string]string{
			"the password": apptest.Password, "a wrong password": sentinelPassword,
			"an NHS number": sentinelNHS, "a spaced NHS number": sentinelNHSSpace,
			"a given name": sentinelGiven, "a family name": sentinelFamily, "an API token": tok,
		}
		for tok := range h.tokens {
			secrets["session token "+tok[:8]] = tok
		}
		for name, v := range secrets {
			if strings.Contains(logs, v) {
				t.Errorf("the log contains %s", name)
			}
		}
		for _, code := range h.codes {
			if strings.Contains(logs, `"`+code+`"`) || strings.Contains(logs, "="+code) {
				t.Errorf("the log contains TOTP code %s", code)
			}
		}

		patterns := map[string]bool{"unmatched": true}
		for _, rt := range h.Server.Routes() {
			patterns[rt.Pattern] = true
		}
		lines := 0
		sc := bufio.NewScanner(strings.NewReader(logs))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var rec map[string]any
			if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
				t.Errorf("log line is not JSON: %v: %.200s", err, sc.Text())
				continue
			}
			if rec["msg"] != "http" {
				continue
			}
			lines++
			route, _ := rec["route"].(string)
			if !patterns[route] {
				t.Errorf("access log route %q is not a route pattern", route)
			}
			if strings.ContainsAny(sc.Text(), "?") || strings.Contains(sc.Text(), "action=search") {
				t.Errorf("access log line holds a query string: %s", sc.Text())
			}
			for _, k := range []string{"request_id", "method", "status", "duration_ms"} {
				if _, ok := rec[k]; !ok {
					t.Errorf("access log line lacks %s: %s", k, sc.Text())
				}
			}
		}
		if lines < 20 {
			t.Errorf("only %d access log lines", lines)
		}
	})
}
