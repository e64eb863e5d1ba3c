package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
	"github.com/safehub/safehub/internal/store/storetest"
)

// flagWorld is the flag tests' population: children in North and South,
// one of them restricted, one nearly 18.
type flagWorld struct {
	*world
	amy, ben, cal, dee *hub.Person // North; South; North restricted; North, 18 in March 2026
}

func seedFlagWorld(t *testing.T, db *storetest.Store) *flagWorld {
	t.Helper()
	w := &flagWorld{world: seedWorld(t, db)}
	child := func(given string, area *hub.Area, sens hub.Sensitivity, dob hub.Date) *hub.Person {
		return &hub.Person{AreaID: area.ID, OwnerAgencyID: w.council.ID, GivenName: given, FamilyName: "Flagged", DateOfBirth: dob, Sensitivity: sens, Synthetic: true}
	}
	w.amy = child("Amy", w.north, hub.SensitivityNormal, hub.Date{Year: 2012, Month: 4, Day: 1})
	w.ben = child("Ben", w.south, hub.SensitivityNormal, hub.Date{Year: 2011, Month: 6, Day: 2})
	w.cal = child("Cal", w.north, hub.SensitivityRestricted, hub.Date{Year: 2013, Month: 1, Day: 3})
	w.dee = child("Dee", w.north, hub.SensitivityNormal, hub.Date{Year: 2008, Month: 3, Day: 20})
	mustTx(t, db, func(tx *store.Tx) error {
		for _, p := range []*hub.Person{w.amy, w.ben, w.cal, w.dee} {
			if err := tx.CreatePerson(p); err != nil {
				return err
			}
		}
		return nil
	})
	return w
}

func date(y int, m time.Month, d int) hub.Date { return hub.Date{Year: y, Month: m, Day: d} }

// newFlag is an active flag on p.
func newFlag(p *hub.Person, cat hub.FlagCategory, start, review hub.Date) *hub.Flag {
	return &hub.Flag{PersonID: p.ID, AreaID: p.AreaID, OwnerAgencyID: p.OwnerAgencyID, Status: hub.FlagActive, Category: cat, RiskLevel: hub.RiskHigh,
		Start: start, ReviewDue: review, Reason: "Seen with older males at a hotel.", Advice: "Child at risk of exploitation. Call the hub before discharge.",
		ContactPhone: "+441164960000", ContactHours: "9am to 5pm", CreatedBy: "nurse-1"}
}

var setBy = store.FlagEdit{Action: hub.FlagActSet, ActorID: "nurse-1", ActorName: "Nina Nurse"}

func TestFlagCreateUpdateHistory(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		db, clock := openStore(t, engine)
		w := seedFlagWorld(t, db)
		f := newFlag(w.amy, hub.FlagCSE, date(2026, 2, 1), date(2026, 5, 1))
		mustTx(t, db, func(tx *store.Tx) error { return tx.CreateFlag(f, setBy) })
		if !hub.ValidID(f.ID) || f.Version != 1 || !f.CreatedAt.Equal(t0.Truncate(time.Microsecond)) {
			t.Errorf("created flag id %q version %d created %v", f.ID, f.Version, f.CreatedAt)
		}
		got := get(t, db, func(tx *store.Tx) (*hub.Flag, error) { return tx.Flag(f.ID) })
		if diff := cmp.Diff(f, got); diff != "" {
			t.Errorf("Flag() differs from what was created (-want +got):\n%s", diff)
		}

		clock.Advance(time.Hour)
		f.RiskLevel, f.ReviewDue, f.ReviewedBy, f.ReviewedAt = hub.RiskMedium, date(2026, 8, 1), "nurse-1", clock.Now()
		mustTx(t, db, func(tx *store.Tx) error {
			return tx.UpdateFlag(f, store.FlagEdit{Action: hub.FlagActReview, ActorID: "nurse-1", ActorName: "Nina Nurse", Note: "engaging with support"})
		})
		if f.Version != 2 {
			t.Errorf("version after update = %d, want 2", f.Version)
		}
		got = get(t, db, func(tx *store.Tx) (*hub.Flag, error) { return tx.Flag(f.ID) })
		if diff := cmp.Diff(f, got); diff != "" {
			t.Errorf("Flag() after update (-want +got):\n%s", diff)
		}

		// A stale version is a conflict and changes nothing.
		stale := *got
		stale.Version = 1
		stale.Advice = "Overwritten"
		err := db.Tx(context.Background(), func(tx *store.Tx) error {
			return tx.UpdateFlag(&stale, store.FlagEdit{Action: hub.FlagActUpdate, ActorID: "x", ActorName: "X"})
		})
		if !errors.Is(err, hub.ErrConflict) {
			t.Errorf("UpdateFlag(stale) = %v, want conflict", err)
		}
		missing := *got
		missing.ID = hub.NewID()
		err = db.Tx(context.Background(), func(tx *store.Tx) error { return tx.UpdateFlag(&missing, setBy) })
		if !errors.Is(err, hub.ErrNotFound) {
			t.Errorf("UpdateFlag(unknown) = %v, want not found", err)
		}
		if _, err := getErr(db, func(tx *store.Tx) (*hub.Flag, error) { return tx.Flag(hub.NewID()) }); !errors.Is(err, hub.ErrNotFound) || hub.ErrorMessage(err) != "flag not found" {
			t.Errorf("Flag(unknown) = %v, want flag not found", err)
		}

		hist := get(t, db, func(tx *store.Tx) ([]*hub.FlagChange, error) { return tx.FlagHistory(f.ID) })
		type row struct {
			Version   int
			Action    string
			ActorName string
			Note      string
			Risk      hub.RiskLevel
			Review    hub.Date
			Advice    string
		}
		var rows []row
		for _, h := range hist {
			rows = append(rows, row{h.Version, h.Action, h.ActorName, h.Note, h.State.RiskLevel, h.State.ReviewDue, h.State.Advice})
		}
		want := []row{
			{2, hub.FlagActReview, "Nina Nurse", "engaging with support", hub.RiskMedium, date(2026, 8, 1), f.Advice},
			{1, hub.FlagActSet, "Nina Nurse", "", hub.RiskHigh, date(2026, 5, 1), f.Advice},
		}
		if diff := cmp.Diff(want, rows); diff != "" {
			t.Errorf("history (newest first) mismatch (-want +got):\n%s", diff)
		}
		if !hist[0].At.Equal(t0.Add(time.Hour).Truncate(time.Microsecond)) {
			t.Errorf("history time = %v, want the clock's", hist[0].At)
		}
	})
}

func TestFlagOneActivePerCategory(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		db, _ := openStore(t, engine)
		w := seedFlagWorld(t, db)
		first := newFlag(w.amy, hub.FlagCSE, date(2026, 1, 1), date(2026, 4, 1))
		mustTx(t, db, func(tx *store.Tx) error { return tx.CreateFlag(first, setBy) })
		second := newFlag(w.amy, hub.FlagCSE, date(2026, 2, 1), date(2026, 5, 1))
		err := db.Tx(context.Background(), func(tx *store.Tx) error { return tx.CreateFlag(second, setBy) })
		if !errors.Is(err, hub.ErrConflict) {
			t.Fatalf("a second active CSE flag = %v, want conflict", err)
		}
		if n := queryInt(t, db, `SELECT COUNT(*) FROM flag_history`); n != 1 {
			t.Errorf("history rows after the refused flag = %d, want 1", n)
		}
		// Another category, and the same category once the first has ended.
		mustTx(t, db, func(tx *store.Tx) error {
			return tx.CreateFlag(newFlag(w.amy, hub.FlagCCE, date(2026, 2, 1), date(2026, 5, 1)), setBy)
		})
		first.Status, first.End, first.EndReason = hub.FlagInactive, date(2026, 2, 10), "risk reduced"
		mustTx(t, db, func(tx *store.Tx) error {
			return tx.UpdateFlag(first, store.FlagEdit{Action: hub.FlagActEnd, ActorName: "N"})
		})
		second.ID = ""
		mustTx(t, db, func(tx *store.Tx) error { return tx.CreateFlag(second, setBy) })
		if n := get(t, db, func(tx *store.Tx) (int, error) { return tx.CountFlags() }); n != 3 {
			t.Errorf("CountFlags() = %d, want 3", n)
		}
	})
}

func TestFindFlags(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		db, _ := openStore(t, engine)
		w := seedFlagWorld(t, db)
		amyCSE := newFlag(w.amy, hub.FlagCSE, date(2026, 1, 1), date(2026, 3, 1))
		amyOld := newFlag(w.amy, hub.FlagMissing, date(2025, 1, 1), date(2025, 4, 1))
		amyOld.Status, amyOld.End = hub.FlagInactive, date(2025, 6, 1)
		benCCE := newFlag(w.ben, hub.FlagCCE, date(2026, 1, 5), date(2026, 3, 10))
		calCSE := newFlag(w.cal, hub.FlagCSE, date(2026, 1, 6), date(2026, 2, 1))
		deeCCE := newFlag(w.dee, hub.FlagCCE, date(2026, 1, 7), date(2026, 6, 1))
		mustTx(t, db, func(tx *store.Tx) error {
			return tx.CreateFlags([]*hub.Flag{amyCSE, amyOld, benCCE, calCSE, deeCCE}, store.FlagEdit{Action: hub.FlagActImport, ActorName: "import"})
		})
		north := &store.FlagScope{AreaIDs: []string{w.north.ID}}
		active := []hub.FlagStatus{hub.FlagActive}
		tests := []struct {
			name string
			f    store.FlagFilter
			want []string
		}{
			{"by person, active first", store.FlagFilter{PersonID: w.amy.ID}, []string{amyCSE.ID, amyOld.ID}},
			{"by person, active", store.FlagFilter{PersonID: w.amy.ID, Statuses: active}, []string{amyCSE.ID}},
			{"north, not restricted, by review date", store.FlagFilter{Scope: north, Statuses: active}, []string{amyCSE.ID, deeCCE.ID}},
			{"north with restricted", store.FlagFilter{Scope: &store.FlagScope{AreaIDs: []string{w.north.ID}, Restricted: true}, Statuses: active}, []string{calCSE.ID, amyCSE.ID, deeCCE.ID}},
			{"both areas", store.FlagFilter{Scope: &store.FlagScope{AreaIDs: []string{w.north.ID, w.south.ID}}, Statuses: active}, []string{amyCSE.ID, benCCE.ID, deeCCE.ID}},
			{"no areas", store.FlagFilter{Scope: &store.FlagScope{}}, nil},
			{"review due by 1 March", store.FlagFilter{Scope: north, Statuses: active, ReviewDueBy: date(2026, 3, 1)}, []string{amyCSE.ID}},
			{"review due by 28 February", store.FlagFilter{Scope: north, Statuses: active, ReviewDueBy: date(2026, 2, 28)}, nil},
			{"born by 2008-12-31", store.FlagFilter{Scope: north, Statuses: active, BornBy: date(2008, 12, 31)}, []string{deeCCE.ID}},
			{"one area, injection as an area", store.FlagFilter{Scope: &store.FlagScope{AreaIDs: []string{"x' OR '1'='1"}}}, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var ls []*store.FlagListing
				var total int
				mustRead(t, db, func(tx *store.Tx) error {
					var err error
					ls, total, err = tx.FindFlags(tt.f)
					return err
				})
				var got []string
				for _, l := range ls {
					got = append(got, l.Flag.ID)
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("FindFlags mismatch (-want +got):\n%s", diff)
				}
				if total != len(tt.want) {
					t.Errorf("total = %d, want %d", total, len(tt.want))
				}
			})
		}
		ls := get(t, db, func(tx *store.Tx) ([]*store.FlagListing, error) {
			ls, _, err := tx.FindFlags(store.FlagFilter{PersonID: w.dee.ID})
			return ls, err
		})
		if len(ls) != 1 || ls[0].Child != (store.FlagChild{GivenName: "Dee", FamilyName: "Flagged", DateOfBirth: date(2008, 3, 20), Sensitivity: hub.SensitivityNormal}) || ls[0].Child.Name() != "Dee Flagged" {
			t.Errorf("listing child = %+v", ls)
		}
		if _, err := getErr(db, func(tx *store.Tx) (int, error) { _, n, err := tx.FindFlags(store.FlagFilter{}); return n, err }); hub.ErrorCode(err) != hub.EInvalid {
			t.Errorf("FindFlags(no person, no scope) = %v, want invalid", err)
		}
	})
}

// TestFlagChangesNotify checks that every change of a flag tells the
// look-up index, once per child, after commit only.
func TestFlagChangesNotify(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		db, _ := openStore(t, engine)
		w := seedFlagWorld(t, db)
		var mu sync.Mutex
		var got []string
		db.OnFlagChange(func(personID string) {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, personID)
		})
		take := func() []string {
			mu.Lock()
			defer mu.Unlock()
			out := got
			got = nil
			return out
		}
		f := newFlag(w.amy, hub.FlagCSE, date(2026, 1, 1), date(2026, 4, 1))
		mustTx(t, db, func(tx *store.Tx) error {
			if err := tx.CreateFlag(f, setBy); err != nil {
				return err
			}
			if n := len(take()); n != 0 {
				t.Errorf("%d notifications before commit", n)
			}
			return nil
		})
		if diff := cmp.Diff([]string{w.amy.ID}, take()); diff != "" {
			t.Errorf("after CreateFlag (-want +got):\n%s", diff)
		}
		mustTx(t, db, func(tx *store.Tx) error { f.Advice = "Call the hub."; return tx.UpdateFlag(f, setBy) })
		if diff := cmp.Diff([]string{w.amy.ID}, take()); diff != "" {
			t.Errorf("after UpdateFlag (-want +got):\n%s", diff)
		}
		batch := []*hub.Flag{newFlag(w.ben, hub.FlagCSE, date(2026, 1, 1), date(2026, 4, 1)), newFlag(w.ben, hub.FlagCCE, date(2026, 1, 1), date(2026, 4, 1)), newFlag(w.dee, hub.FlagCSE, date(2026, 1, 1), date(2026, 4, 1))}
		mustTx(t, db, func(tx *store.Tx) error { return tx.CreateFlags(batch, setBy) })
		if diff := cmp.Diff([]string{w.ben.ID, w.dee.ID}, take(), cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
			t.Errorf("after CreateFlags (-want +got):\n%s", diff)
		}
		// A rolled-back change tells no one.
		boom := errors.New("boom")
		err := db.Tx(context.Background(), func(tx *store.Tx) error {
			if err := tx.CreateFlag(newFlag(w.cal, hub.FlagCSE, date(2026, 1, 1), date(2026, 4, 1)), setBy); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if n := take(); len(n) != 0 {
			t.Errorf("rolled-back change notified %v", n)
		}
	})
}

func TestFlagLookupsConsultationsReferrals(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		db, clock := openStore(t, engine)
		w := seedFlagWorld(t, db)
		amy := newFlag(w.amy, hub.FlagCSE, date(2026, 1, 1), date(2026, 4, 1))
		ben := newFlag(w.ben, hub.FlagCCE, date(2026, 1, 1), date(2026, 4, 1))
		mustTx(t, db, func(tx *store.Tx) error { return tx.CreateFlags([]*hub.Flag{amy, ben}, setBy) })
		lookup := func(f *hub.Flag, setting string) *hub.AuditEvent {
			return &hub.AuditEvent{ActorID: "client-1", ActorName: "LRI ED", Action: hub.ActFlagLookup, ObjectType: "flag", ObjectID: f.ID, SubjectID: f.PersonID,
				Outcome: hub.OutcomeSuccess, Detail: "setting: " + setting + "; practitioner: ED registrar"}
		}
		mustTx(t, db, func(tx *store.Tx) error { return tx.AppendAudit(lookup(amy, "Old visit")) })
		clock.Advance(48 * time.Hour)
		mustTx(t, db, func(tx *store.Tx) error {
			for _, e := range []*hub.AuditEvent{
				lookup(amy, "Leicester Royal Infirmary ED"), lookup(ben, "Kettering ED"),
				{ActorID: "client-1", ActorName: "LRI ED", Action: hub.ActFlagLookup, ObjectType: "flag", Outcome: hub.OutcomeSuccess, Detail: "no active flag"},
				{ActorID: "u", Action: hub.ActView, ObjectType: "flag", ObjectID: amy.ID, SubjectID: amy.PersonID, Outcome: hub.OutcomeSuccess},
			} {
				if err := tx.AppendAudit(e); err != nil {
					return err
				}
			}
			return nil
		})
		settings := func(f store.FlagLookupFilter) []string {
			ls := get(t, db, func(tx *store.Tx) ([]*store.FlagLookup, error) { return tx.FlagLookups(f) })
			var out []string
			for _, l := range ls {
				out = append(out, l.Event.Detail[len("setting: "):len(l.Event.Detail)-len("; practitioner: ED registrar")]+"/"+l.Child.GivenName+"/"+string(l.Category))
			}
			return out
		}
		if diff := cmp.Diff([]string{"Leicester Royal Infirmary ED/Amy/cse-risk", "Old visit/Amy/cse-risk"}, settings(store.FlagLookupFilter{PersonID: w.amy.ID})); diff != "" {
			t.Errorf("look-ups of Amy (-want +got):\n%s", diff)
		}
		day := clock.Now().Add(-24 * time.Hour)
		if diff := cmp.Diff([]string{"Leicester Royal Infirmary ED/Amy/cse-risk"}, settings(store.FlagLookupFilter{Scope: &store.FlagScope{AreaIDs: []string{w.north.ID}}, Since: day})); diff != "" {
			t.Errorf("look-ups in North in the last day (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"Kettering ED/Ben/cce-risk", "Leicester Royal Infirmary ED/Amy/cse-risk"}, settings(store.FlagLookupFilter{Scope: &store.FlagScope{AreaIDs: []string{w.north.ID, w.south.ID}}, Since: day})); diff != "" {
			t.Errorf("look-ups in both areas in the last day (-want +got):\n%s", diff)
		}

		c := &hub.FlagConsultation{FlagID: amy.ID, PersonID: amy.PersonID, AreaID: amy.AreaID, On: date(2026, 3, 3), Caller: "ED registrar", Setting: "LRI ED",
			Note: "Advised to call the hub before discharge", RecordedBy: "nurse-1", RecordedByName: "Nina Nurse"}
		mustTx(t, db, func(tx *store.Tx) error { return tx.CreateFlagConsultation(c) })
		cs := get(t, db, func(tx *store.Tx) ([]*store.FlagConsultationListing, error) {
			return tx.FlagConsultations(store.FlagConsultationFilter{Scope: &store.FlagScope{AreaIDs: []string{w.north.ID}}, Since: date(2026, 3, 1)})
		})
		if len(cs) != 1 || cmp.Diff(c, cs[0].Consultation) != "" || cs[0].Category != hub.FlagCSE || cs[0].Child.GivenName != "Amy" {
			t.Errorf("consultations = %+v, want %+v", cs, c)
		}
		if cs := get(t, db, func(tx *store.Tx) ([]*store.FlagConsultationListing, error) {
			return tx.FlagConsultations(store.FlagConsultationFilter{Scope: &store.FlagScope{AreaIDs: []string{w.south.ID}}})
		}); len(cs) != 0 {
			t.Errorf("consultations in South = %d, want 0", len(cs))
		}

		r := &hub.FlagReferral{FlagID: amy.ID, PersonID: amy.PersonID, AreaID: amy.AreaID, Service: "SARC", ReferredOn: date(2026, 3, 3), Outcome: hub.ReferralAwaiting,
			RecordedBy: "nurse-1", RecordedByName: "Nina Nurse"}
		mustTx(t, db, func(tx *store.Tx) error { return tx.CreateFlagReferral(r) })
		awaiting := func() int {
			return len(get(t, db, func(tx *store.Tx) ([]*store.FlagReferralListing, error) {
				return tx.FlagReferrals(store.FlagReferralFilter{Scope: &store.FlagScope{AreaIDs: []string{w.north.ID}}, Awaiting: true})
			}))
		}
		if n := awaiting(); n != 1 {
			t.Errorf("awaiting referrals = %d, want 1", n)
		}
		r.Outcome, r.OutcomeOn = hub.ReferralAccepted, date(2026, 3, 4)
		mustTx(t, db, func(tx *store.Tx) error { return tx.UpdateFlagReferral(r) })
		got := get(t, db, func(tx *store.Tx) (*hub.FlagReferral, error) { return tx.FlagReferral(r.ID) })
		if diff := cmp.Diff(r, got); diff != "" || got.Version != 2 {
			t.Errorf("referral after update (-want +got):\n%s", diff)
		}
		stale := *got
		stale.Version = 1
		if err := db.Tx(context.Background(), func(tx *store.Tx) error { return tx.UpdateFlagReferral(&stale) }); !errors.Is(err, hub.ErrConflict) {
			t.Errorf("UpdateFlagReferral(stale) = %v, want conflict", err)
		}
		if n := awaiting(); n != 0 {
			t.Errorf("awaiting referrals after the outcome = %d, want 0", n)
		}
	})
}
