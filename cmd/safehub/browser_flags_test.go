package main

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/browsertest"
	"github.com/safehub/safehub/internal/hub"
)

// TestBrowserFlags drives the specialist nurse's journey in a real,
// headless Chromium as the demo nurse: set a flag on a child who has an
// active case, refer the child from the flag (the referral goes on the
// case's plan, and the form says so), record its outcome in casework's
// terms, and see it on her desk, tripping neither the CSP nor any script.
func TestBrowserFlags(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m, b := demoBrowser(t)
	child := createCaseworkChild(t, m.App)
	pat, err := m.App.UserByUsername(ctx, app.System("test"), "pat.practitioner")
	if err != nil {
		t.Fatal(err)
	}
	prac := &access.Actor{ID: pat.ID, Name: pat.Username, AgencyID: pat.AgencyID, Roles: pat.Roles, AreaIDs: pat.AreaIDs}
	if _, err := m.App.OpenCase(ctx, prac, app.CaseInput{SubjectKind: "person", SubjectID: child.ID, LeadID: pat.ID, Exploitation: []string{"cse"}, Summary: "Older boyfriend; missing twice."}); err != nil {
		t.Fatal(err)
	}
	url := m.URL()
	signInBrowser(t, b, url, "nina.nurse")

	// Set the flag from the child's page.
	doSteps(t, b,
		chromedp.Navigate(url+"/persons/"+child.ID),
		chromedp.WaitVisible(chromedp.CSS("#set-flag")),
		chromedp.Click(chromedp.CSS("#set-flag")),
		chromedp.WaitVisible(chromedp.CSS("#flag-form")),
		chromedp.SetValue(chromedp.CSS("#category"), string(hub.FlagCSE)),
		chromedp.SetValue(chromedp.CSS("#risk-level"), string(hub.RiskHigh)),
		chromedp.SetValue(chromedp.CSS("#reason"), "Seen getting into cars with older males near the station."),
		chromedp.SetValue(chromedp.CSS("#advice"), "Child at risk of exploitation. Call the hub before discharge."),
		chromedp.SetValue(chromedp.CSS("#contact-phone"), "0116 454 1004"),
		chromedp.SetValue(chromedp.CSS("#contact-hours"), "24 hours, every day"),
		chromedp.SetValue(chromedp.CSS("#lead-user-id"), pat.ID),
		chromedp.Click(chromedp.CSS(`#flag-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#flag-heading")),
	)
	b.Clean(t, "set a flag")

	// Refer from the flag: the child has an active case, so the form offers
	// the case's pathways and says where the referral goes.
	doSteps(t, b,
		chromedp.Click(chromedp.CSS(`a[href$="/referrals/new"]`)),
		chromedp.WaitVisible(chromedp.CSS("#referral-case")),
		chromedp.SetValue(chromedp.CSS("#service"), "cse_support"),
		chromedp.SetValue(chromedp.CSS("#note"), "Agreed with the lead practitioner."),
		chromedp.Click(chromedp.CSS(`#referral-form button[type="submit"]`)),
	)
	waitLocation(t, b, "done=referral")
	referrals := browsertest.Run(t, b, step, chromedp.Text(chromedp.CSS("#referrals tbody")))
	if !strings.Contains(referrals, "Specialist CSE support") || !strings.Contains(referrals, "On the child's case plan") || !strings.Contains(referrals, "Waiting for a response\nOn the child's case plan") {
		t.Fatalf("the flag's referrals: %q", referrals)
	}
	b.Clean(t, "refer")

	// Its outcome, in casework's terms, from the flag page.
	doSteps(t, b,
		chromedp.SetValue(chromedp.CSS("#referrals select"), string(hub.ServiceEngaged)),
		chromedp.Click(chromedp.CSS(`#referrals form button[type="submit"]`)),
	)
	waitLocation(t, b, "done=outcome")
	if referrals = browsertest.Run(t, b, step, chromedp.Text(chromedp.CSS("#referrals tbody"))); !strings.Contains(referrals, "Engaged (") {
		t.Fatalf("the referral's outcome: %q", referrals)
	}
	b.Clean(t, "outcome")

	// The desk, with the demo's referrals awaiting an outcome.
	doSteps(t, b,
		chromedp.Navigate(url+"/flags"),
		chromedp.WaitVisible(chromedp.CSS("#referrals")),
	)
	if desk := browsertest.Run(t, b, step, chromedp.Text(chromedp.CSS("main"))); !strings.Contains(desk, "Referrals awaiting an outcome") {
		t.Fatalf("the desk: %.500q", desk)
	}
	b.Clean(t, "desk")
}

// waitLocation waits for the page's address to contain s (a form's
// redirect to its confirmation).
func waitLocation(t *testing.T, b *browsertest.Browser, s string) {
	t.Helper()
	var at string
	if !browsertest.WaitFor(step, func() bool {
		at = browsertest.Run(t, b, step, chromedp.Location())
		return strings.Contains(at, s)
	}) {
		t.Fatalf("the page is %s, want an address with %q\n%s", at, s, b.Report())
	}
}
