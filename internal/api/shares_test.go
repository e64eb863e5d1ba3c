package api_test

import (
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/safehub/safehub/internal/api"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/apptest"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
	"github.com/safehub/safehub/internal/store/storetest"
)

// shareAPIWorld is a Leicester (856) child with a case and a note on it, a
// missing episode and a referral; API clients for a practitioner and a
// manager in Leicester (the owner side), a practitioner in Leicestershire
// (855, the recipient area) and one in Rutland (857, neither).
type shareAPIWorld struct {
	e                               *apptest.Env
	owner, manager, county, rutland *client
	ownerUser, countyUser           *hub.User
	rutlandUser                     *hub.User
	child                           *hub.Person
	kase                            *hub.Case
	note                            *hub.Note
	episode                         *hub.MissingEpisode
	referral                        *hub.Referral
	countyArea                      string
}

const (
	shareChildName = "Okafor"
	shareChildDOB  = "2011-06-14"
)

func newShareAPIWorld(t *testing.T, engine string) *shareAPIWorld {
	t.Helper()
	e := apptest.New(t, engine, apptest.Options{})
	w := &shareAPIWorld{e: e, ownerUser: e.Users[hub.RolePractitioner], countyArea: e.Areas["855"].ID}
	w.countyUser = e.NewUser(t, "county.prac", hub.AgencySocialCare, []hub.Role{hub.RolePractitioner}, "855")
	w.rutlandUser = e.NewUser(t, "rutland.prac", hub.AgencySocialCare, []hub.Role{hub.RolePractitioner}, "857")
	scopes := []hub.Scope{hub.ScopePersonRead, hub.ScopePersonWrite, hub.ScopeCaseRead, hub.ScopeCaseWrite}
	w.owner = newClient(e, e.Token(t, w.ownerUser, scopes...))
	w.manager = newClient(e, e.Token(t, e.Users[hub.RoleManager], scopes...))
	w.county = newClient(e, e.Token(t, w.countyUser, scopes...))
	w.rutland = newClient(e, e.Token(t, w.rutlandUser, scopes...))

	w.child = e.NewPerson(t, "856", app.PersonInput{GivenName: "Tamsin", FamilyName: shareChildName, DateOfBirth: shareChildDOB, NHSNumber: "9434765919"})
	owner := e.Actor(w.ownerUser)
	var err error
	w.kase, err = e.App.OpenCase(ctx, owner, app.CaseInput{SubjectKind: "person", SubjectID: w.child.ID, LeadID: w.ownerUser.ID,
		Exploitation: []string{"cse"}, Summary: "Seen at the station with older men."})
	if err != nil {
		t.Fatal(err)
	}
	if w.note, err = e.App.AddNote(ctx, owner, w.kase.ID, app.NoteInput{Kind: "information", Body: "Disclosed an older boyfriend."}); err != nil {
		t.Fatal(err)
	}
	now := e.Clock.Now()
	w.episode, err = e.App.ReportMissing(ctx, owner, app.MissingReport{PersonID: w.child.ID, Type: "missing", From: "home", LastSeenAt: now.Add(-2 * time.Hour).Truncate(time.Minute),
		LastSeenPlace: "Leicester railway station", ReportedAt: now.Add(-time.Hour).Truncate(time.Minute), ReportedBy: "parent", RiskLevel: "medium"})
	if err != nil {
		t.Fatal(err)
	}
	w.referral, err = e.App.RecordReferral(ctx, owner, app.ReferralInput{SubjectKind: "person", SubjectID: w.child.ID, ReferrerName: "Sam Teacher",
		ReferrerRole: "designated safeguarding lead", ReferrerOrg: "Hope Street Academy", Concerns: "Seen getting into cars with older men after school.",
		Indicators: []string{"cars_with_unknown_adults"}})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// share is a valid share body: the child's identity and missing history
// with Leicestershire, with key changed to v (nil removes it).
func (w *shareAPIWorld) share(kv ...any) map[string]any {
	m := map[string]any{"person_id": w.child.ID, "recipient_kind": "area", "recipient_ids": []string{w.countyArea}, "parts": []string{"identity", "missing"},
		"purpose": "missing_located", "basis": "safeguarding", "necessity": "Found in Loughborough; the county's team will do the return interview."}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(m, kv[i].(string))
		} else {
			m[kv[i].(string)] = kv[i+1]
		}
	}
	return m
}

// mustShare makes a share through the API as c.
func (w *shareAPIWorld) mustShare(t *testing.T, c *client, body map[string]any) api.ShareOut {
	t.Helper()
	res := c.postJSON(t, "/api/v1/shares", body)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("POST /api/v1/shares = %d %s", res.StatusCode, res.Body)
	}
	s := decodeStrict[api.ShareOut](t, res)
	if res.Header.Get("Location") != "/api/v1/shares/"+s.ID {
		t.Errorf("Location = %q", res.Header.Get("Location"))
	}
	return s
}

// reads says which of the child's records c may read through the API now.
func (w *shareAPIWorld) reads(t *testing.T, c *client) map[string]int {
	t.Helper()
	out := map[string]int{}
	for part, path := range map[string]string{
		"identity":    "/api/v1/persons/" + w.child.ID,
		"case":        "/api/v1/cases/" + w.kase.ID,
		"notes":       "/api/v1/notes/" + w.note.ID,
		"missing":     "/api/v1/missing-episodes/" + w.episode.ID,
		"assessments": "/api/v1/referrals/" + w.referral.ID,
	} {
		res := c.get(t, path)
		if res.StatusCode != http.StatusOK && res.StatusCode != http.StatusNotFound {
			t.Fatalf("GET %s = %d %s, want 200 or 404", path, res.StatusCode, res.Body)
		}
		out[part] = res.StatusCode
	}
	return out
}

func readsWant(ok ...string) map[string]int {
	out := map[string]int{}
	for _, p := range []string{"identity", "case", "notes", "missing", "assessments"} {
		out[p] = http.StatusNotFound
		if slices.Contains(ok, p) {
			out[p] = http.StatusOK
		}
	}
	return out
}

// events returns the audit events matching f, newest first.
func auditEvents(t testing.TB, e *apptest.Env, f store.AuditFilter) []*hub.AuditEvent {
	t.Helper()
	if f.Limit == 0 {
		f.Limit = 500
	}
	var out []*hub.AuditEvent
	if err := e.Store.Read(ctx, func(tx *store.Tx) error {
		var err error
		out, err = tx.FindAuditEvents(f)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// hasEvent reports whether events holds one by actor (any when "") with
// action on object id.
func hasEvent(events []*hub.AuditEvent, actor, action, objectID string) bool {
	return slices.ContainsFunc(events, func(e *hub.AuditEvent) bool {
		return (actor == "" || e.ActorID == actor) && e.Action == action && (objectID == "" || e.ObjectID == objectID) && e.Outcome == hub.OutcomeSuccess
	})
}

func shareCount(t testing.TB, e *apptest.Env) [3]int64 {
	t.Helper()
	var out [3]int64
	for i, table := range []string{"shares", "share_requests", "share_contributions"} {
		if err := e.Store.SQL().QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&out[i]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestShareAPILifecycle shares a Leicester child's identity and missing
// history with Leicestershire through the JSON API, on both engines: the
// county reads those parts and finds the child by search, the case, notes
// and referral stay 404; Rutland, not named, gets 404 and a search that
// reports only where the record is held; the owner revokes and the next
// request is 404. The share, its receipt, the reads under it and the
// revocation are in the audit log and the share's audit trail.
func TestShareAPILifecycle(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		w := newShareAPIWorld(t, engine)
		e := w.e
		if got, want := w.reads(t, w.county), readsWant(); !cmp.Equal(got, want) {
			t.Fatalf("before sharing the county reads %v", got)
		}

		a0 := countsOf(t, e).Audit
		s := w.mustShare(t, w.owner, w.share())
		if n := countsOf(t, e).Audit - a0; n != 1 {
			t.Errorf("sharing wrote %d audit events, want 1", n)
		}
		if ev := newestEvent(t, e); ev.Action != hub.ActShare || ev.ObjectID != s.ID || ev.SubjectID != w.child.ID || ev.ActorID != w.ownerUser.ID || ev.Purpose != "missing_located" {
			t.Errorf("share event = %+v", ev)
		}
		if s.Status != "active" || s.RecipientKind != "area" || !slices.Equal(s.RecipientIDs, []string{w.countyArea}) || !slices.Equal(s.Parts, []string{"identity", "missing"}) ||
			s.Basis.Code != "safeguarding" || !strings.Contains(s.Basis.Reference, "DPA 2018") || s.PurposeLabel != "Missing child located out of area" ||
			s.SharedBy != w.ownerUser.ID || !s.ExpiresAt.After(e.Clock.Now().AddDate(0, 0, 29)) || s.ExpiresAt.After(e.Clock.Now().AddDate(0, 0, 31)) {
			t.Errorf("share = %+v, want active with Leicestershire for the default 30 days", s)
		}

		// The county: the received list names the child (identity is
		// shared); the first read is the receipt.
		list := decodeStrict[api.ShareListOut](t, w.county.get(t, "/api/v1/shares"))
		if len(list.Received) != 1 || list.Received[0].ID != s.ID || !strings.Contains(list.Received[0].SubjectName, shareChildName) || len(list.Outgoing) != 0 {
			t.Errorf("county's lists = %+v", list)
		}
		res := w.county.get(t, "/api/v1/shares/"+s.ID)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("county reads the share: %d %s", res.StatusCode, res.Body)
		}
		got := decodeStrict[api.ShareOut](t, res)
		if got.Links == nil || !got.Links.IsRecipient || got.Links.IsOwner || got.Links.CanRevoke || got.ReceivedAt == nil ||
			!strings.Contains(got.SubjectName, shareChildName) || got.OwnerArea == "" {
			t.Errorf("county's view of the share = %+v", got)
		}
		receipts := auditEvents(t, e, store.AuditFilter{ObjectType: "share", ObjectID: s.ID, Action: hub.ActReceive})
		if len(receipts) != 1 || receipts[0].ActorID != w.countyUser.ID {
			t.Errorf("receipts = %+v, want one by the county", receipts)
		}
		w.county.get(t, "/api/v1/shares/"+s.ID)
		if n := len(auditEvents(t, e, store.AuditFilter{ObjectType: "share", ObjectID: s.ID, Action: hub.ActReceive})); n != 1 {
			t.Errorf("a second read recorded %d receipts, want still 1", n)
		}

		if got, want := w.reads(t, w.county), readsWant("identity", "missing"); !cmp.Equal(got, want) {
			t.Errorf("under the share the county reads %v, want %v", got, want)
		}
		// The reads are audited as made under the share.
		reads := auditEvents(t, e, store.AuditFilter{SubjectID: w.child.ID, ActorID: w.countyUser.ID, Action: hub.ActView})
		if !slices.ContainsFunc(reads, func(ev *hub.AuditEvent) bool {
			return ev.ObjectType == "person" && ev.Outcome == hub.OutcomeSuccess && strings.Contains(ev.Detail, "under share "+s.ID)
		}) {
			t.Errorf("no person read under the share in %d events", len(reads))
		}
		p := personOut(t, w.county.get(t, "/api/v1/persons/"+w.child.ID))
		if p.FamilyName != shareChildName || p.Links == nil || p.Links.CanEdit {
			t.Errorf("county reads the person as %+v, want read-only", p)
		}
		// Shares open reading, never changing.
		if res := w.county.putJSON(t, "/api/v1/persons/"+w.child.ID, `"1"`, basePerson(e.Areas["856"].ID)); res.StatusCode != http.StatusNotFound {
			t.Errorf("county changes the shared person: %d", res.StatusCode)
		}

		// The county's search finds the child.
		sr := decodeStrict[api.SearchOut](t, w.county.postJSON(t, "/api/v1/persons/_search", map[string]any{"q": shareChildName}))
		if len(sr.Persons) != 1 || sr.Persons[0].ID != w.child.ID {
			t.Errorf("county's search = %+v, want the shared child", sr)
		}

		// Rutland, not named: 404 everywhere, and a precise search says
		// only where the record is held.
		if got, want := w.reads(t, w.rutland), readsWant(); !cmp.Equal(got, want) {
			t.Errorf("Rutland reads %v", got)
		}
		if res := w.rutland.get(t, "/api/v1/shares/"+s.ID); res.StatusCode != http.StatusNotFound {
			t.Errorf("Rutland reads the share: %d", res.StatusCode)
		}
		res = w.rutland.postJSON(t, "/api/v1/persons/_search", map[string]any{"date_of_birth": shareChildDOB})
		sr = decodeStrict[api.SearchOut](t, res)
		if len(sr.Persons) != 0 || sr.Total != 0 || len(sr.Elsewhere) != 1 {
			t.Fatalf("Rutland's search = %+v, want one record held elsewhere", sr)
		}
		if d := sr.Elsewhere[0]; d.PersonID != w.child.ID || d.Area != e.Areas["856"].Name || d.Agency == "" || !strings.Contains(d.Contact, w.ownerUser.DisplayName) {
			t.Errorf("elsewhere = %+v, want the holding area and the lead practitioner", d)
		}
		for _, leak := range []string{shareChildName, "Tamsin", "9434765919", "943 476 5919"} {
			if strings.Contains(res.Body, leak) {
				t.Errorf("Rutland's search result holds %q: %s", leak, res.Body)
			}
		}
		if !hasEvent(auditEvents(t, e, store.AuditFilter{SubjectID: w.child.ID, ActorID: w.rutlandUser.ID}), w.rutlandUser.ID, hub.ActDiscover, w.child.ID) {
			t.Error("the discovery is not audited")
		}

		// Only the owner side revokes, with a reason.
		if res := w.county.postJSON(t, "/api/v1/shares/"+s.ID+"/revoke", map[string]any{"reason": "no longer needed"}); res.StatusCode != http.StatusForbidden && res.StatusCode != http.StatusNotFound {
			t.Errorf("the recipient revokes: %d", res.StatusCode)
		}
		before, c0 := shareCount(t, e), countsOf(t, e)
		res = w.owner.postJSON(t, "/api/v1/shares/"+s.ID+"/revoke", map[string]any{})
		if res.StatusCode != http.StatusBadRequest || errorBody(t, res).Field != "reason" {
			t.Errorf("revoke without a reason: %d %s", res.StatusCode, res.Body)
		}
		if after, c1 := shareCount(t, e), countsOf(t, e); after != before || c1 != c0 {
			t.Errorf("a refused revocation wrote: %v → %v, %+v → %+v", before, after, c0, c1)
		}
		res = w.owner.postJSON(t, "/api/v1/shares/"+s.ID+"/revoke", map[string]any{"reason": "Child returned home; joint work finished."})
		if res.StatusCode != http.StatusOK {
			t.Fatalf("revoke: %d %s", res.StatusCode, res.Body)
		}
		if got := decodeStrict[api.ShareOut](t, res); got.Status != "revoked" || got.RevokedBy != w.ownerUser.ID || got.EndReason == "" || got.Links.CanRevoke {
			t.Errorf("revoked share = %+v", got)
		}
		// On the next request everything is 404 again; the recipient still
		// sees that the share ended, without the child's name.
		if got, want := w.reads(t, w.county), readsWant(); !cmp.Equal(got, want) {
			t.Errorf("after revocation the county reads %v", got)
		}
		res = w.county.get(t, "/api/v1/shares/"+s.ID)
		if res.StatusCode != http.StatusOK || strings.Contains(res.Body, shareChildName) || decodeStrict[api.ShareOut](t, res).Status != "revoked" {
			t.Errorf("county's view of the revoked share: %d %s", res.StatusCode, res.Body)
		}
		sr = decodeStrict[api.SearchOut](t, w.county.postJSON(t, "/api/v1/persons/_search", map[string]any{"q": shareChildName}))
		if len(sr.Persons) != 0 {
			t.Errorf("after revocation the county's search finds %d", len(sr.Persons))
		}
		if list := decodeStrict[api.ShareListOut](t, w.county.get(t, "/api/v1/shares")); len(list.Received) != 0 {
			t.Errorf("after revocation the county has received %d", len(list.Received))
		}

		// The share's audit trail, for the owning area's manager: made,
		// received, read under, revoked. A practitioner does not oversee.
		if res := w.owner.get(t, "/api/v1/shares/"+s.ID+"/audit"); res.StatusCode != http.StatusForbidden {
			t.Errorf("practitioner reads the share's audit: %d", res.StatusCode)
		}
		res = w.manager.get(t, "/api/v1/shares/"+s.ID+"/audit")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("share audit: %d %s", res.StatusCode, res.Body)
		}
		trail := decodeStrict[api.ShareAuditOut](t, res)
		var actions []string
		for _, ev := range trail.Events {
			actions = append(actions, ev.Action)
		}
		for _, want := range []string{hub.ActShare, hub.ActReceive, hub.ActView, hub.ActRevoke} {
			if !slices.Contains(actions, want) {
				t.Errorf("share audit trail lacks %s: %v", want, actions)
			}
		}
		if !slices.ContainsFunc(trail.Events, func(ev api.ShareAuditEvent) bool {
			return ev.ActorID == w.countyUser.ID && ev.ObjectType == "person" && strings.Contains(ev.Detail, "under share "+s.ID)
		}) {
			t.Errorf("share audit trail lacks the county's read of the person: %+v", trail.Events)
		}
		if trail.Share.ID != s.ID || !strings.Contains(trail.Share.SubjectName, shareChildName) {
			t.Errorf("trail's share = %+v", trail.Share)
		}
	})
}

// TestShareAPIExpiry: a share with named users of the missing history only
// gives no name; when the fake clock passes its expiry the next request is
// 404, and the deadline job records the expiry in the audit log.
func TestShareAPIExpiry(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		w := newShareAPIWorld(t, engine)
		e := w.e
		s := w.mustShare(t, w.owner, w.share("recipient_kind", "users", "recipient_ids", []string{w.countyUser.ID}, "parts", []string{"missing"}, "expires", "2026-11-29"))
		if want := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC); !s.ExpiresAt.Equal(want) {
			t.Errorf("expires at %v, want the end of 29 November (London) %v", s.ExpiresAt, want)
		}
		if got, want := w.reads(t, w.county), readsWant("missing"); !cmp.Equal(got, want) {
			t.Errorf("under a missing-only share the county reads %v, want %v", got, want)
		}
		// No identity shared: neither the share nor the lists name the child.
		for _, path := range []string{"/api/v1/shares/" + s.ID, "/api/v1/shares"} {
			res := w.county.get(t, path)
			if res.StatusCode != http.StatusOK || strings.Contains(res.Body, shareChildName) || strings.Contains(res.Body, "Tamsin") {
				t.Errorf("GET %s as the county (identity not shared) = %d %s", path, res.StatusCode, res.Body)
			}
		}
		if list := decodeStrict[api.ShareListOut](t, w.county.get(t, "/api/v1/shares")); len(list.Received) != 1 || list.Received[0].SubjectName != "" {
			t.Errorf("county's received list = %+v", list.Received)
		}
		// The county cannot find the child by name either.
		if sr := decodeStrict[api.SearchOut](t, w.county.postJSON(t, "/api/v1/persons/_search", map[string]any{"q": shareChildName})); len(sr.Persons) != 0 {
			t.Errorf("search under a share without identity finds %d", len(sr.Persons))
		}

		// Expiry takes effect on the next request, before the job runs.
		e.Clock.Advance(3 * 24 * time.Hour)
		if got, want := w.reads(t, w.county), readsWant(); !cmp.Equal(got, want) {
			t.Errorf("after expiry the county reads %v", got)
		}
		if got := decodeStrict[api.ShareOut](t, w.owner.get(t, "/api/v1/shares/"+s.ID)); got.Status != "expired" {
			t.Errorf("state after expiry = %q", got.Status)
		}
		if got := auditEvents(t, e, store.AuditFilter{ObjectType: "share", ObjectID: s.ID, Action: hub.ActExpire}); len(got) != 0 {
			t.Fatalf("expiry recorded before the job ran: %+v", got)
		}
		run, err := e.App.RunDeadlines(ctx)
		if err != nil || run.SharesExpired != 1 {
			t.Fatalf("deadline job: %+v, %v", run, err)
		}
		if got := auditEvents(t, e, store.AuditFilter{ObjectType: "share", ObjectID: s.ID, Action: hub.ActExpire}); len(got) != 1 || got[0].SubjectID != w.child.ID {
			t.Errorf("expiry events = %+v, want one", got)
		}
		if run, err := e.App.RunDeadlines(ctx); err != nil || run.SharesExpired != 0 {
			t.Errorf("second deadline run: %+v, %v; want nothing more expired", run, err)
		}
		trail := decodeStrict[api.ShareAuditOut](t, w.manager.get(t, "/api/v1/shares/"+s.ID+"/audit"))
		if !slices.ContainsFunc(trail.Events, func(ev api.ShareAuditEvent) bool { return ev.Action == hub.ActExpire }) {
			t.Errorf("share audit trail lacks the expiry: %+v", trail.Events)
		}
		// An ended share cannot be revoked.
		if res := w.owner.postJSON(t, "/api/v1/shares/"+s.ID+"/revoke", map[string]any{"reason": "tidy up"}); res.StatusCode != http.StatusBadRequest || errorBody(t, res).Field != "share" {
			t.Errorf("revoking an expired share: %d %s", res.StatusCode, res.Body)
		}
	})
}

// TestShareAPIRequests: the county's search finds that the child is held
// in Leicester and it asks for a share; the owner sees the request, grants
// it, and the county reads. Rutland's request is refused with a reason,
// which Rutland reads.
func TestShareAPIRequests(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		w := newShareAPIWorld(t, engine)
		e := w.e
		sr := decodeStrict[api.SearchOut](t, w.county.postJSON(t, "/api/v1/persons/_search", map[string]any{"q": "943 476 5919"}))
		if len(sr.Elsewhere) != 1 || sr.Elsewhere[0].Requested {
			t.Fatalf("county's search by NHS number = %+v", sr)
		}
		body := map[string]any{"person_id": sr.Elsewhere[0].PersonID, "parts": []string{"identity", "missing"}, "purpose": "joint_investigation", "reason": "Seen with county lines suspects in Loughborough."}
		for _, tc := range []struct{ key, field string }{{"purpose", "purpose"}, {"parts", "parts"}, {"reason", "reason"}} {
			before := shareCount(t, e)
			res := w.county.postJSON(t, "/api/v1/share-requests", with(body, tc.key, nil))
			if res.StatusCode != http.StatusBadRequest || errorBody(t, res).Field != tc.field {
				t.Errorf("request without %s: %d %s", tc.key, res.StatusCode, res.Body)
			}
			if after := shareCount(t, e); after != before {
				t.Errorf("request without %s wrote: %v → %v", tc.key, before, after)
			}
		}
		res := w.county.postJSON(t, "/api/v1/share-requests", body)
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("request: %d %s", res.StatusCode, res.Body)
		}
		rq := decodeStrict[api.ShareRequestOut](t, res)
		if rq.Status != "pending" || rq.RequesterID != w.countyUser.ID || rq.OwnerAreaID != e.Areas["856"].ID || res.Header.Get("Location") != "/api/v1/share-requests/"+rq.ID {
			t.Errorf("request = %+v", rq)
		}
		if ev := newestEvent(t, e); ev.Action != hub.ActShareRequest || ev.ObjectID != rq.ID {
			t.Errorf("request event = %+v", ev)
		}
		if res := w.county.postJSON(t, "/api/v1/share-requests", body); res.StatusCode != http.StatusBadRequest || errorBody(t, res).Field != "person_id" {
			t.Errorf("a second request while one waits: %d %s", res.StatusCode, res.Body)
		}
		sr = decodeStrict[api.SearchOut](t, w.county.postJSON(t, "/api/v1/persons/_search", map[string]any{"q": "943 476 5919"}))
		if len(sr.Elsewhere) != 1 || !sr.Elsewhere[0].Requested {
			t.Errorf("search after requesting = %+v, want requested", sr.Elsewhere)
		}

		// The requester reads the request without the child's name; the
		// owner sees it waiting, named; Rutland does not see it.
		res = w.county.get(t, "/api/v1/share-requests/"+rq.ID)
		if res.StatusCode != http.StatusOK || strings.Contains(res.Body, shareChildName) || decodeStrict[api.ShareRequestOut](t, res).CanAnswer {
			t.Errorf("requester reads the request: %d %s", res.StatusCode, res.Body)
		}
		if res := w.rutland.get(t, "/api/v1/share-requests/"+rq.ID); res.StatusCode != http.StatusNotFound {
			t.Errorf("Rutland reads the request: %d", res.StatusCode)
		}
		list := decodeStrict[api.ShareListOut](t, w.owner.get(t, "/api/v1/shares"))
		if len(list.Requests) != 1 || list.Requests[0].ID != rq.ID || !list.Requests[0].CanAnswer || !strings.Contains(list.Requests[0].SubjectName, shareChildName) {
			t.Errorf("owner's requests = %+v", list.Requests)
		}
		if list := decodeStrict[api.ShareListOut](t, w.county.get(t, "/api/v1/shares")); len(list.MyRequests) != 1 || list.MyRequests[0].SubjectName != "" {
			t.Errorf("county's own requests = %+v", list.MyRequests)
		}
		// The requester cannot answer their own request.
		if res := w.county.postJSON(t, "/api/v1/share-requests/"+rq.ID+"/refuse", map[string]any{"reason": "no"}); res.StatusCode != http.StatusBadRequest && res.StatusCode != http.StatusNotFound {
			t.Errorf("requester refuses own request: %d", res.StatusCode)
		}

		// Grant: the owner chooses the parts, basis and expiry.
		before := shareCount(t, e)
		res = w.owner.postJSON(t, "/api/v1/share-requests/"+rq.ID+"/grant", map[string]any{"parts": []string{"identity", "missing"}, "basis": "no-such-basis", "necessity": "Joint investigation."})
		if res.StatusCode != http.StatusBadRequest || errorBody(t, res).Field != "basis" {
			t.Errorf("grant with an unknown basis: %d %s", res.StatusCode, res.Body)
		}
		if after := shareCount(t, e); after != before {
			t.Errorf("refused grant wrote: %v → %v", before, after)
		}
		res = w.owner.postJSON(t, "/api/v1/share-requests/"+rq.ID+"/grant", map[string]any{"parts": []string{"identity", "missing"}, "basis": "ca2004-s11",
			"necessity": "Joint investigation with the county.", "expires": "2026-12-20"})
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("grant: %d %s", res.StatusCode, res.Body)
		}
		granted := decodeStrict[api.ShareOut](t, res)
		if granted.RecipientKind != "users" || !slices.Equal(granted.RecipientIDs, []string{w.countyUser.ID}) || granted.RequestID != rq.ID || granted.Purpose != "joint_investigation" {
			t.Errorf("granted share = %+v", granted)
		}
		if got, want := w.reads(t, w.county), readsWant("identity", "missing"); !cmp.Equal(got, want) {
			t.Errorf("after the grant the county reads %v, want %v", got, want)
		}
		if got := decodeStrict[api.ShareRequestOut](t, w.county.get(t, "/api/v1/share-requests/"+rq.ID)); got.Status != "granted" || got.ShareID != granted.ID || got.Share == nil {
			t.Errorf("request after the grant = %+v", got)
		}
		if res := w.owner.postJSON(t, "/api/v1/share-requests/"+rq.ID+"/refuse", map[string]any{"reason": "changed my mind"}); res.StatusCode != http.StatusBadRequest || errorBody(t, res).Field != "request" {
			t.Errorf("refusing an answered request: %d %s", res.StatusCode, res.Body)
		}

		// Rutland asks too; the owner refuses with a reason.
		res = w.rutland.postJSON(t, "/api/v1/share-requests", with(body, "purpose", "mace"))
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("Rutland's request: %d %s", res.StatusCode, res.Body)
		}
		rq2 := decodeStrict[api.ShareRequestOut](t, res)
		before, c0 := shareCount(t, e), countsOf(t, e)
		res = w.owner.postJSON(t, "/api/v1/share-requests/"+rq2.ID+"/refuse", map[string]any{"reason": ""})
		if res.StatusCode != http.StatusBadRequest || errorBody(t, res).Field != "reason" {
			t.Errorf("refusal without a reason: %d %s", res.StatusCode, res.Body)
		}
		if after, c1 := shareCount(t, e), countsOf(t, e); after != before || c1 != c0 {
			t.Errorf("refused refusal wrote: %v → %v", before, after)
		}
		res = w.owner.postJSON(t, "/api/v1/share-requests/"+rq2.ID+"/refuse", map[string]any{"reason": "Rutland has no current involvement."})
		if res.StatusCode != http.StatusOK {
			t.Fatalf("refuse: %d %s", res.StatusCode, res.Body)
		}
		if got := decodeStrict[api.ShareRequestOut](t, res); got.Status != "refused" || got.RefuseReason != "Rutland has no current involvement." {
			t.Errorf("refused request = %+v", got)
		}
		if !hasEvent(auditEvents(t, e, store.AuditFilter{ObjectType: "share_request", ObjectID: rq2.ID}), w.ownerUser.ID, hub.ActShareRequest, rq2.ID) {
			t.Error("the refusal is not audited")
		}
		got := decodeStrict[api.ShareRequestOut](t, w.rutland.get(t, "/api/v1/share-requests/"+rq2.ID))
		if got.Status != "refused" || got.RefuseReason == "" || got.SubjectName != "" {
			t.Errorf("Rutland reads its refused request as %+v", got)
		}
		if got, want := w.reads(t, w.rutland), readsWant(); !cmp.Equal(got, want) {
			t.Errorf("after the refusal Rutland reads %v", got)
		}
	})
}

// TestShareAPIApprovalAndContributions: sharing case notes waits for a
// manager's approval; once approved the county reads the notes and adds a
// contribution, which the owner side reads, attributed.
func TestShareAPIApprovalAndContributions(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		w := newShareAPIWorld(t, engine)
		e := w.e
		s := w.mustShare(t, w.owner, w.share("case_id", w.kase.ID, "person_id", nil, "parts", []string{"case", "notes"}, "contribute", true, "purpose", "joint_plan"))
		if s.Status != "pending" || s.CaseID != w.kase.ID {
			t.Fatalf("share of notes = %+v, want pending approval", s)
		}
		if got, want := w.reads(t, w.county), readsWant(); !cmp.Equal(got, want) {
			t.Errorf("before approval the county reads %v", got)
		}
		if list := decodeStrict[api.ShareListOut](t, w.manager.get(t, "/api/v1/shares")); len(list.Pending) != 1 || list.Pending[0].ID != s.ID || !list.Oversight {
			t.Errorf("manager's pending list = %+v", list.Pending)
		}
		// The sharer cannot approve (their role lacks it); the manager
		// can, with an empty body or none.
		if res := w.owner.postJSON(t, "/api/v1/shares/"+s.ID+"/approve", map[string]any{}); res.StatusCode != http.StatusForbidden {
			t.Errorf("sharer approves: %d", res.StatusCode)
		}
		if res := w.manager.postJSON(t, "/api/v1/shares/"+s.ID+"/approve", map[string]any{"note": "ok"}); res.StatusCode != http.StatusBadRequest || errorBody(t, res).Field != "note" {
			t.Errorf("approve with an unknown field: %d %s", res.StatusCode, res.Body)
		}
		res := w.manager.do(t, http.MethodPost, "/api/v1/shares/"+s.ID+"/approve", "", "")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("approve: %d %s", res.StatusCode, res.Body)
		}
		if got := decodeStrict[api.ShareOut](t, res); got.Status != "active" || got.ApprovedBy != e.Users[hub.RoleManager].ID {
			t.Errorf("approved share = %+v", got)
		}
		if !hasEvent(auditEvents(t, e, store.AuditFilter{ObjectType: "share", ObjectID: s.ID}), e.Users[hub.RoleManager].ID, hub.ActShareApprove, s.ID) {
			t.Error("the approval is not audited")
		}
		if got, want := w.reads(t, w.county), readsWant("case", "notes"); !cmp.Equal(got, want) {
			t.Errorf("after approval the county reads %v, want %v", got, want)
		}

		// Contributions: the recipient's, attributed; not the owner's.
		if res := w.county.postJSON(t, "/api/v1/shares/"+s.ID+"/contributions", map[string]any{"body": " "}); res.StatusCode != http.StatusBadRequest || errorBody(t, res).Field != "body" {
			t.Errorf("empty contribution: %d %s", res.StatusCode, res.Body)
		}
		res = w.county.postJSON(t, "/api/v1/shares/"+s.ID+"/contributions", map[string]any{"body": "Seen in Loughborough on Friday with two older males."})
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("contribute: %d %s", res.StatusCode, res.Body)
		}
		c := decodeStrict[api.ShareContributionOut](t, res)
		if c.AuthorID != w.countyUser.ID || c.ShareID != s.ID || c.AgencyID != w.countyUser.AgencyID {
			t.Errorf("contribution = %+v", c)
		}
		if res := w.owner.postJSON(t, "/api/v1/shares/"+s.ID+"/contributions", map[string]any{"body": "x"}); res.StatusCode != http.StatusNotFound {
			t.Errorf("the owner contributes to their own share: %d", res.StatusCode)
		}
		v := decodeStrict[api.ShareOut](t, w.owner.get(t, "/api/v1/shares/"+s.ID))
		if len(v.Contributions) != 1 || v.Contributions[0].ID != c.ID || v.Contributions[0].Agency == "" || !v.Links.IsOwner || !v.Links.CanRevoke {
			t.Errorf("owner's view = %+v", v)
		}

		// A second pending share, refused by the manager with a reason.
		s2 := w.mustShare(t, w.owner, w.share("parts", []string{"notes"}))
		if res := w.manager.postJSON(t, "/api/v1/shares/"+s2.ID+"/refuse", map[string]any{}); res.StatusCode != http.StatusBadRequest || errorBody(t, res).Field != "reason" {
			t.Errorf("refuse without a reason: %d %s", res.StatusCode, res.Body)
		}
		res = w.manager.postJSON(t, "/api/v1/shares/"+s2.ID+"/refuse", map[string]any{"reason": "Notes are not needed for locating her."})
		if got := decodeStrict[api.ShareOut](t, res); res.StatusCode != http.StatusOK || got.Status != "refused" || got.EndReason == "" {
			t.Errorf("refused share: %d %+v", res.StatusCode, got)
		}
	})
}

// TestShareAPIBadInput: each refusal is 400 naming the field (404 for a
// record the sharer cannot see) and writes nothing.
func TestShareAPIBadInput(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		w := newShareAPIWorld(t, engine)
		e := w.e
		far := e.NewPerson(t, "857", app.PersonInput{GivenName: "Far", FamilyName: "Away"})
		for _, tc := range []struct {
			name  string
			body  any
			field string
		}{
			{"expiry in the past", w.share("expires", "2026-11-26"), "expires"},
			{"expiry beyond the maximum", w.share("expires", "2027-02-26"), "expires"},
			{"expiry not a date", w.share("expires", "next week"), "expires"},
			{"unknown basis", w.share("basis", "consent-maybe"), "basis"},
			{"no basis", w.share("basis", nil), "basis"},
			{"unknown purpose", w.share("purpose", "curiosity"), "purpose"},
			{"unknown part", w.share("parts", []string{"identity", "diary"}), "parts"},
			{"no parts", w.share("parts", []string{}), "parts"},
			{"own area", w.share("recipient_ids", []string{e.Areas["856"].ID}), "recipient_ids"},
			{"oneself", w.share("recipient_kind", "users", "recipient_ids", []string{w.ownerUser.ID}), "recipient_ids"},
			{"own agency", w.share("recipient_kind", "agency", "recipient_ids", []string{w.ownerUser.AgencyID}), "recipient_ids"},
			{"unknown area", w.share("recipient_ids", []string{hub.NewID()}), "recipient_ids"},
			{"unknown recipient kind", w.share("recipient_kind", "everyone"), "recipient_kind"},
			{"no recipients", w.share("recipient_ids", nil), "recipient_ids"},
			{"oversized necessity", w.share("necessity", strings.Repeat("x", 2001)), "necessity"},
			{"no necessity", w.share("necessity", " "), "necessity"},
			{"no record", w.share("person_id", nil), "person_id"},
			{"unknown field", w.share("approved_by", w.ownerUser.ID), "approved_by"},
			{"parts not an array", w.share("parts", "identity"), "parts"},
			{"duplicate key", `{"basis": "safeguarding", "basis": "vital-interests"}`, "basis"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before, c0 := shareCount(t, e), countsOf(t, e)
				res := w.owner.postJSON(t, "/api/v1/shares", tc.body)
				if res.StatusCode != http.StatusBadRequest {
					t.Fatalf("status %d, want 400: %s", res.StatusCode, res.Body)
				}
				if b := errorBody(t, res); b.Field != tc.field || b.Code != hub.EInvalid || b.Message == "" {
					t.Errorf("error %+v, want field %s", b, tc.field)
				}
				if after, c1 := shareCount(t, e), countsOf(t, e); after != before || c1 != c0 {
					t.Errorf("refused share wrote: %v → %v, %+v → %+v", before, after, c0, c1)
				}
			})
		}
		// A record the sharer cannot see in their own right answers 404, as
		// one that does not exist; so does sharing on from a share.
		t.Run("record out of scope", func(t *testing.T) {
			before := shareCount(t, e)
			for _, id := range []string{far.ID, hub.NewID()} {
				res := w.owner.postJSON(t, "/api/v1/shares", w.share("person_id", id))
				if res.StatusCode != http.StatusNotFound || errorBody(t, res).Code != hub.ENotFound {
					t.Errorf("sharing %s: %d %s", id, res.StatusCode, res.Body)
				}
			}
			w.mustShare(t, w.owner, w.share())
			res := w.county.postJSON(t, "/api/v1/shares", w.share("recipient_ids", []string{e.Areas["857"].ID}))
			if res.StatusCode != http.StatusNotFound {
				t.Errorf("the recipient shares on: %d %s", res.StatusCode, res.Body)
			}
			if after := shareCount(t, e); after[0] != before[0]+1 {
				t.Errorf("shares %d → %d, want one more", before[0], after[0])
			}
		})
		// Without case:write a token may not share.
		t.Run("scope", func(t *testing.T) {
			ro := newClient(e, e.Token(t, w.ownerUser, hub.ScopePersonRead, hub.ScopeCaseRead))
			if res := ro.postJSON(t, "/api/v1/shares", w.share()); res.StatusCode != http.StatusForbidden {
				t.Errorf("case:read token shares: %d", res.StatusCode)
			}
		})
	})
}

// TestShareConfigAPI: the configuration for forms, with the expiry bounds
// as dates from today (27 November 2026).
func TestShareConfigAPI(t *testing.T) {
	e := apptest.New(t, storetest.Engines()[0], apptest.Options{})
	c := newClient(e, e.Token(t, e.Users[hub.RolePractitioner], hub.ScopeCaseRead))
	res := c.get(t, "/api/v1/share-config")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/v1/share-config = %d %s", res.StatusCode, res.Body)
	}
	cfg := decodeStrict[api.ShareConfigOut](t, res)
	if cfg.DefaultDays != 30 || cfg.MaxDays != 90 || cfg.DefaultExpires != "2026-12-27" || cfg.LatestExpires != "2027-02-25" ||
		!slices.Equal(cfg.ApprovalParts, []string{"notes"}) || len(cfg.Parts) != len(hub.SharePartList) || len(cfg.Purposes) == 0 {
		t.Errorf("share config = %+v", cfg)
	}
	i := slices.IndexFunc(cfg.Bases, func(b api.BasisOut) bool { return b.Code == "safeguarding" })
	if i < 0 || !strings.Contains(cfg.Bases[i].Reference, "DPA 2018") {
		t.Errorf("bases = %+v, want safeguarding with its statutory reference", cfg.Bases)
	}
	// A token with case:read lists what it has received.
	if res := c.get(t, "/api/v1/shares"); res.StatusCode != http.StatusOK {
		t.Errorf("GET /api/v1/shares with case:read = %d %s", res.StatusCode, res.Body)
	}
}

// TestShareOpenAPISchemas: the sharing schemas list exactly the JSON
// fields of their DTOs.
func TestShareOpenAPISchemas(t *testing.T) {
	doc, _ := loadOpenAPI(t)
	checkSchemas(t, doc, map[string]any{
		"ShareIn": api.ShareIn{}, "ShareGrantIn": api.ShareGrantIn{}, "ReasonIn": api.ReasonIn{}, "ShareContributionIn": api.ShareContributionIn{},
		"ShareRequestIn": api.ShareRequestIn{}, "LawfulBasis": api.BasisOut{}, "Option": api.OptionOut{}, "ShareLinks": api.ShareLinks{},
		"ShareContribution": api.ShareContributionOut{}, "Share": api.ShareOut{}, "ShareRequest": api.ShareRequestOut{}, "ShareList": api.ShareListOut{},
		"ShareAuditEvent": api.ShareAuditEvent{}, "ShareAudit": api.ShareAuditOut{}, "ShareConfig": api.ShareConfigOut{}, "Elsewhere": api.ElsewhereOut{},
	})
	// Discovery never carries a name or a date of birth.
	for _, f := range jsonFields(reflect.TypeOf(api.ElsewhereOut{})) {
		if strings.Contains(f, "name") || strings.Contains(f, "birth") {
			t.Errorf("ElsewhereOut has field %s", f)
		}
	}
}
