package app_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/apptest"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
	"github.com/safehub/safehub/internal/store/storetest"
)

// shareWorld is a Leicester child with a case (a note on it), a missing
// episode and a referral, and practitioners in Leicester (the owner side),
// Leicestershire (the recipient area) and Rutland (neither).
type shareWorld struct {
	e                 *apptest.Env
	owner, county     *access.Actor
	rutland, auditor  *access.Actor
	child             *hub.Person
	kase              *hub.Case
	note              *hub.Note
	episode           *hub.MissingEpisode
	referral          *hub.Referral
	countyArea, owned string
}

func newShareWorld(t *testing.T, engine string) *shareWorld {
	t.Helper()
	e := apptest.New(t, engine, apptest.Options{})
	w := &shareWorld{e: e, owner: e.RoleActor(hub.RolePractitioner), auditor: e.RoleActor(hub.RoleAuditor)}
	w.county = e.Actor(e.NewUser(t, "county.prac", hub.AgencySocialCare, []hub.Role{hub.RolePractitioner}, "855"))
	w.rutland = e.Actor(e.NewUser(t, "rutland.prac", hub.AgencySocialCare, []hub.Role{hub.RolePractitioner}, "857"))
	w.countyArea, w.owned = e.Areas["855"].ID, e.Areas["856"].ID
	w.child = e.NewPerson(t, "856", app.PersonInput{GivenName: "Tamsin", FamilyName: "Okafor", DateOfBirth: "2011-06-14",
		NHSNumber: "9434765919"})
	var err error
	if w.kase, err = e.App.OpenCase(ctx, w.owner, openCaseInput(e, w.child, e.Users[hub.RolePractitioner])); err != nil {
		t.Fatal(err)
	}
	if w.note, err = e.App.AddNote(ctx, w.owner, w.kase.ID, app.NoteInput{Kind: "information", Body: "Disclosed an older boyfriend."}); err != nil {
		t.Fatal(err)
	}
	if w.episode, err = e.App.ReportMissing(ctx, w.owner, childReport(e, w.child)); err != nil {
		t.Fatal(err)
	}
	if w.referral, err = e.App.RecordReferral(ctx, w.owner, validReferral(w.child)); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *shareWorld) input(parts ...string) app.ShareInput {
	return app.ShareInput{PersonID: w.child.ID, RecipientKind: "area", RecipientIDs: []string{w.countyArea}, Parts: parts,
		Purpose: "missing_located", Basis: "safeguarding", Necessity: "Found in Loughborough; the county's team will do the return interview."}
}

// reads says which of the child's records actor may read now.
func (w *shareWorld) reads(t *testing.T, actor *access.Actor) map[string]bool {
	t.Helper()
	ok := func(err error) bool {
		if err != nil && !errors.Is(err, hub.ErrNotFound) {
			t.Fatalf("read: %v, want success or not found", err)
		}
		return err == nil
	}
	_, e1 := w.e.App.ViewPerson(ctx, actor, w.child.ID)
	_, e2 := w.e.App.ViewCase(ctx, actor, w.kase.ID)
	_, e3 := w.e.App.ViewNote(ctx, actor, w.note.ID)
	_, e4 := w.e.App.ViewMissingEpisode(ctx, actor, w.episode.ID)
	_, e5 := w.e.App.ViewReferral(ctx, actor, w.referral.ID)
	return map[string]bool{"identity": ok(e1), "case": ok(e2), "notes": ok(e3), "missing": ok(e4), "assessments": ok(e5)}
}

func TestShareOpensNamedPartsUntilRevoked(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		w := newShareWorld(t, engine)
		e := w.e
		none := map[string]bool{"identity": false, "case": false, "notes": false, "missing": false, "assessments": false}
		if got := w.reads(t, w.county); !mapsEqual(got, none) {
			t.Fatalf("before sharing the county reads %v", got)
		}
		var s *hub.Share
		ev := oneEvent(t, e, 0, func() (err error) {
			s, err = e.App.CreateShare(ctx, w.owner, w.input("identity", "missing"))
			return err
		})
		checkEvent(t, ev, wantEvent{ActorID: w.owner.ID, Action: hub.ActShare, ObjectType: "share", ObjectID: s.ID, SubjectID: w.child.ID, Outcome: hub.OutcomeSuccess, Purpose: "missing_located"})
		if s.Status != hub.ShareActive || !s.ExpiresAt.After(e.Clock.Now().AddDate(0, 0, 29)) {
			t.Errorf("share = %+v, want active for the default 30 days", s)
		}
		want := map[string]bool{"identity": true, "case": false, "notes": false, "missing": true, "assessments": false}
		if got := w.reads(t, w.county); !mapsEqual(got, want) {
			t.Errorf("under the share the county reads %v, want %v", got, want)
		}
		if got := w.reads(t, w.rutland); !mapsEqual(got, none) {
			t.Errorf("Rutland, not named, reads %v", got)
		}
		// The person page holds the shared parts' sections only.
		v, err := e.App.ViewPerson(ctx, w.county, w.child.ID)
		if err != nil {
			t.Fatal(err)
		}
		if v.ViaShare == nil || v.ViaShare.ID != s.ID || v.CanEdit {
			t.Errorf("person view: via %v, can edit %v", v.ViaShare, v.CanEdit)
		}
		if v.Casework == nil || v.Casework.Missing == nil {
			t.Error("the shared missing history is not on the person page")
		}
		if v.Casework != nil && v.Casework.Referrals != nil && v.Casework.Referrals.CanRead {
			t.Error("unshared referrals are readable on the person page")
		}
		if v.Casework != nil && v.Casework.Cases != nil && len(v.Casework.Cases.Cases) > 0 {
			t.Error("the unshared case is listed on the person page")
		}
		// The chronology holds the shared parts' entries only.
		ch, err := e.App.ChronologyOf(ctx, w.county, w.child.ID, app.ChronologyFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if !ch.Shared || len(ch.Entries) == 0 {
			t.Fatalf("chronology under share: shared %v, %d entries", ch.Shared, len(ch.Entries))
		}
		for _, en := range ch.Entries {
			if en.Kind != "missing" && en.Kind != "rhi" && en.Kind != "nrm" {
				t.Errorf("chronology under a missing-only share shows a %q entry", en.Kind)
			}
		}
		own, err := e.App.ChronologyOf(ctx, w.owner, w.child.ID, app.ChronologyFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if own.Total <= ch.Total {
			t.Errorf("owner's chronology has %d entries, the recipient's %d: nothing withheld", own.Total, ch.Total)
		}
		// Search finds the shared child for the county, and not for Rutland
		// (who is told only that a record exists elsewhere).
		res, err := e.App.SearchPersons(ctx, w.county, app.PersonQuery{Text: "9434765919"})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Persons) != 1 || len(res.Elsewhere) != 0 {
			t.Errorf("county search: %d persons, %d elsewhere; want the shared child", len(res.Persons), len(res.Elsewhere))
		}
		res, err = e.App.SearchPersons(ctx, w.rutland, app.PersonQuery{Text: "9434765919"})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Persons) != 0 || res.Total != 0 || len(res.Elsewhere) != 1 || res.Elsewhere[0].Area != "Leicester" {
			t.Errorf("Rutland search: %d persons (total %d), elsewhere %+v; want only an elsewhere entry naming Leicester", len(res.Persons), res.Total, res.Elsewhere)
		}
		// Name search is not precise enough to discover anything.
		res, err = e.App.SearchPersons(ctx, w.rutland, app.PersonQuery{Text: "Okafor"})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Persons) != 0 || len(res.Elsewhere) != 0 {
			t.Errorf("Rutland name search: %d persons, %d elsewhere", len(res.Persons), len(res.Elsewhere))
		}
		// The county's case list and work queue do not count the child.
		cl, err := e.App.Cases(ctx, w.county, app.CaseListFilter{Status: "all"})
		if err != nil {
			t.Fatal(err)
		}
		if cl.Total != 0 || len(cl.Cases) != 0 {
			t.Errorf("county case list: total %d", cl.Total)
		}

		// Revocation takes effect on the next request.
		if err := e.App.RevokeShare(ctx, w.county, s.ID, "not mine"); err == nil {
			t.Error("the recipient revoked the share")
		}
		ev = oneEvent(t, e, 0, func() error { return e.App.RevokeShare(ctx, w.owner, s.ID, "Child back home; return interview done.") })
		checkEvent(t, ev, wantEvent{ActorID: w.owner.ID, Action: hub.ActRevoke, ObjectType: "share", ObjectID: s.ID, SubjectID: w.child.ID, Outcome: hub.OutcomeSuccess})
		if got := w.reads(t, w.county); !mapsEqual(got, none) {
			t.Errorf("after revocation the county reads %v", got)
		}
		res, err = e.App.SearchPersons(ctx, w.county, app.PersonQuery{Text: "9434765919"})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Persons) != 0 {
			t.Errorf("after revocation county search finds %d persons", len(res.Persons))
		}
		if _, err := e.App.ChronologyOf(ctx, w.county, w.child.ID, app.ChronologyFilter{}); !errors.Is(err, hub.ErrNotFound) {
			t.Errorf("chronology after revocation: %v, want not found", err)
		}
		if err := e.App.RevokeShare(ctx, w.owner, s.ID, "again"); hub.ErrorField(err) != "share" {
			t.Errorf("revoking twice: %v", err)
		}
	})
}

func TestShareExpiresOnTheNextRequest(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		w := newShareWorld(t, engine)
		e := w.e
		in := w.input("identity", "case", "notes")
		in.Expires = e.Clock.Now().In(app.London).AddDate(0, 0, 2).Format("2006-01-02")
		s, err := e.App.CreateShare(ctx, e.RoleActor(hub.RoleManager), in)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]bool{"identity": true, "case": true, "notes": true, "missing": false, "assessments": false}
		if got := w.reads(t, w.county); !mapsEqual(got, want) {
			t.Fatalf("under the share the county reads %v, want %v", got, want)
		}
		// Exports: a note's attachment downloads under the share, and not
		// after it ends.
		at, err := e.App.AddAttachment(ctx, w.owner, w.note.ID, "letter.pdf", testPDF())
		if err != nil {
			t.Fatal(err)
		}
		if _, body, err := e.App.OpenAttachment(ctx, w.county, at.ID); err != nil {
			t.Errorf("attachment under the share: %v", err)
		} else {
			body.Close()
		}
		// First view of the share by a recipient is its receipt.
		if _, err := e.App.ViewShare(ctx, w.county, s.ID); err != nil {
			t.Fatal(err)
		}
		e.Clock.Advance(3 * 24 * time.Hour)
		none := map[string]bool{"identity": false, "case": false, "notes": false, "missing": false, "assessments": false}
		if got := w.reads(t, w.county); !mapsEqual(got, none) {
			t.Errorf("after expiry the county reads %v", got)
		}
		if _, _, err := e.App.OpenAttachment(ctx, w.county, at.ID); !errors.Is(err, hub.ErrNotFound) {
			t.Errorf("attachment after expiry: %v, want not found", err)
		}
		run, err := e.App.RunDeadlines(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if run.SharesExpired != 1 {
			t.Errorf("deadline job recorded %d expiries, want 1", run.SharesExpired)
		}
		if run, err = e.App.RunDeadlines(ctx); err != nil || run.SharesExpired != 0 {
			t.Errorf("second run: %v, %d expiries recorded again", err, run.SharesExpired)
		}
		// Every step is in the audit chain: share, receipt, reads under the
		// share, expiry.
		evs := auditOf(t, e, store.AuditFilter{SubjectID: w.child.ID, Limit: 500})
		for _, action := range []string{hub.ActShare, hub.ActReceive, hub.ActExpire} {
			if !slices.ContainsFunc(evs, func(ev *hub.AuditEvent) bool { return ev.Action == action && ev.ObjectID == s.ID }) {
				t.Errorf("no %s event for the share", action)
			}
		}
		reads := 0
		for _, ev := range evs {
			if ev.ActorID == w.county.ID && ev.Outcome == hub.OutcomeSuccess && strings.Contains(ev.Detail, "under share "+s.ID) {
				reads++
			}
		}
		if reads < 3 {
			t.Errorf("%d reads under the share audited, want at least 3 (person, case, note)", reads)
		}
		// The auditor's view of the share lists them.
		sa, err := e.App.ShareAudit(ctx, w.auditor, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(sa.Events) < 5 {
			t.Errorf("share audit has %d events", len(sa.Events))
		}
		v, err := e.App.ViewShare(ctx, w.owner, s.ID)
		if err != nil || v.State() != "expired" || v.CanRevoke {
			t.Errorf("owner's view after expiry: %v, state %q, can revoke %v", err, v.State(), v.CanRevoke)
		}
	})
}

func TestShareBadInput(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		w := newShareWorld(t, engine)
		e := w.e
		today := e.Clock.Now().In(app.London)
		other := w.e.NewPerson(t, "855", app.PersonInput{GivenName: "Out", FamilyName: "Ofarea", DateOfBirth: "2010-01-01"})
		tests := []struct {
			name  string
			actor *access.Actor
			mod   func(in *app.ShareInput)
			field string
		}{
			{"expiry in the past", w.owner, func(in *app.ShareInput) { in.Expires = today.AddDate(0, 0, -1).Format("2006-01-02") }, "expires"},
			{"expiry beyond the maximum", w.owner, func(in *app.ShareInput) { in.Expires = today.AddDate(0, 0, 91).Format("2006-01-02") }, "expires"},
			{"expiry not a date", w.owner, func(in *app.ShareInput) { in.Expires = "31/12/2026" }, "expires"},
			{"unknown basis", w.owner, func(in *app.ShareInput) { in.Basis = "because" }, "basis"},
			{"no basis", w.owner, func(in *app.ShareInput) { in.Basis = "" }, "basis"},
			{"unknown purpose", w.owner, func(in *app.ShareInput) { in.Purpose = "curiosity" }, "purpose"},
			{"unknown part", w.owner, func(in *app.ShareInput) { in.Parts = []string{"identity", "bank_details"} }, "parts"},
			{"no parts", w.owner, func(in *app.ShareInput) { in.Parts = nil }, "parts"},
			{"own area", w.owner, func(in *app.ShareInput) { in.RecipientIDs = []string{w.owned} }, "recipient_ids"},
			{"oneself", w.owner, func(in *app.ShareInput) { in.RecipientKind, in.RecipientIDs = "users", []string{w.owner.ID} }, "recipient_ids"},
			{"own agency", w.owner, func(in *app.ShareInput) { in.RecipientKind, in.RecipientIDs = "agency", []string{w.owner.AgencyID} }, "recipient_ids"},
			{"unknown area", w.owner, func(in *app.ShareInput) { in.RecipientIDs = []string{hub.NewID()} }, "recipient_ids"},
			{"unknown recipient kind", w.owner, func(in *app.ShareInput) { in.RecipientKind = "everyone" }, "recipient_kind"},
			{"no necessity", w.owner, func(in *app.ShareInput) { in.Necessity = " " }, "necessity"},
			{"necessity too long", w.owner, func(in *app.ShareInput) { in.Necessity = strings.Repeat("x", 2001) }, "necessity"},
			// The analyst reads the child but may not share; the nurse reads
			// casework but not the notes' part is hers to pass on only if
			// she sees it in her own right.
			{"a part the sharer cannot see", e.RoleActor(hub.RoleManager), func(in *app.ShareInput) { in.PersonID = other.ID }, "person"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				in := w.input("identity", "missing")
				tt.mod(&in)
				before := sharesCount(t, e)
				_, err := e.App.CreateShare(ctx, tt.actor, in)
				if tt.field == "person" {
					if !errors.Is(err, hub.ErrNotFound) {
						t.Errorf("sharing a record the sharer cannot see: %v, want not found", err)
					}
				} else if hub.ErrorField(err) != tt.field {
					t.Errorf("CreateShare = %v, want refused on %q", err, tt.field)
				}
				if after := sharesCount(t, e); after != before {
					t.Errorf("shares went from %d to %d", before, after)
				}
			})
		}
		// Re-sharing what one reads under a share is refused.
		if _, err := e.App.CreateShare(ctx, w.owner, w.input("identity", "missing")); err != nil {
			t.Fatal(err)
		}
		in := w.input("identity")
		in.RecipientIDs = []string{e.Areas["857"].ID}
		if _, err := e.App.CreateShare(ctx, w.county, in); !errors.Is(err, hub.ErrNotFound) {
			t.Errorf("the recipient re-shared: %v", err)
		}
		// A role without share.create may not share at all.
		if _, err := e.App.CreateShare(ctx, e.RoleActor(hub.RoleAnalyst), w.input("identity")); hub.ErrorCode(err) != hub.EForbidden {
			t.Errorf("analyst shared: %v", err)
		}
	})
}

func TestShareRequestsAndApproval(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		w := newShareWorld(t, engine)
		e := w.e
		// The county finds the child by NHS number held elsewhere and asks.
		res, err := e.App.SearchPersons(ctx, w.county, app.PersonQuery{Text: "943 476 5919"})
		if err != nil || len(res.Elsewhere) != 1 {
			t.Fatalf("discovery: %v, %+v", err, res)
		}
		if strings.Contains(strings.ToLower(res.Elsewhere[0].Area+res.Elsewhere[0].Agency+res.Elsewhere[0].Contact), "okafor") {
			t.Error("discovery names the child")
		}
		if !slices.ContainsFunc(auditOf(t, e, store.AuditFilter{SubjectID: w.child.ID, Action: hub.ActDiscover}), func(ev *hub.AuditEvent) bool { return ev.ActorID == w.county.ID }) {
			t.Error("the discovery is not audited")
		}
		req, err := e.App.RequestShare(ctx, w.county, app.ShareRequestInput{PersonID: res.Elsewhere[0].PersonID, Parts: []string{"identity", "missing"},
			Purpose: "missing_located", Reason: "Found at Loughborough station at 02:00."})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.App.RequestShare(ctx, w.county, app.ShareRequestInput{PersonID: w.child.ID, Parts: []string{"identity"}, Purpose: "mace", Reason: "again"}); hub.ErrorField(err) != "person_id" {
			t.Errorf("second pending request: %v", err)
		}
		// It is on the owner's work queue (the lead practitioner's).
		mw, err := e.App.MyWork(ctx, w.owner)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(mw.Items, func(it app.WorkItem) bool { return it.Kind == "share_request" && it.ObjectID == req.ID }) {
			t.Errorf("the request is not on the lead's work queue: %+v", mw.Items)
		}
		// The requester cannot answer their own request; Rutland cannot see it.
		if _, err := e.App.ViewShareRequest(ctx, w.rutland, req.ID); !errors.Is(err, hub.ErrNotFound) {
			t.Errorf("Rutland viewed the request: %v", err)
		}
		if _, err := e.App.GrantShareRequest(ctx, w.county, req.ID, app.ShareInput{Parts: []string{"identity"}, Basis: "safeguarding", Necessity: "x"}); err == nil {
			t.Error("the requester granted their own request")
		}
		s, err := e.App.GrantShareRequest(ctx, w.owner, req.ID, app.ShareInput{Parts: []string{"identity", "missing"}, Basis: "safeguarding",
			Necessity: "The county's team is with her now."})
		if err != nil {
			t.Fatal(err)
		}
		if s.RecipientKind != hub.RecipientUsers || !slices.Equal(s.RecipientIDs, []string{w.county.ID}) || s.RequestID != req.ID {
			t.Errorf("granted share = %+v", s)
		}
		if got := w.reads(t, w.county); !got["identity"] || !got["missing"] || got["notes"] {
			t.Errorf("after the grant the county reads %v", got)
		}
		if err := e.App.RefuseShareRequest(ctx, w.owner, req.ID, "late"); hub.ErrorField(err) != "request" {
			t.Errorf("refusing an answered request: %v", err)
		}
		// A refused request, with its reason told to the requester.
		req2, err := e.App.RequestShare(ctx, w.rutland, app.ShareRequestInput{PersonID: w.child.ID, Parts: []string{"notes"}, Purpose: "mace", Reason: "Panel on Thursday."})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.App.RefuseShareRequest(ctx, w.owner, req2.ID, ""); hub.ErrorField(err) != "reason" {
			t.Errorf("refusal without a reason: %v", err)
		}
		if err := e.App.RefuseShareRequest(ctx, w.owner, req2.ID, "Not necessary: the panel has the summary."); err != nil {
			t.Fatal(err)
		}
		rv, err := e.App.ViewShareRequest(ctx, w.rutland, req2.ID)
		if err != nil || rv.Request.Status != hub.RequestRefused || rv.Request.RefuseReason == "" || rv.SubjectName == w.child.Name() {
			t.Errorf("refused request seen by its requester: %v %+v", err, rv)
		}

		// Notes need approval: a practitioner's share waits for a manager
		// other than the sharer, and opens nothing until approved.
		in := w.input("identity", "notes")
		in.RecipientKind, in.RecipientIDs = "users", []string{w.rutland.ID}
		p, err := e.App.CreateShare(ctx, w.owner, in)
		if err != nil {
			t.Fatal(err)
		}
		if p.Status != hub.SharePending {
			t.Fatalf("notes share status %s, want pending", p.Status)
		}
		if got := w.reads(t, w.rutland); got["identity"] || got["notes"] {
			t.Errorf("pending share opens %v", got)
		}
		if err := e.App.DecideShareApproval(ctx, w.owner, p.ID, true, ""); hub.ErrorCode(err) != hub.EForbidden {
			t.Errorf("practitioner approved: %v", err)
		}
		if err := e.App.DecideShareApproval(ctx, e.RoleActor(hub.RoleManager), p.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		if got := w.reads(t, w.rutland); !got["identity"] || !got["notes"] || got["missing"] {
			t.Errorf("approved share opens %v", got)
		}
	})
}

func TestShareContributionsStayWithTheRecipient(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		w := newShareWorld(t, engine)
		e := w.e
		in := w.input("identity", "missing")
		in.Contribute = true
		s, err := e.App.CreateShare(ctx, w.owner, in)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.App.ContributeToShare(ctx, w.owner, s.ID, "owner note"); err == nil {
			t.Error("the owner contributed to their own share")
		}
		if _, err := e.App.ContributeToShare(ctx, w.county, s.ID, strings.Repeat("x", 10001)); hub.ErrorField(err) != "body" {
			t.Errorf("oversized contribution: %v", err)
		}
		c, err := e.App.ContributeToShare(ctx, w.county, s.ID, "Seen with two older males at the Coalville takeaway.")
		if err != nil {
			t.Fatal(err)
		}
		if c.AgencyID != w.county.AgencyID || c.AuthorID != w.county.ID {
			t.Errorf("contribution = %+v", c)
		}
		ov, err := e.App.ViewShare(ctx, w.owner, s.ID)
		if err != nil || len(ov.Contributions) != 1 {
			t.Fatalf("owner's view: %v, %d contributions", err, len(ov.Contributions))
		}
		if err := e.App.RevokeShare(ctx, w.owner, s.ID, "done"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.App.ContributeToShare(ctx, w.county, s.ID, "more"); !errors.Is(err, hub.ErrNotFound) {
			t.Errorf("contribution after revocation: %v", err)
		}
		// The recipient still sees its own contribution on the share.
		rv, err := e.App.ViewShare(ctx, w.county, s.ID)
		if err != nil || len(rv.Contributions) != 1 || rv.SubjectName != "" {
			t.Errorf("recipient's view after revocation: %v, %d contributions, subject %q", err, len(rv.Contributions), rv.SubjectName)
		}
	})
}

func mapsEqual(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func auditOf(t *testing.T, e *apptest.Env, f store.AuditFilter) []*hub.AuditEvent {
	t.Helper()
	var out []*hub.AuditEvent
	err := e.Store.Tx(context.Background(), func(tx *store.Tx) error {
		var err error
		out, err = tx.FindAuditEvents(f)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sharesCount(t *testing.T, e *apptest.Env) int {
	t.Helper()
	var n int
	err := e.Store.Tx(context.Background(), func(tx *store.Tx) error {
		ss, err := tx.FindShares(store.ShareFilter{Limit: 1000})
		n = len(ss)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestShareWithoutIdentityHidesWhoTheChildIs: a share of the missing
// history and of a case, without the identity part, shows the records
// but never the child's name, date of birth or identifiers.
func TestShareWithoutIdentityHidesWhoTheChildIs(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		w := newShareWorld(t, engine)
		e := w.e
		in := w.input("missing")
		if _, err := e.App.CreateShare(ctx, w.owner, in); err != nil {
			t.Fatal(err)
		}
		in = w.input("case")
		in.PersonID, in.CaseID = "", w.kase.ID
		if _, err := e.App.CreateShare(ctx, w.owner, in); err != nil {
			t.Fatal(err)
		}
		got := w.reads(t, w.county)
		if got["identity"] || !got["missing"] || !got["case"] {
			t.Fatalf("reads %v, want missing and case only", got)
		}
		ep, err := e.App.ViewMissingEpisode(ctx, w.county, w.episode.ID)
		if err != nil {
			t.Fatal(err)
		}
		name := w.child.Name()
		if ep.Episode.PersonName != app.HiddenName {
			t.Errorf("episode view names the child: %q", ep.Episode.PersonName)
		}
		for _, m := range ep.Prompts {
			if m.PersonName != app.HiddenName {
				t.Errorf("prompt names the child: %q", m.PersonName)
			}
		}
		cv, err := e.App.ViewCase(ctx, w.county, w.kase.ID)
		if err != nil {
			t.Fatal(err)
		}
		if cv.SubjectName == name || cv.SubjectLink != "" {
			t.Errorf("case view names the child: %q (%q)", cv.SubjectName, cv.SubjectLink)
		}
		ch, err := e.App.ChronologyOf(ctx, w.county, w.child.ID, app.ChronologyFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if ch.Person.Name() == name || !ch.Person.DateOfBirth.IsZero() {
			t.Errorf("chronology names the child: %q", ch.Person.Name())
		}
		kinds := map[string]bool{}
		for _, en := range ch.Entries {
			kinds[en.Kind] = true
		}
		if !kinds["missing"] || !kinds["case"] || kinds["note"] || kinds["referral"] {
			t.Errorf("chronology kinds under a missing and case share: %v", kinds)
		}
		// The owner still sees the name, of course.
		if cv, err := e.App.ViewCase(ctx, w.owner, w.kase.ID); err != nil || cv.SubjectName != name {
			t.Errorf("owner's case view: %v, %q", err, cv.SubjectName)
		}
	})
}

// TestShareRefusalIsAudited: an attempt to share a record outside the
// sharer's own scope answers not found and leaves a denied event.
func TestShareRefusalIsAudited(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		w := newShareWorld(t, engine)
		in := w.input("identity")
		in.RecipientIDs = []string{w.e.Areas["857"].ID}
		if _, err := w.e.App.CreateShare(ctx, w.county, in); !errors.Is(err, hub.ErrNotFound) {
			t.Fatalf("county shared a Leicester child: %v", err)
		}
		evs := auditOf(t, w.e, store.AuditFilter{SubjectID: w.child.ID, Action: hub.ActShare})
		if len(evs) != 1 || evs[0].Outcome != hub.OutcomeDenied || evs[0].ActorID != w.county.ID {
			t.Errorf("share refusal events = %d, want one denied event by the county", len(evs))
		}
		// And a role that may not contribute cannot, even when named.
		partner := w.e.Actor(w.e.NewUser(t, "rutland.partner", hub.AgencyVoluntary, []hub.Role{hub.RolePartner}, "857"))
		in = w.input("identity")
		in.RecipientKind, in.RecipientIDs, in.Contribute = "users", []string{partner.ID}, true
		s, err := w.e.App.CreateShare(ctx, w.owner, in)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.e.App.ContributeToShare(ctx, partner, s.ID, "note"); hub.ErrorCode(err) != hub.EForbidden {
			t.Errorf("partner contributed: %v", err)
		}
	})
}

// TestShareUserChoices: the people a share may name are those who cannot
// already read the record in their own right — not the sharer, not the
// Leicester staff who work on the child, but the county practitioner —
// and someone who may not read the record is told it does not exist.
func TestShareUserChoices(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		w := newShareWorld(t, engine)
		for _, rec := range []struct{ name, personID, caseID string }{{"person", w.child.ID, ""}, {"case", "", w.kase.ID}} {
			us, err := w.e.App.ShareUserChoices(ctx, w.owner, rec.personID, rec.caseID)
			if err != nil {
				t.Fatalf("%s: %v", rec.name, err)
			}
			ids := map[string]bool{}
			for _, u := range us {
				ids[u.ID] = true
			}
			if !ids[w.county.ID] || ids[w.owner.ID] || ids[w.e.Users[hub.RoleManager].ID] {
				t.Errorf("%s: choices %+v; want the county practitioner, not the sharer or the Leicester manager", rec.name, us)
			}
			if _, err := w.e.App.ShareUserChoices(ctx, w.county, rec.personID, rec.caseID); hub.ErrorCode(err) != hub.ENotFound {
				t.Errorf("%s: choices for someone who cannot read the record: %v, want not found", rec.name, err)
			}
		}
	})
}
