package web_test

import (
	"bytes"
	"fmt"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/apptest"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
	"github.com/safehub/safehub/internal/store/storetest"
)

// webCaseCounts is what a refused case form must leave unchanged.
type webCaseCounts struct {
	Cases, Actions, Notes, Attachments int
	Audit                              int64
}

func webCaseCountsOf(t testing.TB, e *apptest.Env) webCaseCounts {
	t.Helper()
	var c webCaseCounts
	err := e.Store.Read(bg, func(tx *store.Tx) error {
		var err error
		if c.Cases, err = tx.CountCases(); err != nil {
			return err
		}
		if c.Actions, err = tx.CountPlanActions(); err != nil {
			return err
		}
		if c.Notes, err = tx.CountNotes(); err != nil {
			return err
		}
		if c.Attachments, err = tx.CountAttachments(); err != nil {
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

// checkNothingWritten checks that a refused form wrote no record: the page
// it comes back on shows the case again, so the one audit event since
// before, if any, is that view.
func checkNothingWritten(t testing.TB, e *apptest.Env, before webCaseCounts, what string) {
	t.Helper()
	after := webCaseCountsOf(t, e)
	if after.Audit > before.Audit+1 {
		t.Errorf("%s wrote %d audit events", what, after.Audit-before.Audit)
	}
	if after.Audit == before.Audit+1 {
		if ev := newestEvent(t, e); ev.Action != hub.ActView {
			t.Errorf("%s was audited as %s %s, want only the page's view", what, ev.Action, ev.ObjectType)
		}
	}
	after.Audit = before.Audit
	if after != before {
		t.Errorf("%s wrote records: %+v → %+v", what, before, after)
	}
}

// upload posts a multipart form with one file part, as a browser would.
func upload(t testing.TB, e *apptest.Env, c *http.Client, path, field, name string, content []byte) *apptest.Response {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	fw, err := mw.CreateFormFile(field, name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(content)
	mw.Close()
	req, err := http.NewRequest(http.MethodPost, e.TS.URL+path, &b)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Origin", e.TS.URL)
	return e.Do(t, c, req)
}

var testPDF = []byte("%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n")

// TestCasePages works a case through the pages as a practitioner: open it
// from the child's page, add an action, record a meeting with actions,
// write a note and attach a file, refer to a service, review, read the
// chronology, close. Each step lands where it should and the pages show
// what was saved.
func TestCasePages(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		c := e.SignInRole(t, hub.RolePractitioner)
		prac, police := e.Users[hub.RolePractitioner], e.Users[hub.RolePolice]
		p := e.NewPerson(t, "856", app.PersonInput{GivenName: "Kayla", FamilyName: "Pages", DateOfBirth: "2011-05-06"})

		d := parsePage(t, e.Get(t, c, "/persons/"+p.ID))
		href, _ := d.Find("#open-case").Attr("href")
		if href != "/cases/new?subject_kind=person&subject_id="+p.ID {
			t.Fatalf("open-case link = %q", href)
		}
		form := parsePage(t, e.Get(t, c, href))
		if got := textOf(form.Find(".govuk-caption-l")); got != "Kayla Pages" {
			t.Errorf("open-case form names %q", got)
		}
		if form.Find(`input[name="exploitation.cse"]`).Length() != 1 || form.Find(`input[name="member.`+police.ID+`"]`).Length() != 1 {
			t.Error("open-case form lacks the exploitation and worker checkboxes")
		}
		res := e.PostForm(t, c, "/cases", url.Values{"subject_kind": {"person"}, "subject_id": {p.ID}, "lead_id": {prac.ID}, "exploitation.cce": {"yes"},
			"exploitation.county_lines": {"yes"}, "member." + police.ID: {"yes"}, "summary": {"Found in a trap house."}, "version": {"0"}})
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/cases/") {
			t.Fatalf("open case = %d %q: %.300s", res.StatusCode, res.Header.Get("Location"), res.Body)
		}
		caseURL := res.Header.Get("Location")
		caseID := strings.TrimPrefix(caseURL, "/cases/")
		d = parsePage(t, e.Get(t, c, caseURL))
		if got := textOf(d.Find("#case-lead")); got != prac.DisplayName {
			t.Errorf("case page lead = %q", got)
		}
		if !strings.Contains(textOf(d.Find("#case-details")), "County lines") || !strings.Contains(textOf(d.Find("#case-details")), police.DisplayName) {
			t.Errorf("case details = %q", textOf(d.Find("#case-details")))
		}

		// A refused form comes back with the error against its field and
		// nothing written.
		before := webCaseCountsOf(t, e)
		res = e.PostForm(t, c, "/cases/"+caseID+"/actions", url.Values{"what": {"Visit"}, "owner_id": {police.ID}, "due": {"2020-01-01"}})
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(res.Body, "The due date is in the past") {
			t.Errorf("past due = %d: %.300s", res.StatusCode, textOf(parsePage(t, res).Find(".govuk-error-summary")))
		}
		if pd := parsePage(t, res); pd.Find("#due-error").Length() != 1 || pd.Find(`textarea[name="what"]`).Text() != "Visit" {
			t.Error("the refused action form lost the field error or the text typed")
		}
		checkNothingWritten(t, e, before, "a refused form")
		due := e.App.Today().Time().AddDate(0, 0, 7).Format("2006-01-02")
		res = e.PostForm(t, c, "/cases/"+caseID+"/actions", url.Values{"what": {"Check the phone"}, "owner_id": {police.ID}, "due": {due}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("add action = %d: %.300s", res.StatusCode, res.Body)
		}

		held := e.Clock.Now().In(app.London).Add(-time.Hour)
		res = e.PostForm(t, c, "/cases/"+caseID+"/meetings", url.Values{"kind": {"mace_panel"}, "date": {held.Format("2006-01-02")}, "time": {held.Format("15:04")},
			"attendee." + prac.ID: {"yes"}, "attendees[0].name": {"Sam Youth"}, "attendees[0].agency": {"Youth service"}, "decisions": {"Keep on the list."},
			"actions[0].what": {"Refer to mentoring"}, "actions[0].owner_id": {prac.ID}, "actions[0].due": {due}})
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/meetings/") {
			t.Fatalf("record meeting = %d: %.400s", res.StatusCode, textOf(parsePage(t, res).Find("main")))
		}
		d = parsePage(t, e.Get(t, c, res.Header.Get("Location")))
		if got := textOf(d.Find("#attendee-list")); !strings.Contains(got, prac.DisplayName) || !strings.Contains(got, "Sam Youth, Youth service") {
			t.Errorf("meeting attendees = %q", got)
		}
		if d.Find("#meeting-actions tbody tr").Length() != 1 {
			t.Error("the meeting's action is not listed")
		}

		res = e.PostForm(t, c, "/cases/"+caseID+"/notes", url.Values{"kind": {"visit"}, "body": {"Home visit.\n<script>alert(1)</script>"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("add note = %d: %.300s", res.StatusCode, res.Body)
		}
		noteURL := strings.TrimSuffix(res.Header.Get("Location"), "?done=saved")
		d = parsePage(t, e.Get(t, c, noteURL))
		if got := d.Find("#note-body p"); got.Length() != 2 || textOf(got.Last()) != "<script>alert(1)</script>" || d.Find("main script").Length() != 0 {
			t.Errorf("note body = %d paragraphs, %q", got.Length(), textOf(d.Find("#note-body")))
		}
		if d.Find(`form[enctype="multipart/form-data"] input[type="file"][name="file"]`).Length() != 1 {
			t.Error("the note page offers no upload")
		}

		// Upload and download.
		res = upload(t, e, c, noteURL+"/attachments", "file", "../../Referral letter.pdf", testPDF)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != noteURL+"?done=attached" {
			t.Fatalf("upload = %d %q: %.300s", res.StatusCode, res.Header.Get("Location"), res.Body)
		}
		d = parsePage(t, e.Get(t, c, noteURL))
		link := d.Find("#attachments a")
		dl, _ := link.Attr("href")
		if textOf(link) != "Referral letter.pdf" || !strings.HasPrefix(dl, "/attachments/") {
			t.Fatalf("attachment link %q → %q", textOf(link), dl)
		}
		res = e.Get(t, e.SignInRole(t, hub.RolePolice), dl)
		if res.StatusCode != http.StatusOK || res.Body != string(testPDF) {
			t.Fatalf("download = %d, %d bytes", res.StatusCode, len(res.Body))
		}
		disp, params, err := mime.ParseMediaType(res.Header.Get("Content-Disposition"))
		if err != nil || disp != "attachment" || params["filename"] != "Referral letter.pdf" || !strings.Contains(res.Header.Get("Content-Disposition"), "filename*=UTF-8''Referral%20letter.pdf") {
			t.Errorf("Content-Disposition = %q (%v)", res.Header.Get("Content-Disposition"), err)
		}
		if res.Header.Get("Content-Type") != "application/pdf" || res.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(res.Header.Get("Content-Security-Policy"), "sandbox") {
			t.Errorf("download headers: %v", res.Header)
		}
		for _, tt := range []struct {
			name, file string
			content    []byte
			status     int
			msg        string
		}{
			{"html as pdf", "x.pdf", []byte("<html><script>alert(1)</script></html>"), http.StatusUnsupportedMediaType, "must be a PDF"},
			{"png named pdf", "x.pdf", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00"), http.StatusUnsupportedMediaType, "its content is a PNG image"},
			{"too large", "x.pdf", append(append([]byte(nil), testPDF...), make([]byte, 10<<20)...), http.StatusRequestEntityTooLarge, "larger than the limit of 10 MB"},
		} {
			t.Run("upload/"+tt.name, func(t *testing.T) {
				before := webCaseCountsOf(t, e)
				res := upload(t, e, c, noteURL+"/attachments", "file", tt.file, tt.content)
				if res.StatusCode != tt.status {
					t.Fatalf("status = %d, want %d: %.300s", res.StatusCode, tt.status, res.Body)
				}
				if tt.status != http.StatusRequestEntityTooLarge || strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
					if got := textOf(parsePage(t, res).Find(".govuk-error-summary")); !strings.Contains(got, tt.msg) {
						t.Errorf("error summary = %q, want %q", got, tt.msg)
					}
				}
				checkNothingWritten(t, e, before, "a refused upload")
			})
		}
		if res := postRaw(t, e, c, noteURL+"/attachments", "application/x-www-form-urlencoded", "file=x"); res.StatusCode != http.StatusBadRequest {
			t.Errorf("urlencoded upload = %d, want 400", res.StatusCode)
		}

		res = e.PostForm(t, c, "/cases/"+caseID+"/services", url.Values{"pathway": {"cce_mentoring"}, "reason": {"Mentor"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("refer to service = %d: %.300s", res.StatusCode, res.Body)
		}

		// The case page lists everything; then the chronology.
		d = parsePage(t, e.Get(t, c, caseURL))
		if n := d.Find("#actions tbody tr").Length(); n != 2 {
			t.Errorf("case page lists %d actions, want 2", n)
		}
		for _, sel := range []string{"#meetings tbody tr", "#notes tbody tr", "#services tbody tr"} {
			if d.Find(sel).Length() != 1 {
				t.Errorf("case page: %s has %d rows, want 1", sel, d.Find(sel).Length())
			}
		}
		before = webCaseCountsOf(t, e)
		d = parsePage(t, e.Get(t, c, "/persons/"+p.ID+"/chronology"))
		if got := webCaseCountsOf(t, e).Audit - before.Audit; got != 1 {
			t.Errorf("chronology page wrote %d audit events, want 1", got)
		}
		if got := textOf(d.Find("#chronology-name")); got != "Kayla Pages" {
			t.Errorf("chronology of %q", got)
		}
		kinds := map[string]bool{}
		d.Find("#chronology tbody tr").Each(func(_ int, s *goquery.Selection) { k, _ := s.Attr("data-kind"); kinds[k] = true })
		for _, k := range []string{"case", "meeting", "plan_action", "note", "service"} {
			if !kinds[k] {
				t.Errorf("chronology page has no %s entry (%v)", k, kinds)
			}
		}
		d = parsePage(t, e.Get(t, c, "/persons/"+p.ID+"/chronology?kind=meeting&kind=note"))
		n := 0
		d.Find("#chronology tbody tr").Each(func(_ int, s *goquery.Selection) {
			n++
			if k, _ := s.Attr("data-kind"); k != "meeting" && k != "note" {
				t.Errorf("filtered chronology shows a %s entry", k)
			}
		})
		if n != 2 {
			t.Errorf("filtered chronology shows %d entries, want 2", n)
		}
		if res := e.Get(t, c, "/persons/"+p.ID+"/chronology?from=yesterday"); res.StatusCode != http.StatusBadRequest || !strings.Contains(res.Body, "From must be a date written YYYY-MM-DD") {
			t.Errorf("bad chronology filter = %d", res.StatusCode)
		}

		// Close: the reason is required.
		d = parsePage(t, e.Get(t, c, caseURL+"/close"))
		version, _ := d.Find(`input[name="version"]`).Attr("value")
		res = e.PostForm(t, c, caseURL+"/close", url.Values{"version": {version}, "closure_code": {"risk_reduced"}})
		if res.StatusCode != http.StatusBadRequest || parsePage(t, res).Find("#closure-reason-error").Length() != 1 {
			t.Errorf("close without a reason = %d", res.StatusCode)
		}
		res = e.PostForm(t, c, caseURL+"/close", url.Values{"version": {version}, "closure_code": {"risk_reduced"}, "closure_reason": {"Plan completed."}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("close = %d: %.300s", res.StatusCode, res.Body)
		}
		d = parsePage(t, e.Get(t, c, caseURL))
		if !strings.Contains(textOf(d.Find("#case-heading")), "Closed") || d.Find("#add-action").Length() != 0 {
			t.Errorf("closed case page: heading %q", textOf(d.Find("#case-heading")))
		}
	})
}

// TestCasePagesAccess: another area's case, its parts and its child's
// chronology answer 404 as a missing record does; malformed ids 400.
func TestCasePagesAccess(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		county := e.NewUser(t, "county.worker", hub.AgencySocialCare, []hub.Role{hub.RolePractitioner}, "855")
		far := e.NewPerson(t, "855", app.PersonInput{GivenName: "Far", FamilyName: "Away"})
		ca := e.Actor(county)
		c, err := e.App.OpenCase(bg, ca, app.CaseInput{SubjectKind: "person", SubjectID: far.ID, LeadID: county.ID, Exploitation: []string{"cse"}, Summary: "x"})
		if err != nil {
			t.Fatal(err)
		}
		n, err := e.App.AddNote(bg, ca, c.ID, app.NoteInput{Kind: "visit", Body: "x"})
		if err != nil {
			t.Fatal(err)
		}
		at, err := e.App.AddAttachment(bg, ca, n.ID, "x.pdf", testPDF)
		if err != nil {
			t.Fatal(err)
		}
		cl := e.SignInRole(t, hub.RolePractitioner)
		missing := hub.NewID()
		for _, path := range []string{"/cases/" + c.ID, "/cases/" + c.ID + "/edit", "/cases/" + c.ID + "/close", "/notes/" + n.ID, "/attachments/" + at.ID,
			"/persons/" + far.ID + "/chronology", fmt.Sprintf("/cases/new?subject_kind=person&subject_id=%s", far.ID)} {
			before := webCaseCountsOf(t, e)
			res := e.Get(t, cl, path)
			if res.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s = %d, want 404", path, res.StatusCode)
			}
			if got := webCaseCountsOf(t, e).Audit - before.Audit; got != 1 {
				t.Errorf("GET %s wrote %d audit events, want 1 (the denial)", path, got)
			}
		}
		if res := e.Get(t, cl, "/cases/"+missing); res.StatusCode != http.StatusNotFound {
			t.Errorf("missing case = %d", res.StatusCode)
		}
		if res := e.PostForm(t, cl, "/cases/"+c.ID+"/notes", url.Values{"kind": {"visit"}, "body": {"taken over"}}); res.StatusCode != http.StatusNotFound {
			t.Errorf("POST note on another area's case = %d, want 404", res.StatusCode)
		}
		if res := upload(t, e, cl, "/notes/"+n.ID+"/attachments", "file", "x.pdf", testPDF); res.StatusCode != http.StatusNotFound {
			t.Errorf("upload to another area's note = %d, want 404", res.StatusCode)
		}
		for _, path := range []string{"/cases/not-an-id", "/notes/..%2f..%2fetc", "/attachments/1"} {
			if res := e.Get(t, cl, path); res.StatusCode != http.StatusBadRequest && res.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s = %d, want 400", path, res.StatusCode)
			}
		}
		// The education role has no case pages at all.
		if res := e.Get(t, e.SignInRole(t, hub.RoleEducation), "/cases"); res.StatusCode != http.StatusForbidden {
			t.Errorf("education GET /cases = %d, want 403", res.StatusCode)
		}
	})
}
