package demo_test

import (
	"context"
	"testing"
	"time"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/auth"
	"github.com/safehub/safehub/internal/demo"
	"github.com/safehub/safehub/internal/store/pgtest"
	"github.com/safehub/safehub/internal/store/storetest"
)

// TestSeedLoadsFlags seeds the demo (SQLite) and checks that the synthetic
// partnership's flags of the loaded children came in through the import
// use case: each with its history row and audit event, the demo
// practitioner as lead, and the inactive ones ended.
func TestSeedLoadsFlags(t *testing.T) {
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
	pat, err := a.UserByUsername(ctx, app.System("test"), "pat.practitioner")
	if err != nil {
		t.Fatal(err)
	}
	var flags, history, events, active, inactive, led int
	q := func(dst *int, sql string, args ...any) {
		t.Helper()
		if err := st.SQL().QueryRowContext(ctx, sql, args...).Scan(dst); err != nil {
			t.Fatal(err)
		}
	}
	q(&flags, `SELECT COUNT(*) FROM flags`)
	q(&history, `SELECT COUNT(*) FROM flag_history WHERE action = 'import'`)
	q(&events, `SELECT COUNT(*) FROM audit_events WHERE object_type = 'flag' AND action = 'create' AND detail = 'import: synthetic partnership'`)
	q(&active, `SELECT COUNT(*) FROM flags WHERE status = 'active'`)
	q(&inactive, `SELECT COUNT(*) FROM flags WHERE status = 'inactive' AND end_date <> '' AND end_reason <> ''`)
	q(&led, `SELECT COUNT(*) FROM flags WHERE lead_user_id = ?`, pat.ID)
	t.Logf("%d flags loaded, %d active", flags, active)
	if flags == 0 || active == 0 {
		t.Fatalf("%d flags (%d active) loaded, want some", flags, active)
	}
	if history != flags || events != flags || active+inactive != flags || led != flags {
		t.Errorf("flags %d: history %d, audit events %d, active %d + inactive %d, led by pat %d", flags, history, events, active, inactive, led)
	}
	// The nurse's desk sees them: the synthetic reviews fell due 90 days
	// after each start, so most active flags are overdue.
	nina, err := a.UserByUsername(ctx, app.System("test"), "nina.nurse")
	if err != nil {
		t.Fatal(err)
	}
	actor := &access.Actor{ID: nina.ID, Name: nina.Username, AgencyID: nina.AgencyID, Roles: nina.Roles, AreaIDs: nina.AreaIDs}
	d, err := a.FlagDeskSummary(ctx, actor)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("desk summary: %d overdue, %d due, %d turning 18", d.OverdueCount, d.DueSoonCount, d.TurningAdultCount)
	if d.OverdueCount == 0 {
		t.Errorf("desk summary %+v, want overdue reviews", d)
	}
	// The nurse referred some flagged children: those with an active case
	// on the case's plan, the others with the flag; the desk lists those
	// awaiting an outcome.
	var onCase, withFlag, pending int
	q(&onCase, `SELECT COUNT(*) FROM service_referrals s JOIN flags f ON f.id = s.flag_id JOIN cases c ON c.id = s.case_id
		WHERE c.subject_id = f.person_id AND c.status <> 'closed' AND s.created_by = ?`, nina.ID)
	q(&withFlag, `SELECT COUNT(*) FROM flag_referrals WHERE recorded_by = ?`, nina.ID)
	q(&pending, `SELECT (SELECT COUNT(*) FROM service_referrals WHERE flag_id <> '' AND outcome = 'pending') + (SELECT COUNT(*) FROM flag_referrals WHERE outcome = 'awaiting')`)
	var caseless int
	q(&caseless, `SELECT COUNT(*) FROM flags f WHERE f.status = 'active'
		AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.subject_kind = 'person' AND c.subject_id = f.person_id AND c.status <> 'closed')`)
	t.Logf("flag referrals: %d on cases, %d with flags (%d flagged children without a case), %d awaiting", onCase, withFlag, caseless, pending)
	if onCase == 0 || pending == 0 || withFlag != min(caseless, 3) {
		t.Errorf("flag referrals: %d on cases, %d with flags (want %d), %d awaiting", onCase, withFlag, min(caseless, 3), pending)
	}
	if d.AwaitingCount != pending {
		t.Errorf("the desk lists %d referrals awaiting an outcome, want %d", d.AwaitingCount, pending)
	}
}
