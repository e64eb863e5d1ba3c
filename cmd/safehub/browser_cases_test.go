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
	"github.com/safehub/safehub/internal/demo"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store/pgtest"
)

// TestBrowserCasework drives the hub's core journey in a real, headless
// Chromium as the demo practitioner: record a referral about a child, run
// the combined risk assessment from it (the practitioner's agency's
// contribution, then the level), decide to open a hub case, and build the
// case's safeguarding plan with an action, attaching nothing and tripping
// neither the CSP nor any script.
func TestBrowserCasework(t *testing.T) {
	t.Parallel()
	m, b := demoBrowser(t)
	child := createCaseworkChild(t, m.App)
	url := m.URL()
	signInBrowser(t, b, url, "pat.practitioner")

	// The referral, from the child's page.
	doSteps(t, b,
		chromedp.Navigate(url+"/persons/"+child.ID),
		chromedp.WaitVisible(chromedp.CSS("#person-name")))
	doSteps(t, b,
		chromedp.WaitVisible(chromedp.CSS("#record-referral")),
		chromedp.Click(chromedp.CSS("#record-referral")),
		chromedp.WaitVisible(chromedp.CSS("#referrer-name")),
		chromedp.SendKeys(chromedp.CSS("#referrer-name"), "Jo Teacher"),
		chromedp.SendKeys(chromedp.CSS("#concerns"), "Seen at the station with older men; new phone and trainers."),
		chromedp.Click(chromedp.CSS(`#indicators .govuk-checkboxes__item label`)),
		chromedp.Click(chromedp.CSS("#save-referral")),
		chromedp.WaitVisible(chromedp.CSS("#referral-summary")),
	)
	referralURL := browsertest.Run(t, b, step, chromedp.Location())
	b.Clean(t, "referral")

	// The combined risk assessment from the referral: a contribution, then
	// the level.
	doSteps(t, b,
		// Starting an assessment leads straight to one's own agency's
		// contribution.
		chromedp.Click(chromedp.CSS("#start-assessment")),
		chromedp.WaitVisible(chromedp.CSS("#save-contribution")),
		chromedp.Click(chromedp.CSS(`#indicators .govuk-checkboxes__item label`)),
		chromedp.SendKeys(chromedp.CSS("#evidence"), "Social care: two missing episodes this month."),
		chromedp.Click(chromedp.CSS("#save-contribution")),
		chromedp.WaitVisible(chromedp.CSS("#save-level")),
		chromedp.Click(chromedp.CSS(`label[for="level-medium"]`)),
		chromedp.SendKeys(chromedp.CSS("#reason"), "Professional judgement: risk is rising."),
		chromedp.Click(chromedp.CSS("#save-level")),
		chromedp.WaitVisible(chromedp.CSS("#assessment-level")),
	)
	if got := browsertest.Run(t, b, step, chromedp.Text(chromedp.CSS("#assessment-level"))); !strings.Contains(strings.ToLower(got), "medium") {
		t.Errorf("assessment level reads %q, want medium", got)
	}
	b.Clean(t, "assessment")

	// The decision: open a hub case.
	doSteps(t, b,
		chromedp.Navigate(referralURL),
		chromedp.WaitVisible(chromedp.CSS("#save-decision")),
		chromedp.Click(chromedp.CSS(`label[for="decision-open_case"]`)),
		chromedp.SendKeys(chromedp.CSS("#decision-reason"), "Exploitation indicators from two agencies; medium risk."),
		chromedp.Click(chromedp.CSS(`label[for="exploitation-cce"]`)),
		chromedp.Click(chromedp.CSS("#save-decision")),
		chromedp.WaitVisible(chromedp.CSS(`#referral-summary a[href^="/cases/"]`)),
		chromedp.Click(chromedp.CSS(`#referral-summary a[href^="/cases/"]`)),
		chromedp.WaitVisible(chromedp.CSS("#case-heading")),
	)
	if got := browsertest.Run(t, b, step, chromedp.Text(chromedp.CSS("#case-subject"))); strings.TrimSpace(got) != child.Name() {
		t.Errorf("case page is about %q, want %q", got, child.Name())
	}
	if got := browsertest.Run(t, b, step, chromedp.Text(chromedp.CSS("#case-lead"))); !strings.Contains(got, "Pat") {
		t.Errorf("case lead reads %q, want the practitioner", got)
	}
	b.Clean(t, "case")

	// The plan: an action with an owner and a due date.
	due := time.Now().In(app.London).AddDate(0, 0, 7).Format("2006-01-02")
	doSteps(t, b,
		chromedp.Click(chromedp.CSS("#add-action")),
		chromedp.WaitVisible(chromedp.CSS("#what")),
		chromedp.SendKeys(chromedp.CSS("#what"), "Weekly visit with the youth worker"),
		chromedp.SendKeys(chromedp.CSS("#due"), due),
		chromedp.Click(chromedp.CSS("#save-action")),
		chromedp.WaitVisible(chromedp.CSS("#actions")),
	)
	if got := browsertest.Run(t, b, step, chromedp.Text(chromedp.CSS("#actions tbody"))); !strings.Contains(got, "Weekly visit with the youth worker") {
		t.Errorf("the plan lists %q, want the new action", got)
	}
	b.Clean(t, "plan")

	// The chronology shows the journey in order.
	doSteps(t, b,
		chromedp.Navigate(url+"/persons/"+child.ID+"/chronology"),
		chromedp.WaitVisible(chromedp.CSS("#chronology")),
	)
	kinds := browsertest.Run(t, b, step, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#chronology tbody tr")].map(r => r.dataset.kind)`))
	for _, k := range []string{"referral", "assessment", "case", "plan_action"} {
		if !strings.Contains(strings.Join(kinds, " "), k) {
			t.Errorf("chronology kinds %v lack %s", kinds, k)
		}
	}
	b.Clean(t, "chronology")
}

// demoBrowser starts a demo server seeded with a small synthetic
// partnership and a headless Chromium that has already made its own
// favicon request. It skips (or fails under CI) without Chromium.
func demoBrowser(t *testing.T) (*Main, *browsertest.Browser) {
	t.Helper()
	browsertest.Require(t)
	h := newHub(t, pgtest.EngineSQLite)
	m := h.startMain(t, func(m *Main) { m.Demo = true })
	if err := demo.SeedWith(context.Background(), m.App, demo.Options{Persons: 1000}); err != nil {
		t.Fatal(err)
	}
	b := browsertest.New(t)
	// Chromium asks for /favicon.ico once, on its own account (there is
	// none: the pages name theirs), and logs the 404 as a console error;
	// that is not the pages' doing, so it is let through before the checks
	// start.
	doSteps(t, b, chromedp.Navigate(m.URL()+"/sign-in"), chromedp.WaitVisible(chromedp.CSS("#username")))
	browsertest.WaitFor(2*time.Second, func() bool { return len(b.ConsoleErrors()) > 0 })
	b.Reset()
	return m, b
}

// signInBrowser signs in as a demo user, checking that the sign-in page
// and the home page trip nothing.
func signInBrowser(t *testing.T, b *browsertest.Browser, url, username string) {
	t.Helper()
	doSteps(t, b,
		chromedp.Navigate(url+"/sign-in"),
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), username),
		chromedp.SendKeys(chromedp.CSS("#password"), demoPassword(t, username)),
		chromedp.Click(chromedp.CSS("#sign-in")),
		chromedp.WaitVisible(chromedp.CSS("#signed-in-as")),
	)
	b.Clean(t, "sign-in")
}

// doSteps runs actions one at a time, so that a failure names the step
// and shows the page it happened on.
func doSteps(t *testing.T, b *browsertest.Browser, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	for i, a := range actions {
		ctx, cancel := context.WithTimeout(b.Context(), step)
		_, err := chromedp.Run(ctx, a)
		cancel()
		if err != nil {
			ctx, cancel := context.WithTimeout(b.Context(), step)
			page, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname + "\n" + document.body.innerText`))
			cancel()
			t.Fatalf("browser step %d: %v\n%s\npage: %.1500s", i+1, err, b.Report(), page)
		}
	}
}

// createCaseworkChild makes a synthetic child in Leicester for the journey.
func createCaseworkChild(t *testing.T, a *app.App) *hub.Person {
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
	var area, agency string
	for _, ar := range areas {
		if ar.Code == "856" {
			area = ar.ID
		}
	}
	for _, ag := range ags {
		if ag.Kind == hub.AgencySocialCare {
			agency = ag.ID
		}
	}
	actor := &access.Actor{Name: "casework-setup", AgencyID: agency, Roles: []hub.Role{hub.RolePractitioner}, AreaIDs: []string{area}}
	p, err := a.CreatePerson(ctx, actor, app.PersonInput{AreaID: area, GivenName: "Journey", FamilyName: "Casework", DateOfBirth: "2011-09-10", Synthetic: true})
	if err != nil {
		t.Fatal(err)
	}
	return p
}
