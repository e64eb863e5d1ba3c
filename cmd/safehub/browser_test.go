package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/browsertest"
	"github.com/safehub/safehub/internal/demo"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
	"github.com/safehub/safehub/internal/store/pgtest"
)

// step is the time one browser step may take.
const step = 15 * time.Second

// xssPayloads are stored in free-text fields of one person (security.md
// SEC-28), each in a field the person page and the edit form render.
var xssPayloads = []string{
	`<img src=x onerror=alert(1)>`,
	`<script>alert(1)</script>`,
	`"><svg onload=alert(1)>`,
	`'><iframe src=javascript:alert(1)>`,
}

// TestBrowser drives the demo with a real, headless Chromium: sign in as
// the demo practitioner over plain HTTP on 127.0.0.1 (a potentially
// trustworthy origin, where Chromium keeps the __Host- Secure session
// cookie), see the demo banner, find a seeded person by surname and open
// their record. Then, with a person whose free-text fields hold script
// payloads, no dialog opens and nothing violates the CSP (SEC-28), and our
// own assets never trip the CSP anywhere along the way.
func TestBrowser(t *testing.T) {
	t.Parallel()
	browsertest.Require(t) // skip (or fail under CI) before doing any work
	ctx := context.Background()

	h := newHub(t, pgtest.EngineSQLite)
	m := h.startMain(t, func(m *Main) { m.Demo = true })
	if err := demo.Seed(ctx, m.App); err != nil {
		t.Fatal(err)
	}
	target := pickPerson(t, m.DB)
	xss := createXSSPerson(t, m.App)
	url := m.URL()

	b := browsertest.New(t)
	probeHarness(t, b, url)

	// Sign in.
	b.Do(t, step,
		chromedp.Navigate(url+"/sign-in"),
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), "pat.practitioner"),
		chromedp.SendKeys(chromedp.CSS("#password"), demoPassword(t, "pat.practitioner")),
		chromedp.Click(chromedp.CSS("#sign-in")),
		chromedp.WaitVisible(chromedp.CSS("#signed-in-as")),
	)
	if loc := browsertest.Run(t, b, step, chromedp.Location()); loc != url+"/" {
		t.Errorf("after sign-in the browser is at %s, want the home page %s/", loc, url)
	}
	if who := browsertest.Run(t, b, step, chromedp.Text(chromedp.CSS("#signed-in-as"))); !strings.Contains(who, "pat.practitioner") {
		t.Errorf("home page says signed in as %q, want pat.practitioner", who)
	}
	if banner := browsertest.Run(t, b, step, chromedp.Text(chromedp.CSS("#demo-banner"))); !strings.Contains(banner, "DEMO") {
		t.Errorf("demo banner reads %q, want DEMO", banner)
	}
	// The bundle ran under the CSP (its integrity and nonce accepted).
	if ok := browsertest.Run(t, b, step, chromedp.Evaluate[bool](`document.body.classList.contains("govuk-frontend-supported") && typeof window.htmx === "object"`)); !ok {
		t.Errorf("app.js did not run on the home page")
	}
	checkSessionCookie(t, b, url)
	b.Clean(t, "sign-in and home page")

	// Find the person by surname and open their record.
	link := `#results a[href="/persons/` + target.ID + `"]`
	b.Do(t, step,
		chromedp.Navigate(url+"/persons"),
		chromedp.WaitVisible(chromedp.CSS("#q")),
		chromedp.SendKeys(chromedp.CSS("#q"), target.GivenName+" "+target.FamilyName),
		chromedp.Click(chromedp.CSS("#search")),
		chromedp.WaitVisible(chromedp.CSS(link)),
	)
	if n := browsertest.Run(t, b, step, chromedp.Text(chromedp.CSS("#result-count"))); !strings.HasPrefix(n, "1 person found") {
		t.Errorf("searching for %q: %q, want 1 person found", target.Name(), n)
	}
	b.Do(t, step,
		chromedp.Click(chromedp.CSS(link)),
		chromedp.WaitVisible(chromedp.CSS("#person-name")),
	)
	if name := browsertest.Run(t, b, step, chromedp.Text(chromedp.CSS("#person-name"))); strings.TrimSpace(name) != target.Name() {
		t.Errorf("person page heading %q, want %q", name, target.Name())
	}
	b.Clean(t, "search and person page")

	// SEC-28: the payloads render as text on the person page and in the
	// edit form, which puts them in input values.
	for _, page := range []string{"/persons/" + xss.ID, "/persons/" + xss.ID + "/edit"} {
		b.Do(t, step,
			chromedp.Navigate(url+page),
			chromedp.WaitVisible(chromedp.CSS("main")),
			chromedp.Sleep(300*time.Millisecond), // time for anything injected to run
		)
		for _, sel := range []string{`img[src="x"]`, `main script`, `main svg`, `iframe`, `[onerror]`, `[onload]`} {
			if n := browsertest.Run(t, b, step, browsertest.Count(sel)); n != 0 {
				t.Errorf("%s: %d elements match %s: a payload was parsed as HTML", page, n, sel)
			}
		}
		text := browsertest.Run(t, b, step, chromedp.Evaluate[string](`document.body.innerText + [...document.querySelectorAll("input")].map(i => i.value).join("\n")`))
		for _, p := range xssPayloads {
			if !strings.Contains(text, p) {
				t.Errorf("%s does not show the payload %q as text", page, p)
			}
		}
		if d := b.Dialogs(); len(d) > 0 {
			t.Errorf("%s opened JavaScript dialogs: %v", page, d)
		}
		b.Clean(t, page)
	}
}

// probeHarness checks that the harness sees what the XSS checks look for:
// an inline script injected into a page is refused by the CSP and
// reported, and a dialog is recorded (and dismissed). Without this, "no
// dialog, no violation" could mean only that nothing was listening.
func probeHarness(t *testing.T, b *browsertest.Browser, url string) {
	t.Helper()
	b.Do(t, step,
		chromedp.Navigate(url+"/sign-in"),
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.Evaluate[chromedp.Void](`{ const s = document.createElement("script"); s.textContent = "alert('inline')"; document.body.appendChild(s) }`),
	)
	if !browsertest.WaitFor(5*time.Second, func() bool { return len(b.CSPViolations()) > 0 }) {
		t.Fatalf("an injected inline script was not reported as a CSP violation:\n%s", b.Report())
	}
	if d := b.Dialogs(); len(d) > 0 {
		t.Fatalf("an inline script ran despite the CSP: %v", d)
	}
	b.Do(t, step, chromedp.Evaluate[chromedp.Void](`setTimeout(() => alert("probe"), 0)`))
	if !browsertest.WaitFor(5*time.Second, func() bool { return len(b.Dialogs()) > 0 }) {
		t.Fatalf("an alert was not recorded as a dialog:\n%s", b.Report())
	}
	// The dialog was dismissed: the page answers again.
	b.Do(t, step, chromedp.WaitVisible(chromedp.CSS("#username")))
	b.Reset()
}

// checkSessionCookie: Chromium kept the session cookie set over plain HTTP
// on 127.0.0.1, with its __Host- prefix, Secure and HttpOnly.
func checkSessionCookie(t *testing.T, b *browsertest.Browser, url string) {
	t.Helper()
	res, err := chromedp.Call(b.Context(), network.GetCookies, network.GetCookiesParams{URLs: []string{url + "/"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Cookies {
		if c.Name == "__Host-safehub" {
			if !c.Secure || !c.HTTPOnly || c.Path != "/" || c.Domain != "127.0.0.1" {
				t.Errorf("session cookie %+v, want Secure, HttpOnly, Path=/ and host-only", c)
			}
			return
		}
	}
	t.Errorf("the browser holds no __Host-safehub cookie for %s", url)
}

func demoPassword(t *testing.T, username string) string {
	t.Helper()
	for _, a := range demo.Accounts {
		if a.Username == username {
			return a.Password
		}
	}
	t.Fatalf("no demo account %s", username)
	return ""
}

// pickPerson chooses a seeded person whose full name no one else matches,
// so a search by that name finds exactly them.
func pickPerson(t *testing.T, db *store.DB) *hub.Person {
	t.Helper()
	rows, err := db.SQL().Query(`SELECT id, given_name, family_name, sensitivity FROM persons ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ps []*hub.Person
	for rows.Next() {
		p := &hub.Person{}
		if err := rows.Scan(&p.ID, &p.GivenName, &p.FamilyName, &p.Sensitivity); err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	// A person whose full name finds only them, as the search matches each
	// word against every name a person is known by.
	for _, p := range ps {
		if p.Sensitivity == hub.SensitivityRestricted {
			continue
		}
		var n int
		err := db.Read(context.Background(), func(tx *store.Tx) error {
			var err error
			_, n, err = tx.FindPersons(store.PersonFilter{Name: p.GivenName + " " + p.FamilyName, Scope: store.PersonScope{AllAreas: true, Restricted: true}, Limit: 5})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if n == 1 {
			return p
		}
	}
	t.Fatal("no person with a unique name in the demo")
	return nil
}

// createXSSPerson creates, through the app, a person whose free-text fields
// hold script payloads, in an area the demo practitioner works in.
func createXSSPerson(t *testing.T, a *app.App) *hub.Person {
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
	var agency string
	for _, ag := range ags {
		if ag.Kind == hub.AgencySocialCare {
			agency = ag.ID
		}
	}
	var areaIDs []string
	for _, ar := range areas {
		areaIDs = append(areaIDs, ar.ID)
	}
	actor := &access.Actor{Name: "xss-setup", AgencyID: agency, Roles: []hub.Role{hub.RolePractitioner}, AreaIDs: areaIDs}
	p, err := a.CreatePerson(ctx, actor, app.PersonInput{
		AreaID:      areaIDs[0],
		GivenName:   "Xavier",
		FamilyName:  "Scriptson",
		DateOfBirth: "2012-03-04",
		Sex:         "male",
		Gender:      xssPayloads[0],
		Ethnicity:   xssPayloads[1],
		Language:    xssPayloads[2],
		Addresses:   []app.AddressInput{{Line1: xssPayloads[0], Line2: xssPayloads[1], Town: xssPayloads[3], Postcode: "LE1 1AA", From: "2020-01-01"}},
		Synthetic:   true,
	})
	if err != nil {
		t.Fatalf("create the XSS person: %v", err)
	}
	return p
}
