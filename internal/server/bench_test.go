package server_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/apptest"
	"github.com/safehub/safehub/internal/demo"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
	"github.com/safehub/safehub/internal/store/pgtest"
	"github.com/safehub/safehub/internal/synth"
)

// BenchmarkPersonSearchHTTP measures person search as a practitioner sees
// it: a POST /persons/search over TLS to the whole server (guard, session,
// app, store, audit event committed durably, page rendered) against about
// 100,000 synthetic persons (the people known to agencies in a generated
// partnership of 207,000), with a practitioner working in
// one area (Leicester). The query mix is surnames, full names, name and
// date of birth, and NHS numbers, drawn from the loaded people. It reports
// the median and 95th percentile of the time from request to complete
// response on loopback.
func BenchmarkPersonSearchHTTP(b *testing.B) {
	for _, engine := range pgtest.Engines() {
		b.Run(engine, func(b *testing.B) {
			env := apptest.New(b, engine, apptest.Options{})
			queries := loadCounty(b, env)
			c := env.SignInRole(b, hub.RolePractitioner)
			if testing.Verbose() {
				probe(b, env, queries)
			}
			r := rand.New(rand.NewPCG(1, 2))
			var lat []time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for j := 0; j < 200; j++ {
					q := queries[r.IntN(len(queries))]
					start := time.Now()
					res := postSearch(b, env, c, q)
					lat = append(lat, time.Since(start))
					if res.StatusCode != http.StatusOK {
						b.Fatalf("search %v: status %d", q, res.StatusCode)
					}
				}
			}
			b.StopTimer()
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
			b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
			b.ReportMetric(ms(lat[len(lat)*95/100]), "p95-ms")
			b.ReportMetric(ms(lat[len(lat)*99/100]), "p99-ms")
		})
	}
}

func postSearch(b *testing.B, env *apptest.Env, c *http.Client, q url.Values) *apptest.Response {
	req, err := http.NewRequest(http.MethodPost, env.TS.URL+"/persons/search", strings.NewReader(q.Encode()))
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return env.Do(b, c, req)
}

// loadCounty imports a synthetic partnership's known people (about 100,000)
// into env through the import use case and returns search queries drawn
// from those living in Leicester.
func loadCounty(b *testing.B, env *apptest.Env) []url.Values {
	b.Helper()
	ctx := context.Background()
	mem := synth.NewMemSink()
	if _, err := synth.Generate(ctx, synth.Config{Persons: 207000, Seed: 42}, mem, nil); err != nil {
		b.Fatal(err)
	}
	p := &demo.Partnership{
		AreaIDs:   map[string]string{"855": env.Areas["855"].ID, "856": env.Areas["856"].ID, "857": env.Areas["857"].ID},
		AgencyIDs: map[string]string{demo.Agencies[1].Name: env.Agencies[hub.AgencySocialCare].ID},
	}
	open := func(name string) (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(mem.Bytes(name))), nil }
	start := time.Now()
	loaded, err := demo.LoadPersons(ctx, env.App, p, open, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("loaded %d persons in %s", loaded.Persons, time.Since(start).Round(time.Millisecond))

	rd := csv.NewReader(bytes.NewReader(mem.Bytes("truth_persons.csv")))
	header, err := rd.Read()
	if err != nil {
		b.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	var qs []url.Values
	for i := 0; ; i++ {
		rec, err := rd.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		if rec[col["area_code"]] != "856" || i%7 != 0 {
			continue
		}
		given, family, dob, nhs := rec[col["given_name"]], rec[col["family_name"]], rec[col["date_of_birth"]], rec[col["nhs_number"]]
		switch i % 4 {
		case 0:
			qs = append(qs, url.Values{"q": {family}})
		case 1:
			qs = append(qs, url.Values{"q": {given + " " + family}})
		case 2:
			qs = append(qs, url.Values{"q": {family}, "dob": {dob}})
		case 3:
			if nhs != "" {
				qs = append(qs, url.Values{"q": {nhs[:3] + " " + nhs[3:6] + " " + nhs[6:]}})
			}
		}
	}
	if len(qs) == 0 {
		b.Fatal(fmt.Sprintf("no queries from %d rows", len(qs)))
	}
	return qs
}

func probe(b *testing.B, env *apptest.Env, qs []url.Values) {
	ctx := context.Background()
	actor := env.RoleActor(hub.RolePractitioner)
	start := time.Now()
	for _, q := range qs[:100] {
		if _, err := env.App.SearchPersons(ctx, actor, app.PersonQuery{Text: q.Get("q"), DateOfBirth: q.Get("dob")}); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("app-level: %s per search", time.Since(start)/100)
	start = time.Now()
	for _, q := range qs[:100] {
		err := env.Store.Read(ctx, func(tx *store.Tx) error {
			_, _, err := tx.FindPersons(store.PersonFilter{Name: q.Get("q"), Scope: store.PersonScope{AreaIDs: actor.AreaIDs}, Limit: 25})
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("store-level: %s per search", time.Since(start)/100)
}
