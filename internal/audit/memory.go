package audit

import (
	"fmt"
	"slices"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/safehub/safehub/internal/hub"
)

// MemorySource is a log held in memory, for tests and benchmarks: a [Source]
// with an Append that does what a store does. Its fields are exported so
// that tests can tamper with them as an attacker with database access would.
type MemorySource struct {
	// Rows are the entries as a table holds them, sorted by Index.
	Rows []Entry
	// Hashes are the stored hashes by storage index.
	Hashes []tlog.Hash
	// Notes are the stored signed checkpoints, oldest first.
	Notes [][]byte
	// HeadNote is the signed head, nil while the log is empty.
	HeadNote []byte
}

var _ Source = (*MemorySource)(nil)

// Append adds an encoded event as the next entry, stores its hashes and, if
// s is not nil, signs a new head for the new size; when checkpoint is true
// the head is also kept in Notes. It returns the new entry's index.
func (m *MemorySource) Append(encoded []byte, s note.Signer, checkpoint bool) (int64, error) {
	n := int64(len(m.Rows))
	if h := tlog.StoredHashIndex(0, n); h != int64(len(m.Hashes)) {
		return 0, fmt.Errorf("append entry %d: %d stored hashes, want %d", n, len(m.Hashes), h)
	}
	hs, err := StoredHashesForAppend(n, encoded, m)
	if err != nil {
		return 0, err
	}
	m.Rows = append(m.Rows, Entry{Index: n, Encoded: encoded})
	m.Hashes = append(m.Hashes, hs...)
	if s == nil {
		return n, nil
	}
	head, err := m.Sign(s)
	if err != nil {
		return 0, err
	}
	m.HeadNote = head
	if checkpoint {
		m.Notes = append(m.Notes, head)
	}
	return n, nil
}

// Sign returns a checkpoint for the log's current size signed by s, with s's
// name as origin.
func (m *MemorySource) Sign(s note.Signer) ([]byte, error) {
	n := int64(len(m.Rows))
	root, err := TreeHash(n, m)
	if err != nil {
		return nil, err
	}
	return SignCheckpoint(Checkpoint{Origin: s.Name(), Size: n, Root: root}, s)
}

// Clone returns a deep copy of m, as a backup of the database would be.
func (m *MemorySource) Clone() *MemorySource {
	c := &MemorySource{
		Rows:     slices.Clone(m.Rows),
		Hashes:   slices.Clone(m.Hashes),
		Notes:    slices.Clone(m.Notes),
		HeadNote: m.HeadNote,
	}
	for i := range c.Rows {
		c.Rows[i].Encoded = slices.Clone(c.Rows[i].Encoded)
	}
	return c
}

// Entries implements [Source]. It assumes Rows are sorted by Index.
func (m *MemorySource) Entries(from int64, limit int) ([]Entry, error) {
	i, _ := slices.BinarySearchFunc(m.Rows, from, func(e Entry, from int64) int { return cmpInt64(e.Index, from) })
	j := min(i+limit, len(m.Rows))
	return slices.Clone(m.Rows[i:j]), nil
}

// ReadHashes implements [Source] and tlog.HashReader. A hash past the end is
// not found.
func (m *MemorySource) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	hs := make([]tlog.Hash, len(indexes))
	for k, x := range indexes {
		if x < 0 || x >= int64(len(m.Hashes)) {
			return nil, fmt.Errorf("stored hash %d: %w", x, hub.NotFound("audit hash"))
		}
		hs[k] = m.Hashes[x]
	}
	return hs, nil
}

// Checkpoints implements [Source].
func (m *MemorySource) Checkpoints() ([][]byte, error) { return m.Notes, nil }

// Head implements [Source].
func (m *MemorySource) Head() ([]byte, error) { return m.HeadNote, nil }
