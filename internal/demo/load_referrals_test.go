package demo_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"testing"
	"time"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/auth"
	"github.com/safehub/safehub/internal/demo"
	"github.com/safehub/safehub/internal/store/pgtest"
	"github.com/safehub/safehub/internal/store/storetest"
	"github.com/safehub/safehub/internal/synth"
)

// TestSeedLoadsReferrals seeds the demo (SQLite) and checks that the
// synthetic partnership's referrals about loaded children and about the
// places and groups they name came in through the import use cases, one
// audit event each, with the generator's pending referrals undecided and
// the contexts' members loaded.
func TestSeedLoadsReferrals(t *testing.T) {
	ctx := context.Background()
	clock := storetest.NewClock(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
	st := storetest.Open(t, pgtest.EngineSQLite, storetest.Options{Clock: clock})
	cfg := app.DefaultConfig()
	cfg.PasswordParams = auth.MinimumParams
	a, err := app.New(st.DB, cfg, clock, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.SeedWith(ctx, a, demo.Options{Persons: 3000}); err != nil {
		t.Fatal(err)
	}
	q := func(sql string) int {
		t.Helper()
		var n int
		if err := st.SQL().QueryRowContext(ctx, sql).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// What the generator wrote, for comparison.
	mem := synth.NewMemSink()
	if _, err := synth.Generate(ctx, synth.Config{Scale: synth.ScaleDemo, Persons: 3000, Seed: 42}, mem, nil); err != nil {
		t.Fatal(err)
	}
	rd := csv.NewReader(bytes.NewReader(mem.Bytes("referrals.csv")))
	header, _ := rd.Read()
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	var rows, pending, contextRows int
	maceContexts := map[string]bool{}
	for {
		rec, err := rd.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		rows++
		if rec[col["decision"]] == "pending" {
			pending++
		}
		if rec[col["subject_kind"]] != "person" {
			contextRows++
			if rec[col["decision"]] == "refer_mace" {
				maceContexts[rec[col["subject_id"]]] = true
			}
		}
	}

	referrals := q(`SELECT COUNT(*) FROM referrals`)
	undecided := q(`SELECT COUNT(*) FROM referrals WHERE decision = ''`)
	aboutContexts := q(`SELECT COUNT(*) FROM referrals WHERE subject_kind = 'context'`)
	contexts := q(`SELECT COUNT(*) FROM contexts`)
	members := q(`SELECT COUNT(*) FROM context_members`)
	events := q(`SELECT COUNT(*) FROM audit_events WHERE object_type = 'referral' AND action = 'create' AND detail = 'import: synthetic partnership'`)
	contextEvents := q(`SELECT COUNT(*) FROM audit_events WHERE object_type = 'context' AND action = 'create'`)
	refs := q(`SELECT COUNT(DISTINCT external_ref) FROM referrals`)
	t.Logf("%d of %d referrals loaded (%d undecided of %d pending), %d about %d contexts with %d members", referrals, rows, undecided, pending, aboutContexts, contexts, members)
	if referrals == 0 || referrals > rows || aboutContexts == 0 || contexts == 0 {
		t.Fatalf("loaded %d referrals of %d rows, %d about contexts, %d contexts", referrals, rows, aboutContexts, contexts)
	}
	if events != referrals || contextEvents != contexts || refs != referrals {
		t.Errorf("%d referrals with %d audit events and %d references; %d contexts with %d audit events", referrals, events, refs, contexts, contextEvents)
	}
	if undecided > pending {
		t.Errorf("%d undecided referrals, but the generator left only %d pending", undecided, pending)
	}
	if aboutContexts > contextRows {
		t.Errorf("%d referrals about contexts from %d rows", aboutContexts, contextRows)
	}
	if q(`SELECT COUNT(*) FROM referrals WHERE decision = 'open_case' AND decision_reason NOT LIKE 'Synthetic record. Decided: %'`) != 0 {
		t.Error("a decided referral does not record the generator's decision")
	}
	// Places and groups the MACE panel took on are contextual safeguarding
	// cases: one each, about a context, never about a person.
	contextCases := q(`SELECT COUNT(*) FROM cases WHERE external_ref LIKE 'synth-context-case-%'`)
	if contextCases == 0 || contextCases > len(maceContexts) {
		t.Errorf("%d context cases for %d places and groups referred to MACE", contextCases, len(maceContexts))
	}
	if n := q(`SELECT COUNT(*) FROM cases WHERE external_ref LIKE 'synth-context-case-%' AND subject_kind <> 'context'`); n != 0 {
		t.Errorf("%d context cases are about persons", n)
	}
	// The demo manager sees the undecided ones as work.
	mgr := demoActor(t, a, "mo.manager")
	w, err := a.TeamWork(ctx, mgr, "")
	if err != nil {
		t.Fatal(err)
	}
	if undecided > 0 && len(w.Unallocated) == 0 {
		t.Errorf("team view shows no unallocated items with %d undecided referrals", undecided)
	}
}

func demoActor(t *testing.T, a *app.App, username string) *access.Actor {
	t.Helper()
	u, err := a.UserByUsername(context.Background(), app.System("test"), username)
	if err != nil {
		t.Fatal(err)
	}
	return &access.Actor{ID: u.ID, Name: u.Username, AgencyID: u.AgencyID, Roles: u.Roles, AreaIDs: u.AreaIDs}
}
