// Package storetest opens real stores for tests, on every engine the run
// asks for (SAFEHUB_TEST_ENGINES, default "sqlite,postgres"): SQLite in a
// temporary file, PostgreSQL in a fresh database on the private cluster
// that pgtest starts. It also provides a settable clock.
//
// A package whose tests use PostgreSQL must call pgtest.Main from its
// TestMain so the cluster is stopped when the tests end.
package storetest

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/safehub/safehub/internal/audit"
	"github.com/safehub/safehub/internal/store"
	"github.com/safehub/safehub/internal/store/pgtest"
)

// Engines returns the engines this test run covers.
func Engines() []string { return pgtest.Engines() }

// Store is an open test store with what is needed to verify its audit log.
type Store struct {
	*store.DB
	// DSN is the SQLite path or PostgreSQL URL it was opened with.
	DSN string
	// SignerKey and VerifierKey are the audit log's keys.
	SignerKey, VerifierKey string
	// Published collects the checkpoints the store published.
	Published *Published
}

// Published is a goroutine-safe list of published checkpoints.
type Published struct {
	mu    sync.Mutex
	notes [][]byte
}

// Add records a published checkpoint.
func (p *Published) Add(signed []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.notes = append(p.notes, append([]byte(nil), signed...))
}

// Notes returns the published checkpoints, oldest first.
func (p *Published) Notes() [][]byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([][]byte(nil), p.notes...)
}

// Options adjust Open.
type Options struct {
	Clock           *Clock
	CheckpointEvery int64
}

// Open opens a fresh, migrated store on engine and closes it at cleanup.
func Open(tb testing.TB, engine string, opt Options) *Store {
	tb.Helper()
	return OpenDSN(tb, NewDSN(tb, engine), opt)
}

// NewDSN returns a fresh, empty database for engine, removed at cleanup: a
// SQLite file path in a temporary directory, or the URL of a new database on
// the shared PostgreSQL cluster (the test is skipped where PostgreSQL cannot
// be had, as [pgtest.Require] does). Tests of migrations open it with
// store.OpenNoMigrate; others want [Open].
func NewDSN(tb testing.TB, engine string) string {
	tb.Helper()
	switch engine {
	case pgtest.EngineSQLite:
		return filepath.Join(tb.TempDir(), "safehub.db")
	case pgtest.EnginePostgres:
		return pgtest.Require(tb).NewDatabase(tb)
	}
	tb.Fatalf("unknown engine %q", engine)
	return ""
}

// OpenDSN opens and migrates the store at dsn (a SQLite file path or a
// PostgreSQL URL, for example a database of a cluster started with
// pgtest.MustStartDurable for a benchmark), with fresh audit keys, and closes
// it at cleanup. The database itself is not removed.
func OpenDSN(tb testing.TB, dsn string, opt Options) *Store {
	tb.Helper()
	skey, vkey, err := audit.GenerateKey("safehub.audit/test")
	if err != nil {
		tb.Fatal(err)
	}
	pub := &Published{}
	opts := store.Options{Audit: store.AuditOptions{SignerKey: skey, Publish: pub.Add, CheckpointEvery: opt.CheckpointEvery}}
	if opt.Clock != nil {
		opts.Clock = opt.Clock
	}
	engine := store.SQLite
	if store.IsPostgres(dsn) {
		engine = store.Postgres
	}
	db, err := store.Open(context.Background(), dsn, opts)
	if err != nil {
		tb.Fatalf("open %s store: %v", engine, err)
	}
	tb.Cleanup(func() { db.Close() })
	return &Store{DB: db, DSN: dsn, SignerKey: skey, VerifierKey: vkey, Published: pub}
}

// Run runs f as a subtest on every engine.
func Run(t *testing.T, f func(t *testing.T, engine string)) {
	t.Helper()
	for _, e := range Engines() {
		t.Run(e, func(t *testing.T) { f(t, e) })
	}
}

// Clock is a settable clock for tests. The zero value starts at a fixed
// instant; it is safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock set to t.
func NewClock(t time.Time) *Clock { return &Clock{now: t.UTC()} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.now.IsZero() {
		c.now = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	}
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Set sets the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t.UTC()
}
