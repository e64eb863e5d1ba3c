package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
	"github.com/safehub/safehub/internal/store/storetest"
)

// insertFlag writes a flag row with plain SQL (the flag use cases have
// their own tests) and returns its id.
func insertFlag(t testing.TB, db *storetest.Store, p *hub.Person, status hub.FlagStatus, category hub.FlagCategory, start, end string) string {
	t.Helper()
	id := hub.NewID()
	execSQL(t, db, `INSERT INTO flags (id, person_id, area_id, owner_agency_id, status, category, risk_level, start_date, end_date, review_due, reason, advice, contact_phone, contact_hours, lead_user_id, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, 'high', ?, ?, '2027-01-01', 'internal reason', 'Call the hub before discharge.', '+441162000000', '24 hours', '', 1, 1, 2)`,
		id, p.ID, p.AreaID, p.OwnerAgencyID, string(status), string(category), start, end)
	return id
}

func newFlaggedPerson(t testing.TB, db *storetest.Store, w *world, nhs string) *hub.Person {
	t.Helper()
	p := &hub.Person{AreaID: w.north.ID, OwnerAgencyID: w.council.ID, GivenName: "Ada", FamilyName: "Lovelace", Sensitivity: hub.SensitivityNormal, Synthetic: true}
	if nhs != "" {
		p.Identifiers = []hub.Identifier{{Kind: hub.IdentNHS, Value: nhs}}
	}
	mustTx(t, db, func(tx *store.Tx) error { return tx.CreatePerson(p) })
	return p
}

func TestFlagIndexQueries(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		db, _ := openStore(t, engine)
		w := seedWorld(t, db)
		a := newFlaggedPerson(t, db, w, nhsNumber(1))
		b := newFlaggedPerson(t, db, w, nhsNumber(2))
		none := newFlaggedPerson(t, db, w, "")
		fa := insertFlag(t, db, a, hub.FlagActive, hub.FlagCSE, "2026-01-01", "")
		insertFlag(t, db, a, hub.FlagInactive, hub.FlagMissing, "2025-01-01", "2025-06-01")
		fb := insertFlag(t, db, b, hub.FlagActive, hub.FlagCCE, "2026-02-01", "")
		fn := insertFlag(t, db, none, hub.FlagActive, hub.FlagCCE, "2026-02-01", "")

		list := func(personID string) map[string]string {
			got := map[string]string{}
			mustRead(t, db, func(tx *store.Tx) error {
				return tx.ActiveFlagsWithNHS(personID, func(f *hub.Flag, nhs string) error {
					if f.Reason != "" {
						t.Errorf("flag %s: the index read its reason", f.ID)
					}
					got[f.ID] = nhs
					return nil
				})
			})
			return got
		}
		if got := list(""); len(got) != 2 || got[fa] != nhsNumber(1) || got[fb] != nhsNumber(2) {
			t.Errorf("all active flags with NHS numbers = %v", got)
		}
		if got := list(a.ID); len(got) != 1 || got[fa] != nhsNumber(1) {
			t.Errorf("a's active flags = %v", got)
		}
		if got := list(none.ID); len(got) != 0 {
			t.Errorf("flags of a child without an NHS number = %v", got)
		}

		mustRead(t, db, func(tx *store.Tx) error {
			f, nhs, err := tx.FlagWithNHS(fa)
			if err != nil || nhs != nhsNumber(1) || f.Category != hub.FlagCSE || f.Start.String() != "2026-01-01" || f.Advice == "" || f.ContactPhone == "" {
				t.Errorf("FlagWithNHS(fa) = %+v, %q, %v", f, nhs, err)
			}
			if _, nhs, err := tx.FlagWithNHS(fn); err != nil || nhs != "" {
				t.Errorf("FlagWithNHS(no NHS number) = %q, %v", nhs, err)
			}
			if _, _, err := tx.FlagWithNHS(hub.NewID()); hub.ErrorCode(err) != hub.ENotFound {
				t.Errorf("FlagWithNHS(missing) = %v, want not found", err)
			}
			g, f2, err := tx.PersonName(a.ID)
			if err != nil || g != "Ada" || f2 != "Lovelace" {
				t.Errorf("PersonName = %q %q %v", g, f2, err)
			}
			return nil
		})
	})
}

// TestListenFlagChanges: on PostgreSQL a change committed through one store
// reaches the listener of another within a second; a rolled-back change
// does not; after the listening connection is killed the listener
// reconnects and asks for a rebuild (""). On SQLite it returns at once.
func TestListenFlagChanges(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		db, _ := openStore(t, engine)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		if engine != store.Postgres {
			if err := db.ListenFlagChanges(ctx, func(string) {}); err != nil {
				t.Fatal(err)
			}
			return
		}
		other := storetest.OpenDSN(t, db.DSN, storetest.Options{})
		var mu sync.Mutex
		var got []string
		done := make(chan struct{})
		go func() {
			defer close(done)
			if err := db.ListenFlagChanges(ctx, func(id string) { mu.Lock(); got = append(got, id); mu.Unlock() }); err != nil {
				t.Error(err)
			}
		}()
		wait := func(what string, ok func([]string) bool) {
			t.Helper()
			deadline := time.Now().Add(time.Second)
			for time.Now().Before(deadline) {
				mu.Lock()
				g := append([]string(nil), got...)
				mu.Unlock()
				if ok(g) {
					return
				}
				time.Sleep(5 * time.Millisecond)
			}
			mu.Lock()
			defer mu.Unlock()
			t.Fatalf("%s: not within 1 s; got %q", what, got)
		}
		count := func(g []string, s string) int {
			n := 0
			for _, x := range g {
				if x == s {
					n++
				}
			}
			return n
		}
		wait("listening", func(g []string) bool { return count(g, "") == 1 })

		if err := other.Tx(ctx, func(tx *store.Tx) error { return tx.NotifyFlagChange("person-1") }); err != nil {
			t.Fatal(err)
		}
		_ = other.Tx(ctx, func(tx *store.Tx) error {
			if err := tx.NotifyFlagChange("rolled-back"); err != nil {
				return err
			}
			return hub.ErrConflict
		})
		if err := other.Tx(ctx, func(tx *store.Tx) error { return tx.NotifyFlagChange("person-2") }); err != nil {
			t.Fatal(err)
		}
		wait("notified", func(g []string) bool { return count(g, "person-1") == 1 && count(g, "person-2") == 1 })
		if count(got, "rolled-back") != 0 {
			t.Errorf("a rolled-back change was notified: %q", got)
		}

		n := execSQL(t, other, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = 'LISTEN safehub_flags' AND pid <> pg_backend_pid()`)
		if n == 0 {
			t.Fatal("no listening connection to terminate")
		}
		wait("reconnected", func(g []string) bool { return count(g, "") == 2 })
		if err := other.Tx(ctx, func(tx *store.Tx) error { return tx.NotifyFlagChange("person-3") }); err != nil {
			t.Fatal(err)
		}
		wait("notified after reconnecting", func(g []string) bool { return count(g, "person-3") == 1 })
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("ListenFlagChanges did not return when its context ended")
		}
	})
}
