package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/safehub/safehub/internal/apptest"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
)

var bg = context.Background()

// parsePage parses an HTML response, checking that it is HTML.
func parsePage(t testing.TB, res *apptest.Response) *goquery.Document {
	t.Helper()
	if ct := res.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Fatalf("Content-Type = %q, want text/html; body %.200s", ct, res.Body)
	}
	d, err := goquery.NewDocumentFromReader(strings.NewReader(res.Body))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// textOf is the trimmed text of the selection, with runs of white space
// collapsed.
func textOf(s *goquery.Selection) string { return strings.Join(strings.Fields(s.Text()), " ") }

// postRaw sends a raw form body as a same-origin browser would.
func postRaw(t testing.TB, e *apptest.Env, c *http.Client, path, contentType, body string) *apptest.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.TS.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Origin", e.TS.URL)
	return e.Do(t, c, req)
}

// counts is what a refused request must leave unchanged.
type counts struct {
	Persons int
	Audit   int64
}

func countsOf(t testing.TB, e *apptest.Env) counts {
	t.Helper()
	var c counts
	err := e.Store.Read(bg, func(tx *store.Tx) error {
		var err error
		if c.Persons, err = tx.CountPersons(); err != nil {
			return err
		}
		c.Audit, err = tx.AuditSize()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newestEvent(t testing.TB, e *apptest.Env) *hub.AuditEvent {
	t.Helper()
	var out []*hub.AuditEvent
	err := e.Store.Read(bg, func(tx *store.Tx) error {
		var err error
		out, err = tx.FindAuditEvents(store.AuditFilter{Limit: 1})
		return err
	})
	if err != nil || len(out) != 1 {
		t.Fatalf("newest audit event: %v", err)
	}
	return out[0]
}

func storedPerson(t testing.TB, e *apptest.Env, id string) *hub.Person {
	t.Helper()
	var p *hub.Person
	if err := e.Store.Read(bg, func(tx *store.Tx) (err error) { p, err = tx.Person(id); return err }); err != nil {
		t.Fatal(err)
	}
	return p
}

// personForm is a valid add-a-person form in area, as the form sends it
// (with the blank extra rows the form always offers).
func personForm(area string) url.Values {
	return url.Values{
		"version": {"0"}, "area_id": {area},
		"given_name": {"Amelia"}, "family_name": {"Khan"}, "date_of_birth": {"2011-03-02"}, "sex": {"female"},
		"gender": {""}, "ethnicity": {"Asian British"}, "language": {"English"},
		"nhs_number": {"943 476 5919"}, "upn": {"K855400523017"}, "pnc_id": {""}, "local_id": {""},
		"aliases[0].given_name": {"Millie"}, "aliases[0].family_name": {""}, "aliases[0].kind": {"nickname"},
		"aliases[1].given_name": {""}, "aliases[1].family_name": {""}, "aliases[1].kind": {"alias"},
		"addresses[0].line1": {"1 High Street"}, "addresses[0].line2": {"Flat 2"}, "addresses[0].town": {"Leicester"},
		"addresses[0].postcode": {"le1 5ww"}, "addresses[0].from": {"2020-01-01"}, "addresses[0].to": {""},
		"addresses[1].line1": {""}, "addresses[1].line2": {""}, "addresses[1].town": {""}, "addresses[1].postcode": {""}, "addresses[1].from": {""}, "addresses[1].to": {""},
		"phones[0].number": {"07700 900123"}, "phones[0].kind": {""}, "phones[0].from": {""}, "phones[0].to": {""},
		"phones[1].number": {""}, "phones[1].kind": {""}, "phones[1].from": {""}, "phones[1].to": {""},
	}
}

// withValue returns a copy of v with key set to value.
func withValue(v url.Values, key, value string) url.Values {
	c := url.Values{}
	for k, vs := range v {
		c[k] = append([]string(nil), vs...)
	}
	c.Set(key, value)
	return c
}

// formValues reads a rendered form back into the values a browser would
// submit: text inputs, hidden inputs, selected options and ticked boxes.
func formValues(d *goquery.Document, sel string) url.Values {
	v := url.Values{}
	form := d.Find(sel)
	form.Find("input").Each(func(_ int, in *goquery.Selection) {
		name, _ := in.Attr("name")
		typ, _ := in.Attr("type")
		val, _ := in.Attr("value")
		switch typ {
		case "checkbox", "radio":
			if _, on := in.Attr("checked"); on {
				v.Add(name, val)
			}
		default:
			v.Add(name, val)
		}
	})
	form.Find("select").Each(func(_ int, s *goquery.Selection) {
		name, _ := s.Attr("name")
		opt := s.Find("option[selected]").First()
		if opt.Length() == 0 {
			opt = s.Find("option").First()
		}
		val, _ := opt.Attr("value")
		v.Add(name, val)
	})
	form.Find("textarea").Each(func(_ int, s *goquery.Selection) {
		name, _ := s.Attr("name")
		v.Add(name, s.Text())
	})
	return v
}

// checkErrorSummary checks that the page's error summary links to field's
// input (by id) and says why, and that the input exists.
func checkErrorSummary(t testing.TB, d *goquery.Document, fieldID, why string) {
	t.Helper()
	sum := d.Find(".govuk-error-summary")
	if sum.Length() != 1 {
		t.Fatalf("error summary missing")
	}
	link := sum.Find(`a[href="#` + fieldID + `"]`)
	if link.Length() != 1 {
		var hrefs []string
		sum.Find("a").Each(func(_ int, a *goquery.Selection) { h, _ := a.Attr("href"); hrefs = append(hrefs, h+" "+textOf(a)) })
		t.Fatalf("error summary has no link to #%s; links: %q", fieldID, hrefs)
	}
	if !strings.Contains(textOf(link), why) {
		t.Errorf("error summary says %q, want it to say %q", textOf(link), why)
	}
	if d.Find("#"+fieldID).Length() != 1 {
		t.Errorf("the error summary links to #%s, which is not on the page", fieldID)
	}
	if !strings.HasPrefix(d.Find("title").Text(), "Error: ") {
		t.Errorf("title = %q, want it to start with Error:", d.Find("title").Text())
	}
}
