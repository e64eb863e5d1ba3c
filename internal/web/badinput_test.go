package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/go-cmp/cmp"

	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/apptest"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store/storetest"
)

// formCase is one refused person form (security.md §(d)).
type formCase struct {
	name    string
	set     map[string]string // form fields to change
	field   string            // the id the error summary links to
	why     string            // part of the summary's sentence
	select_ bool              // the field is a select (no value attribute)
	// noInline: the field has no message of its own beside it (the alias
	// and phone kind lists, which only a tampered form gets wrong).
	noInline bool
}

func formCases(other string) []formCase {
	c := func(name, key, value, field, why string) formCase {
		return formCase{name: name, set: map[string]string{key: value}, field: field, why: why}
	}
	return []formCase{
		c("NHS check digit", "nhs_number", "9434765918", "nhs-number", "NHS number the check digit is wrong"),
		c("NHS full-width", "nhs_number", "９４３４７６５９１９", "nhs-number", "NHS number must be written with the ordinary digits 0 to 9"),
		c("NHS zeros", "nhs_number", "0000000000", "nhs-number", "same digit repeated"),
		c("NHS letters", "nhs_number", "94347G5919", "nhs-number", "may contain only digits"),
		c("NHS nine digits", "nhs_number", "943 476 591", "nhs-number", "has only 9 digits"),
		c("UPN check letter", "upn", "K855400523018", "upn", "Unique pupil number the check letter is wrong"),
		c("PNC check letter", "pnc_id", "12/345H", "pnc-id", "PNC id the check letter is wrong"),
		c("local id", "local_id", "LA 123!", "local-id", "Local authority id may contain only"),
		c("phone", "phones[0].number", "123", "phones-0-number", "Phone 1 number has too few digits"),
		c("phone letters", "phones[0].number", "07700 9OO123", "phones-0-number", "may contain only digits"),
		c("phone date", "phones[0].from", "2024-02-30", "phones-0-from", "Phone 1 from 2024-02-30 is not a real date"),
		{name: "phone kind", set: map[string]string{"phones[0].kind": "pager"}, field: "phones-0-kind", why: "Phone 1 kind must be mobile, landline or other", select_: true, noInline: true},
		c("postcode", "addresses[0].postcode", "LE1 5WC", "addresses-0-postcode", "Address 1 postcode cannot end in C"),
		c("postcode short", "addresses[0].postcode", "LE1", "addresses-0-postcode", "must be a full UK postcode"),
		c("address date UK order", "addresses[0].from", "31/01/2020", "addresses-0-from", "Address 1 from must be a date written YYYY-MM-DD"),
		c("address ends before it starts", "addresses[0].to", "2019-01-01", "addresses-0-to", "Address 1 to is before the date the address started"),
		{name: "address with only a town", set: map[string]string{"addresses[0].line1": "", "addresses[0].line2": "", "addresses[0].postcode": ""}, field: "addresses-0-line1", why: "Address 1 line1 is needed when there is no postcode"},
		c("town with RLO", "addresses[0].town", "Leic\u202eester", "addresses-0-town", "control or text-direction"),
		c("line 1 too long", "addresses[0].line1", strings.Repeat("x", 201), "addresses-0-line1", "at most 200 characters"),
		c("DOB tomorrow", "date_of_birth", "2026-11-28", "date-of-birth", "Date of birth is in the future"),
		c("DOB 1899", "date_of_birth", "1899-12-31", "date-of-birth", "Date of birth is before 1900"),
		c("DOB 2023-02-29", "date_of_birth", "2023-02-29", "date-of-birth", "Date of birth 2023-02-29 is not a real date"),
		c("DOB 2024-04-31", "date_of_birth", "2024-04-31", "date-of-birth", "2024-04-31 is not a real date"),
		c("DOB UK slashes", "date_of_birth", "31/04/2024", "date-of-birth", "must be a date written YYYY-MM-DD"),
		c("DOB US slashes", "date_of_birth", "04/05/2024", "date-of-birth", "must be a date written YYYY-MM-DD"),
		c("DOB two-digit year", "date_of_birth", "24-05-04", "date-of-birth", "must be a date written YYYY-MM-DD"),
		c("DOB with time zone", "date_of_birth", "2024-05-04T00:00:00+01:00", "date-of-birth", "must be a date written YYYY-MM-DD"),
		c("given name NUL", "given_name", "Ann\x00e", "given-name", "Given name contains a NUL character"),
		c("given name RLO", "given_name", "\u202eevil", "given-name", "Given name contains the invisible text-direction control U+202E"),
		c("family name ZWSP", "family_name", "Kh\u200ban", "family-name", "Family name contains the invisible zero-width character U+200B"),
		c("alias RLO", "aliases[0].given_name", "Mil\u202elie", "aliases-0-given-name", "Other name 1 given name contains"),
		{name: "alias kind", set: map[string]string{"aliases[0].kind": "gang"}, field: "aliases-0-kind", why: "Other name 1 kind must be one of", select_: true, noInline: true},
		c("name of digits", "family_name", "12345", "family-name", "must contain at least one letter"),
		{name: "no name", set: map[string]string{"given_name": " ", "family_name": ""}, field: "family-name", why: "a given name or a family name is required"},
		{name: "sex", set: map[string]string{"sex": "X"}, field: "sex", why: "Sex must be female, male, indeterminate", select_: true},
		c("gender too long", "gender", strings.Repeat("g", 101), "gender", "Gender must be at most 100 characters"),
		c("language control", "language", "Eng\x07lish", "language", "control or text-direction"),
		{name: "another area", set: map[string]string{"area_id": other}, field: "area-id", why: "your own areas", select_: true},
	}
}

// TestFormBadInput sends each refused form to add and to change a person,
// and checks the status, the error summary's link and sentence, the value
// coming back as typed, and that nothing was written.
func TestFormBadInput(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		c := e.SignInRole(t, hub.RolePractitioner)
		p := e.NewPerson(t, "856", app.PersonInput{GivenName: "Existing", FamilyName: "Person"})
		base := personForm(e.Areas["856"].ID)
		for _, tc := range formCases(e.Areas["857"].ID) {
			for _, path := range []string{"/persons", "/persons/" + p.ID} {
				t.Run(tc.name+" "+path[:min(len(path), 12)], func(t *testing.T) {
					v := base
					if path != "/persons" {
						v = withValue(v, "version", "1")
					}
					for k, x := range tc.set {
						v = withValue(v, k, x)
					}
					before := countsOf(t, e)
					res := e.PostForm(t, c, path, v)
					if res.StatusCode != http.StatusBadRequest {
						t.Fatalf("status = %d, want 400", res.StatusCode)
					}
					d := parsePage(t, res)
					checkErrorSummary(t, d, tc.field, tc.why)
					if !tc.noInline && d.Find("#"+tc.field+"-error").Length() != 1 {
						t.Errorf("no error message beside #%s", tc.field)
					}
					if !tc.select_ {
						for k, x := range tc.set {
							if x == "" {
								continue
							}
							got, _ := d.Find(`main form [name="` + k + `"]`).Attr("value")
							if want := strings.ReplaceAll(x, "\x00", "\ufffd"); got != want {
								t.Errorf("%s came back as %q, want %q as typed", k, got, want)
							}
						}
					}
					if after := countsOf(t, e); after != before {
						t.Errorf("refused form changed counts from %+v to %+v", before, after)
					}
					if s := storedPerson(t, e, p.ID); s.Version != 1 || s.GivenName != "Existing" {
						t.Errorf("refused form changed the person: version %d, %q", s.Version, s.GivenName)
					}
				})
			}
		}

		// A duplicate identifier: a conflict whose summary links to the
		// identifier's input.
		if res := e.PostForm(t, c, "/persons", base); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("first create = %d", res.StatusCode)
		}
		before := countsOf(t, e)
		res := e.PostForm(t, c, "/persons", withValue(withValue(base, "upn", ""), "given_name", "Other"))
		if res.StatusCode != http.StatusConflict {
			t.Fatalf("duplicate NHS number = %d, want 409", res.StatusCode)
		}
		checkErrorSummary(t, parsePage(t, res), "nhs-number", "NHS number another person record already has this NHS number")
		if after := countsOf(t, e); after != before {
			t.Errorf("duplicate changed counts from %+v to %+v", before, after)
		}
	})
}

// TestFormRefusals checks the form parser's refusals: repeated parameters,
// the wrong content type and an oversized form.
func TestFormRefusals(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		c := e.SignInRole(t, hub.RolePractitioner)
		p := e.NewPerson(t, "857", app.PersonInput{GivenName: "Far", FamilyName: "Away"})
		own := e.NewPerson(t, "856", app.PersonInput{GivenName: "Own", FamilyName: "Area"})
		fv := personForm(e.Areas["856"].ID)
		fv.Del("version")
		form := fv.Encode()
		const ctForm = "application/x-www-form-urlencoded"
		for _, tc := range []struct {
			name, path, ct, body string
			status               int
			why                  string
		}{
			{"repeated given name", "/persons", ctForm, form + "&given_name=Mallory", 400, "Given name was given more than once"},
			{"repeated area", "/persons", ctForm, "area_id=x&" + form, 400, "Area was given more than once"},
			{"repeated alias", "/persons", ctForm, form + "&aliases%5B0%5D.given_name=Mallory", 400, "Other name 1 given name was given more than once"},
			{"repeated on update", "/persons/" + own.ID, ctForm, "version=1&" + form + "&nhs_number=9434765919", 400, "NHS number was given more than once"},
			{"repeated version", "/persons/" + own.ID, ctForm, "version=1&version=2&" + form, 400, "Version was given more than once"},
			{"repeated search", "/persons/search", ctForm, "q=Khan&q=Smith", 400, "Search was given more than once"},
			{"repeated reason", "/persons/" + p.ID + "/break-glass", ctForm, "reason=child+missing+tonight&reason=x", 400, "The reason was given more than once"},
			{"multipart", "/persons", "multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"given_name\"\r\n\r\nA\r\n--x--\r\n", 400, "application/x-www-form-urlencoded"},
			{"JSON", "/persons", "application/json", `{"given_name":"A"}`, 400, "application/x-www-form-urlencoded"},
			{"no content type", "/persons", "", form, 400, "application/x-www-form-urlencoded"},
			{"over 1 MiB", "/persons", ctForm, form + "&gender=" + strings.Repeat("x", 1<<20), 413, "The form is too large"},
			{"bad escape", "/persons", ctForm, "given_name=%zz&" + form, 400, "The form could not be read"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := countsOf(t, e)
				res := postRaw(t, e, c, tc.path, tc.ct, tc.body)
				if res.StatusCode != tc.status {
					t.Fatalf("status = %d, want %d", res.StatusCode, tc.status)
				}
				d := parsePage(t, res)
				if got := textOf(d.Find("main")); !strings.Contains(got, tc.why) {
					t.Errorf("page says %q, want %q", got, tc.why)
				}
				if after := countsOf(t, e); after != before {
					t.Errorf("refused form changed counts from %+v to %+v", before, after)
				}
			})
		}
		if s := storedPerson(t, e, own.ID); s.Version != 1 {
			t.Errorf("person changed by refused forms: version %d", s.Version)
		}
		// Signing in with a repeated username is refused the same way.
		res := postRaw(t, e, e.Client(), "/sign-in", ctForm, "username=test.manager&username=test.practitioner&password="+url.QueryEscape(apptest.Password))
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(textOf(parsePage(t, res).Find("main")), "Username was given more than once") {
			t.Errorf("repeated username at sign-in = %d", res.StatusCode)
		}
	})
}

// safePage checks that nothing in d came from markup in the data: only the
// layout's one script, no images, SVG, frames or event-handler attributes,
// no javascript: URLs. textareas counts the text areas the page has of its
// own.
func safePage(t testing.TB, d *goquery.Document, textareas int) {
	t.Helper()
	scripts := d.Find("script")
	if scripts.Length() != 1 {
		t.Errorf("%d script elements, want the layout's 1", scripts.Length())
	}
	if src, _ := scripts.First().Attr("src"); !strings.HasPrefix(src, "/static/") {
		t.Errorf("script src = %q", src)
	}
	for _, tag := range []string{"img", "svg", "iframe", "object", "embed", "style", "base", "meta[http-equiv]"} {
		if n := d.Find(tag).Length(); n != 0 {
			t.Errorf("%d %s elements", n, tag)
		}
	}
	if n := d.Find("textarea").Length(); n != textareas {
		t.Errorf("%d textarea elements, want %d", n, textareas)
	}
	d.Find("*").Each(func(_ int, s *goquery.Selection) {
		for _, a := range s.Nodes[0].Attr {
			if strings.HasPrefix(strings.ToLower(a.Key), "on") {
				t.Errorf("<%s> has event handler %s=%q", goquery.NodeName(s), a.Key, a.Val)
			}
			if (a.Key == "href" || a.Key == "src" || a.Key == "action") && strings.HasPrefix(strings.ToLower(strings.TrimSpace(a.Val)), "javascript:") {
				t.Errorf("<%s %s=%q>", goquery.NodeName(s), a.Key, a.Val)
			}
		}
	})
}

// TestXSSRendered stores each payload in every free-text field and checks
// every page that shows them: the text reads back as the payload and no
// element came from it (SEC-28).
func TestXSSRendered(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		mgr := e.SignInRole(t, hub.RoleManager)
		aud := e.SignInRole(t, hub.RoleAuditor)
		rutland := e.NewUser(t, "rutland.practitioner", hub.AgencySocialCare, []hub.Role{hub.RolePractitioner}, "857")
		payloads := []string{
			`<script>alert(1)</script>`,
			`"><img src=x onerror=alert(1)>`,
			`<svg/onload=alert(1)>`,
			`{{.}}`,
			`</textarea><script>`,
			`javascript:alert(1)`,
			`'><iframe src=javascript:alert(1)>`,
		}
		for i, x := range payloads {
			t.Run(x, func(t *testing.T) {
				name := x
				if _, err := app.NormalizePerson(app.PersonInput{GivenName: x}, e.App.Today()); err != nil {
					// Names need a letter: "{{.}}" is refused there.
					if x != "{{.}}" || hub.ErrorField(err) != "given_name" {
						t.Fatalf("name %q refused: %v", x, err)
					}
					name = "Safe"
				}
				dob := fmt.Sprintf("2010-01-%02d", i+1)
				p := e.NewPerson(t, "856", app.PersonInput{
					GivenName: name, FamilyName: name, DateOfBirth: dob, Gender: x, Ethnicity: x, Language: x,
					Aliases:   []app.AliasInput{{GivenName: name, FamilyName: name, Kind: "street"}},
					Addresses: []app.AddressInput{{Line1: x, Line2: x, Town: x, Postcode: "LE1 5WW"}},
				})
				stored := storedPerson(t, e, p.ID)
				if stored.Gender != x || stored.Addresses[0].Line1 != x || stored.GivenName != name {
					t.Fatalf("not stored literally: %q %q %q", stored.Gender, stored.Addresses[0].Line1, stored.GivenName)
				}
				reason := x + " child missing, urgent"
				if err := e.App.OpenByBreakingGlass(bg, e.Actor(rutland), p.ID, reason); err != nil {
					t.Fatal(err)
				}

				// The person page.
				res := e.Get(t, mgr, "/persons/"+p.ID)
				if strings.Contains(x, "<") && strings.Contains(res.Body, x) {
					t.Errorf("person page holds the raw payload")
				}
				d := parsePage(t, res)
				safePage(t, d, 0)
				if got := textOf(d.Find("#person-name")); got != name+" "+name {
					t.Errorf("heading = %q", got)
				}
				if got := d.Find("title").Text(); got != name+" "+name+" – Safehub" {
					t.Errorf("title = %q", got)
				}
				rows := summaryRows(card(d, "Identity"))
				for _, k := range []string{"Gender", "Ethnicity", "Language"} {
					if rows[k] != x {
						t.Errorf("%s shown as %q", k, rows[k])
					}
				}
				if got := textOf(card(d, "Identity").Find("li")); got != name+" "+name+" (street)" {
					t.Errorf("alias shown as %q", got)
				}
				if got := textOf(card(d, "Addresses").Find("tbody td").First()); got != x+", "+x+", "+x+" LE1 5WW" {
					t.Errorf("address shown as %q", got)
				}

				// The search results, found by date of birth.
				res = e.PostForm(t, mgr, "/persons/search", url.Values{"q": {""}, "dob": {dob}})
				d = parsePage(t, res)
				safePage(t, d, 0)
				link := d.Find(`#results a[href="/persons/` + p.ID + `"]`)
				if got := textOf(link); got != name+", "+name {
					t.Errorf("search result shown as %q", got)
				}
				if got := textOf(link.Parent().Find("span.govuk-body-s")); got != "also "+name+" "+name {
					t.Errorf("alias in results shown as %q", got)
				}

				// The edit form: every value attribute holds the payload.
				d = parsePage(t, e.Get(t, mgr, "/persons/"+p.ID+"/edit"))
				safePage(t, d, 0)
				v := formValues(d, "main form")
				for k, want := range map[string]string{
					"given_name": name, "family_name": name, "gender": x, "ethnicity": x, "language": x,
					"aliases[0].given_name": name, "aliases[0].family_name": name,
					"addresses[0].line1": x, "addresses[0].line2": x, "addresses[0].town": x,
				} {
					if v.Get(k) != want {
						t.Errorf("edit form %s = %q, want %q", k, v.Get(k), want)
					}
				}
				// Saving it unchanged keeps the payload literally.
				if res := e.PostForm(t, mgr, "/persons/"+p.ID, v); res.StatusCode != http.StatusSeeOther {
					t.Fatalf("save = %d", res.StatusCode)
				}
				if s := storedPerson(t, e, p.ID); s.Gender != x || s.Addresses[0].Town != x {
					t.Errorf("after a save: %q %q", s.Gender, s.Addresses[0].Town)
				}

				// The access log, where the break-glass reason is shown.
				d = parsePage(t, e.Get(t, aud, "/persons/"+p.ID+"/access"))
				safePage(t, d, 0)
				var reasons []string
				d.Find("#access-log tbody tr").Each(func(_ int, r *goquery.Selection) {
					if s := textOf(r.Find("td").Last()); s != "" {
						reasons = append(reasons, s)
					}
				})
				if diff := cmp.Diff([]string{reason}, reasons); diff != "" {
					t.Errorf("access log reasons (-want +got):\n%s", diff)
				}

				// And the break-glass reader's view of the record.
				d = parsePage(t, e.Get(t, e.SignIn(t, rutland), "/persons/"+p.ID))
				safePage(t, d, 0)
				if got := textOf(d.Find("#person-name")); got != name+" "+name {
					t.Errorf("break-glass heading = %q", got)
				}
			})
		}
	})
}

// TestSQLInjectionWebSearch sends the SQL-injection corpus through the
// search form (SEC-29): no 500, no more rows than an honest search, no
// database text on the page.
func TestSQLInjectionWebSearch(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		c := e.SignInRole(t, hub.RolePractitioner)
		for _, n := range []string{"Amelia", "Amir", "Adam"} {
			e.NewPerson(t, "856", app.PersonInput{GivenName: n, FamilyName: "Khan"})
		}
		e.NewPerson(t, "856", app.PersonInput{GivenName: "Hidden", FamilyName: "Khan", Restricted: true})
		e.NewPerson(t, "857", app.PersonInput{GivenName: "Elsewhere", FamilyName: "Khan"})
		rows := func(d *goquery.Document) int { return d.Find("#results tbody tr").Length() }
		search := func(q string) (*apptest.Response, *goquery.Document) {
			res := e.PostForm(t, c, "/persons/search", url.Values{"q": {q}, "dob": {""}})
			return res, parsePage(t, res)
		}
		_, d := search("Khan")
		honest := rows(d)
		if honest != 3 || !strings.HasPrefix(textOf(d.Find("#result-count")), "3 people found by name") {
			t.Fatalf("honest search: %d rows, %q", honest, textOf(d.Find("#result-count")))
		}
		persons := countsOf(t, e).Persons
		for _, tc := range []struct {
			q    string
			want int // rows; -1 for a refusal
		}{
			{`' OR '1'='1`, 0},
			{`Khan' OR '1'='1`, 0},
			{`Khan' --`, 3},
			{`1; DROP TABLE persons;--`, 0},
			{`'; DROP TABLE person_names; --`, 0},
			{`') UNION SELECT id, given_name FROM persons --`, 0},
			{`%' --`, -1},
			{`%`, -1},
			{`_`, -1},
			{`Kh%`, 3},
			{`K_an`, 0},
			{`" OR 1=1 --`, 0},
		} {
			t.Run(tc.q, func(t *testing.T) {
				res, d := search(tc.q)
				for _, bad := range []string{"sql", "sqlite", "sqlstate", "syntax", "pq:", "pgx", "postgres", "relation"} {
					if strings.Contains(strings.ToLower(textOf(d.Find("main"))), bad) {
						t.Errorf("page mentions %q", bad)
					}
				}
				if got, _ := d.Find("#q").Attr("value"); got != tc.q {
					t.Errorf("search box came back as %q", got)
				}
				if tc.want < 0 {
					if res.StatusCode != http.StatusBadRequest {
						t.Fatalf("status = %d, want 400", res.StatusCode)
					}
					checkErrorSummary(t, d, "q", "Search give a name")
					return
				}
				if res.StatusCode != http.StatusOK {
					t.Fatalf("status = %d, want 200", res.StatusCode)
				}
				if n := rows(d); n != tc.want || n > honest {
					t.Errorf("%d rows, want %d (honest search %d)", n, tc.want, honest)
				}
			})
		}
		if got := countsOf(t, e).Persons; got != persons {
			t.Errorf("persons = %d after the corpus, want %d", got, persons)
		}
		if _, d := search("Khan"); rows(d) != honest {
			t.Errorf("honest search after the corpus = %d rows", rows(d))
		}
	})
}

// TestMalformedIDsWeb checks ids in page URLs: malformed → 400, unknown or
// out of scope → the same 404, never 500 (security.md row 18, SEC-22).
func TestMalformedIDsWeb(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		c := e.SignInRole(t, hub.RolePractitioner)
		far := e.NewPerson(t, "857", app.PersonInput{GivenName: "Far", FamilyName: "Away"})
		missing := hub.NewID()
		bad := []string{"123", "99999999999999999999", "-1", strings.ToUpper(hub.NewID()), hub.NewID() + "0", "%27%20OR%201=1", "%00"}
		before := countsOf(t, e).Persons
		for _, id := range bad {
			for _, rt := range []struct{ method, suffix string }{{"GET", ""}, {"GET", "/edit"}, {"GET", "/access"}, {"POST", ""}, {"POST", "/break-glass"}} {
				t.Run(rt.method+" "+id+rt.suffix, func(t *testing.T) {
					var res *apptest.Response
					if rt.method == "GET" {
						res = e.Get(t, c, "/persons/"+id+rt.suffix)
					} else {
						res = e.PostForm(t, c, "/persons/"+id+rt.suffix, withValue(personForm(e.Areas["856"].ID), "version", "1"))
					}
					if res.StatusCode != http.StatusBadRequest {
						t.Fatalf("status = %d, want 400", res.StatusCode)
					}
					d := parsePage(t, res)
					if got := textOf(d.Find("main h1")); got != "There is a problem" {
						t.Errorf("heading = %q", got)
					}
					if got := textOf(d.Find("main p.govuk-body").First()); got != "Id is not a record identifier" {
						t.Errorf("message = %q", got)
					}
				})
			}
		}
		// Missing and out-of-area records look the same: a 404 offering
		// break-glass for the id asked for, whatever it is.
		var pages []string
		for _, id := range []string{missing, far.ID} {
			res := e.Get(t, c, "/persons/"+id)
			if res.StatusCode != http.StatusNotFound {
				t.Fatalf("GET /persons/%s = %d, want 404", id, res.StatusCode)
			}
			d := parsePage(t, res)
			action, _ := d.Find("main form").Attr("action")
			if action != "/persons/"+id+"/break-glass" {
				t.Errorf("break-glass form action = %q", action)
			}
			pages = append(pages, strings.NewReplacer(id, "ID", textOf(d.Find("#request-id")), "REQ").Replace(textOf(d.Find("main"))))
		}
		if pages[0] != pages[1] {
			t.Errorf("a missing record's page differs from an out-of-area one's:\n%s\n%s", pages[0], pages[1])
		}
		for _, path := range []string{"/persons/" + far.ID + "/edit", "/persons/" + missing + "/edit", "/persons/" + far.ID + "/access"} {
			if res := e.Get(t, c, path); res.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s = %d, want 404", path, res.StatusCode)
			}
		}
		res := e.PostForm(t, c, "/persons/"+far.ID, withValue(personForm(e.Areas["856"].ID), "version", "1"))
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("POST to an out-of-area person = %d, want 404", res.StatusCode)
		}
		if s := storedPerson(t, e, far.ID); s.Version != 1 {
			t.Errorf("out-of-area person changed")
		}
		// Path tricks are cleaned and redirected by the router, never served.
		for _, p := range []string{"/persons/../admin/users", "/persons/./" + far.ID, "//persons/" + far.ID} {
			res := e.Get(t, c, p)
			if res.StatusCode == http.StatusOK || res.StatusCode >= 500 {
				t.Errorf("GET %s = %d", p, res.StatusCode)
			}
		}
		if got := countsOf(t, e).Persons; got != before {
			t.Errorf("persons changed from %d to %d", before, got)
		}
	})
}

// TestFormAcceptedNames checks that real names are accepted through the
// form and stored in NFC (security.md row 6).
func TestFormAcceptedNames(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		c := e.SignInRole(t, hub.RolePractitioner)
		base := withValue(withValue(personForm(e.Areas["856"].ID), "nhs_number", ""), "upn", "")
		for _, tc := range []struct{ given, family, wantGiven, wantFamily string }{
			{"Siobhán", "O'Brien", "Siobhán", "O'Brien"},
			{"Seán", "O’Brien", "Seán", "O’Brien"},
			{"Mary-Jane", "Smith-Jones", "Mary-Jane", "Smith-Jones"},
			{"Zoe\u0308", "Łukasz", "Zoë", "Łukasz"},
			{"محمد", "علي", "محمد", "علي"},
			{"伟", "张", "伟", "张"},
			{"A", "", "A", ""},
			{"", "Khan", "", "Khan"},
		} {
			t.Run(tc.given+" "+tc.family, func(t *testing.T) {
				before := countsOf(t, e)
				res := e.PostForm(t, c, "/persons", withValue(withValue(base, "given_name", tc.given), "family_name", tc.family))
				if res.StatusCode != http.StatusSeeOther {
					t.Fatalf("POST /persons = %d", res.StatusCode)
				}
				if after := countsOf(t, e); after.Persons != before.Persons+1 {
					t.Errorf("persons %d → %d", before.Persons, after.Persons)
				}
				p := storedPerson(t, e, strings.TrimPrefix(res.Header.Get("Location"), "/persons/"))
				if p.GivenName != tc.wantGiven || p.FamilyName != tc.wantFamily {
					t.Errorf("stored %q %q, want %q %q", p.GivenName, p.FamilyName, tc.wantGiven, tc.wantFamily)
				}
				d := parsePage(t, e.Get(t, c, res.Header.Get("Location")))
				if got := textOf(d.Find("#person-name")); got != strings.TrimSpace(tc.wantGiven+" "+tc.wantFamily) {
					t.Errorf("heading = %q", got)
				}
			})
		}
	})
}
