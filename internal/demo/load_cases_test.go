package demo_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"testing"
	"time"

	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/auth"
	"github.com/safehub/safehub/internal/demo"
	"github.com/safehub/safehub/internal/store/pgtest"
	"github.com/safehub/safehub/internal/store/storetest"
	"github.com/safehub/safehub/internal/synth"
)

// TestSeedLoadsCases seeds the demo (SQLite) and checks that the synthetic
// partnership's children at medium or high risk, and those whose referrals
// went to a strategy discussion, s47 enquiries or the MACE panel, have one
// open hub case each, led by the demo practitioner or police officer,
// imported through the case import use case (one audit event each), with
// the strategy discussions and panel reviews as meetings.
func TestSeedLoadsCases(t *testing.T) {
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

	// What the generator wrote: the known children who should have cases.
	mem := synth.NewMemSink()
	if _, err := synth.Generate(ctx, synth.Config{Scale: synth.ScaleDemo, Persons: 3000, Seed: 42}, mem, nil); err != nil {
		t.Fatal(err)
	}
	rows := func(name string, fn func(map[string]string)) {
		rd := csv.NewReader(bytes.NewReader(mem.Bytes(name)))
		header, _ := rd.Read()
		for {
			rec, err := rd.Read()
			if err == io.EOF {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			row := map[string]string{}
			for i, h := range header {
				row[h] = rec[i]
			}
			fn(row)
		}
	}
	known := map[string]bool{}
	rows("truth_extract_records.csv", func(r map[string]string) { known[r["person_id"]] = true })
	want := map[string]bool{}
	rows("truth_persons.csv", func(r map[string]string) {
		if known[r["person_id"]] && (r["risk_level"] == "medium" || r["risk_level"] == "high") {
			want[r["person_id"]] = true
		}
	})
	meetings := 0
	inNetwork := map[string]bool{}
	rows("truth_network_members.csv", func(r map[string]string) { inNetwork[r["person_id"]] = true })
	// Referred to multi-agency work for exploitation, going missing or a
	// peer group (welfare concerns are not the hub's cases).
	rows("referrals.csv", func(r map[string]string) {
		if r["subject_kind"] != "person" || !known[r["subject_id"]] || r["decided_at"] == "" {
			return
		}
		switch r["decision"] {
		case "strategy_discussion", "s47_enquiry", "refer_mace":
			meetings++
			switch r["concern"] {
			case "cce", "cse", "county_lines", "missing", "peer_group":
				want[r["subject_id"]] = true
			default:
				if inNetwork[r["subject_id"]] {
					want[r["subject_id"]] = true
				}
			}
		}
	})

	cases := q(`SELECT COUNT(*) FROM cases WHERE external_ref LIKE 'synth-case-%'`)
	t.Logf("%d synthetic cases, %d meetings", cases, q(`SELECT COUNT(*) FROM meetings`))
	if cases != len(want) || cases == 0 {
		t.Errorf("synthetic cases = %d, want %d (one per known child at medium or high risk or referred to multi-agency work)", cases, len(want))
	}
	if n := q(`SELECT COUNT(*) FROM cases c JOIN users u ON u.id = c.lead_id WHERE u.username NOT IN ('pat.practitioner', 'paul.police')`); n != 0 {
		t.Errorf("%d cases are led by someone other than the demo practitioner or police officer", n)
	}
	if n := q(`SELECT COUNT(*) FROM (SELECT subject_id FROM cases WHERE status <> 'closed' GROUP BY subject_id HAVING COUNT(*) > 1) x`); n != 0 {
		t.Errorf("%d children have more than one open case", n)
	}
	// A child who might have a case: at risk, or in a network; every
	// synthetic case is about one.
	if n := q(`SELECT COUNT(*) FROM cases WHERE external_ref LIKE 'synth-case-%' AND exploitation = ''`); n != 0 {
		t.Errorf("%d synthetic cases name no exploitation type", n)
	}
	if got := q(`SELECT COUNT(*) FROM meetings`); got == 0 || got > meetings {
		t.Errorf("meetings = %d, want some and at most the %d referrals that called for one (later ones are still to come)", got, meetings)
	}
	if n := q(`SELECT COUNT(*) FROM cases WHERE review_due <= '2026-11-27'`); n != 0 {
		t.Errorf("%d imported cases have a review already due", n)
	}
	all := q(`SELECT COUNT(*) FROM cases`) // with the contextual safeguarding cases
	events := q(`SELECT COUNT(*) FROM audit_events WHERE object_type = 'case' AND action = 'create' AND detail LIKE 'import: synthetic partnership%'`)
	if events != all {
		t.Errorf("case import audit events = %d, want one per case (%d)", events, all)
	}
}
