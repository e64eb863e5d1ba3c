package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/auth"
	"github.com/safehub/safehub/internal/demo"
	"github.com/safehub/safehub/internal/store"
	"github.com/safehub/safehub/internal/store/pgtest"
)

// hubFixture is a database for the command to work on, with its audit key
// and checkpoint file in a temporary directory.
type hubFixture struct {
	engine  string
	dir     string
	dsn     string // SQLite path or PostgreSQL URL
	keyFile string
	cpFile  string
}

// newHub makes an empty database on engine (not yet migrated).
func newHub(t testing.TB, engine string) *hubFixture {
	t.Helper()
	h := &hubFixture{engine: engine, dir: t.TempDir()}
	switch engine {
	case pgtest.EngineSQLite:
		h.dsn = filepath.Join(h.dir, "safehub.db")
	case pgtest.EnginePostgres:
		h.dsn = pgtest.Require(t).NewDatabase(t)
	default:
		t.Fatalf("unknown engine %q", engine)
	}
	h.keyFile = filepath.Join(h.dir, "keys", "audit.key")
	h.cpFile = filepath.Join(h.dir, "checkpoints.log")
	return h
}

// cli returns a command runner whose environment names the fixture's
// database, key and checkpoint file, as an operator's would.
func (h *hubFixture) cli() cli {
	return cli{env: map[string]string{
		"SAFEHUB_DB":              h.dsn,
		"SAFEHUB_AUDIT_KEY_FILE":  h.keyFile,
		"SAFEHUB_CHECKPOINT_FILE": h.cpFile,
	}}
}

// testAppConfig is the app configuration for tests: cheap password hashing.
func testAppConfig() *app.Config {
	cfg := app.DefaultConfig()
	cfg.PasswordParams = auth.MinimumParams
	return &cfg
}

// open opens the fixture's store (migrating it) and an app over it, signing
// with the fixture's audit key and publishing checkpoints to its file.
func (h *hubFixture) open(t testing.TB) (*store.DB, *app.App) {
	t.Helper()
	skey, err := loadOrCreateAuditKey(h.keyFile)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	db, err := store.Open(context.Background(), h.dsn, store.Options{Audit: store.AuditOptions{SignerKey: skey, Publish: checkpointPublisher(h.cpFile, log)}})
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(db, *testAppConfig(), nil, log)
	if err != nil {
		db.Close()
		t.Fatal(err)
	}
	return db, a
}

// seed fills the database with the demo partnership.
func (h *hubFixture) seed(t testing.TB) {
	t.Helper()
	db, a := h.open(t)
	defer db.Close()
	if err := demo.Seed(context.Background(), a); err != nil {
		t.Fatalf("demo.Seed: %v", err)
	}
}

// sqlDB opens the database directly, bypassing the store, for tampering and
// counting. Statements use $n placeholders, which both drivers accept.
func (h *hubFixture) sqlDB(t testing.TB) *sql.DB {
	t.Helper()
	driver, dsn := "sqlite", h.dsn
	if h.engine == pgtest.EnginePostgres {
		driver = "pgx"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// count returns SELECT COUNT(*) FROM table.
func (h *hubFixture) count(t testing.TB, table string) int {
	t.Helper()
	db := h.sqlDB(t)
	defer db.Close() // at once: an open SQLite connection would see a restored file
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// startMain starts the server on the fixture's database on 127.0.0.1:0 and
// stops it at cleanup.
func (h *hubFixture) startMain(t testing.TB, configure func(*Main)) *Main {
	t.Helper()
	m := &Main{
		Config: Config{
			Addr:            "127.0.0.1:0",
			DB:              h.dsn,
			AuditKeyFile:    h.keyFile,
			CheckpointFile:  h.cpFile,
			LogFormat:       "text",
			LogLevel:        "error",
			IdleTimeout:     15 * time.Minute,
			AbsoluteTimeout: 10 * time.Hour,
		},
		AppConfig: testAppConfig(),
		Log:       slog.New(slog.DiscardHandler),
	}
	if configure != nil {
		configure(m)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := m.Open(ctx); err != nil {
		cancel()
		m.Close()
		t.Fatalf("Main.Open: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		if err := m.Close(); err != nil {
			t.Errorf("Main.Close: %v", err)
		}
	})
	return m
}

// getJSON fetches url with a bearer token and decodes a JSON body into v
// (when the status is 200), returning the status.
func getJSON(t testing.TB, url, token string, v any) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	c := &http.Client{Timeout: 10 * time.Second}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode == http.StatusOK && v != nil {
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatalf("GET %s: %v\n%s", url, err, body)
		}
	}
	return res.StatusCode
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
