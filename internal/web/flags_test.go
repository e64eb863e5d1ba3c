package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/apptest"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
	"github.com/safehub/safehub/internal/store/storetest"
)

// flagCount is the number of flags and history rows, which a refused form
// must leave unchanged.
func flagCount(t testing.TB, e *apptest.Env) [2]int64 {
	t.Helper()
	var c [2]int64
	for i, table := range []string{"flags", "flag_history"} {
		if err := e.Store.SQL().QueryRowContext(bg, `SELECT COUNT(*) FROM `+table).Scan(&c[i]); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// setFlagForm is a valid set-a-flag form.
func setFlagForm(e *apptest.Env) url.Values {
	return url.Values{"category": {"cse-risk"}, "risk_level": {"high"}, "start_date": {"2026-11-20"}, "review_date": {""},
		"reason": {"Seen with older males near the station."}, "advice": {"Child at risk of exploitation. Call the hub before discharge."},
		"contact_phone": {"0116 496 0000"}, "contact_hours": {"9am to 5pm"}, "lead_user_id": {e.Users[hub.RolePractitioner].ID}}
}

func flagID(t testing.TB, res *apptest.Response) string {
	t.Helper()
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/flags/") {
		t.Fatalf("status %d, location %q; body %.400s", res.StatusCode, loc, res.Body)
	}
	id, _, _ := strings.Cut(strings.TrimPrefix(loc, "/flags/"), "?")
	return id
}

// TestFlagPages walks the nurse through the pages: set a flag from the
// child's page, see it with its history, review, change, record a
// consultation and a referral, end it; and checks what the child's page
// and the desk show.
func TestFlagPages(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		child := e.NewPerson(t, "856", app.PersonInput{GivenName: "Maya", FamilyName: "Flagg", DateOfBirth: "2012-05-01"})
		nurse := e.SignInRole(t, hub.RoleNurse)

		// The child's page offers to set a flag; the form carries the
		// defaults and warns about the advice.
		d := parsePage(t, e.Get(t, nurse, "/persons/"+child.ID))
		if href, _ := d.Find("#set-flag").Attr("href"); href != "/persons/"+child.ID+"/flags/new" {
			t.Fatalf("set-a-flag link = %q", href)
		}
		res := e.Get(t, nurse, "/persons/"+child.ID+"/flags/new")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("form = %d", res.StatusCode)
		}
		d = parsePage(t, res)
		if v, _ := d.Find("#start-date").Attr("value"); v != "2026-11-27" {
			t.Errorf("start date default = %q", v)
		}
		if v, _ := d.Find("#review-date").Attr("value"); v != "2027-02-27" {
			t.Errorf("review date default = %q", v)
		}
		if d.Find(".govuk-warning-text").Length() != 1 || d.Find(`[data-module="govuk-character-count"][data-maxlength="300"]`).Length() != 1 {
			t.Error("the advice has no warning or no character count")
		}
		if n := d.Find(`#lead-user-id option[value="` + e.Users[hub.RolePractitioner].ID + `"]`).Length(); n != 1 {
			t.Error("the practitioner is not offered as lead")
		}

		id := flagID(t, e.PostForm(t, nurse, "/persons/"+child.ID+"/flags", setFlagForm(e)))
		d = parsePage(t, e.Get(t, nurse, "/flags/"+id+"?done=set"))
		if got := textOf(d.Find("#flag-heading")); !strings.Contains(got, "CSE risk") || !strings.Contains(got, "Active") {
			t.Errorf("heading = %q", got)
		}
		if got := textOf(d.Find(".govuk-notification-banner--success")); !strings.Contains(got, "Flag set") {
			t.Errorf("confirmation = %q", got)
		}
		if got := textOf(d.Find("#flag-reason")); got != "Seen with older males near the station." {
			t.Errorf("the nurse's reason = %q", got)
		}
		if d.Find("#history tbody tr").Length() != 1 {
			t.Error("history has not one row")
		}

		// Review, with its version.
		d = parsePage(t, e.Get(t, nurse, "/flags/"+id+"/review"))
		form := formValues(d, "#review-form")
		if form.Get("version") != "1" {
			t.Fatalf("review form version = %q", form.Get("version"))
		}
		form.Set("note", "Engaging with the support worker.")
		form.Set("risk_level", "medium")
		if res := e.PostForm(t, nurse, "/flags/"+id+"/review", form); flagID(t, res) != id {
			t.Fatal("review did not return to the flag")
		}
		// Change, from the form filled with the flag.
		d = parsePage(t, e.Get(t, nurse, "/flags/"+id+"/edit"))
		form = formValues(d, "#flag-form")
		if form.Get("version") != "2" || form.Get("category") != "cse-risk" || form.Get("risk_level") != "medium" || form.Get("contact_phone") != "+441164960000" {
			t.Fatalf("change form = %v", form)
		}
		form.Set("advice", "Call the hub's duty line before discharge.")
		flagID(t, e.PostForm(t, nurse, "/flags/"+id, form))
		// A consultation and a referral.
		d = parsePage(t, e.Get(t, nurse, "/flags/"+id+"/consultations/new"))
		form = formValues(d, "#consultation-form")
		form.Set("caller", "ED registrar")
		form.Set("setting", "Leicester Royal Infirmary ED")
		form.Set("note", "Asked whether to discharge; advised to call the social worker.")
		flagID(t, e.PostForm(t, nurse, "/flags/"+id+"/consultations", form))
		d = parsePage(t, e.Get(t, nurse, "/flags/"+id+"/referrals/new"))
		form = formValues(d, "#referral-form")
		form.Set("service", e.App.FlagServices()[0])
		flagID(t, e.PostForm(t, nurse, "/flags/"+id+"/referrals", form))
		d = parsePage(t, e.Get(t, nurse, "/flags/"+id))
		if got := textOf(d.Find("#consultations tbody")); !strings.Contains(got, "ED registrar") || !strings.Contains(got, "Leicester Royal Infirmary ED") {
			t.Errorf("consultations = %q", got)
		}
		outcome := formValues(d, "#referrals form")
		outcome.Set("outcome", "accepted")
		action, _ := d.Find("#referrals form").Attr("action")
		if res := e.PostForm(t, nurse, action, outcome); flagID(t, res) != id {
			t.Fatal("the outcome did not return to the flag")
		}
		d = parsePage(t, e.Get(t, nurse, "/flags/"+id))
		if got := textOf(d.Find("#referrals tbody")); !strings.Contains(got, "Accepted") {
			t.Errorf("referrals = %q", got)
		}
		if got := textOf(d.Find("#flag-advice")); got != "Call the hub's duty line before discharge." {
			t.Errorf("advice = %q", got)
		}
		if n := d.Find("#history tbody tr").Length(); n != 3 {
			t.Errorf("history rows = %d, want 3", n)
		}

		// The desk: the flag is not due; the home page has the summary.
		d = parsePage(t, e.Get(t, nurse, "/flags"))
		if got := textOf(d.Find("#consultation-list")); !strings.Contains(got, "Maya Flagg") {
			t.Errorf("desk consultations = %q", got)
		}
		d = parsePage(t, e.Get(t, nurse, "/"))
		if got := textOf(d.Find("#home-flags")); !strings.Contains(got, "0 flags overdue for review") || !strings.Contains(got, "0 look-ups") {
			t.Errorf("home summary = %q", got)
		}
		if d.Find(`nav a[href="/flags"]`).Length() != 1 {
			t.Error("no Health flags link in the navigation")
		}

		// A police officer sees the flag without the reason, and no
		// buttons; the section on the child's page lists it.
		police := e.SignInRole(t, hub.RolePolice)
		d = parsePage(t, e.Get(t, police, "/flags/"+id))
		if d.Find("#flag-reason").Length() != 0 || strings.Contains(d.Text(), "older males") || d.Find("#flag-actions").Length() != 0 || d.Find("#consultations").Length() != 0 {
			t.Error("the police officer sees internal detail or actions")
		}
		d = parsePage(t, e.Get(t, police, "/persons/"+child.ID))
		if got := textOf(d.Find("#active-flags tbody")); !strings.Contains(got, "CSE risk") || !strings.Contains(got, "Call the hub's duty line") {
			t.Errorf("person page flags = %q", got)
		}
		if d.Find("#set-flag").Length() != 0 {
			t.Error("the police officer is offered to set a flag")
		}
		if res := e.Get(t, police, "/flags"); res.StatusCode != http.StatusForbidden {
			t.Errorf("police desk = %d, want 403", res.StatusCode)
		}
		if d := parsePage(t, e.Get(t, e.SignInRole(t, hub.RoleEducation), "/persons/"+child.ID)); d.Find("#health-flags").Length() != 0 {
			t.Error("education sees the flags section")
		}

		// End it.
		d = parsePage(t, e.Get(t, nurse, "/flags/"+id+"/end"))
		form = formValues(d, "#end-form")
		form.Set("end_reason", "Risk reduced after a plan.")
		flagID(t, e.PostForm(t, nurse, "/flags/"+id+"/end", form))
		d = parsePage(t, e.Get(t, nurse, "/persons/"+child.ID))
		if d.Find("#active-flags").Length() != 0 || !strings.Contains(textOf(d.Find("#past-flags")), "Ended") {
			t.Errorf("after ending: %q", textOf(d.Find("#health-flags")))
		}
	})
}

// TestFlagFormErrors: each bad input comes back with the error summary
// linking to the field, the field marked, the input kept, and nothing
// saved; a stale version gets the conflict message.
func TestFlagFormErrors(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		child := e.NewPerson(t, "856", app.PersonInput{GivenName: "Maya", FamilyName: "Flagg", DateOfBirth: "2012-05-01"})
		adult := e.NewPerson(t, "856", app.PersonInput{GivenName: "Ada", FamilyName: "Grown", DateOfBirth: "2000-01-01"})
		nurse := e.SignInRole(t, hub.RoleNurse)
		long := strings.Repeat("Call the hub. ", 25)
		tests := []struct {
			name, person, field, value, id, message string
		}{
			{"advice too long", child.ID, "advice", long, "advice", "Advice for health staff is 349 characters long; the limit is 300"},
			{"bad phone", child.ID, "contact_phone", "0116 49", "contact-phone", "Contact phone"},
			{"review before start", child.ID, "review_date", "2026-11-01", "review-date", "Review date must be after the start date"},
			{"unknown category", child.ID, "category", "gang-risk", "category", "Category must be one of"},
			{"no lead", child.ID, "lead_user_id", "", "lead-user-id", "Lead practitioner is required"},
			{"an adult", adult.ID, "start_date", "2026-11-20", "start-date", "18th birthday"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before := flagCount(t, e)
				form := withValue(setFlagForm(e), tt.field, tt.value)
				res := e.PostForm(t, nurse, "/persons/"+tt.person+"/flags", form)
				if res.StatusCode != http.StatusBadRequest {
					t.Fatalf("status %d, want 400", res.StatusCode)
				}
				d := parsePage(t, res)
				link := d.Find(".govuk-error-summary a")
				if href, _ := link.Attr("href"); href != "#"+tt.id || !strings.Contains(textOf(link), tt.message) {
					t.Errorf("error summary link %q → %q, want #%s and %q", textOf(link), href, tt.id, tt.message)
				}
				if d.Find("#"+tt.id+"-error").Length() != 1 {
					t.Errorf("no error message beside #%s", tt.id)
				}
				if v := formValues(d, "#flag-form"); v.Get("reason") != form.Get("reason") || (tt.field != "lead_user_id" && tt.field != "category" && v.Get(tt.field) != tt.value) {
					t.Errorf("input not kept: %v", v)
				}
				if !strings.HasPrefix(d.Find("title").Text(), "Error: ") {
					t.Error("title has no Error: prefix")
				}
				if after := flagCount(t, e); after != before {
					t.Errorf("saved: %v → %v", before, after)
				}
			})
		}

		// A stale save.
		id := flagID(t, e.PostForm(t, nurse, "/persons/"+child.ID+"/flags", setFlagForm(e)))
		d := parsePage(t, e.Get(t, nurse, "/flags/"+id+"/review"))
		stale := formValues(d, "#review-form")
		stale.Set("note", "First review.")
		flagID(t, e.PostForm(t, nurse, "/flags/"+id+"/review", stale))
		before := flagCount(t, e)
		stale.Set("note", "A colleague's review from the old page.")
		res := e.PostForm(t, nurse, "/flags/"+id+"/review", stale)
		if res.StatusCode != http.StatusConflict {
			t.Fatalf("stale review = %d, want 409", res.StatusCode)
		}
		d = parsePage(t, res)
		if got := textOf(d.Find(".govuk-error-summary")); !strings.Contains(got, "changed by someone else") {
			t.Errorf("conflict message = %q", got)
		}
		if v := formValues(d, "#review-form"); v.Get("note") != "A colleague's review from the old page." {
			t.Errorf("the note was lost: %v", v)
		}
		if after := flagCount(t, e); after != before {
			t.Errorf("stale review saved: %v → %v", before, after)
		}
		// The small forms name their fields too.
		for _, tc := range []struct{ path, form, field, message string }{
			{"/flags/" + id + "/review", "#review-form", "note", "The note is required: say what the review found"},
			{"/flags/" + id + "/consultations", "#consultation-form", "caller", "Caller is required"},
			{"/flags/" + id + "/referrals", "#referral-form", "service", "Service is required"},
		} {
			page := strings.Replace(strings.Replace(tc.path, "/consultations", "/consultations/new", 1), "/referrals", "/referrals/new", 1)
			form := formValues(parsePage(t, e.Get(t, nurse, page)), tc.form)
			form.Set(tc.field, "")
			res := e.PostForm(t, nurse, tc.path, form)
			link := parsePage(t, res).Find(".govuk-error-summary a")
			if href, _ := link.Attr("href"); res.StatusCode != http.StatusBadRequest || href != "#"+tc.field || !strings.Contains(textOf(link), tc.message) {
				t.Errorf("POST %s without %s = %d, %q → %q", tc.path, tc.field, res.StatusCode, textOf(link), href)
			}
		}
		// An end date before the start.
		d = parsePage(t, e.Get(t, nurse, "/flags/"+id+"/end"))
		form := formValues(d, "#end-form")
		form.Set("end_date", "2026-11-01")
		form.Set("end_reason", "wrong")
		res = e.PostForm(t, nurse, "/flags/"+id+"/end", form)
		if res.StatusCode != http.StatusBadRequest {
			t.Fatalf("end before start = %d", res.StatusCode)
		}
		if href, _ := parsePage(t, res).Find(".govuk-error-summary a").Attr("href"); href != "#end-date" {
			t.Errorf("end error links to %q", href)
		}
		// Entered in error is terminal: the forms send the user back to
		// the flag, which offers no actions.
		d = parsePage(t, e.Get(t, nurse, "/flags/"+id+"/entered-in-error"))
		form = formValues(d, "#withdraw-form")
		form.Set("end_reason", "Set on the wrong child.")
		flagID(t, e.PostForm(t, nurse, "/flags/"+id+"/entered-in-error", form))
		if res := e.Get(t, nurse, "/flags/"+id+"/review"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/flags/"+id {
			t.Errorf("review form of a withdrawn flag = %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		d = parsePage(t, e.Get(t, nurse, "/flags/"+id))
		if d.Find("#flag-actions").Length() != 0 || !strings.Contains(textOf(d.Find("#flag-heading")), "Entered in error") {
			t.Error("a withdrawn flag still offers actions")
		}
		res = e.PostForm(t, nurse, "/flags/"+id+"/end", url.Values{"version": {"3"}, "end_reason": {"x"}, "end_date": {""}})
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(textOf(parsePage(t, res).Find(".govuk-error-summary")), "entered in error") {
			t.Errorf("ending a withdrawn flag = %d", res.StatusCode)
		}
	})
}

// TestFlagPagesOutOfArea: another area's child's flag answers 404, like a
// flag that does not exist; the person's set-a-flag form too.
func TestFlagPagesOutOfArea(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		far := e.NewPerson(t, "855", app.PersonInput{GivenName: "Far", FamilyName: "Away", DateOfBirth: "2013-01-01"})
		county := &access.Actor{ID: "county", Name: "county", AgencyID: e.Agencies[hub.AgencyHealth].ID, Roles: []hub.Role{hub.RoleNurse}, AreaIDs: []string{e.Areas["855"].ID}}
		lead := e.NewUser(t, "county.practitioner", hub.AgencySocialCare, []hub.Role{hub.RolePractitioner}, "855")
		f, err := e.App.SetFlag(bg, county, far.ID, app.FlagInput{Category: "cce-risk", RiskLevel: "high", Start: "2026-11-01", Reason: "r",
			Advice: "Call the hub.", ContactPhone: "0116 496 0000", ContactHours: "Always", LeadUserID: lead.ID})
		if err != nil {
			t.Fatal(err)
		}
		nurse := e.SignInRole(t, hub.RoleNurse)
		// The 404 page without its request reference.
		page404 := func(res *apptest.Response) string {
			d := parsePage(t, res)
			return textOf(d.Find("main h1")) + "|" + textOf(d.Find("main p.govuk-body").First())
		}
		missing := page404(e.Get(t, nurse, "/flags/"+hub.NewID()))
		for _, path := range []string{"/flags/" + f.ID, "/flags/" + f.ID + "/review", "/flags/" + f.ID + "/edit", "/persons/" + far.ID + "/flags/new"} {
			res := e.Get(t, nurse, path)
			if res.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s = %d, want 404", path, res.StatusCode)
			}
			if strings.HasPrefix(path, "/flags/") && !strings.Contains(path, "/review") && !strings.Contains(path, "/edit") {
				if got := page404(res); got != missing {
					t.Errorf("the out-of-area flag's 404 differs from a missing flag's")
				}
			}
		}
		before := flagCount(t, e)
		res := e.PostForm(t, nurse, "/flags/"+f.ID+"/end", url.Values{"version": {"1"}, "end_reason": {"taken over"}, "end_date": {""}})
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("POST end = %d, want 404", res.StatusCode)
		}
		res = e.PostForm(t, nurse, "/persons/"+far.ID+"/flags", setFlagForm(e))
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("POST set = %d, want 404", res.StatusCode)
		}
		if after := flagCount(t, e); after != before {
			t.Errorf("saved: %v → %v", before, after)
		}
		if ev := newestEvent(t, e); ev.Outcome != hub.OutcomeDenied || ev.SubjectID != far.ID {
			t.Errorf("denial not audited: %+v", ev)
		}
		if res := e.Get(t, nurse, "/flags/not-an-id"); res.StatusCode != http.StatusBadRequest {
			t.Errorf("GET /flags/not-an-id = %d, want 400", res.StatusCode)
		}
	})
}

// TestFlagDeskPage: overdue, due and turning-18 lists, and the last day's
// look-ups as the FHIR path records them.
func TestFlagDeskPage(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		nurse := e.SignInRole(t, hub.RoleNurse)
		child := e.NewPerson(t, "856", app.PersonInput{GivenName: "Maya", FamilyName: "Flagg", DateOfBirth: "2012-05-01"})
		older := e.NewPerson(t, "856", app.PersonInput{GivenName: "Nearly", FamilyName: "Adult", DateOfBirth: "2008-12-01"})
		id := flagID(t, e.PostForm(t, nurse, "/persons/"+child.ID+"/flags", withValue(setFlagForm(e), "review_date", "2026-12-01")))
		flagID(t, e.PostForm(t, nurse, "/persons/"+older.ID+"/flags", withValue(setFlagForm(e), "review_date", "2027-01-20")))
		err := e.Store.Tx(bg, func(tx *store.Tx) error {
			return tx.AppendAudit(&hub.AuditEvent{ActorID: "client", ActorName: "LRI ED", Role: "machine", Action: hub.ActFlagLookup, ObjectType: "flag", ObjectID: id,
				SubjectID: child.ID, Outcome: hub.OutcomeSuccess, Detail: "setting: Leicester Royal Infirmary ED; practitioner: ED registrar"})
		})
		if err != nil {
			t.Fatal(err)
		}
		e.Clock.Advance(5 * 24 * time.Hour) // 2 December
		nurse = e.SignInRole(t, hub.RoleNurse)
		d := parsePage(t, e.Get(t, nurse, "/flags"))
		rows := func(sel string) []string {
			var out []string
			d.Find(sel).Each(func(_ int, s *goquery.Selection) { out = append(out, textOf(s)) })
			return out
		}
		if got := rows("#overdue + table tbody tr"); len(got) != 1 || !strings.Contains(got[0], "Maya Flagg") || !strings.Contains(got[0], "1 December 2026") {
			t.Errorf("overdue = %q", got)
		}
		if got := rows("#turning-adult-list tbody tr"); len(got) != 1 || !strings.Contains(got[0], "Nearly Adult") || !strings.Contains(got[0], "18 now") {
			t.Errorf("turning 18 = %q", got)
		}
		if got := rows("#lookup-list tbody tr"); len(got) != 0 {
			t.Errorf("look-ups older than a day listed: %q", got)
		}
		// The look-up is 5 days old; add a fresh one.
		err = e.Store.Tx(bg, func(tx *store.Tx) error {
			return tx.AppendAudit(&hub.AuditEvent{ActorID: "client", ActorName: "LRI ED", Role: "machine", Action: hub.ActFlagLookup, ObjectType: "flag", ObjectID: id,
				SubjectID: child.ID, Outcome: hub.OutcomeSuccess, Detail: "setting: Glenfield Hospital ED; practitioner: paediatric nurse"})
		})
		if err != nil {
			t.Fatal(err)
		}
		d = parsePage(t, e.Get(t, nurse, "/flags"))
		if got := rows("#lookup-list tbody tr"); len(got) != 1 || !strings.Contains(got[0], "Glenfield Hospital ED") || !strings.Contains(got[0], "paediatric nurse") {
			t.Errorf("look-ups = %q", got)
		}
		d = parsePage(t, e.Get(t, e.SignInRole(t, hub.RolePolice), "/persons/"+child.ID))
		if got := rows("#flag-lookups tbody tr"); len(got) != 2 || !strings.Contains(got[0], "Glenfield") {
			t.Errorf("the child's page look-ups = %q", got)
		}
	})
}

// TestFlagReferralOnCasePages: with an active case, the referral form
// says the referral goes on the case's plan and offers the case pathways
// and casework's outcomes; the flag page then shows the referral with a
// casework outcome select, and the case page lists it.
func TestFlagReferralOnCasePages(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		child := e.NewPerson(t, "856", app.PersonInput{GivenName: "Maya", FamilyName: "Flagg", DateOfBirth: "2012-05-01"})
		prac := e.Users[hub.RolePractitioner]
		f, err := e.App.SetFlag(bg, e.RoleActor(hub.RoleNurse), child.ID, app.FlagInput{Category: "cse-risk", RiskLevel: "high", Start: e.App.Today().String(), Reason: "r",
			Advice: "Call the hub.", ContactPhone: "0116 496 0000", ContactHours: "Always", LeadUserID: prac.ID})
		if err != nil {
			t.Fatal(err)
		}
		c, err := e.App.OpenCase(bg, e.RoleActor(hub.RolePractitioner), app.CaseInput{SubjectKind: "person", SubjectID: child.ID, LeadID: prac.ID, Exploitation: []string{"cse"}, Summary: "Older boyfriend."})
		if err != nil {
			t.Fatal(err)
		}
		nurse := e.SignInRole(t, hub.RoleNurse)
		d := parsePage(t, e.Get(t, nurse, "/flags/"+f.ID+"/referrals/new"))
		if got := textOf(d.Find("#referral-case")); !strings.Contains(got, "recorded on the case's plan") {
			t.Errorf("case notice = %q", got)
		}
		if d.Find(`#service option[value="sexual_health"]`).Length() != 1 || d.Find(`#outcome option[value="engaged"]`).Length() != 1 {
			t.Fatalf("the form does not offer the case pathways and outcomes: %s", textOf(d.Find("#referral-form")))
		}
		form := formValues(d, "#referral-form")
		if form.Get("outcome") != "pending" {
			t.Errorf("default outcome = %q", form.Get("outcome"))
		}
		form.Set("service", "Sexual health service") // a flag service: refused
		res := e.PostForm(t, nurse, "/flags/"+f.ID+"/referrals", form)
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(res.Body, "case&#39;s service pathways") {
			t.Fatalf("a flag service with a case: %d", res.StatusCode)
		}
		form.Set("service", "sexual_health")
		flagID(t, e.PostForm(t, nurse, "/flags/"+f.ID+"/referrals", form))
		d = parsePage(t, e.Get(t, nurse, "/flags/"+f.ID))
		if got := textOf(d.Find("#referrals tbody")); !strings.Contains(got, "Sexual health") || !strings.Contains(got, "On the child's case plan") {
			t.Errorf("referrals = %q", got)
		}
		outcome := formValues(d, "#referrals form")
		outcome.Set("outcome", "engaged")
		action, _ := d.Find("#referrals form").Attr("action")
		if res := e.PostForm(t, nurse, action, outcome); flagID(t, res) != f.ID {
			t.Fatal("the outcome did not return to the flag")
		}
		worker := e.SignInRole(t, hub.RolePractitioner)
		if got := textOf(parsePage(t, e.Get(t, worker, "/cases/"+c.ID)).Find("main")); !strings.Contains(got, "Sexual health") || !strings.Contains(got, "Engaged") {
			t.Errorf("the case page does not list the referral with its outcome: %.400q", got)
		}
	})
}
