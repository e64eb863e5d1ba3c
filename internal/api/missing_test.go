package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/safehub/safehub/internal/api"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/apptest"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store/storetest"
)

// TestOpenAPIMissingSchemas: the missing-episode and NRM schemas list
// exactly the JSON fields of their DTOs.
func TestOpenAPIMissingSchemas(t *testing.T) {
	doc, _ := loadOpenAPI(t)
	checkSchemas(t, doc, map[string]any{
		"MissingReportIn": api.MissingReportIn{}, "MissingEpisode": api.EpisodeOut{}, "MissingEpisodeList": api.EpisodeList{}, "RiskChange": api.RiskChangeOut{},
		"EpisodeUpdate": api.EpisodeUpdateOut{}, "RiskChangeIn": api.RiskChangeIn{}, "EpisodeUpdateIn": api.EpisodeUpdateIn{}, "ReturnIn": api.ReturnIn{},
		"InterviewIn": api.InterviewIn{}, "ReturnInterview": api.InterviewOut{}, "ReturnInterviewList": api.InterviewList{}, "MissingPrompt": api.PromptOut{},
		"PromptResolveIn": api.PromptResolveIn{}, "PhilomenaIn": api.PhilomenaIn{}, "PhilomenaVersion": api.PhilomenaOut{}, "PhilomenaProfile": api.PhilomenaVersions{},
		"NRMIn": api.NRMIn{}, "NRMWaiting": api.NRMWaitOut{}, "NRMReferral": api.NRMOut{}, "NRMList": api.NRMList{}, "NRMDecisionIn": api.NRMDecisionIn{},
	})
}

func decodeStrict[T any](t testing.TB, res *apptest.Response) T {
	t.Helper()
	var v T
	dec := json.NewDecoder(strings.NewReader(res.Body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("body %.300q: %v", res.Body, err)
	}
	return v
}

func (c *client) postIfMatch(t testing.TB, path, ifMatch string, v any) *apptest.Response {
	t.Helper()
	return c.do(t, http.MethodPost, path, "application/json", jsonText(t, v), "If-Match", ifMatch)
}

func missingTables(t testing.TB, e *apptest.Env) [6]int64 {
	t.Helper()
	var out [6]int64
	for i, table := range []string{"missing_episodes", "missing_risk_history", "missing_updates", "return_interviews", "philomena_profiles", "nrm_referrals"} {
		if err := e.Store.SQL().QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&out[i]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestMissingAPIWorkflow: report in one call, regrade, return, interview,
// the lists, a Philomena profile and an NRM referral, on both engines;
// every call writes one audit event.
func TestMissingAPIWorkflow(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		pr := e.Users[hub.RolePractitioner]
		c := newClient(e, e.Token(t, pr, hub.ScopeCaseRead, hub.ScopeCaseWrite))
		child := e.NewPerson(t, "856", app.PersonInput{GivenName: "Joel", FamilyName: "Ames", DateOfBirth: "2010-02-02"})
		now := e.Clock.Now()
		audit := func() int64 { return countsOf(t, e).Audit }

		// A Philomena profile first.
		a0 := audit()
		res := c.postJSON(t, "/api/v1/persons/"+child.ID+"/philomena", map[string]any{"based_on_version": 0, "placement": "Foster placement, 0116 496 0002", "description": "Short, glasses"})
		if res.StatusCode != http.StatusCreated || audit()-a0 != 1 {
			t.Fatalf("save profile: %d %s", res.StatusCode, res.Body)
		}
		if f := decodeStrict[api.PhilomenaOut](t, res); f.Version != 1 || f.ReviewDue != "2027-02-27" {
			t.Errorf("profile = %+v", f)
		}

		// The one-call intake.
		body := map[string]any{"person_id": child.ID, "missing_from": "care", "last_seen_at": now.Add(-3 * time.Hour).Format(time.RFC3339),
			"last_seen_place": "Haymarket bus station", "reported_at": now.Add(-150 * time.Minute).Format(time.RFC3339), "reported_by": "foster_carer", "police_risk_level": "low", "include_philomena": true}
		a0 = audit()
		res = c.postJSON(t, "/api/v1/missing-episodes", body)
		if res.StatusCode != http.StatusCreated || audit()-a0 != 1 {
			t.Fatalf("report: %d %s", res.StatusCode, res.Body)
		}
		ep := decodeStrict[api.EpisodeOut](t, res)
		if !ep.Open || ep.PhilomenaVersion != 1 || ep.Type != "missing" || ep.DurationMinutes != 180 || res.Header.Get("Location") != "/api/v1/missing-episodes/"+ep.ID {
			t.Errorf("reported episode = %+v", ep)
		}
		path := "/api/v1/missing-episodes/" + ep.ID

		res = c.postIfMatch(t, path+"/risk", `"1"`, map[string]any{"police_risk_level": "medium", "rationale": "Not answering phone"})
		if res.StatusCode != http.StatusOK || res.Header.Get("ETag") != `"2"` {
			t.Fatalf("risk: %d %s", res.StatusCode, res.Body)
		}
		// A stale version is a conflict, and changes nothing.
		before := missingTables(t, e)
		if res := c.postIfMatch(t, path+"/updates", `"1"`, map[string]any{"text": "x"}); res.StatusCode != http.StatusConflict {
			t.Errorf("stale update: %d", res.StatusCode)
		}
		if res := c.postJSON(t, path+"/updates", map[string]any{"text": "x"}); res.StatusCode != http.StatusBadRequest || errorBody(t, res).Field != "If-Match" {
			t.Errorf("update without If-Match: %d", res.StatusCode)
		}
		if after := missingTables(t, e); after != before {
			t.Errorf("refused updates wrote rows: %v → %v", before, after)
		}
		res = c.postIfMatch(t, path+"/return", `"2"`, map[string]any{"found_at": now.Add(-time.Hour).Format(time.RFC3339), "found_place": "Friend's flat, Braunstone",
			"found_by": "Police", "returned_to": "Foster placement"})
		if res.StatusCode != http.StatusOK {
			t.Fatalf("return: %d %s", res.StatusCode, res.Body)
		}

		a0 = audit()
		res = c.get(t, path)
		if res.StatusCode != http.StatusOK || audit()-a0 != 1 {
			t.Fatalf("read: %d", res.StatusCode)
		}
		full := decodeStrict[api.EpisodeOut](t, res)
		if full.ReturnInterview == nil || full.ReturnInterview.Status != "due" || !full.ReturnInterview.DueAt.Equal(full.ReturnedAt.Add(72*time.Hour)) ||
			len(full.RiskHistory) != 2 || full.Philomena == nil || full.Philomena.Description != "Short, glasses" || full.CanRecord == nil || !*full.CanRecord {
			t.Errorf("episode = %+v", full)
		}
		rhi := full.ReturnInterview

		// The interview cannot be held before the return.
		res = c.putJSON(t, path+"/return-interview", `"1"`, map[string]any{"status": "completed", "completed_at": now.Add(-2 * time.Hour).Format(time.RFC3339),
			"interviewer": "Sam Patel", "interviewer_kind": "independent_provider", "independent": true})
		if res.StatusCode != http.StatusBadRequest || errorBody(t, res).Field != "completed_at" {
			t.Errorf("interview before the return: %d %s", res.StatusCode, res.Body)
		}
		res = c.putJSON(t, path+"/return-interview", `"1"`, map[string]any{"status": "completed", "completed_at": now.Format(time.RFC3339),
			"interviewer": "Sam Patel", "interviewer_kind": "independent_provider", "independent": true, "push_factors": "Placement rules", "places_named": "Braunstone"})
		if res.StatusCode != http.StatusOK {
			t.Fatalf("interview: %d %s", res.StatusCode, res.Body)
		}
		if got := decodeStrict[api.InterviewOut](t, res); got.Status != "completed" || !got.WithinDue || got.ID != rhi.ID {
			t.Errorf("interview = %+v", got)
		}

		// Lists.
		list := decodeStrict[api.EpisodeList](t, c.get(t, "/api/v1/missing-episodes?status=closed"))
		if list.Total != 1 || list.Episodes[0].ID != ep.ID {
			t.Errorf("closed list = %+v", list)
		}
		ilist := decodeStrict[api.InterviewList](t, c.get(t, "/api/v1/return-interviews?status=completed"))
		if ilist.Total != 1 || ilist.Overdue != 0 {
			t.Errorf("interview list = %+v", ilist)
		}
		if res := c.get(t, "/api/v1/return-interviews?mine=maybe"); res.StatusCode != http.StatusBadRequest || errorBody(t, res).Field != "mine" {
			t.Errorf("bad mine: %d", res.StatusCode)
		}
		if res := c.get(t, "/api/v1/missing-episodes?limit=0"); res.StatusCode != http.StatusBadRequest || errorBody(t, res).Field != "limit" {
			t.Errorf("bad limit: %d", res.StatusCode)
		}

		// NRM.
		res = c.postJSON(t, "/api/v1/nrm-referrals", map[string]any{"person_id": child.ID, "submitted_at": now.Add(-24 * time.Hour).Format(time.RFC3339),
			"first_responder": "local_authority", "exploitation_type": "criminal_county_lines"})
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("NRM: %d %s", res.StatusCode, res.Body)
		}
		n := decodeStrict[api.NRMOut](t, res)
		if n.Kind != "nrm" || !n.Child || n.Consent != "not_required" || n.RGTargetAt == nil || n.Waiting.DaysSinceSubmission != 1 {
			t.Errorf("NRM = %+v", n)
		}
		res = c.postIfMatch(t, "/api/v1/nrm-referrals/"+n.ID+"/cg-decision", `"1"`, map[string]any{"decision": "not_recognised", "decided_on": "2026-11-27"})
		if res.StatusCode != http.StatusBadRequest || errorBody(t, res).Field != "decision" {
			t.Errorf("CG before RG: %d %s", res.StatusCode, res.Body)
		}
		res = c.postIfMatch(t, "/api/v1/nrm-referrals/"+n.ID+"/rg-decision", `"1"`, map[string]any{"decision": "positive", "decided_on": "2026-11-27"})
		if res.StatusCode != http.StatusOK {
			t.Fatalf("RG: %d %s", res.StatusCode, res.Body)
		}
		if got := decodeStrict[api.NRMOut](t, res); got.RecoveryEnds != "2026-12-27" {
			t.Errorf("recovery ends %q", got.RecoveryEnds)
		}
		nl := decodeStrict[api.NRMList](t, c.get(t, "/api/v1/nrm-referrals?status=cg_pending"))
		if nl.Total != 1 || nl.CGPending != 1 {
			t.Errorf("NRM list = %+v", nl)
		}
	})
}

// TestMissingAPIBadInput: strict bodies and every invariant refused with
// the field named, nothing written; out-of-area records answer 404; tokens
// without the case scopes answer 403.
func TestMissingAPIBadInput(t *testing.T) {
	e := apptest.New(t, storetest.Engines()[0], apptest.Options{})
	pr := e.Users[hub.RolePractitioner]
	c := newClient(e, e.Token(t, pr, hub.ScopeCaseRead, hub.ScopeCaseWrite))
	child := e.NewPerson(t, "856", app.PersonInput{GivenName: "Bad", FamilyName: "Input", DateOfBirth: "2011-01-01"})
	far := e.NewPerson(t, "855", app.PersonInput{GivenName: "Far", FamilyName: "Away", DateOfBirth: "2011-01-01"})
	now := e.Clock.Now()
	good := func() map[string]any {
		return map[string]any{"person_id": child.ID, "missing_from": "home", "last_seen_at": now.Add(-2 * time.Hour).Format(time.RFC3339),
			"last_seen_place": "Park", "reported_by": "parent", "police_risk_level": "medium"}
	}
	tests := []struct {
		name  string
		body  any
		code  int
		field string
	}{
		{"unknown field", with(good(), "absent", true), 400, "absent"},
		{"wrong type", with(good(), "include_philomena", "yes"), 400, "include_philomena"},
		{"duplicate key", `{"person_id":"` + child.ID + `","person_id":"` + child.ID + `"}`, 400, "person_id"},
		{"no risk level", with(good(), "police_risk_level", ""), 400, "police_risk_level"},
		{"bad time", with(good(), "last_seen_at", "yesterday"), 400, "last_seen_at"},
		{"no last seen", with(good(), "last_seen_at", ""), 400, "last_seen_at"},
		{"future", with(good(), "last_seen_at", now.Add(time.Hour).Format(time.RFC3339)), 400, "last_seen_at"},
		{"reported before last seen", with(good(), "reported_at", now.Add(-3*time.Hour).Format(time.RFC3339)), 400, "reported_at"},
		{"CME graded", with(with(good(), "type", "missing_education"), "missing_from", "education"), 400, "police_risk_level"},
		{"oversized", with(good(), "circumstances", strings.Repeat("c", 4001)), 400, "circumstances"},
		{"not a person id", with(good(), "person_id", "P00000123"), 400, "person_id"},
		{"out of area", with(good(), "person_id", far.ID), 404, ""},
		{"no such person", with(good(), "person_id", hub.NewID()), 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := missingTables(t, e)
			res := c.postJSON(t, "/api/v1/missing-episodes", tt.body)
			if res.StatusCode != tt.code {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, tt.code, res.Body)
			}
			if b := errorBody(t, res); b.Field != tt.field {
				t.Errorf("field %q, want %q (%s)", b.Field, tt.field, b.Message)
			}
			if after := missingTables(t, e); after != before {
				t.Errorf("refused report wrote rows: %v → %v", before, after)
			}
		})
	}
	// An overlapping episode.
	if res := c.postJSON(t, "/api/v1/missing-episodes", good()); res.StatusCode != http.StatusCreated {
		t.Fatalf("report: %d %s", res.StatusCode, res.Body)
	}
	if res := c.postJSON(t, "/api/v1/missing-episodes", with(good(), "last_seen_at", now.Add(-time.Hour).Format(time.RFC3339))); res.StatusCode != 400 || errorBody(t, res).Field != "last_seen_at" {
		t.Errorf("overlapping episode: %d %s", res.StatusCode, res.Body)
	}
	// NRM invariants.
	adult := e.NewPerson(t, "856", app.PersonInput{GivenName: "Grown", FamilyName: "Up", DateOfBirth: "1980-01-01"})
	for _, tt := range []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"child with consent", map[string]any{"person_id": child.ID, "consent": "given"}, "consent"},
		{"child as DtN", map[string]any{"person_id": child.ID, "kind": "dtn"}, "kind"},
		{"adult DtN with consent", map[string]any{"person_id": adult.ID, "kind": "dtn", "consent": "given"}, "kind"},
		{"adult NRM declined", map[string]any{"person_id": adult.ID, "kind": "nrm", "consent": "declined"}, "kind"},
		{"bad submitted", map[string]any{"person_id": child.ID, "submitted_at": "2026-11-27"}, "submitted_at"},
	} {
		b := map[string]any{"submitted_at": now.Add(-time.Hour).Format(time.RFC3339), "first_responder": "police", "exploitation_type": "sexual"}
		for k, v := range tt.body {
			b[k] = v
		}
		before := missingTables(t, e)
		res := c.postJSON(t, "/api/v1/nrm-referrals", b)
		if res.StatusCode != 400 || errorBody(t, res).Field != tt.field {
			t.Errorf("%s: %d %s, want 400 on %s", tt.name, res.StatusCode, res.Body, tt.field)
		}
		if after := missingTables(t, e); after != before {
			t.Errorf("%s wrote rows", tt.name)
		}
	}
	// Scopes: person:read alone reaches none of it.
	weak := newClient(e, e.Token(t, pr, hub.ScopePersonRead))
	if res := weak.get(t, "/api/v1/missing-episodes"); res.StatusCode != http.StatusForbidden {
		t.Errorf("person:read token listing episodes: %d", res.StatusCode)
	}
	reader := newClient(e, e.Token(t, pr, hub.ScopeCaseRead))
	if res := reader.postJSON(t, "/api/v1/missing-episodes", good()); res.StatusCode != http.StatusForbidden {
		t.Errorf("case:read token reporting: %d", res.StatusCode)
	}
	// Another area's episode is not found.
	county := e.Actor(e.NewUser(t, "county.api", hub.AgencySocialCare, []hub.Role{hub.RolePractitioner}, "855"))
	fe, err := e.App.ReportMissing(ctx, county, app.MissingReport{PersonID: far.ID, From: "home", LastSeenAt: now.Add(-time.Hour), LastSeenPlace: "x", ReportedBy: "parent", RiskLevel: "low"})
	if err != nil {
		t.Fatal(err)
	}
	missing := hub.NewID()
	r1, r2 := c.get(t, "/api/v1/missing-episodes/"+fe.ID), c.get(t, "/api/v1/missing-episodes/"+missing)
	if r1.StatusCode != 404 || r2.StatusCode != 404 || errorBody(t, r1).Message != errorBody(t, r2).Message {
		t.Errorf("out of area %d, missing %d: want the same 404", r1.StatusCode, r2.StatusCode)
	}
	if res := c.get(t, "/api/v1/persons/"+far.ID+"/philomena"); res.StatusCode != 404 {
		t.Errorf("another area's Philomena profile: %d", res.StatusCode)
	}
}

// TestMissingAPIPersonFilter: one child's episodes; another area's child
// is not found.
func TestMissingAPIPersonFilter(t *testing.T) {
	e := apptest.New(t, storetest.Engines()[0], apptest.Options{})
	pr := e.Users[hub.RolePractitioner]
	c := newClient(e, e.Token(t, pr, hub.ScopeCaseRead, hub.ScopeCaseWrite))
	now := e.Clock.Now()
	var kids []*hub.Person
	for _, n := range []string{"One", "Two"} {
		p := e.NewPerson(t, "856", app.PersonInput{GivenName: n, FamilyName: "Filter", DateOfBirth: "2011-01-01"})
		if _, err := e.App.ReportMissing(ctx, e.Actor(pr), app.MissingReport{PersonID: p.ID, From: "home", LastSeenAt: now.Add(-time.Hour), LastSeenPlace: "x", ReportedBy: "parent", RiskLevel: "low"}); err != nil {
			t.Fatal(err)
		}
		kids = append(kids, p)
	}
	list := decodeStrict[api.EpisodeList](t, c.get(t, "/api/v1/missing-episodes?person_id="+kids[1].ID))
	if list.Total != 1 || list.Episodes[0].PersonID != kids[1].ID {
		t.Errorf("one child's list = %+v", list)
	}
	far := e.NewPerson(t, "855", app.PersonInput{GivenName: "Far", FamilyName: "Filter", DateOfBirth: "2011-01-01"})
	if res := c.get(t, "/api/v1/missing-episodes?person_id="+far.ID); res.StatusCode != http.StatusNotFound {
		t.Errorf("another area's child: %d", res.StatusCode)
	}
	if res := c.get(t, "/api/v1/missing-episodes?person_id=P1"); res.StatusCode != http.StatusBadRequest || errorBody(t, res).Field != "person_id" {
		t.Errorf("bad person id: %d", res.StatusCode)
	}
}
