package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/ident"
	"github.com/safehub/safehub/internal/store"
	"github.com/safehub/safehub/internal/store/pgtest"
	"github.com/safehub/safehub/internal/store/storetest"
)

// Store benchmarks. Run them one at a time, for example
//
//	go test -run '^$' -bench 'AuditAppend' -count 1 ./internal/store/
//	go test -run '^$' -bench 'PersonSearch' -count 1 ./internal/store/
//	go test -run '^$' -bench 'VerifyStore' -benchtime 1x -timeout 30m ./internal/store/
//
// The expensive fixtures (100,000 persons, a log of a million events) are
// built once per benchmark per engine and kept while the benchmark runs with
// growing b.N; building them is never timed.

// parentTB hands a sub-benchmark's Cleanup and TempDir to its parent, so
// that what the sub-benchmark builds on its first run outlives that run and
// serves the later ones (a benchmark function runs again for each b.N).
// Everything else, Fatal and Skip included, stays with the sub-benchmark.
type parentTB struct {
	testing.TB
	parent testing.TB
}

func (p parentTB) Cleanup(f func()) { p.parent.Cleanup(f) }
func (p parentTB) TempDir() string  { return p.parent.TempDir() }

// BenchmarkAuditAppend measures audit appends with durable commits: SQLite
// with synchronous=FULL (as the store's DSN has it), PostgreSQL on a private
// cluster with fsync and synchronous_commit on. events=1 is one event per
// transaction (an audited read); events=100 is a hundred per transaction.
func BenchmarkAuditAppend(b *testing.B) {
	for _, engine := range storetest.Engines() {
		b.Run(engine, func(b *testing.B) {
			var durable *pgtest.Cluster
			if engine == pgtest.EnginePostgres {
				durable = pgtest.MustStartDurable(b) // stopped when this engine's runs end
			}
			for _, per := range []int{1, 100} {
				b.Run(fmt.Sprintf("events=%d", per), func(b *testing.B) {
					var db *storetest.Store
					if durable != nil {
						db = storetest.OpenDSN(b, durable.NewDatabase(b), storetest.Options{})
					} else {
						db = storetest.Open(b, engine, storetest.Options{})
					}
					ctx := context.Background()
					i := 0
					b.ResetTimer()
					for range b.N {
						err := db.Tx(ctx, func(tx *store.Tx) error {
							for k := range per {
								if err := tx.AppendAudit(newEvent(i + k)); err != nil {
									return err
								}
							}
							return nil
						})
						if err != nil {
							b.Fatal(err)
						}
						i += per
					}
					b.StopTimer()
					b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tx/s")
					b.ReportMetric(float64(b.N*per)/b.Elapsed().Seconds(), "events/s")
				})
			}
		})
	}
}

// population is a loaded store of synthetic persons and the searches to run
// against it.
type population struct {
	db       *storetest.Store
	scope    store.PersonScope
	searches []search
	loadTime time.Duration
	persons  int
}

type search struct {
	kind   string
	filter store.PersonFilter
	// shared marks the searches of someone who also holds shares (the
	// scope lists persons elsewhere); they are timed apart from the mix.
	shared bool
}

// Name lists for the synthetic population. Family names are built from a
// stem and an ending (Ashford, Ashley, …) so that a three-letter prefix
// matches several names, and hundreds of persons in an area.
var (
	givenNames = strings.Fields(`Olivia Amelia Isla Ava Ivy Freya Lily Florence Mia Willow Rosie Sophia Isabella Grace Daisy
		Sienna Poppy Elsie Emily Ella Evelyn Phoebe Sofia Evie Charlotte Harper Millie Matilda Maya Sophie Alice Emilia
		Isabelle Ruby Sienna Zoë Chloé Siân Niamh Aoife Ffion Layla Aisha Fatima Maryam Zara Hannah Nour Oliwia Zuzanna
		Noah Muhammad George Oliver Leo Arthur Oscar Theodore Theo Freddie Henry Archie Alfie Charlie Finley Jack Jacob
		Thomas Lucas Tommy Isaac Roman Albie Ezra Harrison Teddy Edward Tobias Mason Reggie Hugo Rory Ronnie Louie Elijah
		Sonny Harry Ibrahim Yusuf Omar Ali Adam Amir Dylan Rhys Owen Callum Kai Łukasz Jakub Filip Mateusz Darius Emre`)
	familyStems   = strings.Fields(`Ash Black Bright Brook Clay Cole Cran Dal Dun East Elm Fair Field Grey Hal Hart Hol Kings Lang Mar Mid Mor New North Oak Pen Red Rother Stan Wal`)
	familyEndings = strings.Fields(`ford ley ton wood well by field ham worth`)
	towns         = strings.Fields(`Northtown Southport Eastham Westbury Midvale`)
)

func familyNames() []string {
	var out []string
	for _, s := range familyStems {
		for _, e := range familyEndings {
			out = append(out, s+e)
		}
	}
	return out
}

// syntheticPerson returns the i-th synthetic person: deterministic, with a
// valid NHS number in the never-issued 999 range, one address, a phone for
// half, a nickname for one in ten, and one in thirty restricted.
func syntheticPerson(rng *rand.Rand, i int, areas []*hub.Area, agency *hub.Agency, families []string) *hub.Person {
	given := givenNames[rng.IntN(len(givenNames))]
	family := families[rng.IntN(len(families))]
	born := time.Date(2005, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, rng.IntN(21*365))
	p := &hub.Person{
		AreaID: areas[i%len(areas)].ID, OwnerAgencyID: agency.ID,
		GivenName: given, FamilyName: family, DateOfBirth: hub.DateOf(born),
		Sex: []hub.Sex{hub.SexFemale, hub.SexMale}[rng.IntN(2)], Sensitivity: hub.SensitivityNormal, Synthetic: true,
		Addresses: []hub.Address{{Line1: fmt.Sprintf("%d %s Road", 1+rng.IntN(200), familyStems[rng.IntN(len(familyStems))]),
			Town: towns[i%len(towns)], Postcode: fmt.Sprintf("NT%d %d%c%c", 1+rng.IntN(20), rng.IntN(10), 'A'+rng.IntN(26), 'A'+rng.IntN(26))}},
		Identifiers: []hub.Identifier{{Kind: hub.IdentNHS, Value: nhsNumber(i)}},
	}
	if rng.IntN(2) == 0 {
		p.Phones = []hub.Phone{{Number: fmt.Sprintf("+447700%06d", i), Kind: "mobile"}}
	}
	if rng.IntN(10) == 0 {
		p.Aliases = []hub.Alias{{GivenName: givenNames[rng.IntN(len(givenNames))], Kind: "nickname"}}
	}
	if rng.IntN(30) == 0 {
		p.Sensitivity = hub.SensitivityRestricted
	}
	return p
}

// loadPopulation creates n synthetic persons in 5 areas, in transactions
// of 2,000, and prepares a mix of searches scoped to the first area, each
// built from a person in that area so that it finds something: a surname
// prefix of 3 or 5 letters (tens to hundreds of matches), given and family
// name, name and date of birth, and an NHS number.
func loadPopulation(tb testing.TB, engine string, n int) *population {
	tb.Helper()
	db := storetest.Open(tb, engine, storetest.Options{})
	agency := &hub.Agency{Name: "Benchshire Council", Kind: hub.AgencySocialCare}
	var areas []*hub.Area
	for i := range 5 {
		areas = append(areas, &hub.Area{Code: fmt.Sprintf("A%02d", i), Name: fmt.Sprintf("Area %d", i)})
	}
	mustTx(tb, db, func(tx *store.Tx) error {
		if err := tx.CreateAgency(agency); err != nil {
			return err
		}
		for _, a := range areas {
			if err := tx.CreateArea(a); err != nil {
				return err
			}
		}
		return nil
	})
	families := familyNames()
	rng := rand.New(rand.NewPCG(2026, 3))
	var inScope, elsewhere []*hub.Person
	start := time.Now()
	const batch = 2000
	for first := 0; first < n; first += batch {
		var ps []*hub.Person
		for i := first; i < min(first+batch, n); i++ {
			p := syntheticPerson(rng, i, areas, agency, families)
			ps = append(ps, p)
		}
		mustTx(tb, db, func(tx *store.Tx) error {
			for _, p := range ps {
				p.ID = ""
				if err := tx.CreatePerson(p); err != nil {
					return err
				}
			}
			return nil
		})
		for _, p := range ps {
			if p.AreaID == areas[0].ID && p.Sensitivity == hub.SensitivityNormal {
				inScope = append(inScope, p)
			} else if p.AreaID != areas[0].ID && len(elsewhere) < 5 {
				elsewhere = append(elsewhere, p)
			}
		}
	}
	load := time.Since(start)
	// Fresh statistics, as a loaded production database would have
	// (same statement on both engines).
	if _, err := db.SQL().Exec(`ANALYZE`); err != nil {
		tb.Fatal(err)
	}

	pop := &population{db: db, scope: store.PersonScope{AreaIDs: []string{areas[0].ID}}, loadTime: load, persons: n}
	pick := rand.New(rand.NewPCG(7, 7))
	for k := range 100 {
		p := inScope[pick.IntN(len(inScope))]
		f := store.PersonFilter{Scope: pop.scope, Limit: 50}
		var kind string
		switch {
		case k < 25:
			kind, f.Name = "surname3", ident.NameKey(p.FamilyName)[:3]
		case k < 40:
			kind, f.Name = "surname5", ident.NameKey(p.FamilyName)[:5]
		case k < 65:
			kind, f.Name = "given+family", p.GivenName+" "+p.FamilyName
		case k < 85:
			kind, f.Name, f.DateOfBirth = "name+dob", p.FamilyName, p.DateOfBirth
		default:
			kind, f.Identifier = "nhs", p.Identifiers[0]
		}
		pop.searches = append(pop.searches, search{kind: kind, filter: f})
		if kind == "surname3" {
			// The same search by someone who holds shares of five
			// children elsewhere.
			g := f
			g.Scope.IDs = nil
			for _, q := range elsewhere {
				g.Scope.IDs = append(g.Scope.IDs, q.ID)
			}
			pop.searches = append(pop.searches, search{kind: "surname3+shared", filter: g, shared: true})
		}
	}
	return pop
}

// BenchmarkPersonSearch times a realistic mix of person searches over
// 100,000 synthetic persons in 5 areas, scoped to one area, one read
// transaction per search. Each op runs the whole mix of 100 searches;
// p50-ms and p95-ms are over every search timed, and <kind>-p95-ms per kind.
// Each surname3 search is run again as by someone who also holds shares of
// five children elsewhere (surname3+shared), timed apart from the mix.
func BenchmarkPersonSearch(b *testing.B) {
	const n = 100_000
	for _, engine := range storetest.Engines() {
		var pop *population
		parent := b
		b.Run(engine, func(b *testing.B) {
			if pop == nil {
				pop = loadPopulation(parentTB{b, parent}, engine, n)
				b.Logf("%s: loaded %d persons in %v (%.0f persons/s)", engine, n, pop.loadTime.Round(time.Millisecond), float64(n)/pop.loadTime.Seconds())
			}
			ctx := context.Background()
			var all []time.Duration
			byKind := map[string][]time.Duration{}
			hits := map[string]int{}
			b.ResetTimer()
			for range b.N {
				for _, s := range pop.searches {
					var total int
					t := time.Now()
					err := pop.db.Read(ctx, func(tx *store.Tx) error {
						var err error
						_, total, err = tx.FindPersons(s.filter)
						return err
					})
					d := time.Since(t)
					if err != nil {
						b.Fatalf("FindPersons(%+v): %v", s.filter, err)
					}
					if total == 0 {
						b.Fatalf("FindPersons(%s %+v) found nothing", s.kind, s.filter)
					}
					if !s.shared {
						all = append(all, d)
					}
					byKind[s.kind] = append(byKind[s.kind], d)
					hits[s.kind] += total
				}
			}
			b.StopTimer()
			b.ReportMetric(percentileMS(all, 50), "p50-ms")
			b.ReportMetric(percentileMS(all, 95), "p95-ms")
			for kind, ds := range byKind {
				b.ReportMetric(percentileMS(ds, 95), kind+"-p95-ms")
			}
			b.ReportMetric(float64(hits["surname3"])/float64(len(byKind["surname3"])), "surname3-hits")
			b.ReportMetric(pop.loadTime.Seconds(), "load-s")
		})
	}
}

// percentileMS returns the p-th percentile of ds in milliseconds (nearest
// rank).
func percentileMS(ds []time.Duration, p float64) float64 {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	k := int(float64(len(s))*p/100+0.5) - 1
	k = max(0, min(k, len(s)-1))
	return float64(s[k]) / float64(time.Millisecond)
}

// verifyLog is a store holding a large audit log.
type verifyLog struct {
	db        *storetest.Store
	events    int64
	buildTime time.Duration
}

// verifySize is the log size BenchmarkVerifyStore builds per engine.
var verifySize = map[string]int64{store.SQLite: 1_000_000, store.Postgres: 1_000_000}

// BenchmarkVerifyStore builds a large audit log through AppendAudit, 10,000
// events per transaction (a checkpoint with each), then times VerifyAudit
// over the whole of it with the published checkpoints. build-s is the time
// to build the log (not part of the timed loop), verify-s the time of one
// verification.
func BenchmarkVerifyStore(b *testing.B) {
	for _, engine := range storetest.Engines() {
		var log *verifyLog
		parent := b
		b.Run(engine, func(b *testing.B) {
			if log == nil {
				log = buildLog(parentTB{b, parent}, engine, verifySize[engine])
				b.Logf("%s: built %d events in %v (%.0f events/s)", engine, log.events, log.buildTime.Round(time.Millisecond), float64(log.events)/log.buildTime.Seconds())
			}
			v := verifier(b, log.db)
			published := log.db.Published.Notes()
			ctx := context.Background()
			b.ResetTimer()
			for range b.N {
				rep, err := log.db.VerifyAudit(ctx, v, published)
				if err != nil {
					b.Fatal(err)
				}
				if !rep.OK() || rep.Entries != log.events {
					b.Fatalf("VerifyAudit() = %d entries, %v; want %d, OK", rep.Entries, rep.Problems, log.events)
				}
			}
			b.StopTimer()
			per := b.Elapsed().Seconds() / float64(b.N)
			b.ReportMetric(float64(log.events), "events")
			b.ReportMetric(per, "verify-s")
			b.ReportMetric(float64(log.events)/per, "verified-events/s")
			b.ReportMetric(log.buildTime.Seconds(), "build-s")
		})
	}
}

func buildLog(tb testing.TB, engine string, n int64) *verifyLog {
	tb.Helper()
	db := storetest.Open(tb, engine, storetest.Options{CheckpointEvery: 10_000})
	ctx := context.Background()
	const perTx = 10_000
	start := time.Now()
	for first := int64(0); first < n; first += perTx {
		err := db.Tx(ctx, func(tx *store.Tx) error {
			for i := first; i < min(first+perTx, n); i++ {
				if err := tx.AppendAudit(newEvent(int(i))); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
	return &verifyLog{db: db, events: n, buildTime: time.Since(start)}
}
