package demo_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/auth"
	"github.com/safehub/safehub/internal/demo"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
	"github.com/safehub/safehub/internal/store/pgtest"
	"github.com/safehub/safehub/internal/store/storetest"
)

// TestSeedShares checks the demo's cross-border share: cal.county, who
// works in Leicestershire only, reads the shared Leicester child's record
// and case, but no other Leicester child.
func TestSeedShares(t *testing.T) {
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
	var cal *hub.User
	var shares []*hub.Share
	err = st.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		if cal, err = tx.UserByUsername("cal.county"); err != nil {
			return err
		}
		shares, err = tx.FindShares(store.ShareFilter{Status: "active"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(shares) != 1 || shares[0].CaseID == "" || shares[0].PersonID == "" {
		t.Fatalf("demo shares = %+v, want one active share of a case", shares)
	}
	s := shares[0]
	actor := actorOf(cal)
	if _, err := a.ViewPerson(ctx, actor, s.PersonID); err != nil {
		t.Errorf("cal.county cannot read the shared child: %v", err)
	}
	if _, err := a.ViewCase(ctx, actor, s.CaseID); err != nil {
		t.Errorf("cal.county cannot read the shared case: %v", err)
	}
	var other string
	if err := st.SQL().QueryRowContext(ctx, `SELECT id FROM persons WHERE area_id = (SELECT area_id FROM persons WHERE id = ?) AND id <> ? LIMIT 1`, s.PersonID, s.PersonID).Scan(&other); err != nil {
		t.Fatal(err)
	}
	if _, err := a.ViewPerson(ctx, actor, other); !errors.Is(err, hub.ErrNotFound) {
		t.Errorf("cal.county reads an unshared Leicester child: %v", err)
	}
}
