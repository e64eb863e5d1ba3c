package app_test

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/apptest"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
	"github.com/safehub/safehub/internal/store/storetest"
)

// The tests' clock starts at 2026-11-27 09:00 UTC (apptest).

// flagFixture is a child in Leicester (856, every test user's area) and
// the users the flag tests act as.
type flagFixture struct {
	e       *apptest.Env
	child   *hub.Person
	nurse   *access.Actor
	manager *access.Actor
	police  *access.Actor
	lead    *hub.User // the practitioner
	changes *changeCounter
}

// changeCounter counts the store's flag-change notifications.
type changeCounter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *changeCounter) take() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.n
	c.n = map[string]int{}
	return out
}

func newFlagFixture(t *testing.T, engine string) *flagFixture {
	t.Helper()
	e := apptest.New(t, engine, apptest.Options{})
	fx := &flagFixture{e: e, nurse: e.RoleActor(hub.RoleNurse), manager: e.RoleActor(hub.RoleManager), police: e.RoleActor(hub.RolePolice),
		lead: e.Users[hub.RolePractitioner], changes: &changeCounter{n: map[string]int{}}}
	fx.child = e.NewPerson(t, "856", app.PersonInput{GivenName: "Maya", FamilyName: "Flagg", DateOfBirth: "2012-05-01", NHSNumber: "943 476 5919"})
	e.Store.OnFlagChange(func(personID string) {
		fx.changes.mu.Lock()
		defer fx.changes.mu.Unlock()
		fx.changes.n[personID]++
	})
	return fx
}

// input is a valid flag for the fixture's child.
func (fx *flagFixture) input() app.FlagInput {
	return app.FlagInput{Category: "cse-risk", RiskLevel: "high", Start: "2026-11-20", Reason: "Seen getting into cars with older males near the station.",
		Advice: "Child at risk of exploitation. Call the hub before discharge.", ContactPhone: "0116 496 0000",
		ContactHours: "Monday to Friday 9am to 5pm; out of hours 0116 496 0999", LeadUserID: fx.lead.ID}
}

func (fx *flagFixture) set(t *testing.T, in app.FlagInput) *hub.Flag {
	t.Helper()
	f, err := fx.e.App.SetFlag(ctx, fx.nurse, fx.child.ID, in)
	if err != nil {
		t.Fatalf("SetFlag: %v", err)
	}
	return f
}

// flagCounts is what a refused flag change must leave unchanged.
type flagCounts struct {
	Flags, History, Consultations, Referrals, Notifications int64
	Audit                                                   int64
}

func countFlags(t testing.TB, e *apptest.Env) flagCounts {
	t.Helper()
	var c flagCounts
	q := func(table string) int64 {
		var n int64
		if err := e.Store.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	c.Flags, c.History, c.Consultations, c.Referrals, c.Notifications = q("flags"), q("flag_history"), q("flag_consultations"), q("flag_referrals"), q("notifications")
	c.Audit = countsOf(t, e).Audit
	return c
}

func storedFlag(t testing.TB, e *apptest.Env, id string) *hub.Flag {
	t.Helper()
	var f *hub.Flag
	if err := e.Store.Read(ctx, func(tx *store.Tx) (err error) { f, err = tx.Flag(id); return err }); err != nil {
		t.Fatal(err)
	}
	return f
}

func flagHistory(t testing.TB, e *apptest.Env, id string) []*hub.FlagChange {
	t.Helper()
	var hs []*hub.FlagChange
	if err := e.Store.Read(ctx, func(tx *store.Tx) (err error) { hs, err = tx.FlagHistory(id); return err }); err != nil {
		t.Fatal(err)
	}
	return hs
}

func TestSetFlag(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		fx := newFlagFixture(t, engine)
		e := fx.e
		before := countFlags(t, e)
		in := fx.input()
		in.Advice = "  Child at risk of exploitation.\r\n Call the hub before discharge.  "
		f := fx.set(t, in)
		after := countFlags(t, e)
		if d := (flagCounts{Flags: 1, History: 1, Notifications: 1, Audit: 1}); cmp.Diff(d, flagCounts{Flags: after.Flags - before.Flags, History: after.History - before.History,
			Notifications: after.Notifications - before.Notifications, Audit: after.Audit - before.Audit}) != "" {
			t.Errorf("SetFlag wrote %+v, then %+v; want one flag, history row, notification and audit event", before, after)
		}
		got := storedFlag(t, e, f.ID)
		want := &hub.Flag{ID: f.ID, PersonID: fx.child.ID, AreaID: fx.child.AreaID, OwnerAgencyID: fx.child.OwnerAgencyID, Status: hub.FlagActive,
			Category: hub.FlagCSE, RiskLevel: hub.RiskHigh, Start: hub.Date{Year: 2026, Month: 11, Day: 20}, ReviewDue: hub.Date{Year: 2027, Month: 2, Day: 27},
			Reason: in.Reason, Advice: "Child at risk of exploitation. Call the hub before discharge.", ContactPhone: "+441164960000", ContactHours: in.ContactHours,
			LeadUserID: fx.lead.ID, CreatedBy: fx.nurse.ID, Version: 1, CreatedAt: got.CreatedAt, UpdatedAt: got.UpdatedAt}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("stored flag (-want +got):\n%s", diff)
		}
		ev := newestEvents(t, e, 1)[0]
		checkEvent(t, ev, wantEvent{ActorID: fx.nurse.ID, Action: hub.ActCreate, ObjectType: "flag", ObjectID: f.ID, SubjectID: fx.child.ID, Outcome: hub.OutcomeSuccess})
		hs := flagHistory(t, e, f.ID)
		if len(hs) != 1 || hs[0].Action != hub.FlagActSet || hs[0].ActorName != "Test Specialist nurse" || hs[0].ActorID != fx.nurse.ID {
			t.Errorf("history = %+v, want one set by the nurse (display name)", hs)
		}
		if diff := cmp.Diff(map[string]int{fx.child.ID: 1}, fx.changes.take()); diff != "" {
			t.Errorf("flag-change notifications (-want +got):\n%s", diff)
		}
		ns, err := e.App.Notifications(ctx, &app.Principal{User: fx.lead, Actor: e.Actor(fx.lead)}, true, 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(ns.Items) != 1 || ns.Items[0].Kind != "flag_lead" || ns.Items[0].Link != "/flags/"+f.ID || !strings.Contains(ns.Items[0].Title, "Maya Flagg") {
			t.Errorf("lead's notifications = %+v", ns.Items)
		}
	})
}

// TestFlagBadInput: every bad input is refused with its field named and
// nothing written: no flag, no history, no audit event, no notification,
// no change notified.
func TestFlagBadInput(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		fx := newFlagFixture(t, engine)
		e := fx.e
		adult := e.NewPerson(t, "856", app.PersonInput{GivenName: "Ada", FamilyName: "Grown", DateOfBirth: "2008-11-20"})
		elsewhere := e.NewUser(t, "rutland.worker", hub.AgencySocialCare, []hub.Role{hub.RolePractitioner}, "857")
		existing := fx.set(t, func() app.FlagInput { in := fx.input(); in.Category = "cce-risk"; return in }())
		fx.changes.take()
		with := func(f func(*app.FlagInput)) app.FlagInput { in := fx.input(); f(&in); return in }
		tests := []struct {
			name   string
			person string
			in     app.FlagInput
			field  string
		}{
			{"no category", "", with(func(in *app.FlagInput) { in.Category = "" }), "category"},
			{"unknown category", "", with(func(in *app.FlagInput) { in.Category = "gang-risk" }), "category"},
			{"category with injection", "", with(func(in *app.FlagInput) { in.Category = "cse-risk' OR '1'='1" }), "category"},
			{"no risk level", "", with(func(in *app.FlagInput) { in.RiskLevel = "" }), "risk_level"},
			{"risk none", "", with(func(in *app.FlagInput) { in.RiskLevel = "none" }), "risk_level"},
			{"no start", "", with(func(in *app.FlagInput) { in.Start = "" }), "start_date"},
			{"impossible start", "", with(func(in *app.FlagInput) { in.Start = "2026-02-30" }), "start_date"},
			{"start written UK style", "", with(func(in *app.FlagInput) { in.Start = "20/11/2026" }), "start_date"},
			{"start in the future", "", with(func(in *app.FlagInput) { in.Start = "2026-11-28" }), "start_date"},
			{"review before start", "", with(func(in *app.FlagInput) { in.ReviewDue = "2026-11-19" }), "review_date"},
			{"review on the start", "", with(func(in *app.FlagInput) { in.ReviewDue = "2026-11-20" }), "review_date"},
			{"review in the past", "", with(func(in *app.FlagInput) { in.Start = "2026-10-01"; in.ReviewDue = "2026-11-01" }), "review_date"},
			{"review over a year away", "", with(func(in *app.FlagInput) { in.ReviewDue = "2027-12-01" }), "review_date"},
			{"no reason", "", with(func(in *app.FlagInput) { in.Reason = "  " }), "reason"},
			{"reason with NUL", "", with(func(in *app.FlagInput) { in.Reason = "a\x00b" }), "reason"},
			{"no advice", "", with(func(in *app.FlagInput) { in.Advice = "" }), "advice"},
			{"advice too long", "", with(func(in *app.FlagInput) { in.Advice = strings.Repeat("Call the hub. ", 22) }), "advice"},
			{"advice with a text-direction override", "", with(func(in *app.FlagInput) { in.Advice = "Call \u202ethe hub" }), "advice"},
			{"no phone", "", with(func(in *app.FlagInput) { in.ContactPhone = "" }), "contact_phone"},
			{"phone too short", "", with(func(in *app.FlagInput) { in.ContactPhone = "0116 496" }), "contact_phone"},
			{"phone as words", "", with(func(in *app.FlagInput) { in.ContactPhone = "call the hub" }), "contact_phone"},
			{"phone with full-width digits", "", with(func(in *app.FlagInput) { in.ContactPhone = "０１１６ ４９６ ００００" }), "contact_phone"},
			{"no hours", "", with(func(in *app.FlagInput) { in.ContactHours = "" }), "contact_hours"},
			{"no lead", "", with(func(in *app.FlagInput) { in.LeadUserID = "" }), "lead_user_id"},
			{"lead not an id", "", with(func(in *app.FlagInput) { in.LeadUserID = "pat" }), "lead_user_id"},
			{"lead not a user", "", with(func(in *app.FlagInput) { in.LeadUserID = hub.NewID() }), "lead_user_id"},
			{"lead in another area", "", with(func(in *app.FlagInput) { in.LeadUserID = elsewhere.ID }), "lead_user_id"},
			{"lead who may not lead", "", with(func(in *app.FlagInput) { in.LeadUserID = e.Users[hub.RoleEducation].ID }), "lead_user_id"},
			{"an adult", adult.ID, fx.input(), "start_date"},
			{"a second active flag of the category", "", with(func(in *app.FlagInput) { in.Category = "cce-risk" }), "category"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				person := fx.child.ID
				if tt.person != "" {
					person = tt.person
				}
				before := countFlags(t, e)
				_, err := e.App.SetFlag(ctx, fx.nurse, person, tt.in)
				if hub.ErrorCode(err) != hub.EInvalid || hub.ErrorField(err) != tt.field {
					t.Errorf("SetFlag = %v, want invalid %s", err, tt.field)
				}
				if hub.ErrorMessage(err) == "" || strings.Contains(hub.ErrorMessage(err), "internal") {
					t.Errorf("message %q is not clear", hub.ErrorMessage(err))
				}
				if after := countFlags(t, e); after != before {
					t.Errorf("counts changed from %+v to %+v", before, after)
				}
				if n := fx.changes.take(); len(n) != 0 {
					t.Errorf("flag changes notified: %v", n)
				}
			})
		}
		if hub.ErrorMessage(func() error {
			_, err := e.App.SetFlag(ctx, fx.nurse, adult.ID, fx.input())
			return err
		}()) != "is on or after the person's 18th birthday: health flags are for children under 18 only" {
			t.Error("the adult's refusal does not say flags are for children")
		}
		// The same rules hold for changes; a stale version is a conflict.
		for _, tt := range []struct {
			name    string
			version int
			in      app.FlagInput
			code    string
			field   string
		}{
			{"advice too long", 1, with(func(in *app.FlagInput) { in.Category = "cce-risk"; in.Advice = strings.Repeat("x", 301) }), hub.EInvalid, "advice"},
			{"bad phone", 1, with(func(in *app.FlagInput) { in.Category = "cce-risk"; in.ContactPhone = "12" }), hub.EInvalid, "contact_phone"},
			{"stale version", 7, with(func(in *app.FlagInput) { in.Category = "cce-risk" }), hub.EConflict, ""},
		} {
			t.Run("update: "+tt.name, func(t *testing.T) {
				before := countFlags(t, e)
				_, err := e.App.UpdateFlag(ctx, fx.nurse, existing.ID, tt.version, tt.in)
				if hub.ErrorCode(err) != tt.code || hub.ErrorField(err) != tt.field {
					t.Errorf("UpdateFlag = %v, want %s %s", err, tt.code, tt.field)
				}
				if after := countFlags(t, e); after != before {
					t.Errorf("counts changed from %+v to %+v", before, after)
				}
			})
		}
		if got := storedFlag(t, e, existing.ID); got.Version != 1 || got.Advice != existing.Advice {
			t.Errorf("the flag changed: %+v", got)
		}
	})
}

// TestFlagAccess: another area's child answers not found (audited as
// denied); police read flags without the reason; break-glass opens the
// flags for reading only; restricted children need a restricted reader.
func TestFlagAccess(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		fx := newFlagFixture(t, engine)
		e := fx.e
		f := fx.set(t, fx.input())
		far := e.NewPerson(t, "855", app.PersonInput{GivenName: "Far", FamilyName: "Away", DateOfBirth: "2013-01-01"})
		county := &access.Actor{ID: "county-nurse", Name: "county", AgencyID: e.Agencies[hub.AgencyHealth].ID, Roles: []hub.Role{hub.RoleNurse}, AreaIDs: []string{e.Areas["855"].ID}}
		farFlag, err := e.App.SetFlag(ctx, county, far.ID, func() app.FlagInput {
			in := fx.input()
			in.LeadUserID = e.NewUser(t, "county.practitioner", hub.AgencySocialCare, []hub.Role{hub.RolePractitioner}, "855").ID
			return in
		}())
		if err != nil {
			t.Fatal(err)
		}

		// Out of area: not found, audited as denied, for reads and changes.
		for _, tc := range []struct {
			name string
			fn   func() error
			obj  string
		}{
			{"view", func() error { _, err := e.App.ViewFlag(ctx, fx.nurse, farFlag.ID); return err }, farFlag.ID},
			{"list", func() error { _, _, err := e.App.PersonFlagList(ctx, fx.nurse, far.ID); return err }, ""},
			{"set", func() error { _, err := e.App.SetFlag(ctx, fx.nurse, far.ID, fx.input()); return err }, ""},
			{"review", func() error {
				_, err := e.App.ReviewFlag(ctx, fx.nurse, farFlag.ID, 1, app.FlagReview{Note: "fine"})
				return err
			}, farFlag.ID},
			{"end", func() error { _, err := e.App.EndFlag(ctx, fx.nurse, farFlag.ID, 1, "", "gone"); return err }, farFlag.ID},
			{"consultation", func() error {
				_, err := e.App.RecordConsultation(ctx, fx.nurse, farFlag.ID, app.FlagConsultationInput{Caller: "GP", Setting: "Surgery"})
				return err
			}, ""},
		} {
			t.Run("out of area "+tc.name, func(t *testing.T) {
				before := countFlags(t, e)
				err := tc.fn()
				if !errors.Is(err, hub.ErrNotFound) {
					t.Fatalf("= %v, want not found", err)
				}
				after := countFlags(t, e)
				if after.Audit-before.Audit != 1 || after.Flags != before.Flags || after.History != before.History || after.Consultations != before.Consultations {
					t.Errorf("counts %+v → %+v, want one audit event only", before, after)
				}
				ev := newestEvents(t, e, 1)[0]
				if ev.Outcome != hub.OutcomeDenied || ev.SubjectID != far.ID || ev.ActorID != fx.nurse.ID || ev.ObjectID != tc.obj {
					t.Errorf("denial event %+v", ev)
				}
			})
		}
		// A flag that does not exist looks the same.
		if _, err := e.App.ViewFlag(ctx, fx.nurse, hub.NewID()); !errors.Is(err, hub.ErrNotFound) {
			t.Errorf("ViewFlag(unknown) = %v", err)
		}

		// The nurse sees the reason; the police officer sees the flag
		// without it, and without the history's notes.
		if _, err := e.App.ReviewFlag(ctx, fx.nurse, f.ID, 1, app.FlagReview{Note: "Still going missing at weekends."}); err != nil {
			t.Fatal(err)
		}
		nv, err := e.App.ViewFlag(ctx, fx.nurse, f.ID)
		if err != nil {
			t.Fatal(err)
		}
		if nv.Flag.Reason == "" || !nv.CanSeeReason || !nv.CanWrite || nv.History[0].Note != "Still going missing at weekends." {
			t.Errorf("nurse's view: reason %q, can see %v, can write %v, note %q", nv.Flag.Reason, nv.CanSeeReason, nv.CanWrite, nv.History[0].Note)
		}
		pv, err := e.App.ViewFlag(ctx, fx.police, f.ID)
		if err != nil {
			t.Fatal(err)
		}
		if pv.Flag.Reason != "" || pv.CanSeeReason || pv.CanWrite || pv.Consultations != nil || pv.History[0].Note != "" || pv.History[1].State.Reason != "" {
			t.Errorf("police view shows internal detail: %+v", pv)
		}
		if pv.Flag.Advice != f.Advice || pv.Flag.ContactPhone != f.ContactPhone || pv.Flag.Status != hub.FlagActive {
			t.Errorf("police view lacks what readers see: %+v", pv.Flag)
		}
		if _, err := e.App.ReviewFlag(ctx, fx.police, f.ID, 2, app.FlagReview{Note: "x"}); !errors.Is(err, hub.ErrForbidden) {
			t.Errorf("police ReviewFlag = %v, want forbidden", err)
		}
		if _, err := e.App.ViewFlag(ctx, e.RoleActor(hub.RoleEducation), f.ID); !errors.Is(err, hub.ErrForbidden) {
			t.Errorf("education ViewFlag = %v, want forbidden", err)
		}

		// On the person page: the section for those who may read flags.
		for _, tc := range []struct {
			role          hub.Role
			section, sees bool
		}{
			{hub.RoleNurse, true, true}, {hub.RoleManager, true, true}, {hub.RolePolice, true, false}, {hub.RolePractitioner, true, false},
			{hub.RoleAuditor, true, false}, {hub.RoleEducation, false, false}, {hub.RoleAnalyst, false, false}, {hub.RolePartner, false, false},
		} {
			v, err := e.App.ViewPerson(ctx, e.RoleActor(tc.role), fx.child.ID)
			if err != nil {
				t.Fatal(err)
			}
			if (v.Flags != nil) != tc.section {
				t.Errorf("%s: flags section %v, want %v", tc.role, v.Flags != nil, tc.section)
				continue
			}
			if v.Flags == nil {
				continue
			}
			if len(v.Flags.Active) != 1 || (v.Flags.Active[0].Reason != "") != tc.sees || v.Flags.CanSet != (tc.role == hub.RoleNurse || tc.role == hub.RoleManager) {
				t.Errorf("%s: section %+v", tc.role, v.Flags)
			}
		}

		// Break-glass: a police officer from Rutland reads the child's
		// flags only after breaking glass, and still may not change them.
		rutland := e.Actor(e.NewUser(t, "rutland.police", hub.AgencyPolice, []hub.Role{hub.RolePolice}, "857"))
		if _, err := e.App.ViewFlag(ctx, rutland, f.ID); !errors.Is(err, hub.ErrNotFound) {
			t.Errorf("before break-glass: %v", err)
		}
		if err := e.App.OpenByBreakingGlass(ctx, rutland, fx.child.ID, "Found in Oakham at 2am, checking flags"); err != nil {
			t.Fatal(err)
		}
		bv, err := e.App.ViewFlag(ctx, rutland, f.ID)
		if err != nil || !bv.ViaBreakGlass || bv.CanWrite || bv.Flag.Reason != "" {
			t.Errorf("after break-glass: %+v, %v", bv, err)
		}
		if ev := newestEvents(t, e, 1)[0]; ev.Detail != "read under break-glass" || ev.ObjectID != f.ID {
			t.Errorf("break-glass read event %+v", ev)
		}
		pv2, err := e.App.ViewPerson(ctx, rutland, fx.child.ID)
		if err != nil || pv2.Flags == nil || pv2.Flags.CanSet {
			t.Errorf("person view under break-glass: flags %+v, %v", pv2.Flags, err)
		}

		// A restricted child: the nurse in the area may not see or flag
		// them; the manager may.
		secret := e.NewPerson(t, "856", app.PersonInput{GivenName: "Quiet", FamilyName: "Child", DateOfBirth: "2012-01-01", Restricted: true})
		if _, err := e.App.SetFlag(ctx, fx.nurse, secret.ID, fx.input()); !errors.Is(err, hub.ErrNotFound) {
			t.Errorf("nurse sets a restricted child's flag: %v", err)
		}
		sf, err := e.App.SetFlag(ctx, fx.manager, secret.ID, fx.input())
		if err != nil {
			t.Fatalf("manager sets a restricted child's flag: %v", err)
		}
		if _, err := e.App.ViewFlag(ctx, fx.nurse, sf.ID); !errors.Is(err, hub.ErrNotFound) {
			t.Errorf("nurse reads a restricted child's flag: %v", err)
		}
	})
}

// TestFlagLifecycle walks a flag through review, change, end and
// entered-in-error, with the rules at each step and the full history.
func TestFlagLifecycle(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		fx := newFlagFixture(t, engine)
		e := fx.e
		f := fx.set(t, fx.input())

		e.Clock.Advance(24 * time.Hour) // 28 November
		r, err := e.App.ReviewFlag(ctx, fx.nurse, f.ID, 1, app.FlagReview{Note: "Engaging with the support worker.", RiskLevel: "medium", NextReview: "2027-01-15"})
		if err != nil {
			t.Fatal(err)
		}
		if r.Version != 2 || r.RiskLevel != hub.RiskMedium || r.ReviewDue != (hub.Date{Year: 2027, Month: 1, Day: 15}) || r.ReviewedBy != fx.nurse.ID || !r.ReviewedAt.Equal(e.Clock.Now()) {
			t.Errorf("reviewed flag %+v", r)
		}
		// Default next review: the configured interval (3 months) from today.
		r, err = e.App.ReviewFlag(ctx, fx.nurse, f.ID, 2, app.FlagReview{Note: "No change."})
		if err != nil {
			t.Fatal(err)
		}
		if r.ReviewDue != (hub.Date{Year: 2027, Month: 2, Day: 28}) || r.RiskLevel != hub.RiskMedium {
			t.Errorf("default review = %s, risk %s", r.ReviewDue, r.RiskLevel)
		}
		for _, tc := range []struct {
			name  string
			in    app.FlagReview
			field string
		}{
			{"no note", app.FlagReview{}, "note"},
			{"next review today", app.FlagReview{Note: "x", NextReview: "2026-11-28"}, "review_date"},
			{"next review in the past", app.FlagReview{Note: "x", NextReview: "2026-11-01"}, "review_date"},
			{"bad date", app.FlagReview{Note: "x", NextReview: "2027-13-01"}, "review_date"},
			{"bad risk", app.FlagReview{Note: "x", RiskLevel: "extreme"}, "risk_level"},
		} {
			before := countFlags(t, e)
			if _, err := e.App.ReviewFlag(ctx, fx.nurse, f.ID, 3, tc.in); hub.ErrorField(err) != tc.field {
				t.Errorf("review %s = %v, want field %s", tc.name, err, tc.field)
			}
			if after := countFlags(t, e); after != before {
				t.Errorf("review %s wrote: %+v → %+v", tc.name, before, after)
			}
		}

		in := fx.input()
		in.Advice = "Call the hub's duty line before discharge."
		in.ReviewDue = "2027-02-28"
		u, err := e.App.UpdateFlag(ctx, fx.manager, f.ID, 3, in)
		if err != nil {
			t.Fatal(err)
		}
		if u.Version != 4 || u.Advice != in.Advice || u.RiskLevel != hub.RiskHigh {
			t.Errorf("updated flag %+v", u)
		}

		// End: not before the start, not in the future, with a reason.
		for _, tc := range []struct{ end, reason, field string }{
			{"2026-11-19", "risk reduced", "end_date"},
			{"2026-11-29", "risk reduced", "end_date"},
			{"2026-11-28", "", "end_reason"},
			{"28/11/2026", "risk reduced", "end_date"},
		} {
			before := countFlags(t, e)
			if _, err := e.App.EndFlag(ctx, fx.nurse, f.ID, 4, tc.end, tc.reason); hub.ErrorCode(err) != hub.EInvalid || hub.ErrorField(err) != tc.field {
				t.Errorf("EndFlag(%q, %q) = %v, want invalid %s", tc.end, tc.reason, err, tc.field)
			}
			if after := countFlags(t, e); after != before {
				t.Errorf("EndFlag(%q) wrote: %+v → %+v", tc.end, before, after)
			}
		}
		ended, err := e.App.EndFlag(ctx, fx.nurse, f.ID, 4, "", "Risk reduced after six months of support.")
		if err != nil {
			t.Fatal(err)
		}
		if ended.Status != hub.FlagInactive || ended.End != e.App.Today() || ended.EndReason == "" {
			t.Errorf("ended flag %+v", ended)
		}
		// An ended flag is not reviewed, changed or ended again.
		if _, err := e.App.ReviewFlag(ctx, fx.nurse, f.ID, 5, app.FlagReview{Note: "x"}); hub.ErrorField(err) != "status" {
			t.Errorf("review of an ended flag = %v", err)
		}
		if _, err := e.App.UpdateFlag(ctx, fx.nurse, f.ID, 5, fx.input()); hub.ErrorField(err) != "status" {
			t.Errorf("update of an ended flag = %v", err)
		}
		if _, err := e.App.EndFlag(ctx, fx.nurse, f.ID, 5, "", "again"); hub.ErrorField(err) != "status" {
			t.Errorf("end of an ended flag = %v", err)
		}
		// A new flag of the category may be set now.
		again := fx.set(t, fx.input())

		// Entered in error is terminal.
		if _, err := e.App.MarkFlagEnteredInError(ctx, fx.nurse, f.ID, 5, ""); hub.ErrorField(err) != "end_reason" {
			t.Errorf("entered-in-error without a reason = %v", err)
		}
		x, err := e.App.MarkFlagEnteredInError(ctx, fx.nurse, f.ID, 5, "Set on the wrong child.")
		if err != nil {
			t.Fatal(err)
		}
		if x.Status != hub.FlagEnteredInError {
			t.Errorf("status = %s", x.Status)
		}
		before := countFlags(t, e)
		for name, fn := range map[string]func() error{
			"review": func() error {
				_, err := e.App.ReviewFlag(ctx, fx.nurse, f.ID, 6, app.FlagReview{Note: "x"})
				return err
			},
			"update":   func() error { _, err := e.App.UpdateFlag(ctx, fx.nurse, f.ID, 6, fx.input()); return err },
			"end":      func() error { _, err := e.App.EndFlag(ctx, fx.nurse, f.ID, 6, "", "x"); return err },
			"withdraw": func() error { _, err := e.App.MarkFlagEnteredInError(ctx, fx.nurse, f.ID, 6, "x"); return err },
			"consult": func() error {
				_, err := e.App.RecordConsultation(ctx, fx.nurse, f.ID, app.FlagConsultationInput{Caller: "GP", Setting: "Surgery"})
				return err
			},
		} {
			if err := fn(); hub.ErrorCode(err) != hub.EInvalid || hub.ErrorField(err) != "status" {
				t.Errorf("%s after entered-in-error = %v, want refused", name, err)
			}
		}
		if after := countFlags(t, e); after != before {
			t.Errorf("changes to an entered-in-error flag wrote: %+v → %+v", before, after)
		}
		v, err := e.App.ViewFlag(ctx, fx.nurse, f.ID)
		if err != nil || v.CanWrite {
			t.Errorf("view of an entered-in-error flag: can write %v, %v", v != nil && v.CanWrite, err)
		}

		var actions []string
		for _, h := range flagHistory(t, e, f.ID) {
			actions = append(actions, h.Action)
		}
		want := []string{"entered_in_error", "end", "update", "review", "review", "set"}
		if diff := cmp.Diff(want, actions); diff != "" {
			t.Errorf("history actions (newest first) (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(map[string]int{fx.child.ID: 7}, fx.changes.take()); diff != "" {
			t.Errorf("every change notified once (-want +got):\n%s", diff)
		}
		pv, err := e.App.ViewPerson(ctx, fx.nurse, fx.child.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(pv.Flags.Active) != 1 || pv.Flags.Active[0].ID != again.ID || len(pv.Flags.Past) != 1 || pv.Flags.Past[0].ID != f.ID {
			t.Errorf("person's flags: active %v, past %v", pv.Flags.Active, pv.Flags.Past)
		}
	})
}

// TestFlagAuditOneEventEach: every read and change writes exactly one
// audit event about the child.
func TestFlagAuditOneEventEach(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		fx := newFlagFixture(t, engine)
		e := fx.e
		var f *hub.Flag
		ev := oneEvent(t, e, 0, func() (err error) { f, err = e.App.SetFlag(ctx, fx.nurse, fx.child.ID, fx.input()); return err })
		checkEvent(t, ev, wantEvent{ActorID: fx.nurse.ID, Action: hub.ActCreate, ObjectType: "flag", ObjectID: f.ID, SubjectID: fx.child.ID, Outcome: hub.OutcomeSuccess})
		steps := []struct {
			name string
			fn   func() error
			want wantEvent
		}{
			{"view", func() error { _, err := e.App.ViewFlag(ctx, fx.police, f.ID); return err },
				wantEvent{ActorID: fx.police.ID, Action: hub.ActView, ObjectType: "flag", ObjectID: f.ID, SubjectID: fx.child.ID, Outcome: hub.OutcomeSuccess}},
			{"list", func() error { _, _, err := e.App.PersonFlagList(ctx, fx.police, fx.child.ID); return err },
				wantEvent{ActorID: fx.police.ID, Action: hub.ActView, ObjectType: "flag", SubjectID: fx.child.ID, Outcome: hub.OutcomeSuccess}},
			{"review", func() error {
				_, err := e.App.ReviewFlag(ctx, fx.nurse, f.ID, 1, app.FlagReview{Note: "ok"})
				return err
			},
				wantEvent{ActorID: fx.nurse.ID, Action: hub.ActUpdate, ObjectType: "flag", ObjectID: f.ID, SubjectID: fx.child.ID, Outcome: hub.OutcomeSuccess}},
			{"update", func() error { _, err := e.App.UpdateFlag(ctx, fx.nurse, f.ID, 2, fx.input()); return err },
				wantEvent{ActorID: fx.nurse.ID, Action: hub.ActUpdate, ObjectType: "flag", ObjectID: f.ID, SubjectID: fx.child.ID, Outcome: hub.OutcomeSuccess}},
			{"desk", func() error { _, err := e.App.FlagDesk(ctx, fx.nurse); return err },
				wantEvent{ActorID: fx.nurse.ID, Action: hub.ActView, ObjectType: "flag_desk", Outcome: hub.OutcomeSuccess}},
			{"end", func() error { _, err := e.App.EndFlag(ctx, fx.nurse, f.ID, 3, "", "done"); return err },
				wantEvent{ActorID: fx.nurse.ID, Action: hub.ActUpdate, ObjectType: "flag", ObjectID: f.ID, SubjectID: fx.child.ID, Outcome: hub.OutcomeSuccess}},
			{"entered in error", func() error {
				_, err := e.App.MarkFlagEnteredInError(ctx, fx.nurse, f.ID, 4, "wrong child")
				return err
			},
				wantEvent{ActorID: fx.nurse.ID, Action: hub.ActUpdate, ObjectType: "flag", ObjectID: f.ID, SubjectID: fx.child.ID, Outcome: hub.OutcomeSuccess}},
		}
		for _, s := range steps {
			ev := oneEvent(t, e, 0, s.fn)
			checkEvent(t, ev, s.want)
		}
		g := fx.set(t, fx.input())
		var c *hub.FlagConsultation
		ev = oneEvent(t, e, 0, func() (err error) {
			c, err = e.App.RecordConsultation(ctx, fx.nurse, g.ID, app.FlagConsultationInput{Caller: "ED registrar", Setting: "LRI ED", Note: "Advised"})
			return err
		})
		checkEvent(t, ev, wantEvent{ActorID: fx.nurse.ID, Action: hub.ActCreate, ObjectType: "flag_consultation", ObjectID: c.ID, SubjectID: fx.child.ID, Outcome: hub.OutcomeSuccess})
		var r *hub.FlagReferral
		ev = oneEvent(t, e, 0, func() (err error) {
			r, err = e.App.RecordFlagReferral(ctx, fx.nurse, g.ID, app.FlagReferralInput{Service: "Sexual health service"})
			return err
		})
		checkEvent(t, ev, wantEvent{ActorID: fx.nurse.ID, Action: hub.ActCreate, ObjectType: "flag_referral", ObjectID: r.ID, SubjectID: fx.child.ID, Outcome: hub.OutcomeSuccess})
		ev = oneEvent(t, e, 0, func() error {
			_, err := e.App.RecordFlagReferralOutcome(ctx, fx.nurse, r.ID, 1, "accepted", "")
			return err
		})
		checkEvent(t, ev, wantEvent{ActorID: fx.nurse.ID, Action: hub.ActUpdate, ObjectType: "flag_referral", ObjectID: r.ID, SubjectID: fx.child.ID, Outcome: hub.OutcomeSuccess})
		// The home page's counts name no one and are not audited.
		before := countFlags(t, e)
		if _, err := e.App.FlagDeskSummary(ctx, fx.nurse); err != nil {
			t.Fatal(err)
		}
		if after := countFlags(t, e); after != before {
			t.Errorf("FlagDeskSummary wrote %+v → %+v", before, after)
		}
	})
}

// TestFlagDesk: reviews fall due and become overdue as the clock moves; a
// child turning 18 is listed for ending; the last day's look-ups,
// consultations and referrals awaiting an outcome are listed, for the
// nurse's areas only.
func TestFlagDesk(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		fx := newFlagFixture(t, engine)
		e := fx.e
		in := fx.input()
		in.ReviewDue = "2026-12-20"
		f := fx.set(t, in)
		older := e.NewPerson(t, "856", app.PersonInput{GivenName: "Nearly", FamilyName: "Eighteen", DateOfBirth: "2008-12-05"})
		old, err := e.App.SetFlag(ctx, fx.nurse, older.ID, func() app.FlagInput { in := fx.input(); in.Start = "2026-06-01"; in.Category = "cce-risk"; return in }())
		if err != nil {
			t.Fatal(err)
		}
		far := e.NewPerson(t, "855", app.PersonInput{GivenName: "Far", FamilyName: "Away", DateOfBirth: "2013-01-01"})
		county := &access.Actor{ID: "county-nurse", Name: "county", AgencyID: e.Agencies[hub.AgencyHealth].ID, Roles: []hub.Role{hub.RoleNurse}, AreaIDs: []string{e.Areas["855"].ID}}
		farIn := fx.input()
		farIn.ReviewDue = "2026-11-30"
		farIn.LeadUserID = e.NewUser(t, "county.practitioner", hub.AgencySocialCare, []hub.Role{hub.RolePractitioner}, "855").ID
		farFlag, err := e.App.SetFlag(ctx, county, far.ID, farIn)
		if err != nil {
			t.Fatal(err)
		}

		desk := func() *app.FlagDesk {
			t.Helper()
			d, err := e.App.FlagDesk(ctx, fx.nurse)
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		ids := func(items []app.FlagItem) []string {
			var out []string
			for _, it := range items {
				out = append(out, it.Flag.ID)
			}
			return out
		}
		d := desk()
		if len(d.Overdue) != 0 || len(d.DueSoon) != 0 {
			t.Errorf("27 November: overdue %v, due %v; want none", ids(d.Overdue), ids(d.DueSoon))
		}
		if diff := cmp.Diff([]string{old.ID}, ids(d.TurningAdult)); diff != "" || d.TurningAdult[0].TurnsAdult != (hub.Date{Year: 2026, Month: 12, Day: 5}) {
			t.Errorf("turning 18 (-want +got):\n%s", diff)
		}

		e.Clock.Set(time.Date(2026, 12, 10, 9, 0, 0, 0, time.UTC))
		d = desk()
		if diff := cmp.Diff([]string{f.ID}, ids(d.DueSoon)); diff != "" || len(d.Overdue) != 0 {
			t.Errorf("10 December, due soon (-want +got):\n%s", diff)
		}
		e.Clock.Set(time.Date(2026, 12, 21, 9, 0, 0, 0, time.UTC))
		d = desk()
		if diff := cmp.Diff([]string{f.ID}, ids(d.Overdue)); diff != "" {
			t.Errorf("21 December, overdue (-want +got):\n%s", diff)
		}
		for _, it := range append(d.Overdue, d.DueSoon...) {
			if it.Flag.ID == farFlag.ID {
				t.Error("another area's flag is on the nurse's desk")
			}
		}
		sum, err := e.App.FlagDeskSummary(ctx, fx.nurse)
		if err != nil {
			t.Fatal(err)
		}
		if sum.OverdueCount != 1 || sum.TurningAdultCount != 1 || sum.Overdue != nil || sum.TurningAdult != nil {
			t.Errorf("summary %+v", sum)
		}
		// After a review it is no longer due.
		if _, err := e.App.ReviewFlag(ctx, fx.nurse, f.ID, 1, app.FlagReview{Note: "Reviewed with the social worker."}); err != nil {
			t.Fatal(err)
		}
		if d := desk(); len(d.Overdue) != 0 {
			t.Errorf("after review: overdue %v", ids(d.Overdue))
		}

		// Look-ups, as the FHIR look-up path records them.
		lookup := func(fl *hub.Flag, setting string) {
			err := e.Store.Tx(ctx, func(tx *store.Tx) error {
				return tx.AppendAudit(&hub.AuditEvent{ActorID: "client", ActorName: "LRI ED client", Role: "machine", Action: hub.ActFlagLookup, ObjectType: "flag",
					ObjectID: fl.ID, SubjectID: fl.PersonID, Outcome: hub.OutcomeSuccess, Detail: "setting: " + setting + "; practitioner: ED registrar"})
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		lookup(f, "Yesterday's ED")
		e.Clock.Advance(25 * time.Hour)
		lookup(f, "Leicester Royal Infirmary ED")
		lookup(farFlag, "Kettering ED")
		c, err := e.App.RecordConsultation(ctx, fx.nurse, f.ID, app.FlagConsultationInput{Caller: "ED registrar", Setting: "LRI ED", Note: "Asked about discharge"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.App.RecordFlagReferral(ctx, fx.nurse, f.ID, app.FlagReferralInput{Service: "Sexual health service"}); err != nil {
			t.Fatal(err)
		}
		d = desk()
		if len(d.Lookups) != 1 || d.Lookups[0].Setting != "Leicester Royal Infirmary ED" || d.Lookups[0].Practitioner != "ED registrar" || d.Lookups[0].ChildName != "Maya Flagg" || d.Lookups[0].FlagID != f.ID {
			t.Errorf("look-ups %+v", d.Lookups)
		}
		if len(d.Consultations) != 1 || d.Consultations[0].Consultation.ID != c.ID || len(d.Referrals) != 1 {
			t.Errorf("consultations %+v, referrals %+v", d.Consultations, d.Referrals)
		}
		// The child's page lists the last look-ups too.
		v, err := e.App.ViewPerson(ctx, fx.police, fx.child.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Flags.Lookups) != 2 || v.Flags.Lookups[0].Setting != "Leicester Royal Infirmary ED" {
			t.Errorf("person page look-ups %+v", v.Flags.Lookups)
		}
		if _, err := e.App.FlagDesk(ctx, fx.police); !errors.Is(err, hub.ErrForbidden) {
			t.Errorf("police FlagDesk = %v, want forbidden", err)
		}
	})
}

// TestPromptFlagReview is casework's entry point: ending a case brings the
// child's flag reviews forward to today and tells the area's nurses.
func TestPromptFlagReview(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		fx := newFlagFixture(t, engine)
		e := fx.e
		f := fx.set(t, fx.input())
		todays := fx.set(t, func() app.FlagInput {
			in := fx.input()
			in.Category = "missing-repeat"
			in.Start = "2026-11-27"
			return in
		}())
		fx.changes.take()
		nurse := e.Users[hub.RoleNurse]
		other := e.NewPerson(t, "856", app.PersonInput{GivenName: "No", FamilyName: "Flags", DateOfBirth: "2012-01-01"})
		before := countFlags(t, e)
		err := e.Store.Tx(ctx, func(tx *store.Tx) error {
			if err := e.App.PromptFlagReview(ctx, tx, fx.child.ID, "Case closed: family moved away"); err != nil {
				return err
			}
			return e.App.PromptFlagReview(ctx, tx, other.ID, "Case closed")
		})
		if err != nil {
			t.Fatal(err)
		}
		after := countFlags(t, e)
		if after.History-before.History != 2 || after.Notifications-before.Notifications != 2 || after.Audit != before.Audit {
			t.Errorf("counts %+v → %+v, want two history rows and two notifications, no audit event", before, after)
		}
		got := storedFlag(t, e, f.ID)
		if got.ReviewDue != e.App.Today() || got.ReviewPrompt != "Case closed: family moved away" || got.Version != 2 {
			t.Errorf("prompted flag: review %s, prompt %q, version %d", got.ReviewDue, got.ReviewPrompt, got.Version)
		}
		if got := storedFlag(t, e, todays.ID); got.ReviewDue != (hub.Date{Year: 2026, Month: 11, Day: 28}) {
			t.Errorf("a flag set today is due %s, want tomorrow", got.ReviewDue)
		}
		if h := flagHistory(t, e, f.ID)[0]; h.Action != hub.FlagActReviewPrompted || h.ActorName != "Safehub" || h.Note != "Case closed: family moved away" {
			t.Errorf("history %+v", h)
		}
		if diff := cmp.Diff(map[string]int{fx.child.ID: 2}, fx.changes.take()); diff != "" {
			t.Errorf("flag changes, one per flag (-want +got):\n%s", diff)
		}
		ns, err := e.App.Notifications(ctx, &app.Principal{User: nurse, Actor: e.Actor(nurse)}, true, 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(ns.Items) != 2 || ns.Items[0].Kind != "flag_review" || !strings.Contains(ns.Items[0].Body, "family moved away") {
			t.Errorf("nurse's notifications %+v", ns.Items)
		}
		d, err := e.App.FlagDesk(ctx, fx.nurse)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.DueSoon) != 2 {
			t.Errorf("due after the prompt: %d, want 2", len(d.DueSoon))
		}
		r, err := e.App.ReviewFlag(ctx, fx.nurse, f.ID, 2, app.FlagReview{Note: "Still at risk; keep the flag."})
		if err != nil || r.ReviewPrompt != "" {
			t.Errorf("review clears the prompt: %+v, %v", r, err)
		}
		err = e.Store.Tx(ctx, func(tx *store.Tx) error { return e.App.PromptFlagReview(ctx, tx, fx.child.ID, "") })
		if hub.ErrorField(err) != "why" {
			t.Errorf("PromptFlagReview without a reason = %v", err)
		}
	})
}

// TestImportFlags: a batch is all-or-nothing; every refused row is listed.
func TestImportFlags(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		fx := newFlagFixture(t, engine)
		e := fx.e
		b := e.NewPerson(t, "856", app.PersonInput{GivenName: "Bo", FamilyName: "Two", DateOfBirth: "2011-01-01"})
		adult := e.NewPerson(t, "856", app.PersonInput{GivenName: "Al", FamilyName: "Adult", DateOfBirth: "1990-01-01"})
		row := func(person, cat, status, end string) app.FlagImport {
			in := fx.input()
			in.Category, in.Start, in.ReviewDue, in.LeadUserID = cat, "2026-03-01", "2026-06-01", ""
			return app.FlagImport{PersonID: person, FlagInput: in, Status: status, End: end}
		}
		importer := fx.nurse
		bad := []app.FlagImport{
			row(fx.child.ID, "cse-risk", "active", ""),
			row(hub.NewID(), "cse-risk", "active", ""),
			row(adult.ID, "cse-risk", "active", ""),
			row(b.ID, "gang-risk", "active", ""),
			row(fx.child.ID, "cse-risk", "", ""),
			row(b.ID, "cce-risk", "inactive", ""),
			row(b.ID, "cce-risk", "closed", "2026-05-01"),
		}
		before := countFlags(t, e)
		rep, err := e.App.ImportFlags(ctx, importer, "test register", bad)
		if err != nil {
			t.Fatal(err)
		}
		var refused []string
		for _, r := range rep.Refused {
			refused = append(refused, hub.ErrorField(r.Err))
		}
		// The rows with database problems are checked only once the rest
		// are well formed.
		if diff := cmp.Diff([]string{"category", "end_date", "status"}, refused); diff != "" {
			t.Errorf("refused fields (-want +got):\n%s", diff)
		}
		bad = append(bad[:3], bad[4]) // the well-formed rows
		rep, err = e.App.ImportFlags(ctx, importer, "test register", bad)
		if err != nil {
			t.Fatal(err)
		}
		refused = nil
		for _, r := range rep.Refused {
			refused = append(refused, hub.ErrorField(r.Err))
		}
		if diff := cmp.Diff([]string{"person_id", "start_date", "category"}, refused); diff != "" || rep.Created != 0 {
			t.Errorf("refused fields (-want +got):\n%s", diff)
		}
		if after := countFlags(t, e); after != before {
			t.Errorf("a refused batch wrote: %+v → %+v", before, after)
		}

		good := []app.FlagImport{row(fx.child.ID, "cse-risk", "active", ""), row(b.ID, "cce-risk", "inactive", "2026-05-01"), row(b.ID, "cce-risk", "active", "")}
		rep, err = e.App.ImportFlags(ctx, importer, "test register", good)
		if err != nil || rep.Created != 3 || len(rep.Refused) != 0 {
			t.Fatalf("import = %+v, %v", rep, err)
		}
		after := countFlags(t, e)
		if after.Flags-before.Flags != 3 || after.History-before.History != 3 || after.Audit-before.Audit != 3 {
			t.Errorf("import wrote %+v → %+v, want 3 flags, 3 history rows, 3 audit events", before, after)
		}
		got := storedFlag(t, e, rep.IDs[1])
		if got.Status != hub.FlagInactive || got.End != (hub.Date{Year: 2026, Month: 5, Day: 1}) || got.EndReason == "" {
			t.Errorf("imported inactive flag %+v", got)
		}
		if ev := newestEvents(t, e, 1)[0]; ev.Detail != "import: test register" || ev.ObjectType != "flag" {
			t.Errorf("import event %+v", ev)
		}
		if diff := cmp.Diff(map[string]int{fx.child.ID: 1, b.ID: 1}, fx.changes.take()); diff != "" {
			t.Errorf("flag changes (-want +got):\n%s", diff)
		}
		if _, err := e.App.ImportFlags(ctx, fx.police, "x", good); !errors.Is(err, hub.ErrForbidden) {
			t.Errorf("police import = %v", err)
		}
	})
}

func TestParseLookupDetail(t *testing.T) {
	for _, tt := range []struct{ in, setting, practitioner string }{
		{"setting: Leicester Royal Infirmary ED; practitioner: ED registrar", "Leicester Royal Infirmary ED", "ED registrar"},
		{"setting: LRI ED", "LRI ED", ""},
		{"practitioner: Dr Who; setting: A&E; practitioner: other", "A&E", "Dr Who"},
		{"no active flag", "", ""},
		{"", "", ""},
		{"setting: ; practitioner: x", "", "x"},
	} {
		s, p := app.ParseLookupDetail(tt.in)
		if s != tt.setting || p != tt.practitioner {
			t.Errorf("ParseLookupDetail(%q) = %q, %q; want %q, %q", tt.in, s, p, tt.setting, tt.practitioner)
		}
	}
}

func FuzzParseLookupDetail(f *testing.F) {
	f.Add("setting: Leicester Royal Infirmary ED; practitioner: ED registrar")
	f.Add("no active flag")
	f.Add("setting: ; ; : practitioner:")
	f.Fuzz(func(t *testing.T, s string) {
		setting, practitioner := app.ParseLookupDetail(s)
		if len(setting) > len(s) || len(practitioner) > len(s) {
			t.Errorf("ParseLookupDetail(%q) returned more than it was given", s)
		}
		if setting != "" && !strings.Contains(s, setting) {
			t.Errorf("setting %q is not in %q", setting, s)
		}
	})
}

// FuzzNormalizeFlag: whatever is typed, NormalizeFlag either refuses it
// naming a field of the input or returns a flag that passes Validate, with
// short advice, an E.164 phone and a review after the start.
func FuzzNormalizeFlag(f *testing.F) {
	f.Add("cse-risk", "high", "2026-11-20", "", "reason", "Call the hub before discharge.", "0116 496 0000", "9 to 5")
	f.Add("cce-risk", "low", "2026-01-01", "2026-01-02", "r", "x", "+44 7700 900123", "always")
	f.Add("online-harm", "medium", "2026-13-01", "2025-01-01", "", "\u202e", "０１１６", "")
	f.Add("missing-repeat", "none", "0000-00-00", "9999-99-99", "\x00", strings.Repeat("é", 301), "12", "\n")
	cfg := app.DefaultFlagConfig()
	cfg.ExtraCategories = []hub.FlagCategory{"online-harm"}
	today := hub.Date{Year: 2026, Month: 11, Day: 27}
	fields := []string{"category", "risk_level", "start_date", "review_date", "reason", "advice", "contact_phone", "contact_hours", "lead_user_id"}
	f.Fuzz(func(t *testing.T, cat, risk, start, review, reason, advice, phone, hours string) {
		fl, err := app.NormalizeFlag(app.FlagInput{Category: cat, RiskLevel: risk, Start: start, ReviewDue: review, Reason: reason, Advice: advice, ContactPhone: phone, ContactHours: hours}, cfg, today)
		if err != nil {
			if hub.ErrorCode(err) != hub.EInvalid || !slicesContains(fields, hub.ErrorField(err)) {
				t.Fatalf("NormalizeFlag refused with %v (field %q)", err, hub.ErrorField(err))
			}
			return
		}
		if err := fl.Validate(); err != nil {
			t.Fatalf("accepted flag does not validate: %v", err)
		}
		if !strings.HasPrefix(fl.ContactPhone, "+") || !fl.ReviewDue.After(fl.Start) || fl.Start.After(today) || len([]rune(fl.Advice)) > hub.MaxFlagAdvice {
			t.Fatalf("accepted flag breaks a rule: %+v", fl)
		}
	})
}

func slicesContains(xs []string, x string) bool {
	for _, s := range xs {
		if s == x {
			return true
		}
	}
	return false
}

// TestFlagReferralOnCase: when the flagged child has an active case, a
// referral from the flag is the case's service referral (casework's
// record, on a case pathway, with casework's outcomes), made from the
// flag: the case lists it, the flag page and the nurse's desk show it, and
// the nurse records its outcome from the flag. Bad input is refused with
// the field named and nothing written.
func TestFlagReferralOnCase(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		fx := newFlagFixture(t, engine)
		e := fx.e
		f := fx.set(t, fx.input())
		v, err := e.App.ViewFlag(ctx, fx.nurse, f.ID)
		if err != nil || v.ReferralCaseID != "" {
			t.Fatalf("flag view before the case: %v, case %q", err, v.ReferralCaseID)
		}
		c, err := e.App.OpenCase(ctx, e.RoleActor(hub.RolePractitioner), openCaseInput(e, fx.child, e.Users[hub.RolePractitioner]))
		if err != nil {
			t.Fatal(err)
		}
		if v, err = e.App.ViewFlag(ctx, fx.nurse, f.ID); err != nil || v.ReferralCaseID != c.ID {
			t.Fatalf("flag view with the case: %v, case %q, want %q", err, v.ReferralCaseID, c.ID)
		}

		// A flag service is not a case pathway; a flag outcome is not one of
		// casework's.
		refused(t, e, hub.EInvalid, "service", 0, func() error {
			_, err := e.App.RecordFlagReferral(ctx, fx.nurse, f.ID, app.FlagReferralInput{Service: "Sexual health service"})
			return err
		})
		refused(t, e, hub.EInvalid, "outcome", 0, func() error {
			_, err := e.App.RecordFlagReferral(ctx, fx.nurse, f.ID, app.FlagReferralInput{Service: "sexual_health", Outcome: "did-not-engage"})
			return err
		})
		refused(t, e, hub.EInvalid, "referred_on", 0, func() error {
			_, err := e.App.RecordFlagReferral(ctx, fx.nurse, f.ID, app.FlagReferralInput{Service: "sexual_health", ReferredOn: "2026-13-01"})
			return err
		})
		// After the flag started but before the case was opened (today).
		refused(t, e, hub.EInvalid, "referred_on", 0, func() error {
			_, err := e.App.RecordFlagReferral(ctx, fx.nurse, f.ID, app.FlagReferralInput{Service: "sexual_health", ReferredOn: "2026-11-21"})
			return err
		})
		// A note over the limit, refused before anything is written.
		refused(t, e, hub.EInvalid, "note", 0, func() error {
			_, err := e.App.RecordFlagReferral(ctx, fx.nurse, f.ID, app.FlagReferralInput{Service: "sexual_health", Note: strings.Repeat("n", 4001)})
			return err
		})

		var r *hub.FlagReferral
		ev := oneEvent(t, e, 0, func() (err error) {
			r, err = e.App.RecordFlagReferral(ctx, fx.nurse, f.ID, app.FlagReferralInput{Service: "sexual_health", Note: "Appointment booked for Friday."})
			return err
		})
		checkEvent(t, ev, wantEvent{ActorID: fx.nurse.ID, Action: hub.ActCreate, ObjectType: "service_referral", ObjectID: r.ID, SubjectID: fx.child.ID, Outcome: hub.OutcomeSuccess})
		if r.CaseID != c.ID || r.CaseOutcome != hub.ServicePending || r.FlagID != f.ID || !strings.Contains(ev.Detail, c.ID) {
			t.Errorf("referral %+v, event detail %q", r, ev.Detail)
		}
		var onCase []*hub.ServiceReferral
		var flagOnly []*store.FlagReferralListing
		err = e.Store.Read(ctx, func(tx *store.Tx) error {
			var err error
			if onCase, err = tx.CaseServiceReferrals(c.ID); err != nil {
				return err
			}
			flagOnly, err = tx.FlagReferrals(store.FlagReferralFilter{FlagID: f.ID})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(onCase) != 1 || onCase[0].ID != r.ID || onCase[0].FlagID != f.ID || onCase[0].Pathway != "sexual_health" || onCase[0].Reason != "Appointment booked for Friday." || len(flagOnly) != 0 {
			t.Fatalf("case referrals %+v, flag-only referrals %d", onCase, len(flagOnly))
		}
		v, err = e.App.ViewFlag(ctx, fx.nurse, f.ID)
		if err != nil || len(v.Referrals) != 1 || v.Referrals[0].ID != r.ID || v.Referrals[0].CaseID != c.ID {
			t.Fatalf("flag view referrals: %v, %+v", err, v.Referrals)
		}
		d, err := e.App.FlagDesk(ctx, fx.nurse)
		if err != nil || len(d.Referrals) != 1 || d.Referrals[0].Referral.ID != r.ID || d.Referrals[0].ChildName != fx.child.Name() {
			t.Fatalf("desk referrals: %v, %+v", err, d.Referrals)
		}

		// The outcome, from the flag, in casework's terms.
		refused(t, e, hub.EInvalid, "outcome", 0, func() error {
			_, err := e.App.RecordFlagReferralOutcome(ctx, fx.nurse, r.ID, 1, "did-not-engage", "")
			return err
		})
		refused(t, e, hub.EConflict, "", 0, func() error {
			_, err := e.App.RecordFlagReferralOutcome(ctx, fx.nurse, r.ID, 7, "engaged", "")
			return err
		})
		ev = oneEvent(t, e, 0, func() error {
			_, err := e.App.RecordFlagReferralOutcome(ctx, fx.nurse, r.ID, 1, "engaged", "Attended the first session.")
			return err
		})
		checkEvent(t, ev, wantEvent{ActorID: fx.nurse.ID, Action: hub.ActUpdate, ObjectType: "service_referral", ObjectID: r.ID, SubjectID: fx.child.ID, Outcome: hub.OutcomeSuccess})
		err = e.Store.Read(ctx, func(tx *store.Tx) error {
			s, err := tx.ServiceReferral(r.ID)
			if err == nil && (s.Outcome != hub.ServiceEngaged || s.OutcomeOn != e.App.Today() || s.OutcomeNote != "Attended the first session.") {
				t.Errorf("case referral after the outcome: %+v", s)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if d, err = e.App.FlagDesk(ctx, fx.nurse); err != nil || len(d.Referrals) != 0 {
			t.Errorf("desk referrals after the outcome: %v, %d", err, len(d.Referrals))
		}
		// Police may not change flags, so neither this referral.
		refused(t, e, hub.EForbidden, "", 0, func() error {
			_, err := e.App.RecordFlagReferralOutcome(ctx, fx.police, r.ID, 2, "completed", "")
			return err
		})
		// The note is added to what casework recorded, not put in its
		// place.
		if _, err := e.App.RecordFlagReferralOutcome(ctx, fx.nurse, r.ID, 2, "engaged", "Second session booked."); err != nil {
			t.Fatal(err)
		}
		err = e.Store.Read(ctx, func(tx *store.Tx) error {
			s, err := tx.ServiceReferral(r.ID)
			if err == nil && s.OutcomeNote != "Attended the first session.\nSecond session booked." {
				t.Errorf("outcome note = %q", s.OutcomeNote)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}

		// The nurse's personal token without case:read may change the flag
		// but not read the case: the case's referrals and the case itself
		// stay out of her view, she cannot add to the case's plan, and the
		// referral's outcome is not hers to change (denied and audited).
		token := *fx.nurse
		token.Token, token.Scopes = true, []hub.Scope{hub.ScopePersonRead, hub.ScopePersonWrite}
		if v, err = e.App.ViewFlag(ctx, &token, f.ID); err != nil || len(v.Referrals) != 0 || v.ReferralCaseID != "" || !v.CanWrite {
			t.Errorf("flag view without case:read: %v, %d referrals, case %q, can write %v", err, len(v.Referrals), v.ReferralCaseID, v.CanWrite)
		}
		refused(t, e, hub.EForbidden, "", 0, func() error {
			_, err := e.App.RecordFlagReferral(ctx, &token, f.ID, app.FlagReferralInput{Service: "sexual_health"})
			return err
		})
		refused(t, e, hub.ENotFound, "", 1, func() error {
			_, err := e.App.RecordFlagReferralOutcome(ctx, &token, r.ID, 3, "completed", "")
			return err
		})
		if d, err = e.App.FlagDesk(ctx, &token); err != nil || len(d.Referrals) != 0 {
			t.Errorf("desk without case:read: %v, %d referrals", err, len(d.Referrals))
		}
		// Nor a referral that was not made from a flag.
		var plain *hub.ServiceReferral
		if plain, err = e.App.ReferToService(ctx, e.RoleActor(hub.RolePractitioner), c.ID, app.ServiceInput{Pathway: "camhs"}); err != nil {
			t.Fatal(err)
		}
		refused(t, e, hub.ENotFound, "", 1, func() error {
			_, err := e.App.RecordFlagReferralOutcome(ctx, fx.nurse, plain.ID, 1, "accepted", "")
			return err
		})

		// Once the case is closed, a pending referral leaves the desk and
		// its outcome can no longer be changed from the flag.
		pending, err := e.App.RecordFlagReferral(ctx, fx.nurse, f.ID, app.FlagReferralInput{Service: "camhs"})
		if err != nil {
			t.Fatal(err)
		}
		cv, err := e.App.ViewCase(ctx, e.RoleActor(hub.RolePractitioner), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.App.CloseCase(ctx, e.RoleActor(hub.RolePractitioner), c.ID, cv.Case.Version, app.CaseClosure{Code: "risk_reduced", Reason: "Settled at home."}); err != nil {
			t.Fatal(err)
		}
		if d, err = e.App.FlagDesk(ctx, fx.nurse); err != nil || len(d.Referrals) != 0 {
			t.Errorf("desk after the case closed: %v, %+v", err, d.Referrals)
		}
		refused(t, e, hub.EInvalid, "case", 0, func() error {
			_, err := e.App.RecordFlagReferralOutcome(ctx, fx.nurse, pending.ID, 1, "accepted", "")
			return err
		})
		// With no active case, referrals are kept with the flag again.
		again, err := e.App.RecordFlagReferral(ctx, fx.nurse, f.ID, app.FlagReferralInput{Service: "Sexual health service"})
		if err != nil || again.CaseID != "" {
			t.Errorf("referral after the case closed: %v, %+v", err, again)
		}
	})
}

// TestFlagFollowsRiskLevel: when the child's combined risk assessment sets
// a new level, each active flag whose risk level differs falls due for
// review, saying why; a flag that already matches is left alone.
func TestFlagFollowsRiskLevel(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		fx := newFlagFixture(t, engine)
		e := fx.e
		high := fx.set(t, fx.input()) // high risk
		medium := fx.set(t, func() app.FlagInput {
			in := fx.input()
			in.Category, in.RiskLevel = "missing-repeat", "medium"
			return in
		}())
		prac, police := e.RoleActor(hub.RolePractitioner), e.RoleActor(hub.RolePolice)
		ref, err := e.App.RecordReferral(ctx, police, validReferral(fx.child))
		if err != nil {
			t.Fatal(err)
		}
		x, err := e.App.StartAssessment(ctx, prac, hub.Subject{Kind: hub.SubjectPerson, ID: fx.child.ID}, ref.ID)
		if err != nil {
			t.Fatal(err)
		}
		if x, err = e.App.Contribute(ctx, police, x.ID, app.ContributionInput{Indicators: []string{"drugs_or_cash_found", "missing_repeat"}, Evidence: "Found with cash."}); err != nil {
			t.Fatal(err)
		}
		if _, err = e.App.SetAssessmentLevel(ctx, prac, x.ID, x.Version, app.LevelInput{Level: "medium", Reason: "Two agencies agree."}); err != nil {
			t.Fatal(err)
		}
		got := storedFlag(t, e, high.ID)
		if got.ReviewDue != e.App.Today() || got.ReviewPrompt != "risk level assessed as medium (was none)" {
			t.Errorf("the high-risk flag after a medium assessment: review %s, prompt %q", got.ReviewDue, got.ReviewPrompt)
		}
		if h := flagHistory(t, e, high.ID)[0]; h.Action != hub.FlagActReviewPrompted {
			t.Errorf("history %+v", h)
		}
		if got := storedFlag(t, e, medium.ID); got.ReviewPrompt != "" || got.Version != 1 {
			t.Errorf("the medium-risk flag was prompted too: prompt %q, version %d", got.ReviewPrompt, got.Version)
		}
	})
}

// TestFlagFollowsCaseLead: when the child's case gets a new lead
// practitioner (changed on the case, or reassigned from the team view),
// the flags led by the old lead move to the new one, recorded in their
// history, and look-ups then notify the new lead; a flag led by someone
// else stays, and a new lead who may not lead a flag for the child (in
// another area) leaves the flags as they were.
func TestFlagFollowsCaseLead(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		fx := newFlagFixture(t, engine)
		e := fx.e
		pat := e.Users[hub.RolePractitioner]
		led := fx.set(t, fx.input()) // led by pat
		byManager := fx.set(t, func() app.FlagInput {
			in := fx.input()
			in.Category, in.LeadUserID = "missing-repeat", e.Users[hub.RoleManager].ID
			return in
		}())
		prac := e.RoleActor(hub.RolePractitioner)
		c, err := e.App.OpenCase(ctx, prac, openCaseInput(e, fx.child, pat))
		if err != nil {
			t.Fatal(err)
		}
		second := e.NewUser(t, "second.practitioner", hub.AgencySocialCare, []hub.Role{hub.RolePractitioner}, "856")
		in := openCaseInput(e, fx.child, second, pat)
		if c, err = e.App.UpdateCase(ctx, prac, c.ID, c.Version, in); err != nil {
			t.Fatal(err)
		}
		if got := storedFlag(t, e, led.ID); got.LeadUserID != second.ID {
			t.Errorf("the flag's lead after the case's changed: %s, want %s", got.LeadUserID, second.ID)
		}
		if h := flagHistory(t, e, led.ID)[0]; h.Action != hub.FlagActLeadChanged || h.ActorName != "Safehub" {
			t.Errorf("history %+v", h)
		}
		if got := storedFlag(t, e, byManager.ID); got.LeadUserID != e.Users[hub.RoleManager].ID || got.Version != 1 {
			t.Errorf("the manager's flag moved: lead %s, version %d", got.LeadUserID, got.Version)
		}
		// A look-up now tells the new lead.
		ed := healthClient(t, e, "Leicester Royal Infirmary ED")
		if _, err := e.Flags.LookUp(ctx, ed, "943 476 5919", "", 10); err != nil {
			t.Fatal(err)
		}
		ns, err := e.App.Notifications(ctx, &app.Principal{User: second, Actor: e.Actor(second)}, true, 10, 0)
		if err != nil || !slices.ContainsFunc(ns.Items, func(n *hub.Notification) bool { return n.Kind == app.FlagLookupKind }) {
			t.Errorf("the new lead's notifications after a look-up: %v, %+v", err, ns)
		}
		if !slices.ContainsFunc(ns.Items, func(n *hub.Notification) bool { return n.Kind == "flag_lead" && n.ObjectID == led.ID }) {
			t.Errorf("the new lead was not told they now lead the flag: %+v", ns.Items)
		}
		// Reassigned from the team view to someone in another area: the
		// flag cannot follow.
		county := e.NewUser(t, "county.practitioner", hub.AgencySocialCare, []hub.Role{hub.RolePractitioner}, "855")
		if err := app.ReassignForTest(e.App, ctx, e.RoleActor(hub.RoleManager), "case_review", c.ID, county.ID); err != nil {
			t.Fatal(err)
		}
		if got := storedFlag(t, e, led.ID); got.LeadUserID != second.ID {
			t.Errorf("the flag followed a lead from another area: %s", got.LeadUserID)
		}
		// And back to pat: it follows.
		if err := app.ReassignForTest(e.App, ctx, e.RoleActor(hub.RoleManager), "case_review", c.ID, second.ID); err != nil {
			t.Fatal(err)
		}
		if err := app.ReassignForTest(e.App, ctx, e.RoleActor(hub.RoleManager), "case_review", c.ID, pat.ID); err != nil {
			t.Fatal(err)
		}
		if got := storedFlag(t, e, led.ID); got.LeadUserID != pat.ID {
			t.Errorf("the flag's lead after reassignment back: %s, want %s", got.LeadUserID, pat.ID)
		}
	})
}
