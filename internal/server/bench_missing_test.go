package server_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/safehub/safehub/internal/apptest"
	"github.com/safehub/safehub/internal/demo"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store/pgtest"
	"github.com/safehub/safehub/internal/synth"
)

// BenchmarkMissingHTTP measures missing episodes at county scale (a
// synthetic partnership of 100,000 persons, its known people, missing
// episodes, return home interviews and NRM referrals loaded through the
// import use cases): the load itself, and, as a Leicester practitioner
// and manager see it through the whole server over TLS, the fast intake
// (POST of the missing report: access, overlap check, repeat-missing rule,
// audit, redirect), the episode page, and the managers' overdue return
// home interview list. It reports p50 and p95 server times per request.
func BenchmarkMissingHTTP(b *testing.B) {
	for _, engine := range pgtest.Engines() {
		b.Run(engine, func(b *testing.B) {
			env := apptest.New(b, engine, apptest.Options{})
			children := loadCountyMissing(b, env)
			prac := env.SignInRole(b, hub.RolePractitioner)
			mgr := env.SignInRole(b, hub.RoleManager)
			var intake, page, list []time.Duration
			next := 0
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for j := 0; j < 100 && next < len(children); j++ {
					child := children[next]
					next++
					now := env.Clock.Now().In(time.UTC)
					seen := now.Add(-2 * time.Hour)
					form := url.Values{"type": {"missing"}, "missing_from": {"home"}, "last_seen_date": {seen.In(londonTZ).Format("2006-01-02")},
						"last_seen_time": {seen.In(londonTZ).Format("15:04")}, "last_seen_place": {"Bench Park"}, "reported_by": {"parent"},
						"police_risk_level": {"medium"}, "circumstances": {"Benchmark report"}}
					start := time.Now()
					res := env.PostForm(b, prac, "/persons/"+child+"/missing", form)
					intake = append(intake, time.Since(start))
					if res.StatusCode != http.StatusSeeOther {
						b.Fatalf("intake: %d %.300s", res.StatusCode, res.Body)
					}
					start = time.Now()
					res = env.Get(b, prac, res.Header.Get("Location"))
					page = append(page, time.Since(start))
					if res.StatusCode != http.StatusOK {
						b.Fatalf("episode page: %d", res.StatusCode)
					}
					start = time.Now()
					res = env.Get(b, mgr, "/missing/interviews?status=overdue")
					list = append(list, time.Since(start))
					if res.StatusCode != http.StatusOK {
						b.Fatalf("interview list: %d", res.StatusCode)
					}
				}
			}
			b.StopTimer()
			report := func(name string, lat []time.Duration) {
				if len(lat) == 0 {
					return
				}
				sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
				ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
				b.ReportMetric(ms(lat[len(lat)/2]), name+"-p50-ms")
				b.ReportMetric(ms(lat[len(lat)*95/100]), name+"-p95-ms")
			}
			report("intake", intake)
			report("episode", page)
			report("rhi-list", list)
		})
	}
}

var londonTZ = func() *time.Location {
	l, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic(err)
	}
	return l
}()

// loadCountyMissing loads a county-scale synthetic partnership's known
// people and their missing episodes, interviews and NRM referrals, reports
// how long the missing load took, and returns loaded Leicester children
// with no open episode, for fresh reports.
func loadCountyMissing(b *testing.B, env *apptest.Env) []string {
	b.Helper()
	ctx := context.Background()
	mem := synth.NewMemSink()
	if _, err := synth.Generate(ctx, synth.Config{Scale: synth.ScaleCounty, Seed: 42}, mem, nil); err != nil {
		b.Fatal(err)
	}
	p := &demo.Partnership{
		AreaIDs:   map[string]string{"855": env.Areas["855"].ID, "856": env.Areas["856"].ID, "857": env.Areas["857"].ID},
		AgencyIDs: map[string]string{demo.Agencies[1].Name: env.Agencies[hub.AgencySocialCare].ID},
	}
	open := func(name string) (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(mem.Bytes(name))), nil }
	loaded, err := demo.LoadPersons(ctx, env.App, p, open, nil)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	got, err := demo.LoadMissingCounted(ctx, env.App, p, open, loaded)
	if err != nil {
		b.Fatal(err)
	}
	took := time.Since(start)
	b.Logf("loaded %d persons; %d missing episodes, %d return home interviews, %d NRM referrals and %d repeat-missing prompts in %s",
		loaded.Persons, got.Episodes, got.Interviews, got.NRM, got.Prompts, took.Round(time.Millisecond))

	missing := map[string]bool{}
	rd := csv.NewReader(bytes.NewReader(mem.Bytes("missing_episodes.csv")))
	header, _ := rd.Read()
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	for {
		rec, err := rd.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		missing[rec[col["person_id"]]] = true
	}
	rd = csv.NewReader(bytes.NewReader(mem.Bytes("truth_persons.csv")))
	header, _ = rd.Read()
	col = map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	var out []string
	for {
		rec, err := rd.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		tid := rec[col["person_id"]]
		// Children in Leicester under 17 (so under 18 for a while yet),
		// loaded, with no episode of their own: none is open.
		if rec[col["area_code"]] != "856" || rec[col["is_child"]] != "true" || missing[tid] || loaded.IDs[tid] == "" ||
			!strings.HasPrefix(rec[col["date_of_birth"]], "201") {
			continue
		}
		out = append(out, loaded.IDs[tid])
	}
	if len(out) < 100 {
		b.Fatalf("only %d children to report missing", len(out))
	}
	return out
}
