package audit

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/safehub/safehub/internal/hub"
)

// Entry is one entry of the log as a [Source] returns it.
type Entry struct {
	// Index is the entry's stored position in the log.
	Index int64
	// Encoded is the event's canonical encoding: [Encode] of the stored row
	// and its salt. It is nil when retention has deleted the event's payload;
	// the stored leaf hash then stands in for the entry, so the tree still
	// verifies and the entry is counted in Report.Redacted.
	Encoded []byte
}

// Source is what [Verify] reads from the store. Read it all from one
// snapshot (one read-only transaction, REPEATABLE READ on PostgreSQL), or
// entries appended during the run make the head look stale. Verify never
// calls one method while another's result is still being read, so a single
// connection serves.
type Source interface {
	// Entries returns up to limit entries with Index >= from in ascending
	// index order, and no entries once from is past the end: in SQL,
	// "WHERE idx >= from ORDER BY idx LIMIT limit". Verify pages through the
	// log with from set to one past the last index it saw. The idx column
	// should be the table's primary key.
	Entries(from int64, limit int) ([]Entry, error)

	// ReadHashes returns the stored hashes (audit_hashes) at the given tlog
	// storage indexes, in order. For an index with no stored hash it returns
	// an error wrapping hub.ErrNotFound. Verify asks for runs of contiguous
	// ascending indexes (about twice the page size), so
	// "WHERE idx BETWEEN first AND last ORDER BY idx" serves; the same
	// method serves StoredHashesForAppend, TreeHash and the proofs.
	tlog.HashReader

	// Checkpoints returns the signed checkpoints kept in the store, oldest
	// first.
	Checkpoints() ([][]byte, error)

	// Head returns the signed checkpoint the store keeps for the log's
	// current size, or nil if the log is empty and has none.
	Head() ([]byte, error)
}

// pageSize is how many entries Verify asks a Source for at a time.
const pageSize = 4096

// maxProblems bounds Report.Problems.
const maxProblems = 20

// Problem is one thing Verify found wrong.
type Problem struct {
	// Index is the first entry the problem puts in doubt, or -1 when no entry
	// is (a stored checkpoint not validly signed, while later signed
	// checkpoints prove the entries).
	Index int64
	// Msg says what is wrong, for the auditor.
	Msg string
}

// Report is the outcome of [Verify].
type Report struct {
	// Entries is the number of entries verified: all of them when the
	// entries, the stored hashes and the indexes are intact, else the entries
	// before the first bad one.
	Entries int64
	// Redacted counts verified entries whose payload retention deleted.
	Redacted int64
	// Checkpoints counts the signed checkpoints (stored, head and published)
	// whose signature verified and whose root matched the log.
	Checkpoints int
	// Root is the recomputed tree hash of the first Entries entries.
	Root tlog.Hash
	// FirstBad is the index of the first entry that is not as it was logged.
	// For an entry edited, deleted, duplicated or moved, and for a stored
	// hash edited or missing, it is exact (for a hash, the entry whose
	// append stored it). For a truncation it is the number of entries left.
	// Where only signed roots tell (entries changed and re-hashed, a fork
	// seen through a published checkpoint, a stale, missing or forged head)
	// the exact entry cannot be known, and FirstBad is the first entry that
	// no matching checkpoint covers: the size of the last one that matches.
	// It is -1 when every entry is proven intact, even if a problem was
	// found elsewhere (a forged stored checkpoint): use OK.
	FirstBad int64
	// Problem describes the problem with the lowest index, or is "" if the
	// log is intact.
	Problem string
	// Problems lists up to 20 problems found, lowest index first, those with
	// index -1 last.
	Problems []Problem
}

// OK reports whether the log verified with no problem at all.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

// Verify recomputes the whole log from src and checks it against the stored
// hashes and every signed checkpoint. It checks that:
//
//   - the entries' indexes run from 0 with no gap (a deleted entry), repeat
//     or step back (reordering);
//   - each entry's leaf hash and every stored hash equal their recomputed
//     values, so an edited entry or an edited hash is found at once;
//   - each stored checkpoint and the head are signed by v's key and sign the
//     recomputed tree at their size, which catches entries changed and
//     re-hashed, and a checkpoint or head beyond the last entry (truncation);
//   - the head's size is the number of entries, so a truncated tail or a
//     restored older head is found even after the last checkpoint;
//   - each published checkpoint in external (signed notes, for example from
//     [ParseCheckpointFile]) signs the recomputed tree at its size, which
//     catches a database restored from an older copy and then appended to
//     (a fork or split view) and one rolled back behind what was published.
//
// Verify reads the entries once, a page at a time, in O(page + log n)
// memory. Tampering is reported in the Report; the error is non-nil only
// when src fails.
func Verify(src Source, v note.Verifier, external [][]byte) (*Report, error) {
	headMsg, err := src.Head()
	if err != nil {
		return nil, fmt.Errorf("verify audit log: read head: %w", err)
	}
	stored, err := src.Checkpoints()
	if err != nil {
		return nil, fmt.Errorf("verify audit log: read checkpoints: %w", err)
	}

	var (
		anchors  []anchor
		problems []Problem
		headBad  error
		head     = -1 // the head's index in anchors
	)
	for i, msg := range stored {
		c, err := OpenCheckpoint(msg, v)
		if err != nil {
			problems = append(problems, Problem{-1, fmt.Sprintf("stored checkpoint #%d is not validly signed: %v", i+1, err)})
			continue
		}
		anchors = append(anchors, anchor{kind: kindStored, pos: i + 1, c: c})
	}
	for i, msg := range external {
		c, err := OpenCheckpoint(msg, v)
		if err != nil {
			problems = append(problems, Problem{-1, fmt.Sprintf("published checkpoint #%d is not validly signed: %v", i+1, err)})
			continue
		}
		anchors = append(anchors, anchor{kind: kindPublished, pos: i + 1, c: c})
	}
	if headMsg != nil {
		c, err := OpenCheckpoint(headMsg, v)
		if err != nil {
			headBad = err
		} else {
			head = len(anchors)
			anchors = append(anchors, anchor{kind: kindHead, c: c})
		}
	}

	w := &walker{src: src, roots: map[int64]tlog.Hash{0: emptyHash}}
	for _, a := range anchors {
		w.sizes = append(w.sizes, a.c.Size)
		w.bound = max(w.bound, a.c.Size)
	}
	slices.Sort(w.sizes)
	w.sizes = slices.Compact(w.sizes)
	for w.next < len(w.sizes) && w.sizes[w.next] == 0 {
		w.next++
	}
	entryProblem, err := w.run()
	if err != nil {
		return nil, fmt.Errorf("verify audit log: %w", err)
	}
	n, complete := w.n, entryProblem == nil
	if entryProblem != nil {
		problems = append(problems, *entryProblem)
	}

	// Match each checkpoint against the recomputed tree.
	const (
		matched = iota
		mismatched
		beyond  // larger than the log
		skipped // beyond the first bad entry: nothing to compare with
	)
	status := make([]int, len(anchors))
	maxMatched := int64(0)
	rep := &Report{Entries: n, Redacted: w.redacted, Root: w.root()}
	for k, a := range anchors {
		switch root, ok := w.roots[a.c.Size]; {
		case !ok && !complete:
			status[k] = skipped
		case !ok:
			status[k] = beyond
		case root != a.c.Root:
			status[k] = mismatched
		default:
			status[k] = matched
			rep.Checkpoints++
			maxMatched = max(maxMatched, a.c.Size)
		}
	}
	below := func(s int64, kinds ...int) int64 {
		p := int64(0)
		for k, a := range anchors {
			if status[k] == matched && a.c.Size < s && slices.Contains(kinds, a.kind) {
				p = max(p, a.c.Size)
			}
		}
		return p
	}
	unanchored := func() int64 {
		if maxMatched >= n {
			return -1
		}
		return maxMatched
	}
	for k, a := range anchors {
		name := a.name()
		switch {
		case status[k] == beyond && a.kind == kindPublished:
			problems = append(problems, Problem{n, fmt.Sprintf("log rolled back or truncated: %s is at size %d but the log has only %d entries", name, a.c.Size, n)})
		case status[k] == beyond:
			problems = append(problems, Problem{n, fmt.Sprintf("log truncated: %s is at size %d but the log has only %d entries", name, a.c.Size, n)})
		case status[k] == mismatched && a.kind == kindPublished:
			p := below(a.c.Size, kindPublished)
			problems = append(problems, Problem{p, fmt.Sprintf("split view: %s at size %d does not match the log, which agrees with what was published only up to size %d (restored from an older copy and appended to, or forked)", name, a.c.Size, p)})
		case status[k] == mismatched:
			p := below(a.c.Size, kindStored, kindHead, kindPublished)
			problems = append(problems, Problem{p, fmt.Sprintf("%s at size %d does not match the log: entries between %d and %d were changed, removed or inserted and the hashes recomputed", name, a.c.Size, p, a.c.Size-1)})
		}
	}

	// The head must exist for a non-empty log and cover all of it.
	switch {
	case headBad != nil:
		problems = append(problems, Problem{unanchored(), fmt.Sprintf("signed head is not validly signed: %v", headBad)})
	case headMsg == nil && n > 0:
		problems = append(problems, Problem{unanchored(), fmt.Sprintf("signed head is missing but the log has %d entries", n)})
	case head >= 0 && complete:
		if h := anchors[head].c; h.Size < n {
			problems = append(problems, Problem{unanchored(), fmt.Sprintf("signed head is at size %d but the log has %d entries: an older head was restored, or entries were added without the signing key", h.Size, n)})
		}
	}

	slices.SortStableFunc(problems, func(a, b Problem) int {
		key := func(p Problem) int64 {
			if p.Index < 0 {
				return math.MaxInt64
			}
			return p.Index
		}
		return cmpInt64(key(a), key(b))
	})
	if len(problems) > maxProblems {
		more := len(problems) - maxProblems + 1
		problems = append(problems[:maxProblems-1], Problem{-1, fmt.Sprintf("and %d more problems", more)})
	}
	rep.Problems = problems
	rep.FirstBad = -1
	if len(problems) > 0 {
		rep.FirstBad = problems[0].Index
		rep.Problem = problems[0].Msg
	}
	return rep, nil
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Kinds of anchor.
const (
	kindStored = iota
	kindHead
	kindPublished
)

// anchor is a checkpoint whose signature verified.
type anchor struct {
	kind int
	pos  int // 1-based position in its list
	c    Checkpoint
}

func (a anchor) name() string {
	switch a.kind {
	case kindStored:
		return fmt.Sprintf("stored checkpoint #%d", a.pos)
	case kindPublished:
		return fmt.Sprintf("published checkpoint #%d", a.pos)
	}
	return "signed head"
}

// walker recomputes the tree from the entries, page by page, keeping only
// the compact range: the roots of the perfect subtrees the entries so far
// split into, largest first (at most log₂ n hashes).
type walker struct {
	src      Source
	sizes    []int64 // ascending tree sizes whose roots are wanted
	next     int     // sizes[next] is the next size wanted
	roots    map[int64]tlog.Hash
	bound    int64 // largest size a checkpoint claims
	stack    []tlog.Hash
	n        int64 // entries verified
	redacted int64
	idx      []int64 // reused for ReadHashes
}

// root returns the tree hash of the n entries verified so far.
func (w *walker) root() tlog.Hash {
	if len(w.stack) == 0 {
		return emptyHash
	}
	h := w.stack[len(w.stack)-1]
	for i := len(w.stack) - 2; i >= 0; i-- {
		h = tlog.NodeHash(w.stack[i], h)
	}
	return h
}

// run walks the log and returns the first problem with an entry, its index
// or its stored hashes, or nil if there is none.
func (w *walker) run() (*Problem, error) {
	for {
		page, err := w.src.Entries(w.n, pageSize)
		if err != nil {
			return nil, fmt.Errorf("read entries from %d: %w", w.n, err)
		}
		if len(page) == 0 {
			return nil, nil
		}
		k, seqProblem := checkSequence(page, w.n)
		if k > 0 {
			p, err := w.page(page[:k])
			if p != nil || err != nil {
				return p, err
			}
		}
		if seqProblem != nil {
			return seqProblem, nil
		}
	}
}

// checkSequence returns how many entries of page carry the indexes next,
// next+1, … and, if that is not all of them, the problem with the first
// that does not.
func checkSequence(page []Entry, next int64) (int, *Problem) {
	for k, e := range page {
		want := next + int64(k)
		switch {
		case e.Index == want:
			continue
		case e.Index == want-1:
			return k, &Problem{e.Index, fmt.Sprintf("entries are out of order at %d: index %d appears twice", e.Index, e.Index)}
		case e.Index < want:
			return k, &Problem{e.Index, fmt.Sprintf("entries are out of order at %d: index %d comes after %d", e.Index, e.Index, want-1)}
		case slices.ContainsFunc(page[k+1:], func(e Entry) bool { return e.Index == want }):
			return k, &Problem{want, fmt.Sprintf("entries are out of order at %d: index %d comes before it", want, e.Index)}
		case e.Index == want+1:
			return k, &Problem{want, fmt.Sprintf("entry %d is missing", want)}
		default:
			return k, &Problem{want, fmt.Sprintf("entries %d to %d are missing", want, e.Index-1)}
		}
	}
	return len(page), nil
}

// page verifies a run of entries with contiguous indexes starting at w.n.
func (w *walker) page(page []Entry) (*Problem, error) {
	first := page[0].Index
	lo := tlog.StoredHashIndex(0, first)
	hi := tlog.StoredHashIndex(0, first+int64(len(page)))
	stored, missing, err := w.readRun(lo, hi)
	if err != nil {
		return nil, err
	}
	for _, e := range page {
		i := e.Index
		base := tlog.StoredHashIndex(0, i)
		m := bits.TrailingZeros64(uint64(i + 1))
		if base+int64(m) >= missing {
			return &Problem{i, fmt.Sprintf("stored hash %d of entry %d is missing", missing, i)}, nil
		}
		s := stored[base-lo : base-lo+int64(m)+1]
		var h tlog.Hash
		if e.Encoded == nil {
			h = s[0]
		} else if h = tlog.RecordHash(e.Encoded); h != s[0] {
			return w.leafProblem(i, h, s)
		}
		top := len(w.stack)
		for l := 1; l <= m; l++ {
			h = tlog.NodeHash(w.stack[top-l], h)
			if h != s[l] {
				return &Problem{i, fmt.Sprintf("stored hash %d (level %d, over entries %d to %d) was changed", base+int64(l), l, i+1-1<<l, i)}, nil
			}
		}
		w.stack = append(w.stack[:top-m], h)
		w.n++
		if e.Encoded == nil {
			w.redacted++
		}
		if w.next < len(w.sizes) && w.sizes[w.next] == w.n {
			w.roots[w.n] = w.root()
			w.next++
		}
	}
	return nil, nil
}

// readRun reads the stored hashes at storage indexes [lo, hi). If some are
// missing it returns those before the first missing one and its index as
// missing; otherwise missing is hi.
func (w *walker) readRun(lo, hi int64) (hashes []tlog.Hash, missing int64, err error) {
	w.idx = w.idx[:0]
	for x := lo; x < hi; x++ {
		w.idx = append(w.idx, x)
	}
	read := func(idx []int64) ([]tlog.Hash, error) {
		hs, err := w.src.ReadHashes(idx)
		if err == nil && len(hs) != len(idx) {
			err = fmt.Errorf("read stored hashes %d to %d: got %d hashes for %d indexes", idx[0], idx[len(idx)-1], len(hs), len(idx))
		}
		return hs, err
	}
	hs, err := read(w.idx)
	if err == nil {
		return hs, hi, nil
	}
	if !errors.Is(err, hub.ErrNotFound) {
		return nil, 0, fmt.Errorf("read stored hashes %d to %d: %w", lo, hi-1, err)
	}
	// Find the shortest prefix with a missing hash: its last index.
	a, b := 0, len(w.idx) // read(idx[:a]) succeeds; read(idx[:b]) fails
	for b-a > 1 {
		mid := (a + b) / 2
		if _, err := read(w.idx[:mid]); err == nil {
			a = mid
		} else if errors.Is(err, hub.ErrNotFound) {
			b = mid
		} else {
			return nil, 0, fmt.Errorf("read stored hashes %d to %d: %w", lo, lo+int64(mid)-1, err)
		}
	}
	if a == 0 {
		return nil, lo, nil
	}
	hs, err = read(w.idx[:a])
	if err != nil {
		return nil, 0, fmt.Errorf("read stored hashes %d to %d: %w", lo, lo+int64(a)-1, err)
	}
	return hs, lo + int64(a), nil
}

// leafProblem explains a mismatch between entry i's recomputed leaf hash got
// and its stored hashes s (s[0] the stored leaf). The parent of the leaf
// tells an edited entry from an edited leaf hash; an edited entry whose
// content is the event logged at another index was moved there.
func (w *walker) leafProblem(i int64, got tlog.Hash, s []tlog.Hash) (*Problem, error) {
	var sibling, parent tlog.Hash
	known := true
	if i%2 == 1 {
		// The left sibling i-1 is verified and on top of the stack; the
		// parent was stored with entry i.
		sibling, parent = w.stack[len(w.stack)-1], s[1]
	} else {
		hs, err := w.src.ReadHashes([]int64{tlog.StoredHashIndex(0, i+1), tlog.StoredHashIndex(1, i/2)})
		switch {
		case errors.Is(err, hub.ErrNotFound):
			known = false // i is the last entry
		case err != nil:
			return nil, fmt.Errorf("read stored hashes of entry %d: %w", i+1, err)
		case len(hs) != 2:
			return nil, fmt.Errorf("read stored hashes of entry %d: got %d hashes for 2 indexes", i+1, len(hs))
		default:
			sibling, parent = hs[0], hs[1]
		}
	}
	pair := func(leaf tlog.Hash) tlog.Hash {
		if i%2 == 1 {
			return tlog.NodeHash(sibling, leaf)
		}
		return tlog.NodeHash(leaf, sibling)
	}
	switch {
	case known && pair(got) == parent:
		return &Problem{i, fmt.Sprintf("stored leaf hash of entry %d was changed", i)}, nil
	case known && pair(s[0]) != parent:
		return &Problem{i, fmt.Sprintf("entry %d does not match its stored hashes: the entry and its hashes were changed", i)}, nil
	}
	j, err := w.findLeaf(got, max(w.bound, i+1))
	if err != nil {
		return nil, err
	}
	switch {
	case j >= 0 && j != i:
		return &Problem{i, fmt.Sprintf("entries are out of order at %d: entry %d holds the event logged as entry %d", i, i, j)}, nil
	case known:
		return &Problem{i, fmt.Sprintf("entry %d was changed", i)}, nil
	}
	return &Problem{i, fmt.Sprintf("entry %d does not match its stored leaf hash: the entry or the hash was changed", i)}, nil
}

// findLeaf returns the first index below bound whose stored leaf hash is
// leaf, or -1. It reads the stored leaf hashes in pages and stops at the
// first one missing. It runs only after tampering has been found.
func (w *walker) findLeaf(leaf tlog.Hash, bound int64) (int64, error) {
	for from := int64(0); from < bound; from += pageSize {
		to := min(from+pageSize, bound)
		w.idx = w.idx[:0]
		for j := from; j < to; j++ {
			w.idx = append(w.idx, tlog.StoredHashIndex(0, j))
		}
		hs, err := w.src.ReadHashes(w.idx)
		if errors.Is(err, hub.ErrNotFound) {
			// Past the end, or a hole: look one by one up to it.
			for j := from; j < to; j++ {
				hs, err := w.src.ReadHashes([]int64{tlog.StoredHashIndex(0, j)})
				if errors.Is(err, hub.ErrNotFound) {
					return -1, nil
				}
				if err != nil {
					return -1, fmt.Errorf("read stored leaf hash of entry %d: %w", j, err)
				}
				if len(hs) != 1 {
					return -1, fmt.Errorf("read stored leaf hash of entry %d: got %d hashes for 1 index", j, len(hs))
				}
				if hs[0] == leaf {
					return j, nil
				}
			}
			return -1, nil
		}
		if err != nil {
			return -1, fmt.Errorf("read stored leaf hashes of entries %d to %d: %w", from, to-1, err)
		}
		if k := slices.Index(hs, leaf); k >= 0 {
			return from + int64(k), nil
		}
	}
	return -1, nil
}
