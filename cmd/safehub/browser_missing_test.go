package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/browsertest"
	"github.com/safehub/safehub/internal/hub"
)

// TestBrowserMissing drives the missing-children journey in a real,
// headless Chromium as the demo practitioner: find the child and record a
// missing report through the fast intake (timed: the out-of-hours line
// needs it done in under a minute), record the child's return, and
// complete the return home interview, with nothing tripping the CSP and
// no script errors on the way.
func TestBrowserMissing(t *testing.T) {
	t.Parallel()
	m, b := demoBrowser(t)
	child := createMissingChild(t, m.App)
	url := m.URL()
	signInBrowser(t, b, url, "pat.practitioner")

	// The fast intake: find the child, fill the minimal form, save.
	seen := time.Now().Add(-time.Hour).In(app.London)
	start := time.Now()
	b.Do(t, step,
		chromedp.Navigate(url+"/missing"),
		chromedp.WaitVisible(chromedp.CSS("#report-missing")),
		chromedp.Click(chromedp.CSS("#report-missing")),
		chromedp.WaitVisible(chromedp.CSS("#q")),
		chromedp.SendKeys(chromedp.CSS("#q"), child.GivenName+" "+child.FamilyName),
		chromedp.Click(chromedp.CSS("#find-child")),
		chromedp.WaitVisible(chromedp.CSS("#report-"+child.ID)),
		chromedp.Click(chromedp.CSS("#report-"+child.ID)),
		chromedp.WaitVisible(chromedp.CSS("#intake-child")),
		chromedp.SetValue(chromedp.CSS("#last-seen-date"), seen.Format("2006-01-02")),
		chromedp.SendKeys(chromedp.CSS("#last-seen-time"), seen.Format("15:04")),
		chromedp.SendKeys(chromedp.CSS("#last-seen-place"), "Leicester railway station"),
		chromedp.Click(chromedp.CSS(`label[for="police-risk-level-medium"]`)),
		chromedp.SendKeys(chromedp.CSS("#circumstances"), "Did not come home from school; phone switched off."),
		chromedp.Click(chromedp.CSS("#save-report")),
		chromedp.WaitVisible(chromedp.CSS("#episode-status")),
	)
	intake := time.Since(start)
	t.Logf("fast intake, from the missing list to the saved report: %s", intake.Round(time.Millisecond))
	if intake > time.Minute {
		t.Errorf("the fast intake took %s, want under a minute", intake)
	}
	if got := browsertest.Run(t, b, step, chromedp.Text(chromedp.CSS("#episode-status"))); !strings.Contains(got, "Still missing") || !strings.Contains(got, "Medium") {
		t.Errorf("episode status %q, want still missing at medium risk", got)
	}
	b.Clean(t, "missing report")

	// The return.
	b.Do(t, step,
		chromedp.Click(chromedp.CSS("#record-return")),
		chromedp.WaitVisible(chromedp.CSS("#found-time")),
		chromedp.SetValue(chromedp.CSS("#found-date"), time.Now().In(app.London).Format("2006-01-02")),
		chromedp.SendKeys(chromedp.CSS("#found-time"), time.Now().In(app.London).Format("15:04")),
		chromedp.SendKeys(chromedp.CSS("#found-place"), "Loughborough bus station"),
		chromedp.Click(chromedp.CSS(`label[for="out-of-area"]`)),
		chromedp.SendKeys(chromedp.CSS("#found-by"), "British Transport Police"),
		chromedp.Click(chromedp.CSS("#save-return")),
		chromedp.WaitVisible(chromedp.CSS("#rhi-status")),
	)
	if got := browsertest.Run(t, b, step, chromedp.Text(chromedp.CSS("#episode-status"))); !strings.Contains(got, "Returned") {
		t.Errorf("episode status after the return %q", got)
	}
	if got := browsertest.Run(t, b, step, chromedp.Text(chromedp.CSS("#rhi-status"))); !strings.Contains(got, "Due") {
		t.Errorf("return home interview %q, want due", got)
	}
	b.Clean(t, "return")

	// The return home interview, completed.
	b.Do(t, step,
		chromedp.Click(chromedp.CSS("#record-rhi")),
		chromedp.WaitVisible(chromedp.CSS("#completed-time")),
		chromedp.SetValue(chromedp.CSS("#completed-date"), time.Now().In(app.London).Format("2006-01-02")),
		chromedp.SendKeys(chromedp.CSS("#completed-time"), time.Now().In(app.London).Format("15:04")),
		chromedp.SendKeys(chromedp.CSS("#interviewer"), "Sam Patel, independent return interviews"),
		chromedp.SendKeys(chromedp.CSS("#push-factors"), "Arguments at home about curfew"),
		chromedp.SendKeys(chromedp.CSS("#pull-factors"), "Older friends in Loughborough"),
		chromedp.SendKeys(chromedp.CSS("#places-named"), "Loughborough bus station"),
		chromedp.Click(chromedp.CSS("#save-rhi")),
		chromedp.WaitVisible(chromedp.CSS("#rhi-status")),
	)
	got := browsertest.Run(t, b, step, chromedp.Text(chromedp.CSS("#rhi")))
	for _, want := range []string{"Completed", "Sam Patel", "independent of the child's care", "Arguments at home about curfew", "Older friends in Loughborough"} {
		if !strings.Contains(got, want) {
			t.Errorf("interview card %q does not say %q", got, want)
		}
	}
	b.Clean(t, "return home interview")

	// The child's page shows the episode with its completed interview.
	b.Do(t, step,
		chromedp.Navigate(url+"/persons/"+child.ID),
		chromedp.WaitVisible(chromedp.CSS("#missing-episodes")),
	)
	if got := browsertest.Run(t, b, step, chromedp.Text(chromedp.CSS("#missing"))); !strings.Contains(got, "Completed") || !strings.Contains(got, "found out of area") {
		t.Errorf("person page missing card %q", got)
	}
	b.Clean(t, "person page")
}

// createMissingChild creates, through the app, a child whose full name no
// seeded person has, in Leicester.
func createMissingChild(t *testing.T, a *app.App) *hub.Person {
	t.Helper()
	ctx := context.Background()
	areas, err := a.Areas(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ags, err := a.Agencies(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var agency, area string
	for _, ag := range ags {
		if ag.Kind == hub.AgencySocialCare {
			agency = ag.ID
		}
	}
	for _, ar := range areas {
		if ar.Code == "856" {
			area = ar.ID
		}
	}
	actor := &access.Actor{Name: "missing-setup", AgencyID: agency, Roles: []hub.Role{hub.RolePractitioner}, AreaIDs: []string{area}}
	p, err := a.CreatePerson(ctx, actor, app.PersonInput{AreaID: area, GivenName: "Rosalind", FamilyName: "Quenbury-Vale", DateOfBirth: "2011-06-15", Synthetic: true})
	if err != nil {
		t.Fatal(err)
	}
	return p
}
