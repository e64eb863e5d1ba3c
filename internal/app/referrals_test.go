package app_test

import (
	"errors"
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

// casework counts what part A's refused calls must leave unchanged.
type casework struct {
	Referrals, Assessments, Contributions, Contexts, Notifications int
	Audit                                                          int64
}

func caseworkOf(t testing.TB, e *apptest.Env) casework {
	t.Helper()
	var c casework
	err := e.Store.Read(ctx, func(tx *store.Tx) error {
		var err error
		if c.Referrals, err = tx.CountReferrals(); err != nil {
			return err
		}
		if c.Assessments, c.Contributions, err = tx.CountAssessments(); err != nil {
			return err
		}
		if c.Contexts, err = tx.CountContexts(); err != nil {
			return err
		}
		if c.Audit, err = tx.AuditSize(); err != nil {
			return err
		}
		c.Notifications, err = tx.CountNotifications()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// unchanged runs fn, checks it failed with code and field, and that it
// wrote nothing but wantAudit audit events.
func unchanged(t testing.TB, e *apptest.Env, code, field string, wantAudit int64, fn func() error) {
	t.Helper()
	before := caseworkOf(t, e)
	err := fn()
	if got := hub.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
	if got := hub.ErrorField(err); got != field {
		t.Errorf("error field = %q (%v), want %q", got, err, field)
	}
	after := caseworkOf(t, e)
	before.Audit += wantAudit
	if after != before {
		t.Errorf("counts after a refused call = %+v, want %+v", after, before)
	}
}

func validReferral(p *hub.Person) app.ReferralInput {
	return app.ReferralInput{SubjectKind: "person", SubjectID: p.ID, ReferrerName: "Sam Teacher", ReferrerRole: "designated safeguarding lead",
		ReferrerOrg: "Hope Street Academy", Concerns: "Seen getting into cars with older men after school.", Indicators: []string{"cars_with_unknown_adults", "older_associates"}}
}

func TestReferralLifecycle(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		prac, mgr := e.RoleActor(hub.RolePractitioner), e.RoleActor(hub.RoleManager)
		child := e.NewPerson(t, "856", app.PersonInput{GivenName: "Ruby", FamilyName: "Hale", DateOfBirth: "2012-04-05"})

		var r *hub.Referral
		ev := oneEvent(t, e, 0, func() (err error) { r, err = e.App.RecordReferral(ctx, prac, validReferral(child)); return err })
		checkEvent(t, ev, wantEvent{ActorID: prac.ID, Action: hub.ActCreate, ObjectType: "referral", ObjectID: r.ID, SubjectID: child.ID, Outcome: hub.OutcomeSuccess})
		// Received Friday 27 November 2026 at 09:00: due Monday 30th at 09:00.
		if want := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC); !r.DecisionDue.Equal(want) {
			t.Errorf("decision due %v, want %v", r.DecisionDue, want)
		}
		if r.AreaID != child.AreaID || r.Urgency != hub.UrgencyRoutine || r.Decided() {
			t.Errorf("referral = %+v", r)
		}
		if strings.Join(r.Indicators, ",") != "older_associates,cars_with_unknown_adults" {
			t.Errorf("indicators = %q, want the tool's order", r.Indicators)
		}

		var v *app.ReferralView
		ev = oneEvent(t, e, 0, func() (err error) { v, err = e.App.ViewReferral(ctx, prac, r.ID); return err })
		checkEvent(t, ev, wantEvent{ActorID: prac.ID, Action: hub.ActView, ObjectType: "referral", ObjectID: r.ID, SubjectID: child.ID, Outcome: hub.OutcomeSuccess})
		if v.SubjectName != "Ruby Hale" || !v.CanDecide || !v.CanAssess || len(v.Indicators) != 2 || v.Indicators[0].Label == "" {
			t.Errorf("view = %+v", v)
		}

		// A stale version, then no reason, then the decision.
		unchanged(t, e, hub.EConflict, "", 0, func() error {
			_, err := e.App.DecideReferral(ctx, mgr, r.ID, 7, app.DecisionInput{Decision: "early_help", Reason: "x"})
			return err
		})
		unchanged(t, e, hub.EInvalid, "decision_reason", 0, func() error {
			_, err := e.App.DecideReferral(ctx, mgr, r.ID, r.Version, app.DecisionInput{Decision: "early_help", Reason: "  "})
			return err
		})
		unchanged(t, e, hub.EInvalid, "decision", 0, func() error {
			_, err := e.App.DecideReferral(ctx, mgr, r.ID, r.Version, app.DecisionInput{Decision: "lock_them_up", Reason: "x"})
			return err
		})
		e.Clock.Advance(2 * time.Hour)
		var d *hub.Referral
		ev = oneEvent(t, e, 0, func() (err error) {
			d, err = e.App.DecideReferral(ctx, mgr, r.ID, r.Version, app.DecisionInput{Decision: "strategy_discussion", Reason: "Older men, cars: CSE indicators."})
			return err
		})
		checkEvent(t, ev, wantEvent{ActorID: mgr.ID, Action: hub.ActUpdate, ObjectType: "referral", ObjectID: r.ID, SubjectID: child.ID, Outcome: hub.OutcomeSuccess})
		if d.Decision != hub.DecisionStrategy || d.DecidedBy != mgr.ID || d.DecidedByName != "Test Manager" || !d.DecidedAt.Equal(e.Clock.Now().Truncate(time.Microsecond)) {
			t.Errorf("decided = %+v", d)
		}
		unchanged(t, e, hub.EConflict, "", 0, func() error {
			_, err := e.App.DecideReferral(ctx, mgr, r.ID, d.Version, app.DecisionInput{Decision: "nfa", Reason: "changed my mind"})
			return err
		})

		// The list, and the person page's section.
		list, err := e.App.Referrals(ctx, prac, app.ReferralQuery{})
		if err != nil || list.Total != 1 || list.Items[0].SubjectName != "Ruby Hale" {
			t.Errorf("Referrals() = %+v, %v", list, err)
		}
		if list, _ := e.App.Referrals(ctx, prac, app.ReferralQuery{Undecided: true}); list.Total != 0 {
			t.Errorf("undecided referrals = %d, want 0", list.Total)
		}
		pv, err := e.App.ViewPerson(ctx, prac, child.ID)
		if err != nil {
			t.Fatal(err)
		}
		if pr := pv.Casework.Referrals; pr == nil || !pr.CanRead || len(pr.Referrals) != 1 || pr.Total != 1 {
			t.Errorf("person view referrals = %+v", pv.Casework.Referrals)
		}
	})
}

func TestReferralRefused(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		prac := e.RoleActor(hub.RolePractitioner)
		child := e.NewPerson(t, "856", app.PersonInput{GivenName: "Ada", FamilyName: "Stone"})
		tests := []struct {
			name   string
			change func(*app.ReferralInput)
			field  string
		}{
			{"subject kind", func(in *app.ReferralInput) { in.SubjectKind = "dog" }, "subject_kind"},
			{"subject id", func(in *app.ReferralInput) { in.SubjectID = "../../etc/passwd" }, "subject_id"},
			{"no referrer", func(in *app.ReferralInput) { in.ReferrerName = "  " }, "referrer_name"},
			{"control characters in the name", func(in *app.ReferralInput) { in.ReferrerName = "Sam\u202eTeacher" }, "referrer_name"},
			{"agency and organisation", func(in *app.ReferralInput) { in.ReferrerAgencyID = e.Agencies[hub.AgencyPolice].ID }, "referrer_org"},
			{"neither agency nor organisation", func(in *app.ReferralInput) { in.ReferrerOrg = "" }, "referrer_org"},
			{"unknown agency", func(in *app.ReferralInput) { in.ReferrerOrg, in.ReferrerAgencyID = "", hub.NewID() }, "referrer_agency_id"},
			{"future", func(in *app.ReferralInput) { in.ReceivedAt = e.Clock.Now().Add(time.Hour) }, "received_at"},
			{"no concerns", func(in *app.ReferralInput) { in.Concerns = "\n " }, "concerns"},
			{"oversized concerns", func(in *app.ReferralInput) { in.Concerns = strings.Repeat("é", hub.MaxConcerns+1) }, "concerns"},
			{"NUL in concerns", func(in *app.ReferralInput) { in.Concerns = "a\x00b" }, "concerns"},
			{"unknown indicator", func(in *app.ReferralInput) { in.Indicators = []string{"missing_repeat", "flying_carpet"} }, "indicators"},
			{"urgency", func(in *app.ReferralInput) { in.Urgency = "whenever" }, "urgency"},
			{"allocated to no one", func(in *app.ReferralInput) { in.AllocatedTo = hub.NewID() }, "allocated_to"},
			{"allocated to an administrator", func(in *app.ReferralInput) { in.AllocatedTo = e.Users[hub.RoleAdmin].ID }, "allocated_to"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				in := validReferral(child)
				tt.change(&in)
				unchanged(t, e, hub.EInvalid, tt.field, 0, func() error { _, err := e.App.RecordReferral(ctx, prac, in); return err })
			})
		}
		// A subject that does not exist: not found, the attempt audited.
		in := validReferral(child)
		in.SubjectID = hub.NewID()
		unchanged(t, e, hub.ENotFound, "", 1, func() error { _, err := e.App.RecordReferral(ctx, prac, in); return err })
		in.SubjectKind = "context"
		unchanged(t, e, hub.ENotFound, "", 1, func() error { _, err := e.App.RecordReferral(ctx, prac, in); return err })
	})
}

// TestReferralAccess: another area's child answers not found for every
// referral use case (audited as denied); a restricted child needs a
// manager; roles get what the policy gives.
func TestReferralAccess(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		prac, mgr, nurse, edu, analyst := e.RoleActor(hub.RolePractitioner), e.RoleActor(hub.RoleManager), e.RoleActor(hub.RoleNurse), e.RoleActor(hub.RoleEducation), e.RoleActor(hub.RoleAnalyst)
		far := e.NewPerson(t, "855", app.PersonInput{GivenName: "Far", FamilyName: "Away"})
		restricted := e.NewPerson(t, "856", app.PersonInput{GivenName: "Quiet", FamilyName: "One", Restricted: true})
		here := e.NewPerson(t, "856", app.PersonInput{GivenName: "Near", FamilyName: "By"})
		farActor := e.Actor(e.NewUser(t, "leics.practitioner", hub.AgencySocialCare, []hub.Role{hub.RolePractitioner}, "855"))
		farRef, err := e.App.RecordReferral(ctx, farActor, validReferral(far))
		if err != nil {
			t.Fatal(err)
		}

		unchanged(t, e, hub.ENotFound, "", 1, func() error { _, err := e.App.RecordReferral(ctx, prac, validReferral(far)); return err })
		unchanged(t, e, hub.ENotFound, "", 1, func() error { _, err := e.App.ViewReferral(ctx, prac, farRef.ID); return err })
		unchanged(t, e, hub.ENotFound, "", 1, func() error { _, err := e.App.ViewReferral(ctx, prac, hub.NewID()); return err })
		unchanged(t, e, hub.ENotFound, "", 1, func() error {
			_, err := e.App.DecideReferral(ctx, mgr, farRef.ID, 1, app.DecisionInput{Decision: "nfa", Reason: "not ours"})
			return err
		})
		if ev := newestEvents(t, e, 1)[0]; ev.Outcome != hub.OutcomeDenied || ev.SubjectID != far.ID || ev.ObjectID != farRef.ID {
			t.Errorf("denied decision audited as %+v", ev)
		}
		list, err := e.App.Referrals(ctx, prac, app.ReferralQuery{})
		if err != nil || list.Total != 0 {
			t.Errorf("practitioner in 856 lists %+v, %v; want nothing from 855", list, err)
		}
		unchanged(t, e, hub.ENotFound, "", 1, func() error {
			_, err := e.App.Referrals(ctx, prac, app.ReferralQuery{Subject: &hub.Subject{Kind: hub.SubjectPerson, ID: far.ID}})
			return err
		})

		// Restricted: the practitioner may not refer (it is not theirs to
		// see); the manager may, and reads it; the practitioner cannot.
		unchanged(t, e, hub.ENotFound, "", 1, func() error { _, err := e.App.RecordReferral(ctx, prac, validReferral(restricted)); return err })
		rr, err := e.App.RecordReferral(ctx, mgr, validReferral(restricted))
		if err != nil {
			t.Fatal(err)
		}
		unchanged(t, e, hub.ENotFound, "", 1, func() error { _, err := e.App.ViewReferral(ctx, prac, rr.ID); return err })
		if _, err := e.App.ViewReferral(ctx, mgr, rr.ID); err != nil {
			t.Errorf("manager views restricted referral: %v", err)
		}
		if l, _ := e.App.Referrals(ctx, prac, app.ReferralQuery{}); l.Total != 0 {
			t.Errorf("practitioner's list shows %d referrals about a restricted child", l.Total)
		}

		// Roles: the nurse and education may refer; neither may decide;
		// education may not read casework; the analyst may read only.
		for _, a := range []*access.Actor{nurse, edu} {
			if _, err := e.App.RecordReferral(ctx, a, validReferral(here)); err != nil {
				t.Errorf("%s refers: %v", a.Role(), err)
			}
		}
		r, _ := e.App.RecordReferral(ctx, prac, validReferral(here))
		for _, a := range []*access.Actor{nurse, edu, analyst} {
			unchanged(t, e, hub.EForbidden, "", 0, func() error {
				_, err := e.App.DecideReferral(ctx, a, r.ID, r.Version, app.DecisionInput{Decision: "nfa", Reason: "x"})
				return err
			})
		}
		unchanged(t, e, hub.EForbidden, "", 0, func() error { _, err := e.App.ViewReferral(ctx, edu, r.ID); return err })
		unchanged(t, e, hub.EForbidden, "", 0, func() error { _, err := e.App.RecordReferral(ctx, analyst, validReferral(here)); return err })
		if _, err := e.App.ViewReferral(ctx, analyst, r.ID); err != nil {
			t.Errorf("analyst reads a referral: %v", err)
		}
		// A personal token with case:read only may not record one.
		tok := *prac
		tok.Token, tok.Scopes = true, []hub.Scope{hub.ScopeCaseRead}
		unchanged(t, e, hub.EForbidden, "", 0, func() error { _, err := e.App.RecordReferral(ctx, &tok, validReferral(here)); return err })
	})
}

// TestReferralDeadlines: the decision is due one working day after
// receipt, skipping weekends and bank holidays, at the same London time.
func TestReferralDeadlines(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		e.Clock.Set(time.Date(2027, 1, 10, 12, 0, 0, 0, time.UTC))
		prac := e.RoleActor(hub.RolePractitioner)
		child := e.NewPerson(t, "856", app.PersonInput{})
		london := app.London
		tests := []struct {
			received, due time.Time
		}{
			// Thursday before Christmas 2026: Friday 25th and Monday 28th
			// (Boxing Day's substitute) are bank holidays.
			{time.Date(2026, 12, 24, 15, 0, 0, 0, london), time.Date(2026, 12, 29, 15, 0, 0, 0, london)},
			// A Saturday: the next working day is Monday... plus one.
			{time.Date(2026, 12, 5, 10, 0, 0, 0, london), time.Date(2026, 12, 8, 9, 0, 0, 0, london)},
			// Friday evening: Monday, same time.
			{time.Date(2026, 11, 20, 18, 30, 0, 0, london), time.Date(2026, 11, 23, 18, 30, 0, 0, london)},
		}
		for _, tt := range tests {
			in := validReferral(child)
			in.ReceivedAt = tt.received
			r, err := e.App.RecordReferral(ctx, prac, in)
			if err != nil {
				t.Fatal(err)
			}
			if !r.DecisionDue.Equal(tt.due) {
				t.Errorf("received %v: due %v, want %v", tt.received, r.DecisionDue.In(london), tt.due)
			}
		}
	})
}

func TestImportReferrals(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		importer := &access.Actor{Name: "synth-load", AgencyID: e.Agencies[hub.AgencySocialCare].ID, Roles: []hub.Role{hub.RolePractitioner},
			AreaIDs: []string{e.Areas["856"].ID, e.Areas["855"].ID}}
		a := e.NewPerson(t, "856", app.PersonInput{GivenName: "A"})
		b := e.NewPerson(t, "855", app.PersonInput{GivenName: "B"})
		rutland := e.NewPerson(t, "857", app.PersonInput{GivenName: "C"})
		at := time.Date(2026, 10, 1, 10, 0, 0, 0, time.UTC)
		row := func(p *hub.Person, ref string) app.ReferralImport {
			return app.ReferralImport{Subject: hub.Subject{Kind: hub.SubjectPerson, ID: p.ID}, ReferrerName: "Police referrer", ReferrerAgencyID: e.Agencies[hub.AgencyPolice].ID,
				ReceivedAt: at, Concerns: "Concern: county lines", Indicators: []string{"missing_repeat"}, Urgency: hub.UrgencyRoutine,
				Decision: hub.DecisionEarlyHelp, DecisionReason: "imported", DecidedAt: at.Add(3 * time.Hour), ExternalRef: ref}
		}
		bad := []app.ReferralImport{row(a, "RF1"), row(rutland, "RF2"), row(b, "RF3")}
		bad[2].Indicators = []string{"nope"}
		before := caseworkOf(t, e)
		rep, err := e.App.ImportReferrals(ctx, importer, "test", bad)
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Refused) != 2 || rep.Refused[0].Row != 1 || hub.ErrorField(rep.Refused[0].Err) != "subject_id" || rep.Refused[1].Row != 2 || hub.ErrorField(rep.Refused[1].Err) != "indicators" || rep.Created != 0 {
			t.Errorf("import report = %+v", rep)
		}
		if after := caseworkOf(t, e); after != before {
			t.Errorf("a refused batch wrote: %+v → %+v", before, after)
		}
		rep, err = e.App.ImportReferrals(ctx, importer, "test", []app.ReferralImport{row(a, "RF1"), row(b, "RF3")})
		if err != nil || rep.Created != 2 || len(rep.IDs) != 2 {
			t.Fatalf("import = %+v, %v", rep, err)
		}
		if after := caseworkOf(t, e); after.Referrals != before.Referrals+2 || after.Audit != before.Audit+2 {
			t.Errorf("import wrote %+v from %+v, want 2 referrals and 2 audit events", after, before)
		}
		// The same references again conflict, and nothing is written.
		before = caseworkOf(t, e)
		if _, err := e.App.ImportReferrals(ctx, importer, "test", []app.ReferralImport{row(a, "RF9"), row(a, "RF1")}); !errors.Is(err, hub.ErrConflict) {
			t.Errorf("re-import = %v, want conflict", err)
		}
		if after := caseworkOf(t, e); after != before {
			t.Errorf("a conflicting batch wrote: %+v → %+v", before, after)
		}
	})
}

// TestReferralOpensCase: "open a hub case" needs the case's exploitation
// type; it opens the case in the decision's transaction (which writes its
// own audit event) and keeps its id; the case's lead then hears of risk
// level changes rather than the area's managers.
func TestReferralOpensCase(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		prac, mgr, police := e.RoleActor(hub.RolePractitioner), e.RoleActor(hub.RoleManager), e.RoleActor(hub.RolePolice)
		child := e.NewPerson(t, "856", app.PersonInput{GivenName: "Leo", FamilyName: "Case"})
		r, err := e.App.RecordReferral(ctx, police, validReferral(child))
		if err != nil {
			t.Fatal(err)
		}
		unchanged(t, e, hub.EInvalid, "exploitation", 0, func() error {
			_, err := e.App.DecideReferral(ctx, prac, r.ID, r.Version, app.DecisionInput{Decision: "open_case", Reason: "CSE indicators"})
			return err
		})
		before := caseworkOf(t, e)
		d, err := e.App.DecideReferral(ctx, prac, r.ID, r.Version, app.DecisionInput{Decision: "open_case", Reason: "CSE indicators", Exploitation: []string{"cse"}})
		if err != nil {
			t.Fatal(err)
		}
		if !hub.ValidID(d.CaseID) {
			t.Fatalf("decided referral has no case: %+v", d)
		}
		if after := caseworkOf(t, e); after.Audit != before.Audit+2 {
			t.Errorf("deciding and opening the case wrote %d audit events, want 2 (the referral's and the case's)", after.Audit-before.Audit)
		}
		var lead string
		e.Store.Read(ctx, func(tx *store.Tx) error {
			lead, err = e.App.CaseLead(tx, r.Subject)
			return err
		})
		if lead != prac.ID {
			t.Errorf("case lead = %q, want the practitioner who decided", lead)
		}

		// A level set by the manager tells the case's lead, not the managers.
		x, err := e.App.StartAssessment(ctx, mgr, r.Subject, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if x, err = e.App.Contribute(ctx, mgr, x.ID, app.ContributionInput{Indicators: []string{"online_grooming"}}); err != nil {
			t.Fatal(err)
		}
		if _, err = e.App.SetAssessmentLevel(ctx, mgr, x.ID, x.Version, app.LevelInput{Level: "low"}); err != nil {
			t.Fatal(err)
		}
		ns := notificationsOf(t, e, prac.ID)
		if len(ns) == 0 || ns[0].Kind != "risk_change" {
			t.Errorf("the case lead's notifications = %+v", ns)
		}
	})
}
