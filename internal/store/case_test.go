package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
	"github.com/safehub/safehub/internal/store/storetest"
)

// caseWorld adds to world what a case needs: a child and a second user.
type caseWorld struct {
	*world
	child  *hub.Person
	worker *hub.User
}

func seedCaseWorld(t testing.TB, db *storetest.Store) *caseWorld {
	t.Helper()
	w := &caseWorld{world: seedWorld(t, db)}
	w.child = &hub.Person{AreaID: w.north.ID, OwnerAgencyID: w.council.ID, GivenName: "Child", FamilyName: "One", Sensitivity: hub.SensitivityNormal, Synthetic: true}
	w.worker = &hub.User{Username: "bjones", DisplayName: "B Jones", AgencyID: w.council.ID, AreaIDs: []string{w.south.ID}, Roles: []hub.Role{hub.RolePractitioner}}
	mustTx(t, db, func(tx *store.Tx) error {
		if err := tx.CreatePerson(w.child); err != nil {
			return err
		}
		return tx.CreateUser(w.worker)
	})
	return w
}

func newCase(w *caseWorld) *hub.Case {
	return &hub.Case{Subject: hub.Subject{Kind: hub.SubjectPerson, ID: w.child.ID}, AreaID: w.north.ID, OwnerAgencyID: w.council.ID, LeadID: w.user.ID,
		MemberIDs: []string{w.worker.ID}, AgencyIDs: []string{w.police.ID, w.council.ID}, Exploitation: []hub.ExploitationType{hub.ExploitCSE, hub.ExploitOnline},
		Status: hub.CaseOpen, Summary: "Groomed online.", PlanSummary: "Safety plan.", OpenedAt: t0.Add(-time.Hour), ReviewDue: hub.Date{Year: 2026, Month: 6, Day: 2},
		ExternalRef: "ext-1", CreatedBy: w.user.ID}
}

// TestCases: a case with its team and agencies round-trips on both
// engines, with microsecond instants; updates are versioned; a subject has
// one active case; teams and scoped lists come back as stored.
func TestCases(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		db, clock := openStore(t, engine)
		w := seedCaseWorld(t, db)
		c := newCase(w)
		mustTx(t, db, func(tx *store.Tx) error { return tx.CreateCase(c) })
		slices.Sort(c.AgencyIDs) // teams and agencies come back in id order
		got := get(t, db, func(tx *store.Tx) (*hub.Case, error) { return tx.Case(c.ID) })
		if diff := cmp.Diff(c, got); diff != "" {
			t.Errorf("case round trip (-want +got):\n%s", diff)
		}
		if !got.OpenedAt.Equal(t0.Add(-time.Hour)) || got.OpenedAt.Nanosecond()%1000 != 0 || got.OpenedAt.Nanosecond() == 0 {
			t.Errorf("opened at %v lost its microseconds", got.OpenedAt)
		}

		// One active case per subject; a reused external reference conflicts.
		dup := newCase(w)
		dup.ExternalRef = ""
		if err := txErr(db, func(tx *store.Tx) error { return tx.CreateCase(dup) }); !errors.Is(err, hub.ErrConflict) {
			t.Errorf("second active case = %v, want conflict", err)
		}
		if n := get(t, db, func(tx *store.Tx) (int, error) { return tx.CountCases() }); n != 1 {
			t.Errorf("cases = %d after the refused insert", n)
		}

		// Versioned updates; the team is replaced.
		clock.Advance(time.Minute)
		got.MemberIDs, got.Status = nil, hub.CaseOnHold
		mustTx(t, db, func(tx *store.Tx) error { return tx.UpdateCase(got) })
		if got.Version != 2 {
			t.Errorf("version after update = %d", got.Version)
		}
		stale := *got
		stale.Version = 1
		if err := txErr(db, func(tx *store.Tx) error { return tx.UpdateCase(&stale) }); !errors.Is(err, hub.ErrConflict) {
			t.Errorf("stale update = %v, want conflict", err)
		}
		again := get(t, db, func(tx *store.Tx) (*hub.Case, error) { return tx.Case(c.ID) })
		if len(again.MemberIDs) != 0 || again.Status != hub.CaseOnHold {
			t.Errorf("updated case = %+v", again)
		}
		if _, err := getErr(db, func(tx *store.Tx) (*hub.Case, error) { return tx.Case(hub.NewID()) }); !errors.Is(err, hub.ErrNotFound) {
			t.Errorf("Case(missing) = %v", err)
		}

		// Team look-up for access decisions.
		again.MemberIDs = []string{w.worker.ID}
		mustTx(t, db, func(tx *store.Tx) error { return tx.UpdateCase(again) })
		var leads, members []string
		mustRead(t, db, func(tx *store.Tx) (err error) { leads, members, err = tx.CaseTeam(w.child.ID); return err })
		if diff := cmp.Diff([]string{w.user.ID}, leads); diff != "" || len(members) != 1 || members[0] != w.worker.ID {
			t.Errorf("CaseTeam = %v %v", leads, members)
		}
		active := get(t, db, func(tx *store.Tx) (*hub.Case, error) { return tx.ActiveCase(c.Subject) })
		if active.ID != c.ID {
			t.Errorf("ActiveCase = %s", active.ID)
		}

		// Scoped lists: the area, or the team member's own.
		find := func(f store.CaseFilter) int {
			_, n := get2(t, db, func(tx *store.Tx) ([]*hub.Case, int, error) { return tx.FindCases(f) })
			return n
		}
		for _, tt := range []struct {
			name string
			f    store.CaseFilter
			want int
		}{
			{"north", store.CaseFilter{AreaIDs: []string{w.north.ID}}, 1},
			{"south", store.CaseFilter{AreaIDs: []string{w.south.ID}}, 0},
			{"south or on the team", store.CaseFilter{AreaIDs: []string{w.south.ID}, TeamUserID: w.worker.ID}, 1},
			{"closed only", store.CaseFilter{AreaIDs: []string{w.north.ID}, Statuses: []hub.CaseStatus{hub.CaseClosed}}, 0},
			{"led by", store.CaseFilter{LeadID: w.worker.ID}, 0},
			{"subject", store.CaseFilter{Subject: c.Subject}, 1},
		} {
			if got := find(tt.f); got != tt.want {
				t.Errorf("FindCases(%s) = %d, want %d", tt.name, got, tt.want)
			}
		}

		// Closing ends the team's hold on the child.
		again = get(t, db, func(tx *store.Tx) (*hub.Case, error) { return tx.Case(c.ID) })
		again.Status, again.ClosedAt, again.ClosureCode, again.ClosureReason = hub.CaseClosed, clock.Now(), hub.ClosureOther, "done"
		mustTx(t, db, func(tx *store.Tx) error { return tx.UpdateCase(again) })
		mustRead(t, db, func(tx *store.Tx) (err error) { leads, members, err = tx.CaseTeam(w.child.ID); return err })
		if len(leads)+len(members) != 0 {
			t.Errorf("CaseTeam after closure = %v %v", leads, members)
		}
		// Now a new active case may be opened.
		mustTx(t, db, func(tx *store.Tx) error { return tx.CreateCase(dup) })
	})
}

// txErr runs fn in a read-write transaction and returns its error.
func txErr(db *storetest.Store, fn func(tx *store.Tx) error) error {
	return db.Tx(context.Background(), fn)
}

func get2[A, B any](t testing.TB, db *storetest.Store, fn func(tx *store.Tx) (A, B, error)) (A, B) {
	t.Helper()
	var a A
	var b B
	mustRead(t, db, func(tx *store.Tx) error {
		var err error
		a, b, err = fn(tx)
		return err
	})
	return a, b
}

// TestCaseParts: plan actions with progress, meetings with attendees and
// their actions, notes with attachments and service referrals round-trip
// on both engines; open actions are found for work queues.
func TestCaseParts(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		db, clock := openStore(t, engine)
		w := seedCaseWorld(t, db)
		c := newCase(w)
		mustTx(t, db, func(tx *store.Tx) error { return tx.CreateCase(c) })

		m := &hub.Meeting{CaseID: c.ID, AreaID: c.AreaID, Kind: hub.MeetingStrategy, HeldAt: t0.Add(-30 * time.Minute), S47: true, Decisions: "s47 started",
			Attendees: []hub.Attendee{{UserID: w.user.ID, Name: "A Smith", Agency: "Northshire Police"}, {Name: "Dr X", Agency: "GP", Role: "GP"}}, CreatedBy: w.user.ID}
		mustTx(t, db, func(tx *store.Tx) error { return tx.CreateMeetings(m) })
		a1 := &hub.PlanAction{CaseID: c.ID, AreaID: c.AreaID, What: "Visit", OwnerID: w.worker.ID, AgencyID: w.council.ID, Due: hub.Date{Year: 2026, Month: 3, Day: 5},
			Status: hub.ActionNotStarted, MeetingID: m.ID, CreatedBy: w.user.ID,
			Progress: []hub.ActionProgress{{At: t0, AuthorID: w.user.ID, AuthorName: "A Smith", Status: hub.ActionNotStarted, Note: "Agreed"}}}
		a2 := &hub.PlanAction{CaseID: c.ID, AreaID: c.AreaID, What: "Call", OwnerID: w.user.ID, AgencyID: w.police.ID, Due: hub.Date{Year: 2026, Month: 4, Day: 1}, Status: hub.ActionInProgress, CreatedBy: w.user.ID}
		mustTx(t, db, func(tx *store.Tx) error { return tx.CreatePlanActions(a1, a2) })

		got := get(t, db, func(tx *store.Tx) (*hub.PlanAction, error) { return tx.PlanAction(a1.ID) })
		if diff := cmp.Diff(a1, got); diff != "" {
			t.Errorf("action round trip (-want +got):\n%s", diff)
		}
		clock.Advance(time.Hour)
		got.Status, got.CompletedAt = hub.ActionDone, clock.Now()
		pr := &hub.ActionProgress{At: clock.Now(), AuthorID: w.worker.ID, AuthorName: "B Jones", Status: hub.ActionDone, Note: "Visited"}
		mustTx(t, db, func(tx *store.Tx) error { return tx.UpdatePlanAction(got, pr) })
		again := get(t, db, func(tx *store.Tx) (*hub.PlanAction, error) { return tx.PlanAction(a1.ID) })
		if len(again.Progress) != 2 || again.Progress[1].Note != "Visited" || again.Version != 2 || !again.CompletedAt.Equal(clock.Now()) {
			t.Errorf("after progress: %+v", again)
		}
		if err := txErr(db, func(tx *store.Tx) error { return tx.UpdatePlanAction(got, nil) }); err != nil {
			t.Fatal(err)
		}
		got.Version = 1
		if err := txErr(db, func(tx *store.Tx) error { return tx.UpdatePlanAction(got, nil) }); !errors.Is(err, hub.ErrConflict) {
			t.Errorf("stale action update = %v", err)
		}

		gm := get(t, db, func(tx *store.Tx) (*hub.Meeting, error) { return tx.Meeting(m.ID) })
		if len(gm.Attendees) != 2 || gm.Attendees[1].Role != "GP" || len(gm.ActionIDs) != 1 || gm.ActionIDs[0] != a1.ID || !gm.S47 || !gm.HeldAt.Equal(m.HeldAt) {
			t.Errorf("meeting = %+v", gm)
		}

		// Work queues: open actions only, by owner, area or team.
		open := func(f store.OpenActionFilter) []string {
			ws := get(t, db, func(tx *store.Tx) ([]*store.ActionWork, error) { return tx.OpenPlanActions(f) })
			var ids []string
			for _, w := range ws {
				ids = append(ids, w.Action.ID)
			}
			return ids
		}
		if ids := open(store.OpenActionFilter{AreaIDs: []string{w.north.ID}}); len(ids) != 1 || ids[0] != a2.ID {
			t.Errorf("open actions in the area = %v, want the open one only", ids)
		}
		if ids := open(store.OpenActionFilter{OwnerID: w.worker.ID}); len(ids) != 0 {
			t.Errorf("open actions of the worker = %v, want none (theirs is done)", ids)
		}
		if ids := open(store.OpenActionFilter{TeamUserID: w.worker.ID, DueBy: hub.Date{Year: 2026, Month: 3, Day: 31}}); len(ids) != 0 {
			t.Errorf("open actions due by March = %v", ids)
		}
		if ids := open(store.OpenActionFilter{TeamUserID: w.worker.ID}); len(ids) != 1 {
			t.Errorf("open actions on the worker's cases = %v", ids)
		}

		n := &hub.Note{CaseID: c.ID, AreaID: c.AreaID, Kind: hub.NoteVisit, At: t0, Body: "Line one\nLine two", AuthorID: w.user.ID, AuthorName: "A Smith", AgencyID: w.police.ID}
		mustTx(t, db, func(tx *store.Tx) error { return tx.CreateNotes(n) })
		at := &hub.Attachment{ID: hub.NewID(), NoteID: n.ID, CaseID: c.ID, AreaID: c.AreaID, Name: "x.pdf", ContentType: "application/pdf", Size: 10, SHA256: "ab", UploadedBy: w.user.ID}
		at.StoredName = at.ID[:2] + "/" + at.ID
		mustTx(t, db, func(tx *store.Tx) error { return tx.CreateAttachment(at) })
		gn := get(t, db, func(tx *store.Tx) (*hub.Note, error) { return tx.Note(n.ID) })
		if gn.Body != n.Body || len(gn.Attachments) != 1 || gn.Attachments[0].StoredName != at.StoredName {
			t.Errorf("note = %+v", gn)
		}
		if ns := get(t, db, func(tx *store.Tx) ([]*hub.Note, error) { return tx.SubjectNotes(c.Subject) }); len(ns) != 1 {
			t.Errorf("SubjectNotes = %d", len(ns))
		}

		s := &hub.ServiceReferral{CaseID: c.ID, AreaID: c.AreaID, Pathway: "camhs", Provider: "CAMHS", Referred: hub.Date{Year: 2026, Month: 3, Day: 1}, Outcome: hub.ServicePending, CreatedBy: w.user.ID}
		mustTx(t, db, func(tx *store.Tx) error { return tx.CreateServiceReferrals(s) })
		s.Outcome, s.OutcomeOn = hub.ServiceAccepted, hub.Date{Year: 2026, Month: 3, Day: 2}
		mustTx(t, db, func(tx *store.Tx) error { return tx.UpdateServiceReferral(s) })
		gs := get(t, db, func(tx *store.Tx) (*hub.ServiceReferral, error) { return tx.ServiceReferral(s.ID) })
		if diff := cmp.Diff(s, gs); diff != "" {
			t.Errorf("service referral round trip (-want +got):\n%s", diff)
		}
		s.Version = 1
		if err := txErr(db, func(tx *store.Tx) error { return tx.UpdateServiceReferral(s) }); !errors.Is(err, hub.ErrConflict) {
			t.Errorf("stale service update = %v", err)
		}
	})
}
