package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/apptest"
	"github.com/safehub/safehub/internal/httpx"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store/storetest"
)

// The access matrix (SEC-21). Every route the server mounts must have an
// entry here, keyed by its pattern; the test fails for a route without one
// and for an entry without a route. An entry documents who gets past the
// route's guard and what the handler then answers for the fixture's request
// (an empty form or JSON object, and for {id} a real record in the actor's
// area). Everyone not allowed gets the guard's refusal:
//
//   - browser routes (session, mfa-pending), unauthenticated — no session
//     cookie, including requests with only a bearer token: GET is redirected
//     (303) to /sign-in, anything else is 401;
//   - browser routes, signed in but the role lacks the action: 403 page;
//   - API routes (token) without a valid bearer token, including requests
//     with only a session cookie: 401 JSON with WWW-Authenticate;
//   - API routes, valid token whose scopes (and, for a personal token, whose
//     user's roles) lack the action: 403 JSON.
//
// The handler's answers are exact statuses, so a guard that goes missing
// shows up as a 200 or 400 where 401 or 403 was expected.

// Principals besides the roles.
const (
	anonymous        = "anonymous"
	badToken         = "token:invalid"
	userToken        = "token:personal"          // the practitioner's token with person:read and person:write
	userTokenNoScope = "token:personal-unscoped" // the practitioner's token with flag:read only
	machineToken     = "token:machine"           // a machine client with person:read and person:write
	machineNoScope   = "token:machine-unscoped"  // a machine client with flag:read only
	managerToken     = "token:manager"           // the manager's token with person:read
	caseToken        = "token:case"              // the practitioner's token with case:read and case:write
)

// caseActions are what the case scopes grant. The casework entries list
// who passes by role; a case-scoped token passes the guard of every
// casework API route, and the test checks only that it is let through (not
// 401 or 403) and handled (below 500): what the handler then says is the
// casework API tests' business.
// (The team view is the manager's: the practitioner's case token is
// refused it, as its role is.)
var caseActions = []access.Action{access.CaseRead, access.ReferralCreate, access.ReferralDecide, access.AssessContrib, access.CaseWrite, access.MissingRecord}

type codes []int

type expect struct {
	// auth is the documented authentication level and action the
	// function-level permission the guard checks; the route's must match.
	auth   httpx.Auth
	action access.Action
	// allow lists who gets past the guard: role names for browser routes,
	// token principals for API routes. Public routes let everyone through.
	allow []string
	// ok is the handler's status for an allowed principal; nil (public
	// routes only) means any status below 500.
	ok codes
	// okFor overrides ok for some principals: record-level outcomes.
	okFor map[string]codes
	// location is the redirect target when ok is 303.
	location string
	// optional marks routes mounted only with some configuration.
	optional bool
}

func roles(rs ...hub.Role) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return out
}

var (
	everyone = roles(hub.Roles...)
	readers  = roles(hub.RolePractitioner, hub.RolePolice, hub.RoleAnalyst, hub.RoleNurse, hub.RoleEducation, hub.RoleManager, hub.RoleAuditor, hub.RolePartner)
	writers  = roles(hub.RolePractitioner, hub.RolePolice, hub.RoleManager)
	breakers = roles(hub.RolePractitioner, hub.RolePolice, hub.RoleNurse, hub.RoleManager)
	admins   = roles(hub.RoleAdmin)
	auditors = roles(hub.RoleAuditor)

	validTokens = []string{userToken, userTokenNoScope, machineToken, machineNoScope, managerToken, caseToken}
	readTokens  = []string{userToken, machineToken, managerToken}
	writeTokens = []string{userToken, machineToken}
)

var matrix = map[string]expect{
	// Server.
	"GET /healthz":     {auth: httpx.Public, ok: codes{200}},
	"GET /metrics":     {auth: httpx.Public, ok: codes{200}},
	"POST /csp-report": {auth: httpx.Public, ok: codes{204}},

	// Web: public and sign-in.
	"GET /static/": {auth: httpx.Public, ok: codes{200}},
	"GET /sign-in": {auth: httpx.Public, ok: codes{200}},
	// An empty form is a failed sign-in; after five failures from one
	// address the address is throttled.
	"POST /sign-in":              {auth: httpx.Public, ok: codes{401, 429}},
	"GET /sign-in/oidc":          {auth: httpx.Public, optional: true},
	"GET /sign-in/oidc/callback": {auth: httpx.Public, optional: true},
	// A fully signed-in session has no second factor to give: home.
	"GET /sign-in/mfa":  {auth: httpx.MFAPending, allow: everyone, ok: codes{303}, location: "/"},
	"POST /sign-in/mfa": {auth: httpx.MFAPending, allow: everyone, ok: codes{303}, location: "/"},
	"POST /sign-out":    {auth: httpx.MFAPending, allow: everyone, ok: codes{303}, location: "/sign-in"},

	// Web: everyone signed in.
	"GET /{$}":                          {auth: httpx.Session, action: access.Home, allow: everyone, ok: codes{200}},
	"GET /account":                      {auth: httpx.Session, action: access.Account, allow: everyone, ok: codes{200}},
	"POST /account/password":            {auth: httpx.Session, action: access.Account, allow: everyone, ok: codes{400}},
	"POST /account/sessions/end-others": {auth: httpx.Session, action: access.Account, allow: everyone, ok: codes{200}},
	"POST /account/tokens":              {auth: httpx.Session, action: access.Account, allow: everyone, ok: codes{400}},
	"GET /notifications":                {auth: httpx.Session, action: access.Notifications, allow: everyone, ok: codes{200}},
	"POST /notifications/read":          {auth: httpx.Session, action: access.Notifications, allow: everyone, ok: codes{303}},
	// Another's token (here, any id not one of the actor's own) is not found.
	"POST /account/tokens/{id}/revoke": {auth: httpx.Session, action: access.Account, allow: everyone, ok: codes{404}},

	// Web: persons.
	"GET /persons":           {auth: httpx.Session, action: access.PersonSearch, allow: readers, ok: codes{200}},
	"POST /persons/search":   {auth: httpx.Session, action: access.PersonSearch, allow: readers, ok: codes{400}},
	"GET /persons/new":       {auth: httpx.Session, action: access.PersonCreate, allow: writers, ok: codes{200}},
	"POST /persons":          {auth: httpx.Session, action: access.PersonCreate, allow: writers, ok: codes{400}},
	"GET /persons/{id}":      {auth: httpx.Session, action: access.PersonRead, allow: readers, ok: codes{200}},
	"GET /persons/{id}/edit": {auth: httpx.Session, action: access.PersonUpdate, allow: writers, ok: codes{200}},
	"POST /persons/{id}":     {auth: httpx.Session, action: access.PersonUpdate, allow: writers, ok: codes{400}},
	// No function-level action: the record's lead practitioner may see its
	// access log whatever their role, so the record-level decision alone
	// answers, with 404 to those who may not.
	"GET /persons/{id}/access": {auth: httpx.Session, allow: everyone, ok: codes{404},
		okFor: map[string]codes{string(hub.RoleManager): {200}, string(hub.RoleAuditor): {200}}},
	"POST /persons/{id}/break-glass": {auth: httpx.Session, action: access.BreakGlass, allow: breakers, ok: codes{400}},

	// Web: administration.
	"GET /admin/users":                {auth: httpx.Session, action: access.UserAdmin, allow: admins, ok: codes{200}},
	"GET /admin/users/new":            {auth: httpx.Session, action: access.UserAdmin, allow: admins, ok: codes{200}},
	"POST /admin/users":               {auth: httpx.Session, action: access.UserAdmin, allow: admins, ok: codes{400}},
	"GET /admin/users/{id}":           {auth: httpx.Session, action: access.UserAdmin, allow: admins, ok: codes{200}},
	"POST /admin/users/{id}":          {auth: httpx.Session, action: access.UserAdmin, allow: admins, ok: codes{400}},
	"GET /admin/agencies":             {auth: httpx.Session, action: access.UserAdmin, allow: admins, ok: codes{200}},
	"POST /admin/agencies":            {auth: httpx.Session, action: access.UserAdmin, allow: admins, ok: codes{400}},
	"POST /admin/areas":               {auth: httpx.Session, action: access.UserAdmin, allow: admins, ok: codes{400}},
	"GET /admin/clients":              {auth: httpx.Session, action: access.ClientAdmin, allow: admins, ok: codes{200}},
	"POST /admin/clients":             {auth: httpx.Session, action: access.ClientAdmin, allow: admins, ok: codes{400}},
	"POST /admin/clients/{id}/revoke": {auth: httpx.Session, action: access.ClientAdmin, allow: admins, ok: codes{200}},

	// Web: audit.
	"GET /audit":                          {auth: httpx.Session, action: access.AuditRead, allow: auditors, ok: codes{200}},
	"GET /audit/break-glass":              {auth: httpx.Session, action: access.AuditRead, allow: auditors, ok: codes{200}},
	"POST /audit/break-glass/{id}/review": {auth: httpx.Session, action: access.AuditRead, allow: auditors, ok: codes{303}, location: "/audit/break-glass"},

	// API.
	"GET /api/v1/openapi.json":     {auth: httpx.Public, ok: codes{200}},
	"GET /api/v1/me":               {auth: httpx.Token, allow: validTokens, ok: codes{200}},
	"POST /api/v1/persons/_search": {auth: httpx.Token, action: access.PersonSearch, allow: readTokens, ok: codes{400}},
	"POST /api/v1/persons":         {auth: httpx.Token, action: access.PersonCreate, allow: writeTokens, ok: codes{400}},
	"PUT /api/v1/persons/{id}":     {auth: httpx.Token, action: access.PersonUpdate, allow: writeTokens, ok: codes{400}, okFor: map[string]codes{machineToken: {404}}}, // a machine client has no areas
	"GET /api/v1/persons/{id}":     {auth: httpx.Token, action: access.PersonRead, allow: readTokens, ok: codes{200}, okFor: map[string]codes{machineToken: {404}}},    // a machine client has no areas
	// person:read carries the access log for a user whose role has it; a
	// machine client never has it.
	"GET /api/v1/persons/{id}/access-log": {auth: httpx.Token, action: access.PersonAccessLog, allow: []string{managerToken}, ok: codes{200}},
}

// principal is one column of the matrix.
type principal struct {
	name   string
	role   hub.Role     // for browser principals
	client *http.Client // holds the session cookie of role principals
	// signOut is a second session of the role, spent by POST /sign-out.
	signOut *http.Client
	bearer  string
	// token says the bearer token is valid.
	token bool
}

// fixture is the matrix's world: principals and the records {id} stands for.
type fixture struct {
	h          *harness
	principals []*principal
	person     *hub.Person // in 856, every test user's area
	user       *hub.User   // a user for /admin/users/{id}
	client     string      // an API client for /admin/clients/{id}/revoke
	grant      string      // a break-glass grant for /audit/break-glass/{id}/review
	asset      string      // a static file's URL
	// ids maps a path prefix to the record {id} stands for under it; the
	// longest matching prefix wins. Feature fixtures fill it.
	ids map[string]string
}

// fixtureSetups create feature records for the matrix (a flag, a case …)
// and register them in fx.ids. Feature test files add theirs in init
// functions, with their matrix entries:
//
//	func init() {
//		maps.Copy(matrix, caseMatrix)
//		fixtureSetups = append(fixtureSetups, func(t *testing.T, h *harness, fx *fixture) { fx.ids["/cases/"] = … })
//	}
var fixtureSetups []func(t *testing.T, h *harness, fx *fixture)

func newFixture(t *testing.T, h *harness) *fixture {
	t.Helper()
	ctx := context.Background()
	fx := &fixture{h: h, asset: apptest.Assets(t).URL("app.js"), ids: map[string]string{}}
	fx.person = h.NewPerson(t, "856", app.PersonInput{GivenName: "Matrix", FamilyName: "Child", DateOfBirth: "2014-05-06"})
	fx.user = h.Users[hub.RolePartner]
	c, _, err := h.App.CreateAPIClient(ctx, apptest.System, app.NewAPIClient{Name: "to revoke", AgencyID: h.Agencies[hub.AgencyHealth].ID, Scopes: []hub.Scope{hub.ScopeFlagRead}})
	if err != nil {
		t.Fatal(err)
	}
	fx.client = c.ID
	far := h.NewPerson(t, "855", app.PersonInput{GivenName: "Far", FamilyName: "Away"})
	if err := h.App.OpenByBreakingGlass(ctx, h.RoleActor(hub.RolePractitioner), far.ID, "child missing overnight, police request"); err != nil {
		t.Fatal(err)
	}
	gs, err := h.App.BreakGlassGrants(ctx, h.RoleActor(hub.RoleAuditor), false)
	if err != nil || len(gs) != 1 {
		t.Fatalf("break-glass grants = %d, %v", len(gs), err)
	}
	fx.grant = gs[0].ID
	for _, setup := range fixtureSetups {
		setup(t, h, fx)
	}

	fx.principals = append(fx.principals, &principal{name: anonymous, client: h.Client()})
	for _, r := range hub.Roles {
		fx.principals = append(fx.principals, &principal{name: string(r), role: r, client: h.signIn(t, h.Users[r]), signOut: h.signIn(t, h.Users[r])})
	}
	pr := h.Users[hub.RolePractitioner]
	fx.principals = append(fx.principals,
		&principal{name: badToken, bearer: "shk_" + strings.Repeat("A", 43)},
		&principal{name: userToken, bearer: h.Token(t, pr, hub.ScopePersonRead, hub.ScopePersonWrite), token: true},
		&principal{name: userTokenNoScope, bearer: h.Token(t, pr, hub.ScopeFlagRead), token: true},
		&principal{name: machineToken, bearer: h.Token(t, nil, hub.ScopePersonRead, hub.ScopePersonWrite), token: true},
		&principal{name: machineNoScope, bearer: h.Token(t, nil, hub.ScopeFlagRead), token: true},
		&principal{name: managerToken, bearer: h.Token(t, h.Users[hub.RoleManager], hub.ScopePersonRead), token: true},
		&principal{name: caseToken, bearer: h.Token(t, pr, hub.ScopeCaseRead, hub.ScopeCaseWrite), token: true},
	)
	return fx
}

// path turns a route pattern into the path the matrix requests.
func (fx *fixture) path(pattern string) (method, path string) {
	method, path, _ = strings.Cut(pattern, " ")
	path = strings.ReplaceAll(path, "{$}", "")
	best := ""
	for prefix := range fx.ids {
		if strings.HasPrefix(path, prefix) && len(prefix) > len(best) {
			best = prefix
		}
	}
	switch {
	case path == "/static/":
		return method, fx.asset
	case best != "":
		path = strings.ReplaceAll(path, "{id}", fx.ids[best])
	case strings.HasPrefix(path, "/admin/users/"):
		path = strings.ReplaceAll(path, "{id}", fx.user.ID)
	case strings.HasPrefix(path, "/admin/clients/"):
		path = strings.ReplaceAll(path, "{id}", fx.client)
	case strings.HasPrefix(path, "/audit/break-glass/"):
		path = strings.ReplaceAll(path, "{id}", fx.grant)
	default:
		path = strings.ReplaceAll(path, "{id}", fx.person.ID)
	}
	return method, path
}

// request builds the matrix's request for method and path as principal p.
func (fx *fixture) request(rt httpx.Route, p *principal, method, path string) (request, *http.Client) {
	rq := request{method: method, path: path, bearer: p.bearer}
	if method != http.MethodGet {
		if strings.HasPrefix(path, "/api/") {
			rq.json = "{}"
			rq.header = http.Header{"If-Match": {`"1"`}}
		} else {
			rq.form = url.Values{}
		}
	}
	c := p.client
	if c == nil {
		c = fx.h.Client()
	}
	if rt.Pattern == "POST /sign-out" && p.signOut != nil {
		c = p.signOut
	}
	rq.authed = rt.Auth != httpx.Public && (p.role != "" && rt.Auth != httpx.Token || p.token && rt.Auth == httpx.Token)
	return rq, c
}

// outcome is what the matrix expects of one request.
type outcome struct {
	codes    codes
	location string
	kind     string // "handler", "sign-in", "forbidden", "no-token"
}

func (e expect) outcome(p *principal, method string) outcome {
	switch e.auth {
	case httpx.Public:
		return outcome{codes: e.ok, location: e.location, kind: "handler"}
	case httpx.Token:
		if !p.token {
			return outcome{codes: codes{401}, kind: "no-token"}
		}
	default:
		if p.role == "" {
			if method == http.MethodGet {
				return outcome{codes: codes{303}, location: "/sign-in", kind: "sign-in"}
			}
			return outcome{codes: codes{401}, kind: "sign-in"}
		}
	}
	if p.name == caseToken && e.auth == httpx.Token && slices.Contains(caseActions, e.action) && !slices.Contains(e.allow, p.name) {
		return outcome{kind: "passes"}
	}
	if !slices.Contains(e.allow, p.name) {
		return outcome{codes: codes{403}, kind: "forbidden"}
	}
	if c, ok := e.okFor[p.name]; ok {
		return outcome{codes: c, location: e.location, kind: "handler"}
	}
	return outcome{codes: e.ok, location: e.location, kind: "handler"}
}

// disruptive routes end sessions or throttle the test client's address, so
// the matrix visits them last, in this order.
var disruptive = []string{"POST /sign-out", "POST /account/sessions/end-others", "POST /sign-in"}

func matrixOrder(routes []httpx.Route) []httpx.Route {
	out := slices.Clone(routes)
	rank := func(r httpx.Route) int { return slices.Index(disruptive, r.Pattern) }
	slices.SortStableFunc(out, func(a, b httpx.Route) int { return rank(a) - rank(b) })
	return out
}

// checkMatrixCoverage fails for routes without an entry and entries
// without a route.
func checkMatrixCoverage(t *testing.T, routes []httpx.Route) {
	t.Helper()
	seen := map[string]bool{}
	for _, rt := range routes {
		seen[rt.Pattern] = true
		e, ok := matrix[rt.Pattern]
		if !ok {
			t.Errorf("route %q has no matrix entry: add one to matrix_test.go saying who may use it", rt.Pattern)
			continue
		}
		if e.auth != rt.Auth {
			t.Errorf("route %q needs %s authentication, matrix documents %s", rt.Pattern, rt.Auth, e.auth)
		}
		if e.action != rt.Action {
			t.Errorf("route %q checks action %q, matrix documents %q", rt.Pattern, rt.Action, e.action)
		}
		if e.auth != httpx.Public && e.ok == nil && len(e.allow) > 0 {
			t.Errorf("matrix entry %q allows principals but gives no status", rt.Pattern)
		}
	}
	for p, e := range matrix {
		if !seen[p] && !e.optional {
			t.Errorf("matrix entry %q has no route: remove it or mark it optional", p)
		}
	}
}

func TestRouteMatrix(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine, apptest.Options{RequireMFA: true})
		routes := h.Server.Routes()
		checkMatrixCoverage(t, routes)
		fx := newFixture(t, h)
		for _, rt := range matrixOrder(routes) {
			e, ok := matrix[rt.Pattern]
			if !ok {
				continue
			}
			method, path := fx.path(rt.Pattern)
			for _, p := range fx.principals {
				rq, c := fx.request(rt, p, method, path)
				res := h.send(t, c, rq)
				want := e.outcome(p, method)
				fx.assert(t, rt, p, want, res)
			}
		}
		// None of the refused or invalid requests changed the record.
		v, err := h.App.ViewPerson(context.Background(), h.RoleActor(hub.RoleManager), fx.person.ID)
		if err != nil {
			t.Fatal(err)
		}
		if v.Person.Version != fx.person.Version || v.Person.GivenName != "Matrix" {
			t.Errorf("person changed by the matrix: version %d → %d", fx.person.Version, v.Person.Version)
		}
	})
}

func (fx *fixture) assert(t *testing.T, rt httpx.Route, p *principal, want outcome, res *apptest.Response) {
	t.Helper()
	where := rt.Pattern + " as " + p.name
	got := res.StatusCode
	switch {
	case want.kind == "passes":
		if got == http.StatusUnauthorized || got == http.StatusForbidden || got >= 500 {
			t.Errorf("%s: status %d, want the guard to let it through to the handler; body: %.300s", where, got, res.Body)
		}
		return
	case want.codes == nil:
		if got >= 500 {
			t.Errorf("%s: status %d, want below 500", where, got)
		}
	case !slices.Contains(want.codes, got):
		t.Errorf("%s: status %d, want %v (%s); body: %.300s", where, got, want.codes, want.kind, res.Body)
		return
	}
	if got == http.StatusSeeOther && want.location != "" {
		if loc := res.Header.Get("Location"); loc != want.location {
			t.Errorf("%s: redirected to %q, want %q", where, loc, want.location)
		}
	}
	api := rt.Auth == httpx.Token
	ct := res.Header.Get("Content-Type")
	checkErr, errType := checkJSONError, "application/json"
	if rt.Errors != nil {
		_, rpath, _ := strings.Cut(rt.Pattern, " ")
		for prefix, f := range errorFormats {
			if strings.HasPrefix(rpath, prefix) {
				checkErr, errType = f.check, f.contentType
			}
		}
	}
	switch want.kind {
	case "no-token":
		if !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer ") {
			t.Errorf("%s: 401 without a Bearer challenge", where)
		}
		checkErr(t, where, res, hub.EUnauthorized)
	case "forbidden":
		if api {
			checkErr(t, where, res, hub.EForbidden)
		} else if !strings.HasPrefix(ct, "text/html") || !strings.Contains(res.Body, "You cannot do this") {
			t.Errorf("%s: 403 is not the error page: %s %.200s", where, ct, res.Body)
		}
	case "sign-in":
		if got == http.StatusUnauthorized && !strings.HasPrefix(ct, "text/html") {
			t.Errorf("%s: 401 is not the sign-in error page: %s", where, ct)
		}
	}
	if api && got >= 400 && !strings.HasPrefix(ct, errType) {
		t.Errorf("%s: API error %d as %q, want %s", where, got, ct, errType)
	}
	if rt.Pattern == "POST /sign-out" && want.kind == "handler" {
		if cs := res.Header.Get("Clear-Site-Data"); !strings.Contains(cs, `"cookies"`) {
			t.Errorf("%s: Clear-Site-Data = %q", where, cs)
		}
	}
}

// errorFormats check the error bodies of routes that render their own
// errors (httpx.Route.Errors, such as the FHIR API's OperationOutcome), by
// the route's path prefix. Feature test files add theirs in init functions.
var errorFormats = map[string]errorFormat{}

type errorFormat struct {
	contentType string
	check       func(t *testing.T, where string, res *apptest.Response, code string)
}

func checkJSONError(t *testing.T, where string, res *apptest.Response, code string) {
	t.Helper()
	var body httpx.ErrorBody
	if err := json.Unmarshal([]byte(res.Body), &body); err != nil {
		t.Errorf("%s: error body is not JSON: %v: %.200s", where, err, res.Body)
		return
	}
	if body.Code != code || body.Message == "" || body.RequestID != res.Header.Get("X-Request-Id") {
		t.Errorf("%s: error body %+v, want code %q with a message and the request id %q", where, body, code, res.Header.Get("X-Request-Id"))
	}
}

// TestRecordOutOfArea is the record-level half of the matrix (SEC-22,
// AUD-02): a person in area 855, outside every test user's areas, answers
// 404, exactly as a record that does not exist, on the web and the API, and
// each refusal is audited as denied. Nothing changes.
func TestRecordOutOfArea(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine, apptest.Options{RequireMFA: true})
		far := h.NewPerson(t, "855", app.PersonInput{GivenName: "Outside", FamilyName: "Scope", DateOfBirth: "2012-01-02"})
		missing := hub.NewID()

		for _, r := range readers {
			role := hub.Role(r)
			u := h.Users[role]
			c := h.signIn(t, u)
			from := h.auditSize(t)
			res := h.send(t, c, request{method: http.MethodGet, path: "/persons/" + far.ID, authed: true})
			if res.StatusCode != http.StatusNotFound {
				t.Errorf("GET /persons/{855 person} as %s = %d, want 404", r, res.StatusCode)
			}
			checkDenied(t, h, from, u.ID, hub.ActView, far.ID, res)

			gone := h.send(t, c, request{method: http.MethodGet, path: "/persons/" + missing, authed: true})
			if gone.StatusCode != http.StatusNotFound || normalise(gone) != normalise(res) {
				t.Errorf("as %s: the out-of-area record's 404 differs from a missing record's (%d vs %d)", r, res.StatusCode, gone.StatusCode)
			}
			for _, p := range []string{"/persons/" + far.ID + "/edit", "/persons/" + far.ID + "/access"} {
				if res := h.send(t, c, request{method: http.MethodGet, path: p, authed: true}); res.StatusCode != http.StatusNotFound && res.StatusCode != http.StatusForbidden {
					t.Errorf("GET %s as %s = %d, want 404 (or 403 where the role lacks the action)", p, r, res.StatusCode)
				}
			}
		}

		// Updating it by form.
		pr := h.Users[hub.RolePractitioner]
		c := h.signIn(t, pr)
		form := url.Values{"version": {"1"}, "area_id": {h.Areas["856"].ID}, "given_name": {"Taken"}, "family_name": {"Over"}}
		from := h.auditSize(t)
		res := h.send(t, c, request{method: http.MethodPost, path: "/persons/" + far.ID, form: form})
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("POST /persons/{855 person} = %d, want 404", res.StatusCode)
		}
		checkDenied(t, h, from, pr.ID, hub.ActUpdate, far.ID, res)

		// The API, with a personal token that may read and write.
		tok := h.Token(t, pr, hub.ScopePersonRead, hub.ScopePersonWrite)
		from = h.auditSize(t)
		res = h.send(t, nil, request{method: http.MethodGet, path: "/api/v1/persons/" + far.ID, bearer: tok, authed: true})
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("GET /api/v1/persons/{855 person} = %d, want 404", res.StatusCode)
		}
		checkJSONError(t, "GET /api/v1/persons/{855 person}", res, hub.ENotFound)
		checkDenied(t, h, from, pr.ID, hub.ActView, far.ID, res)
		gone := h.send(t, nil, request{method: http.MethodGet, path: "/api/v1/persons/" + missing, bearer: tok, authed: true})
		if gone.StatusCode != http.StatusNotFound || normalise(gone) != normalise(res) {
			t.Errorf("API: the out-of-area record's 404 differs from a missing record's: %s vs %s", res.Body, gone.Body)
		}
		body := `{"area_id":"` + h.Areas["855"].ID + `","given_name":"Taken","family_name":"Over"}`
		from = h.auditSize(t)
		res = h.send(t, nil, request{method: http.MethodPut, path: "/api/v1/persons/" + far.ID, json: body, bearer: tok, header: http.Header{"If-Match": {`"1"`}}, authed: true})
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("PUT /api/v1/persons/{855 person} = %d, want 404", res.StatusCode)
		}
		checkDenied(t, h, from, pr.ID, hub.ActUpdate, far.ID, res)
		if res := h.send(t, nil, request{method: http.MethodGet, path: "/api/v1/persons/" + far.ID + "/access-log", bearer: tok, authed: true}); res.StatusCode != http.StatusForbidden && res.StatusCode != http.StatusNotFound {
			t.Errorf("GET /api/v1/persons/{855 person}/access-log = %d, want 403 or 404", res.StatusCode)
		}

		// Breaking glass opens it for reading only.
		res = h.post(t, c, "/persons/"+far.ID+"/break-glass", url.Values{"reason": {"child reported missing, strategy meeting now"}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/persons/"+far.ID {
			t.Fatalf("break glass = %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		if res := h.send(t, c, request{method: http.MethodGet, path: "/persons/" + far.ID, authed: true}); res.StatusCode != http.StatusOK {
			t.Errorf("GET /persons/{855 person} after breaking glass = %d, want 200", res.StatusCode)
		}
		if res := h.send(t, c, request{method: http.MethodGet, path: "/persons/" + far.ID + "/edit", authed: true}); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET /persons/{855 person}/edit after breaking glass = %d, want 404", res.StatusCode)
		}
		if res := h.send(t, c, request{method: http.MethodPost, path: "/persons/" + far.ID, form: form}); res.StatusCode != http.StatusNotFound {
			t.Errorf("POST /persons/{855 person} after breaking glass = %d, want 404", res.StatusCode)
		}
		// The grant is the practitioner's own: a colleague still gets 404.
		if res := h.send(t, h.signIn(t, h.Users[hub.RolePolice]), request{method: http.MethodGet, path: "/persons/" + far.ID, authed: true}); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET /persons/{855 person} as police = %d, want 404", res.StatusCode)
		}

		v, err := h.App.ViewPerson(context.Background(), &access.Actor{ID: "t", Roles: []hub.Role{hub.RoleManager}, AreaIDs: []string{h.Areas["855"].ID}}, far.ID)
		if err != nil {
			t.Fatal(err)
		}
		if v.Person.Version != far.Version || v.Person.GivenName != "Outside" {
			t.Errorf("the 855 person changed: version %d → %d, name %q", far.Version, v.Person.Version, v.Person.GivenName)
		}
	})
}

// checkDenied asserts that exactly one audit event was written since from:
// a denial of action on object by actor, carrying the response's request id.
func checkDenied(t *testing.T, h *harness, from int64, actorID, action, objectID string, res *apptest.Response) {
	t.Helper()
	es := h.auditSince(t, from)
	if len(es) != 1 {
		t.Errorf("%d audit events for one denied request, want 1: %+v", len(es), es)
		return
	}
	e := es[0]
	if e.Outcome != hub.OutcomeDenied || e.Action != action || e.ObjectID != objectID || e.ActorID != actorID || e.RequestID != res.Header.Get("X-Request-Id") || e.Time.Location() != time.UTC {
		t.Errorf("audit event %+v, want %s denied for actor %s on %s with request id %s", e, action, actorID, objectID, res.Header.Get("X-Request-Id"))
	}
}

// TestUnknownRoutesAndMethods: paths no route serves answer 404 and methods a
// path does not allow answer 405, signed in or not, never 200 (SEC-21).
func TestUnknownRoutesAndMethods(t *testing.T) {
	h := newHarness(t, firstEngine(), apptest.Options{RequireMFA: true})
	p := h.NewPerson(t, "856", app.PersonInput{})
	tok := h.Token(t, h.Users[hub.RoleManager], hub.Scopes...)
	signedIn := h.signIn(t, h.Users[hub.RoleManager])
	tests := []struct {
		method, path string
		want         int
	}{
		{"GET", "/nope", 404},
		{"GET", "/admin", 404},
		{"GET", "/persons/" + p.ID + "/nope", 404},
		{"GET", "/api/v1/nope", 404},
		{"GET", "/api/v2/persons/" + p.ID, 404},
		{"GET", "/static/nope.js", 404},
		{"GET", "/static/manifest.json", 404},
		{"GET", "/.env", 404},
		{"GET", "/index.php?x=1", 404},
		{"TRACE", "/", 405},
		{"TRACE", "/persons/" + p.ID, 405},
		{"DELETE", "/persons/" + p.ID, 405},
		{"PUT", "/persons/" + p.ID, 405},
		{"PATCH", "/persons/" + p.ID, 405},
		{"DELETE", "/api/v1/persons/" + p.ID, 405},
		{"PATCH", "/api/v1/persons/" + p.ID, 405},
		{"POST", "/healthz", 405},
		{"POST", "/", 405},
		{"OPTIONS", "/api/v1/me", 405},
		{"OPTIONS", "/", 405},
		{"PROPFIND", "/", 405},
	}
	for _, tt := range tests {
		for _, as := range []struct {
			name   string
			c      *http.Client
			bearer string
		}{{"anonymous", nil, ""}, {"signed in", signedIn, ""}, {"token", nil, tok}} {
			rq := request{method: tt.method, path: tt.path, bearer: as.bearer}
			if tt.method != "GET" && tt.method != "OPTIONS" {
				rq.form = url.Values{}
			}
			res := h.send(t, as.c, rq)
			if res.StatusCode != tt.want {
				t.Errorf("%s %s (%s) = %d, want %d", tt.method, tt.path, as.name, res.StatusCode, tt.want)
			}
			if tt.want == 405 && res.Header.Get("Allow") == "" {
				t.Errorf("%s %s (%s): 405 without Allow", tt.method, tt.path, as.name)
			}
		}
	}
}
