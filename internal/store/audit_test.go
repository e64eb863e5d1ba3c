package store_test

import (
	"bytes"
	"context"
	"errors"
	"math/bits"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/safehub/safehub/internal/audit"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
	"github.com/safehub/safehub/internal/store/storetest"
)

// reversed returns the events that satisfy keep, newest first, as
// FindAuditEvents returns them.
func reversed(events []*hub.AuditEvent, keep func(e *hub.AuditEvent) bool) []*hub.AuditEvent {
	var out []*hub.AuditEvent
	for i := len(events) - 1; i >= 0; i-- {
		if keep(events[i]) {
			out = append(out, events[i])
		}
	}
	return out
}

func findAudit(t *testing.T, db *storetest.Store, f store.AuditFilter) []*hub.AuditEvent {
	t.Helper()
	return get(t, db, func(tx *store.Tx) ([]*hub.AuditEvent, error) { return tx.FindAuditEvents(f) })
}

// TestAuditAppendFindVerify appends events in several transactions, some
// with several events, then checks the log is contiguous, verifies, and
// answers every filter.
func TestAuditAppendFindVerify(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		db, clock := openStore(t, engine) // the events' times are t0 + 1 s per batch
		batches := []int{1, 4, 2, 7, 3, 1, 6}
		events := appendEvents(t, db, clock, 0, batches...)
		n := int64(len(events))

		// Indexes are 0, 1, 2, … and each batch shares its transaction's time.
		k := 0
		for b, size := range batches {
			for range size {
				e := events[k]
				if e.Index != int64(k) {
					t.Errorf("event %d: Index = %d, want %d", k, e.Index, k)
				}
				if want := t0.Add(time.Duration(b+1) * time.Second); !e.Time.Equal(want) {
					t.Errorf("event %d: Time = %v, want its transaction's time %v", k, e.Time, want)
				}
				k++
			}
		}
		var idx []int64
		for _, s := range loadEvents(t, db, 0) {
			idx = append(idx, s.event.Index)
		}
		if want := seq(0, n); !slices.Equal(idx, want) {
			t.Errorf("stored indexes = %v, want %v", idx, want)
		}
		if got, want := queryInt(t, db, `SELECT COUNT(*) FROM audit_hashes`), tlog.StoredHashIndex(0, n); got != want {
			t.Errorf("audit_hashes has %d rows, want %d for %d entries", got, want, n)
		}
		if size := get(t, db, (*store.Tx).AuditSize); size != n {
			t.Errorf("AuditSize() = %d, want %d", size, n)
		}
		rep := verify(t, db, db.Published.Notes())
		if !rep.OK() || rep.Entries != n || rep.FirstBad != -1 {
			t.Errorf("VerifyAudit() = %d entries, first bad %d, problems %v; want %d entries, OK", rep.Entries, rep.FirstBad, rep.Problems, n)
		}

		all := func(*hub.AuditEvent) bool { return true }
		from, to := t0.Add(3*time.Second), t0.Add(5*time.Second) // batches 3 and 4
		tests := []struct {
			name   string
			filter store.AuditFilter
			want   []*hub.AuditEvent
		}{
			{"everything, newest first", store.AuditFilter{}, reversed(events, all)},
			{"subject", store.AuditFilter{SubjectID: "subject-1"}, reversed(events, func(e *hub.AuditEvent) bool { return e.SubjectID == "subject-1" })},
			{"actor", store.AuditFilter{ActorID: "actor-b"}, reversed(events, func(e *hub.AuditEvent) bool { return e.ActorID == "actor-b" })},
			{"action", store.AuditFilter{Action: hub.ActExport}, reversed(events, func(e *hub.AuditEvent) bool { return e.Action == hub.ActExport })},
			{"object", store.AuditFilter{ObjectType: "person", ObjectID: "object-9"}, []*hub.AuditEvent{events[9]}},
			{"actor and action", store.AuditFilter{ActorID: "actor-a", Action: hub.ActView}, reversed(events, func(e *hub.AuditEvent) bool { return e.ActorID == "actor-a" && e.Action == hub.ActView })},
			{"time range, To exclusive", store.AuditFilter{From: from, To: to}, reversed(events, func(e *hub.AuditEvent) bool { return !e.Time.Before(from) && e.Time.Before(to) })},
			{"before index", store.AuditFilter{BeforeIndex: 5}, reversed(events[:5], all)},
			{"limit", store.AuditFilter{Limit: 3}, reversed(events, all)[:3]},
			{"subject, before index", store.AuditFilter{SubjectID: "subject-2", BeforeIndex: 10}, reversed(events[:10], func(e *hub.AuditEvent) bool { return e.SubjectID == "subject-2" })},
			{"no match", store.AuditFilter{ActorID: "nobody"}, nil},
		}
		for _, tt := range tests {
			got := findAudit(t, db, tt.filter)
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("FindAuditEvents(%s) mismatch (-want +got):\n%s", tt.name, diff)
			}
		}

		// Paging backwards with BeforeIndex visits every event once.
		var paged []*hub.AuditEvent
		f := store.AuditFilter{Limit: 5}
		for range n {
			page := findAudit(t, db, f)
			if len(page) == 0 {
				break
			}
			paged = append(paged, page...)
			f.BeforeIndex = page[len(page)-1].Index
			if f.BeforeIndex == 0 {
				break
			}
		}
		if diff := cmp.Diff(reversed(events, all), paged); diff != "" {
			t.Errorf("paging with BeforeIndex mismatch (-want +got):\n%s", diff)
		}
	})
}

func seq(from, to int64) []int64 {
	var out []int64
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}

// TestAuditCheckpointCadence checks AUD-09: with a checkpoint due every 10
// entries, no transaction leaves more than 9 entries after the last stored
// and published checkpoint, each checkpoint is signed by the log's key, the
// stored and published lists agree, the time cadence applies too, and
// Checkpoint forces one.
func TestAuditCheckpointCadence(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		clock := storetest.NewClock(t0)
		db := storetest.Open(t, engine, storetest.Options{Clock: clock, CheckpointEvery: 10})
		v := verifier(t, db)
		ctx := context.Background()

		open := func(msg []byte) audit.Checkpoint {
			t.Helper()
			c, err := audit.OpenCheckpoint(msg, v)
			if err != nil {
				t.Fatalf("published checkpoint does not verify: %v\n%s", err, msg)
			}
			if c.Origin != "safehub.audit/test" {
				t.Errorf("checkpoint origin = %q, want the key name safehub.audit/test", c.Origin)
			}
			return c
		}
		stored := func() [][]byte {
			rows, err := db.SQL().QueryContext(ctx, `SELECT signed FROM audit_checkpoints ORDER BY size`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var out [][]byte
			for rows.Next() {
				var s string
				if err := rows.Scan(&s); err != nil {
					t.Fatal(err)
				}
				out = append(out, []byte(s))
			}
			return out
		}

		first := 0
		var sizes []int64
		for _, b := range []int{3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3, 2, 3, 8, 4, 12, 1} {
			appendEvents(t, db, clock, first, b)
			first += b
			notes := db.Published.Notes()
			if len(notes) == 0 {
				t.Fatalf("after %d entries nothing was published", first)
			}
			last := open(notes[len(notes)-1])
			if int64(first)-last.Size >= 10 {
				t.Errorf("after %d entries the last published checkpoint is at %d: more than 9 entries unanchored", first, last.Size)
			}
			if last.Size > int64(first) {
				t.Errorf("checkpoint at %d is beyond the log's %d entries", last.Size, first)
			}
		}
		notes := db.Published.Notes()
		for _, msg := range notes {
			sizes = append(sizes, open(msg).Size)
		}
		for i := 1; i < len(sizes); i++ {
			if sizes[i]-sizes[i-1] < 10 {
				t.Errorf("checkpoints at %d and %d: closer than the cadence of 10 entries", sizes[i-1], sizes[i])
			}
		}
		if diff := cmp.Diff(notes, stored()); diff != "" {
			t.Errorf("stored checkpoints differ from those published (-published +stored):\n%s", diff)
		}

		// Time cadence: a minute later one entry is enough.
		clock.Advance(time.Minute)
		appendEvents(t, db, clock, first, 1)
		first++
		notes = db.Published.Notes()
		if c := open(notes[len(notes)-1]); c.Size != int64(first) {
			t.Errorf("after a minute, the last checkpoint is at %d, want %d", c.Size, first)
		}

		// Checkpoint forces one; twice at the same size stores one.
		appendEvents(t, db, clock, first, 2)
		first += 2
		msg, err := db.Checkpoint(ctx)
		if err != nil {
			t.Fatalf("Checkpoint(): %v", err)
		}
		if c := open(msg); c.Size != int64(first) {
			t.Errorf("Checkpoint() at size %d, want %d", c.Size, first)
		}
		notes = db.Published.Notes()
		if !bytes.Equal(notes[len(notes)-1], msg) {
			t.Error("Checkpoint() did not publish the checkpoint it returned")
		}
		n := len(stored())
		if _, err := db.Checkpoint(ctx); err != nil {
			t.Fatalf("second Checkpoint(): %v", err)
		}
		if got := len(stored()); got != n {
			t.Errorf("a second Checkpoint() at the same size stored %d checkpoints, want %d", got, n)
		}
		if rep := verify(t, db, db.Published.Notes()); !rep.OK() || rep.Entries != int64(first) {
			t.Errorf("VerifyAudit() = %d entries, %v; want %d, OK", rep.Entries, rep.Problems, first)
		}
	})
}

// tamperLog is the log every tamper case starts from: 37 entries in 10
// transactions, stored checkpoints at 1 (the first transaction), 20 and 30,
// all published, and a signed head at 37.
type tamperLog struct {
	db     *storetest.Store
	head20 map[string]tableRows // audit_head as it was at size 20
	notes  [][]byte             // the published checkpoints
}

func newTamperLog(t *testing.T, engine string) *tamperLog {
	t.Helper()
	db, clock := openStore(t, engine)
	ctx := context.Background()
	appendEvents(t, db, clock, 0, 1, 4, 2, 7, 6)
	if _, err := db.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	head20 := snapshot(t, db, "audit_head")
	appendEvents(t, db, clock, 20, 3, 5, 2)
	if _, err := db.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	appendEvents(t, db, clock, 30, 1, 6)
	return &tamperLog{db: db, head20: head20, notes: db.Published.Notes()}
}

// TestAuditTamper checks AUD-05 on the real stores: each change an attacker
// with database access could make is found, at the documented index.
func TestAuditTamper(t *testing.T) {
	const n = 37
	leaf := func(i int64) int64 { return tlog.StoredHashIndex(0, i) }
	otherHash := bytes.Repeat([]byte{0xab}, 32)
	tests := []struct {
		name   string
		tamper func(t *testing.T, l *tamperLog)
		// wantFirstBad is Report.FirstBad without the published checkpoints
		// (-1: OK) and wantPublished with them.
		wantFirstBad, wantPublished int64
	}{
		{"untampered", func(t *testing.T, l *tamperLog) {}, -1, -1},
		{"update a field", func(t *testing.T, l *tamperLog) {
			execSQL(t, l.db, `UPDATE audit_events SET detail = 'nothing to see' WHERE idx = 17`)
		}, 17, 17},
		{"update the actor of the first", func(t *testing.T, l *tamperLog) {
			execSQL(t, l.db, `UPDATE audit_events SET actor_id = 'someone-else' WHERE idx = 0`)
		}, 0, 0},
		{"update the time", func(t *testing.T, l *tamperLog) {
			execSQL(t, l.db, `UPDATE audit_events SET at = at + 1 WHERE idx = 3`)
		}, 3, 3},
		{"update the last", func(t *testing.T, l *tamperLog) {
			execSQL(t, l.db, `UPDATE audit_events SET outcome = 'denied' WHERE idx = 36`)
		}, 36, 36},
		{"delete a middle event", func(t *testing.T, l *tamperLog) {
			execSQL(t, l.db, `DELETE FROM audit_events WHERE idx = 12`)
		}, 12, 12},
		{"delete a middle event and its leaf hash", func(t *testing.T, l *tamperLog) {
			execSQL(t, l.db, `DELETE FROM audit_events WHERE idx = 12`)
			execSQL(t, l.db, `DELETE FROM audit_hashes WHERE id = ?`, leaf(12))
		}, 12, 12},
		{"truncate the tail with its hashes", func(t *testing.T, l *tamperLog) {
			execSQL(t, l.db, `DELETE FROM audit_events WHERE idx >= 30`)
			execSQL(t, l.db, `DELETE FROM audit_hashes WHERE id >= ?`, leaf(30))
		}, 30, 30},
		{"truncate the tail, hashes kept", func(t *testing.T, l *tamperLog) {
			execSQL(t, l.db, `DELETE FROM audit_events WHERE idx >= 33`)
		}, 33, 33},
		{"swap two events by idx", func(t *testing.T, l *tamperLog) {
			execSQL(t, l.db, `UPDATE audit_events SET idx = -1 WHERE idx = 8`)
			execSQL(t, l.db, `UPDATE audit_events SET idx = 8 WHERE idx = 21`)
			execSQL(t, l.db, `UPDATE audit_events SET idx = 21 WHERE idx = -1`)
		}, 8, 8},
		{"swap the content of adjacent rows", func(t *testing.T, l *tamperLog) {
			swapContent(t, l.db, 10, 11)
		}, 10, 10},
		{"move an event past the end", func(t *testing.T, l *tamperLog) {
			execSQL(t, l.db, `UPDATE audit_events SET idx = 100 WHERE idx = 5`)
		}, 5, 5},
		{"update a leaf hash", func(t *testing.T, l *tamperLog) {
			execSQL(t, l.db, `UPDATE audit_hashes SET hash = ? WHERE id = ?`, otherHash, leaf(14))
		}, 14, 14},
		{"update an interior hash", func(t *testing.T, l *tamperLog) {
			// The level-1 hash over entries 14 and 15, stored with entry 15.
			execSQL(t, l.db, `UPDATE audit_hashes SET hash = ? WHERE id = ?`, otherHash, tlog.StoredHashIndex(1, 7))
		}, 15, 15},
		{"delete a hash", func(t *testing.T, l *tamperLog) {
			execSQL(t, l.db, `DELETE FROM audit_hashes WHERE id = ?`, leaf(9))
		}, 9, 9},
		{"append an event without hashes", func(t *testing.T, l *tamperLog) {
			insertEvent(t, l.db, n, "forged")
		}, n, n},
		{"append an event with hashes but no signature", func(t *testing.T, l *tamperLog) {
			insertEvent(t, l.db, n, "forged")
			insertStoredHashes(t, l.db, n, n+1)
		}, n, n},
		// Only the signed roots tell: FirstBad is the size of the last
		// checkpoint that still matches.
		{"edit an event and recompute every hash", func(t *testing.T, l *tamperLog) {
			execSQL(t, l.db, `UPDATE audit_events SET detail = 'rewritten' WHERE idx = 25`)
			execSQL(t, l.db, `DELETE FROM audit_hashes WHERE id >= ?`, leaf(25))
			insertStoredHashes(t, l.db, 25, n)
		}, 20, 20},
		{"restore an older head", func(t *testing.T, l *tamperLog) {
			restore(t, l.db, l.head20)
		}, 30, 30},
		{"delete the head", func(t *testing.T, l *tamperLog) {
			execSQL(t, l.db, `UPDATE audit_head SET signed = ''`)
		}, 30, 30},
		{"forge the head's signature", func(t *testing.T, l *tamperLog) {
			var signed string
			if err := l.db.SQL().QueryRow(`SELECT signed FROM audit_head`).Scan(&signed); err != nil {
				t.Fatal(err)
			}
			execSQL(t, l.db, `UPDATE audit_head SET signed = ?`, flipSignature(signed))
		}, 30, 30},
		// Roll back to 20 and remove what shows it: the later entries and
		// hashes, the checkpoints after 20 and the head. The database alone
		// is then a consistent log of 20 entries; only the published
		// checkpoint at 30 shows the rollback.
		{"roll back to 20 covering the tracks", func(t *testing.T, l *tamperLog) {
			execSQL(t, l.db, `DELETE FROM audit_events WHERE idx >= 20`)
			execSQL(t, l.db, `DELETE FROM audit_hashes WHERE id >= ?`, leaf(20))
			execSQL(t, l.db, `DELETE FROM audit_checkpoints WHERE size > 20`)
			restore(t, l.db, l.head20)
		}, -1, 20},
		// Deleting stored checkpoints changes no entry: the head and the
		// published copies still prove the whole log, so it verifies.
		// (audit.Verify does not report published checkpoints missing from
		// the store.)
		{"delete checkpoints after 20", func(t *testing.T, l *tamperLog) {
			execSQL(t, l.db, `DELETE FROM audit_checkpoints WHERE size > 20`)
		}, -1, -1},
	}
	storetest.Run(t, func(t *testing.T, engine string) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				l := newTamperLog(t, engine)
				if rep := verify(t, l.db, l.notes); !rep.OK() {
					t.Fatalf("before tampering, VerifyAudit() = %v", rep.Problems)
				}
				tt.tamper(t, l)
				for _, c := range []struct {
					name      string
					published [][]byte
					want      int64
				}{{"alone", nil, tt.wantFirstBad}, {"with published checkpoints", l.notes, tt.wantPublished}} {
					rep := verify(t, l.db, c.published)
					if c.want == -1 {
						if !rep.OK() {
							t.Errorf("VerifyAudit(%s) = first bad %d, %q; want OK", c.name, rep.FirstBad, rep.Problem)
						}
						continue
					}
					if rep.OK() || rep.FirstBad != c.want {
						t.Errorf("VerifyAudit(%s) = OK %v, first bad %d (%q); want a problem at %d", c.name, rep.OK(), rep.FirstBad, rep.Problem, c.want)
					}
				}
			})
		}
	})
}

// swapContent swaps every column but idx of two audit rows.
func swapContent(t *testing.T, db *storetest.Store, i, j int64) {
	t.Helper()
	evs := loadEvents(t, db, 0)
	put := func(idx int64, s storedEvent) {
		e := s.event
		execSQL(t, db, `UPDATE audit_events SET at = ?, actor_id = ?, actor_name = ?, agency_id = ?, role = ?, action = ?, object_type = ?, object_id = ?, subject_id = ?, purpose = ?, outcome = ?, request_id = ?, client = ?, detail = ?, salt = ? WHERE idx = ?`,
			e.Time.UnixMicro(), e.ActorID, e.ActorName, e.AgencyID, e.Role, e.Action, e.ObjectType, e.ObjectID, e.SubjectID, e.Purpose, e.Outcome, e.RequestID, e.Client, e.Detail, s.salt, idx)
	}
	put(i, evs[j])
	put(j, evs[i])
}

// insertEvent inserts an audit row directly, bypassing the store.
func insertEvent(t *testing.T, db *storetest.Store, idx int64, detail string) {
	t.Helper()
	e := newEvent(int(idx))
	e.Detail = detail
	execSQL(t, db, `INSERT INTO audit_events (idx, at, actor_id, actor_name, agency_id, role, action, object_type, object_id, subject_id, purpose, outcome, request_id, client, detail, salt)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		idx, t0.UnixMicro(), e.ActorID, e.ActorName, e.AgencyID, e.Role, e.Action, e.ObjectType, e.ObjectID, e.SubjectID, e.Purpose, e.Outcome, e.RequestID, e.Client, e.Detail, audit.NewSalt())
}

// flipSignature changes one character of a signed note's signature.
func flipSignature(signed string) string {
	b := []byte(signed)
	i := len(b) - 6 // inside the base64 signature on the last line
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

// TestAuditForkRollback checks AUD-06: a database restored from an older
// copy and appended to is consistent on its own, but the checkpoints
// published before the restore expose it.
func TestAuditForkRollback(t *testing.T) {
	tests := []struct {
		name string
		// after the restore at 20 (the log had reached 30 and published a
		// checkpoint there), append these batches of different events.
		batches      []int
		wantFirstBad int64
		wantProblem  string
	}{
		{"fork past the published size", []int{7, 8}, 20, "split view"},
		{"fork to the published size", []int{4, 6}, 20, "split view"},
		{"fork short of the published size", []int{5}, 25, "rolled back"},
		{"rolled back, nothing appended", nil, 20, "rolled back"},
	}
	storetest.Run(t, func(t *testing.T, engine string) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				db, clock := openStore(t, engine)
				ctx := context.Background()
				appendEvents(t, db, clock, 0, 2, 5, 3, 6, 4)
				if _, err := db.Checkpoint(ctx); err != nil {
					t.Fatal(err)
				}
				backup := snapshot(t, db, auditTables...)
				appendEvents(t, db, clock, 20, 4, 6)
				signed30, err := db.Checkpoint(ctx)
				if err != nil {
					t.Fatal(err)
				}
				published := db.Published.Notes() // what a witness holds
				if rep := verify(t, db, published); !rep.OK() || rep.Entries != 30 {
					t.Fatalf("before the restore, VerifyAudit() = %d entries, %v", rep.Entries, rep.Problems)
				}

				restore(t, db, backup)
				appendEvents(t, db, clock, 1000, tt.batches...) // different events
				size := get(t, db, (*store.Tx).AuditSize)

				// On its own the database is a consistent, signed log.
				if rep := verify(t, db, nil); !rep.OK() || rep.Entries != size {
					t.Errorf("VerifyAudit(no published checkpoints) = %d entries, %v; want %d entries, OK", rep.Entries, rep.Problems, size)
				}
				rep := verify(t, db, published)
				if rep.OK() || rep.FirstBad != tt.wantFirstBad || !strings.Contains(rep.Problem, tt.wantProblem) {
					t.Errorf("VerifyAudit(published) = OK %v, first bad %d, %q; want %q at %d", rep.OK(), rep.FirstBad, rep.Problem, tt.wantProblem, tt.wantFirstBad)
				}

				// The consistency proof from the published checkpoint at 30
				// to the new head fails.
				if size >= 30 {
					v := verifier(t, db)
					old, err := audit.OpenCheckpoint(signed30, v)
					if err != nil {
						t.Fatal(err)
					}
					msg, err := db.Checkpoint(ctx)
					if err != nil {
						t.Fatal(err)
					}
					head, err := audit.OpenCheckpoint(msg, v)
					if err != nil {
						t.Fatal(err)
					}
					if err := audit.CheckConsistency(old, head, sqlHashes{db}); !errors.Is(err, audit.ErrInconsistent) {
						t.Errorf("CheckConsistency(published 30, forked head %d) = %v, want audit.ErrInconsistent", head.Size, err)
					}
				}
			})
		}
	})
}

// TestAuditInclusionProof checks AUD-07: random events are proven to be in
// the tree of the latest signed checkpoint, with at most ⌈log₂ n⌉ hashes,
// and a changed event or a wrong index is not.
func TestAuditInclusionProof(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		db, clock := openStore(t, engine)
		ctx := context.Background()
		events := appendEvents(t, db, clock, 0, 17, 1, 30, 2, 50, 3) // 103 entries
		n := int64(len(events))
		signed, err := db.Checkpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		c, err := audit.OpenCheckpoint(signed, verifier(t, db))
		if err != nil {
			t.Fatal(err)
		}
		if c.Size != n {
			t.Fatalf("Checkpoint() size = %d, want %d", c.Size, n)
		}
		stored := loadEvents(t, db, 0)
		maxHashes := bits.Len64(uint64(n - 1)) // ⌈log₂ n⌉
		rng := rand.New(rand.NewPCG(7, 11))
		picks := []int64{0, n - 1}
		for range 6 {
			picks = append(picks, rng.Int64N(n))
		}
		for _, i := range picks {
			// The event as the store returns it, with its stored salt.
			got := findAudit(t, db, store.AuditFilter{BeforeIndex: i + 1, Limit: 1})
			if len(got) != 1 || got[0].Index != i {
				t.Fatalf("FindAuditEvents(BeforeIndex %d) = %v", i+1, got)
			}
			if diff := cmp.Diff(events[i], got[0]); diff != "" {
				t.Errorf("event %d as read back differs from as appended (-appended +read):\n%s", i, diff)
			}
			leafHash := audit.LeafHash(audit.Encode(got[0], stored[i].salt))
			proof, err := audit.ProveInclusion(c.Size, i, sqlHashes{db})
			if err != nil {
				t.Fatalf("ProveInclusion(%d, %d): %v", c.Size, i, err)
			}
			if len(proof) > maxHashes {
				t.Errorf("ProveInclusion(%d, %d) has %d hashes (%d bytes), want at most ⌈log₂ n⌉ = %d", c.Size, i, len(proof), 32*len(proof), maxHashes)
			}
			if err := audit.CheckInclusion(proof, c, i, leafHash); err != nil {
				t.Errorf("CheckInclusion(event %d) = %v, want nil", i, err)
			}
			changed := *got[0]
			changed.Detail += "!"
			if err := audit.CheckInclusion(proof, c, i, audit.LeafHash(audit.Encode(&changed, stored[i].salt))); !errors.Is(err, audit.ErrNotIncluded) {
				t.Errorf("CheckInclusion(changed event %d) = %v, want audit.ErrNotIncluded", i, err)
			}
			if err := audit.CheckInclusion(proof, c, (i+1)%n, leafHash); !errors.Is(err, audit.ErrNotIncluded) {
				t.Errorf("CheckInclusion(event %d at index %d) = %v, want audit.ErrNotIncluded", i, (i+1)%n, err)
			}
		}
	})
}

// failTrigger makes a statement on an audit table fail, as a full disk or a
// broken audit table would.
func failTrigger(t *testing.T, db *storetest.Store, when, table string) {
	t.Helper()
	ctx := context.Background()
	var stmts []string
	if db.Engine() == store.Postgres {
		stmts = []string{
			`CREATE FUNCTION audit_fail() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit storage failed'; END $$`,
			`CREATE TRIGGER audit_fail BEFORE ` + when + ` ON ` + table + ` FOR EACH ROW EXECUTE FUNCTION audit_fail()`,
		}
	} else {
		stmts = []string{`CREATE TRIGGER audit_fail BEFORE ` + when + ` ON ` + table + ` BEGIN SELECT RAISE(ABORT, 'audit storage failed'); END`}
	}
	for _, s := range stmts {
		if _, err := db.SQL().ExecContext(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func dropFailTrigger(t *testing.T, db *storetest.Store, table string) {
	t.Helper()
	q := `DROP TRIGGER audit_fail`
	if db.Engine() == store.Postgres {
		q += ` ON ` + table
	}
	if _, err := db.SQL().ExecContext(context.Background(), q); err != nil {
		t.Fatal(err)
	}
}

// TestAuditFailClosed checks AUD-08: when the audit event cannot be
// written, wherever in the append it fails, the transaction fails with an
// "unavailable" error and nothing it did is kept.
func TestAuditFailClosed(t *testing.T) {
	tests := []struct {
		when, table string
	}{
		{"INSERT", "audit_events"},
		{"INSERT", "audit_hashes"},
		{"UPDATE", "audit_head"},
		{"INSERT", "audit_checkpoints"},
	}
	storetest.Run(t, func(t *testing.T, engine string) {
		for _, tt := range tests {
			t.Run(tt.when+" "+tt.table, func(t *testing.T) {
				db, clock := openStore(t, engine)
				w := seedWorld(t, db)
				ctx := context.Background()
				first := fullPerson(w)
				mustTx(t, db, func(tx *store.Tx) error {
					if err := tx.CreatePerson(first); err != nil {
						return err
					}
					return tx.AppendAudit(&hub.AuditEvent{ActorID: w.user.ID, Action: hub.ActCreate, ObjectType: "person", ObjectID: first.ID, SubjectID: first.ID, Outcome: hub.OutcomeSuccess})
				})
				published := len(db.Published.Notes())
				failTrigger(t, db, tt.when, tt.table)
				clock.Advance(2 * time.Minute) // a checkpoint is due

				// A write: the person is not created.
				p := &hub.Person{AreaID: w.north.ID, OwnerAgencyID: w.council.ID, GivenName: "New", FamilyName: "Child", Sensitivity: hub.SensitivityNormal}
				err := db.Tx(ctx, func(tx *store.Tx) error {
					if err := tx.CreatePerson(p); err != nil {
						return err
					}
					return tx.AppendAudit(&hub.AuditEvent{ActorID: w.user.ID, Action: hub.ActCreate, ObjectType: "person", ObjectID: p.ID, SubjectID: p.ID, Outcome: hub.OutcomeSuccess})
				})
				if err == nil {
					t.Fatal("Tx(create person, append audit) with the audit failing = nil, want an error")
				}
				if code := hub.ErrorCode(err); code != hub.EUnavailable {
					t.Errorf("Tx(create person, append audit) = %v (code %s), want code %s", err, code, hub.EUnavailable)
				}
				if msg := hub.ErrorMessage(err); strings.Contains(msg, "audit storage failed") || strings.Contains(msg, "RAISE") {
					t.Errorf("user-facing message %q reveals the cause", msg)
				}
				if _, err := getErr(db, func(tx *store.Tx) (*hub.Person, error) { return tx.Person(p.ID) }); !errors.Is(err, hub.ErrNotFound) {
					t.Errorf("Person(not audited) = %v, want hub.ErrNotFound", err)
				}

				// A sensitive read is refused: the caller gets an error (and,
				// like every use case, returns no data with it).
				err = db.Tx(ctx, func(tx *store.Tx) error {
					q, err := tx.Person(first.ID)
					if err != nil {
						return err
					}
					return tx.AppendAudit(&hub.AuditEvent{ActorID: w.user.ID, Action: hub.ActView, ObjectType: "person", ObjectID: q.ID, SubjectID: q.ID, Outcome: hub.OutcomeSuccess})
				})
				if code := hub.ErrorCode(err); code != hub.EUnavailable {
					t.Errorf("Tx(read person, append audit) = %v (code %s), want code %s", err, code, hub.EUnavailable)
				}

				if n := get(t, db, (*store.Tx).CountPersons); n != 1 {
					t.Errorf("CountPersons() = %d, want 1", n)
				}
				if n := get(t, db, (*store.Tx).AuditSize); n != 1 {
					t.Errorf("AuditSize() = %d, want 1", n)
				}
				if n := len(db.Published.Notes()); n != published {
					t.Errorf("%d checkpoints published, want %d", n, published)
				}

				dropFailTrigger(t, db, tt.table)
				if rep := verify(t, db, db.Published.Notes()); !rep.OK() || rep.Entries != 1 {
					t.Errorf("VerifyAudit() = %d entries, %v; want 1, OK", rep.Entries, rep.Problems)
				}
				e := &hub.AuditEvent{ActorID: w.user.ID, Action: hub.ActView}
				mustTx(t, db, func(tx *store.Tx) error { return tx.AppendAudit(e) })
				if e.Index != 1 {
					t.Errorf("next event after recovery has Index %d, want 1", e.Index)
				}
			})
		}
	})
}

// TestAuditEmptyLog checks that an empty log verifies, and that a
// checkpoint of it (size 0) can be forced, published and verified.
func TestAuditEmptyLog(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		db, clock := openStore(t, engine)
		if rep := verify(t, db, nil); !rep.OK() || rep.Entries != 0 {
			t.Errorf("VerifyAudit(empty log) = %d entries, %v; want 0, OK", rep.Entries, rep.Problems)
		}
		msg, err := db.Checkpoint(context.Background())
		if err != nil {
			t.Fatalf("Checkpoint(empty log): %v", err)
		}
		c, err := audit.OpenCheckpoint(msg, verifier(t, db))
		if err != nil || c.Size != 0 {
			t.Fatalf("Checkpoint(empty log) = size %d, %v; want a signed checkpoint at size 0", c.Size, err)
		}
		if rep := verify(t, db, db.Published.Notes()); !rep.OK() || rep.Entries != 0 {
			t.Errorf("VerifyAudit(empty log, checkpoint 0) = %d entries, %v; want 0, OK", rep.Entries, rep.Problems)
		}
		appendEvents(t, db, clock, 0, 3)
		if rep := verify(t, db, db.Published.Notes()); !rep.OK() || rep.Entries != 3 {
			t.Errorf("VerifyAudit() = %d entries, %v; want 3, OK", rep.Entries, rep.Problems)
		}
	})
}

// TestAuditLargeBatches appends transactions that straddle what one
// multi-row insert holds (200 events, 400 hashes): PostgreSQL writes up to
// that in one statement with the head, more in several. Either way every
// entry and hash is stored and the log verifies.
func TestAuditLargeBatches(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		db, clock := openStore(t, engine)
		batches := []int{199, 200, 201, 450, 1}
		events := appendEvents(t, db, clock, 0, batches...)
		n := int64(len(events))
		if got, want := queryInt(t, db, `SELECT COUNT(*) FROM audit_events`), n; got != want {
			t.Errorf("audit_events has %d rows, want %d", got, want)
		}
		if got, want := queryInt(t, db, `SELECT COUNT(*) FROM audit_hashes`), tlog.StoredHashIndex(0, n); got != want {
			t.Errorf("audit_hashes has %d rows, want %d for %d entries", got, want, n)
		}
		rep := verify(t, db, db.Published.Notes())
		if !rep.OK() || rep.Entries != n {
			t.Errorf("VerifyAudit() = %d entries, problems %v; want %d entries, OK", rep.Entries, rep.Problems, n)
		}
	})
}
