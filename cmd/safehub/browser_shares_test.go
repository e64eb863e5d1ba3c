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

// TestBrowserSharing drives cross-border sharing (issue 6) in a real,
// headless Chromium: a Leicester practitioner shares a child's identity
// and missing history with Rutland through the share form; a practitioner
// who works in Rutland only signs in and sees the child's page under the
// "shared with you" banner; the Leicester practitioner revokes the share;
// the Rutland practitioner's next request is "page not found". Nothing
// trips the CSP and no script fails on the way.
func TestBrowserSharing(t *testing.T) {
	t.Parallel()
	browsertest.Require(t)

	h := newHub(t, pgtest.EngineSQLite)
	m := h.startMain(t, func(m *Main) { m.Demo = true })
	w := createSharingWorld(t, m.App)
	url := m.URL()
	b := browsertest.New(t)

	// Chromium's own favicon request 404s as a console error before the
	// pages are involved (see TestBrowserMissing).
	doSteps(t, b, chromedp.Navigate(url+"/sign-in"), chromedp.WaitVisible(chromedp.CSS("#username")))
	browsertest.WaitFor(2*time.Second, func() bool { return len(b.ConsoleErrors()) > 0 })
	b.Reset()

	signIn := func(username string) {
		t.Helper()
		doSteps(t, b,
			chromedp.Navigate(url+"/sign-in"),
			chromedp.WaitVisible(chromedp.CSS("#username")),
			chromedp.SendKeys(chromedp.CSS("#username"), username),
			chromedp.SendKeys(chromedp.CSS("#password"), sharingPassword),
			chromedp.Click(chromedp.CSS("#sign-in")),
			chromedp.WaitVisible(chromedp.CSS("#signed-in-as")),
		)
	}
	signOut := func() {
		t.Helper()
		doSteps(t, b,
			chromedp.Click(chromedp.CSS(`form[action="/sign-out"] button`)),
			chromedp.WaitVisible(chromedp.CSS("#username")),
		)
	}

	// Leicester shares the child's identity and missing history.
	signIn(w.owner)
	doSteps(t, b,
		chromedp.Navigate(url+"/persons/"+w.child.ID),
		chromedp.WaitVisible(chromedp.CSS("#share-record")),
		chromedp.Click(chromedp.CSS("#share-record")),
		chromedp.WaitVisible(chromedp.CSS("#share-form")),
		chromedp.Click(chromedp.CSS(`label[for="parts"]`)),
		chromedp.Click(chromedp.CSS(`label[for="parts-missing"]`)),
		chromedp.Click(chromedp.CSS(`label[for="recipient-kind-area"]`)),
		chromedp.SetValue(chromedp.CSS("#recipient-area"), w.rutlandArea),
		chromedp.SetValue(chromedp.CSS("#purpose"), "missing_located"),
		chromedp.Click(chromedp.CSS(`label[for="basis-safeguarding"]`)),
		chromedp.SendKeys(chromedp.CSS("#necessity"), "Found in Oakham overnight; Rutland needs to know who she is and her missing history."),
		chromedp.Click(chromedp.CSS("#save-share")),
		chromedp.WaitVisible(chromedp.CSS("#share-details")),
	)
	shareURL := browsertest.Run(t, b, step, chromedp.Location())
	shareURL, _, _ = strings.Cut(shareURL, "?")
	if got := browsertest.Run(t, b, step, chromedp.Text(chromedp.CSS("#share-basis"))); !strings.Contains(got, "DPA 2018") {
		t.Errorf("the share's lawful basis reads %q, want its statutory reference", got)
	}
	if got := browsertest.Run(t, b, step, chromedp.Text(chromedp.CSS("#share-parts"))); !strings.Contains(got, "Identity") || !strings.Contains(got, "Missing history") {
		t.Errorf("the share's parts read %q", got)
	}
	b.Clean(t, "share")
	signOut()

	// Rutland sees it on the sharing list and opens the child's page.
	signIn(w.recipient)
	doSteps(t, b,
		chromedp.Navigate(url+"/shares"),
		chromedp.WaitVisible(chromedp.CSS("#received")),
		chromedp.Click(chromedp.CSS(`#received a[href^="/shares/"]`)),
		chromedp.WaitVisible(chromedp.CSS("#open-record")),
		chromedp.Click(chromedp.CSS("#open-record")),
		chromedp.WaitVisible(chromedp.CSS("#share-banner")),
	)
	banner := browsertest.Run(t, b, step, chromedp.Text(chromedp.CSS("#share-banner")))
	for _, want := range []string{"Shared with you by", "(Leicester)", "Missing child located out of area", "you see only the shared parts"} {
		if !strings.Contains(banner, want) {
			t.Errorf("the banner reads %q, want it to say %q", banner, want)
		}
	}
	if got := browsertest.Run(t, b, step, chromedp.Text(chromedp.CSS("#person-name"))); !strings.Contains(got, w.child.FamilyName) {
		t.Errorf("the shared page names %q", got)
	}
	if n := browsertest.Run(t, b, step, browsertest.Count("#share-record")); n != 0 {
		t.Error("the recipient is offered to share the record on")
	}
	b.Clean(t, "shared record")
	signOut()

	// Leicester revokes it.
	signIn(w.owner)
	doSteps(t, b,
		chromedp.Navigate(shareURL),
		chromedp.WaitVisible(chromedp.CSS("#revoke-share")),
		chromedp.SendKeys(chromedp.CSS("#revoke-reason"), "She is home; the joint work is done."),
		chromedp.Click(chromedp.CSS("#revoke-share")),
		chromedp.WaitVisible(chromedp.CSS(".govuk-notification-banner--success")),
	)
	if got := browsertest.Run(t, b, step, chromedp.Text(chromedp.CSS("#share-heading"))); !strings.Contains(got, "Revoked") {
		t.Errorf("after revoking, the share reads %q", got)
	}
	b.Clean(t, "revoke")
	signOut()

	// Rutland's next request for the child's page is not found.
	signIn(w.recipient)
	b.Clean(t, "sign-in after revocation")
	doSteps(t, b,
		chromedp.Navigate(url+"/persons/"+w.child.ID),
		chromedp.WaitVisible(chromedp.CSS("h1")),
	)
	if got := browsertest.Run(t, b, step, chromedp.Text(chromedp.CSS("h1"))); !strings.Contains(got, "Page not found") {
		t.Errorf("after revocation the child's page reads %q, want page not found", got)
	}
	if got := browsertest.Run(t, b, step, browsertest.Count("#share-banner")); got != 0 {
		t.Error("the banner is still shown after revocation")
	}
	// The 404 itself is a console error; nothing else may be.
	if len(b.CSPViolations())+len(b.Exceptions())+len(b.Dialogs()) > 0 {
		t.Errorf("after revocation: the browser recorded problems:\n%s", b.Report())
	}
}

// sharingPassword is the sharing journey's users' password.
const sharingPassword = "quarry-lantern-thistle-58"

// sharingWorld is the journey's partnership: a child in Leicester, a
// practitioner who works in Leicester only, and one who works in Rutland
// only (the demo's own users work in every area, so they cannot show a
// share crossing a border).
type sharingWorld struct {
	child            *hub.Person
	owner, recipient string
	rutlandArea      string
}

func createSharingWorld(t *testing.T, a *app.App) *sharingWorld {
	t.Helper()
	ctx := context.Background()
	p, err := demo.EnsurePartnership(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	social := p.AgencyIDs["Leicester City Council Children's Social Care"]
	admin := app.System("sharing-setup")
	w := &sharingWorld{owner: "cara.city", recipient: "rory.rutland", rutlandArea: p.AreaIDs["857"]}
	for _, u := range []struct{ name, area, agency string }{
		{w.owner, p.AreaIDs["856"], social},
		{w.recipient, p.AreaIDs["857"], p.AgencyIDs["Leicestershire Police"]},
	} {
		in := app.NewUser{Username: u.name, DisplayName: strings.ToUpper(u.name[:1]) + u.name[1:], AgencyID: u.agency, Roles: []hub.Role{hub.RolePractitioner},
			AreaIDs: []string{u.area}, Password: sharingPassword}
		if u.agency == p.AgencyIDs["Leicestershire Police"] {
			in.Roles = []hub.Role{hub.RolePolice}
		}
		if _, err := a.CreateUser(ctx, admin, in); err != nil {
			t.Fatalf("create %s: %v", u.name, err)
		}
	}
	actor := &access.Actor{Name: "sharing-setup", AgencyID: social, Roles: []hub.Role{hub.RolePractitioner}, AreaIDs: []string{p.AreaIDs["856"]}}
	w.child, err = a.CreatePerson(ctx, actor, app.PersonInput{AreaID: p.AreaIDs["856"], GivenName: "Journey", FamilyName: "Crossborder", DateOfBirth: "2011-06-07", Synthetic: true})
	if err != nil {
		t.Fatal(err)
	}
	return w
}
