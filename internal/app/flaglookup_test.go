package app_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/apptest"
	"github.com/safehub/safehub/internal/audit"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
	"github.com/safehub/safehub/internal/store/storetest"
)

// Synthetic NHS numbers (999 range, valid check digits).
const (
	nhsFlagged = "9990000018"
	nhsOther   = "9990000026"
	nhsSpare   = "9990000034"
)

// healthClient makes a machine client of the health agency with flag:read
// and returns its actor.
func healthClient(t testing.TB, e *apptest.Env, setting string) *access.Actor {
	t.Helper()
	_, tok, err := e.App.CreateAPIClient(ctx, apptest.System, app.NewAPIClient{Name: "ED system", Setting: setting, AgencyID: e.Agencies[hub.AgencyHealth].ID, Scopes: []hub.Scope{hub.ScopeFlagRead}})
	if err != nil {
		t.Fatal(err)
	}
	a, _, err := e.App.AuthenticateToken(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// flaggedChild makes a child in 856 with NHS number nhs and sets an active
// flag on them through the nurse's use case, with the practitioner as lead.
func flaggedChild(t testing.TB, e *apptest.Env, nhs string) (*hub.Person, *hub.Flag) {
	t.Helper()
	p := e.NewPerson(t, "856", app.PersonInput{GivenName: "Kai", FamilyName: "Flagged", DateOfBirth: "2012-03-04", NHSNumber: nhs})
	return p, setFlag(t, e, p, hub.FlagCSE)
}

func setFlag(t testing.TB, e *apptest.Env, p *hub.Person, cat hub.FlagCategory) *hub.Flag {
	t.Helper()
	f, err := e.App.SetFlag(ctx, e.RoleActor(hub.RoleNurse), p.ID, app.FlagInput{
		Category: string(cat), RiskLevel: "high", Start: e.App.Today().String(),
		Reason: "SECRET reason kept in the hub", Advice: "Call the hub before discharge.",
		ContactPhone: "0116 454 1004", ContactHours: "24 hours", LeadUserID: e.Users[hub.RolePractitioner].ID,
	})
	if err != nil {
		t.Fatalf("set flag: %v", err)
	}
	return f
}

type lookupCounts struct {
	audit         int64
	notifications int
}

func lookupCountsOf(t testing.TB, e *apptest.Env) lookupCounts {
	t.Helper()
	var c lookupCounts
	err := e.Store.Read(ctx, func(tx *store.Tx) error {
		var err error
		if c.audit, err = tx.AuditSize(); err != nil {
			return err
		}
		_, c.notifications, err = tx.FindNotifications(store.NotificationFilter{UserID: e.Users[hub.RolePractitioner].ID, Kind: app.FlagLookupKind, Limit: 1})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestFlagLookUp: a look-up that finds a flag answers it (without its
// reason), writes exactly one audit event naming the client, setting,
// practitioner, flag and child, and notifies the lead practitioner of the
// setting and time; the child's chronology shows it to those who may see
// flags. A look-up that finds nothing is recorded as "no active flag".
// Refused look-ups write nothing.
func TestFlagLookUp(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		sender := &recordingSender{}
		e.App.SetSender(sender)
		ed := healthClient(t, e, "Leicester Royal Infirmary ED")
		p, f := flaggedChild(t, e, nhsFlagged)
		lead := e.Users[hub.RolePractitioner]

		before := lookupCountsOf(t, e)
		res, err := e.Flags.LookUp(ctx, ed, "999 000 0018", "Dr A Khan, ED registrar", 20)
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != 1 || len(res.Flags) != 1 || res.Flags[0].ID != f.ID || res.NHSNumber != nhsFlagged {
			t.Fatalf("look-up = %+v, want the one flag", res)
		}
		if res.Flags[0].Reason != "" || res.Agencies[p.OwnerAgencyID] == "" {
			t.Errorf("look-up flag reason %q (want none), owner agency %q", res.Flags[0].Reason, res.Agencies[p.OwnerAgencyID])
		}
		after := lookupCountsOf(t, e)
		if after.audit-before.audit != 1 || after.notifications-before.notifications != 1 {
			t.Fatalf("look-up wrote %d audit events and %d notifications, want 1 and 1", after.audit-before.audit, after.notifications-before.notifications)
		}
		ev := newestEvents(t, e, 1)[0]
		checkEvent(t, ev, wantEvent{ActorID: ed.ID, Action: hub.ActFlagLookup, ObjectType: "flag", ObjectID: f.ID, SubjectID: p.ID, Outcome: hub.OutcomeSuccess})
		if ev.ActorName != "ED system" || ev.AgencyID != e.Agencies[hub.AgencyHealth].ID || ev.Detail != "setting: Leicester Royal Infirmary ED; practitioner: Dr A Khan, ED registrar" {
			t.Errorf("audit event %+v", ev)
		}
		if !ev.Time.Equal(res.At) {
			t.Errorf("result time %v, event time %v", res.At, ev.Time)
		}
		var ns []*hub.Notification
		err = e.Store.Read(ctx, func(tx *store.Tx) error {
			var err error
			ns, _, err = tx.FindNotifications(store.NotificationFilter{UserID: lead.ID, Kind: app.FlagLookupKind})
			return err
		})
		if err != nil || len(ns) != 1 {
			t.Fatalf("lead's look-up notifications = %d, %v", len(ns), err)
		}
		n := ns[0]
		// 09:00 UTC on 27 November is 09:00 in London (GMT).
		for _, want := range []string{"Leicester Royal Infirmary ED", "Friday 27 November 2026 at 09:00", "Kai Flagged", "Dr A Khan"} {
			if !strings.Contains(n.Title+" "+n.Body, want) {
				t.Errorf("notification %q / %q does not say %q", n.Title, n.Body, want)
			}
		}
		if n.SubjectID != p.ID || n.ObjectID != f.ID || n.Link != "/persons/"+p.ID {
			t.Errorf("notification %+v", n)
		}
		e.App.WaitDeliveries()
		sender.mu.Lock()
		sent := strings.Join(sender.sent, ",")
		sender.mu.Unlock()
		if !strings.Contains(sent, lead.Username+":"+app.FlagLookupKind) {
			t.Errorf("sender got %q, want the look-up notification to %s", sent, lead.Username)
		}

		// The chronology shows it to the nurse, not to education.
		ch, err := app.FlagLookupChronologyForTest(ctx, e.App, e.RoleActor(hub.RoleNurse), p)
		if err != nil || len(ch) != 1 || ch[0].Title != "Health flag looked up at Leicester Royal Infirmary ED" || !strings.Contains(ch[0].Detail, "Dr A Khan") {
			t.Errorf("nurse's chronology = %+v, %v", ch, err)
		}
		if ch, err := app.FlagLookupChronologyForTest(ctx, e.App, e.RoleActor(hub.RoleEducation), p); err != nil || len(ch) != 0 {
			t.Errorf("education's chronology = %+v, %v; want none", ch, err)
		}

		// No flag: recorded, no notification.
		before = lookupCountsOf(t, e)
		res, err = e.Flags.LookUp(ctx, ed, nhsOther, "", 20)
		if err != nil || res.Total != 0 || len(res.Flags) != 0 {
			t.Fatalf("look-up of an unflagged child = %+v, %v", res, err)
		}
		after = lookupCountsOf(t, e)
		if after.audit-before.audit != 1 || after.notifications != before.notifications {
			t.Errorf("an empty look-up wrote %d audit events and %d notifications, want 1 and 0", after.audit-before.audit, after.notifications-before.notifications)
		}
		ev = newestEvents(t, e, 1)[0]
		checkEvent(t, ev, wantEvent{ActorID: ed.ID, Action: hub.ActFlagLookup, ObjectType: "flag", Outcome: hub.OutcomeSuccess})
		if ev.Detail != "no active flag; setting: Leicester Royal Infirmary ED" {
			t.Errorf("empty look-up detail %q", ev.Detail)
		}

		// _count=0: the total only, still recorded.
		if res, err := e.Flags.LookUp(ctx, ed, nhsFlagged, "", 0); err != nil || res.Total != 1 || len(res.Flags) != 0 {
			t.Errorf("look-up with count 0 = %+v, %v", res, err)
		}

		// Refused: nothing written.
		refusals := []struct {
			name        string
			actor       *access.Actor
			nhs, pract  string
			code, field string
		}{
			{"wrong check digit", ed, "9990000019", "", hub.EInvalid, "nhs_number"},
			{"letters", ed, "99900000AB", "", hub.EInvalid, "nhs_number"},
			{"full-width", ed, "９９９０００００１８", "", hub.EInvalid, "nhs_number"},
			{"empty", ed, "", "", hub.EInvalid, "nhs_number"},
			{"practitioner control character", ed, nhsFlagged, "Dr\nX", hub.EInvalid, "practitioner"},
			{"nurse", e.RoleActor(hub.RoleNurse), nhsFlagged, "", hub.EForbidden, ""},
			{"personal token", &access.Actor{ID: lead.ID, Roles: lead.Roles, AreaIDs: lead.AreaIDs, Token: true, Scopes: []hub.Scope{hub.ScopeFlagRead}}, nhsFlagged, "", hub.EForbidden, ""},
		}
		for _, r := range refusals {
			before := lookupCountsOf(t, e)
			_, err := e.Flags.LookUp(ctx, r.actor, r.nhs, r.pract, 20)
			if hub.ErrorCode(err) != r.code || hub.ErrorField(err) != r.field {
				t.Errorf("%s: %v, want %s on %q", r.name, err, r.code, r.field)
			}
			if after := lookupCountsOf(t, e); after != before {
				t.Errorf("%s: wrote %+v → %+v", r.name, before, after)
			}
		}
	})
}

// TestFlagIndexCoherence: the index follows every change of a flag made
// through the use cases at once — set, end, set again, entered in error —
// and a change of the child's NHS number.
func TestFlagIndexCoherence(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		ed := healthClient(t, e, "Urgent care")
		nurse := e.RoleActor(hub.RoleNurse)
		total := func(nhs string) int {
			t.Helper()
			res, err := e.Flags.LookUp(ctx, ed, nhs, "", 20)
			if err != nil {
				t.Fatal(err)
			}
			return res.Total
		}
		p := e.NewPerson(t, "856", app.PersonInput{GivenName: "Ivy", FamilyName: "Changes", DateOfBirth: "2011-07-08", NHSNumber: nhsFlagged})
		if n := total(nhsFlagged); n != 0 {
			t.Fatalf("before any flag: %d", n)
		}
		f := setFlag(t, e, p, hub.FlagCCE)
		if n := total(nhsFlagged); n != 1 {
			t.Fatalf("after setting a flag: %d, want 1", n)
		}
		g := setFlag(t, e, p, hub.FlagMissing)
		if n := total(nhsFlagged); n != 2 {
			t.Fatalf("after setting a second flag: %d, want 2", n)
		}
		f, err := e.App.EndFlag(ctx, nurse, f.ID, f.Version, e.App.Today().String(), "risk reduced after review")
		if err != nil {
			t.Fatal(err)
		}
		// Ended today: it applied until today, so it no longer is active.
		if n := total(nhsFlagged); n != 1 {
			t.Fatalf("after ending one: %d, want 1", n)
		}
		if _, err := e.App.MarkFlagEnteredInError(ctx, nurse, g.ID, g.Version, "set on the wrong child"); err != nil {
			t.Fatal(err)
		}
		if n := total(nhsFlagged); n != 0 {
			t.Fatalf("after entered-in-error: %d, want 0", n)
		}
		setFlag(t, e, p, hub.FlagCSE)
		if n := total(nhsFlagged); n != 1 {
			t.Fatalf("after setting again: %d, want 1", n)
		}
		// The NHS number is corrected: the flag follows it.
		cur := person(t, e, p.ID)
		in := input(cur)
		in.NHSNumber = nhsSpare
		if _, err := e.App.UpdatePerson(ctx, e.RoleActor(hub.RoleManager), p.ID, cur.Version, in); err != nil {
			t.Fatal(err)
		}
		if a, b := total(nhsFlagged), total(nhsSpare); a != 0 || b != 1 {
			t.Fatalf("after correcting the NHS number: old %d, new %d; want 0 and 1", a, b)
		}
		// A full rebuild gives the same index.
		c1, f1 := e.Flags.IndexSize()
		if err := e.Flags.Rebuild(ctx); err != nil {
			t.Fatal(err)
		}
		if c2, f2 := e.Flags.IndexSize(); c1 != c2 || f1 != f2 || c2 != 1 || f2 != 1 {
			t.Errorf("index %d children %d flags, after rebuild %d %d; want 1 1", c1, f1, c2, f2)
		}
	})
}

// TestReadFlag: a client reads a flag by id (any status), audited; an
// unknown id is not found and audited as denied; a malformed one is refused
// and writes nothing.
func TestReadFlag(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		ed := healthClient(t, e, "Ambulance")
		p, f := flaggedChild(t, e, nhsFlagged)
		var got *app.FlagRead
		ev := oneEvent(t, e, 0, func() error {
			var err error
			got, err = e.Flags.ReadFlag(ctx, ed, f.ID, "paramedic")
			return err
		})
		if got.Flag.ID != f.ID || got.NHSNumber != nhsFlagged || got.Agency == "" || got.Flag.Reason != "" {
			t.Errorf("read = %+v", got)
		}
		checkEvent(t, ev, wantEvent{ActorID: ed.ID, Action: hub.ActView, ObjectType: "flag", ObjectID: f.ID, SubjectID: p.ID, Outcome: hub.OutcomeSuccess})
		missing := hub.NewID()
		before := lookupCountsOf(t, e)
		if _, err := e.Flags.ReadFlag(ctx, ed, missing, ""); hub.ErrorCode(err) != hub.ENotFound {
			t.Errorf("read of a missing flag = %v", err)
		}
		if after := lookupCountsOf(t, e); after.audit-before.audit != 1 {
			t.Errorf("missing flag read wrote %d audit events, want 1", after.audit-before.audit)
		}
		ev = newestEvents(t, e, 1)[0]
		checkEvent(t, ev, wantEvent{ActorID: ed.ID, Action: hub.ActView, ObjectType: "flag", ObjectID: missing, Outcome: hub.OutcomeDenied})
		refused(t, e, hub.EInvalid, "id", 0, func() error { _, err := e.Flags.ReadFlag(ctx, ed, "../etc", ""); return err })
	})
}

// TestFlagLookUpConcurrent: many look-ups at once all succeed, each with
// its own audit event (shared transactions through group commit), and the
// audit log verifies.
func TestFlagLookUpConcurrent(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		ed := healthClient(t, e, "Leicester Royal Infirmary ED")
		flaggedChild(t, e, nhsFlagged)
		before := lookupCountsOf(t, e)
		const n = 60
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				nhs := nhsFlagged
				if i%2 == 1 {
					nhs = nhsOther
				}
				_, err := e.Flags.LookUp(ctx, ed, nhs, "", 20)
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		after := lookupCountsOf(t, e)
		if after.audit-before.audit != n || after.notifications-before.notifications != n/2 {
			t.Errorf("%d look-ups wrote %d audit events and %d notifications", n, after.audit-before.audit, after.notifications-before.notifications)
		}
		v, err := audit.NewVerifier(e.Store.VerifierKey)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := e.Store.VerifyAudit(ctx, v, e.Store.Published.Notes())
		if err != nil || !rep.OK() {
			t.Errorf("audit log does not verify: %+v, %v", rep, err)
		}
	})
}
