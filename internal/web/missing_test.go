package web_test

import (
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

// missingRows counts the rows of the missing-episode tables and the audit
// log, which a refused form must leave as they were.
func missingRows(t testing.TB, e *apptest.Env) [6]int64 {
	t.Helper()
	var out [6]int64
	for i, table := range []string{"missing_episodes", "missing_risk_history", "missing_updates", "return_interviews", "philomena_profiles", "nrm_referrals"} {
		if err := e.Store.SQL().QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&out[i]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestMissingJourney walks the fast intake, the episode page, a change of
// risk, the return and the return home interview through the web pages.
func TestMissingJourney(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		c := e.SignInRole(t, hub.RolePractitioner)
		child := e.NewPerson(t, "856", app.PersonInput{GivenName: "Maisie", FamilyName: "Oduya", DateOfBirth: "2011-08-08"})

		// Find the child by a POST, so the name stays out of the URL.
		res := e.PostForm(t, c, "/missing/find", url.Values{"q": {"Maisie Oduya"}})
		d := parsePage(t, res)
		link, _ := d.Find("#report-" + child.ID).Attr("href")
		if res.StatusCode != http.StatusOK || link != "/persons/"+child.ID+"/missing/new" {
			t.Fatalf("find the child: %d, link %q", res.StatusCode, link)
		}
		d = parsePage(t, e.Get(t, c, link))
		if got := textOf(d.Find("#intake-child")); got != "Maisie Oduya" {
			t.Errorf("intake heading %q", got)
		}
		if v, _ := d.Find("#last-seen-date").Attr("value"); v != "2026-11-27" {
			t.Errorf("date last seen defaults to %q, want today", v)
		}

		// A refused report: no risk level, a bad time. Nothing is written.
		before, audit := missingRows(t, e), countsOf(t, e).Audit
		form := url.Values{"type": {"missing"}, "missing_from": {"home"}, "last_seen_date": {"2026-11-27"}, "last_seen_time": {"7.5"},
			"last_seen_place": {"Abbey Park"}, "reported_by": {"parent"}}
		res = e.PostForm(t, c, "/persons/"+child.ID+"/missing", form)
		d = parsePage(t, res)
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(textOf(d.Find(".govuk-error-summary")), "Time last seen") {
			t.Errorf("bad time: %d, %q", res.StatusCode, textOf(d.Find(".govuk-error-summary")))
		}
		if v, _ := d.Find("#last-seen-place").Attr("value"); v != "Abbey Park" {
			t.Errorf("the refused form lost what was typed: place %q", v)
		}
		form.Set("last_seen_time", "07:30")
		res = e.PostForm(t, c, "/persons/"+child.ID+"/missing", form)
		d = parsePage(t, res)
		if res.StatusCode != http.StatusBadRequest || d.Find(`.govuk-error-summary a[href="#police-risk-level"]`).Length() != 1 {
			t.Errorf("no risk level: %d, %q", res.StatusCode, textOf(d.Find(".govuk-error-summary")))
		}
		if after := missingRows(t, e); after != before {
			t.Errorf("refused reports wrote rows: %v → %v", before, after)
		}
		// Each refused attempt re-read the child for the form (one audited
		// view each), and wrote nothing else.
		if got := countsOf(t, e).Audit - audit; got != 2 {
			t.Errorf("%d audit events for two refused reports, want 2 (the form's reads)", got)
		}

		// The report.
		form.Set("police_risk_level", "medium")
		form.Set("circumstances", "Left school at lunch <b>not</b> seen since")
		res = e.PostForm(t, c, "/persons/"+child.ID+"/missing", form)
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/missing/") {
			t.Fatalf("report: %d %q %.300s", res.StatusCode, res.Header.Get("Location"), res.Body)
		}
		epPath := res.Header.Get("Location")
		d = parsePage(t, e.Get(t, c, epPath))
		if got := textOf(d.Find("#episode-status")); !strings.Contains(got, "Still missing") || !strings.Contains(got, "Medium") {
			t.Errorf("episode status %q", got)
		}
		if !strings.Contains(textOf(d.Find("#report")), "Left school at lunch <b>not</b> seen since") {
			t.Errorf("circumstances not shown as text: %q", textOf(d.Find("#report")))
		}
		version, _ := d.Find(`form[action$="/risk"] input[name="version"]`).Attr("value")

		// Regrade to high: a prompt for a strategy discussion.
		res = e.PostForm(t, c, epPath+"/risk", url.Values{"version": {version}, "police_risk_level": {"high"}, "rationale": {"Seen with older males"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("risk change: %d %.300s", res.StatusCode, res.Body)
		}
		d = parsePage(t, e.Get(t, c, res.Header.Get("Location")))
		if !strings.Contains(textOf(d.Find("#prompts")), "strategy discussion") || !strings.Contains(textOf(d.Find("#risk")), "Medium → High") {
			t.Errorf("after regrading: prompts %q, risk %q", textOf(d.Find("#prompts")), textOf(d.Find("#risk")))
		}
		// A stale version is refused.
		res = e.PostForm(t, c, epPath+"/risk", url.Values{"version": {version}, "police_risk_level": {"low"}, "rationale": {"x"}})
		if res.StatusCode != http.StatusConflict {
			t.Errorf("stale risk change: %d", res.StatusCode)
		}

		// The return.
		e.Clock.Advance(3 * time.Hour)
		c = e.SignInRole(t, hub.RolePractitioner) // the session has timed out
		d = parsePage(t, e.Get(t, c, epPath+"/return"))
		version, _ = d.Find(`input[name="version"]`).Attr("value")
		ret := url.Values{"version": {version}, "found_date": {"2026-11-27"}, "found_time": {"11:40"}, "found_place": {"Loughborough station"}, "out_of_area": {"yes"},
			"found_by": {"BTP"}, "condition": {"Tired"}, "returned_to": {"Home"}}
		res = e.PostForm(t, c, epPath+"/return", ret)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("return: %d %.500s", res.StatusCode, textOf(parsePage(t, res).Find(".govuk-error-summary")))
		}
		d = parsePage(t, e.Get(t, c, res.Header.Get("Location")))
		if got := textOf(d.Find("#rhi-status")); !strings.Contains(got, "Due") || !strings.Contains(got, "30 Nov 2026 11:40") {
			t.Errorf("RHI status %q, want due 72 hours after the return", got)
		}

		// The interview, refused when dated before the return, then saved.
		d = parsePage(t, e.Get(t, c, epPath+"/rhi"))
		version, _ = d.Find(`input[name="version"]`).Attr("value")
		rhi := url.Values{"version": {version}, "status": {"completed"}, "completed_date": {"2026-11-27"}, "completed_time": {"11:00"}, "interviewer": {"Sam Patel, Catch22"},
			"interviewer_kind": {"independent_provider"}, "independent": {"yes"}, "push_factors": {"Rows at home"}, "pull_factors": {"Friends in Loughborough"}}
		res = e.PostForm(t, c, epPath+"/rhi", rhi)
		d = parsePage(t, res)
		if res.StatusCode != http.StatusBadRequest || d.Find(`.govuk-error-summary a[href="#completed-date"]`).Length() != 1 {
			t.Errorf("interview before the return: %d %q", res.StatusCode, textOf(d.Find(".govuk-error-summary")))
		}
		rhi.Set("completed_time", "12:00")
		res = e.PostForm(t, c, epPath+"/rhi", rhi)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("interview: %d %q", res.StatusCode, textOf(parsePage(t, res).Find(".govuk-error-summary")))
		}
		d = parsePage(t, e.Get(t, c, res.Header.Get("Location")))
		if got := textOf(d.Find("#rhi")); !strings.Contains(got, "Completed") || !strings.Contains(got, "Rows at home") || !strings.Contains(got, "independent of the child's care") {
			t.Errorf("interview card %q", got)
		}

		// The person page and the lists.
		d = parsePage(t, e.Get(t, c, "/persons/"+child.ID))
		if d.Find("#missing-episodes tbody tr").Length() != 1 || !strings.Contains(textOf(d.Find("#missing")), "Completed") {
			t.Errorf("person page missing card: %q", textOf(d.Find("#missing")))
		}
		mgr := e.SignInRole(t, hub.RoleManager)
		d = parsePage(t, e.Get(t, mgr, "/missing?status="))
		if d.Find("#episodes tbody tr").Length() != 1 {
			t.Errorf("missing list: %q", textOf(d.Find("main")))
		}
		d = parsePage(t, e.Get(t, mgr, "/missing/interviews?status=completed"))
		if d.Find("#interviews tbody tr").Length() != 1 || !strings.Contains(textOf(d.Find("#interviews")), "within 72 hours") {
			t.Errorf("interview list: %q", textOf(d.Find("main")))
		}
	})
}

// TestMissingPagesAccess: another area's episode answers 404 like one that
// does not exist; a role without casework gets 403.
func TestMissingPagesAccess(t *testing.T) {
	e := apptest.New(t, storetest.Engines()[0], apptest.Options{})
	far := e.NewPerson(t, "855", app.PersonInput{GivenName: "Far", FamilyName: "Away", DateOfBirth: "2012-01-01"})
	county := e.Actor(e.NewUser(t, "county.worker", hub.AgencySocialCare, []hub.Role{hub.RolePractitioner}, "855"))
	now := e.Clock.Now()
	ep, err := e.App.ReportMissing(bg, county, app.MissingReport{PersonID: far.ID, Type: "missing", From: "home", LastSeenAt: now.Add(-time.Hour),
		LastSeenPlace: "Market Harborough", ReportedBy: "parent", RiskLevel: "low"})
	if err != nil {
		t.Fatal(err)
	}
	c := e.SignInRole(t, hub.RolePractitioner)
	for _, path := range []string{"/missing/" + ep.ID, "/missing/" + hub.NewID(), "/missing/" + ep.ID + "/return", "/missing/" + ep.ID + "/rhi",
		"/persons/" + far.ID + "/missing/new", "/persons/" + far.ID + "/philomena"} {
		if res := e.Get(t, c, path); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", path, res.StatusCode)
		}
	}
	before := missingRows(t, e)
	res := e.PostForm(t, c, "/missing/"+ep.ID+"/updates", url.Values{"version": {"1"}, "update": {"x"}})
	if res.StatusCode != http.StatusNotFound || missingRows(t, e) != before {
		t.Errorf("POST update out of area = %d", res.StatusCode)
	}
	edu := e.SignInRole(t, hub.RoleEducation)
	if res := e.Get(t, edu, "/missing"); res.StatusCode != http.StatusForbidden {
		t.Errorf("education GET /missing = %d, want 403", res.StatusCode)
	}
}

// TestPhilomenaAndNRMPages: a profile is recorded, pulled into a report
// with one click at intake, and an NRM referral is recorded and decided.
func TestPhilomenaAndNRMPages(t *testing.T) {
	e := apptest.New(t, storetest.Engines()[0], apptest.Options{})
	c := e.SignInRole(t, hub.RolePractitioner)
	child := e.NewPerson(t, "856", app.PersonInput{GivenName: "Tia", FamilyName: "Care", DateOfBirth: "2010-10-10"})
	d := parsePage(t, e.Get(t, c, "/persons/"+child.ID+"/philomena"))
	if d.Find("#no-philomena").Length() != 1 {
		t.Errorf("profile page before any: %q", textOf(d.Find("main")))
	}
	prof := url.Values{"version": {"0"}, "placement": {"Oak House"}, "description": {"Tall, red coat <script>alert(1)</script>"}, "associates": {"'Jay'"}}
	res := e.PostForm(t, c, "/persons/"+child.ID+"/philomena", prof)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save profile: %d %q", res.StatusCode, textOf(parsePage(t, res).Find(".govuk-error-summary")))
	}
	d = parsePage(t, e.Get(t, c, "/persons/"+child.ID+"/philomena"))
	if !strings.Contains(textOf(d.Find("#version-1")), "<script>alert(1)</script>") || d.Find("main script").Length() != 0 {
		t.Errorf("profile page: %q", textOf(d.Find("#version-1")))
	}
	// A second save from the same base is a conflict.
	if res := e.PostForm(t, c, "/persons/"+child.ID+"/philomena", prof); res.StatusCode != http.StatusConflict {
		t.Errorf("stale profile save: %d", res.StatusCode)
	}

	// The intake offers the profile, ticked, for a child with one.
	d = parsePage(t, e.Get(t, c, "/persons/"+child.ID+"/missing/new"))
	if _, ok := d.Find("#include-philomena").Attr("checked"); !ok {
		t.Errorf("the intake does not offer the Philomena profile")
	}
	form := url.Values{"type": {"missing"}, "missing_from": {"care"}, "last_seen_date": {"2026-11-27"}, "last_seen_time": {"08:00"},
		"last_seen_place": {"Oak House"}, "reported_by": {"residential_home"}, "police_risk_level": {"low"}, "include_philomena": {"yes"}}
	res = e.PostForm(t, c, "/persons/"+child.ID+"/missing", form)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("report: %d", res.StatusCode)
	}
	d = parsePage(t, e.Get(t, c, res.Header.Get("Location")))
	if !strings.Contains(textOf(d.Find("#philomena-profile")), "Tall, red coat") {
		t.Errorf("the report does not carry the profile: %q", textOf(d.Find("#philomena")))
	}

	// NRM: refer, then decide.
	d = parsePage(t, e.Get(t, c, "/persons/"+child.ID+"/nrm/new"))
	if d.Find(`input[name="consent"]`).Length() != 0 {
		t.Errorf("the form asks a child's consent")
	}
	res = e.PostForm(t, c, "/persons/"+child.ID+"/nrm", url.Values{"submitted_date": {"2026-11-16"}, "first_responder": {"police"}, "exploitation_type": {"criminal_county_lines"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("refer: %d %q", res.StatusCode, textOf(parsePage(t, res).Find(".govuk-error-summary")))
	}
	nrmPath := strings.TrimSuffix(res.Header.Get("Location"), "?done=referred")
	d = parsePage(t, e.Get(t, c, nrmPath))
	if got := textOf(d.Find("#rg-status")); !strings.Contains(got, "overdue") {
		t.Errorf("RG status %q, want overdue (submitted 9 working days ago)", got)
	}
	version, _ := d.Find(`form[action$="/rg"] input[name="version"]`).Attr("value")
	res = e.PostForm(t, c, nrmPath+"/rg", url.Values{"version": {version}, "rg_decision": {"positive"}, "rg_decided_on": {"2026-11-20"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("RG: %d %q", res.StatusCode, textOf(parsePage(t, res).Find(".govuk-error-summary")))
	}
	d = parsePage(t, e.Get(t, c, nrmPath))
	version, _ = d.Find(`form[action$="/cg"] input[name="version"]`).Attr("value")
	res = e.PostForm(t, c, nrmPath+"/cg", url.Values{"version": {version}, "cg_decision": {"victim_modern_slavery"}, "cg_decided_on": {"2026-11-27"}})
	d = parsePage(t, res)
	if res.StatusCode != http.StatusBadRequest || d.Find(`.govuk-error-summary a[href="#cg-decided-on"]`).Length() != 1 {
		t.Errorf("CG within the recovery period: %d %q", res.StatusCode, textOf(d.Find(".govuk-error-summary")))
	}
	mgr := e.SignInRole(t, hub.RoleManager)
	d = parsePage(t, e.Get(t, mgr, "/nrm"))
	if d.Find("#referrals tbody tr").Length() != 1 || !strings.Contains(textOf(d.Find("#nrm-counts")), "1 awaiting a conclusive-grounds decision") {
		t.Errorf("NRM list: %q", textOf(d.Find("main")))
	}
}
