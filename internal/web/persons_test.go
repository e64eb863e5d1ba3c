package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/apptest"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store/storetest"
)

// summaryRows maps the keys of a summary card's rows to their values.
func summaryRows(card *goquery.Selection) map[string]string {
	m := map[string]string{}
	card.Find(".govuk-summary-list__row").Each(func(_ int, r *goquery.Selection) {
		m[textOf(r.Find("dt"))] = textOf(r.Find("dd"))
	})
	return m
}

// card returns the summary card titled title.
func card(d *goquery.Document, title string) *goquery.Selection {
	return d.Find(".govuk-summary-card").FilterFunction(func(_ int, s *goquery.Selection) bool {
		return textOf(s.Find(".govuk-summary-card__title").First()) == title
	})
}

// fullPerson is a person with one of everything.
func fullPerson(t testing.TB, e *apptest.Env) *hub.Person {
	return e.NewPerson(t, "856", app.PersonInput{
		GivenName: "Amelia", FamilyName: "Khan", DateOfBirth: "2011-03-02", Sex: "female", Gender: "Girl", Ethnicity: "Asian British", Language: "English",
		Aliases: []app.AliasInput{{GivenName: "Millie", Kind: "nickname"}, {GivenName: "Mia", FamilyName: "Smith", Kind: "previous"}},
		Addresses: []app.AddressInput{
			{Line1: "1 High Street", Line2: "Flat 2", Town: "Leicester", Postcode: "le1 5ww", From: "2020-01-01"},
			{Line1: "9 Old Road", Town: "Loughborough", Postcode: "LE11 1AA", From: "2015-01-01", To: "2019-12-31"},
		},
		Phones:    []app.PhoneInput{{Number: "07700 900123", From: "2021-01-01"}, {Number: "0116 496 0123", Kind: "landline", From: "2018-05-01", To: "2020-06-30"}},
		NHSNumber: "9434765919", UPN: "K855400523017", PNC: "12/345G", LocalID: "la-123",
	})
}

// TestPersonPage checks what the person page shows: identity, identifiers
// (NHS number 3-3-4), addresses, phones and the sections still to come.
func TestPersonPage(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		p := fullPerson(t, e)
		prac := e.SignInRole(t, hub.RolePractitioner)
		res := e.Get(t, prac, "/persons/"+p.ID)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET person = %d", res.StatusCode)
		}
		d := parsePage(t, res)
		if got := textOf(d.Find("#person-name")); got != "Amelia Khan" {
			t.Errorf("heading = %q", got)
		}
		if got := textOf(d.Find(".govuk-caption-l")); got != "Child · Leicester" {
			t.Errorf("caption = %q", got)
		}
		if got := d.Find("title").Text(); got != "Amelia Khan – Safehub" {
			t.Errorf("title = %q", got)
		}
		if !strings.Contains(textOf(d.Find("main")), "Synthetic record") {
			t.Error("no synthetic tag")
		}
		identity := summaryRows(card(d, "Identity"))
		want := map[string]string{
			"Name":           "Amelia Khan",
			"Also known as":  "Millie (nickname)Mia Smith (previous)",
			"Date of birth":  "2 March 2011 — age 15",
			"Sex":            "female",
			"Gender":         "Girl",
			"Ethnicity":      "Asian British",
			"Language":       "English",
			"Record held by": e.Agencies[hub.AgencySocialCare].Name + " for Leicester",
		}
		if diff := cmp.Diff(want, identity); diff != "" {
			t.Errorf("identity (-want +got):\n%s", diff)
		}
		idWant := map[string]string{"NHS number": "943 476 5919", "Unique pupil number": "K855400523017", "PNC id": "12/0000345G", "Local authority id": "LA-123"}
		got := map[string]string{}
		d.Find("#identifiers .govuk-summary-list__row").Each(func(_ int, r *goquery.Selection) { got[textOf(r.Find("dt"))] = textOf(r.Find("dd")) })
		if diff := cmp.Diff(idWant, got); diff != "" {
			t.Errorf("identifiers (-want +got):\n%s", diff)
		}
		var addrs [][]string
		card(d, "Addresses").Find("tbody tr").Each(func(_ int, r *goquery.Selection) {
			var row []string
			r.Find("td").Each(func(_ int, c *goquery.Selection) { row = append(row, textOf(c)) })
			addrs = append(addrs, row)
		})
		addrWant := [][]string{
			{"1 High Street, Flat 2, Leicester LE1 5WW", "1 January 2020", "Current"},
			{"9 Old Road, Loughborough LE11 1AA", "1 January 2015", "31 December 2019"},
		}
		if diff := cmp.Diff(addrWant, addrs); diff != "" {
			t.Errorf("addresses (-want +got):\n%s", diff)
		}
		var phones []string
		card(d, "Phones").Find("li").Each(func(_ int, li *goquery.Selection) { phones = append(phones, textOf(li)) })
		phoneWant := []string{"07700 900123 (mobile, from 1 January 2021)", "0116 496 0123 (landline, from 1 May 2018 to 30 June 2020)"}
		if diff := cmp.Diff(phoneWant, phones); diff != "" {
			t.Errorf("phones (-want +got):\n%s", diff)
		}
		// Cases (issue 4) fills its own section: a child with none says so.
		if c := card(d, "Cases"); c.Length() != 1 || textOf(c.Find(".govuk-summary-card__content")) != "No cases." {
			t.Errorf("cases section: %d cards, content %q", c.Length(), textOf(c.Find(".govuk-summary-card__content")))
		}
		for _, title := range []string{"Health flags", "Links and associations"} {
			c := card(d, title)
			if c.Length() != 1 || textOf(c.Find(".govuk-summary-card__content")) != "Nothing recorded yet." {
				t.Errorf("placeholder %q: %d cards, content %q", title, c.Length(), textOf(c.Find(".govuk-summary-card__content")))
			}
		}
		if href, _ := d.Find(`a:contains("Change details")`).Attr("href"); href != "/persons/"+p.ID+"/edit" {
			t.Errorf("practitioner's change link = %q", href)
		}
		if d.Find(`a[href="/persons/`+p.ID+`/access"]`).Length() != 0 {
			t.Error("a practitioner is offered the access log")
		}

		// An analyst reads but may not change; a manager sees the access
		// log link.
		d = parsePage(t, e.Get(t, e.SignInRole(t, hub.RoleAnalyst), "/persons/"+p.ID))
		if d.Find(`a:contains("Change details")`).Length() != 0 {
			t.Error("an analyst is offered Change details")
		}
		d = parsePage(t, e.Get(t, e.SignInRole(t, hub.RoleManager), "/persons/"+p.ID))
		if d.Find(`a[href="/persons/`+p.ID+`/access"]`).Length() == 0 {
			t.Error("a manager is not offered the access log")
		}

		// A person with nothing but a name.
		bare := e.NewPerson(t, "856", app.PersonInput{FamilyName: "Nobody"})
		d = parsePage(t, e.Get(t, prac, "/persons/"+bare.ID))
		for title, msg := range map[string]string{"Identifiers": "No identifiers recorded.", "Addresses": "No addresses recorded.", "Phones": "No phones recorded."} {
			if got := textOf(card(d, title).Find(".govuk-summary-card__content")); got != msg {
				t.Errorf("%s of a bare record = %q, want %q", title, got, msg)
			}
		}
		if got := summaryRows(card(d, "Identity"))["Date of birth"]; got != "Not known" {
			t.Errorf("unknown date of birth shown as %q", got)
		}
	})
}

var personURL = regexp.MustCompile(`^/persons/[0-9a-f]{8}-[0-9a-f]{4}-[47][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// TestCreatePersonForm fills in the add-a-person form as rendered and
// follows the redirect to the new record.
func TestCreatePersonForm(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		c := e.SignInRole(t, hub.RolePractitioner)
		res := e.Get(t, c, "/persons/new")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET /persons/new = %d", res.StatusCode)
		}
		d := parsePage(t, res)
		form := d.Find(`main form[action="/persons"]`)
		if form.Length() != 1 {
			t.Fatal("no form posting to /persons")
		}
		var areas []string
		form.Find("#area-id option").Each(func(_ int, o *goquery.Selection) { areas = append(areas, textOf(o)) })
		if diff := cmp.Diff([]string{"Leicester"}, areas); diff != "" {
			t.Errorf("areas offered (-want +got):\n%s", diff)
		}
		if form.Find("#restricted").Length() != 0 {
			t.Error("a practitioner is offered the restricted box")
		}
		v := formValues(d, `main form[action="/persons"]`)
		for k, x := range map[string]string{
			"given_name": "Łukasz", "family_name": "O’Brien", "date_of_birth": "2012-07-15", "sex": "male", "language": "Polish",
			"nhs_number": "943-476-5919", "upn": "k855400523017", "pnc_id": "2012/345g", "local_id": "c-77",
			"aliases[0].given_name": "Luke", "aliases[0].kind": "nickname",
			"addresses[0].line1": "2 Low Street", "addresses[0].postcode": "le1  5ww", "addresses[0].from": "2022-02-02",
			"phones[0].number": "+44 7700 900456", "phones[0].from": "2023-03-03",
		} {
			if _, ok := v[k]; !ok {
				t.Fatalf("form has no field %s", k)
			}
			v.Set(k, x)
		}
		before := countsOf(t, e)
		res = e.PostForm(t, c, "/persons", v)
		if res.StatusCode != http.StatusSeeOther || !personURL.MatchString(res.Header.Get("Location")) {
			t.Fatalf("POST /persons = %d, Location %q; %.300s", res.StatusCode, res.Header.Get("Location"), res.Body)
		}
		if after := countsOf(t, e); after.Persons != before.Persons+1 || after.Audit != before.Audit+1 {
			t.Errorf("create changed counts from %+v to %+v", before, after)
		}
		id := strings.TrimPrefix(res.Header.Get("Location"), "/persons/")
		p := storedPerson(t, e, id)
		want := &hub.Person{ID: id, AreaID: e.Areas["856"].ID, OwnerAgencyID: e.Users[hub.RolePractitioner].AgencyID, GivenName: "Łukasz", FamilyName: "O’Brien",
			Aliases: []hub.Alias{{GivenName: "Luke", Kind: "nickname"}}, DateOfBirth: hub.Date{Year: 2012, Month: 7, Day: 15}, Sex: hub.SexMale, Language: "Polish",
			Addresses:   []hub.Address{{Line1: "2 Low Street", Postcode: "LE1 5WW", From: hub.Date{Year: 2022, Month: 2, Day: 2}}},
			Phones:      []hub.Phone{{Number: "+447700900456", Kind: "mobile", From: hub.Date{Year: 2023, Month: 3, Day: 3}}},
			Identifiers: []hub.Identifier{{Kind: hub.IdentLA, Value: "C-77"}, {Kind: hub.IdentNHS, Value: "9434765919"}, {Kind: hub.IdentPNC, Value: "12/0000345G"}, {Kind: hub.IdentUPN, Value: "K855400523017"}},
			Sensitivity: hub.SensitivityNormal, CreatedBy: e.Users[hub.RolePractitioner].ID, Version: 1}
		if diff := cmp.Diff(want, p, cmpopts.IgnoreFields(hub.Person{}, "CreatedAt", "UpdatedAt")); diff != "" {
			t.Errorf("stored person (-want +got):\n%s", diff)
		}
		d = parsePage(t, e.Get(t, c, res.Header.Get("Location")))
		if got := textOf(d.Find("#person-name")); got != "Łukasz O’Brien" {
			t.Errorf("new person's page heading = %q", got)
		}
	})
}

// TestRefusedForm checks that a refused form comes back as typed, with an
// error summary linking to the field, and that nothing was written.
func TestRefusedForm(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		c := e.SignInRole(t, hub.RolePractitioner)
		v := personForm(e.Areas["856"].ID)
		v.Set("nhs_number", "943 476 5918")
		v.Set("given_name", "  Zoë ")
		before := countsOf(t, e)
		res := e.PostForm(t, c, "/persons", v)
		if res.StatusCode != http.StatusBadRequest {
			t.Fatalf("POST /persons = %d, want 400", res.StatusCode)
		}
		if after := countsOf(t, e); after != before {
			t.Errorf("refused form changed counts from %+v to %+v", before, after)
		}
		d := parsePage(t, res)
		checkErrorSummary(t, d, "nhs-number", "NHS number the check digit is wrong")
		if got := textOf(d.Find("#nhs-number-error")); !strings.Contains(got, "the check digit is wrong") {
			t.Errorf("field error = %q", got)
		}
		if !d.Find("#nhs-number").HasClass("govuk-input--error") {
			t.Error("the NHS number input is not marked in error")
		}
		if got, _ := d.Find("main h1").Html(); got != "Add a person" {
			t.Errorf("heading = %q", got)
		}
		if a, _ := d.Find("main form").Attr("action"); a != "/persons" {
			t.Errorf("form action = %q", a)
		}
		// Every value comes back exactly as typed, not normalised.
		back := formValues(d, "main form")
		for k, want := range map[string]string{
			"nhs_number": "943 476 5918", "given_name": "  Zoë ", "family_name": "Khan", "date_of_birth": "2011-03-02",
			"sex": "female", "ethnicity": "Asian British", "upn": "K855400523017", "area_id": e.Areas["856"].ID,
			"aliases[0].given_name": "Millie", "aliases[0].kind": "nickname",
			"addresses[0].postcode": "le1 5ww", "addresses[0].line2": "Flat 2", "addresses[0].from": "2020-01-01",
			"phones[0].number": "07700 900123",
		} {
			if got := back.Get(k); got != want {
				t.Errorf("field %s came back as %q, want %q", k, got, want)
			}
		}
		// One blank row more than was filled in.
		if back.Get("aliases[1].given_name") != "" || !back.Has("aliases[1].given_name") || back.Has("aliases[2].given_name") {
			t.Errorf("alias rows: %v", back["aliases[1].given_name"])
		}
	})
}

// TestEditRoundTrip saves the edit form unchanged: the record keeps every
// value (nothing the form does not show is lost) and gains a version.
func TestEditRoundTrip(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		p := fullPerson(t, e)
		for _, role := range []hub.Role{hub.RolePractitioner, hub.RoleManager} {
			c := e.SignInRole(t, role)
			before := storedPerson(t, e, p.ID)
			d := parsePage(t, e.Get(t, c, "/persons/"+p.ID+"/edit"))
			sel := `main form[action="/persons/` + p.ID + `"]`
			if d.Find(sel).Length() != 1 {
				t.Fatalf("%s: no edit form", role)
			}
			v := formValues(d, sel)
			if v.Get("version") != strconv.Itoa(before.Version) {
				t.Errorf("%s: version field = %q, want %d", role, v.Get("version"), before.Version)
			}
			res := e.PostForm(t, c, "/persons/"+p.ID, v)
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/persons/"+p.ID {
				t.Fatalf("%s: save = %d %q; %.300s", role, res.StatusCode, res.Header.Get("Location"), res.Body)
			}
			after := storedPerson(t, e, p.ID)
			if after.Version != before.Version+1 {
				t.Errorf("%s: version %d after save, want %d", role, after.Version, before.Version+1)
			}
			if diff := cmp.Diff(before, after, cmpopts.IgnoreFields(hub.Person{}, "Version", "UpdatedAt")); diff != "" {
				t.Errorf("%s: an unchanged edit changed the record (-before +after):\n%s", role, diff)
			}
		}
	})
}

// TestEditStaleVersion checks that saving a form opened before someone
// else's change shows the conflict, keeps what was typed and changes
// nothing (security.md row 17).
func TestEditStaleVersion(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		p := fullPerson(t, e)
		c := e.SignInRole(t, hub.RolePractitioner)
		d := parsePage(t, e.Get(t, c, "/persons/"+p.ID+"/edit"))
		v := formValues(d, "main form")

		// Someone else saves first.
		in := app.PersonInput{AreaID: p.AreaID, GivenName: "Amelia", FamilyName: "Khan-Smith"}
		if _, err := e.App.UpdatePerson(bg, e.RoleActor(hub.RoleManager), p.ID, 1, in); err != nil {
			t.Fatal(err)
		}
		want := storedPerson(t, e, p.ID)

		v.Set("language", "Urdu")
		before := countsOf(t, e)
		res := e.PostForm(t, c, "/persons/"+p.ID, v)
		if res.StatusCode != http.StatusConflict {
			t.Fatalf("stale save = %d, want 409", res.StatusCode)
		}
		if after := countsOf(t, e); after != before {
			t.Errorf("stale save changed counts from %+v to %+v", before, after)
		}
		if diff := cmp.Diff(want, storedPerson(t, e, p.ID)); diff != "" {
			t.Errorf("stale save changed the record (-want +got):\n%s", diff)
		}
		d = parsePage(t, res)
		msg := textOf(d.Find(".govuk-error-summary__list li"))
		if !strings.Contains(msg, "changed by someone else since you opened it") {
			t.Errorf("conflict message = %q", msg)
		}
		back := formValues(d, "main form")
		if back.Get("language") != "Urdu" || back.Get("family_name") != "Khan" || back.Get("version") != "1" {
			t.Errorf("form came back with language %q family name %q version %q", back.Get("language"), back.Get("family_name"), back.Get("version"))
		}
		// A form with no version at all is refused too.
		res = e.PostForm(t, c, "/persons/"+p.ID, withValue(v, "version", ""))
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(res.Body, "reload the page") {
			t.Errorf("save without a version = %d", res.StatusCode)
		}
	})
}

// TestDemoBanner checks that the demo banner is on every page in demo mode
// (sign-in and error pages included) and on none otherwise.
func TestDemoBanner(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		for _, demo := range []bool{true, false} {
			e := apptest.New(t, engine, apptest.Options{Demo: demo})
			p := e.NewPerson(t, "856", app.PersonInput{GivenName: "Demo", FamilyName: "Child"})
			far := e.NewPerson(t, "857", app.PersonInput{GivenName: "Far", FamilyName: "Child"})
			anon := e.Client()
			prac := e.SignInRole(t, hub.RolePractitioner)
			get := func(c *http.Client, path string) func() *apptest.Response {
				return func() *apptest.Response { return e.Get(t, c, path) }
			}
			for _, tc := range []struct {
				name   string
				status int
				res    func() *apptest.Response
			}{
				{"sign-in", 200, get(anon, "/sign-in")},
				{"sign-in refused", 401, func() *apptest.Response {
					return e.PostForm(t, anon, "/sign-in", url.Values{"username": {"test.practitioner"}, "password": {"wrong password here"}})
				}},
				{"home", 200, get(prac, "/")},
				{"search", 200, get(prac, "/persons")},
				{"search results", 200, func() *apptest.Response { return e.PostForm(t, prac, "/persons/search", url.Values{"q": {"Child"}}) }},
				{"add form", 200, get(prac, "/persons/new")},
				{"person", 200, get(prac, "/persons/"+p.ID)},
				{"edit form", 200, get(prac, "/persons/"+p.ID+"/edit")},
				{"account", 200, get(prac, "/account")},
				{"not found", 404, get(prac, "/persons/"+hub.NewID())},
				{"not in area", 404, get(prac, "/persons/"+far.ID)},
				{"malformed id", 400, get(prac, "/persons/123")},
				{"forbidden", 403, get(prac, "/admin/users")},
				{"refused form", 400, func() *apptest.Response {
					return e.PostForm(t, prac, "/persons", withValue(personForm(e.Areas["856"].ID), "date_of_birth", "2099-01-01"))
				}},
				{"cross-site post", 403, func() *apptest.Response {
					req, _ := http.NewRequest(http.MethodPost, e.TS.URL+"/persons", strings.NewReader("given_name=x"))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					req.Header.Set("Sec-Fetch-Site", "cross-site")
					return e.Do(t, prac, req)
				}},
			} {
				res := tc.res()
				if res.StatusCode != tc.status {
					t.Errorf("demo=%v %s: status %d, want %d", demo, tc.name, res.StatusCode, tc.status)
					continue
				}
				d := parsePage(t, res)
				n := d.Find("#demo-banner").Length()
				switch {
				case demo && n != 1:
					t.Errorf("demo %s: %d banners, want 1", tc.name, n)
				case demo && !strings.Contains(textOf(d.Find("#demo-banner")), "DEMO"):
					t.Errorf("demo %s: banner says %q", tc.name, textOf(d.Find("#demo-banner")))
				case !demo && (n != 0 || strings.Contains(res.Body, "DEMO")):
					t.Errorf("production %s: %d banners", tc.name, n)
				}
			}
		}
	})
}
