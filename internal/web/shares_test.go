package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/apptest"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
	"github.com/safehub/safehub/internal/store/storetest"
)

// sharesOf lists the shares of a child's record as stored.
func sharesOf(t testing.TB, e *apptest.Env, personID string) []*hub.Share {
	t.Helper()
	var out []*hub.Share
	err := e.Store.Read(bg, func(tx *store.Tx) error {
		var err error
		out, err = tx.FindShares(store.ShareFilter{PersonID: personID, Limit: 100})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// shareWorld is a child in Leicester (856) with a case and a note, the
// Leicester practitioner who holds the record, and a practitioner who
// works in Rutland (857) only.
type shareWorld struct {
	e       *apptest.Env
	child   *hub.Person
	caseID  string
	noteID  string
	owner   *http.Client
	rutland *hub.User
	other   *http.Client
}

func newShareWorld(t *testing.T, engine string) *shareWorld {
	t.Helper()
	e := apptest.New(t, engine, apptest.Options{})
	w := &shareWorld{e: e}
	prac := e.RoleActor(hub.RolePractitioner)
	w.child = e.NewPerson(t, "856", app.PersonInput{GivenName: "Kiera", FamilyName: "Crossborder", DateOfBirth: "2011-04-05"})
	c, err := e.App.OpenCase(bg, prac, app.CaseInput{SubjectKind: "person", SubjectID: w.child.ID, LeadID: prac.ID, Exploitation: []string{"cce"}, Summary: "Seen in Oakham with older boys."})
	if err != nil {
		t.Fatal(err)
	}
	n, err := e.App.AddNote(bg, prac, c.ID, app.NoteInput{Kind: "contact", Body: "A private note the share does not open."})
	if err != nil {
		t.Fatal(err)
	}
	w.caseID, w.noteID = c.ID, n.ID
	w.owner = e.SignInRole(t, hub.RolePractitioner)
	w.rutland = e.NewUser(t, "rutland.practitioner", hub.AgencySocialCare, []hub.Role{hub.RolePractitioner}, "857")
	w.other = e.SignIn(t, w.rutland)
	return w
}

// shareForm fills the rendered share form at path as a browser would,
// with the given changes.
func (w *shareWorld) shareForm(t *testing.T, path string, set url.Values) url.Values {
	t.Helper()
	res := w.e.Get(t, w.owner, path)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d", path, res.StatusCode)
	}
	form := formValues(parsePage(t, res), "#share-form")
	for k, v := range set {
		form[k] = v
	}
	return form
}

// TestSharePages shares a child's identity and missing history from
// Leicester with Rutland through the forms. Rutland's practitioner finds it
// on the sharing list, sees the child's page with the banner and only the
// shared parts (the case and its notes answer 404), and after the owner
// revokes it, the next request answers 404.
func TestSharePages(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		w := newShareWorld(t, engine)
		e := w.e

		// Before any share, Rutland cannot see the record.
		if res := e.Get(t, w.other, "/persons/"+w.child.ID); res.StatusCode != http.StatusNotFound {
			t.Fatalf("before sharing, GET person as Rutland = %d, want 404", res.StatusCode)
		}

		// The owner's page offers sharing.
		d := parsePage(t, e.Get(t, w.owner, "/persons/"+w.child.ID))
		if href, _ := d.Find("#share-record").Attr("href"); href != "/persons/"+w.child.ID+"/share/new" {
			t.Fatalf("share link = %q", href)
		}
		form := parsePage(t, e.Get(t, w.owner, "/persons/"+w.child.ID+"/share/new"))
		if got := textOf(form.Find("#share-caption")); got != w.child.Name() {
			t.Errorf("share form is about %q", got)
		}
		for _, p := range hub.SharePartList {
			if form.Find(`input[name="part.`+string(p)+`"]`).Length() != 1 {
				t.Errorf("share form lacks the %s checkbox", p)
			}
		}
		if form.Find(`#recipient-area option[value="`+e.Areas["857"].ID+`"]`).Length() != 1 || form.Find(`#recipient-area option[value="`+e.Areas["856"].ID+`"]`).Length() != 0 {
			t.Error("the area choice should offer Rutland and not the sharer's own area")
		}
		if !strings.Contains(textOf(form.Find("#basis")), "DPA 2018 Sch 1 para 18") {
			t.Error("the lawful bases do not show their statutory references")
		}
		if v, _ := form.Find("#expires").Attr("value"); v == "" {
			t.Error("the expiry has no default")
		}

		values := w.shareForm(t, "/persons/"+w.child.ID+"/share/new", url.Values{
			"part.identity": {"yes"}, "part.missing": {"yes"}, "recipient_kind": {"area"}, "recipient_area": {e.Areas["857"].ID},
			"purpose": {"missing_located"}, "basis": {"safeguarding"}, "necessity": {"Found in Oakham overnight; Rutland police need to know who she is."},
			"contribute": {"yes"},
		})
		res := e.PostForm(t, w.owner, "/persons/"+w.child.ID+"/shares", values)
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/shares/") {
			t.Fatalf("share = %d %q: %.500s", res.StatusCode, res.Header.Get("Location"), res.Body)
		}
		shareURL, _, _ := strings.Cut(res.Header.Get("Location"), "?")
		ss := sharesOf(t, e, w.child.ID)
		if len(ss) != 1 || ss[0].Status != hub.ShareActive || len(ss[0].Parts) != 2 || !ss[0].Contribute {
			t.Fatalf("stored shares = %+v", ss)
		}

		// The owner sees the share with its basis and reference.
		page := parsePage(t, e.Get(t, w.owner, res.Header.Get("Location")))
		if got := textOf(page.Find("#share-basis")); !strings.Contains(got, "UK GDPR Art 6(1)(e)") {
			t.Errorf("share basis reads %q", got)
		}
		if got := textOf(page.Find(".govuk-notification-banner--success")); !strings.Contains(got, "shared") {
			t.Errorf("flash reads %q", got)
		}
		if page.Find("#revoke-share").Length() != 1 {
			t.Error("the owner is not offered revocation")
		}

		// Rutland finds it on the sharing list, marked with who shared it.
		list := parsePage(t, e.Get(t, w.other, "/shares"))
		if got := textOf(list.Find("#received")); !strings.Contains(got, "Crossborder") || !strings.Contains(got, "Shared by") || !strings.Contains(got, "(Leicester)") {
			t.Errorf("received list reads %q", got)
		}

		// The child's page: the banner, and only the shared parts.
		res = e.Get(t, w.other, "/persons/"+w.child.ID)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("shared person page = %d", res.StatusCode)
		}
		pp := parsePage(t, res)
		banner := textOf(pp.Find("#share-banner"))
		for _, want := range []string{"Shared with you by", "(Leicester)", "Missing child located out of area", "until", "you see only the shared parts"} {
			if !strings.Contains(banner, want) {
				t.Errorf("banner %q lacks %q", banner, want)
			}
		}
		if pp.Find("#share-record").Length() != 0 {
			t.Error("the recipient is offered sharing")
		}
		if pp.Find(`a[href="/cases/`+w.caseID+`"]`).Length() != 0 || strings.Contains(res.Body, "Oakham with older boys") {
			t.Error("the recipient sees the unshared case")
		}
		if got := textOf(pp.Find("#cases")); got != "" && !strings.Contains(got, "No case is shared with you") {
			t.Errorf("the cases section reads %q", got)
		}
		for _, path := range []string{"/cases/" + w.caseID, "/notes/" + w.noteID, "/persons/" + w.child.ID + "/edit", "/persons/" + w.child.ID + "/share/new"} {
			if res := e.Get(t, w.other, path); res.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s under the share = %d, want 404", path, res.StatusCode)
			}
		}

		// The chronology holds the shared parts only, and says so.
		res = e.Get(t, w.other, "/persons/"+w.child.ID+"/chronology")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("chronology under the share = %d", res.StatusCode)
		}
		if cd := parsePage(t, res); cd.Find("#chronology-shared").Length() != 1 || cd.Find(`#chronology tr[data-kind="case"]`).Length() != 0 {
			t.Error("the chronology under the share does not say so, or lists the unshared case")
		}

		// The recipient adds a contribution; it is attributed.
		res = e.PostForm(t, w.other, shareURL+"/contributions", url.Values{"contribution": {"Rutland: found at the bus station, taken home by police."}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("contribute = %d: %.300s", res.StatusCode, res.Body)
		}
		if got := textOf(parsePage(t, e.Get(t, w.owner, shareURL)).Find("#contribution-list")); !strings.Contains(got, "bus station") || !strings.Contains(got, "Test rutland.practitioner") {
			t.Errorf("contributions read %q", got)
		}

		// An empty revocation reason is refused, naming the field.
		res = e.PostForm(t, w.owner, shareURL+"/revoke", url.Values{"revoke_reason": {""}})
		if res.StatusCode != http.StatusBadRequest {
			t.Fatalf("revoke without a reason = %d", res.StatusCode)
		}
		checkErrorSummary(t, parsePage(t, res), "revoke-reason", "say why")

		// Revoked: the next request answers 404.
		res = e.PostForm(t, w.owner, shareURL+"/revoke", url.Values{"revoke_reason": {"She is home; the joint work is done."}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("revoke = %d: %.300s", res.StatusCode, res.Body)
		}
		if res := e.Get(t, w.other, "/persons/"+w.child.ID); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET person after revocation = %d, want 404", res.StatusCode)
		}
		if got := textOf(parsePage(t, e.Get(t, w.other, shareURL)).Find("#share-heading")); strings.Contains(got, "Crossborder") || !strings.Contains(got, "Revoked") {
			t.Errorf("after revocation the recipient's share page reads %q", got)
		}
		// What the recipient added stays with their agency.
		if got := textOf(parsePage(t, e.Get(t, w.other, shareURL)).Find("#contribution-list")); !strings.Contains(got, "bus station") {
			t.Errorf("after revocation the recipient's contributions read %q", got)
		}
	})
}

// TestShareCasePage shares a case summary and plan (not its notes) with
// named people: the recipient sees the case with the banner, the plan but
// not the notes, and the note itself answers 404.
func TestShareCasePage(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		w := newShareWorld(t, engine)
		e := w.e
		d := parsePage(t, e.Get(t, w.owner, "/cases/"+w.caseID))
		if href, _ := d.Find("#share-case").Attr("href"); href != "/cases/"+w.caseID+"/share/new" {
			t.Fatalf("share-case link = %q", href)
		}
		values := w.shareForm(t, "/cases/"+w.caseID+"/share/new", url.Values{
			"part.identity": {"yes"}, "part.case": {"yes"}, "part.plan": {"yes"}, "recipient_kind": {"users"}, "user." + w.rutland.ID: {"yes"},
			"purpose": {"joint_plan"}, "basis": {"ca2004-s11"}, "necessity": {"Joint plan with Rutland."},
		})
		res := e.PostForm(t, w.owner, "/cases/"+w.caseID+"/shares", values)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("share the case = %d: %.500s", res.StatusCode, res.Body)
		}
		ss := sharesOf(t, e, w.child.ID)
		if len(ss) != 1 || ss[0].CaseID != w.caseID || ss[0].RecipientKind != hub.RecipientUsers || ss[0].RecipientIDs[0] != w.rutland.ID {
			t.Fatalf("stored shares = %+v", ss)
		}

		res = e.Get(t, w.other, "/cases/"+w.caseID)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("shared case page = %d", res.StatusCode)
		}
		cp := parsePage(t, res)
		if got := textOf(cp.Find("#share-banner")); !strings.Contains(got, "Shared with you by") || !strings.Contains(got, "Joint safeguarding plan") {
			t.Errorf("case banner reads %q", got)
		}
		if cp.Find("#plan").Length() != 1 || cp.Find("#notes").Length() != 0 || cp.Find("#share-case").Length() != 0 {
			t.Error("the shared case page should show the plan, not the notes, and offer no sharing")
		}
		if strings.Contains(res.Body, "private note") {
			t.Error("the unshared note's text is on the page")
		}
		if res := e.Get(t, w.other, "/notes/"+w.noteID); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET the unshared note = %d, want 404", res.StatusCode)
		}
		if res := e.Get(t, w.other, "/cases/"+w.caseID+"/share/new"); res.StatusCode != http.StatusNotFound {
			t.Errorf("the recipient may not pass the case on: GET share form = %d, want 404", res.StatusCode)
		}
		res = e.Get(t, w.other, "/persons/"+w.child.ID+"/chronology")
		if res.StatusCode == http.StatusOK {
			if parsePage(t, res).Find("#chronology-shared").Length() != 1 {
				t.Error("the chronology read under a share does not say so")
			}
			if strings.Contains(res.Body, "private note") {
				t.Error("the chronology under the share shows the unshared note")
			}
		} else if res.StatusCode != http.StatusNotFound {
			t.Errorf("chronology under the share = %d", res.StatusCode)
		}
	})
}

// TestShareBadInput: refused shares come back with the field named in the
// error summary, status 400, and nothing written.
func TestShareBadInput(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		w := newShareWorld(t, engine)
		e := w.e
		good := w.shareForm(t, "/persons/"+w.child.ID+"/share/new", url.Values{
			"part.identity": {"yes"}, "recipient_kind": {"area"}, "recipient_area": {e.Areas["857"].ID},
			"purpose": {"mace"}, "basis": {"safeguarding"}, "necessity": {"MACE panel on Thursday."},
		})
		today := e.App.Today().Time()
		tests := []struct {
			name, field, value, id, why string
		}{
			{"expiry in the past", "expires", today.AddDate(0, 0, -1).Format("2006-01-02"), "expires", "in the past"},
			{"expiry beyond the maximum", "expires", today.AddDate(0, 0, 91).Format("2006-01-02"), "expires", "more than 90 days"},
			{"not a date", "expires", "next week", "expires", "expiry date"},
			{"unknown basis", "basis", "because-i-said-so", "basis", "not one of the configured lawful bases"},
			{"no basis", "basis", "", "basis", "choose the lawful basis"},
			{"own area", "recipient_area", e.Areas["856"].ID, "recipient-area", "share with another area"},
			{"no area", "recipient_area", "", "recipient-area", "choose whom"},
			{"no parts", "part.identity", "", "parts", "at least one part"},
			{"unknown purpose", "purpose", "curiosity", "purpose", "not one of the configured purposes"},
			{"no necessity", "necessity", "", "necessity", "necessary and proportionate"},
			{"own agency", "recipient_kind", "agency", "recipient-agency", "choose whom"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				form := withValue(good, tt.field, tt.value)
				if tt.value == "" && strings.HasPrefix(tt.field, "part.") {
					form.Del(tt.field)
				}
				res := e.PostForm(t, w.owner, "/persons/"+w.child.ID+"/shares", form)
				if res.StatusCode != http.StatusBadRequest {
					t.Fatalf("status %d, want 400: %.300s", res.StatusCode, res.Body)
				}
				d := parsePage(t, res)
				checkErrorSummary(t, d, tt.id, tt.why)
				// The form comes back as typed.
				if got, _ := d.Find("#necessity").Html(); tt.field != "necessity" && !strings.Contains(got, "MACE panel") {
					t.Errorf("necessity came back as %q", got)
				}
				if ss := sharesOf(t, e, w.child.ID); len(ss) != 0 {
					t.Errorf("a refused share was stored: %+v", ss[0])
				}
			})
		}
		// Sharing with one's own agency is refused too.
		form := withValue(withValue(good, "recipient_kind", "agency"), "recipient_agency", e.Agencies[hub.AgencySocialCare].ID)
		res := e.PostForm(t, w.owner, "/persons/"+w.child.ID+"/shares", form)
		if res.StatusCode != http.StatusBadRequest {
			t.Fatalf("own agency: status %d", res.StatusCode)
		}
		checkErrorSummary(t, parsePage(t, res), "recipient-agency", "your own agency")
		// Sharing with oneself.
		form = withValue(withValue(good, "recipient_kind", "users"), "user."+e.Users[hub.RolePractitioner].ID, "yes")
		res = e.PostForm(t, w.owner, "/persons/"+w.child.ID+"/shares", form)
		if res.StatusCode != http.StatusBadRequest {
			t.Fatalf("oneself: status %d", res.StatusCode)
		}
		checkErrorSummary(t, parsePage(t, res), "recipient-users", "yourself")
		// A record the sharer cannot see is not found.
		far := e.NewPerson(t, "855", app.PersonInput{GivenName: "Far", FamilyName: "Away"})
		if res := e.PostForm(t, w.owner, "/persons/"+far.ID+"/shares", good); res.StatusCode != http.StatusNotFound {
			t.Errorf("sharing a record out of scope = %d, want 404", res.StatusCode)
		}
		if res := e.Get(t, w.owner, "/persons/"+far.ID+"/share/new"); res.StatusCode != http.StatusNotFound {
			t.Errorf("share form for a record out of scope = %d, want 404", res.StatusCode)
		}
		if ss := sharesOf(t, e, w.child.ID); len(ss) != 0 {
			t.Errorf("refused shares were stored: %d", len(ss))
		}
		if res := e.PostForm(t, w.owner, "/persons/"+w.child.ID+"/shares", good); res.StatusCode != http.StatusSeeOther {
			t.Errorf("the good form = %d: %.300s", res.StatusCode, res.Body)
		}
	})
}

// TestShareSearchElsewhere: Rutland's practitioner searching by the date
// of birth of a child held in Leicester is told that a record exists and
// whom to contact, never the child's name; asks for access; Leicester's
// practitioner finds the request waiting, grants it through the form, and
// the requester then sees the record.
func TestShareSearchElsewhere(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		w := newShareWorld(t, engine)
		e := w.e
		res := e.PostForm(t, w.other, "/persons/search", url.Values{"q": {""}, "dob": {"2011-04-05"}})
		if res.StatusCode != http.StatusOK {
			t.Fatalf("search = %d: %.300s", res.StatusCode, res.Body)
		}
		if strings.Contains(res.Body, "Kiera") || strings.Contains(res.Body, "Crossborder") {
			t.Fatal("the search result names the child held elsewhere")
		}
		d := parsePage(t, res)
		held := textOf(d.Find("#elsewhere"))
		if !strings.Contains(held, "A record matching your search is held by Leicester") || !strings.Contains(held, "Contact:") {
			t.Errorf("held elsewhere reads %q", held)
		}
		href, _ := d.Find("#elsewhere a.govuk-button").Attr("href")
		if href != "/share-requests/new?person="+w.child.ID {
			t.Fatalf("request link = %q", href)
		}

		// The request form names nothing either; an empty reason is refused.
		res = e.Get(t, w.other, href)
		if res.StatusCode != http.StatusOK || strings.Contains(res.Body, "Crossborder") {
			t.Fatalf("request form = %d", res.StatusCode)
		}
		req := formValues(parsePage(t, res), "#request-form")
		req.Set("purpose", "joint_investigation")
		res = e.PostForm(t, w.other, "/share-requests", req)
		if res.StatusCode != http.StatusBadRequest {
			t.Fatalf("request without a reason = %d", res.StatusCode)
		}
		checkErrorSummary(t, parsePage(t, res), "reason", "say why")
		req.Set("reason", "Seen with a Rutland child we are working with.")
		res = e.PostForm(t, w.other, "/share-requests", req)
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/share-requests/") {
			t.Fatalf("request = %d %q: %.300s", res.StatusCode, res.Header.Get("Location"), res.Body)
		}
		reqURL, _, _ := strings.Cut(res.Header.Get("Location"), "?")
		rp := e.Get(t, w.other, reqURL)
		if rp.StatusCode != http.StatusOK || strings.Contains(rp.Body, "Crossborder") || strings.Contains(rp.Body, "grant-form") {
			t.Errorf("the requester's view of the request = %d, names the child or offers the grant", rp.StatusCode)
		}
		// A second search says the request is waiting.
		res = e.PostForm(t, w.other, "/persons/search", url.Values{"q": {""}, "dob": {"2011-04-05"}})
		if !strings.Contains(textOf(parsePage(t, res).Find("#elsewhere")), "Access requested") {
			t.Error("the second search does not show the request waiting")
		}

		// The owner finds it waiting and grants it.
		if got := textOf(parsePage(t, e.Get(t, w.owner, "/shares")).Find("#requests")); !strings.Contains(got, "Crossborder") || !strings.Contains(got, "rutland.practitioner") {
			t.Errorf("requests waiting read %q", got)
		}
		gp := parsePage(t, e.Get(t, w.owner, reqURL))
		grant := formValues(gp, "#grant-form")
		if grant.Get("part.identity") != "yes" || grant.Get("purpose") != "joint_investigation" {
			t.Errorf("the grant form does not start from the request: %v", grant)
		}
		grant.Set("basis", "ca2004-s11")
		grant.Set("necessity", "Joint investigation with Rutland.")
		res = e.PostForm(t, w.owner, reqURL+"/grant", grant)
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/shares/") {
			t.Fatalf("grant = %d %q: %.500s", res.StatusCode, res.Header.Get("Location"), res.Body)
		}
		res = e.Get(t, w.other, "/persons/"+w.child.ID)
		if res.StatusCode != http.StatusOK || parsePage(t, res).Find("#share-banner").Length() != 1 {
			t.Errorf("after the grant, the requester's person page = %d, or has no banner", res.StatusCode)
		}
		// Answered: no second answer.
		if res := e.PostForm(t, w.owner, reqURL+"/refuse", url.Values{"refuse_reason": {"Too late."}}); res.StatusCode != http.StatusBadRequest {
			t.Errorf("refusing an answered request = %d, want 400", res.StatusCode)
		}
	})
}

// TestShareApprovalAndAudit: case notes need a manager's approval, so the
// practitioner's share waits; the manager finds it, approves it from its
// page, the recipient then reads the notes, and the auditor's view of the
// share lists that read.
func TestShareApprovalAndAudit(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		w := newShareWorld(t, engine)
		e := w.e
		values := w.shareForm(t, "/cases/"+w.caseID+"/share/new", url.Values{
			"part.case": {"yes"}, "part.notes": {"yes"}, "recipient_kind": {"area"}, "recipient_area": {e.Areas["857"].ID},
			"purpose": {"strategy_discussion"}, "basis": {"ca1989-s47"}, "necessity": {"Strategy discussion tomorrow."},
		})
		res := e.PostForm(t, w.owner, "/cases/"+w.caseID+"/shares", values)
		if res.StatusCode != http.StatusSeeOther || !strings.HasSuffix(res.Header.Get("Location"), "?done=pending") {
			t.Fatalf("share notes = %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		shareURL, _, _ := strings.Cut(res.Header.Get("Location"), "?")
		if res := e.Get(t, w.other, "/cases/"+w.caseID); res.StatusCode != http.StatusNotFound {
			t.Errorf("a share waiting for approval opens the case: %d", res.StatusCode)
		}

		mgr := e.SignInRole(t, hub.RoleManager)
		if got := textOf(parsePage(t, e.Get(t, mgr, "/shares")).Find("#pending")); !strings.Contains(got, "Crossborder") {
			t.Errorf("pending approvals read %q", got)
		}
		if parsePage(t, e.Get(t, mgr, shareURL)).Find("#approve-share").Length() != 1 {
			t.Fatal("the manager is not offered approval")
		}
		if parsePage(t, e.Get(t, w.owner, shareURL)).Find("#approve-share").Length() != 0 {
			t.Error("the sharer is offered approval of their own share")
		}
		res = e.PostForm(t, mgr, shareURL+"/refuse", url.Values{"refuse_reason": {""}})
		if res.StatusCode != http.StatusBadRequest {
			t.Fatalf("refuse without a reason = %d", res.StatusCode)
		}
		checkErrorSummary(t, parsePage(t, res), "refuse-reason", "say why")
		if res := e.PostForm(t, mgr, shareURL+"/approve", url.Values{}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("approve = %d: %.300s", res.StatusCode, res.Body)
		}

		res = e.Get(t, w.other, "/cases/"+w.caseID)
		if res.StatusCode != http.StatusOK || parsePage(t, res).Find("#notes").Length() != 1 || !strings.Contains(res.Body, "private note") {
			t.Fatalf("after approval the case page = %d, without the shared notes", res.StatusCode)
		}

		aud := e.SignInRole(t, hub.RoleAuditor)
		if parsePage(t, e.Get(t, aud, shareURL)).Find("#share-audit").Length() != 1 {
			t.Error("the auditor is not offered the share's audit trail")
		}
		res = e.Get(t, aud, shareURL+"/audit")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("share audit = %d", res.StatusCode)
		}
		if got := textOf(parsePage(t, res).Find("#share-events")); !strings.Contains(got, "rutland.practitioner") || !strings.Contains(got, "under share") {
			t.Errorf("the share's audit trail reads %q", got)
		}
		if res := e.Get(t, w.other, shareURL+"/audit"); res.StatusCode != http.StatusForbidden && res.StatusCode != http.StatusNotFound {
			t.Errorf("the recipient opens the audit trail: %d", res.StatusCode)
		}
	})
}
