package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/safehub/safehub/internal/api"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/apptest"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store/storetest"
)

// TestAuthentication checks that every token route answers 401 with a
// WWW-Authenticate challenge without a token or with a bad one, and 403
// when the token's scopes lack the route's action.
func TestAuthentication(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		p := e.NewPerson(t, "856", app.PersonInput{GivenName: "Ava", FamilyName: "Auth"})
		routes := []struct{ method, path string }{
			{"GET", "/api/v1/me"},
			{"POST", "/api/v1/persons/_search"},
			{"POST", "/api/v1/persons"},
			{"GET", "/api/v1/persons/" + p.ID},
			{"PUT", "/api/v1/persons/" + p.ID},
			{"GET", "/api/v1/persons/" + p.ID + "/access-log"},
		}
		revoked := e.Token(t, e.Users[hub.RoleManager], hub.ScopePersonRead)
		clients, err := e.App.APIClients(ctx, e.RoleActor(hub.RoleAdmin))
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range clients {
			if strings.HasPrefix(revoked, c.TokenPrefix) {
				if err := e.App.RevokeAPIClient(ctx, e.RoleActor(hub.RoleAdmin), c.ID); err != nil {
					t.Fatal(err)
				}
			}
		}
		// A session cookie is no credential for the API.
		browser := e.SignInRole(t, hub.RoleManager)

		before := countsOf(t, e)
		for _, rt := range routes {
			for _, tc := range []struct {
				name, authz string
				invalid     bool
			}{
				{"no token", "", false},
				{"empty bearer", "Bearer ", false},
				{"basic", "Basic dGVzdDp0ZXN0", false},
				{"unknown token", "Bearer shk_" + strings.Repeat("A", 43), true},
				{"not our token", "Bearer abc.def.ghi", true},
				{"revoked", "Bearer " + revoked, true},
			} {
				t.Run(rt.method+" "+rt.path+" "+tc.name, func(t *testing.T) {
					req, _ := http.NewRequest(rt.method, e.TS.URL+rt.path, strings.NewReader("{}"))
					req.Header.Set("Content-Type", "application/json")
					if tc.authz != "" {
						req.Header.Set("Authorization", tc.authz)
					}
					res := e.Do(t, browser, req)
					if res.StatusCode != http.StatusUnauthorized {
						t.Fatalf("status = %d, want 401; body %s", res.StatusCode, res.Body)
					}
					want := `Bearer realm="safehub"`
					if tc.invalid {
						want = `Bearer realm="safehub", error="invalid_token"`
					}
					if got := res.Header.Get("WWW-Authenticate"); got != want {
						t.Errorf("WWW-Authenticate = %q, want %q", got, want)
					}
					if b := errorBody(t, res); b.Code != hub.EUnauthorized {
						t.Errorf("error code = %q, want unauthorized", b.Code)
					}
				})
			}
		}
		if got := countsOf(t, e); got != before {
			t.Errorf("unauthenticated requests changed counts from %+v to %+v", before, got)
		}

		// Scopes: a read-only token may not write, a write-only token may
		// not read; a practitioner's token may not read access logs.
		readOnly := newClient(e, e.Token(t, e.Users[hub.RolePractitioner], hub.ScopePersonRead))
		writeOnly := newClient(e, e.Token(t, e.Users[hub.RolePractitioner], hub.ScopePersonWrite))
		flagOnly := newClient(e, e.Token(t, nil, hub.ScopeFlagRead))
		body := basePerson(e.Areas["856"].ID)
		for _, tc := range []struct {
			name string
			c    *client
			res  func(c *client) *apptest.Response
		}{
			{"read token creates", readOnly, func(c *client) *apptest.Response { return c.postJSON(t, "/api/v1/persons", body) }},
			{"read token updates", readOnly, func(c *client) *apptest.Response {
				return c.putJSON(t, "/api/v1/persons/"+p.ID, `"1"`, body)
			}},
			{"write token reads", writeOnly, func(c *client) *apptest.Response { return c.get(t, "/api/v1/persons/"+p.ID) }},
			{"write token searches", writeOnly, func(c *client) *apptest.Response {
				return c.postJSON(t, "/api/v1/persons/_search", map[string]any{"q": "Auth"})
			}},
			{"practitioner reads access log", readOnly, func(c *client) *apptest.Response {
				return c.get(t, "/api/v1/persons/"+p.ID+"/access-log")
			}},
			{"flag token reads", flagOnly, func(c *client) *apptest.Response { return c.get(t, "/api/v1/persons/"+p.ID) }},
			{"flag token creates", flagOnly, func(c *client) *apptest.Response { return c.postJSON(t, "/api/v1/persons", body) }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := countsOf(t, e)
				res := tc.res(tc.c)
				if res.StatusCode != http.StatusForbidden {
					t.Fatalf("status = %d, want 403; body %s", res.StatusCode, res.Body)
				}
				if b := errorBody(t, res); b.Code != hub.EForbidden {
					t.Errorf("code = %q, want forbidden", b.Code)
				}
				if got := countsOf(t, e); got != before {
					t.Errorf("forbidden request changed counts from %+v to %+v", before, got)
				}
			})
		}
	})
}

// TestPersonLifecycle walks create → read → update over the API, checking
// Location, ETag and If-Match handling.
func TestPersonLifecycle(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		prac := e.Users[hub.RolePractitioner]
		c := newClient(e, e.Token(t, prac, hub.ScopePersonRead, hub.ScopePersonWrite))
		area := e.Areas["856"].ID

		before := countsOf(t, e)
		res := c.postJSON(t, "/api/v1/persons", basePerson(area))
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("create = %d %s", res.StatusCode, res.Body)
		}
		created := personOut(t, res)
		if got := res.Header.Get("Location"); got != "/api/v1/persons/"+created.ID {
			t.Errorf("Location = %q, want /api/v1/persons/%s", got, created.ID)
		}
		if got := res.Header.Get("ETag"); got != `"1"` {
			t.Errorf("ETag = %q, want \"1\"", got)
		}
		if after := countsOf(t, e); after.Persons != before.Persons+1 || after.Audit != before.Audit+1 {
			t.Errorf("create changed counts from %+v to %+v, want one person and one audit event", before, after)
		}
		want := api.PersonOut{
			ID: created.ID, Version: 1, AreaID: area, OwnerAgencyID: prac.AgencyID,
			GivenName: "Amelia", FamilyName: "Khan", DateOfBirth: "2011-03-02", Sex: "female", Gender: "Girl", Ethnicity: "Asian British", Language: "English",
			Aliases:     []api.AliasDTO{{GivenName: "Millie", FamilyName: "Khan", Kind: "nickname"}},
			Addresses:   []api.AddressIn{{Line1: "1 High Street", Line2: "Flat 2", Town: "Leicester", Postcode: "LE1 5WW", From: "2020-01-01"}},
			Phones:      []api.PhoneIn{{Number: "+447700900123", Kind: "mobile"}},
			Identifiers: []api.IdentOut{{Kind: "nhs", Value: "9434765919"}, {Kind: "upn", Value: "K855400523017"}},
		}
		ignoreTimes := cmpopts.IgnoreFields(api.PersonOut{}, "CreatedAt", "UpdatedAt", "Links")
		sortIDs := cmpopts.SortSlices(func(a, b api.IdentOut) bool { return a.Kind < b.Kind })
		if diff := cmp.Diff(want, created, ignoreTimes, sortIDs); diff != "" {
			t.Errorf("created person (-want +got):\n%s", diff)
		}
		if created.CreatedAt.IsZero() || !created.CreatedAt.Equal(created.UpdatedAt) {
			t.Errorf("created_at %v updated_at %v", created.CreatedAt, created.UpdatedAt)
		}

		// The same NHS number or UPN again: a conflict naming the field
		// the client sent, nothing written.
		for _, tc := range []struct{ key, field string }{{"nhs_number", "nhs_number"}, {"upn", "upn"}} {
			before := countsOf(t, e)
			dup := basePerson(area)
			if tc.key == "nhs_number" {
				dup = with(dup, "upn", nil)
			} else {
				dup = with(dup, "nhs_number", nil)
			}
			res := c.postJSON(t, "/api/v1/persons", dup)
			if res.StatusCode != http.StatusConflict {
				t.Fatalf("duplicate %s = %d %s", tc.key, res.StatusCode, res.Body)
			}
			if b := errorBody(t, res); b.Code != hub.EConflict || b.Field != tc.field || !strings.Contains(b.Message, "already has this") {
				t.Errorf("duplicate %s error = %+v", tc.key, b)
			}
			if after := countsOf(t, e); after != before {
				t.Errorf("duplicate create changed counts from %+v to %+v", before, after)
			}
		}

		res = c.get(t, "/api/v1/persons/"+created.ID)
		if res.StatusCode != http.StatusOK || res.Header.Get("ETag") != `"1"` {
			t.Fatalf("GET = %d ETag %q", res.StatusCode, res.Header.Get("ETag"))
		}
		got := personOut(t, res)
		if diff := cmp.Diff(created, got, cmpopts.IgnoreFields(api.PersonOut{}, "Links"), sortIDs); diff != "" {
			t.Errorf("GET differs from the create response (-create +get):\n%s", diff)
		}
		if got.Links == nil || !got.Links.CanEdit || got.Links.ViaBreakGlass {
			t.Errorf("links = %+v, want can_edit", got.Links)
		}

		path := "/api/v1/persons/" + created.ID
		change := with(basePerson(area), "language", "Urdu")
		// PUT without If-Match: 400 naming If-Match; nothing saved.
		for _, tc := range []struct{ name, ifMatch, msg string }{
			{"missing", "", "is required"},
			{"not a number", `"abc"`, "must be the record's version"},
			{"zero", `"0"`, "must be the record's version"},
			{"star", `*`, "must be the record's version"},
		} {
			t.Run("If-Match "+tc.name, func(t *testing.T) {
				before := countsOf(t, e)
				res := c.putJSON(t, path, tc.ifMatch, change)
				if res.StatusCode != http.StatusBadRequest {
					t.Fatalf("status = %d, want 400; %s", res.StatusCode, res.Body)
				}
				b := errorBody(t, res)
				if b.Code != hub.EInvalid || b.Field != "If-Match" || !strings.Contains(b.Message, tc.msg) {
					t.Errorf("error = %+v, want invalid If-Match %q", b, tc.msg)
				}
				if after := countsOf(t, e); after != before {
					t.Errorf("refused PUT changed counts from %+v to %+v", before, after)
				}
			})
		}

		res = c.putJSON(t, path, `"1"`, change)
		if res.StatusCode != http.StatusOK || res.Header.Get("ETag") != `"2"` {
			t.Fatalf("PUT = %d ETag %q; %s", res.StatusCode, res.Header.Get("ETag"), res.Body)
		}
		updated := personOut(t, res)
		if updated.Language != "Urdu" || updated.Version != 2 || !updated.CreatedAt.Equal(created.CreatedAt) {
			t.Errorf("updated = language %q version %d created_at %v", updated.Language, updated.Version, updated.CreatedAt)
		}
		// Weak ETags are read the same way.
		res = c.putJSON(t, path, `W/"2"`, with(change, "language", "Polish"))
		if res.StatusCode != http.StatusOK || res.Header.Get("ETag") != `"3"` {
			t.Fatalf("PUT with a weak ETag = %d %s", res.StatusCode, res.Body)
		}

		// Stale If-Match: 409, nothing changed, nothing audited.
		before = countsOf(t, e)
		res = c.putJSON(t, path, `"2"`, with(change, "language", "Welsh"))
		if res.StatusCode != http.StatusConflict {
			t.Fatalf("stale PUT = %d, want 409; %s", res.StatusCode, res.Body)
		}
		if b := errorBody(t, res); b.Code != hub.EConflict || !strings.Contains(b.Message, "changed by someone else") {
			t.Errorf("stale PUT error = %+v", b)
		}
		if after := countsOf(t, e); after != before {
			t.Errorf("stale PUT changed counts from %+v to %+v", before, after)
		}
		if got := personOut(t, c.get(t, path)); got.Language != "Polish" || got.Version != 3 {
			t.Errorf("after a stale PUT the person has language %q version %d", got.Language, got.Version)
		}
	})
}

// TestMe checks /api/v1/me for machine clients and personal tokens.
func TestMe(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		aud := e.Users[hub.RoleAuditor]
		for _, tc := range []struct {
			name  string
			token string
			want  api.Me
		}{
			{"machine", e.Token(t, nil, hub.ScopeFlagRead), api.Me{Name: "test client", AgencyID: e.Agencies[hub.AgencySocialCare].ID, Machine: true, Roles: []string{}, Scopes: []string{"flag:read"}}},
			{"personal", e.Token(t, aud, hub.ScopePersonRead, hub.ScopePersonWrite), api.Me{ID: aud.ID, Name: aud.Username, AgencyID: aud.AgencyID, Roles: []string{"auditor"}, Scopes: []string{"person:read", "person:write"}}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res := newClient(e, tc.token).get(t, "/api/v1/me")
				if res.StatusCode != http.StatusOK {
					t.Fatalf("GET /api/v1/me = %d %s", res.StatusCode, res.Body)
				}
				var got api.Me
				if err := json.Unmarshal([]byte(res.Body), &got); err != nil {
					t.Fatal(err)
				}
				if tc.want.Machine {
					if !hub.ValidID(got.ID) {
						t.Errorf("machine id = %q", got.ID)
					}
					tc.want.ID = got.ID
				}
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("me (-want +got):\n%s", diff)
				}
				if cc := res.Header.Get("Cache-Control"); strings.Contains(cc, "public") {
					t.Errorf("Cache-Control = %q on an authenticated answer", cc)
				}
			})
		}
	})
}

// TestAccessLog checks the access-log endpoint with an auditor's personal
// token, and its refusals.
func TestAccessLog(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		p := e.NewPerson(t, "856", app.PersonInput{GivenName: "Lily", FamilyName: "Log"})
		far := e.NewPerson(t, "857", app.PersonInput{GivenName: "Far", FamilyName: "Away"})
		reader := newClient(e, e.Token(t, e.Users[hub.RolePractitioner], hub.ScopePersonRead))
		if res := reader.get(t, "/api/v1/persons/"+p.ID); res.StatusCode != http.StatusOK {
			t.Fatalf("practitioner read = %d", res.StatusCode)
		}
		auditor := newClient(e, e.Token(t, e.Users[hub.RoleAuditor], hub.ScopePersonRead))
		res := auditor.get(t, "/api/v1/persons/"+p.ID+"/access-log")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("auditor access log = %d %s", res.StatusCode, res.Body)
		}
		var got struct{ Events []api.AccessEvent }
		dec := json.NewDecoder(strings.NewReader(res.Body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&got); err != nil {
			t.Fatal(err)
		}
		type row struct{ Actor, Action, Object, Outcome string }
		var rows []row
		for _, ev := range got.Events {
			rows = append(rows, row{ev.ActorName, ev.Action, ev.Object, ev.Outcome})
		}
		want := []row{
			{"test.practitioner", hub.ActView, "person", hub.OutcomeSuccess},
			{"test-setup", hub.ActCreate, "person", hub.OutcomeSuccess},
		}
		if diff := cmp.Diff(want, rows); diff != "" {
			t.Errorf("access log (-want +got):\n%s", diff)
		}
		if ev := newestEvent(t, e); ev.Action != hub.ActView || ev.ObjectType != "access_log" || ev.SubjectID != p.ID || ev.ActorID != e.Users[hub.RoleAuditor].ID {
			t.Errorf("reading the access log audited as %+v", ev)
		}
		// Another area's record: 404, as if it did not exist; malformed: 400.
		for _, tc := range []struct {
			path   string
			status int
		}{
			{"/api/v1/persons/" + far.ID + "/access-log", http.StatusNotFound},
			{"/api/v1/persons/" + hub.NewID() + "/access-log", http.StatusNotFound},
			{"/api/v1/persons/123/access-log", http.StatusBadRequest},
		} {
			if res := auditor.get(t, tc.path); res.StatusCode != tc.status {
				t.Errorf("GET %s = %d, want %d", tc.path, res.StatusCode, tc.status)
			}
		}
	})
}

// TestConcurrentUpdate sends several PUTs with the same If-Match at once:
// exactly one wins, the others get 409, and the record is the winner's
// (security.md REL-08, row 17).
func TestConcurrentUpdate(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		tok := e.Token(t, e.Users[hub.RolePractitioner], hub.ScopePersonRead, hub.ScopePersonWrite)
		area := e.Areas["856"].ID
		// No identifiers, so that each round may create a new person.
		base := with(with(basePerson(area), "nhs_number", nil), "upn", nil)
		for round := range 3 {
			c := newClient(e, tok)
			res := c.postJSON(t, "/api/v1/persons", base)
			if res.StatusCode != http.StatusCreated {
				t.Fatalf("create = %d %s", res.StatusCode, res.Body)
			}
			id := personOut(t, res).ID
			const n = 6
			results := make([]*apptest.Response, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					body := with(base, "language", fmt.Sprintf("Language %d", i))
					results[i] = newClient(e, tok).putJSON(t, "/api/v1/persons/"+id, `"1"`, body)
				}()
			}
			wg.Wait()
			var winners []int
			for i, r := range results {
				switch r.StatusCode {
				case http.StatusOK:
					winners = append(winners, i)
				case http.StatusConflict:
				default:
					t.Errorf("round %d PUT %d = %d %s", round, i, r.StatusCode, r.Body)
				}
			}
			if len(winners) != 1 {
				t.Fatalf("round %d: %d PUTs succeeded (%v), want exactly 1", round, len(winners), winners)
			}
			won := personOut(t, results[winners[0]])
			final := personOut(t, c.get(t, "/api/v1/persons/"+id))
			if diff := cmp.Diff(won, final, cmpopts.IgnoreFields(api.PersonOut{}, "Links")); diff != "" {
				t.Errorf("round %d: final record differs from the winner's (-winner +final):\n%s", round, diff)
			}
			if final.Version != 2 || final.Language != fmt.Sprintf("Language %d", winners[0]) {
				t.Errorf("round %d: final version %d language %q, want 2 and the winner's", round, final.Version, final.Language)
			}
		}
	})
}
