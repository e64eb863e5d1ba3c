// Package store keeps Safehub's records in SQLite (embedded, the default) or
// PostgreSQL. The SQL is written once, with '?' placeholders that are
// rewritten to '$n' for PostgreSQL; the few places where the engines differ
// are marked and show both forms.
//
// Conventions: identifiers are TEXT (random UUIDs from hub.NewID), instants
// are INTEGER/BIGINT microseconds since the Unix epoch in UTC, calendar dates
// are TEXT 'YYYY-MM-DD', every editable record has a version column used for
// optimistic concurrency. Driver errors are translated to hub errors here:
// callers test errors.Is(err, hub.ErrNotFound) and hub.ErrConflict.
//
// The store holds no business rules: authorisation, validation and the
// choice of what to audit belong to the app package, which runs each use
// case inside one transaction (DB.Tx) and appends its audit event through the
// same transaction (Tx.AppendAudit).
//
// It imports hub and audit; nothing above it.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/safehub/safehub/internal/hub"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// Engine names.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

//go:embed migrations
var migrationFS embed.FS

// DB is an open store.
type DB struct {
	db     *sql.DB
	engine string
	clock  hub.Clock
	audit  *auditor
	flags  flagWatchers
	stmts  stmtCache
	group  groupCommit // group.go
}

// Options configure Open.
type Options struct {
	// Clock supplies the time for every transaction; nil means the system clock.
	Clock hub.Clock
	// MaxOpenConns bounds the pool; 0 picks a default per engine.
	MaxOpenConns int
	// Audit configures the audit log's signing and checkpoints.
	Audit AuditOptions
}

// IsPostgres reports whether dsn selects PostgreSQL (a postgres:// or
// postgresql:// URL); anything else is a SQLite file path.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open opens the store named by dsn, applies pending migrations and returns
// it ready for use.
func Open(ctx context.Context, dsn string, opts Options) (*DB, error) {
	db, err := open(dsn, opts)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.db.Close()
		return nil, err
	}
	if err := db.audit.load(ctx, db); err != nil {
		db.db.Close()
		return nil, err
	}
	return db, nil
}

// OpenNoMigrate opens the store without applying migrations, for
// `safehub migrate` and schema checks.
func OpenNoMigrate(dsn string, opts Options) (*DB, error) { return open(dsn, opts) }

func open(dsn string, opts Options) (*DB, error) {
	if dsn == "" {
		return nil, errors.New("no database given: pass --db with a SQLite file path or a postgres:// URL")
	}
	d := &DB{clock: opts.Clock}
	if d.clock == nil {
		d.clock = hub.SystemClock{}
	}
	var err error
	if IsPostgres(dsn) {
		d.engine = Postgres
		d.db, err = sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		n := opts.MaxOpenConns
		if n == 0 {
			n = 20
		}
		d.db.SetMaxOpenConns(n)
		d.db.SetMaxIdleConns(n)
		d.db.SetConnMaxIdleTime(5 * time.Minute)
	} else {
		d.engine = SQLite
		d.db, err = sql.Open("sqlite", sqliteDSN(dsn))
		if err != nil {
			return nil, fmt.Errorf("open sqlite %s: %w", dsn, err)
		}
		// Writers queue on SQLite's single write lock; a few connections let
		// readers proceed under WAL while one writes.
		n := opts.MaxOpenConns
		if n == 0 {
			n = 8
		}
		d.db.SetMaxOpenConns(n)
		d.db.SetMaxIdleConns(n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := d.db.PingContext(ctx); err != nil {
		d.db.Close()
		return nil, fmt.Errorf("connect to %s database: %w", d.engine, err)
	}
	d.audit, err = newAuditor(opts.Audit)
	if err != nil {
		d.db.Close()
		return nil, err
	}
	return d, nil
}

// sqliteDSN builds the modernc.org/sqlite connection string. The pragmas are
// in the DSN so that every pooled connection gets them:
//   - busy_timeout first, so that the journal-mode change itself waits for
//     other connections rather than failing with SQLITE_BUSY;
//   - WAL, so readers do not block the writer;
//   - synchronous=FULL, so a commit survives power loss, not only a crash;
//   - foreign_keys, off by default in SQLite;
//   - mmap_size and cache_size, so reads are served from memory;
//   - _txlock=immediate, so a transaction takes the write lock at BEGIN and
//     never fails half-way with SQLITE_BUSY when upgrading from a read.
func sqliteDSN(path string) string {
	if path == ":memory:" {
		// A shared in-memory database needs a name; tests use files instead.
		path = "file::memory:?cache=shared"
	}
	v := url.Values{}
	v.Add("_pragma", "busy_timeout(10000)")
	v.Add("_pragma", "journal_mode(WAL)")
	v.Add("_pragma", "synchronous(FULL)")
	v.Add("_pragma", "foreign_keys(ON)")
	// Reads go through a memory map and a larger page cache: without them
	// every connection of the pool re-reads pages with read(2), which
	// dominated search time at 100k persons.
	v.Add("_pragma", "mmap_size(1073741824)")
	v.Add("_pragma", "cache_size(-65536)")
	v.Set("_txlock", "immediate")
	v.Set("_time_format", "sqlite")
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	} else if !strings.HasPrefix(path, "file:") {
		path = "file:" + filepath.ToSlash(path)
	}
	return path + sep + v.Encode()
}

// Engine returns SQLite or Postgres.
func (db *DB) Engine() string { return db.engine }

// Now returns the store clock's time, truncated to the stored precision.
func (db *DB) Now() time.Time { return db.clock.Now().UTC().Truncate(time.Microsecond) }

// SQL returns the underlying database handle, for tests and diagnostics.
func (db *DB) SQL() *sql.DB { return db.db }

// Close closes the store. On SQLite it first runs PRAGMA optimize.
func (db *DB) Close() error {
	db.closeGroup()
	if db.engine == SQLite {
		_, _ = db.db.Exec("PRAGMA optimize")
	}
	return db.db.Close()
}

// Optimize refreshes the query planner's statistics: PRAGMA optimize on
// SQLite (cheap; it analyses only what changed enough), ANALYZE on
// PostgreSQL. Call it after bulk loads and every few hours; without
// statistics SQLite can pick a much slower plan for searches.
func (db *DB) Optimize(ctx context.Context) error {
	q := `PRAGMA optimize`
	if db.engine == Postgres {
		q = `ANALYZE`
	}
	_, err := db.db.ExecContext(ctx, q)
	return err
}

// Ping checks the database answers, for /healthz.
func (db *DB) Ping(ctx context.Context) error { return db.db.PingContext(ctx) }

// Tx is one transaction. It carries a single "now" so that every timestamp a
// use case writes is the same instant.
type Tx struct {
	tx    *sql.Tx
	db    *DB
	ctx   context.Context
	now   time.Time
	after []func()
	undo  []func()
	// events counts audit events appended in this transaction; pending
	// holds them until they are written, just before commit.
	events  int
	pending []*hub.AuditEvent
}

// Now returns the transaction's time.
func (tx *Tx) Now() time.Time { return tx.now }

// Context returns the transaction's context.
func (tx *Tx) Context() context.Context { return tx.ctx }

// AfterCommit registers fn to run once the transaction has committed.
func (tx *Tx) AfterCommit(fn func()) { tx.after = append(tx.after, fn) }

// OnRollback registers fn to run if the transaction does not commit (fn
// or the commit failed): to release what a use case reserved for after
// commit.
func (tx *Tx) OnRollback(fn func()) { tx.undo = append(tx.undo, fn) }

// Tx runs fn inside one transaction and commits if fn returns nil. On
// PostgreSQL a serialization failure or deadlock is retried a few times; fn
// must therefore have no effects outside the transaction.
func (db *DB) Tx(ctx context.Context, fn func(tx *Tx) error) error {
	return db.run(ctx, nil, fn)
}

// Read runs fn in a read-only transaction: one consistent snapshot that
// takes no write lock (on SQLite a deferred BEGIN rather than BEGIN
// IMMEDIATE). fn must not write; audited reads use Tx, since the audit event
// is a write.
func (db *DB) Read(ctx context.Context, fn func(tx *Tx) error) error {
	return db.run(ctx, &sql.TxOptions{ReadOnly: true}, fn)
}

func (db *DB) run(ctx context.Context, opts *sql.TxOptions, fn func(tx *Tx) error) error {
	for attempt := 0; ; attempt++ {
		err := db.tx1(ctx, opts, fn)
		if err != nil && attempt < 4 && isRetryable(err) {
			time.Sleep(time.Duration(attempt+1) * 5 * time.Millisecond)
			continue
		}
		return err
	}
}

func (db *DB) tx1(ctx context.Context, opts *sql.TxOptions, fn func(tx *Tx) error) error {
	sqlTx, err := db.db.BeginTx(ctx, opts)
	if err != nil {
		return db.translate(fmt.Errorf("begin: %w", err))
	}
	tx := &Tx{tx: sqlTx, db: db, ctx: ctx, now: db.Now()}
	committed := false
	defer func() {
		if !committed {
			sqlTx.Rollback()
			for _, f := range tx.undo {
				f()
			}
		}
	}()
	if err := fn(tx); err != nil {
		return err
	}
	if tx.events > 0 {
		if err := db.audit.finish(tx); err != nil {
			return &wrapped{errAuditUnavailable, err}
		}
	}
	if err := sqlTx.Commit(); err != nil {
		return db.translate(fmt.Errorf("commit: %w", err))
	}
	committed = true
	for _, f := range tx.after {
		f()
	}
	return nil
}

// rebind rewrites '?' placeholders to PostgreSQL's '$n'. Queries never
// contain a literal '?' in a string, so a plain scan is enough.
func (db *DB) rebind(q string) string {
	if db.engine != Postgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

func (tx *Tx) exec(q string, args ...any) (sql.Result, error) {
	if st := tx.stmt(q); st != nil {
		r, err := st.ExecContext(tx.ctx, args...)
		return r, tx.db.translate(err)
	}
	r, err := tx.tx.ExecContext(tx.ctx, tx.db.rebind(q), args...)
	return r, tx.db.translate(err)
}

func (tx *Tx) query(q string, args ...any) (*sql.Rows, error) {
	if st := tx.stmt(q); st != nil {
		r, err := st.QueryContext(tx.ctx, args...)
		return r, tx.db.translate(err)
	}
	r, err := tx.tx.QueryContext(tx.ctx, tx.db.rebind(q), args...)
	return r, tx.db.translate(err)
}

func (tx *Tx) queryRow(q string, args ...any) *sql.Row {
	if st := tx.stmt(q); st != nil {
		return st.QueryRowContext(tx.ctx, args...)
	}
	return tx.tx.QueryRowContext(tx.ctx, tx.db.rebind(q), args...)
}

// Prepared statements (SQLite only: pgx already caches them per
// connection). SQLite parses every statement it is given, and parsing was a
// tenth of the flag look-up's time, so the store prepares each distinct
// query once and runs it through the transaction. The cache is bounded: past
// maxStatements distinct queries, new ones run unprepared.
const (
	maxStatements     = 2000
	maxStatementBytes = 16 << 10
)

type stmtCache struct {
	mu sync.RWMutex
	m  map[string]*sql.Stmt
}

// stmt returns the transaction's handle on the cached prepared statement for
// q, preparing it first if needed, or nil when q is not to be cached.
func (tx *Tx) stmt(q string) *sql.Stmt {
	db := tx.db
	if db.engine != SQLite || len(q) > maxStatementBytes {
		return nil
	}
	c := &db.stmts
	c.mu.RLock()
	st, ok := c.m[q]
	n := len(c.m)
	c.mu.RUnlock()
	if !ok {
		if n >= maxStatements {
			return nil
		}
		c.mu.Lock()
		if st, ok = c.m[q]; !ok {
			// Preparing on the pool needs an idle connection; when every
			// connection is busy (writers queued behind this transaction's
			// write lock) waiting for one would deadlock until the busy
			// timeout, so give up at once and run this query unprepared.
			ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
			var err error
			st, err = db.db.PrepareContext(ctx, q)
			cancel()
			if err != nil {
				c.mu.Unlock()
				return nil // the unprepared path reports any real error
			}
			if c.m == nil {
				c.m = map[string]*sql.Stmt{}
			}
			c.m[q] = st
		}
		c.mu.Unlock()
	}
	return tx.tx.StmtContext(tx.ctx, st)
}

// Migrate applies every embedded migration not yet applied, each in its own
// transaction, in version order.
func (db *DB) Migrate(ctx context.Context) error {
	if _, err := db.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	files, err := migrations(db.engine)
	if err != nil {
		return err
	}
	applied := map[int]bool{}
	rows, err := db.db.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("read schema_migrations: %w", err)
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return err
		}
		applied[v] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, m := range files {
		if applied[m.version] {
			continue
		}
		body, err := fs.ReadFile(migrationFS, m.path)
		if err != nil {
			return err
		}
		tx, err := db.db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		if _, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`), m.version, m.name, db.Now().UnixMicro()); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	return nil
}

// MigrationStatus lists the embedded migrations and whether each is applied.
func (db *DB) MigrationStatus(ctx context.Context) ([]Migration, error) {
	files, err := migrations(db.engine)
	if err != nil {
		return nil, err
	}
	applied := map[int]bool{}
	rows, err := db.db.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err == nil {
		for rows.Next() {
			var v int
			if rows.Scan(&v) == nil {
				applied[v] = true
			}
		}
		rows.Close()
	}
	out := make([]Migration, len(files))
	for i, f := range files {
		out[i] = Migration{Version: f.version, Name: f.name, Applied: applied[f.version]}
	}
	return out, nil
}

// Migration is one embedded schema migration.
type Migration struct {
	Version int
	Name    string
	Applied bool
}

type migrationFile struct {
	version int
	name    string
	path    string
}

func migrations(engine string) ([]migrationFile, error) {
	dir := "migrations/" + engine
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var out []migrationFile
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		v, err := strconv.Atoi(strings.SplitN(name, "_", 2)[0])
		if err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a version number", name)
		}
		out = append(out, migrationFile{version: v, name: strings.TrimSuffix(name, ".sql"), path: dir + "/" + name})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// Setting returns a stored setting, or "" when unset.
func (tx *Tx) Setting(name string) (string, error) {
	var v string
	err := tx.queryRow(`SELECT value FROM settings WHERE name = ?`, name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, tx.db.translate(err)
}

// SettingOrSet returns a setting, first storing value under name if no
// value is there yet. When several servers race, one value wins and every
// one of them gets it.
func (tx *Tx) SettingOrSet(name, value string) (string, error) {
	if _, err := tx.exec(`INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`, name, value); err != nil {
		return "", err
	}
	return tx.Setting(name)
}

// SetSetting stores a setting.
func (tx *Tx) SetSetting(name, value string) error {
	// Both engines support INSERT … ON CONFLICT … DO UPDATE (SQLite ≥ 3.24).
	_, err := tx.exec(`INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value`, name, value)
	return err
}

func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func fromMicros(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}

func dateText(d hub.Date) string { return d.String() }

func parseDateText(s string) hub.Date {
	if s == "" {
		return hub.Date{}
	}
	d, err := hub.ParseDate("date", s)
	if err != nil {
		return hub.Date{}
	}
	return d
}

func joinList[T ~string](xs []T) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = string(x)
	}
	return strings.Join(s, ",")
}

func splitList[T ~string](s string) []T {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, ",")
	out := make([]T, len(parts))
	for i, p := range parts {
		out[i] = T(p)
	}
	return out
}

func itoa(n int) string { return strconv.Itoa(n) }
