package app_test

import (
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

// caseCounts is what a refused casework use case must leave unchanged.
type caseCounts struct {
	Cases, Actions, Notes, Attachments int
	Audit                              int64
}

func caseCountsOf(t testing.TB, e *apptest.Env) caseCounts {
	t.Helper()
	var c caseCounts
	err := e.Store.Read(ctx, func(tx *store.Tx) error {
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

// audited runs fn, which must succeed, and checks it wrote exactly one
// audit event, which it returns.
func audited(t testing.TB, e *apptest.Env, fn func() error) *hub.AuditEvent {
	t.Helper()
	before := caseCountsOf(t, e)
	if err := fn(); err != nil {
		t.Fatalf("use case failed: %v", err)
	}
	if got := caseCountsOf(t, e).Audit - before.Audit; got != 1 {
		t.Fatalf("audit events written = %d, want 1", got)
	}
	return newestEvents(t, e, 1)[0]
}

// refusedCase runs fn, checks it failed with code (and field, if given),
// wrote wantAudit audit events (a denial is audited; a refused input is
// not) and nothing else.
func refusedCase(t testing.TB, e *apptest.Env, code, field string, wantAudit int64, fn func() error) error {
	t.Helper()
	before := caseCountsOf(t, e)
	err := fn()
	if got := hub.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
	if field != "" && hub.ErrorField(err) != field {
		t.Errorf("error field = %q (%v), want %q", hub.ErrorField(err), err, field)
	}
	after := caseCountsOf(t, e)
	if got := after.Audit - before.Audit; got != wantAudit {
		t.Errorf("audit events written = %d, want %d", got, wantAudit)
	}
	after.Audit, before.Audit = 0, 0
	if after != before {
		t.Errorf("records changed on a refused call: %+v → %+v", before, after)
	}
	return err
}

func openCaseInput(e *apptest.Env, p *hub.Person, lead *hub.User, members ...*hub.User) app.CaseInput {
	in := app.CaseInput{SubjectKind: "person", SubjectID: p.ID, LeadID: lead.ID, AgencyIDs: []string{e.Agencies[hub.AgencySocialCare].ID, e.Agencies[hub.AgencyPolice].ID},
		Exploitation: []string{"cse", "county_lines"}, Summary: "Seen at the station with older men; missing twice this month.", PlanSummary: "Keep her safe at home and in school."}
	for _, m := range members {
		in.MemberIDs = append(in.MemberIDs, m.ID)
	}
	return in
}

// TestCaseWorkflow opens a case and works it through its plan, a meeting,
// notes, a service referral, a review and closure, checking one audit
// event for each read and change, on both engines.
func TestCaseWorkflow(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		prac, police, nurse := e.RoleActor(hub.RolePractitioner), e.RoleActor(hub.RolePolice), e.RoleActor(hub.RoleNurse)
		p := e.NewPerson(t, "856", app.PersonInput{GivenName: "Amira", FamilyName: "Case", DateOfBirth: "2011-04-05"})

		var c *hub.Case
		ev := audited(t, e, func() (err error) {
			c, err = e.App.OpenCase(ctx, prac, openCaseInput(e, p, e.Users[hub.RolePractitioner], e.Users[hub.RoleNurse]))
			return err
		})
		checkEvent(t, ev, wantEvent{ActorID: prac.ID, Action: hub.ActCreate, ObjectType: "case", ObjectID: c.ID, SubjectID: p.ID, Outcome: hub.OutcomeSuccess})
		if c.Status != hub.CaseOpen || c.AreaID != e.Areas["856"].ID || !c.Team(nurse.ID) || c.LeadID != prac.ID {
			t.Errorf("opened case = %+v", c)
		}
		if want := hub.DateOf(e.Clock.Now().In(app.London).AddDate(0, 3, 0)); c.ReviewDue != want {
			t.Errorf("review due = %s, want %s (3 months)", c.ReviewDue, want)
		}
		if lead, err := app.CaseLeadForTest(e.App, ctx, hub.Subject{Kind: hub.SubjectPerson, ID: p.ID}); err != nil || lead != prac.ID {
			t.Errorf("CaseLead = %q, %v; want the practitioner", lead, err)
		}

		// One active case per child.
		refusedCase(t, e, hub.EConflict, "subject_id", 0, func() error {
			_, err := e.App.OpenCase(ctx, prac, openCaseInput(e, p, e.Users[hub.RolePractitioner]))
			return err
		})

		// The person page shows the case.
		v, err := e.App.ViewPerson(ctx, prac, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if cw := v.Casework; cw == nil || cw.Cases == nil || cw.Cases.Active == nil || cw.Cases.Active.Case.ID != c.ID || cw.Cases.CanOpen || !cw.Cases.CanChronology {
			t.Errorf("person view cases = %+v", v.Casework)
		}

		// An action owned by a police officer not on the case: they join it
		// and are told.
		due := e.App.Today()
		due = hub.DateOf(due.Time().AddDate(0, 0, 7))
		var act *hub.PlanAction
		ev = audited(t, e, func() (err error) {
			act, err = e.App.AddPlanAction(ctx, prac, c.ID, app.ActionInput{What: "Visit the station's safeguarding lead", OwnerID: police.ID, Due: due.String()})
			return err
		})
		checkEvent(t, ev, wantEvent{ActorID: prac.ID, Action: hub.ActCreate, ObjectType: "plan_action", ObjectID: act.ID, SubjectID: p.ID, Outcome: hub.OutcomeSuccess})
		if act.AgencyID != e.Agencies[hub.AgencyPolice].ID || act.Status != hub.ActionNotStarted {
			t.Errorf("action = %+v, want the owner's agency and not started", act)
		}
		cv, err := e.App.ViewCase(ctx, police, c.ID)
		if err != nil {
			t.Fatalf("the action's owner cannot see the case: %v", err)
		}
		if !cv.Case.Team(police.ID) || len(cv.Actions) != 1 {
			t.Errorf("case after the action: team %v, %d actions", cv.Case.MemberIDs, len(cv.Actions))
		}
		ns, err := e.App.Notifications(ctx, &app.Principal{User: e.Users[hub.RolePolice], Actor: police}, true, 10, 0)
		if err != nil || !slices.ContainsFunc(ns.Items, func(n *hub.Notification) bool { return n.ObjectID == act.ID && n.Kind == "allocation" }) {
			t.Errorf("the owner was not notified of the action: %v", err)
		}

		// Work items: the action for its owner, overdue after its day.
		items, err := app.CaseWorkForTest(e.App, ctx, police)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(items, func(w app.WorkItem) bool { return w.Kind == "plan_action" && w.ObjectID == act.ID })
		if i < 0 || items[i].OwnerID != police.ID || items[i].Overdue(e.Clock.Now()) || items[i].Link != "/plan-actions/"+act.ID {
			t.Fatalf("work items for the owner = %+v", items)
		}
		e.Clock.Advance(9 * 24 * time.Hour)
		items, _ = app.CaseWorkForTest(e.App, ctx, police)
		if i := slices.IndexFunc(items, func(w app.WorkItem) bool { return w.ObjectID == act.ID }); i < 0 || !items[i].Overdue(e.Clock.Now()) {
			t.Errorf("the action is not overdue after its due date: %+v", items)
		}
		if cv, _ = e.App.ViewCase(ctx, prac, c.ID); cv.Overdue != 1 {
			t.Errorf("case page overdue count = %d, want 1", cv.Overdue)
		}

		// The owner records progress with case.read alone (a nurse owns one).
		var nact *hub.PlanAction
		nact, err = e.App.AddPlanAction(ctx, prac, c.ID, app.ActionInput{What: "Sexual health appointment", OwnerID: nurse.ID, Due: hub.DateOf(e.Clock.Now().AddDate(0, 0, 3)).String()})
		if err != nil {
			t.Fatal(err)
		}
		ev = audited(t, e, func() error {
			_, err := e.App.UpdatePlanAction(ctx, nurse, nact.ID, nact.Version, app.ActionInput{Status: "in_progress", Note: "Appointment booked."})
			return err
		})
		checkEvent(t, ev, wantEvent{ActorID: nurse.ID, Action: hub.ActUpdate, ObjectType: "plan_action", ObjectID: nact.ID, SubjectID: p.ID, Outcome: hub.OutcomeSuccess})
		refusedCase(t, e, hub.EForbidden, "", 0, func() error {
			_, err := e.App.UpdatePlanAction(ctx, nurse, nact.ID, nact.Version+1, app.ActionInput{Status: "in_progress", Due: "2030-01-01"})
			return err
		})
		refusedCase(t, e, hub.EConflict, "", 0, func() error {
			_, err := e.App.UpdatePlanAction(ctx, nurse, nact.ID, nact.Version, app.ActionInput{Status: "done"})
			return err
		})

		// A meeting agreeing two actions: one event, the actions on the plan.
		held := e.Clock.Now().In(app.London).Add(-2 * time.Hour)
		var m *hub.Meeting
		ev = audited(t, e, func() (err error) {
			m, err = e.App.RecordMeeting(ctx, prac, c.ID, app.MeetingInput{Kind: "strategy_discussion", Date: held.Format("2006-01-02"), Time: held.Format("15:04"), S47: true,
				Attendees: []app.AttendeeInput{{UserID: prac.ID}, {UserID: police.ID}, {Name: "Dr Patel", Agency: "LPT", Role: "GP"}},
				Decisions: "Section 47 enquiries to start.\nJoint visit tomorrow.",
				Actions: []app.ActionInput{{What: "Joint visit", OwnerID: police.ID, Due: hub.DateOf(e.Clock.Now().AddDate(0, 0, 1)).String()},
					{What: "Tell the school", OwnerID: prac.ID, Due: hub.DateOf(e.Clock.Now().AddDate(0, 0, 2)).String()}, {}}})
			return err
		})
		checkEvent(t, ev, wantEvent{ActorID: prac.ID, Action: hub.ActCreate, ObjectType: "meeting", ObjectID: m.ID, SubjectID: p.ID, Outcome: hub.OutcomeSuccess})
		if len(m.ActionIDs) != 2 || len(m.Attendees) != 3 || m.Attendees[1].Name != e.Users[hub.RolePolice].DisplayName {
			t.Errorf("meeting = %+v", m)
		}
		mv, err := e.App.ViewMeeting(ctx, police, m.ID)
		if err != nil || len(mv.Actions) != 2 || mv.Actions[0].MeetingID != m.ID {
			t.Errorf("ViewMeeting = %+v, %v", mv, err)
		}

		// Notes.
		var n *hub.Note
		ev = audited(t, e, func() (err error) {
			n, err = e.App.AddNote(ctx, prac, c.ID, app.NoteInput{Kind: "visit", Body: "Home visit. Amira was at home.\nMother present."})
			return err
		})
		checkEvent(t, ev, wantEvent{ActorID: prac.ID, Action: hub.ActCreate, ObjectType: "note", ObjectID: n.ID, SubjectID: p.ID, Outcome: hub.OutcomeSuccess})
		ev = audited(t, e, func() error { _, err := e.App.ViewNote(ctx, police, n.ID); return err })
		checkEvent(t, ev, wantEvent{ActorID: police.ID, Action: hub.ActView, ObjectType: "note", ObjectID: n.ID, SubjectID: p.ID, Outcome: hub.OutcomeSuccess})

		// A service referral and its outcome.
		var s *hub.ServiceReferral
		ev = audited(t, e, func() (err error) {
			s, err = e.App.ReferToService(ctx, prac, c.ID, app.ServiceInput{Pathway: "cse_support", Reason: "Specialist support"})
			return err
		})
		checkEvent(t, ev, wantEvent{ActorID: prac.ID, Action: hub.ActCreate, ObjectType: "service_referral", ObjectID: s.ID, SubjectID: p.ID, Outcome: hub.OutcomeSuccess})
		if s.Provider == "" || s.Outcome != hub.ServicePending || s.Referred != e.App.Today() {
			t.Errorf("service referral = %+v", s)
		}
		s, err = e.App.RecordServiceOutcome(ctx, prac, s.ID, s.Version, app.ServiceInput{Outcome: "accepted", OutcomeNote: "Starts next week"})
		if err != nil || s.Outcome != hub.ServiceAccepted || s.OutcomeOn != e.App.Today() {
			t.Fatalf("RecordServiceOutcome = %+v, %v", s, err)
		}

		// A review: a note and the next review date.
		cur, _ := e.App.ViewCase(ctx, prac, c.ID)
		ev = audited(t, e, func() error {
			_, err := e.App.ReviewCase(ctx, prac, c.ID, cur.Case.Version, app.CaseReviewInput{Summary: "Risk reducing; keep the plan."})
			return err
		})
		checkEvent(t, ev, wantEvent{ActorID: prac.ID, Action: hub.ActUpdate, ObjectType: "case", ObjectID: c.ID, SubjectID: p.ID, Outcome: hub.OutcomeSuccess})

		// The chronology: one audited read with every kind, filterable.
		var ch *app.Chronology
		ev = audited(t, e, func() (err error) {
			ch, err = e.App.ChronologyOf(ctx, police, p.ID, app.ChronologyFilter{})
			return err
		})
		checkEvent(t, ev, wantEvent{ActorID: police.ID, Action: hub.ActView, ObjectType: "chronology", ObjectID: p.ID, SubjectID: p.ID, Outcome: hub.OutcomeSuccess})
		kinds := map[string]int{}
		for i, en := range ch.Entries {
			kinds[en.Kind]++
			if i > 0 && en.At.Before(ch.Entries[i-1].At) {
				t.Errorf("chronology not in date order at %d: %v before %v", i, en.At, ch.Entries[i-1].At)
			}
		}
		for _, k := range []string{"case", "meeting", "plan_action", "note", "service"} {
			if kinds[k] == 0 {
				t.Errorf("chronology has no %q entry: %v", k, kinds)
			}
		}
		ch, err = e.App.ChronologyOf(ctx, police, p.ID, app.ChronologyFilter{Kinds: []string{"meeting"}})
		if err != nil || len(ch.Entries) != 1 || ch.Entries[0].Kind != "meeting" || ch.Total <= 1 {
			t.Errorf("chronology filtered to meetings: %+v, %v", ch, err)
		}
		future := hub.DateOf(e.Clock.Now().AddDate(1, 0, 0)).String()
		if ch, err = e.App.ChronologyOf(ctx, police, p.ID, app.ChronologyFilter{From: future}); err != nil || len(ch.Entries) != 0 {
			t.Errorf("chronology from next year: %d entries, %v", len(ch.Entries), err)
		}

		// Closing needs a reason; it cancels open actions.
		cur, _ = e.App.ViewCase(ctx, prac, c.ID)
		refusedCase(t, e, hub.EInvalid, "closure_reason", 0, func() error {
			_, err := e.App.CloseCase(ctx, prac, c.ID, cur.Case.Version, app.CaseClosure{Code: "risk_reduced"})
			return err
		})
		refusedCase(t, e, hub.EInvalid, "closure_code", 0, func() error {
			_, err := e.App.CloseCase(ctx, prac, c.ID, cur.Case.Version, app.CaseClosure{Code: "bored", Reason: "x"})
			return err
		})
		refusedCase(t, e, hub.EConflict, "", 0, func() error {
			_, err := e.App.CloseCase(ctx, prac, c.ID, cur.Case.Version-1, app.CaseClosure{Code: "risk_reduced", Reason: "Plan completed."})
			return err
		})
		ev = audited(t, e, func() error {
			_, err := e.App.CloseCase(ctx, prac, c.ID, cur.Case.Version, app.CaseClosure{Code: "risk_reduced", Reason: "Plan completed; school and family told."})
			return err
		})
		checkEvent(t, ev, wantEvent{ActorID: prac.ID, Action: hub.ActUpdate, ObjectType: "case", ObjectID: c.ID, SubjectID: p.ID, Outcome: hub.OutcomeSuccess})
		cv, _ = e.App.ViewCase(ctx, prac, c.ID)
		for _, a := range cv.Actions {
			if a.Status.Open() {
				t.Errorf("action %q still open after closure", a.What)
			}
		}
		if cv.CanWrite || cv.Case.ClosedAt.IsZero() || !cv.Case.ReviewDue.IsZero() {
			t.Errorf("closed case = %+v, can write %v", cv.Case, cv.CanWrite)
		}
		refusedCase(t, e, hub.EInvalid, "case", 0, func() error {
			_, err := e.App.AddNote(ctx, prac, c.ID, app.NoteInput{Kind: "visit", Body: "late"})
			return err
		})
		if items, _ := app.CaseWorkForTest(e.App, ctx, police); slices.ContainsFunc(items, func(w app.WorkItem) bool { return w.SubjectID == p.ID }) {
			t.Errorf("work items remain for a closed case: %+v", items)
		}
		// A new case may be opened now.
		if _, err := e.App.OpenCase(ctx, prac, openCaseInput(e, p, e.Users[hub.RolePractitioner])); err != nil {
			t.Errorf("reopening after closure: %v", err)
		}
	})
}

// TestCaseAccess: another area's case is invisible (404, audited) unless
// the actor is on its team; being on an active case opens the child's
// record across the border, and closing the case ends that; restricted
// children's cases need a manager or the team; roles without case actions
// are refused.
func TestCaseAccess(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		prac, police, nurse, edu, partner := e.RoleActor(hub.RolePractitioner), e.RoleActor(hub.RolePolice), e.RoleActor(hub.RoleNurse), e.RoleActor(hub.RoleEducation), e.RoleActor(hub.RolePartner)
		county := e.NewUser(t, "county.practitioner", hub.AgencySocialCare, []hub.Role{hub.RolePractitioner}, "855")
		countyA := e.Actor(county)
		far := e.NewPerson(t, "855", app.PersonInput{GivenName: "Far", FamilyName: "Child", DateOfBirth: "2010-01-01"})

		// The city practitioner cannot open a case for a county child.
		refusedCase(t, e, hub.ENotFound, "", 1, func() error {
			_, err := e.App.OpenCase(ctx, prac, openCaseInput(e, far, e.Users[hub.RolePractitioner]))
			return err
		})
		if ev := newestEvents(t, e, 1)[0]; ev.Outcome != hub.OutcomeDenied || ev.SubjectID != far.ID {
			t.Errorf("denied open audited as %+v", eventOf(ev))
		}

		// The county practitioner opens it with the city practitioner on it.
		c, err := e.App.OpenCase(ctx, countyA, openCaseInput(e, far, county, e.Users[hub.RolePractitioner]))
		if err != nil {
			t.Fatal(err)
		}
		if lead, members, err := app.TeamOfForTest(e.App, ctx, far.ID); err != nil || lead != county.ID || !slices.Contains(members, prac.ID) {
			t.Errorf("team of the child = %q %v, %v", lead, members, err)
		}
		// On the team: case, child and chronology, across the border.
		if _, err := e.App.ViewCase(ctx, prac, c.ID); err != nil {
			t.Errorf("team member ViewCase: %v", err)
		}
		if _, err := e.App.ViewPerson(ctx, prac, far.ID); err != nil {
			t.Errorf("team member ViewPerson across the border: %v", err)
		}
		if _, err := e.App.ChronologyOf(ctx, prac, far.ID, app.ChronologyFilter{}); err != nil {
			t.Errorf("team member chronology: %v", err)
		}
		if _, err := e.App.AddNote(ctx, prac, c.ID, app.NoteInput{Kind: "phone_call", Body: "Called the county lead."}); err != nil {
			t.Errorf("team member AddNote: %v", err)
		}
		// Not on the team, other area: 404 for everything, each audited.
		for _, call := range []struct {
			name string
			fn   func() error
		}{
			{"ViewCase", func() error { _, err := e.App.ViewCase(ctx, police, c.ID); return err }},
			{"ViewPerson", func() error { _, err := e.App.ViewPerson(ctx, police, far.ID); return err }},
			{"Chronology", func() error { _, err := e.App.ChronologyOf(ctx, police, far.ID, app.ChronologyFilter{}); return err }},
			{"AddNote", func() error {
				_, err := e.App.AddNote(ctx, police, c.ID, app.NoteInput{Kind: "visit", Body: "x"})
				return err
			}},
			{"AddPlanAction", func() error {
				_, err := e.App.AddPlanAction(ctx, police, c.ID, app.ActionInput{What: "x", OwnerID: police.ID, Due: "2030-01-01"})
				return err
			}},
			{"UpdateCase", func() error {
				_, err := e.App.UpdateCase(ctx, police, c.ID, 1, openCaseInput(e, far, county))
				return err
			}},
			{"CloseCase", func() error {
				_, err := e.App.CloseCase(ctx, police, c.ID, 1, app.CaseClosure{Code: "other", Reason: "x"})
				return err
			}},
		} {
			t.Run(call.name, func(t *testing.T) {
				refusedCase(t, e, hub.ENotFound, "", 1, call.fn)
				if ev := newestEvents(t, e, 1)[0]; ev.Outcome != hub.OutcomeDenied || ev.ActorID != police.ID {
					t.Errorf("refusal audited as %+v", eventOf(ev))
				}
			})
		}
		// A missing case looks the same as a hidden one.
		if _, err := e.App.ViewCase(ctx, police, hub.NewID()); !errors.Is(err, hub.ErrNotFound) {
			t.Errorf("ViewCase(missing) = %v", err)
		}
		// Roles without case actions are refused outright.
		for _, a := range []*access.Actor{edu, partner} {
			if _, err := e.App.ViewCase(ctx, a, c.ID); hub.ErrorCode(err) != hub.EForbidden {
				t.Errorf("ViewCase as %s = %v, want forbidden", a.Role(), err)
			}
		}
		// A nurse reads but does not write cases.
		local := e.NewPerson(t, "856", app.PersonInput{GivenName: "Near", FamilyName: "Child"})
		lc, err := e.App.OpenCase(ctx, prac, openCaseInput(e, local, e.Users[hub.RolePractitioner]))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.App.ViewCase(ctx, nurse, lc.ID); err != nil {
			t.Errorf("nurse ViewCase in area: %v", err)
		}
		if _, err := e.App.AddNote(ctx, nurse, lc.ID, app.NoteInput{Kind: "visit", Body: "x"}); hub.ErrorCode(err) != hub.EForbidden {
			t.Errorf("nurse AddNote = %v, want forbidden", err)
		}

		// Closing the case ends the cross-border access.
		cur, _ := e.App.ViewCase(ctx, countyA, c.ID)
		if _, err := e.App.CloseCase(ctx, countyA, c.ID, cur.Case.Version, app.CaseClosure{Code: "moved_away", Reason: "Moved to Wales; the new council was told."}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.App.ViewPerson(ctx, prac, far.ID); !errors.Is(err, hub.ErrNotFound) {
			t.Errorf("ViewPerson after the case closed = %v, want not found", err)
		}
		if _, err := e.App.ViewCase(ctx, prac, c.ID); err != nil {
			t.Errorf("a closed case stays readable to its team: %v", err)
		}

		// A restricted child's case: the team and managers only.
		secret := e.NewPerson(t, "856", app.PersonInput{GivenName: "Hidden", FamilyName: "Child", Restricted: true})
		mgr := e.RoleActor(hub.RoleManager)
		sc, err := e.App.OpenCase(ctx, mgr, openCaseInput(e, secret, e.Users[hub.RoleManager]))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.App.ViewCase(ctx, prac, sc.ID); !errors.Is(err, hub.ErrNotFound) {
			t.Errorf("practitioner not on a restricted case = %v, want not found", err)
		}
		list, err := e.App.Cases(ctx, prac, app.CaseListFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if slices.ContainsFunc(list.Cases, func(s *app.CaseSummary) bool { return s.Case.ID == sc.ID || s.Case.ID == c.ID }) {
			t.Error("the case list shows a case the practitioner may not read")
		}
		if !slices.ContainsFunc(list.Cases, func(s *app.CaseSummary) bool { return s.Case.ID == lc.ID && s.SubjectName == "Near Child" }) {
			t.Errorf("the case list lacks the practitioner's case: %+v", list.Cases)
		}
	})
}

// TestCaseBadInput: each bad input is refused naming its field, and
// nothing is written.
func TestCaseBadInput(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		prac := e.RoleActor(hub.RolePractitioner)
		p := e.NewPerson(t, "856", app.PersonInput{GivenName: "Bad", FamilyName: "Input"})
		lead := e.Users[hub.RolePractitioner]
		good := func() app.CaseInput { return openCaseInput(e, p, lead) }
		with := func(f func(*app.CaseInput)) app.CaseInput { in := good(); f(&in); return in }
		for _, tt := range []struct {
			name, field string
			in          app.CaseInput
		}{
			{"unknown exploitation", "exploitation", with(func(in *app.CaseInput) { in.Exploitation = []string{"cse", "shoplifting"} })},
			{"no exploitation", "exploitation", with(func(in *app.CaseInput) { in.Exploitation = nil })},
			{"no summary", "summary", with(func(in *app.CaseInput) { in.Summary = "  " })},
			{"summary too long", "summary", with(func(in *app.CaseInput) { in.Summary = strings.Repeat("x", hub.MaxCaseSummary+1) })},
			{"no lead", "lead_id", with(func(in *app.CaseInput) { in.LeadID = "" })},
			{"lead who cannot work cases", "lead_id", with(func(in *app.CaseInput) { in.LeadID = e.Users[hub.RoleEducation].ID })},
			{"lead who does not exist", "lead_id", with(func(in *app.CaseInput) { in.LeadID = hub.NewID() })},
			{"worker who cannot read cases", "members", with(func(in *app.CaseInput) { in.MemberIDs = []string{e.Users[hub.RolePartner].ID} })},
			{"worker not an id", "members", with(func(in *app.CaseInput) { in.MemberIDs = []string{"../../etc"} })},
			{"agency that does not exist", "agencies", with(func(in *app.CaseInput) { in.AgencyIDs = []string{hub.NewID()} })},
			{"review date malformed", "review_due", with(func(in *app.CaseInput) { in.ReviewDue = "31/12/2027" })},
			{"subject kind", "subject_kind", with(func(in *app.CaseInput) { in.SubjectKind = "household" })},
			{"subject id", "subject_id", with(func(in *app.CaseInput) { in.SubjectID = "P00000001" })},
			{"opened closed", "status", with(func(in *app.CaseInput) { in.Status = "closed" })},
			{"unknown status", "status", with(func(in *app.CaseInput) { in.Status = "pending" })},
			{"control characters", "summary", with(func(in *app.CaseInput) { in.Summary = "ok\x00" })},
		} {
			t.Run("open/"+tt.name, func(t *testing.T) {
				refusedCase(t, e, hub.EInvalid, tt.field, 0, func() error { _, err := e.App.OpenCase(ctx, prac, tt.in); return err })
			})
		}
		c, err := e.App.OpenCase(ctx, prac, good())
		if err != nil {
			t.Fatal(err)
		}
		today := e.App.Today()
		next := hub.DateOf(today.Time().AddDate(0, 0, 5)).String()
		for _, tt := range []struct {
			name, field string
			in          app.ActionInput
		}{
			{"nothing to do", "what", app.ActionInput{OwnerID: prac.ID, Due: next}},
			{"due in the past", "due", app.ActionInput{What: "x", OwnerID: prac.ID, Due: "2020-01-01"}},
			{"due malformed", "due", app.ActionInput{What: "x", OwnerID: prac.ID, Due: "next week"}},
			{"no due date", "due", app.ActionInput{What: "x", OwnerID: prac.ID}},
			{"owner who cannot read cases", "owner_id", app.ActionInput{What: "x", OwnerID: e.Users[hub.RoleEducation].ID, Due: next}},
			{"no owner", "owner_id", app.ActionInput{What: "x", Due: next}},
			{"already done", "status", app.ActionInput{What: "x", OwnerID: prac.ID, Due: next, Status: "done"}},
			{"unknown status", "status", app.ActionInput{What: "x", OwnerID: prac.ID, Due: next, Status: "blocked"}},
			{"unknown agency", "agency_id", app.ActionInput{What: "x", OwnerID: prac.ID, Due: next, AgencyID: hub.NewID()}},
		} {
			t.Run("action/"+tt.name, func(t *testing.T) {
				refusedCase(t, e, hub.EInvalid, tt.field, 0, func() error { _, err := e.App.AddPlanAction(ctx, prac, c.ID, tt.in); return err })
			})
		}
		now := e.Clock.Now().In(app.London)
		okMeeting := func() app.MeetingInput {
			return app.MeetingInput{Kind: "mace_panel", Date: now.Format("2006-01-02"), Time: "08:00", Attendees: []app.AttendeeInput{{UserID: prac.ID}}, Decisions: "Stay on the panel list."}
		}
		mwith := func(f func(*app.MeetingInput)) app.MeetingInput { in := okMeeting(); f(&in); return in }
		for _, tt := range []struct {
			name, field string
			in          app.MeetingInput
		}{
			{"unknown kind", "kind", mwith(func(in *app.MeetingInput) { in.Kind = "coffee" })},
			{"in the future", "held_at", mwith(func(in *app.MeetingInput) { in.Date = now.AddDate(0, 0, 2).Format("2006-01-02") })},
			{"bad date", "date", mwith(func(in *app.MeetingInput) { in.Date = "2026-02-30" })},
			{"bad time", "time", mwith(func(in *app.MeetingInput) { in.Time = "25:00" })},
			{"nobody attended", "attendees", mwith(func(in *app.MeetingInput) { in.Attendees = nil })},
			{"outside attendee without agency", "attendees[0].agency", mwith(func(in *app.MeetingInput) { in.Attendees = []app.AttendeeInput{{Name: "Dr Who"}} })},
			{"attendee not a user", "attendees[0].user_id", mwith(func(in *app.MeetingInput) { in.Attendees = []app.AttendeeInput{{UserID: hub.NewID()}} })},
			{"no decisions", "decisions", mwith(func(in *app.MeetingInput) { in.Decisions = "" })},
			{"s47 at a panel", "s47", mwith(func(in *app.MeetingInput) { in.S47 = true })},
			{"action without due date", "actions[0].due", mwith(func(in *app.MeetingInput) {
				in.Actions = []app.ActionInput{{What: "Visit", OwnerID: prac.ID}}
			})},
			{"second action in the past", "actions[1].due", mwith(func(in *app.MeetingInput) {
				in.Actions = []app.ActionInput{{What: "Visit", OwnerID: prac.ID, Due: next}, {What: "Call", OwnerID: prac.ID, Due: "2020-01-01"}}
			})},
		} {
			t.Run("meeting/"+tt.name, func(t *testing.T) {
				refusedCase(t, e, hub.EInvalid, tt.field, 0, func() error { _, err := e.App.RecordMeeting(ctx, prac, c.ID, tt.in); return err })
			})
		}
		for _, tt := range []struct {
			name, field string
			in          app.NoteInput
		}{
			{"oversized", "body", app.NoteInput{Kind: "visit", Body: strings.Repeat("é", 20001)}},
			{"empty", "body", app.NoteInput{Kind: "visit", Body: " \n "}},
			{"unknown kind", "kind", app.NoteInput{Kind: "gossip", Body: "x"}},
			{"future", "at", app.NoteInput{Kind: "visit", Body: "x", Date: now.AddDate(0, 0, 1).Format("2006-01-02"), Time: "10:00"}},
			{"time without date", "date", app.NoteInput{Kind: "visit", Body: "x", Time: "10:00"}},
			{"NUL", "body", app.NoteInput{Kind: "visit", Body: "a\x00b"}},
		} {
			t.Run("note/"+tt.name, func(t *testing.T) {
				refusedCase(t, e, hub.EInvalid, tt.field, 0, func() error { _, err := e.App.AddNote(ctx, prac, c.ID, tt.in); return err })
			})
		}
		for _, tt := range []struct {
			name, field string
			in          app.ServiceInput
		}{
			{"unknown pathway", "pathway", app.ServiceInput{Pathway: "spa_day"}},
			{"future referral", "referred", app.ServiceInput{Pathway: "camhs", Referred: "2099-01-01"}},
			{"outcome before referral", "outcome_on", app.ServiceInput{Pathway: "camhs", Referred: today.String(), Outcome: "accepted", OutcomeOn: "2020-01-01"}},
			{"unknown outcome", "outcome", app.ServiceInput{Pathway: "camhs", Outcome: "maybe"}},
			{"before the case", "referred", app.ServiceInput{Pathway: "camhs", Referred: "2021-01-01"}},
		} {
			t.Run("service/"+tt.name, func(t *testing.T) {
				refusedCase(t, e, hub.EInvalid, tt.field, 0, func() error { _, err := e.App.ReferToService(ctx, prac, c.ID, tt.in); return err })
			})
		}
		for _, tt := range []struct {
			name, field string
			f           app.ChronologyFilter
		}{
			{"bad from", "from", app.ChronologyFilter{From: "yesterday"}},
			{"to before from", "to", app.ChronologyFilter{From: "2026-05-02", To: "2026-05-01"}},
			{"bad kind", "kind", app.ChronologyFilter{Kinds: []string{"<script>"}}},
		} {
			t.Run("chronology/"+tt.name, func(t *testing.T) {
				refusedCase(t, e, hub.EInvalid, tt.field, 0, func() error { _, err := e.App.ChronologyOf(ctx, prac, p.ID, tt.f); return err })
			})
		}
		refusedCase(t, e, hub.EInvalid, "next_review", 0, func() error {
			_, err := e.App.ReviewCase(ctx, prac, c.ID, c.Version, app.CaseReviewInput{Summary: "ok", NextReview: today.String()})
			return err
		})
		refusedCase(t, e, hub.EInvalid, "summary", 0, func() error {
			_, err := e.App.ReviewCase(ctx, prac, c.ID, c.Version, app.CaseReviewInput{Summary: ""})
			return err
		})
	})
}

// TestCaseFromReferralAndWork: the referral use case's hook opens a case
// (or joins the active one); plan actions and reviews are reassignable
// work items.
func TestCaseFromReferralAndWork(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		prac, police, mgr := e.RoleActor(hub.RolePractitioner), e.RoleActor(hub.RolePolice), e.RoleActor(hub.RoleManager)
		p := e.NewPerson(t, "856", app.PersonInput{GivenName: "From", FamilyName: "Referral"})
		subj := hub.Subject{Kind: hub.SubjectPerson, ID: p.ID}
		refID := hub.NewID()
		before := caseCountsOf(t, e)
		c, err := app.OpenCaseFromReferralForTest(e.App, ctx, prac, app.CaseFromReferral{ReferralID: refID, Subject: subj, Exploitation: []hub.ExploitationType{hub.ExploitCCE}, Summary: "Referral: county lines"})
		if err != nil {
			t.Fatal(err)
		}
		if after := caseCountsOf(t, e); after.Cases != before.Cases+1 || after.Audit != before.Audit+1 {
			t.Errorf("OpenCaseFromReferral wrote %+v → %+v, want one case and one audit event", before, after)
		}
		if c.ReferralID != refID || c.LeadID != prac.ID {
			t.Errorf("case from referral = %+v", c)
		}
		again, err := app.OpenCaseFromReferralForTest(e.App, ctx, police, app.CaseFromReferral{ReferralID: hub.NewID(), Subject: subj, Exploitation: []hub.ExploitationType{hub.ExploitCSE}})
		if err != nil || again.ID != c.ID {
			t.Errorf("a second referral did not join the active case: %v, %v", again, err)
		}
		far := e.NewPerson(t, "855", app.PersonInput{GivenName: "Out", FamilyName: "OfArea"})
		if _, err := app.OpenCaseFromReferralForTest(e.App, ctx, prac, app.CaseFromReferral{Subject: hub.Subject{Kind: hub.SubjectPerson, ID: far.ID}, Exploitation: []hub.ExploitationType{hub.ExploitCCE}}); !errors.Is(err, hub.ErrNotFound) {
			t.Errorf("OpenCaseFromReferral out of area = %v, want not found", err)
		}

		act, err := e.App.AddPlanAction(ctx, prac, c.ID, app.ActionInput{What: "Check phone contacts", OwnerID: prac.ID, Due: e.App.Today().String()})
		if err != nil {
			t.Fatal(err)
		}
		// The manager sees the area's items and reassigns the action.
		items, err := app.CaseWorkForTest(e.App, ctx, mgr)
		if err != nil || !slices.ContainsFunc(items, func(w app.WorkItem) bool { return w.ObjectID == act.ID }) {
			t.Fatalf("manager's work items = %+v, %v", items, err)
		}
		if err := app.ReassignForTest(e.App, ctx, mgr, "plan_action", act.ID, police.ID); err != nil {
			t.Fatal(err)
		}
		v, err := e.App.ViewPlanAction(ctx, police, act.ID)
		if err != nil || v.Action.OwnerID != police.ID || v.Action.AgencyID != e.Agencies[hub.AgencyPolice].ID {
			t.Errorf("reassigned action = %+v, %v", v, err)
		}
		if err := app.ReassignForTest(e.App, ctx, mgr, "plan_action", act.ID, e.Users[hub.RoleEducation].ID); hub.ErrorCode(err) != hub.EInvalid {
			t.Errorf("reassigning to someone who cannot read cases = %v", err)
		}
		outsider := e.Actor(e.NewUser(t, "county.manager", hub.AgencySocialCare, []hub.Role{hub.RoleManager}, "855"))
		if err := app.ReassignForTest(e.App, ctx, outsider, "plan_action", act.ID, police.ID); !errors.Is(err, hub.ErrNotFound) {
			t.Errorf("reassigning another area's action = %v, want not found", err)
		}
		// The case review falls due: reassigning it changes the lead.
		e.Clock.Advance(100 * 24 * time.Hour)
		items, _ = app.CaseWorkForTest(e.App, ctx, mgr)
		i := slices.IndexFunc(items, func(w app.WorkItem) bool { return w.Kind == "case_review" && w.ObjectID == c.ID })
		if i < 0 || !items[i].Overdue(e.Clock.Now()) || items[i].OwnerID != prac.ID {
			t.Fatalf("case review work item = %+v", items)
		}
		if err := app.ReassignForTest(e.App, ctx, mgr, "case_review", c.ID, police.ID); err != nil {
			t.Fatal(err)
		}
		cv, err := e.App.ViewCase(ctx, mgr, c.ID)
		if err != nil || cv.Case.LeadID != police.ID || !slices.Contains(cv.Case.MemberIDs, prac.ID) {
			t.Errorf("after reassigning the review: lead %q, workers %v, %v", cv.Case.LeadID, cv.Case.MemberIDs, err)
		}
	})
}

// TestImportCases: an import is all-or-nothing, skips subjects with an
// active case, and writes one audit event per case.
func TestImportCases(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		importer := &access.Actor{Name: "synth-load", AgencyID: e.Agencies[hub.AgencySocialCare].ID, Roles: []hub.Role{hub.RolePractitioner}, AreaIDs: []string{e.Areas["855"].ID, e.Areas["856"].ID}}
		a := e.NewPerson(t, "856", app.PersonInput{GivenName: "Imp", FamilyName: "One"})
		b := e.NewPerson(t, "855", app.PersonInput{GivenName: "Imp", FamilyName: "Two"})
		rutland := e.NewPerson(t, "857", app.PersonInput{GivenName: "Imp", FamilyName: "Three"})
		opened := e.Clock.Now().AddDate(-1, 0, 0)
		row := func(p *hub.Person, ref string) app.CaseImport {
			return app.CaseImport{ExternalRef: ref, Subject: hub.Subject{Kind: hub.SubjectPerson, ID: p.ID}, LeadID: e.Users[hub.RolePractitioner].ID,
				Exploitation: []hub.ExploitationType{hub.ExploitCCE}, Summary: "Synthetic record.", OpenedAt: opened,
				Meetings: []app.MeetingImport{{Kind: hub.MeetingStrategy, HeldAt: opened.Add(time.Hour), Decisions: "Plan agreed.", Attendees: []hub.Attendee{{Name: "A", Agency: "B"}}}}}
		}
		before := caseCountsOf(t, e)
		bad := row(b, "r2")
		bad.Exploitation = nil
		rep, err := e.App.ImportCases(ctx, importer, "test", []app.CaseImport{row(a, "r1"), bad, row(rutland, "r3")})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Created != 0 || len(rep.Refused) != 2 || rep.Refused[0].Row != 1 || hub.ErrorField(rep.Refused[0].Err) != "exploitation" || rep.Refused[1].Row != 2 {
			t.Errorf("refused import report = %+v", rep)
		}
		if after := caseCountsOf(t, e); after != before {
			t.Errorf("a refused import wrote something: %+v → %+v", before, after)
		}
		rep, err = e.App.ImportCases(ctx, importer, "test", []app.CaseImport{row(a, "r1"), row(b, "r2")})
		if err != nil || rep.Created != 2 || len(rep.IDs) != 2 {
			t.Fatalf("import = %+v, %v", rep, err)
		}
		after := caseCountsOf(t, e)
		if after.Cases != before.Cases+2 || after.Audit != before.Audit+2 {
			t.Errorf("import wrote %+v → %+v, want 2 cases and 2 audit events", before, after)
		}
		v, err := e.App.ViewCase(ctx, e.RoleActor(hub.RoleManager), rep.IDs[0])
		if err != nil || len(v.Meetings) != 1 || !v.Case.ReviewDue.After(e.App.Today()) {
			t.Errorf("imported case = %+v, %v; want its meeting and a review date to come", v, err)
		}
		// Again: both subjects have active cases, so both are skipped.
		rep, err = e.App.ImportCases(ctx, importer, "test", []app.CaseImport{row(a, "r1b"), row(b, "r2b")})
		if err != nil || rep.Created != 0 || len(rep.Refused) != 0 {
			t.Errorf("re-import = %+v, %v; want everything skipped", rep, err)
		}
	})
}
