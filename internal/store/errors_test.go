package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
	"github.com/safehub/safehub/internal/store/storetest"
)

// TestDriverErrorsTranslated checks that not-found, conflict and
// missing-reference errors reach callers as hub errors: errors.Is works with the hub sentinels, the error
// is not itself a driver error, and its user-facing message says nothing of
// SQL or the driver.
func TestDriverErrorsTranslated(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		db, _ := openStore(t, engine)
		w := seedWorld(t, db)
		p := fullPerson(w)
		mustTx(t, db, func(tx *store.Tx) error { return tx.CreatePerson(p) })
		s := &hub.Session{IDHash: []byte("s1"), UserID: w.user.ID, CreatedAt: db.Now(), LastSeenAt: db.Now(), ExpiresAt: db.Now()}
		c := &hub.APIClient{Name: "c", AgencyID: w.police.ID, Scopes: []hub.Scope{hub.ScopeFlagRead}, TokenHash: []byte("t1"), TokenPrefix: "p"}
		mustTx(t, db, func(tx *store.Tx) error {
			if err := tx.CreateSession(s); err != nil {
				return err
			}
			return tx.CreateAPIClient(c)
		})
		missing := hub.NewID()
		tests := []struct {
			name string
			fn   func(tx *store.Tx) error
			want error
		}{
			{"Agency", func(tx *store.Tx) error { _, err := tx.Agency(missing); return err }, hub.ErrNotFound},
			{"Area", func(tx *store.Tx) error { _, err := tx.Area(missing); return err }, hub.ErrNotFound},
			{"User", func(tx *store.Tx) error { _, err := tx.User(missing); return err }, hub.ErrNotFound},
			{"UserByUsername", func(tx *store.Tx) error { _, err := tx.UserByUsername("nobody"); return err }, hub.ErrNotFound},
			{"Person", func(tx *store.Tx) error { _, err := tx.Person(missing); return err }, hub.ErrNotFound},
			{"Session", func(tx *store.Tx) error { _, err := tx.Session([]byte("none")); return err }, hub.ErrNotFound},
			{"APIClient", func(tx *store.Tx) error { _, err := tx.APIClient(missing); return err }, hub.ErrNotFound},
			{"UpdateAgency missing", func(tx *store.Tx) error { return tx.UpdateAgency(&hub.Agency{ID: missing, Name: "x", Version: 1}) }, hub.ErrNotFound},
			{"UpdatePerson missing", func(tx *store.Tx) error {
				q := *p
				q.ID = missing
				return tx.UpdatePerson(&q)
			}, hub.ErrNotFound},
			{"ReviewBreakGlass missing", func(tx *store.Tx) error { return tx.ReviewBreakGlass(missing, "dpo") }, hub.ErrNotFound},
			{"duplicate agency", func(tx *store.Tx) error {
				return tx.CreateAgency(&hub.Agency{Name: w.police.Name, Kind: hub.AgencyPolice})
			}, hub.ErrConflict},
			{"duplicate area", func(tx *store.Tx) error { return tx.CreateArea(&hub.Area{Code: w.north.Code, Name: "x"}) }, hub.ErrConflict},
			{"duplicate username", func(tx *store.Tx) error {
				return tx.CreateUser(&hub.User{Username: w.user.Username, DisplayName: "x", AgencyID: w.police.ID, Roles: []hub.Role{hub.RolePolice}})
			}, hub.ErrConflict},
			{"duplicate identifier", func(tx *store.Tx) error {
				return tx.CreatePerson(&hub.Person{AreaID: w.north.ID, OwnerAgencyID: w.police.ID, GivenName: "x", Identifiers: p.Identifiers[1:2]})
			}, hub.ErrConflict},
			{"duplicate session", func(tx *store.Tx) error { return tx.CreateSession(s) }, hub.ErrConflict},
			{"duplicate token", func(tx *store.Tx) error {
				d := *c
				d.ID = ""
				return tx.CreateAPIClient(&d)
			}, hub.ErrConflict},
			{"stale person", func(tx *store.Tx) error {
				q := *p
				q.Version = 0
				return tx.UpdatePerson(&q)
			}, hub.ErrConflict},
			{"person in a missing area", func(tx *store.Tx) error {
				return tx.CreatePerson(&hub.Person{AreaID: missing, OwnerAgencyID: w.police.ID, GivenName: "x"})
			}, hub.ErrInvalid},
			{"user of a missing agency", func(tx *store.Tx) error {
				return tx.CreateUser(&hub.User{Username: "new", DisplayName: "x", AgencyID: missing, Roles: []hub.Role{hub.RolePolice}})
			}, hub.ErrInvalid},
			{"session of a missing user", func(tx *store.Tx) error {
				return tx.CreateSession(&hub.Session{IDHash: []byte("s2"), UserID: missing})
			}, hub.ErrInvalid},
		}
		if engine == store.Postgres {
			// PostgreSQL text cannot hold NUL, which SQLite stores.
			tests = append(tests, struct {
				name string
				fn   func(tx *store.Tx) error
				want error
			}{"NUL in text", func(tx *store.Tx) error {
				return tx.CreateAgency(&hub.Agency{Name: "Nul\x00Agency", Kind: hub.AgencyPolice})
			}, hub.ErrInvalid})
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := db.Tx(context.Background(), tt.fn)
				if !errors.Is(err, tt.want) {
					t.Fatalf("%s = %v, want %v", tt.name, err, tt.want)
				}
				var he *hub.Error
				if !errors.As(err, &he) {
					t.Errorf("%s = %T, want a *hub.Error in the chain", tt.name, err)
				}
				if typ := fmt.Sprintf("%T", err); strings.Contains(typ, "sqlite.") || strings.Contains(typ, "pgconn.") || strings.Contains(typ, "pgx") {
					t.Errorf("%s returned the driver's error type %s", tt.name, typ)
				}
				if errors.Is(err, sql.ErrNoRows) {
					t.Errorf("%s = %v, which still is sql.ErrNoRows", tt.name, err)
				}
				msg := hub.ErrorMessage(err)
				for _, leak := range []string{"UNIQUE", "unique", "constraint", "foreign key", "FOREIGN KEY", "0x00", "SQLSTATE", "duplicate key", "sql:", "no rows", "SELECT", "INSERT", "UPDATE"} {
					if strings.Contains(msg, leak) {
						t.Errorf("%s: user-facing message %q contains %q", tt.name, msg, leak)
					}
				}
			})
		}
	})
}

// TestMigrations checks that a fresh database reports every migration
// pending, that Migrate applies them all, and that a second Migrate (and an
// Open of the migrated database) changes nothing.
func TestMigrations(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		dsn := storetest.NewDSN(t, engine)
		db, err := store.OpenNoMigrate(dsn, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		files := migrationFiles(t, engine)
		status, err := db.MigrationStatus(ctx)
		if err != nil {
			t.Fatalf("MigrationStatus() before Migrate: %v", err)
		}
		var want []store.Migration
		for _, f := range files {
			want = append(want, store.Migration{Version: f.version, Name: f.name})
		}
		if diff := cmp.Diff(want, status); diff != "" {
			t.Errorf("MigrationStatus() on an empty database mismatch (-want +got):\n%s", diff)
		}

		if err := db.Migrate(ctx); err != nil {
			t.Fatalf("Migrate(): %v", err)
		}
		for i := range want {
			want[i].Applied = true
		}
		status, err = db.MigrationStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, status); diff != "" {
			t.Errorf("MigrationStatus() after Migrate mismatch (-want +got):\n%s", diff)
		}
		rows := func() string {
			var b strings.Builder
			r, err := db.SQL().QueryContext(ctx, `SELECT version, name, applied_at FROM schema_migrations ORDER BY version`)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			for r.Next() {
				var v, at int64
				var name string
				if err := r.Scan(&v, &name, &at); err != nil {
					t.Fatal(err)
				}
				fmt.Fprintf(&b, "%d %s %d\n", v, name, at)
			}
			return b.String()
		}
		applied := rows()
		if err := db.Migrate(ctx); err != nil {
			t.Fatalf("second Migrate(): %v", err)
		}
		if again := rows(); again != applied {
			t.Errorf("second Migrate() changed schema_migrations:\nbefore:\n%s\nafter:\n%s", applied, again)
		}
		// Open migrates too; on a migrated database it is a no-op.
		db2 := storetest.OpenDSN(t, dsn, storetest.Options{})
		if err := db2.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if again := rows(); again != applied {
			t.Errorf("Open of a migrated database changed schema_migrations:\nbefore:\n%s\nafter:\n%s", applied, again)
		}
	})
}

// TestMigrationsSameOnBothEngines checks that the two migration folders
// hold the same versions with the same names: each engine's schema moves in
// step.
func TestMigrationsSameOnBothEngines(t *testing.T) {
	sqlite, postgres := migrationFiles(t, store.SQLite), migrationFiles(t, store.Postgres)
	if len(sqlite) == 0 {
		t.Fatal("no SQLite migrations found")
	}
	if diff := cmp.Diff(sqlite, postgres, cmp.AllowUnexported(migrationFile{})); diff != "" {
		t.Errorf("migrations differ between engines (-sqlite +postgres):\n%s", diff)
	}
}

type migrationFile struct {
	version int
	name    string
}

// migrationFiles lists the migrations folder of an engine, the folder the
// store embeds.
func migrationFiles(t *testing.T, engine string) []migrationFile {
	t.Helper()
	entries, err := os.ReadDir("migrations/" + engine)
	if err != nil {
		t.Fatal(err)
	}
	var out []migrationFile
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".sql")
		if !ok {
			continue
		}
		var v int
		if _, err := fmt.Sscanf(name, "%d_", &v); err != nil {
			t.Fatalf("migration %s: no version number: %v", e.Name(), err)
		}
		out = append(out, migrationFile{v, name})
	}
	return out
}
