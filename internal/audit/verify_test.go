package audit

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/safehub/safehub/internal/hub"
)

// testLog is a log built as the store would build it: a signed head after
// every append and a stored checkpoint every `every` entries.
type testLog struct {
	m     *MemorySource
	s     note.Signer
	v     note.Verifier
	every int64
	heads [][]byte // heads[k] is the head at size k (nil for 0)
}

// builtLogs caches logs by size and cadence: signing a head per append is
// the slow part of building one. Tests get clones.
var builtLogs = map[[2]int64]*testLog{}

func newTestLog(tb testing.TB, n, every int64) *testLog {
	tb.Helper()
	l, ok := builtLogs[[2]int64{n, every}]
	if !ok {
		s, v := newKeys(tb, testOrigin)
		l = &testLog{m: &MemorySource{}, s: s, v: v, every: every, heads: [][]byte{nil}}
		l.append(tb, n, "")
		builtLogs[[2]int64{n, every}] = l
	}
	return &testLog{m: l.m.Clone(), s: l.s, v: l.v, every: l.every, heads: slices.Clone(l.heads)}
}

// append appends n events, with detail in each so that two logs can differ.
func (l *testLog) append(tb testing.TB, n int64, detail string) {
	tb.Helper()
	start := int64(len(l.m.Rows))
	for i := start; i < start+n; i++ {
		e := testEvent(i)
		e.Detail = detail
		if _, err := l.m.Append(Encode(e, testSalt(i)), l.s, (i+1)%l.every == 0); err != nil {
			tb.Fatalf("Append(%d): %v", i, err)
		}
		l.heads = append(l.heads[:i+1], l.m.HeadNote)
	}
}

// lastCheckpoint returns the size of the last stored checkpoint at or below
// size.
func (l *testLog) lastCheckpoint(size int64) int64 { return size / l.every * l.every }

func (l *testLog) verify(tb testing.TB, src Source, external ...[]byte) *Report {
	tb.Helper()
	rep, err := Verify(src, l.v, external)
	if err != nil {
		tb.Fatalf("Verify: %v", err)
	}
	return rep
}

// reencode rewrites entry k's row with its event changed by edit.
func reencode(m *MemorySource, k int64, edit func(*hub.AuditEvent)) {
	e := testEvent(k)
	edit(e)
	m.Rows[k].Encoded = Encode(e, testSalt(k))
}

// rehash recomputes every stored hash from the rows, as an attacker who
// changed entries and knows the tree format would.
func rehash(tb testing.TB, m *MemorySource) {
	tb.Helper()
	rows := m.Rows
	m.Rows, m.Hashes = nil, nil
	for _, r := range rows {
		if _, err := m.Append(r.Encoded, nil, false); err != nil {
			tb.Fatal(err)
		}
	}
}

// owner returns the entry whose append stored the hash at storage index x.
func owner(x int64) int64 {
	level, n := tlog.SplitStoredHashIndex(x)
	return (n+1)<<level - 1
}

func TestVerifyIntact(t *testing.T) {
	for _, n := range []int64{0, 1, 2, 7, 1000, 4097} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			l := newTestLog(t, n, 64)
			var published [][]byte
			if n > 0 {
				published = [][]byte{l.heads[(n+1)/2], l.heads[n]}
			}
			rep := l.verify(t, l.m, published...)
			if !rep.OK() || rep.FirstBad != -1 || rep.Problem != "" {
				t.Fatalf("Verify = FirstBad %d, %v, want OK", rep.FirstBad, rep.Problems)
			}
			if rep.Entries != n {
				t.Errorf("Verify Entries = %d, want %d", rep.Entries, n)
			}
			if want, _ := TreeHash(n, l.m); rep.Root != want {
				t.Errorf("Verify Root = %v, want %v", rep.Root, want)
			}
			wantCheckpoints := int(n / 64) // stored
			if n > 0 {
				wantCheckpoints += 1 + 2 // the head and the published
			}
			if rep.Checkpoints != wantCheckpoints {
				t.Errorf("Verify Checkpoints = %d, want %d", rep.Checkpoints, wantCheckpoints)
			}
		})
	}
}

func TestVerifyRedacted(t *testing.T) {
	l := newTestLog(t, 100, 10)
	l.m.Rows[41].Encoded = nil
	l.m.Rows[42].Encoded = nil
	rep := l.verify(t, l.m)
	if !rep.OK() || rep.Redacted != 2 {
		t.Fatalf("Verify = %v, Redacted %d; want OK with 2 redacted", rep.Problems, rep.Redacted)
	}
	// A redacted entry does not hide a changed leaf hash.
	l.m.Hashes[tlog.StoredHashIndex(0, 42)][0] ^= 1
	if rep := l.verify(t, l.m); rep.FirstBad != 43 {
		t.Errorf("Verify after changing a redacted entry's leaf = FirstBad %d (%q), want 43", rep.FirstBad, rep.Problem)
	}
}

// tamperCase changes a log of size n the way an attacker with access to the
// database might and says what Verify must report.
type tamperCase struct {
	name string
	min  int64 // smallest log it applies to
	// tamper changes l and returns the source to verify (usually l.m), the
	// published checkpoints to pass, the FirstBad wanted and a fragment of
	// the first problem's message.
	tamper func(t *testing.T, l *testLog, n int64) (src Source, external [][]byte, firstBad int64, msg string)
}

var tamperCases = []tamperCase{
	{"edit first entry", 1, func(t *testing.T, l *testLog, n int64) (Source, [][]byte, int64, string) {
		reencode(l.m, 0, func(e *hub.AuditEvent) { e.Outcome = hub.OutcomeDenied })
		return l.m, nil, 0, "entry 0 "
	}},
	{"edit middle entry", 3, func(t *testing.T, l *testLog, n int64) (Source, [][]byte, int64, string) {
		k := n/2 | 1 // odd: the stored parent tells entry from hash at once
		reencode(l.m, k, func(e *hub.AuditEvent) { e.ActorID = "someone-else" })
		return l.m, nil, k, fmt.Sprintf("entry %d was changed", k)
	}},
	{"edit even entry", 3, func(t *testing.T, l *testLog, n int64) (Source, [][]byte, int64, string) {
		k := n / 2 &^ 1
		reencode(l.m, k, func(e *hub.AuditEvent) { e.Time = e.Time.Add(1e3) })
		return l.m, nil, k, fmt.Sprintf("entry %d was changed", k)
	}},
	{"edit last entry", 1, func(t *testing.T, l *testLog, n int64) (Source, [][]byte, int64, string) {
		reencode(l.m, n-1, func(e *hub.AuditEvent) { e.SubjectID = "" })
		return l.m, nil, n - 1, fmt.Sprintf("entry %d ", n-1)
	}},
	{"edit salt", 2, func(t *testing.T, l *testLog, n int64) (Source, [][]byte, int64, string) {
		l.m.Rows[1].Encoded = Encode(testEvent(1), testSalt(999))
		return l.m, nil, 1, "entry 1 was changed"
	}},
	{"edit stored leaf hash", 2, func(t *testing.T, l *testLog, n int64) (Source, [][]byte, int64, string) {
		k := n / 2
		if k%2 == 0 && k == n-1 {
			k--
		}
		l.m.Hashes[tlog.StoredHashIndex(0, k)][5] ^= 0x40
		return l.m, nil, k, fmt.Sprintf("stored leaf hash of entry %d was changed", k)
	}},
	{"edit interior stored hash", 2, func(t *testing.T, l *testLog, n int64) (Source, [][]byte, int64, string) {
		x := tlog.StoredHashIndex(1, (n/2)/2)
		if x >= int64(len(l.m.Hashes)) {
			x = tlog.StoredHashIndex(1, 0)
		}
		l.m.Hashes[x][31] ^= 1
		return l.m, nil, owner(x), fmt.Sprintf("stored hash %d ", x)
	}},
	{"edit top stored hash", 1000, func(t *testing.T, l *testLog, n int64) (Source, [][]byte, int64, string) {
		x := tlog.StoredHashIndex(9, 0) // over entries 0 to 511, stored with 511
		l.m.Hashes[x][0] ^= 1
		return l.m, nil, 511, "level 9"
	}},
	{"delete first entry", 2, func(t *testing.T, l *testLog, n int64) (Source, [][]byte, int64, string) {
		l.m.Rows = l.m.Rows[1:]
		return l.m, nil, 0, "entry 0 is missing"
	}},
	{"delete middle entry", 3, func(t *testing.T, l *testLog, n int64) (Source, [][]byte, int64, string) {
		k := n / 2
		l.m.Rows = slices.Delete(l.m.Rows, int(k), int(k+1))
		return l.m, nil, k, fmt.Sprintf("entry %d is missing", k)
	}},
	{"delete a range of entries", 7, func(t *testing.T, l *testLog, n int64) (Source, [][]byte, int64, string) {
		l.m.Rows = slices.Delete(l.m.Rows, 2, 5)
		return l.m, nil, 2, "entries 2 to 4 are missing"
	}},
	{"delete last entry", 1, func(t *testing.T, l *testLog, n int64) (Source, [][]byte, int64, string) {
		l.m.Rows = l.m.Rows[:n-1]
		return l.m, nil, n - 1, fmt.Sprintf("log truncated: signed head is at size %d but the log has only %d entries", n, n-1)
	}},
	{"truncate tail with its hashes", 7, func(t *testing.T, l *testLog, n int64) (Source, [][]byte, int64, string) {
		k := n - 5
		l.m.Rows = l.m.Rows[:k]
		l.m.Hashes = l.m.Hashes[:tlog.StoredHashCount(k)]
		return l.m, nil, k, "log truncated"
	}},
	{"truncate below a checkpoint", 1000, func(t *testing.T, l *testLog, n int64) (Source, [][]byte, int64, string) {
		l.m.Rows = l.m.Rows[:500]
		return l.m, nil, 500, "log truncated: stored checkpoint #8 is at size 512 but the log has only 500 entries"
	}},
	{"swap two entries", 3, func(t *testing.T, l *testLog, n int64) (Source, [][]byte, int64, string) {
		i, j := n/3, n-1
		l.m.Rows[i].Encoded, l.m.Rows[j].Encoded = l.m.Rows[j].Encoded, l.m.Rows[i].Encoded
		return l.m, nil, i, fmt.Sprintf("entries are out of order at %d: entry %d holds the event logged as entry %d", i, i, j)
	}},
	{"swap adjacent entries", 2, func(t *testing.T, l *testLog, n int64) (Source, [][]byte, int64, string) {
		l.m.Rows[0].Encoded, l.m.Rows[1].Encoded = l.m.Rows[1].Encoded, l.m.Rows[0].Encoded
		return l.m, nil, 0, "entries are out of order at 0"
	}},
	{"copy an entry over another", 3, func(t *testing.T, l *testLog, n int64) (Source, [][]byte, int64, string) {
		l.m.Rows[n-1].Encoded = l.m.Rows[1].Encoded
		return l.m, nil, n - 1, fmt.Sprintf("entry %d holds the event logged as entry 1", n-1)
	}},
	{"rows returned out of order", 3, func(t *testing.T, l *testLog, n int64) (Source, [][]byte, int64, string) {
		i, j := 1, n-1
		l.m.Rows[i], l.m.Rows[j] = l.m.Rows[j], l.m.Rows[i]
		return unsortedSource{l.m}, nil, 1, "entries are out of order at 1"
	}},
	{"repeated index", 2, func(t *testing.T, l *testLog, n int64) (Source, [][]byte, int64, string) {
		k := n / 2
		dup := l.m.Rows[k]
		dup.Encoded = Encode(testEvent(k+100), testSalt(k))
		l.m.Rows = slices.Insert(l.m.Rows, int(k+1), dup)
		return l.m, nil, k, fmt.Sprintf("index %d appears twice", k)
	}},
	{"stored hash missing", 2, func(t *testing.T, l *testLog, n int64) (Source, [][]byte, int64, string) {
		x := tlog.StoredHashIndex(0, n/2)
		return holeySource{l.m, x}, nil, n / 2, fmt.Sprintf("stored hash %d of entry %d is missing", x, n/2)
	}},
	{"older head restored", 2, func(t *testing.T, l *testLog, n int64) (Source, [][]byte, int64, string) {
		old := n - 1 - (n-1)%l.every/2 // after the last checkpoint if possible
		l.m.HeadNote = l.heads[old]
		want := max(old, l.lastCheckpoint(n))
		if want == n {
			want = -1
		}
		return l.m, nil, want, fmt.Sprintf("signed head is at size %d but the log has %d entries", old, n)
	}},
	{"head missing", 1, func(t *testing.T, l *testLog, n int64) (Source, [][]byte, int64, string) {
		l.m.HeadNote = nil
		want := l.lastCheckpoint(n)
		if want == n {
			want = -1
		}
		return l.m, nil, want, "signed head is missing"
	}},
	{"head forged with another key", 1, func(t *testing.T, l *testLog, n int64) (Source, [][]byte, int64, string) {
		forger, _ := newKeys(t, testOrigin)
		forged, err := l.m.Sign(forger)
		if err != nil {
			t.Fatal(err)
		}
		l.m.HeadNote = forged
		want := l.lastCheckpoint(n)
		if want == n {
			want = -1
		}
		return l.m, nil, want, "signed head is not validly signed"
	}},
	{"checkpoint forged with another key", 1, func(t *testing.T, l *testLog, n int64) (Source, [][]byte, int64, string) {
		forger, _ := newKeys(t, testOrigin)
		forged, err := l.m.Sign(forger)
		if err != nil {
			t.Fatal(err)
		}
		l.m.Notes = append(l.m.Notes, forged)
		return l.m, nil, -1, fmt.Sprintf("stored checkpoint #%d is not validly signed", len(l.m.Notes))
	}},
	{"checkpoint signed by another log's key", 1, func(t *testing.T, l *testLog, n int64) (Source, [][]byte, int64, string) {
		other, _ := newKeys(t, "safehub.audit/other")
		forged, err := l.m.Sign(other)
		if err != nil {
			t.Fatal(err)
		}
		l.m.Notes = slices.Insert(l.m.Notes, 0, forged)
		return l.m, nil, -1, "stored checkpoint #1 is not validly signed"
	}},
	{"entry changed and hashes recomputed", 7, func(t *testing.T, l *testLog, n int64) (Source, [][]byte, int64, string) {
		k := n / 2
		reencode(l.m, k, func(e *hub.AuditEvent) { e.Purpose = "curiosity" })
		rehash(t, l.m)
		p := l.lastCheckpoint(k)
		return l.m, nil, p, fmt.Sprintf("entries between %d and", p)
	}},
	{"entry deleted and hashes recomputed", 7, func(t *testing.T, l *testLog, n int64) (Source, [][]byte, int64, string) {
		k := n / 2
		l.m.Rows = slices.Delete(l.m.Rows, int(k), int(k+1))
		for i := range l.m.Rows {
			l.m.Rows[i].Index = int64(i)
		}
		rehash(t, l.m)
		p := l.lastCheckpoint(k)
		return l.m, nil, p, "does not match the log"
	}},
	{"restored from an older copy and appended to", 7, func(t *testing.T, l *testLog, n int64) (Source, [][]byte, int64, string) {
		// Published: heads at a third and at four fifths of the log. The
		// database is restored from a copy at half and appended to with
		// other entries, and the app signs the new entries as usual.
		third, late, half := n/3, n*4/5, n/2
		published := [][]byte{l.heads[third], l.heads[late]}
		l.m.Rows = l.m.Rows[:half]
		l.m.Hashes = l.m.Hashes[:tlog.StoredHashCount(half)]
		l.m.Notes = l.m.Notes[:half/l.every]
		l.m.HeadNote = l.heads[half]
		l.append(t, n-half, "forked")
		return l.m, published, third, fmt.Sprintf("split view: published checkpoint #2 at size %d does not match the log", late)
	}},
	{"restored from an older copy", 7, func(t *testing.T, l *testLog, n int64) (Source, [][]byte, int64, string) {
		half := n / 2
		published := [][]byte{l.heads[n-1]}
		l.m.Rows = l.m.Rows[:half]
		l.m.Hashes = l.m.Hashes[:tlog.StoredHashCount(half)]
		l.m.Notes = l.m.Notes[:half/l.every]
		l.m.HeadNote = l.heads[half]
		return l.m, published, half, fmt.Sprintf("log rolled back or truncated: published checkpoint #1 is at size %d", n-1)
	}},
	{"published checkpoint forged", 1, func(t *testing.T, l *testLog, n int64) (Source, [][]byte, int64, string) {
		forger, _ := newKeys(t, testOrigin)
		forged, err := l.m.Sign(forger)
		if err != nil {
			t.Fatal(err)
		}
		return l.m, [][]byte{forged}, -1, "published checkpoint #1 is not validly signed"
	}},
}

func TestVerifyTampered(t *testing.T) {
	for _, n := range []int64{1, 2, 7, 1000} {
		for _, tc := range tamperCases {
			if n < tc.min {
				continue
			}
			t.Run(fmt.Sprintf("%d/%s", n, tc.name), func(t *testing.T) {
				every := int64(64)
				if n < 100 {
					every = 3
				}
				l := newTestLog(t, n, every)
				if rep := l.verify(t, l.m); !rep.OK() {
					t.Fatalf("Verify before tampering: %v", rep.Problems)
				}
				src, external, wantBad, wantMsg := tc.tamper(t, l, n)
				rep := l.verify(t, src, external...)
				if rep.OK() {
					t.Fatalf("Verify after tampering = OK, want FirstBad %d, %q", wantBad, wantMsg)
				}
				t.Logf("FirstBad %d: %s", rep.FirstBad, rep.Problem)
				if rep.FirstBad != wantBad || !strings.Contains(rep.Problem, wantMsg) {
					t.Errorf("Verify = FirstBad %d, %q; want FirstBad %d, %q\nall problems: %v", rep.FirstBad, rep.Problem, wantBad, wantMsg, rep.Problems)
				}
			})
		}
	}
}

// unsortedSource returns rows in the order they are held, not by index, as
// an export file might.
type unsortedSource struct{ *MemorySource }

func (u unsortedSource) Entries(from int64, limit int) ([]Entry, error) {
	for p, e := range u.Rows {
		if e.Index == from || from == 0 {
			return slices.Clone(u.Rows[p:min(p+limit, len(u.Rows))]), nil
		}
	}
	return nil, nil
}

// holeySource has lost one stored hash.
type holeySource struct {
	*MemorySource
	hole int64
}

func (h holeySource) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	if slices.Contains(indexes, h.hole) {
		return nil, fmt.Errorf("stored hash %d: %w", h.hole, hub.NotFound("audit hash"))
	}
	return h.MemorySource.ReadHashes(indexes)
}

// failingSource fails on one method.
type failingSource struct {
	*MemorySource
	method string
}

var errDisk = errors.New("disk on fire")

func (f failingSource) Entries(from int64, limit int) ([]Entry, error) {
	if f.method == "Entries" && from > 0 {
		return nil, errDisk
	}
	return f.MemorySource.Entries(from, limit)
}

func (f failingSource) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	if f.method == "ReadHashes" {
		return nil, errDisk
	}
	return f.MemorySource.ReadHashes(indexes)
}

func (f failingSource) Checkpoints() ([][]byte, error) {
	if f.method == "Checkpoints" {
		return nil, errDisk
	}
	return f.MemorySource.Checkpoints()
}

func (f failingSource) Head() ([]byte, error) {
	if f.method == "Head" {
		return nil, errDisk
	}
	return f.MemorySource.Head()
}

func TestVerifySourceErrors(t *testing.T) {
	s, v := newKeys(t, testOrigin)
	l := &testLog{m: &MemorySource{}, s: s, v: v}
	appendEvents(t, l.m, 5000)
	head, err := l.m.Sign(s)
	if err != nil {
		t.Fatal(err)
	}
	l.m.HeadNote = head
	if rep := l.verify(t, l.m); !rep.OK() {
		t.Fatalf("Verify before failing: %v", rep.Problems)
	}
	for _, method := range []string{"Entries", "ReadHashes", "Checkpoints", "Head"} {
		t.Run(method, func(t *testing.T) {
			rep, err := Verify(failingSource{l.m, method}, l.v, nil)
			if !errors.Is(err, errDisk) {
				t.Errorf("Verify = %v, %v; want error wrapping %v", rep, err, errDisk)
			}
		})
	}
	// A hash that is missing is tampering, not an I/O error, even when the
	// store reports it on a batch.
	rep := l.verify(t, holeySource{l.m, 7000})
	if want := owner(7000); rep.FirstBad != want {
		t.Errorf("Verify(hash 7000 missing) = FirstBad %d (%q), want %d", rep.FirstBad, rep.Problem, want)
	}
}

func TestVerifyProblemsCapped(t *testing.T) {
	l := newTestLog(t, 1000, 10)
	reencode(l.m, 5, func(e *hub.AuditEvent) { e.Detail = "x" })
	rehash(t, l.m)
	rep := l.verify(t, l.m)
	if len(rep.Problems) != maxProblems {
		t.Fatalf("Verify returned %d problems, want %d", len(rep.Problems), maxProblems)
	}
	if rep.FirstBad != 0 || !strings.Contains(rep.Problem, "stored checkpoint #1 at size 10") {
		t.Errorf("Verify = FirstBad %d, %q", rep.FirstBad, rep.Problem)
	}
	if last := rep.Problems[maxProblems-1].Msg; !strings.HasPrefix(last, "and ") {
		t.Errorf("last problem = %q, want a count of the rest", last)
	}
}
