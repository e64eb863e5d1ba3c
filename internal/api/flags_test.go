package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/api"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/apptest"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store/storetest"
)

// flagBody is a valid flag as a client sends it, as a map so that cases
// can change keys.
func flagBody(e *apptest.Env) map[string]any {
	return map[string]any{
		"category": "cse-risk", "risk_level": "high", "start_date": "2026-11-20",
		"reason": "Seen with older males near the station.", "advice": "Child at risk of exploitation. Call the hub before discharge.",
		"contact_phone": "0116 496 0000", "contact_hours": "9am to 5pm", "lead_user_id": e.Users[hub.RolePractitioner].ID,
	}
}

func flagRows(t testing.TB, e *apptest.Env) [2]int64 {
	t.Helper()
	var c [2]int64
	for i, table := range []string{"flags", "flag_history"} {
		if err := e.Store.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table).Scan(&c[i]); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// strictDecode decodes body into v, refusing fields v does not have.
func strictDecode(t testing.TB, body string, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("decode %T from %q: %v", v, body, err)
	}
}

// TestFlagAPI walks a flag through the JSON API as the nurse's personal
// token, and reads it as a police officer's.
func TestFlagAPI(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		child := e.NewPerson(t, "856", app.PersonInput{GivenName: "Maya", FamilyName: "Flagg", DateOfBirth: "2012-05-01"})
		nurse := newClient(e, e.Token(t, e.Users[hub.RoleNurse], hub.ScopePersonRead, hub.ScopePersonWrite))
		police := newClient(e, e.Token(t, e.Users[hub.RolePolice], hub.ScopePersonRead))

		res := nurse.postJSON(t, "/api/v1/persons/"+child.ID+"/flags", flagBody(e))
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("POST flag = %d %s", res.StatusCode, res.Body)
		}
		var f api.FlagOut
		strictDecode(t, res.Body, &f)
		if res.Header.Get("Location") != "/api/v1/flags/"+f.ID || res.Header.Get("ETag") != `"1"` {
			t.Errorf("Location %q, ETag %q", res.Header.Get("Location"), res.Header.Get("ETag"))
		}
		if f.Status != "active" || f.ReviewDate != "2027-02-27" || f.ContactPhone != "+441164960000" || f.Reason == nil || f.PersonID != child.ID || f.CategoryLabel != "CSE risk" {
			t.Errorf("created flag %+v", f)
		}

		res = nurse.get(t, "/api/v1/flags/"+f.ID)
		var detail api.FlagDetailOut
		strictDecode(t, res.Body, &detail)
		if res.StatusCode != http.StatusOK || res.Header.Get("ETag") != `"1"` || len(detail.History) != 1 || detail.History[0].Action != "set" || detail.Flag.Reason == nil {
			t.Errorf("GET flag = %d %+v", res.StatusCode, detail)
		}

		// Changes name the version read; a stale one is a conflict.
		body := flagBody(e)
		body["advice"] = "Call the hub's duty line before discharge."
		if res := nurse.putJSON(t, "/api/v1/flags/"+f.ID, "", body); res.StatusCode != http.StatusBadRequest || errorBody(t, res).Field != "If-Match" {
			t.Errorf("PUT without If-Match = %d %s", res.StatusCode, res.Body)
		}
		res = nurse.putJSON(t, "/api/v1/flags/"+f.ID, `"1"`, body)
		if res.StatusCode != http.StatusOK || res.Header.Get("ETag") != `"2"` {
			t.Fatalf("PUT = %d %s", res.StatusCode, res.Body)
		}
		before := flagRows(t, e)
		if res := nurse.putJSON(t, "/api/v1/flags/"+f.ID, `"1"`, body); res.StatusCode != http.StatusConflict || errorBody(t, res).Code != hub.EConflict {
			t.Errorf("stale PUT = %d %s", res.StatusCode, res.Body)
		}
		if after := flagRows(t, e); after != before {
			t.Errorf("stale PUT wrote %v → %v", before, after)
		}
		post := func(path, version string, v any) *apptest.Response {
			return nurse.do(t, http.MethodPost, path, "application/json", jsonText(t, v), "If-Match", version)
		}
		res = post("/api/v1/flags/"+f.ID+"/review", `"2"`, map[string]any{"note": "Engaging with support.", "risk_level": "medium"})
		strictDecode(t, res.Body, &f)
		if res.StatusCode != http.StatusOK || f.Version != 3 || f.RiskLevel != "medium" || f.ReviewedBy != e.Users[hub.RoleNurse].ID || f.ReviewedAt == nil {
			t.Errorf("review = %d %+v", res.StatusCode, f)
		}

		// The police officer reads the flag without its reason or notes,
		// and may not change it.
		res = police.get(t, "/api/v1/flags/"+f.ID)
		if res.StatusCode != http.StatusOK || strings.Contains(res.Body, "older males") || strings.Contains(res.Body, "Engaging") || strings.Contains(res.Body, `"reason"`) {
			t.Errorf("police GET = %d %s", res.StatusCode, res.Body)
		}
		res = police.get(t, "/api/v1/persons/"+child.ID+"/flags")
		var list api.PersonFlagsOut
		strictDecode(t, res.Body, &list)
		if res.StatusCode != http.StatusOK || len(list.Flags) != 1 || list.Flags[0].Reason != nil || list.Flags[0].Advice != body["advice"] {
			t.Errorf("police list = %d %s", res.StatusCode, res.Body)
		}
		if res := police.postJSON(t, "/api/v1/persons/"+child.ID+"/flags", flagBody(e)); res.StatusCode != http.StatusForbidden {
			t.Errorf("police POST = %d", res.StatusCode)
		}

		res = post("/api/v1/flags/"+f.ID+"/end", `"3"`, map[string]any{"end_reason": "Risk reduced."})
		strictDecode(t, res.Body, &f)
		if res.StatusCode != http.StatusOK || f.Status != "inactive" || f.EndDate != "2026-11-27" {
			t.Errorf("end = %d %+v", res.StatusCode, f)
		}
		res = post("/api/v1/flags/"+f.ID+"/entered-in-error", `"4"`, map[string]any{"end_reason": "Wrong child."})
		strictDecode(t, res.Body, &f)
		if res.StatusCode != http.StatusOK || f.Status != "entered-in-error" {
			t.Errorf("entered-in-error = %d %+v", res.StatusCode, f)
		}
		res = post("/api/v1/flags/"+f.ID+"/review", `"5"`, map[string]any{"note": "x"})
		if b := errorBody(t, res); res.StatusCode != http.StatusBadRequest || b.Field != "status" {
			t.Errorf("review after entered-in-error = %d %+v", res.StatusCode, b)
		}
	})
}

// TestFlagAPIBadInput: each bad body is refused with 400 naming the field,
// and nothing is written.
func TestFlagAPIBadInput(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		child := e.NewPerson(t, "856", app.PersonInput{GivenName: "Maya", FamilyName: "Flagg", DateOfBirth: "2012-05-01"})
		nurse := newClient(e, e.Token(t, e.Users[hub.RoleNurse], hub.ScopePersonRead, hub.ScopePersonWrite))
		set := func(k string, v any) map[string]any {
			b := flagBody(e)
			if v == nil {
				delete(b, k)
			} else {
				b[k] = v
			}
			return b
		}
		tests := []struct {
			name  string
			body  any
			field string
		}{
			{"advice too long", set("advice", strings.Repeat("a", 301)), "advice"},
			{"bad phone", set("contact_phone", "07700 9001"), "contact_phone"},
			{"review before start", set("review_date", "2026-11-19"), "review_date"},
			{"unknown category", set("category", "gang-risk"), "category"},
			{"no lead", set("lead_user_id", nil), "lead_user_id"},
			{"start with a time", set("start_date", "2026-11-20T10:00:00Z"), "start_date"},
			{"status sent by the client", set("status", "active"), "status"},
			{"risk as a number", set("risk_level", 3), "risk_level"},
			{"duplicate key", `{"category":"cse-risk","category":"cce-risk"}`, "category"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before, audit := flagRows(t, e), countsOf(t, e).Audit
				res := nurse.postJSON(t, "/api/v1/persons/"+child.ID+"/flags", tt.body)
				if res.StatusCode != http.StatusBadRequest {
					t.Fatalf("status %d, want 400: %s", res.StatusCode, res.Body)
				}
				if b := errorBody(t, res); b.Field != tt.field || b.Message == "" {
					t.Errorf("error %+v, want field %s", b, tt.field)
				}
				if after := flagRows(t, e); after != before || countsOf(t, e).Audit != audit {
					t.Errorf("wrote: %v → %v", before, after)
				}
			})
		}
		// Ending before the start.
		res := nurse.postJSON(t, "/api/v1/persons/"+child.ID+"/flags", flagBody(e))
		var f api.FlagOut
		strictDecode(t, res.Body, &f)
		before := flagRows(t, e)
		res = nurse.do(t, http.MethodPost, "/api/v1/flags/"+f.ID+"/end", "application/json", `{"end_date":"2026-11-01","end_reason":"x"}`, "If-Match", `"1"`)
		if b := errorBody(t, res); res.StatusCode != http.StatusBadRequest || b.Field != "end_date" {
			t.Errorf("end before start = %d %+v", res.StatusCode, b)
		}
		if after := flagRows(t, e); after != before {
			t.Errorf("wrote: %v → %v", before, after)
		}
		if res := nurse.get(t, "/api/v1/flags/not-an-id"); res.StatusCode != http.StatusBadRequest || errorBody(t, res).Field != "id" {
			t.Errorf("GET malformed id = %d", res.StatusCode)
		}
	})
}

// TestFlagAPIOutOfArea: another area's child and flag answer 404 exactly as
// missing ones do.
func TestFlagAPIOutOfArea(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		far := e.NewPerson(t, "855", app.PersonInput{GivenName: "Far", FamilyName: "Away", DateOfBirth: "2013-01-01"})
		county := &access.Actor{ID: "county", Name: "county", AgencyID: e.Agencies[hub.AgencyHealth].ID, Roles: []hub.Role{hub.RoleNurse}, AreaIDs: []string{e.Areas["855"].ID}}
		lead := e.NewUser(t, "county.practitioner", hub.AgencySocialCare, []hub.Role{hub.RolePractitioner}, "855")
		f, err := e.App.SetFlag(ctx, county, far.ID, app.FlagInput{Category: "cce-risk", RiskLevel: "high", Start: "2026-11-01", Reason: "r",
			Advice: "Call the hub.", ContactPhone: "0116 496 0000", ContactHours: "Always", LeadUserID: lead.ID})
		if err != nil {
			t.Fatal(err)
		}
		nurse := newClient(e, e.Token(t, e.Users[hub.RoleNurse], hub.ScopePersonRead, hub.ScopePersonWrite))
		strip := func(b string) string {
			var m map[string]any
			_ = json.Unmarshal([]byte(b), &m)
			delete(m, "request_id")
			out, _ := json.Marshal(m)
			return string(out)
		}
		missing := strip(nurse.get(t, "/api/v1/flags/"+hub.NewID()).Body)
		for _, tc := range []struct{ method, path, body string }{
			{"GET", "/api/v1/flags/" + f.ID, ""},
			{"POST", "/api/v1/flags/" + f.ID + "/end", `{"end_reason":"taken over"}`},
		} {
			res := nurse.do(t, tc.method, tc.path, "application/json", tc.body, "If-Match", `"1"`)
			if res.StatusCode != http.StatusNotFound || strip(res.Body) != missing {
				t.Errorf("%s %s = %d %s, want the missing flag's 404 %s", tc.method, tc.path, res.StatusCode, res.Body, missing)
			}
		}
		if res := nurse.get(t, "/api/v1/persons/"+far.ID+"/flags"); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET out-of-area person's flags = %d", res.StatusCode)
		}
		if got := newestEvent(t, e); got.Outcome != hub.OutcomeDenied || got.SubjectID != far.ID {
			t.Errorf("denial not audited: %+v", got)
		}
	})
}

// TestFlagOpenAPISchemas checks the flag schemas list exactly the JSON
// fields of their DTOs (the OpenAPI test checks the routes).
func TestFlagOpenAPISchemas(t *testing.T) {
	doc, _ := loadOpenAPI(t)
	checkSchemas(t, doc, map[string]any{
		"FlagIn": api.FlagIn{}, "Flag": api.FlagOut{}, "FlagChange": api.FlagChangeOut{}, "FlagLookup": api.FlagLookupOut{},
		"FlagDetail": api.FlagDetailOut{}, "PersonFlags": api.PersonFlagsOut{}, "FlagReviewIn": api.FlagReviewIn{}, "FlagEndIn": api.FlagEndIn{}, "FlagErrorIn": api.FlagErrorIn{},
		"FlagConsultationIn": api.FlagConsultationIn{}, "FlagConsultation": api.FlagConsultationOut{}, "FlagReferralIn": api.FlagReferralIn{},
		"FlagReferralOutcomeIn": api.FlagReferralOutcomeIn{}, "FlagReferral": api.FlagReferralOut{}, "FlagDeskItem": api.FlagDeskItemOut{},
		"FlagDeskLookup": api.FlagDeskLookupOut{}, "FlagDeskConsultation": api.FlagDeskConsultationOut{}, "FlagDeskReferral": api.FlagDeskReferralOut{},
		"FlagDesk": api.FlagDeskOut{},
	})
}

// TestFlagAPINurseWork: consultations, referrals (kept with the flag, then
// on the case's plan once the child has an active case), their outcomes
// and the nurse's desk through the JSON API, as the nurse's personal
// token; bad bodies are refused with the field named and nothing written.
// A token without case:read cannot see or add to the case's plan; one
// without person:write sees the desk without notes.
func TestFlagAPINurseWork(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		child := e.NewPerson(t, "856", app.PersonInput{GivenName: "Maya", FamilyName: "Flagg", DateOfBirth: "2012-05-01"})
		nurse := newClient(e, e.Token(t, e.Users[hub.RoleNurse], hub.ScopePersonRead, hub.ScopePersonWrite, hub.ScopeCaseRead))
		noCases := newClient(e, e.Token(t, e.Users[hub.RoleNurse], hub.ScopePersonRead, hub.ScopePersonWrite))
		readOnly := newClient(e, e.Token(t, e.Users[hub.RoleNurse], hub.ScopePersonRead))
		practitioner := newClient(e, e.Token(t, e.Users[hub.RolePractitioner], hub.ScopePersonRead, hub.ScopePersonWrite))
		res := nurse.postJSON(t, "/api/v1/persons/"+child.ID+"/flags", flagBody(e))
		var f api.FlagOut
		strictDecode(t, res.Body, &f)
		rows := func() [3]int64 {
			var c [3]int64
			for i, table := range []string{"flag_consultations", "flag_referrals", "service_referrals"} {
				if err := e.Store.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table).Scan(&c[i]); err != nil {
					t.Fatal(err)
				}
			}
			return c
		}
		refusedWith := func(res *apptest.Response, status int, field string) {
			t.Helper()
			if b := errorBody(t, res); res.StatusCode != status || b.Field != field {
				t.Errorf("status %d, error %+v; want %d naming %q", res.StatusCode, b, status, field)
			}
		}

		// A consultation.
		before := rows()
		refusedWith(nurse.postJSON(t, "/api/v1/flags/"+f.ID+"/consultations", map[string]any{"setting": "LRI ED"}), http.StatusBadRequest, "caller")
		refusedWith(nurse.postJSON(t, "/api/v1/flags/"+f.ID+"/consultations", map[string]any{"caller": "ED registrar", "setting": "LRI ED", "who": "x"}), http.StatusBadRequest, "who")
		if rows() != before {
			t.Fatalf("refused consultations wrote rows: %v → %v", before, rows())
		}
		res = nurse.postJSON(t, "/api/v1/flags/"+f.ID+"/consultations", map[string]any{"caller": "ED registrar", "setting": "Leicester Royal Infirmary ED", "note": "Advised to call the social worker."})
		var c api.FlagConsultationOut
		strictDecode(t, res.Body, &c)
		if res.StatusCode != http.StatusCreated || c.FlagID != f.ID || c.ConsultedOn != e.App.Today().String() || c.RecordedBy == "" {
			t.Fatalf("POST consultation = %d %+v", res.StatusCode, c)
		}
		// Someone whose role may not change flags.
		if res := practitioner.postJSON(t, "/api/v1/flags/"+f.ID+"/consultations", map[string]any{"caller": "x", "setting": "y"}); res.StatusCode != http.StatusForbidden {
			t.Errorf("practitioner's consultation = %d", res.StatusCode)
		}

		// A referral kept with the flag (no case yet).
		res = nurse.postJSON(t, "/api/v1/flags/"+f.ID+"/referrals", map[string]any{"service": e.App.FlagServices()[0]})
		var kept api.FlagReferralOut
		strictDecode(t, res.Body, &kept)
		if res.StatusCode != http.StatusCreated || kept.CaseID != "" || kept.Outcome != "awaiting" || res.Header.Get("ETag") != `"1"` {
			t.Fatalf("POST referral = %d %+v", res.StatusCode, kept)
		}
		// Its outcome needs If-Match and the flag's vocabulary.
		refusedWith(nurse.postJSON(t, "/api/v1/flag-referrals/"+kept.ID+"/outcome", map[string]any{"outcome": "accepted"}), http.StatusBadRequest, "If-Match")
		refusedWith(nurse.postIfMatch(t, "/api/v1/flag-referrals/"+kept.ID+"/outcome", `"1"`, map[string]any{"outcome": "engaged"}), http.StatusBadRequest, "outcome")
		if res := nurse.postIfMatch(t, "/api/v1/flag-referrals/"+kept.ID+"/outcome", `"4"`, map[string]any{"outcome": "accepted"}); res.StatusCode != http.StatusConflict {
			t.Errorf("stale outcome = %d", res.StatusCode)
		}
		res = nurse.postIfMatch(t, "/api/v1/flag-referrals/"+kept.ID+"/outcome", `"1"`, map[string]any{"outcome": "accepted"})
		strictDecode(t, res.Body, &kept)
		if res.StatusCode != http.StatusOK || kept.Outcome != "accepted" || kept.Version != 2 {
			t.Errorf("outcome = %d %+v", res.StatusCode, kept)
		}

		// With an active case, the referral goes on the case's plan.
		kase, err := e.App.OpenCase(ctx, e.RoleActor(hub.RolePractitioner), app.CaseInput{SubjectKind: "person", SubjectID: child.ID, LeadID: e.Users[hub.RolePractitioner].ID,
			Exploitation: []string{"cse"}, Summary: "Older boyfriend."})
		if err != nil {
			t.Fatal(err)
		}
		before = rows()
		refusedWith(nurse.postJSON(t, "/api/v1/flags/"+f.ID+"/referrals", map[string]any{"service": e.App.FlagServices()[0]}), http.StatusBadRequest, "service")
		if rows() != before {
			t.Fatalf("a refused referral wrote rows: %v → %v", before, rows())
		}
		res = nurse.postJSON(t, "/api/v1/flags/"+f.ID+"/referrals", map[string]any{"service": "sexual_health", "note": "Booked for Friday."})
		var onCase api.FlagReferralOut
		strictDecode(t, res.Body, &onCase)
		if res.StatusCode != http.StatusCreated || onCase.CaseID != kase.ID || onCase.Outcome != "pending" {
			t.Fatalf("POST referral with a case = %d %+v", res.StatusCode, onCase)
		}
		res = nurse.get(t, "/api/v1/flags/"+f.ID)
		var detail api.FlagDetailOut
		strictDecode(t, res.Body, &detail)
		if detail.ReferralCaseID != kase.ID || len(detail.Referrals) != 2 || len(detail.Consultations) != 1 {
			t.Errorf("flag detail: case %q, %d referrals, %d consultations", detail.ReferralCaseID, len(detail.Referrals), len(detail.Consultations))
		}
		// Without case:read: neither the case nor its referral, and no
		// referral onto it.
		res = noCases.get(t, "/api/v1/flags/"+f.ID)
		detail = api.FlagDetailOut{}
		strictDecode(t, res.Body, &detail)
		if detail.ReferralCaseID != "" || len(detail.Referrals) != 1 || detail.Referrals[0].CaseID != "" {
			t.Errorf("flag detail without case:read: case %q, referrals %+v", detail.ReferralCaseID, detail.Referrals)
		}
		before = rows()
		if res := noCases.postJSON(t, "/api/v1/flags/"+f.ID+"/referrals", map[string]any{"service": "sexual_health"}); res.StatusCode != http.StatusForbidden || rows() != before {
			t.Errorf("referral onto an unreadable case = %d, rows %v → %v", res.StatusCode, before, rows())
		}

		// The desk lists the referral awaiting an outcome and the
		// consultation.
		res = nurse.get(t, "/api/v1/flag-desk")
		var desk api.FlagDeskOut
		strictDecode(t, res.Body, &desk)
		if res.StatusCode != http.StatusOK || len(desk.Referrals) != 1 || desk.Referrals[0].Referral.ID != onCase.ID || desk.Referrals[0].ChildName != child.Name() ||
			len(desk.Consultations) != 1 || desk.Consultations[0].Consultation.ID != c.ID {
			t.Errorf("desk = %d %+v", res.StatusCode, desk)
		}
		if res := practitioner.get(t, "/api/v1/flag-desk"); res.StatusCode != http.StatusForbidden {
			t.Errorf("practitioner's desk = %d", res.StatusCode)
		}
		res = readOnly.get(t, "/api/v1/flag-desk")
		desk = api.FlagDeskOut{}
		strictDecode(t, res.Body, &desk)
		if res.StatusCode != http.StatusOK || len(desk.Consultations) != 1 || desk.Consultations[0].Consultation.Note != "" || len(desk.Referrals) != 0 {
			t.Errorf("read-only desk = %d %+v; want the consultation without its note, and no case referral", res.StatusCode, desk)
		}
		res = nurse.postIfMatch(t, "/api/v1/flag-referrals/"+onCase.ID+"/outcome", `"1"`, map[string]any{"outcome": "engaged", "note": "First session attended."})
		strictDecode(t, res.Body, &onCase)
		if res.StatusCode != http.StatusOK || onCase.Outcome != "engaged" || onCase.OutcomeOn != e.App.Today().String() {
			t.Errorf("case referral outcome = %d %+v", res.StatusCode, onCase)
		}
	})
}
