package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/apptest"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
	"github.com/safehub/safehub/internal/store/storetest"
)

// referralCount is the number of referrals, assessments and contexts.
func referralCount(t testing.TB, e *apptest.Env) (refs, assessments, contexts int) {
	t.Helper()
	err := e.Store.Read(bg, func(tx *store.Tx) error {
		var err error
		if refs, err = tx.CountReferrals(); err != nil {
			return err
		}
		if assessments, _, err = tx.CountAssessments(); err != nil {
			return err
		}
		contexts, err = tx.CountContexts()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return
}

const xss = `<script>alert(1)</script>"><img src=x onerror=alert(1)>`

func referralForm(e *apptest.Env) url.Values {
	return url.Values{"referrer_name": {"Sam Teacher"}, "referrer_role": {"DSL"}, "referrer_agency_id": {e.Agencies[hub.AgencyEducation].ID},
		"received_date": {"2026-11-27"}, "received_time": {"08:30"}, "concerns": {"Seen with older men.\n" + xss},
		"indicator_older_associates": {"yes"}, "indicator_cars_with_unknown_adults": {"yes"}, "urgency": {"urgent"}}
}

// TestReferralPages: a practitioner records a referral from a child's
// page, refused forms come back naming the fields with nothing saved, the
// referral page shows what was typed escaped, and the decision is taken.
func TestReferralPages(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		c := e.SignInRole(t, hub.RolePractitioner)
		child := e.NewPerson(t, "856", app.PersonInput{GivenName: "Ruby", FamilyName: "Hale"})

		res := e.Get(t, c, "/persons/"+child.ID)
		d := parsePage(t, res)
		if d.Find("#referrals").Length() != 1 || d.Find("#record-referral").AttrOr("href", "") != "/persons/"+child.ID+"/referrals/new" {
			t.Fatalf("person page has no referrals section: %.300s", textOf(d.Find("main")))
		}
		res = e.Get(t, c, "/persons/"+child.ID+"/referrals/new")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("new referral form = %d", res.StatusCode)
		}
		d = parsePage(t, res)
		if d.Find("input[name=indicator_missing_repeat]").Length() != 1 || d.Find("input[name=urgency]").Length() != 3 || !strings.Contains(textOf(d.Find(".govuk-caption-l")), "Ruby Hale") {
			t.Errorf("form lacks indicators, urgency or the child's name")
		}

		tests := []struct {
			name   string
			change func(url.Values)
			field  string
		}{
			{"no name", func(f url.Values) { f.Set("referrer_name", "") }, "referrer-name"},
			{"impossible date", func(f url.Values) { f.Set("received_date", "2026-02-30") }, "received-date"},
			{"bad time", func(f url.Values) { f.Set("received_time", "25:00") }, "received-time"},
			{"future", func(f url.Values) { f.Set("received_date", "2027-01-01") }, "received-date"},
			{"no concerns", func(f url.Values) { f.Set("concerns", "") }, "concerns"},
			{"unknown indicator", func(f url.Values) { f.Set("indicator_levitation", "yes") }, "indicators"},
			{"outside without organisation", func(f url.Values) { f.Set("referrer_agency_id", "outside") }, "referrer-org"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				f := referralForm(e)
				tt.change(f)
				before := countsOf(t, e)
				r0, _, _ := referralCount(t, e)
				res := e.PostForm(t, c, "/persons/"+child.ID+"/referrals", f)
				if res.StatusCode != http.StatusBadRequest {
					t.Fatalf("status %d, want 400", res.StatusCode)
				}
				d := parsePage(t, res)
				if d.Find(`.govuk-error-summary a[href="#`+tt.field+`"]`).Length() != 1 {
					t.Errorf("error summary does not link to #%s: %s", tt.field, textOf(d.Find(".govuk-error-summary")))
				}
				if d.Find("textarea[name=concerns]").Text() != f.Get("concerns") {
					t.Errorf("the form did not come back as typed")
				}
				r1, _, _ := referralCount(t, e)
				// The refused form re-reads the child's name: one audited view.
				if after := countsOf(t, e); r1 != r0 || after.Audit != before.Audit+1 {
					t.Errorf("a refused referral wrote %d referrals and %d audit events", r1-r0, after.Audit-before.Audit)
				}
			})
		}

		res = e.PostForm(t, c, "/persons/"+child.ID+"/referrals", referralForm(e))
		loc := res.Header.Get("Location")
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/referrals/") || !strings.HasSuffix(loc, "?done=recorded") {
			t.Fatalf("record = %d %q", res.StatusCode, loc)
		}
		res = e.Get(t, c, loc)
		if res.StatusCode != http.StatusOK || strings.Contains(res.Body, "<script>alert(1)") || !strings.Contains(res.Body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Fatalf("referral page %d; the concerns must be shown escaped", res.StatusCode)
		}
		d = parsePage(t, res)
		if !strings.Contains(textOf(d.Find(".govuk-notification-banner")), "recorded") || d.Find("#referral-indicators li").Length() != 2 || d.Find("#save-decision").Length() != 1 {
			t.Errorf("referral page: banner %q, %d indicators, decision form %d", textOf(d.Find(".govuk-notification-banner")), d.Find("#referral-indicators li").Length(), d.Find("#save-decision").Length())
		}
		id := strings.TrimSuffix(strings.TrimPrefix(loc, "/referrals/"), "?done=recorded")
		version := d.Find("input[name=version]").AttrOr("value", "")

		res = e.PostForm(t, c, "/referrals/"+id+"/decision", url.Values{"version": {version}, "decision": {"early_help"}})
		if res.StatusCode != http.StatusBadRequest || parsePage(t, res).Find(`.govuk-error-summary a[href="#decision-reason"]`).Length() != 1 {
			t.Errorf("decision without a reason = %d", res.StatusCode)
		}
		res = e.PostForm(t, c, "/referrals/"+id+"/decision", url.Values{"version": {version}, "decision": {"open_case"}, "decision_reason": {"CSE"}})
		if res.StatusCode != http.StatusBadRequest || parsePage(t, res).Find(`.govuk-error-summary a[href="#exploitation"]`).Length() != 1 {
			t.Errorf("open a case without an exploitation type = %d", res.StatusCode)
		}
		res = e.PostForm(t, c, "/referrals/"+id+"/decision", url.Values{"version": {version}, "decision": {"early_help"}, "decision_reason": {"Family asked for help."}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("decide = %d %.300s", res.StatusCode, res.Body)
		}
		d = parsePage(t, e.Get(t, c, "/referrals/"+id))
		if !strings.Contains(textOf(d.Find("#referral-decision")), "Early help") || d.Find("#save-decision").Length() != 0 {
			t.Errorf("after the decision: %q", textOf(d.Find("#referral-decision")))
		}
		// Stale: the old version again.
		if res := e.PostForm(t, c, "/referrals/"+id+"/decision", url.Values{"version": {version}, "decision": {"nfa"}, "decision_reason": {"x"}}); res.StatusCode != http.StatusConflict {
			t.Errorf("decide again = %d, want 409", res.StatusCode)
		}

		list := parsePage(t, e.Get(t, c, "/referrals?all=1"))
		if list.Find("#referral-list tbody tr").Length() != 1 || !strings.Contains(textOf(list.Find("#referral-list")), "Ruby Hale") {
			t.Errorf("referral list: %s", textOf(list.Find("main")))
		}
		if d := parsePage(t, e.Get(t, c, "/referrals")); d.Find("#no-referrals").Length() != 1 {
			t.Errorf("undecided list is not empty")
		}

		// Another area's referral and a malformed id.
		far := e.NewPerson(t, "855", app.PersonInput{GivenName: "Far"})
		farActor := e.Actor(e.NewUser(t, "leics.web", hub.AgencySocialCare, []hub.Role{hub.RolePractitioner}, "855"))
		fr, err := e.App.RecordReferral(bg, farActor, app.ReferralInput{SubjectKind: "person", SubjectID: far.ID, ReferrerName: "x", ReferrerOrg: "y", Concerns: "z"})
		if err != nil {
			t.Fatal(err)
		}
		for path, want := range map[string]int{"/referrals/" + fr.ID: 404, "/referrals/nope": 400, "/persons/" + far.ID + "/referrals/new": 404} {
			if res := e.Get(t, c, path); res.StatusCode != want {
				t.Errorf("GET %s = %d, want %d", path, res.StatusCode, want)
			}
		}
		if res := e.PostForm(t, c, "/referrals/"+fr.ID+"/decision", url.Values{"version": {"1"}, "decision": {"nfa"}, "decision_reason": {"x"}}); res.StatusCode != http.StatusNotFound {
			t.Errorf("deciding another area's referral = %d", res.StatusCode)
		}
	})
}

// TestReferralByEducation: education may refer but not read casework; it
// goes back to the form with a confirmation.
func TestReferralByEducation(t *testing.T) {
	e := apptest.New(t, storetest.Engines()[0], apptest.Options{})
	c := e.SignInRole(t, hub.RoleEducation)
	child := e.NewPerson(t, "856", app.PersonInput{GivenName: "Zac"})
	d := parsePage(t, e.Get(t, c, "/persons/"+child.ID))
	if d.Find("#record-referral").Length() != 1 || d.Find("#person-referral-list").Length() != 0 {
		t.Errorf("education's person page: record link %d, list %d", d.Find("#record-referral").Length(), d.Find("#person-referral-list").Length())
	}
	res := e.PostForm(t, c, "/persons/"+child.ID+"/referrals", referralForm(e))
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/persons/"+child.ID+"?done=referred" {
		t.Errorf("education records = %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if res := e.Get(t, c, "/referrals"); res.StatusCode != http.StatusForbidden {
		t.Errorf("education lists referrals = %d, want 403", res.StatusCode)
	}
}

// TestAssessmentPages: start from the child's page, contribute, set the
// level; the level form needs a reason when it differs.
func TestAssessmentPages(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		c := e.SignInRole(t, hub.RolePractitioner)
		child := e.NewPerson(t, "856", app.PersonInput{GivenName: "Kai", FamilyName: "Reed"})
		res := e.PostForm(t, c, "/persons/"+child.ID+"/assessments", url.Values{})
		loc := res.Header.Get("Location")
		if res.StatusCode != http.StatusSeeOther || !strings.HasSuffix(loc, "/contribute") {
			t.Fatalf("start = %d %q", res.StatusCode, loc)
		}
		id := strings.TrimSuffix(strings.TrimPrefix(loc, "/assessments/"), "/contribute")
		d := parsePage(t, e.Get(t, c, loc))
		if d.Find("input[name=indicator_trap_house]").Length() != 1 || d.Find("textarea[name=evidence]").Length() != 1 {
			t.Fatalf("contribution form: %s", textOf(d.Find("main")))
		}
		if res := e.PostForm(t, c, "/assessments/"+id+"/contributions", url.Values{}); res.StatusCode != http.StatusBadRequest {
			t.Errorf("empty contribution = %d, want 400", res.StatusCode)
		}
		res = e.PostForm(t, c, "/assessments/"+id+"/contributions", url.Values{"indicator_trap_house": {"yes"}, "indicator_debt_bondage": {"yes"}, "evidence": {"Found at a trap house."}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("contribute = %d %.300s", res.StatusCode, res.Body)
		}
		d = parsePage(t, e.Get(t, c, "/assessments/"+id))
		if !strings.Contains(textOf(d.Find("#score")), "10") || d.Find(".cw-contribution").Length() != 1 || d.Find("#indicators-seen tbody tr").Length() != 2 {
			t.Errorf("assessment page: score %q, %d contributions", textOf(d.Find("#score")), d.Find(".cw-contribution").Length())
		}
		version := d.Find("form[action$='/level'] input[name=version]").AttrOr("value", "")
		res = e.PostForm(t, c, "/assessments/"+id+"/level", url.Values{"version": {version}, "level": {"high"}})
		if res.StatusCode != http.StatusBadRequest || parsePage(t, res).Find(`.govuk-error-summary a[href="#reason"]`).Length() != 1 {
			t.Errorf("level without a reason = %d", res.StatusCode)
		}
		res = e.PostForm(t, c, "/assessments/"+id+"/level", url.Values{"version": {version}, "level": {"high"}, "reason": {"Debt bondage."}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("set level = %d", res.StatusCode)
		}
		d = parsePage(t, e.Get(t, c, "/assessments/"+id))
		if !strings.Contains(textOf(d.Find("#assessment-level")), "High") || d.Find("#start-review").Length() != 1 || d.Find("#assessment-history tbody tr").Length() != 3 {
			t.Errorf("after the level: %q, review button %d, history %d", textOf(d.Find("#assessment-level")), d.Find("#start-review").Length(), d.Find("#assessment-history tbody tr").Length())
		}
		if d := parsePage(t, e.Get(t, c, "/persons/"+child.ID)); !strings.Contains(textOf(d.Find("#risk-level")), "High") {
			t.Errorf("person page risk level: %q", textOf(d.Find("#risk-level")))
		}
	})
}

// TestContextPages: create a place or group, refused forms, add and remove
// members found by a search that never puts names in the URL.
func TestContextPages(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		c := e.SignInRole(t, hub.RolePractitioner)
		child := e.NewPerson(t, "856", app.PersonInput{GivenName: "Mila", FamilyName: "Groupson"})
		if res := e.Get(t, c, "/contexts/new"); res.StatusCode != http.StatusOK {
			t.Fatalf("new context form = %d", res.StatusCode)
		}
		form := url.Values{"kind": {"peer_group"}, "name": {"Abbey Park group " + xss}, "area_id": {e.Areas["856"].ID}, "postcode": {"LE1 5AB"}, "version": {"0"}}
		bad := url.Values{"kind": {"castle"}, "name": {""}, "area_id": {e.Areas["856"].ID}, "latitude": {"100"}, "version": {"0"}}
		_, _, c0 := referralCount(t, e)
		res := e.PostForm(t, c, "/contexts", bad)
		if res.StatusCode != http.StatusBadRequest || parsePage(t, res).Find(`.govuk-error-summary a[href="#kind"]`).Length() != 1 {
			t.Errorf("bad context = %d", res.StatusCode)
		}
		if _, _, c1 := referralCount(t, e); c1 != c0 {
			t.Errorf("a refused context was saved")
		}
		res = e.PostForm(t, c, "/contexts", form)
		loc := res.Header.Get("Location")
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/contexts/") {
			t.Fatalf("create = %d %q", res.StatusCode, loc)
		}
		id := strings.TrimSuffix(strings.TrimPrefix(loc, "/contexts/"), "?done=created")
		res = e.Get(t, c, loc)
		if strings.Contains(res.Body, "<script>alert(1)") {
			t.Error("the context's name is not escaped")
		}
		d := parsePage(t, res)
		version := d.Find("form[action$='/members/search']").Length()
		if version != 1 {
			t.Fatalf("no member search form")
		}
		res = e.PostForm(t, c, "/contexts/"+id+"/members/search", url.Values{"q": {"Groupson"}})
		d = parsePage(t, res)
		if res.StatusCode != http.StatusOK || d.Find("#member-results tbody tr").Length() != 1 {
			t.Fatalf("member search = %d: %s", res.StatusCode, textOf(d.Find("main")))
		}
		v := d.Find("#member-results input[name=version]").AttrOr("value", "")
		res = e.PostForm(t, c, "/contexts/"+id+"/members", url.Values{"version": {v}, "person_id": {child.ID}, "role": {"leader"}, "from": {"2026-13-01"}})
		if res.StatusCode != http.StatusBadRequest {
			t.Errorf("bad member date = %d", res.StatusCode)
		}
		res = e.PostForm(t, c, "/contexts/"+id+"/members", url.Values{"version": {v}, "person_id": {child.ID}, "role": {"leader"}, "from": {"2026-01-01"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("add member = %d %.300s", res.StatusCode, res.Body)
		}
		d = parsePage(t, e.Get(t, c, "/contexts/"+id))
		if !strings.Contains(textOf(d.Find("#members")), "Mila Groupson") {
			t.Fatalf("members: %s", textOf(d.Find("#members")))
		}
		rm := d.Find("form[action$='/members/remove']")
		res = e.PostForm(t, c, "/contexts/"+id+"/members/remove", url.Values{"version": {rm.Find("input[name=version]").AttrOr("value", "")}, "index": {"0"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Errorf("remove = %d", res.StatusCode)
		}
		list := parsePage(t, e.Get(t, c, "/contexts?name=abbey"))
		if list.Find("#context-list tbody tr").Length() != 1 {
			t.Errorf("context list: %s", textOf(list.Find("main")))
		}
		// A hub case about the context, opened from its page.
		d = parsePage(t, e.Get(t, c, "/contexts/"+id))
		href := d.Find("#open-context-case").AttrOr("href", "")
		if href != "/cases/new?subject_kind=context&subject_id="+id {
			t.Fatalf("open-a-case link = %q", href)
		}
		if res := e.Get(t, c, href); res.StatusCode != http.StatusOK {
			t.Errorf("case form for the context = %d", res.StatusCode)
		}
		if _, err := e.App.OpenCase(bg, e.RoleActor(hub.RolePractitioner), app.CaseInput{SubjectKind: "context", SubjectID: id, LeadID: e.Users[hub.RolePractitioner].ID,
			AgencyIDs: []string{e.Agencies[hub.AgencySocialCare].ID}, Exploitation: []string{"cce"}, Summary: "Group seen dealing at the park."}); err != nil {
			t.Fatal(err)
		}
		d = parsePage(t, e.Get(t, c, "/contexts/"+id))
		if d.Find("#context-cases tbody tr").Length() != 1 || d.Find("#open-context-case").Length() != 0 {
			t.Errorf("context cases after opening one: %s", textOf(d.Find("#context-cases")))
		}
		// A context's referral form and assessment.
		if res := e.Get(t, c, "/contexts/"+id+"/referrals/new"); res.StatusCode != http.StatusOK {
			t.Errorf("context referral form = %d", res.StatusCode)
		}
		if res := e.PostForm(t, c, "/contexts/"+id+"/assessments", url.Values{}); res.StatusCode != http.StatusSeeOther {
			t.Errorf("context assessment = %d", res.StatusCode)
		}
	})
}

// TestWorkPages: My work, the home page summary, the team view and
// reassignment.
func TestWorkPages(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		prac := e.RoleActor(hub.RolePractitioner)
		child := e.NewPerson(t, "856", app.PersonInput{GivenName: "Wren", FamilyName: "Queue"})
		r, err := e.App.RecordReferral(bg, prac, app.ReferralInput{SubjectKind: "person", SubjectID: child.ID, ReferrerName: "x", ReferrerOrg: "y", Concerns: "z", AllocatedTo: prac.ID})
		if err != nil {
			t.Fatal(err)
		}
		r2, err := e.App.RecordReferral(bg, prac, app.ReferralInput{SubjectKind: "person", SubjectID: child.ID, ReferrerName: "x", ReferrerOrg: "y", Concerns: "z"})
		if err != nil {
			t.Fatal(err)
		}
		pc := e.SignInRole(t, hub.RolePractitioner)
		d := parsePage(t, e.Get(t, pc, "/work"))
		if !strings.Contains(textOf(d.Find("#my-items")), "Wren Queue") || d.Find("#unallocated tbody tr").Length() != 1 {
			t.Errorf("my work: %s", textOf(d.Find("main")))
		}
		if d := parsePage(t, e.Get(t, pc, "/")); d.Find("#home-work").Length() != 1 {
			t.Errorf("home page has no work summary")
		}
		if res := e.Get(t, pc, "/team"); res.StatusCode != http.StatusForbidden {
			t.Errorf("practitioner's team view = %d", res.StatusCode)
		}
		ac := e.SignInRole(t, hub.RoleAdmin)
		if d := parsePage(t, e.Get(t, ac, "/")); d.Find("#home-work").Length() != 0 {
			t.Errorf("the administrator's home page shows work")
		}

		mc := e.SignInRole(t, hub.RoleManager)
		d = parsePage(t, e.Get(t, mc, "/team"))
		if !strings.Contains(textOf(d.Find("#workers")), "Test Hub practitioner") || d.Find("form[action='/team/reassign']").Length() != 2 {
			t.Fatalf("team view: %s", textOf(d.Find("main")))
		}
		res := e.PostForm(t, mc, "/team/reassign", url.Values{"kind": {"referral_decision"}, "object_id": {r2.ID}, "owner": {e.Users[hub.RoleAdmin].ID}})
		if res.StatusCode != http.StatusBadRequest {
			t.Errorf("reassign to the administrator = %d", res.StatusCode)
		}
		res = e.PostForm(t, mc, "/team/reassign", url.Values{"kind": {"referral_decision"}, "object_id": {r2.ID}, "owner": {e.Users[hub.RoleManager].ID}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/team?done=reassigned" {
			t.Errorf("reassign = %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		if res := e.PostForm(t, mc, "/team/reassign", url.Values{"kind": {"referral_decision"}, "object_id": {hub.NewID()}, "owner": {e.Users[hub.RoleManager].ID}}); res.StatusCode != http.StatusNotFound {
			t.Errorf("reassign a missing item = %d", res.StatusCode)
		}
		_ = r
	})
}
