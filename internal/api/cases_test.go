package api_test

import (
	"encoding/json"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/safehub/safehub/internal/api"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/apptest"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
	"github.com/safehub/safehub/internal/store/storetest"
)

// decodeCaseJSON decodes a response body into v, refusing fields v lacks (so
// a DTO that drifts from what the handler writes fails).
func decodeCaseJSON(t testing.TB, res *apptest.Response, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(res.Body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("body %.300q: %v", res.Body, err)
	}
}

type caseAPICounts struct {
	Cases, Actions, Notes, Attachments int
	Audit                              int64
}

func caseAPICountsOf(t testing.TB, e *apptest.Env) caseAPICounts {
	t.Helper()
	var c caseAPICounts
	err := e.Store.Read(ctx, func(tx *store.Tx) error {
		var err error
		if c.Cases, err = tx.CountCases(); err != nil {
			return err
		}
		if c.Actions, err = tx.CountPlanActions(); err != nil {
			return err
		}
		if c.Notes, err = tx.CountNotes(); err != nil {
			return err
		}
		if c.Attachments, err = tx.CountAttachments(); err != nil {
			return err
		}
		c.Audit, err = tx.AuditSize()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestCaseAPI works a case end to end through the JSON API on both
// engines: open, read, change with If-Match, plan action and progress,
// meeting with actions, note with an attachment (raw body, type judged by
// content), service referral and outcome, chronology, review and closure;
// refusals name the field and write nothing.
func TestCaseAPI(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		prac, police := e.Users[hub.RolePractitioner], e.Users[hub.RolePolice]
		c := newClient(e, e.Token(t, prac, hub.ScopeCaseRead, hub.ScopeCaseWrite))
		p := e.NewPerson(t, "856", app.PersonInput{GivenName: "Api", FamilyName: "Case"})

		res := c.postJSON(t, "/api/v1/cases", map[string]any{"subject_kind": "person", "subject_id": p.ID, "lead_id": prac.ID, "member_ids": []string{police.ID},
			"exploitation": []string{"cce", "county_lines"}, "summary": "Found with cash at the station."})
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("open = %d %s", res.StatusCode, res.Body)
		}
		var co api.CaseOut
		decodeCaseJSON(t, res, &co)
		if res.Header.Get("Location") != "/api/v1/cases/"+co.ID || res.Header.Get("ETag") != `"1"` || co.Status != "open" || len(co.MemberIDs) != 1 {
			t.Errorf("opened case %+v, Location %q, ETag %q", co, res.Header.Get("Location"), res.Header.Get("ETag"))
		}

		// Bad input names the field and writes nothing.
		for _, tt := range []struct {
			name, body, field string
		}{
			{"unknown field", `{"subject_kind":"person","subject_id":"` + p.ID + `","colour":"red"}`, "colour"},
			{"wrong type", `{"exploitation":"cse"}`, "exploitation"},
			{"unknown exploitation", `{"subject_kind":"person","subject_id":"` + p.ID + `","lead_id":"` + prac.ID + `","exploitation":["fraud"],"summary":"x"}`, "exploitation"},
			{"duplicate key", `{"summary":"a","summary":"b"}`, "summary"},
		} {
			t.Run("bad/"+tt.name, func(t *testing.T) {
				before := caseAPICountsOf(t, e)
				res := c.postJSON(t, "/api/v1/cases", tt.body)
				if res.StatusCode != http.StatusBadRequest {
					t.Fatalf("status %d: %s", res.StatusCode, res.Body)
				}
				if b := errorBody(t, res); b.Field != tt.field || b.Code != hub.EInvalid {
					t.Errorf("error %+v, want field %q", b, tt.field)
				}
				if after := caseAPICountsOf(t, e); after != before {
					t.Errorf("refused request wrote: %+v → %+v", before, after)
				}
			})
		}

		// Read and change with If-Match.
		res = c.get(t, "/api/v1/cases/"+co.ID)
		if res.StatusCode != http.StatusOK || res.Header.Get("ETag") != `"1"` {
			t.Fatalf("read = %d %s", res.StatusCode, res.Body)
		}
		in := map[string]any{"lead_id": prac.ID, "exploitation": []string{"cce"}, "summary": "Updated.", "status": "on_hold"}
		if res := c.putJSON(t, "/api/v1/cases/"+co.ID, "", in); res.StatusCode != http.StatusBadRequest || errorBody(t, res).Field != "If-Match" {
			t.Errorf("PUT without If-Match = %d %s", res.StatusCode, res.Body)
		}
		res = c.putJSON(t, "/api/v1/cases/"+co.ID, `"1"`, in)
		if res.StatusCode != http.StatusOK || res.Header.Get("ETag") != `"2"` {
			t.Fatalf("PUT = %d %s", res.StatusCode, res.Body)
		}
		if res := c.putJSON(t, "/api/v1/cases/"+co.ID, `"1"`, in); res.StatusCode != http.StatusConflict {
			t.Errorf("stale PUT = %d", res.StatusCode)
		}

		due := e.App.Today().Time().AddDate(0, 0, 3).Format("2006-01-02")
		res = c.postJSON(t, "/api/v1/cases/"+co.ID+"/actions", map[string]any{"what": "Speak to the school", "owner_id": prac.ID, "due": due})
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("add action = %d %s", res.StatusCode, res.Body)
		}
		var ao api.PlanActionOut
		decodeCaseJSON(t, res, &ao)
		res = c.putJSON(t, "/api/v1/plan-actions/"+ao.ID, `"1"`, map[string]any{"status": "done", "note": "Spoke to the head."})
		if res.StatusCode != http.StatusOK {
			t.Fatalf("update action = %d %s", res.StatusCode, res.Body)
		}
		decodeCaseJSON(t, res, &ao)
		if ao.Status != "done" || ao.CompletedAt == nil || len(ao.Progress) != 1 {
			t.Errorf("updated action = %+v", ao)
		}

		held := e.Clock.Now().In(app.London).Add(-time.Hour)
		res = c.postJSON(t, "/api/v1/cases/"+co.ID+"/meetings", map[string]any{"kind": "strategy_discussion", "date": held.Format("2006-01-02"), "time": held.Format("15:04"),
			"attendees": []map[string]string{{"user_id": prac.ID}, {"name": "DS Grey", "agency": "BTP"}}, "decisions": "Joint visit.", "s47": true,
			"actions": []map[string]string{{"what": "Joint visit", "owner_id": police.ID, "due": due}}})
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("record meeting = %d %s", res.StatusCode, res.Body)
		}
		var mo api.MeetingOut
		decodeCaseJSON(t, res, &mo)
		if len(mo.ActionIDs) != 1 || len(mo.Attendees) != 2 || !mo.S47 {
			t.Errorf("meeting = %+v", mo)
		}
		res = c.postJSON(t, "/api/v1/cases/"+co.ID+"/meetings", map[string]any{"kind": "strategy_discussion", "date": held.Format("2006-01-02"), "time": held.Format("15:04"),
			"attendees": []map[string]string{{"user_id": prac.ID}}, "decisions": "x", "actions": []map[string]string{{"what": "Visit", "owner_id": police.ID, "due": "2020-01-01"}}})
		if res.StatusCode != http.StatusBadRequest || errorBody(t, res).Field != "actions[0].due" {
			t.Errorf("meeting with a past action = %d %s", res.StatusCode, res.Body)
		}

		res = c.postJSON(t, "/api/v1/cases/"+co.ID+"/notes", map[string]any{"kind": "phone_call", "body": "Called mum."})
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("add note = %d %s", res.StatusCode, res.Body)
		}
		var no api.CaseNoteOut
		decodeCaseJSON(t, res, &no)
		if res := c.postJSON(t, "/api/v1/cases/"+co.ID+"/notes", map[string]any{"kind": "visit", "body": strings.Repeat("x", 20001)}); res.StatusCode != http.StatusBadRequest || errorBody(t, res).Field != "body" {
			t.Errorf("oversized note = %d %s", res.StatusCode, res.Body)
		}

		// Attachments: the body is the file; its name comes in
		// Content-Disposition.
		pdf := "%PDF-1.4\n%%EOF\n"
		res = c.do(t, http.MethodPost, "/api/v1/notes/"+no.ID+"/attachments", "application/pdf", pdf, "Content-Disposition", `attachment; filename*=UTF-8''Zo%C3%AB%20letter.pdf`)
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("attach = %d %s", res.StatusCode, res.Body)
		}
		var at api.AttachmentOut
		decodeCaseJSON(t, res, &at)
		if at.Name != "Zoë letter.pdf" || at.ContentType != "application/pdf" || at.Size != int64(len(pdf)) {
			t.Errorf("attachment = %+v", at)
		}
		for _, tt := range []struct {
			name, body, disposition string
			status                  int
		}{
			{"html called pdf", "<html><script>alert(1)</script>", `attachment; filename="x.pdf"`, http.StatusUnsupportedMediaType},
			{"svg", `<svg xmlns="http://www.w3.org/2000/svg"/>`, `attachment; filename="x.svg"`, http.StatusUnsupportedMediaType},
			{"too large", pdf + strings.Repeat(" ", 10<<20), `attachment; filename="x.pdf"`, http.StatusRequestEntityTooLarge},
			{"bad disposition", pdf, `attachment; filename=`, http.StatusBadRequest},
			{"empty", "", `attachment; filename="x.pdf"`, http.StatusBadRequest},
		} {
			t.Run("attach/"+tt.name, func(t *testing.T) {
				before := caseAPICountsOf(t, e)
				res := c.do(t, http.MethodPost, "/api/v1/notes/"+no.ID+"/attachments", "application/pdf", tt.body, "Content-Disposition", tt.disposition)
				if res.StatusCode != tt.status {
					t.Fatalf("status = %d, want %d: %.300s", res.StatusCode, tt.status, res.Body)
				}
				errorBody(t, res)
				if after := caseAPICountsOf(t, e); after != before {
					t.Errorf("refused attachment wrote: %+v → %+v", before, after)
				}
			})
		}
		res = c.get(t, "/api/v1/attachments/"+at.ID)
		if res.StatusCode != http.StatusOK || res.Body != pdf || res.Header.Get("Content-Type") != "application/pdf" || res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("download = %d %q %v", res.StatusCode, res.Body, res.Header)
		}
		if _, params, err := mime.ParseMediaType(res.Header.Get("Content-Disposition")); err != nil || params["filename"] != "Zoë letter.pdf" {
			t.Errorf("Content-Disposition = %q", res.Header.Get("Content-Disposition"))
		}

		res = c.postJSON(t, "/api/v1/cases/"+co.ID+"/service-referrals", map[string]any{"pathway": "missing_support"})
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("service referral = %d %s", res.StatusCode, res.Body)
		}
		var so api.ServiceReferralOut
		decodeCaseJSON(t, res, &so)
		res = c.putJSON(t, "/api/v1/service-referrals/"+so.ID, `"1"`, map[string]any{"outcome": "declined", "outcome_note": "No capacity"})
		if res.StatusCode != http.StatusOK {
			t.Fatalf("service outcome = %d %s", res.StatusCode, res.Body)
		}

		// The case read back carries everything.
		res = c.get(t, "/api/v1/cases/"+co.ID)
		decodeCaseJSON(t, res, &co)
		if len(co.Actions) != 2 || len(co.Meetings) != 1 || len(co.Notes) != 1 || len(co.Services) != 1 || len(co.Notes[0].Attachments) != 1 || co.CanWrite == nil || !*co.CanWrite {
			t.Errorf("case read back: %d actions, %d meetings, %d notes, %d services", len(co.Actions), len(co.Meetings), len(co.Notes), len(co.Services))
		}

		// The chronology, filtered, and its bad filter.
		before := caseAPICountsOf(t, e)
		res = c.get(t, "/api/v1/persons/"+p.ID+"/chronology?kind=meeting&kind=service")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("chronology = %d %s", res.StatusCode, res.Body)
		}
		if got := caseAPICountsOf(t, e).Audit - before.Audit; got != 1 {
			t.Errorf("chronology wrote %d audit events, want 1", got)
		}
		var cho api.ChronologyOut
		decodeCaseJSON(t, res, &cho)
		var kinds []string
		for _, en := range cho.Entries {
			kinds = append(kinds, en.Kind)
		}
		if diff := cmp.Diff([]string{"meeting", "service", "service"}, kinds); diff != "" || cho.Total <= len(cho.Entries) {
			t.Errorf("filtered chronology kinds (-want +got):\n%s (total %d)", diff, cho.Total)
		}
		if res := c.get(t, "/api/v1/persons/"+p.ID+"/chronology?to=31-12-2026"); res.StatusCode != http.StatusBadRequest || errorBody(t, res).Field != "to" {
			t.Errorf("bad chronology filter = %d %s", res.StatusCode, res.Body)
		}

		// Review and close.
		res = c.postJSON(t, "/api/v1/cases/"+co.ID+"/review", map[string]any{"summary": "Progressing."})
		if res.StatusCode != http.StatusBadRequest || errorBody(t, res).Field != "If-Match" {
			t.Errorf("review without If-Match = %d", res.StatusCode)
		}
		res = c.do(t, http.MethodPost, "/api/v1/cases/"+co.ID+"/review", "application/json", `{"summary":"Progressing."}`, "If-Match", strconv.Quote(strconv.Itoa(co.Version)))
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("review = %d %s", res.StatusCode, res.Body)
		}
		res = c.get(t, "/api/v1/cases/"+co.ID)
		decodeCaseJSON(t, res, &co)
		res = c.do(t, http.MethodPost, "/api/v1/cases/"+co.ID+"/close", "application/json", `{"closure_code":"transferred","closure_reason":"To the YOS."}`, "If-Match", res.Header.Get("ETag"))
		if res.StatusCode != http.StatusOK {
			t.Fatalf("close = %d %s", res.StatusCode, res.Body)
		}
		decodeCaseJSON(t, res, &co)
		if co.Status != "closed" || co.ClosedAt == nil || co.ClosureCode != "transferred" {
			t.Errorf("closed case = %+v", co)
		}

		// Scope: a read-only token cannot write; another area's case is 404.
		ro := newClient(e, e.Token(t, prac, hub.ScopeCaseRead))
		if res := ro.postJSON(t, "/api/v1/cases/"+co.ID+"/notes", map[string]any{"kind": "visit", "body": "x"}); res.StatusCode != http.StatusForbidden {
			t.Errorf("read-only token writing = %d", res.StatusCode)
		}
		county := e.NewUser(t, "county.police", hub.AgencyPolice, []hub.Role{hub.RolePolice}, "855")
		cc := newClient(e, e.Token(t, county, hub.ScopeCaseRead, hub.ScopeCaseWrite))
		for _, path := range []string{"/api/v1/cases/" + co.ID, "/api/v1/notes/" + no.ID, "/api/v1/attachments/" + at.ID, "/api/v1/meetings/" + mo.ID,
			"/api/v1/plan-actions/" + ao.ID, "/api/v1/service-referrals/" + so.ID, "/api/v1/persons/" + p.ID + "/chronology"} {
			if res := cc.get(t, path); res.StatusCode != http.StatusNotFound || errorBody(t, res).Code != hub.ENotFound {
				t.Errorf("GET %s from another area = %d", path, res.StatusCode)
			}
		}
		res = cc.get(t, "/api/v1/cases")
		var list api.CaseListOut
		decodeCaseJSON(t, res, &list)
		if slices.ContainsFunc(list.Cases, func(x api.CaseOut) bool { return x.ID == co.ID }) {
			t.Error("another area's case is listed")
		}
	})
}

// TestCaseOpenAPISchemas checks that the case schemas in openapi.json list
// exactly the JSON fields of the DTOs they describe.
func TestCaseOpenAPISchemas(t *testing.T) {
	doc, _ := loadOpenAPI(t)
	checkSchemas(t, doc, map[string]any{
		"CaseIn": api.CaseIn{}, "Case": api.CaseOut{}, "CaseList": api.CaseListOut{}, "CaseCloseIn": api.CaseCloseIn{}, "CaseReviewIn": api.CaseReviewIn{},
		"PlanActionIn": api.PlanActionIn{}, "PlanAction": api.PlanActionOut{}, "ActionProgress": api.ActionProgressOut{},
		"MeetingIn": api.MeetingIn{}, "MeetingAttendee": api.MeetingAttendeeDTO{}, "Meeting": api.MeetingOut{},
		"CaseNoteIn": api.CaseNoteIn{}, "CaseNote": api.CaseNoteOut{}, "Attachment": api.AttachmentOut{},
		"ServiceReferralIn": api.ServiceReferralIn{}, "ServiceReferral": api.ServiceReferralOut{},
		"Chronology": api.ChronologyOut{}, "ChronologyEntry": api.ChronologyEntryOut{},
	})
}
