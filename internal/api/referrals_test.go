package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/safehub/safehub/internal/api"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/apptest"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
	"github.com/safehub/safehub/internal/store/storetest"
)

// TestReferralSchemas checks that the OpenAPI schemas of casework part A
// list exactly the JSON fields of their DTOs.
func TestReferralSchemas(t *testing.T) {
	doc, _ := loadOpenAPI(t)
	checkSchemas(t, doc, map[string]any{
		"Indicator": api.IndicatorDTO{}, "ScreeningTool": api.ScreeningToolOut{}, "ReferralIn": api.ReferralIn{}, "Referral": api.ReferralOut{},
		"ReferralList": api.ReferralListOut{}, "DecisionIn": api.DecisionIn{}, "AssessmentIn": api.AssessmentIn{}, "Contribution": api.ContributionOut{},
		"Assessment": api.AssessmentOut{}, "AssessmentList": api.AssessmentListOut{}, "ContributionIn": api.ContributionIn{},
		"ContributionResult": api.ContributionResult{}, "LevelIn": api.LevelIn{}, "ContextMemberIn": api.MemberDTO{}, "ContextIn": api.ContextIn{},
		"ContextMember": api.ContextMemberOut{}, "Context": api.ContextOut{}, "ContextList": api.ContextListOut{}, "WorkItem": api.WorkItemOut{},
		"Work": api.WorkOut{}, "Worker": api.WorkerOut{}, "Team": api.TeamOut{}, "ReassignIn": api.ReassignIn{},
	})
}

// decodeStrict decodes a response body into v, refusing unknown fields.
func decodeBody(t testing.TB, res *apptest.Response, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(res.Body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("body %q: %v", res.Body, err)
	}
}

func partACounts(t testing.TB, e *apptest.Env) [4]int64 {
	t.Helper()
	var out [4]int64
	err := e.Store.Read(ctx, func(tx *store.Tx) error {
		r, err := tx.CountReferrals()
		if err != nil {
			return err
		}
		a, c, err := tx.CountAssessments()
		if err != nil {
			return err
		}
		audit, err := tx.AuditSize()
		out = [4]int64{int64(r), int64(a), int64(c), audit}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestReferralWorkflowAPI runs the whole of part A through the JSON API:
// a referral about a child, its decision, a combined risk assessment with
// two agencies' contributions and the level, a context, "My work" and the
// team view with a reassignment.
func TestReferralWorkflowAPI(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		prac := newClient(e, e.Token(t, e.Users[hub.RolePractitioner], hub.ScopeCaseRead, hub.ScopeCaseWrite))
		police := newClient(e, e.Token(t, e.Users[hub.RolePolice], hub.ScopeCaseRead, hub.ScopeCaseWrite))
		mgr := newClient(e, e.Token(t, e.Users[hub.RoleManager], hub.ScopeCaseRead, hub.ScopeCaseWrite))
		personOnly := newClient(e, e.Token(t, e.Users[hub.RolePractitioner], hub.ScopePersonRead, hub.ScopePersonWrite))
		child := e.NewPerson(t, "856", app.PersonInput{GivenName: "Ivy", FamilyName: "Api"})

		res := prac.get(t, "/api/v1/screening-tool")
		var tool api.ScreeningToolOut
		decodeBody(t, res, &tool)
		if len(tool.Indicators) < 30 || tool.Thresholds.High == 0 {
			t.Errorf("screening tool = %+v", tool)
		}

		body := map[string]any{"subject_kind": "person", "subject_id": child.ID, "referrer_name": "PC Brown", "referrer_agency_id": e.Agencies[hub.AgencyPolice].ID,
			"received_at": "2026-11-27T08:00:00Z", "concerns": "Found with cash and two phones.", "indicators": []string{"drugs_or_cash_found", "multiple_phones"}, "urgency": "urgent",
			"allocated_to": e.Users[hub.RolePractitioner].ID}
		if res := personOnly.postJSON(t, "/api/v1/referrals", body); res.StatusCode != http.StatusForbidden {
			t.Errorf("a person-scoped token records a referral: %d", res.StatusCode)
		}
		res = police.postJSON(t, "/api/v1/referrals", body)
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("create referral = %d %s", res.StatusCode, res.Body)
		}
		var ref api.ReferralOut
		decodeBody(t, res, &ref)
		if res.Header.Get("ETag") != `"1"` || res.Header.Get("Location") != "/api/v1/referrals/"+ref.ID || ref.DecisionDue.Format("2006-01-02T15:04") != "2026-11-30T08:00" || ref.Urgency != "urgent" {
			t.Errorf("created referral = %+v, headers %v", ref, res.Header)
		}

		res = prac.get(t, "/api/v1/referrals?undecided=true")
		var list api.ReferralListOut
		decodeBody(t, res, &list)
		if list.Total != 1 || list.Referrals[0].ID != ref.ID {
			t.Errorf("undecided list = %+v", list)
		}
		res = prac.get(t, "/api/v1/referrals?subject_kind=person&subject_id="+child.ID)
		decodeBody(t, res, &list)
		if list.Total != 1 {
			t.Errorf("subject list = %+v", list)
		}

		// The decision needs If-Match.
		if res := prac.postJSON(t, "/api/v1/referrals/"+ref.ID+"/decision", map[string]any{"decision": "strategy_discussion", "reason": "x"}); res.StatusCode != http.StatusBadRequest || errorBody(t, res).Field != "If-Match" {
			t.Errorf("decision without If-Match = %d", res.StatusCode)
		}
		res = prac.do(t, http.MethodPost, "/api/v1/referrals/"+ref.ID+"/decision", "application/json", `{"decision":"strategy_discussion","reason":"Cash, phones: CCE."}`, "If-Match", `"1"`)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("decide = %d %s", res.StatusCode, res.Body)
		}
		decodeBody(t, res, &ref)
		if ref.Decision != "strategy_discussion" || ref.DecidedAt == nil || res.Header.Get("ETag") != `"2"` {
			t.Errorf("decided = %+v", ref)
		}
		if res := prac.do(t, http.MethodPost, "/api/v1/referrals/"+ref.ID+"/decision", "application/json", `{"decision":"nfa","reason":"again"}`, "If-Match", `"1"`); res.StatusCode != http.StatusConflict {
			t.Errorf("stale decision = %d", res.StatusCode)
		}

		// The assessment.
		res = prac.postJSON(t, "/api/v1/assessments", map[string]any{"subject_kind": "person", "subject_id": child.ID, "referral_id": ref.ID})
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("start assessment = %d %s", res.StatusCode, res.Body)
		}
		var x api.AssessmentOut
		decodeBody(t, res, &x)
		for _, c := range []struct {
			cl    *client
			codes []string
		}{{police, []string{"drugs_or_cash_found", "arrest_out_of_area"}}, {prac, []string{"exclusion"}}} {
			res := c.cl.postJSON(t, "/api/v1/assessments/"+x.ID+"/contributions", map[string]any{"indicators": c.codes, "evidence": "seen"})
			if res.StatusCode != http.StatusOK {
				t.Fatalf("contribute = %d %s", res.StatusCode, res.Body)
			}
		}
		res = mgr.get(t, "/api/v1/assessments/"+x.ID)
		decodeBody(t, res, &x)
		if x.Score != 10 || x.Suggested != "medium" || len(x.Contributions) != 2 {
			t.Errorf("assessment = %+v", x)
		}
		res = prac.do(t, http.MethodPost, "/api/v1/assessments/"+x.ID+"/level", "application/json", `{"level":"high"}`, "If-Match", res.Header.Get("ETag"))
		if res.StatusCode != http.StatusBadRequest || errorBody(t, res).Field != "reason" {
			t.Errorf("level without reason = %d %s", res.StatusCode, res.Body)
		}
		res = prac.do(t, http.MethodPost, "/api/v1/assessments/"+x.ID+"/level", "application/json", `{"level":"high","reason":"Arrested in Lincoln."}`, "If-Match", `"3"`)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("level = %d %s", res.StatusCode, res.Body)
		}
		decodeBody(t, res, &x)
		if x.Status != "completed" || x.Level != "high" || x.ReviewDue != "2026-12-25" {
			t.Errorf("after the level: %+v", x)
		}
		res = prac.get(t, "/api/v1/assessments?subject_kind=person&subject_id="+child.ID)
		var xs api.AssessmentListOut
		decodeBody(t, res, &xs)
		if len(xs.Assessments) != 1 {
			t.Errorf("assessments = %+v", xs)
		}

		// A context with the child as a member.
		res = prac.postJSON(t, "/api/v1/contexts", map[string]any{"area_id": e.Areas["856"].ID, "kind": "location", "name": "Clock Tower", "latitude": 52.6362, "longitude": -1.1332,
			"members": []map[string]string{{"person_id": child.ID, "role": "seen here"}}})
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("create context = %d %s", res.StatusCode, res.Body)
		}
		var c api.ContextOut
		decodeBody(t, res, &c)
		if len(c.Members) != 1 || c.Members[0].Name != "Ivy Api" || c.Latitude == nil || *c.Latitude != 52.6362 {
			t.Errorf("context = %+v", c)
		}
		res = prac.putJSON(t, "/api/v1/contexts/"+c.ID, `"1"`, map[string]any{"area_id": e.Areas["856"].ID, "kind": "location", "name": "Clock Tower, Leicester"})
		decodeBody(t, res, &c)
		if res.StatusCode != http.StatusOK || c.Name != "Clock Tower, Leicester" || len(c.Members) != 1 || c.Version != 2 {
			t.Errorf("update context (members kept) = %d %+v", res.StatusCode, c)
		}
		res = prac.get(t, "/api/v1/contexts?name=clock")
		var cl api.ContextListOut
		decodeBody(t, res, &cl)
		if cl.Total != 1 {
			t.Errorf("contexts = %+v", cl)
		}

		// Work: the review is the practitioner's; a new referral is
		// unallocated until the manager gives it to the practitioner.
		res = police.postJSON(t, "/api/v1/referrals", map[string]any{"subject_kind": "context", "subject_id": c.ID, "referrer_name": "PC Brown", "referrer_org": "BTP", "concerns": "Gathering."})
		var r2 api.ReferralOut
		decodeBody(t, res, &r2)
		res = prac.get(t, "/api/v1/work")
		var w api.WorkOut
		decodeBody(t, res, &w)
		if len(w.Items) != 1 || w.Items[0].Kind != "assessment_review" || w.UnallocatedTotal != 1 {
			t.Errorf("my work = %+v", w)
		}
		if res := prac.get(t, "/api/v1/team/work"); res.StatusCode != http.StatusForbidden {
			t.Errorf("practitioner's team view = %d", res.StatusCode)
		}
		res = mgr.get(t, "/api/v1/team/work")
		var team api.TeamOut
		decodeBody(t, res, &team)
		if team.Total != 2 || len(team.Unallocated) != 1 || len(team.Workers) != 1 {
			t.Errorf("team = %+v", team)
		}
		res = mgr.postJSON(t, "/api/v1/team/work/reassign", map[string]string{"kind": "referral_decision", "object_id": r2.ID, "owner": e.Users[hub.RolePractitioner].ID})
		if res.StatusCode != http.StatusNoContent {
			t.Fatalf("reassign = %d %s", res.StatusCode, res.Body)
		}
		res = prac.get(t, "/api/v1/work")
		decodeBody(t, res, &w)
		if len(w.Items) != 2 {
			t.Errorf("after reassignment my work has %d items", len(w.Items))
		}
	})
}

// TestReferralAPIBadInput: every malformed or refused request answers 4xx
// naming the field, and writes nothing.
func TestReferralAPIBadInput(t *testing.T) {
	e := apptest.New(t, storetest.Engines()[0], apptest.Options{})
	prac := newClient(e, e.Token(t, e.Users[hub.RolePractitioner], hub.ScopeCaseRead, hub.ScopeCaseWrite))
	child := e.NewPerson(t, "856", app.PersonInput{GivenName: "Bad"})
	far := e.NewPerson(t, "855", app.PersonInput{GivenName: "Far"})
	good := `{"subject_kind":"person","subject_id":"` + child.ID + `","referrer_name":"x","referrer_org":"y","concerns":"z"}`
	if res := prac.postJSON(t, "/api/v1/referrals", good); res.StatusCode != http.StatusCreated {
		t.Fatalf("good referral = %d %s", res.StatusCode, res.Body)
	}
	tests := []struct {
		name, method, path, body string
		status                   int
		field                    string
	}{
		{"unknown field", "POST", "/api/v1/referrals", strings.TrimSuffix(good, "}") + `,"decision":"nfa"}`, 400, "decision"},
		{"duplicate key", "POST", "/api/v1/referrals", strings.TrimSuffix(good, "}") + `,"concerns":"again"}`, 400, "concerns"},
		{"wrong type", "POST", "/api/v1/referrals", `{"indicators":"missing_repeat"}`, 400, "indicators"},
		{"bad time", "POST", "/api/v1/referrals", strings.TrimSuffix(good, "}") + `,"received_at":"27/11/2026"}`, 400, "received_at"},
		{"future", "POST", "/api/v1/referrals", strings.TrimSuffix(good, "}") + `,"received_at":"2030-01-01T00:00:00Z"}`, 400, "received_at"},
		{"unknown indicator", "POST", "/api/v1/referrals", strings.TrimSuffix(good, "}") + `,"indicators":["flying"]}`, 400, "indicators"},
		{"trailing data", "POST", "/api/v1/referrals", good + `{}`, 400, ""},
		{"another area", "POST", "/api/v1/referrals", strings.Replace(good, child.ID, far.ID, 1), 404, ""},
		{"malformed id", "GET", "/api/v1/referrals/123", "", 400, "id"},
		{"missing referral", "GET", "/api/v1/referrals/" + hub.NewID(), "", 404, ""},
		{"subject without kind", "GET", "/api/v1/referrals?subject_id=" + child.ID, "", 400, "subject_id"},
		{"repeated parameter", "GET", "/api/v1/referrals?undecided=true&undecided=false", "", 400, "undecided"},
		{"limit", "GET", "/api/v1/referrals?limit=100000", "", 400, "limit"},
		{"assessment subject", "POST", "/api/v1/assessments", `{"subject_kind":"person","subject_id":"x"}`, 400, "subject_id"},
		{"assessments without subject", "GET", "/api/v1/assessments", "", 400, "subject_id"},
		{"context kind", "POST", "/api/v1/contexts", `{"area_id":"` + e.Areas["856"].ID + `","kind":"castle","name":"x"}`, 400, "kind"},
		{"context latitude type", "POST", "/api/v1/contexts", `{"latitude":"north"}`, 400, "latitude"},
		{"context member", "POST", "/api/v1/contexts", `{"area_id":"` + e.Areas["856"].ID + `","kind":"location","name":"x","members":[{"person_id":"` + far.ID + `"}]}`, 400, "members[0].person_id"},
		{"reassign kind", "POST", "/api/v1/team/work/reassign", `{"kind":"x","object_id":"y","owner":"z"}`, 403, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := partACounts(t, e)
			ct := ""
			if tt.body != "" {
				ct = "application/json"
			}
			res := prac.do(t, tt.method, tt.path, ct, tt.body)
			if res.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, tt.status, res.Body)
			}
			if b := errorBody(t, res); b.Field != tt.field {
				t.Errorf("field %q, want %q (%s)", b.Field, tt.field, b.Message)
			}
			after := partACounts(t, e)
			// A denied read or write of a record is audited; nothing else is written.
			if after[0] != before[0] || after[1] != before[1] || after[2] != before[2] || after[3]-before[3] > 1 {
				t.Errorf("counts %v → %v", before, after)
			}
		})
	}
}

// TestListPaging: every list's limit and offset are refused, naming the
// parameter, when they are not whole numbers in range (the contexts list
// used to read a bad offset as 0).
func TestListPaging(t *testing.T) {
	e := apptest.New(t, storetest.Engines()[0], apptest.Options{})
	c := newClient(e, e.Token(t, e.Users[hub.RoleManager], hub.Scopes...))
	for _, path := range []string{"/api/v1/contexts", "/api/v1/cases", "/api/v1/referrals", "/api/v1/missing-episodes"} {
		for _, tc := range []struct{ query, field string }{
			{"offset=1e9", "offset"}, {"offset=-1", "offset"}, {"limit=0", "limit"}, {"limit=201", "limit"}, {"limit=abc", "limit"},
		} {
			res := c.get(t, path+"?"+tc.query)
			if b := errorBody(t, res); res.StatusCode != http.StatusBadRequest || b.Field != tc.field {
				t.Errorf("GET %s?%s = %d %+v, want 400 naming %s", path, tc.query, res.StatusCode, b, tc.field)
			}
		}
		if res := c.get(t, path+"?limit=200&offset=0"); res.StatusCode != http.StatusOK {
			t.Errorf("GET %s with a good page = %d %s", path, res.StatusCode, res.Body)
		}
	}
}
