package store_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/safehub/safehub/internal/audit"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/ident"
	"github.com/safehub/safehub/internal/store"
	"github.com/safehub/safehub/internal/store/pgtest"
	"github.com/safehub/safehub/internal/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// t0 is the tests' starting instant, with microseconds so that a store that
// kept only milliseconds (or nanoseconds it cannot keep) would be caught.
var t0 = time.Date(2026, 3, 2, 9, 30, 0, 123456000, time.UTC)

// openStore opens a fresh store on engine with a fake clock set to t0.
func openStore(t testing.TB, engine string) (*storetest.Store, *storetest.Clock) {
	t.Helper()
	clock := storetest.NewClock(t0)
	return storetest.Open(t, engine, storetest.Options{Clock: clock}), clock
}

// mustTx runs fn in a transaction and fails the test if it returns an error.
func mustTx(t testing.TB, db *storetest.Store, fn func(tx *store.Tx) error) {
	t.Helper()
	if err := db.Tx(context.Background(), fn); err != nil {
		t.Fatalf("Tx: %v", err)
	}
}

// mustRead runs fn in a read-only transaction and fails the test if it
// returns an error.
func mustRead(t testing.TB, db *storetest.Store, fn func(tx *store.Tx) error) {
	t.Helper()
	if err := db.Read(context.Background(), fn); err != nil {
		t.Fatalf("Read: %v", err)
	}
}

// get reads one value in a read-only transaction.
func get[T any](t testing.TB, db *storetest.Store, fn func(tx *store.Tx) (T, error)) T {
	t.Helper()
	var v T
	mustRead(t, db, func(tx *store.Tx) error {
		var err error
		v, err = fn(tx)
		return err
	})
	return v
}

// getErr reads one value in a read-only transaction and returns the error.
func getErr[T any](db *storetest.Store, fn func(tx *store.Tx) (T, error)) (T, error) {
	var v T
	err := db.Read(context.Background(), func(tx *store.Tx) error {
		var err error
		v, err = fn(tx)
		return err
	})
	return v, err
}

// rebind rewrites '?' placeholders for PostgreSQL, as the store does.
func rebind(engine, q string) string {
	if engine != store.Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// execSQL runs a statement directly on the database, as an attacker or an
// operator with database access would, bypassing the store.
func execSQL(t testing.TB, db *storetest.Store, q string, args ...any) int64 {
	t.Helper()
	r, err := db.SQL().ExecContext(context.Background(), rebind(db.Engine(), q), args...)
	if err != nil {
		t.Fatalf("exec %q: %v", q, err)
	}
	n, _ := r.RowsAffected()
	return n
}

// queryInt returns the single integer a query returns.
func queryInt(t testing.TB, db *storetest.Store, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := db.SQL().QueryRowContext(context.Background(), rebind(db.Engine(), q), args...).Scan(&n); err != nil {
		t.Fatalf("query %q: %v", q, err)
	}
	return n
}

// verifier returns the note verifier for the store's audit key.
func verifier(t testing.TB, db *storetest.Store) note.Verifier {
	t.Helper()
	v, err := audit.NewVerifier(db.VerifierKey)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// verify runs VerifyAudit with the given published checkpoints.
func verify(t testing.TB, db *storetest.Store, published [][]byte) *audit.Report {
	t.Helper()
	rep, err := db.VerifyAudit(context.Background(), verifier(t, db), published)
	if err != nil {
		t.Fatalf("VerifyAudit: %v", err)
	}
	return rep
}

// world is the minimum a person needs: agencies, areas and a user.
type world struct {
	police, council *hub.Agency
	north, south    *hub.Area
	user            *hub.User
}

func seedWorld(t testing.TB, db *storetest.Store) *world {
	t.Helper()
	w := &world{
		police:  &hub.Agency{Name: "Northshire Police", Kind: hub.AgencyPolice},
		council: &hub.Agency{Name: "Northshire Council", Kind: hub.AgencySocialCare},
		north:   &hub.Area{Code: "N01", Name: "North"},
		south:   &hub.Area{Code: "S01", Name: "South"},
	}
	mustTx(t, db, func(tx *store.Tx) error {
		for _, a := range []*hub.Agency{w.police, w.council} {
			if err := tx.CreateAgency(a); err != nil {
				return err
			}
		}
		for _, a := range []*hub.Area{w.north, w.south} {
			if err := tx.CreateArea(a); err != nil {
				return err
			}
		}
		w.user = &hub.User{Username: "asmith", DisplayName: "A Smith", AgencyID: w.police.ID,
			AreaIDs: []string{w.north.ID}, Roles: []hub.Role{hub.RolePolice}}
		return tx.CreateUser(w.user)
	})
	return w
}

// nhsNumber returns the i-th valid NHS number in the never-issued 999 range.
// Only about one prefix in eleven has no check digit, so the numbers are
// dense; they are distinct for distinct i.
func nhsNumber(i int) string {
	for j := i * 2; ; j++ {
		first9 := fmt.Sprintf("999%06d", j)
		if d, ok := ident.NHSCheckDigit(first9); ok {
			return first9 + strconv.Itoa(d)
		}
	}
}

// newEvent returns the i-th test audit event; actors, subjects and actions
// cycle so that filters have several matches.
func newEvent(i int) *hub.AuditEvent {
	actors := []string{"actor-a", "actor-b", "actor-c"}
	subjects := []string{"", "subject-1", "subject-2", "subject-3"}
	actions := []string{hub.ActView, hub.ActSearch, hub.ActUpdate, hub.ActExport}
	return &hub.AuditEvent{
		ActorID:    actors[i%len(actors)],
		ActorName:  "Actor " + strings.ToUpper(actors[i%len(actors)][6:]),
		AgencyID:   "agency-1",
		Role:       string(hub.RolePractitioner),
		Action:     actions[i%len(actions)],
		ObjectType: "person",
		ObjectID:   fmt.Sprintf("object-%d", i),
		SubjectID:  subjects[i%len(subjects)],
		Purpose:    "section 47 enquiry",
		Outcome:    hub.OutcomeSuccess,
		RequestID:  fmt.Sprintf("req-%04d", i),
		Client:     "web",
		Detail:     fmt.Sprintf("event %d", i),
	}
}

// appendEvents appends events in one transaction per batch size, advancing
// the clock by a second before each, and returns the events as appended
// (with Index and Time set).
func appendEvents(t testing.TB, db *storetest.Store, clock *storetest.Clock, first int, batches ...int) []*hub.AuditEvent {
	t.Helper()
	var out []*hub.AuditEvent
	i := first
	for _, n := range batches {
		clock.Advance(time.Second)
		var batch []*hub.AuditEvent
		mustTx(t, db, func(tx *store.Tx) error {
			batch = batch[:0]
			for k := 0; k < n; k++ {
				e := newEvent(i + k)
				if err := tx.AppendAudit(e); err != nil {
					return err
				}
				batch = append(batch, e)
			}
			return nil
		})
		out = append(out, batch...)
		i += n
	}
	return out
}

// storedEvent is an audit row as the table holds it.
type storedEvent struct {
	event hub.AuditEvent
	salt  []byte
}

// encoded returns the event's canonical encoding, its leaf's content.
func (s storedEvent) encoded() []byte { return audit.Encode(&s.event, s.salt) }

// loadEvents reads audit rows with idx >= from directly from the table.
func loadEvents(t testing.TB, db *storetest.Store, from int64) []storedEvent {
	t.Helper()
	rows, err := db.SQL().QueryContext(context.Background(), rebind(db.Engine(), `SELECT idx, at, actor_id, actor_name, agency_id, role, action, object_type, object_id, subject_id, purpose, outcome, request_id, client, detail, salt
		FROM audit_events WHERE idx >= ? ORDER BY idx`), from)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []storedEvent
	for rows.Next() {
		var s storedEvent
		e := &s.event
		var at int64
		if err := rows.Scan(&e.Index, &at, &e.ActorID, &e.ActorName, &e.AgencyID, &e.Role, &e.Action, &e.ObjectType, &e.ObjectID, &e.SubjectID, &e.Purpose, &e.Outcome, &e.RequestID, &e.Client, &e.Detail, &s.salt); err != nil {
			t.Fatal(err)
		}
		e.Time = time.UnixMicro(at).UTC()
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// sqlHashes is a tlog.HashReader over the audit_hashes table, read directly
// (outside any store transaction).
type sqlHashes struct{ db *storetest.Store }

func (r sqlHashes) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		var b []byte
		err := r.db.SQL().QueryRowContext(context.Background(), rebind(r.db.Engine(), `SELECT hash FROM audit_hashes WHERE id = ?`), x).Scan(&b)
		if err != nil {
			return nil, fmt.Errorf("read hash %d: %v: %w", x, err, hub.ErrNotFound)
		}
		copy(out[i][:], b)
	}
	return out, nil
}

// insertStoredHashes computes and inserts the stored hashes for entries
// from..to-1, as the store would have on append, from the rows as they are
// now: what an attacker who rewrites entries must do to keep the tree
// consistent (everything except signing).
func insertStoredHashes(t testing.TB, db *storetest.Store, from, to int64) {
	t.Helper()
	evs := loadEvents(t, db, from)
	for i := from; i < to; i++ {
		s := evs[i-from]
		if s.event.Index != i {
			t.Fatalf("rehash: row %d has idx %d", i-from, s.event.Index)
		}
		hs, err := tlog.StoredHashes(i, s.encoded(), sqlHashes{db})
		if err != nil {
			t.Fatal(err)
		}
		base := tlog.StoredHashIndex(0, i)
		for k, h := range hs {
			execSQL(t, db, `INSERT INTO audit_hashes (id, hash) VALUES (?, ?)`, base+int64(k), h[:])
		}
	}
}

// tableRows is a snapshot of a table's rows.
type tableRows struct {
	cols []string
	rows [][]any
}

// auditTables are the tables that hold the audit log.
var auditTables = []string{"audit_events", "audit_hashes", "audit_head", "audit_checkpoints"}

// snapshot copies the rows of tables, as a backup would.
func snapshot(t testing.TB, db *storetest.Store, tables ...string) map[string]tableRows {
	t.Helper()
	out := map[string]tableRows{}
	for _, table := range tables {
		rows, err := db.SQL().QueryContext(context.Background(), `SELECT * FROM `+table)
		if err != nil {
			t.Fatal(err)
		}
		cols, err := rows.Columns()
		if err != nil {
			t.Fatal(err)
		}
		tr := tableRows{cols: cols}
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			tr.rows = append(tr.rows, vals)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		out[table] = tr
	}
	return out
}

// restore replaces the tables' rows with a snapshot, as restoring a backup
// would.
func restore(t testing.TB, db *storetest.Store, snap map[string]tableRows) {
	t.Helper()
	ctx := context.Background()
	sqlTx, err := db.SQL().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sqlTx.Rollback()
	for table, tr := range snap {
		if _, err := sqlTx.ExecContext(ctx, `DELETE FROM `+table); err != nil {
			t.Fatal(err)
		}
		q := rebind(db.Engine(), `INSERT INTO `+table+` (`+strings.Join(tr.cols, ", ")+`) VALUES (?`+strings.Repeat(", ?", len(tr.cols)-1)+`)`)
		for _, r := range tr.rows {
			if _, err := sqlTx.ExecContext(ctx, q, r...); err != nil {
				t.Fatalf("restore %s: %v", table, err)
			}
		}
	}
	if err := sqlTx.Commit(); err != nil {
		t.Fatal(err)
	}
}
