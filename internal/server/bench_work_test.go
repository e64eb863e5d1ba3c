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
	"github.com/safehub/safehub/internal/demo"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store/pgtest"
	"github.com/safehub/safehub/internal/synth"
)

// BenchmarkWorkQueuesHTTP measures the work queues of casework part A at
// county scale: the synthetic partnership of `safehub synth --scale
// county` (100,000 persons, the people known to agencies loaded with every
// feature's casework: referrals, cases and plans, missing episodes and
// interviews, NRM referrals, flags) and, on it, GET /work as a practitioner
// in Leicester holding 50 referrals and as the load's case lead holding
// about a thousand items, and GET /team as a manager working in all three
// areas; each over TLS through the whole server (session,
// guard, app, every work source, the audit event committed durably, page
// rendered). It reports p50 and p95 of each, and the deadline job's time
// over all open items: its first run (which sends the overdue notices) and
// a steady-state run (nothing new to send).
func BenchmarkWorkQueuesHTTP(b *testing.B) {
	for _, engine := range pgtest.Engines() {
		b.Run(engine, func(b *testing.B) {
			ctx := context.Background()
			env := apptest.New(b, engine, apptest.Options{})
			loadCountyCasework(b, env)
			// The load's cases go to the first two users who may lead them
			// (here the test practitioner and police officer, each with
			// about a thousand items: the worst case); a practitioner who
			// joins after holds a typical caseload of 50 referrals.
			heavy := env.Users[hub.RolePractitioner]
			prac := env.NewUser(b, "county.practitioner", hub.AgencySocialCare, []hub.Role{hub.RolePractitioner}, "856")
			mgrU := env.NewUser(b, "county.manager", hub.AgencySocialCare, []hub.Role{hub.RoleManager}, "855", "856", "857")
			mgr := env.Actor(mgrU)

			// Give the practitioner 50 of the undecided referrals in 856.
			list, err := env.App.Referrals(ctx, env.RoleActor(hub.RoleManager), app.ReferralQuery{Undecided: true, Limit: 200})
			if err != nil {
				b.Fatal(err)
			}
			given := 0
			for _, it := range list.Items {
				if given == 50 {
					break
				}
				if err := env.App.ReassignWork(ctx, mgr, "referral_decision", it.Referral.ID, prac.ID); err == nil {
					given++
				}
			}
			start := time.Now()
			first, err := env.App.RunDeadlines(ctx)
			if err != nil {
				b.Fatal(err)
			}
			firstTook := time.Since(start)
			w, err := env.App.MyWork(ctx, env.Actor(prac))
			if err != nil {
				b.Fatal(err)
			}
			hw, err := env.App.MyWork(ctx, env.Actor(heavy))
			if err != nil {
				b.Fatal(err)
			}
			b.Logf("%d open items, %d overdue; first deadline run %s (%d notified, %d notifications); practitioner holds %d items (the load's lead %d), %d unallocated in 856",
				first.Open, first.Overdue, firstTook.Round(time.Millisecond), first.Notified, first.Notifications, len(w.Items), len(hw.Items), w.UnallocatedTotal)

			pc := env.SignIn(b, prac)
			hc := env.SignIn(b, heavy)
			mc := env.SignIn(b, mgrU)
			var work, heavyWork, team, job []time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for j := 0; j < 40; j++ {
					t0 := time.Now()
					if res := env.Get(b, pc, "/work"); res.StatusCode != http.StatusOK {
						b.Fatalf("GET /work = %d", res.StatusCode)
					}
					work = append(work, time.Since(t0))
					t0 = time.Now()
					if res := env.Get(b, hc, "/work"); res.StatusCode != http.StatusOK {
						b.Fatalf("GET /work (the load's lead) = %d", res.StatusCode)
					}
					heavyWork = append(heavyWork, time.Since(t0))
					t0 = time.Now()
					if res := env.Get(b, mc, "/team"); res.StatusCode != http.StatusOK {
						b.Fatalf("GET /team = %d", res.StatusCode)
					}
					team = append(team, time.Since(t0))
				}
				t0 := time.Now()
				if _, err := env.App.RunDeadlines(ctx); err != nil {
					b.Fatal(err)
				}
				job = append(job, time.Since(t0))
			}
			b.StopTimer()
			ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
			pct := func(ds []time.Duration, p int) float64 {
				sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
				return ms(ds[min(len(ds)-1, len(ds)*p/100)])
			}
			b.ReportMetric(pct(work, 50), "work-p50-ms")
			b.ReportMetric(pct(work, 95), "work-p95-ms")
			b.ReportMetric(pct(heavyWork, 50), "lead-work-p50-ms")
			b.ReportMetric(pct(heavyWork, 95), "lead-work-p95-ms")
			b.ReportMetric(pct(team, 50), "team-p50-ms")
			b.ReportMetric(pct(team, 95), "team-p95-ms")
			b.ReportMetric(ms(firstTook), "job-first-ms")
			b.ReportMetric(pct(job, 50), "job-steady-ms")
			b.ReportMetric(float64(first.Open), "open-items")
		})
	}
}

// loadCountyCasework loads a county-scale synthetic partnership into env
// with every feature's loader, as `safehub synth --load` does.
func loadCountyCasework(b *testing.B, env *apptest.Env) {
	b.Helper()
	ctx := context.Background()
	mem := synth.NewMemSink()
	if _, err := synth.Generate(ctx, synth.Config{Scale: synth.ScaleCounty, Seed: 42}, mem, nil); err != nil {
		b.Fatal(err)
	}
	p := &demo.Partnership{AreaIDs: map[string]string{}, AgencyIDs: map[string]string{}}
	for code, ar := range env.Areas {
		p.AreaIDs[code] = ar.ID
	}
	for _, ag := range demo.Agencies {
		p.AgencyIDs[ag.Name] = env.Agencies[ag.Kind].ID
	}
	open := func(name string) (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(mem.Bytes(name))), nil }
	start := time.Now()
	loaded, err := demo.LoadPartnership(ctx, env.App, p, open, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("loaded %d persons and their casework in %s", loaded.Persons, time.Since(start).Round(time.Millisecond))
}
