package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/safehub/safehub/internal/api"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/audit"
	"github.com/safehub/safehub/internal/auth"
	"github.com/safehub/safehub/internal/demo"
	"github.com/safehub/safehub/internal/fhir"
	"github.com/safehub/safehub/internal/fhirapi"
	"github.com/safehub/safehub/internal/httpx"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/ident"
	"github.com/safehub/safehub/internal/server"
	"github.com/safehub/safehub/internal/store"
)

// `safehub bench flags`: the health flag look-up under load (issue 5), as
// docs/benchmarks.md records it. For each engine it loads a store with
// synthetic children and flags straight through the store's bulk inserts,
// starts the whole server in-process on loopback, and with one load
// generator measures, in the same run, the throughput of (a) a bare
// net/http handler answering a fixed JSON body and (b) POST
// /fhir/Flag/_search through the whole server with its durable audit
// event; then the latency of (b) at half its saturation rate with a
// constant-rate (open-loop) generator.

type benchOptions struct {
	children, flags int
	conns, runs     int
	duration        time.Duration
	warmup          time.Duration
	dir             string
	cpuProfile      string
	traceFile       string
	out             io.Writer
}

// benchRun is one run's measurements.
type benchRun struct {
	bare, lookup float64 // requests per second
	p50, p99     time.Duration
	offered      float64
	errors       int64
	// bareCPU and lookupCPU are the cores the process kept busy during
	// each closed-loop measurement (CPU time over wall time).
	bareCPU, lookupCPU float64
}

// benchResult is one engine's measurements.
type benchResult struct {
	engine                     string
	children, withNHS, flagged int
	loadPersons, loadFlags     time.Duration
	index                      time.Duration
	indexHeap                  uint64
	runs                       []benchRun
	batch                      float64
}

func runBench(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
		fmt.Fprintf(e.stderr, "Usage: safehub bench flags [flags]\n\nScenarios:\n  flags   the FHIR health flag look-up under load (safehub bench flags -h)\n")
		return flag.ErrHelp
	}
	if len(args) == 0 || args[0] != "flags" {
		return exitError{2, "usage: safehub bench flags [flags]   (the one scenario so far; -h for its flags)"}
	}
	fs := newFlags("bench flags", "Measure the FHIR flag look-up under load: throughput as a ratio to a bare Go handler\n(same load generator, same run), and latency at half the saturation rate. SQLite in a\ntemporary folder; PostgreSQL in the empty database given by --db.", e)
	o := benchOptions{out: e.stdout}
	fs.IntVar(&o.children, "children", 1_000_000, "synthetic children to load")
	fs.IntVar(&o.flags, "flags", 100_000, "active flags to set (on children with an NHS number)")
	fs.IntVar(&o.conns, "conns", 32, "keep-alive connections of the closed-loop load generator")
	fs.IntVar(&o.runs, "runs", 3, "runs per engine (the report gives medians)")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "length of each measurement")
	fs.DurationVar(&o.warmup, "warmup", 2*time.Second, "warm-up before each closed-loop measurement")
	fs.StringVar(&o.dir, "dir", "", "folder for the SQLite database (default: a temporary folder, removed afterwards)")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the first run's look-up measurement to this file (per engine: the engine's name is added)")
	fs.StringVar(&o.traceFile, "trace", "", "write an execution trace of the first run's latency measurement to this file (per engine: the engine's name is added), for go tool trace")
	engines := fs.String("engines", "sqlite,postgres", "engines to measure")
	pg := fs.String("db", "", "PostgreSQL URL of an empty database for the PostgreSQL run (none: PostgreSQL is skipped)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if o.children < 1 || o.flags < 0 || o.conns < 1 || o.runs < 1 || o.duration <= 0 {
		return exitError{2, "safehub bench flags: --children, --conns, --runs and --duration must be positive"}
	}
	var results []*benchResult
	for _, engine := range strings.Split(*engines, ",") {
		var dsn string
		switch strings.TrimSpace(engine) {
		case store.SQLite:
			dir := o.dir
			if dir == "" {
				tmp, err := os.MkdirTemp("", "safehub-bench-")
				if err != nil {
					return err
				}
				defer os.RemoveAll(tmp)
				dir = tmp
			}
			dsn = filepath.Join(dir, "bench.db")
		case store.Postgres:
			if *pg == "" {
				fmt.Fprintln(o.out, "PostgreSQL: skipped (give --db postgres://… naming an empty database to measure it)")
				continue
			}
			if !store.IsPostgres(*pg) {
				return exitError{2, "safehub bench flags: --db must be a postgres:// URL"}
			}
			dsn = *pg
		default:
			return exitError{2, fmt.Sprintf("safehub bench flags: unknown engine %q", engine)}
		}
		r, err := benchEngine(ctx, o, dsn)
		if err != nil {
			return fmt.Errorf("%s: %w", engine, err)
		}
		results = append(results, r)
	}
	benchReport(o.out, o, results)
	return nil
}

// benchEngine loads the store at dsn and measures it.
func benchEngine(ctx context.Context, o benchOptions, dsn string) (*benchResult, error) {
	skey, _, err := audit.GenerateKey("safehub-bench")
	if err != nil {
		return nil, err
	}
	db, err := store.Open(ctx, dsn, store.Options{Audit: store.AuditOptions{SignerKey: skey}})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	res := &benchResult{engine: db.Engine(), children: o.children}
	var n int
	if err := db.Read(ctx, func(tx *store.Tx) error { n, err = tx.CountPersons(); return err }); err != nil {
		return nil, err
	}
	if n > 0 {
		return nil, fmt.Errorf("the database already holds %d persons; give an empty one", n)
	}
	quiet := slog.New(slog.DiscardHandler)
	cfg := app.DefaultConfig()
	cfg.PasswordParams = auth.MinimumParams
	a, err := app.New(db, cfg, nil, quiet)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(o.out, "%s: loading %d children …\n", res.engine, o.children)
	nhsNumbers, flagged, err := benchLoad(ctx, o, a, res)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(o.out, "%s: %d children (%d with an NHS number) in %s; %d flags in %s\n", res.engine, res.children, res.withNHS,
		res.loadPersons.Round(100*time.Millisecond), res.flagged, res.loadFlags.Round(100*time.Millisecond))

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	t0 := time.Now()
	lk, err := a.StartFlagLookups(ctx, app.FlagLookupOptions{RebuildEvery: -1})
	if err != nil {
		return nil, err
	}
	defer lk.Close()
	res.index = time.Since(t0)
	runtime.GC()
	runtime.ReadMemStats(&after)
	if after.HeapAlloc > before.HeapAlloc {
		res.indexHeap = after.HeapAlloc - before.HeapAlloc
	}
	_, tok, err := a.CreateAPIClient(ctx, app.System("bench"), app.NewAPIClient{Name: "bench ED", Setting: demo.HealthSetting, AgencyID: agencyID(ctx, a, demo.Agencies[2].Name), Scopes: []hub.Scope{hub.ScopeFlagRead}})
	if err != nil {
		return nil, err
	}

	// The whole server, as `safehub serve` builds it; the access log is
	// written (to nowhere) so that its cost is counted.
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	// One client sends everything, so its rate limit is set out of reach
	// (the limiter still runs).
	fh := fhirapi.NewHandler(lk, log, fhirapi.Config{Version: version, Rate: 1e9, Burst: 1e9})
	// The web UI's pages are not exercised: a surface with no routes stands
	// in for it (server.New needs one to render errors of browser routes).
	srv := server.New(server.Config{}, a, log, noPages{}, api.NewHandler(a, log), fh)
	full, stopFull, err := benchServe(srv)
	if err != nil {
		return nil, err
	}
	defer stopFull()
	bareBody := []byte(`{"resourceType":"Bundle","type":"searchset","total":0}` + "\n")
	bare, stopBare, err := benchServe(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(bareBody)
	}))
	if err != nil {
		return nil, err
	}
	defer stopBare()

	// Look-ups of children drawn at random from those with an NHS number:
	// about one in nine has a flag, as loaded.
	bodies := make([][]byte, 8192)
	rng := rand.New(rand.NewPCG(7, 11))
	for i := range bodies {
		nhs := nhsNumbers[rng.IntN(len(nhsNumbers))]
		if i%10 == 0 && len(flagged) > 0 {
			nhs = flagged[rng.IntN(len(flagged))]
		}
		bodies[i] = []byte(url.Values{fhir.ParamIdentifier: {fhir.SystemNHSNumber + "|" + nhs}}.Encode())
	}
	var seq atomic.Uint64
	lookup := func() *http.Request {
		b := bodies[seq.Add(1)%uint64(len(bodies))]
		r, _ := http.NewRequest(http.MethodPost, full+"/fhir/Flag/_search", bytes.NewReader(b))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Authorization", "Bearer "+tok)
		return r
	}
	plain := func() *http.Request {
		r, _ := http.NewRequest(http.MethodGet, bare+"/", nil)
		return r
	}
	g0 := db.GroupStats()
	for i := range o.runs {
		var run benchRun
		closedLoop(plain, o.conns, o.warmup)
		c0, w0 := processCPU(), time.Now()
		run.bare, run.errors = closedLoop(plain, o.conns, o.duration)
		run.bareCPU = float64(processCPU()-c0) / float64(time.Since(w0))
		closedLoop(lookup, o.conns, o.warmup)
		var prof *os.File
		if i == 0 && o.cpuProfile != "" {
			if prof, err = os.Create(o.cpuProfile + "." + res.engine); err != nil {
				return nil, err
			}
			if err := pprof.StartCPUProfile(prof); err != nil {
				return nil, err
			}
		}
		var errs int64
		c0, w0 = processCPU(), time.Now()
		run.lookup, errs = closedLoop(lookup, o.conns, o.duration)
		run.lookupCPU = float64(processCPU()-c0) / float64(time.Since(w0))
		if prof != nil {
			pprof.StopCPUProfile()
			prof.Close()
		}
		run.errors += errs
		run.offered = run.lookup / 2
		var tr *os.File
		if i == 0 && o.traceFile != "" {
			if tr, err = os.Create(o.traceFile + "." + res.engine); err != nil {
				return nil, err
			}
			if err := trace.Start(tr); err != nil {
				return nil, err
			}
		}
		lats, errs := openLoop(lookup, run.offered, o.duration)
		if tr != nil {
			trace.Stop()
			tr.Close()
		}
		run.errors += errs
		run.p50, run.p99 = percentile(lats, 0.50), percentile(lats, 0.99)
		fmt.Fprintf(o.out, "%s run %d: bare %.0f req/s (%.2f cores busy), look-up %.0f req/s (%.2f cores busy; ratio %.2f); at %.0f req/s p50 %s p99 %s; %d errors\n",
			res.engine, i+1, run.bare, run.bareCPU, run.lookup, run.lookupCPU, run.lookup/run.bare, run.offered, ms(run.p50), ms(run.p99), run.errors)
		res.runs = append(res.runs, run)
	}
	g1 := db.GroupStats()
	if b := g1.Batches - g0.Batches; b > 0 {
		res.batch = float64(g1.Items-g0.Items) / float64(b)
	}
	return res, nil
}

// noPages is a web surface without pages.
type noPages struct{}

func (noPages) Routes() []httpx.Route { return nil }

func (noPages) RenderError(w http.ResponseWriter, r *http.Request, err error) {
	http.Error(w, hub.ErrorMessage(err), httpx.Status(err))
}

func agencyID(ctx context.Context, a *app.App, name string) string {
	ags, _ := a.Agencies(ctx)
	for _, ag := range ags {
		if ag.Name == name {
			return ag.ID
		}
	}
	return ""
}

var benchGiven = strings.Fields("Aaliyah Aiden Amara Ava Ben Chloe Daniel Eden Ella Ethan Faith Finley Grace Harley Harvey Isla Jack Jayden Kai Layla Leo Lily Logan Maya Mia Noah Olivia Oscar Priya Reuben Riley Ruby Sami Sophie Theo Tyler Zara Zoe")
var benchFamily = strings.Fields("Ahmed Ali Bailey Begum Brown Campbell Clarke Davies Evans Green Hall Harris Hughes Hussain Jackson James Johnson Jones Khan Kowalski Lewis Mistry Morris Nowak Patel Roberts Robinson Shah Singh Smith Taylor Thomas Thompson Walker White Williams Wilson Wood Wright Young")

// benchLoad inserts the children and flags with the store's multi-row
// inserts, a few thousand per transaction, and returns the NHS numbers
// given and those flagged. NHS numbers come from the never-issued 999
// range, which holds about 909,000 valid numbers: past that, children have
// none (as some real children have none).
func benchLoad(ctx context.Context, o benchOptions, a *app.App, res *benchResult) (nhsNumbers, flagged []string, err error) {
	p, err := demo.EnsurePartnership(ctx, a)
	if err != nil {
		return nil, nil, err
	}
	var areas []string
	for _, ar := range demo.Areas {
		areas = append(areas, p.AreaIDs[ar.Code])
	}
	owner := p.AgencyIDs[demo.Agencies[1].Name]
	lead, err := a.CreateUser(ctx, app.System("bench"), app.NewUser{Username: "bench.lead", DisplayName: "Bench Lead", AgencyID: owner,
		Roles: []hub.Role{hub.RolePractitioner}, AreaIDs: areas, Password: "correct-tolerable-orchard-lamp-bench"})
	if err != nil {
		return nil, nil, err
	}
	today := a.Today()
	const batch = 2000
	prefix := 0
	nextNHS := func() string {
		for ; prefix < 1_000_000; prefix++ {
			first9 := fmt.Sprintf("999%06d", prefix)
			if d, ok := ident.NHSCheckDigit(first9); ok {
				prefix++
				return first9 + strconv.Itoa(d)
			}
		}
		return ""
	}
	type kid struct{ id, area, nhs string }
	kids := make([]kid, 0, o.children)
	t0 := time.Now()
	for start := 0; start < o.children; start += batch {
		ps := make([]*hub.Person, 0, batch)
		for i := start; i < min(o.children, start+batch); i++ {
			dob := hub.DateOf(today.Time().AddDate(-(i%17)-1, 0, -(i % 360)))
			pp := &hub.Person{AreaID: areas[i%len(areas)], OwnerAgencyID: owner, GivenName: benchGiven[i%len(benchGiven)], FamilyName: benchFamily[(i/7)%len(benchFamily)],
				DateOfBirth: dob, Sensitivity: hub.SensitivityNormal, Synthetic: true, CreatedBy: "bench"}
			if nhs := nextNHS(); nhs != "" {
				pp.Identifiers = []hub.Identifier{{Kind: hub.IdentNHS, Value: nhs}}
			}
			ps = append(ps, pp)
		}
		if err := a.DB().Tx(ctx, func(tx *store.Tx) error { return tx.CreatePersons(ps) }); err != nil {
			return nil, nil, err
		}
		for _, pp := range ps {
			kids = append(kids, kid{pp.ID, pp.AreaID, pp.Identifier(hub.IdentNHS)})
			if n := pp.Identifier(hub.IdentNHS); n != "" {
				nhsNumbers = append(nhsNumbers, n)
			}
		}
		if done := min(o.children, start+batch); done%100_000 == 0 {
			fmt.Fprintf(o.out, "  %d children (%s)\n", done, time.Since(t0).Round(time.Second))
		}
	}
	res.loadPersons = time.Since(t0)
	res.withNHS = len(nhsNumbers)

	t0 = time.Now()
	step := max(1, len(nhsNumbers)/max(o.flags, 1))
	var fs []*hub.Flag
	cats := hub.FlagCategories
	flush := func() error {
		if len(fs) == 0 {
			return nil
		}
		err := a.DB().Tx(ctx, func(tx *store.Tx) error {
			return tx.CreateFlags(fs, store.FlagEdit{Action: hub.FlagActImport, ActorID: "bench", ActorName: "bench"})
		})
		fs = fs[:0]
		return err
	}
	nth := 0
	for _, k := range kids {
		if len(flagged) >= o.flags {
			break
		}
		if k.nhs == "" {
			continue
		}
		nth++
		if (nth-1)%step != 0 {
			continue
		}
		fs = append(fs, &hub.Flag{PersonID: k.id, AreaID: k.area, OwnerAgencyID: owner, Status: hub.FlagActive, Category: cats[len(flagged)%len(cats)],
			RiskLevel: hub.RiskHigh, Start: hub.DateOf(today.Time().AddDate(0, 0, -30)), ReviewDue: hub.DateOf(today.Time().AddDate(0, 3, 0)),
			Reason: "synthetic bench flag", Advice: "Child at risk of exploitation. Call the hub before discharge.",
			ContactPhone: "+441164541004", ContactHours: "24 hours", LeadUserID: lead.ID})
		flagged = append(flagged, k.nhs)
		if len(fs) == batch {
			if err := flush(); err != nil {
				return nil, nil, err
			}
		}
	}
	if err := flush(); err != nil {
		return nil, nil, err
	}
	res.loadFlags = time.Since(t0)
	res.flagged = len(flagged)
	return nhsNumbers, flagged, a.DB().Optimize(ctx)
}

// benchServe serves h on a fresh loopback port, with the timeouts `safehub
// serve` uses, and returns its URL.
func benchServe(h http.Handler) (string, func(), error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	s := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second,
		IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10, ErrorLog: slog.NewLogLogger(slog.DiscardHandler, slog.LevelWarn)}
	go func() { _ = s.Serve(l) }()
	return "http://" + l.Addr().String(), func() { _ = s.Close() }, nil
}

// closedLoop sends requests on conns keep-alive connections, each waiting
// for its answer before the next, for d, and returns the rate of answers
// and the number that were not 200.
func closedLoop(mk func() *http.Request, conns int, d time.Duration) (float64, int64) {
	tr := &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, DisableCompression: true}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	var done, bad atomic.Int64
	stop := time.Now().Add(d)
	var wg sync.WaitGroup
	start := time.Now()
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(stop) {
				res, err := c.Do(mk())
				if err != nil {
					bad.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					bad.Add(1)
				}
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	return float64(done.Load()) / time.Since(start).Seconds(), bad.Load()
}

// openLoop sends requests at a constant rate for d, whether or not earlier
// ones have been answered (so a slow answer cannot hold back the next
// request: no coordinated omission), and returns each request's latency
// measured from when it was due.
func openLoop(mk func() *http.Request, rate float64, d time.Duration) ([]time.Duration, int64) {
	tr := &http.Transport{MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024, DisableCompression: true}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	n := int(rate * d.Seconds())
	interval := time.Duration(float64(time.Second) / rate)
	lats := make([]time.Duration, n)
	var bad atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for i := range n {
		due := start.Add(time.Duration(i) * interval)
		if w := time.Until(due); w > 0 {
			time.Sleep(w)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := c.Do(mk())
			if err == nil {
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					err = errors.New(res.Status)
				}
			}
			if err != nil {
				bad.Add(1)
			}
			lats[i] = time.Since(due)
		}()
	}
	wg.Wait()
	return lats, bad.Load()
}

func percentile(xs []time.Duration, p float64) time.Duration {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

func median[T int64 | float64 | time.Duration](xs []T) T {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

// benchReport prints the results as the table docs/benchmarks.md keeps.
func benchReport(w io.Writer, o benchOptions, rs []*benchResult) {
	fmt.Fprintf(w, "\nHealth flag look-up: median of %d runs of %s each, %d connections, GOMAXPROCS %d\n\n", o.runs, o.duration, o.conns, runtime.GOMAXPROCS(0))
	fmt.Fprintln(w, "| engine | children (with NHS number) / flags | load | index build (heap) | bare handler | look-up | ratio (goal ≥ 0.5) | rate for latency | p50 | p99 (goal < 10 ms) | audit events per commit | errors |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|---|---|")
	for _, r := range rs {
		var bare, lookup, ratio, offered []float64
		var p50, p99 []time.Duration
		var errs int64
		for _, run := range r.runs {
			bare, lookup, ratio, offered = append(bare, run.bare), append(lookup, run.lookup), append(ratio, run.lookup/run.bare), append(offered, run.offered)
			p50, p99 = append(p50, run.p50), append(p99, run.p99)
			errs += run.errors
		}
		fmt.Fprintf(w, "| %s | %d (%d) / %d | %s + %s | %s (%d MiB) | %.0f req/s | %.0f req/s | %.2f | %.0f req/s | %s | %s | %.1f | %d |\n",
			r.engine, r.children, r.withNHS, r.flagged, r.loadPersons.Round(100*time.Millisecond), r.loadFlags.Round(100*time.Millisecond),
			r.index.Round(10*time.Millisecond), r.indexHeap>>20, median(bare), median(lookup), median(ratio), median(offered), ms(median(p50)), ms(median(p99)), r.batch, errs)
	}
}
