package server_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"sort"
	"testing"
	"time"

	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/apptest"
	"github.com/safehub/safehub/internal/auth"
	"github.com/safehub/safehub/internal/demo"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store/pgtest"
	"github.com/safehub/safehub/internal/store/storetest"
	"github.com/safehub/safehub/internal/synth"
)

// BenchmarkChronologyHTTP measures the child chronology page of casework
// part B at county scale: the synthetic partnership of `safehub synth
// --scale county` (100,000 persons; the people known to agencies loaded
// with every feature's records: referrals and assessments, cases with their
// meetings, missing episodes and interviews, NRM referrals, flags) and, on
// it, GET /persons/{id}/chronology as a practitioner working in all three
// areas, over TLS through the whole server (session, guard, the one
// audited read merging every chronology source, page rendered). The
// children asked for are those with hub cases, the ones practitioners read
// chronologies of, the busiest first. It reports p50, p95 and p99, and the
// mean number of entries per page.
func BenchmarkChronologyHTTP(b *testing.B) {
	for _, engine := range pgtest.Engines() {
		b.Run(engine, func(b *testing.B) {
			ctx := context.Background()
			env := apptest.New(b, engine, apptest.Options{})
			loadCountyCasework(b, env)
			u := env.NewUser(b, "county.practitioner", hub.AgencySocialCare, []hub.Role{hub.RolePractitioner}, "855", "856", "857")

			var cases, meetings int
			if err := env.Store.SQL().QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM cases), (SELECT COUNT(*) FROM meetings)`).Scan(&cases, &meetings); err != nil {
				b.Fatal(err)
			}
			b.Logf("%d cases and %d meetings loaded", cases, meetings)

			// The children with cases, busiest (most referrals) first.
			rows, err := env.Store.SQL().QueryContext(ctx, `SELECT c.subject_id FROM cases c
				LEFT JOIN referrals r ON r.subject_kind = 'person' AND r.subject_id = c.subject_id
				WHERE c.subject_kind = 'person' GROUP BY c.subject_id ORDER BY COUNT(r.id) DESC, c.subject_id LIMIT 400`)
			if err != nil {
				b.Fatal(err)
			}
			var ids []string
			for rows.Next() {
				var id string
				if err := rows.Scan(&id); err != nil {
					b.Fatal(err)
				}
				ids = append(ids, id)
			}
			rows.Close()
			if len(ids) == 0 {
				b.Fatal("no children with cases were loaded")
			}
			entries := 0
			for _, id := range ids[:min(len(ids), 50)] {
				c, err := env.App.ChronologyOf(ctx, env.Actor(u), id, app.ChronologyFilter{})
				if err != nil {
					b.Fatal(err)
				}
				entries += len(c.Entries)
			}
			b.Logf("%d children with cases; %.1f entries per chronology among the 50 busiest", len(ids), float64(entries)/float64(min(len(ids), 50)))

			c := env.SignIn(b, u)
			var lat []time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for j := 0; j < 200; j++ {
					id := ids[(i*200+j)%len(ids)]
					t0 := time.Now()
					res := env.Get(b, c, "/persons/"+id+"/chronology")
					lat = append(lat, time.Since(t0))
					if res.StatusCode != http.StatusOK {
						b.Fatalf("GET chronology = %d", res.StatusCode)
					}
				}
			}
			b.StopTimer()
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
			b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
			b.ReportMetric(ms(lat[len(lat)*95/100]), "p95-ms")
			b.ReportMetric(ms(lat[len(lat)*99/100]), "p99-ms")
			b.ReportMetric(float64(entries)/float64(min(len(ids), 50)), "entries/page")
		})
	}
}

// BenchmarkLoadCases times the synthetic load of hub cases at county scale
// (`--scale county`, seed 42): after the 48,277 known persons, the cases
// and their meetings opened through the case import use case (batches of
// 500, every row checked, one audit event per case), on each engine.
func BenchmarkLoadCases(b *testing.B) {
	for _, engine := range pgtest.Engines() {
		b.Run(engine, func(b *testing.B) {
			ctx := context.Background()
			mem := synth.NewMemSink()
			if _, err := synth.Generate(ctx, synth.Config{Scale: synth.ScaleCounty, Seed: 42}, mem, nil); err != nil {
				b.Fatal(err)
			}
			open := func(name string) (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(mem.Bytes(name))), nil }
			var took time.Duration
			var cases int
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				clock := storetest.NewClock(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
				st := storetest.Open(b, engine, storetest.Options{Clock: clock})
				cfg := app.DefaultConfig()
				cfg.PasswordParams = auth.MinimumParams
				a, err := app.New(st.DB, cfg, clock, nil)
				if err != nil {
					b.Fatal(err)
				}
				p, err := demo.EnsurePartnership(ctx, a)
				if err != nil {
					b.Fatal(err)
				}
				for _, acc := range demo.Accounts[:2] {
					if _, err := a.CreateUser(ctx, app.System("bench"), app.NewUser{Username: acc.Username, DisplayName: acc.Username, AgencyID: p.AgencyIDs[acc.Agency],
						Roles: []hub.Role{acc.Role}, Password: acc.Password, AreaIDs: []string{p.AreaIDs["855"], p.AreaIDs["856"], p.AreaIDs["857"]}}); err != nil {
						b.Fatal(err)
					}
				}
				loaded, err := demo.LoadPersons(ctx, a, p, open, nil)
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				start := time.Now()
				if err := demo.LoadCases(ctx, a, p, open, loaded); err != nil {
					b.Fatal(err)
				}
				took += time.Since(start)
				b.StopTimer()
				if err := st.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM cases`).Scan(&cases); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(took.Seconds()/float64(b.N), "load-s")
			b.ReportMetric(float64(cases), "cases")
			b.ReportMetric(float64(cases)/(took.Seconds()/float64(b.N)), "cases/s")
		})
	}
}
