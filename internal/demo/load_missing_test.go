package demo_test

import (
	"context"
	"testing"
	"time"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/auth"
	"github.com/safehub/safehub/internal/demo"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store/pgtest"
	"github.com/safehub/safehub/internal/store/storetest"
)

// TestSeedLoadsMissing seeds the demo (SQLite) and checks that the
// synthetic partnership's missing episodes, return home interviews and NRM
// referrals of the loaded children came in through the import use cases,
// each with its audit event; that every returned police-recorded episode
// has its interview; and that the repeat-missing rule was applied to the
// history.
func TestSeedLoadsMissing(t *testing.T) {
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
	episodes := q(`SELECT COUNT(*) FROM missing_episodes`)
	returnedPolice := q(`SELECT COUNT(*) FROM missing_episodes WHERE returned_at <> 0 AND type <> 'missing_education'`)
	rhis := q(`SELECT COUNT(*) FROM return_interviews`)
	completed := q(`SELECT COUNT(*) FROM return_interviews WHERE status = 'completed'`)
	risks := q(`SELECT COUNT(*) FROM missing_risk_history`)
	police := q(`SELECT COUNT(*) FROM missing_episodes WHERE type <> 'missing_education'`)
	nrm := q(`SELECT COUNT(*) FROM nrm_referrals`)
	prompts := q(`SELECT COUNT(*) FROM missing_prompts`)
	events := q(`SELECT COUNT(*) FROM audit_events WHERE object_type = 'missing_episode' AND action = 'create' AND detail = 'import: synthetic partnership'`)
	nrmEvents := q(`SELECT COUNT(*) FROM audit_events WHERE object_type = 'nrm_referral' AND action = 'create' AND detail = 'import: synthetic partnership'`)
	promptEvents := q(`SELECT COUNT(*) FROM audit_events WHERE object_type = 'missing_prompt' AND action = 'create'`)
	t.Logf("%d episodes (%d police-recorded, %d returned), %d interviews (%d completed), %d NRM referrals, %d prompts", episodes, police, returnedPolice, rhis, completed, nrm, prompts)
	if episodes == 0 || rhis == 0 || completed == 0 || nrm == 0 {
		t.Fatalf("loaded %d episodes, %d interviews (%d completed), %d NRM referrals; want some of each", episodes, rhis, completed, nrm)
	}
	if rhis != returnedPolice {
		t.Errorf("%d interviews for %d returned police-recorded episodes", rhis, returnedPolice)
	}
	if risks != police {
		t.Errorf("%d risk gradings for %d police-recorded episodes", risks, police)
	}
	if events != episodes || nrmEvents != nrm || promptEvents != prompts {
		t.Errorf("audit: %d episode events for %d, %d NRM events for %d, %d prompt events for %d", events, episodes, nrmEvents, nrm, promptEvents, prompts)
	}
	// The managers' lists see them.
	mgr, err := a.UserByUsername(ctx, app.System("test"), "mo.manager")
	if err != nil {
		t.Fatal(err)
	}
	actor := actorOf(mgr)
	list, err := a.ReturnInterviews(ctx, actor, app.InterviewQuery{Status: "completed"})
	if err != nil {
		t.Fatal(err)
	}
	if list.Total == 0 {
		t.Errorf("the manager sees no completed interviews")
	}
	nl, err := a.NRMReferrals(ctx, actor, app.NRMQuery{})
	if err != nil || nl.Total == 0 {
		t.Errorf("the manager's NRM list: %+v, %v", nl, err)
	}
}

func actorOf(u *hub.User) *access.Actor {
	return &access.Actor{ID: u.ID, Name: u.Username, AgencyID: u.AgencyID, Roles: u.Roles, AreaIDs: u.AreaIDs}
}
