package fhirapi_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/safehub/safehub/internal/api"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/apptest"
	"github.com/safehub/safehub/internal/auth"
	"github.com/safehub/safehub/internal/fhir"
	"github.com/safehub/safehub/internal/fhir/fhirtest"
	"github.com/safehub/safehub/internal/fhirapi"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/server"
	"github.com/safehub/safehub/internal/store"
	"github.com/safehub/safehub/internal/store/pgtest"
	"github.com/safehub/safehub/internal/store/storetest"
	"github.com/safehub/safehub/internal/web"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

var ctx = context.Background()

const (
	nhsFlagged = "9990000018"
	nhsOther   = "9990000026"
	identifier = fhir.SystemNHSNumber + "|"
)

// world is a running Safehub with a flagged child and health clients.
type world struct {
	*apptest.Env
	child *hub.Person
	flag  *hub.Flag
	token string // a machine client with flag:read
}

func newWorld(t *testing.T, engine string, opt apptest.Options) *world {
	t.Helper()
	e := apptest.New(t, engine, opt)
	w := &world{Env: e}
	w.child = e.NewPerson(t, "856", app.PersonInput{GivenName: "Kai", FamilyName: "Flagged", DateOfBirth: "2012-03-04", NHSNumber: nhsFlagged})
	w.flag = setFlag(t, e, w.child)
	w.token = healthToken(t, e, hub.ScopeFlagRead)
	return w
}

func healthToken(t *testing.T, e *apptest.Env, scopes ...hub.Scope) string {
	t.Helper()
	_, tok, err := e.App.CreateAPIClient(ctx, apptest.System, app.NewAPIClient{Name: "LRI ED system", Setting: "Leicester Royal Infirmary ED", AgencyID: e.Agencies[hub.AgencyHealth].ID, Scopes: scopes})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func setFlag(t *testing.T, e *apptest.Env, p *hub.Person) *hub.Flag {
	t.Helper()
	f, err := e.App.SetFlag(ctx, e.RoleActor(hub.RoleNurse), p.ID, app.FlagInput{
		Category: string(hub.FlagCSE), RiskLevel: "high", Start: e.App.Today().String(),
		Reason: "SECRET reason kept in the hub", Advice: "Call the hub before discharge.",
		ContactPhone: "0116 454 1004", ContactHours: "24 hours", LeadUserID: e.Users[hub.RolePractitioner].ID,
	})
	if err != nil {
		t.Fatalf("set flag: %v", err)
	}
	return f
}

// req is one request to the FHIR API.
type req struct {
	method, path string
	body         string
	contentType  string
	token        string
	header       http.Header
}

func (w *world) do(t *testing.T, r req) *apptest.Response {
	t.Helper()
	return do(t, w.Env, w.TS.URL, r)
}

func do(t *testing.T, e *apptest.Env, base string, r req) *apptest.Response {
	t.Helper()
	var body io.Reader
	if r.body != "" || r.method == http.MethodPost {
		body = strings.NewReader(r.body)
	}
	hr, err := http.NewRequest(r.method, base+r.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if r.method == http.MethodPost {
		ct := r.contentType
		if ct == "" {
			ct = "application/x-www-form-urlencoded"
		}
		hr.Header.Set("Content-Type", ct)
	}
	if r.token != "" {
		hr.Header.Set("Authorization", "Bearer "+r.token)
	}
	for k, vs := range r.header {
		hr.Header[k] = vs
	}
	return e.Do(t, e.Client(), hr)
}

func search(nhs string) string {
	return url.Values{fhir.ParamIdentifier: {identifier + nhs}}.Encode()
}

// conformant checks the response is FHIR JSON that passes the R4 checks.
func conformant(t *testing.T, what string, res *apptest.Response) {
	t.Helper()
	if ct := res.Header.Get("Content-Type"); ct != "application/fhir+json; charset=utf-8" {
		t.Errorf("%s: Content-Type %q", what, ct)
	}
	if err := fhirtest.Check([]byte(res.Body)); err != nil {
		t.Errorf("%s: not conformant: %v\n%s", what, err, res.Body)
	}
}

func auditSize(t *testing.T, e *apptest.Env) int64 {
	t.Helper()
	var n int64
	if err := e.Store.Read(ctx, func(tx *store.Tx) error { var err error; n, err = tx.AuditSize(); return err }); err != nil {
		t.Fatal(err)
	}
	return n
}

func countRows(t *testing.T, e *apptest.Env, table string) int {
	t.Helper()
	var n int
	if err := e.Store.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestSearchAndRead: the POST and GET searches answer a conformant
// searchset with the child's flag, each recorded once; a search for a child
// without flags is an empty searchset (still recorded); a read returns the
// flag; the CapabilityStatement is public.
func TestSearchAndRead(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		w := newWorld(t, engine, apptest.Options{})
		for _, r := range []req{
			{method: http.MethodPost, path: "/fhir/Flag/_search", body: search(nhsFlagged)},
			{method: http.MethodGet, path: "/fhir/Flag?" + search(nhsFlagged)},
			{method: http.MethodPost, path: "/fhir/Flag/_search", body: search("999 000 0018") + "&_format=json",
				header: http.Header{fhir.PractitionerHeader: {"Dr A Khan"}}},
		} {
			r.token = w.token
			what := r.method + " " + r.path
			before := auditSize(t, w.Env)
			res := w.do(t, r)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("%s: %d %s", what, res.StatusCode, res.Body)
			}
			conformant(t, what, res)
			if got := auditSize(t, w.Env) - before; got != 1 {
				t.Errorf("%s: %d audit events, want 1", what, got)
			}
			if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
				t.Errorf("%s: Cache-Control %q", what, cc)
			}
			var b fhir.Bundle
			if err := json.Unmarshal([]byte(res.Body), &b); err != nil {
				t.Fatal(err)
			}
			if b.Type != "searchset" || b.Total == nil || *b.Total != 1 || len(b.Entry) != 1 {
				t.Fatalf("%s: bundle %+v", what, b)
			}
			f := b.Entry[0].Resource
			if f.ID != w.flag.ID || f.Status != "active" || f.Subject.Identifier == nil || f.Subject.Identifier.Value != nhsFlagged ||
				f.Author == nil || f.Author.Display != w.Agencies[hub.AgencySocialCare].Name || !strings.Contains(f.Code.Text, "Call the hub before discharge.") ||
				!strings.Contains(f.Code.Text, "+441164541004") {
				t.Errorf("%s: flag %+v", what, f)
			}
			if !strings.HasPrefix(b.Entry[0].FullURL, w.TS.URL+"/fhir/Flag/") {
				t.Errorf("%s: fullUrl %q", what, b.Entry[0].FullURL)
			}
			for _, secret := range []string{"SECRET", w.child.ID, "Kai", "Flagged", "high"} {
				if strings.Contains(res.Body, secret) {
					t.Errorf("%s: the answer contains %q", what, secret)
				}
			}
		}

		res := w.do(t, req{method: http.MethodPost, path: "/fhir/Flag/_search", body: search(nhsOther), token: w.token})
		conformant(t, "empty search", res)
		if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, `"total":0`) || strings.Contains(res.Body, `"entry"`) {
			t.Errorf("search for an unflagged child: %d %s", res.StatusCode, res.Body)
		}

		res = w.do(t, req{method: http.MethodGet, path: "/fhir/Flag/" + w.flag.ID, token: w.token})
		if res.StatusCode != http.StatusOK || res.Header.Get("ETag") != `W/"1"` {
			t.Fatalf("read: %d %q %s", res.StatusCode, res.Header.Get("ETag"), res.Body)
		}
		conformant(t, "read", res)

		res = w.do(t, req{method: http.MethodGet, path: "/fhir/metadata"})
		if res.StatusCode != http.StatusOK {
			t.Fatalf("metadata: %d", res.StatusCode)
		}
		conformant(t, "metadata", res)
	})
}

// TestBadInput: every row of security.md's catalogue (d) that applies to
// the look-up is refused with an OperationOutcome and its status, naming
// the problem, and writes nothing: no audit event, no notification.
func TestBadInput(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		w := newWorld(t, engine, apptest.Options{FHIR: &fhirapi.Config{TLS: true, Rate: 1000, Burst: 1000}})
		personal := w.Token(t, w.Users[hub.RolePractitioner], hub.ScopeFlagRead)
		noScope := healthToken(t, w.Env, hub.ScopePersonRead)
		post := func(body string) req {
			return req{method: http.MethodPost, path: "/fhir/Flag/_search", body: body, token: w.token}
		}
		get := func(q string) req { return req{method: http.MethodGet, path: "/fhir/Flag?" + q, token: w.token} }
		nhs := func(v string) string { return url.Values{fhir.ParamIdentifier: {identifier + v}}.Encode() }
		tests := []struct {
			name   string
			r      req
			status int
			issue  string
			says   string
		}{
			{"wrong check digit", post(nhs("9990000019")), 400, fhir.IssueValue, "check digit"},
			{"check value 10", post(nhs("1234567890")), 400, fhir.IssueValue, "no NHS number starts"},
			{"9 digits", post(nhs("999000001")), 400, fhir.IssueValue, "only 9 digits"},
			{"11 digits", post(nhs("99900000180")), 400, fhir.IssueValue, "more than 10"},
			{"letters", post(nhs("99900000A8")), 400, fhir.IssueValue, "only digits"},
			{"full-width digits", post(nhs("９９９０００００１８")), 400, fhir.IssueValue, "full-width"},
			{"all zeros", post(nhs("0000000000")), 400, fhir.IssueValue, "same digit"},
			{"GET wrong check digit", get(nhs("9990000019")), 400, fhir.IssueValue, "check digit"},
			{"several identifiers", post(nhs(nhsFlagged + "," + identifier + nhsOther)), 400, fhir.IssueNotSupported, "exactly one child"},
			{"repeated identifier", post(nhs(nhsFlagged) + "&" + nhs(nhsOther)), 400, fhir.IssueNotSupported, "exactly one child"},
			{"repeated _count", post(nhs(nhsFlagged) + "&_count=1&_count=2"), 400, fhir.IssueInvalid, "more than once"},
			{"missing system", post(fhir.ParamIdentifier + "=" + nhsFlagged), 400, fhir.IssueRequired, "system"},
			{"other system", post(url.Values{fhir.ParamIdentifier: {"https://fhir.nhs.uk/Id/ods-organization-code|" + nhsFlagged}}.Encode()), 400, fhir.IssueNotSupported, "only NHS numbers"},
			{"no identifier", post(""), 400, fhir.IssueRequired, "is required"},
			{"GET no identifier", get(""), 400, fhir.IssueRequired, "is required"},
			{"unknown parameter", post(nhs(nhsFlagged) + "&name=Smith"), 400, fhir.IssueNotSupported, "not a supported search parameter"},
			{"_count=100000", post(nhs(nhsFlagged) + "&_count=100000"), 400, fhir.IssueValue, "at most 20"},
			{"_include=*", post(nhs(nhsFlagged) + "&_include=*"), 400, fhir.IssueNotSupported, "_include"},
			{"unsupported modifier", post("identifier:contains=999"), 400, fhir.IssueNotSupported, "modifier"},
			{"chained search", post(url.Values{"patient.identifier": {identifier + nhsFlagged}}.Encode()), 400, fhir.IssueNotSupported, "chained"},
			{"flag identifier", get(url.Values{"identifier": {identifier + nhsFlagged}}.Encode()), 400, fhir.IssueNotSupported, "patient:identifier"},
			{"query on POST", req{method: http.MethodPost, path: "/fhir/Flag/_search?" + nhs(nhsFlagged), body: "", token: w.token}, 400, fhir.IssueNotSupported, "form body"},
			{"JSON body", req{method: http.MethodPost, path: "/fhir/Flag/_search", body: `{"nhs":"9990000018"}`, contentType: "application/json", token: w.token}, 415, fhir.IssueNotSupported, "x-www-form-urlencoded"},
			{"oversized body", post(nhs(nhsFlagged) + "&x=" + strings.Repeat("a", 3000)), 413, fhir.IssueTooLong, "longer than"},
			{"huge body", post(nhs(nhsFlagged) + "&x=" + strings.Repeat("a", 2<<20)), 413, fhir.IssueTooLong, "longer than"},
			{"bad escape", post("patient:identifier=%zz"), 400, fhir.IssueStructure, "valid form"},
			{"practitioner with a newline", req{method: http.MethodPost, path: "/fhir/Flag/_search", body: nhs(nhsFlagged), token: w.token, header: http.Header{fhir.PractitionerHeader: {"Dr X\u202e"}}}, 400, fhir.IssueValue, fhir.PractitionerHeader},
			{"two practitioners", req{method: http.MethodPost, path: "/fhir/Flag/_search", body: nhs(nhsFlagged), token: w.token, header: http.Header{fhir.PractitionerHeader: {"A", "B"}}}, 400, fhir.IssueInvalid, "more than once"},
			{"read with a parameter", req{method: http.MethodGet, path: "/fhir/Flag/" + w.flag.ID + "?" + nhs(nhsFlagged), token: w.token}, 400, fhir.IssueNotSupported, "_format"},
			{"malformed id", req{method: http.MethodGet, path: "/fhir/Flag/not-an-id", token: w.token}, 400, fhir.IssueInvalid, "not a flag identifier"},
			{"no token", req{method: http.MethodPost, path: "/fhir/Flag/_search", body: nhs(nhsFlagged)}, 401, fhir.IssueLogin, "bearer token"},
			{"bad token", req{method: http.MethodPost, path: "/fhir/Flag/_search", body: nhs(nhsFlagged), token: "shk_" + strings.Repeat("A", 43)}, 401, fhir.IssueLogin, "not valid"},
			{"token without flag:read", req{method: http.MethodPost, path: "/fhir/Flag/_search", body: nhs(nhsFlagged), token: noScope}, 403, fhir.IssueForbidden, "permission"},
			{"personal token with flag:read", req{method: http.MethodPost, path: "/fhir/Flag/_search", body: nhs(nhsFlagged), token: personal}, 403, fhir.IssueForbidden, "permission"},
			{"read without token", req{method: http.MethodGet, path: "/fhir/Flag/" + w.flag.ID}, 401, fhir.IssueLogin, "bearer token"},
			{"other resource", req{method: http.MethodGet, path: "/fhir/Patient?" + nhs(nhsFlagged), token: w.token}, 404, fhir.IssueNotFound, "no such FHIR interaction"},
			{"delete", req{method: http.MethodDelete, path: "/fhir/Flag/" + w.flag.ID, token: w.token}, 405, fhir.IssueNotSupported, "method"},
		}
		for _, tt := range tests {
			beforeAudit, beforeNotes := auditSize(t, w.Env), countRows(t, w.Env, "notifications")
			res := w.do(t, tt.r)
			if res.StatusCode != tt.status {
				t.Errorf("%s: status %d, want %d: %s", tt.name, res.StatusCode, tt.status, res.Body)
				continue
			}
			conformant(t, tt.name, res)
			var o fhir.OperationOutcome
			if err := json.Unmarshal([]byte(res.Body), &o); err != nil || len(o.Issue) != 1 {
				t.Errorf("%s: not an OperationOutcome: %s", tt.name, res.Body)
				continue
			}
			if o.Issue[0].Code != tt.issue || o.Issue[0].Severity != fhir.SeverityError || !strings.Contains(o.Issue[0].Details.Text, tt.says) {
				t.Errorf("%s: issue %+v %q, want %s saying %q", tt.name, o.Issue[0], o.Issue[0].Details.Text, tt.issue, tt.says)
			}
			if strings.Contains(res.Body, nhsFlagged) {
				t.Errorf("%s: the OperationOutcome echoes the NHS number", tt.name)
			}
			if tt.status == 401 && !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("%s: 401 without a Bearer challenge", tt.name)
			}
			if a, n := auditSize(t, w.Env), countRows(t, w.Env, "notifications"); a != beforeAudit || n != beforeNotes {
				t.Errorf("%s: wrote %d audit events and %d notifications, want none", tt.name, a-beforeAudit, n-beforeNotes)
			}
		}
	})
}

// TestNumberNotLogged (SEC-25, AUD-04): a GET with the NHS number in its
// query is answered, and neither it nor the POST form nor a refused number
// leaves the NHS number in the server's log.
func TestNumberNotLogged(t *testing.T) {
	w := newWorld(t, storetest.Engines()[0], apptest.Options{})
	for _, r := range []req{
		{method: http.MethodGet, path: "/fhir/Flag?" + search(nhsFlagged), token: w.token},
		{method: http.MethodGet, path: "/fhir/Flag?patient:identifier=" + fhir.SystemNHSNumber + "|" + nhsFlagged, token: w.token},
		{method: http.MethodPost, path: "/fhir/Flag/_search", body: search(nhsFlagged), token: w.token},
		{method: http.MethodGet, path: "/fhir/Flag?" + search("9990000019"), token: w.token},
		{method: http.MethodGet, path: "/fhir/Flag?" + search(nhsFlagged)},
		{method: http.MethodGet, path: "/fhir/Patient?" + search(nhsFlagged), token: w.token},
	} {
		w.do(t, r)
	}
	logged := w.Log.String()
	if !strings.Contains(logged, `"route":"GET /fhir/Flag"`) {
		t.Fatalf("the access log does not show the look-ups at all:\n%.2000s", logged)
	}
	for _, s := range []string{nhsFlagged, "9990000019", "999%200", "999 000", "nhs-number"} {
		if strings.Contains(logged, s) {
			t.Errorf("the server log contains %q:\n%s", s, logged)
		}
	}
}

// TestRateLimit: a client over its rate gets 429 (an OperationOutcome with
// Retry-After) and nothing is recorded for the refused requests; another
// client is unaffected.
func TestRateLimit(t *testing.T) {
	w := newWorld(t, storetest.Engines()[0], apptest.Options{FHIR: &fhirapi.Config{TLS: true, Rate: 0.001, Burst: 3}})
	other := healthToken(t, w.Env, hub.ScopeFlagRead)
	before := auditSize(t, w.Env)
	var codes []int
	for range 5 {
		res := w.do(t, req{method: http.MethodPost, path: "/fhir/Flag/_search", body: search(nhsFlagged), token: w.token})
		codes = append(codes, res.StatusCode)
		if res.StatusCode == http.StatusTooManyRequests {
			conformant(t, "429", res)
			if res.Header.Get("Retry-After") == "" || !strings.Contains(res.Body, `"throttled"`) {
				t.Errorf("429 without Retry-After or the throttled issue: %s", res.Body)
			}
		}
	}
	if want := []int{200, 200, 200, 429, 429}; !equal(codes, want) {
		t.Errorf("statuses %v, want %v", codes, want)
	}
	if got := auditSize(t, w.Env) - before; got != 3 {
		t.Errorf("%d audit events, want 3 (refused requests are not look-ups)", got)
	}
	if res := w.do(t, req{method: http.MethodPost, path: "/fhir/Flag/_search", body: search(nhsFlagged), token: other}); res.StatusCode != http.StatusOK {
		t.Errorf("another client: %d", res.StatusCode)
	}
}

// TestRevokedAtOnce: a revoked client's next look-up is refused (401) and
// not recorded, though its token was checked moments before.
func TestRevokedAtOnce(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		w := newWorld(t, engine, apptest.Options{})
		c, tok, err := w.App.CreateAPIClient(ctx, apptest.System, app.NewAPIClient{Name: "to revoke", Setting: "Walk-in centre", AgencyID: w.Agencies[hub.AgencyHealth].ID, Scopes: []hub.Scope{hub.ScopeFlagRead}})
		if err != nil {
			t.Fatal(err)
		}
		lookup := func() *apptest.Response {
			return w.do(t, req{method: http.MethodPost, path: "/fhir/Flag/_search", body: search(nhsFlagged), token: tok})
		}
		if res := lookup(); res.StatusCode != http.StatusOK {
			t.Fatalf("before revoking: %d", res.StatusCode)
		}
		if err := w.App.RevokeAPIClient(ctx, apptest.System, c.ID); err != nil {
			t.Fatal(err)
		}
		before := auditSize(t, w.Env)
		for _, r := range []req{
			{method: http.MethodPost, path: "/fhir/Flag/_search", body: search(nhsFlagged), token: tok},
			{method: http.MethodGet, path: "/fhir/Flag/" + w.flag.ID, token: tok},
		} {
			res := w.do(t, r)
			if res.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("%s %s after revoking: %d %q", r.method, r.path, res.StatusCode, res.Header.Get("WWW-Authenticate"))
			}
			conformant(t, "revoked", res)
		}
		if got := auditSize(t, w.Env) - before; got != 0 {
			t.Errorf("a revoked client's look-ups wrote %d audit events", got)
		}
	})
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestCoherenceOverHTTP (SQLite): the answer changes as soon as a flag is
// ended, set again or marked entered in error.
func TestCoherenceOverHTTP(t *testing.T) {
	w := newWorld(t, storetest.Engines()[0], apptest.Options{})
	nurse := w.RoleActor(hub.RoleNurse)
	total := func() int {
		t.Helper()
		res := w.do(t, req{method: http.MethodPost, path: "/fhir/Flag/_search", body: search(nhsFlagged), token: w.token})
		var b fhir.Bundle
		if res.StatusCode != http.StatusOK || json.Unmarshal([]byte(res.Body), &b) != nil || b.Total == nil {
			t.Fatalf("search: %d %s", res.StatusCode, res.Body)
		}
		return *b.Total
	}
	if n := total(); n != 1 {
		t.Fatalf("flagged: %d", n)
	}
	if _, err := w.App.EndFlag(ctx, nurse, w.flag.ID, w.flag.Version, w.App.Today().String(), "no longer at risk"); err != nil {
		t.Fatal(err)
	}
	if n := total(); n != 0 {
		t.Fatalf("after ending: %d", n)
	}
	f := setFlag(t, w.Env, w.child)
	if n := total(); n != 1 {
		t.Fatalf("after setting again: %d", n)
	}
	if _, err := w.App.MarkFlagEnteredInError(ctx, nurse, f.ID, f.Version, "wrong child"); err != nil {
		t.Fatal(err)
	}
	if n := total(); n != 0 {
		t.Fatalf("after entered-in-error: %d", n)
	}
	// Reading the withdrawn flag says so.
	res := w.do(t, req{method: http.MethodGet, path: "/fhir/Flag/" + f.ID, token: w.token})
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, `"status":"entered-in-error"`) {
		t.Errorf("read of the withdrawn flag: %d %s", res.StatusCode, res.Body)
	}
}

// TestMultiInstance (PostgreSQL): two servers on one database; a flag set
// or ended through one is answered by the other within a second.
func TestMultiInstance(t *testing.T) {
	pgtest.Require(t)
	w := newWorld(t, pgtest.EnginePostgres, apptest.Options{})
	second := startSecond(t, w.Env)
	total := func(base string) int {
		t.Helper()
		res := do(t, w.Env, base, req{method: http.MethodPost, path: "/fhir/Flag/_search", body: search(nhsOther), token: w.token})
		var b fhir.Bundle
		if res.StatusCode != http.StatusOK || json.Unmarshal([]byte(res.Body), &b) != nil || b.Total == nil {
			t.Fatalf("search at %s: %d %s", base, res.StatusCode, res.Body)
		}
		return *b.Total
	}
	within := func(what, base string, want int) {
		t.Helper()
		start := time.Now()
		for {
			n := total(base)
			if n == want {
				t.Logf("%s: answered after %v", what, time.Since(start).Round(time.Millisecond))
				return
			}
			if time.Since(start) > time.Second {
				t.Fatalf("%s: still %d after 1 s, want %d", what, n, want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	p := w.NewPerson(t, "856", app.PersonInput{GivenName: "Two", FamilyName: "Servers", DateOfBirth: "2013-01-02", NHSNumber: nhsOther})
	if total(second) != 0 || total(w.TS.URL) != 0 {
		t.Fatal("flagged before any flag was set")
	}
	f := setFlag(t, w.Env, p) // through the first server's app
	if n := total(w.TS.URL); n != 1 {
		t.Fatalf("the first server answers %d at once, want 1", n)
	}
	within("flag set on the first, asked of the second", second, 1)
	if _, err := w.App.EndFlag(ctx, w.RoleActor(hub.RoleNurse), f.ID, f.Version, w.App.Today().String(), "ended"); err != nil {
		t.Fatal(err)
	}
	within("flag ended on the first, asked of the second", second, 0)
}

// startSecond starts another Safehub (store, app, look-up index, server)
// on env's database and returns its URL.
func startSecond(t *testing.T, env *apptest.Env) string {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	db, err := store.Open(ctx, env.Store.DSN, store.Options{Clock: env.Clock, Audit: store.AuditOptions{SignerKey: env.Store.SignerKey}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cfg := app.DefaultConfig()
	cfg.PasswordParams = auth.MinimumParams
	a, err := app.New(db, cfg, env.Clock, log)
	if err != nil {
		t.Fatal(err)
	}
	lk, err := a.StartFlagLookups(ctx, app.FlagLookupOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(lk.Close)
	wh, err := web.NewHandler(web.Config{Version: "test"}, a, apptest.Assets(t), log)
	if err != nil {
		t.Fatal(err)
	}
	srv := server.New(server.Config{TLS: true}, a, log, wh, api.NewHandler(a, log), fhirapi.NewHandler(lk, log, fhirapi.Config{TLS: true}))
	ts := httptest.NewTLSServer(srv)
	t.Cleanup(ts.Close)
	return ts.URL
}
