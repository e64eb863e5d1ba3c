package audit

import (
	"errors"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"
)

// ErrInconsistent is returned (wrapped) when a consistency proof shows that
// one checkpoint is not a prefix of another: the log was forked or rewritten.
var ErrInconsistent = errors.New("audit: checkpoints are inconsistent")

// ErrNotIncluded is returned (wrapped) when an inclusion proof does not prove
// that the event is in the tree a checkpoint signs.
var ErrNotIncluded = errors.New("audit: event is not in the checkpoint's tree")

// StoredHashesForAppend returns the hashes to store when the encoded event
// becomes entry n (the log holds n entries before it). The store writes
// hashes[k] at storage index tlog.StoredHashIndex(0, n)+k; the indexes of
// successive appends are contiguous and ascending, so audit_hashes only ever
// grows at the end. The first hash is the event's leaf hash; there are
// 1 + (trailing zero bits of n+1) of them, two per entry on average.
//
// r reads the hashes stored by earlier appends (at most log₂ n of them).
func StoredHashesForAppend(n int64, encoded []byte, r tlog.HashReader) ([]tlog.Hash, error) {
	hs, err := tlog.StoredHashes(n, encoded, r)
	if err != nil {
		return nil, fmt.Errorf("compute stored hashes for entry %d: %w", n, err)
	}
	return hs, nil
}

// TreeHash returns the root hash of the tree of the first n entries, reading
// at most 1 + log₂ n stored hashes from r. The tree of no entries has the hash
// of the empty string, as in RFC 6962.
func TreeHash(n int64, r tlog.HashReader) (tlog.Hash, error) {
	h, err := tlog.TreeHash(n, r)
	if err != nil {
		return tlog.Hash{}, fmt.Errorf("compute tree hash at size %d: %w", n, err)
	}
	return h, nil
}

// ProveInclusion returns the proof that entry index is in the tree of the
// first n entries: at most ⌈log₂ n⌉ hashes, read from r.
func ProveInclusion(n, index int64, r tlog.HashReader) (tlog.RecordProof, error) {
	p, err := tlog.ProveRecord(n, index, r)
	if err != nil {
		return nil, fmt.Errorf("prove entry %d in tree of size %d: %w", index, n, err)
	}
	return p, nil
}

// CheckInclusion verifies that proof shows the entry at index with the given
// leaf hash (see [LeafHash]) is in the tree that checkpoint c signs. It
// returns an error wrapping [ErrNotIncluded] when it does not.
func CheckInclusion(proof tlog.RecordProof, c Checkpoint, index int64, leaf tlog.Hash) error {
	if index < 0 || index >= c.Size {
		return fmt.Errorf("entry %d is outside the tree of size %d: %w", index, c.Size, ErrNotIncluded)
	}
	if err := tlog.CheckRecord(proof, c.Size, c.Root, index, leaf); err != nil {
		return fmt.Errorf("check entry %d in tree of size %d: %w", index, c.Size, ErrNotIncluded)
	}
	return nil
}

// CheckConsistency verifies that the tree signed by older is a prefix of the
// tree signed by newer, building the consistency proof from the stored
// hashes r reads. The proof is checked against both signed roots, so hashes
// altered in the store cannot make it pass. It returns an error wrapping
// [ErrInconsistent] when the checkpoints disagree and a plain error when r
// fails.
func CheckConsistency(older, newer Checkpoint, r tlog.HashReader) error {
	if older.Origin != newer.Origin {
		return fmt.Errorf("checkpoints are of different logs %q and %q: %w", older.Origin, newer.Origin, ErrInconsistent)
	}
	if older.Size > newer.Size {
		return fmt.Errorf("checkpoint at size %d is newer than checkpoint at size %d: %w", older.Size, newer.Size, ErrInconsistent)
	}
	if older.Size == newer.Size {
		if older.Root != newer.Root {
			return fmt.Errorf("two checkpoints at size %d have different roots: %w", older.Size, ErrInconsistent)
		}
		return nil
	}
	if older.Size == 0 {
		if older.Root != emptyHash {
			return fmt.Errorf("checkpoint at size 0 has a root other than the empty tree's: %w", ErrInconsistent)
		}
		return nil
	}
	p, err := tlog.ProveTree(newer.Size, older.Size, r)
	if err != nil {
		return fmt.Errorf("prove tree of size %d is a prefix of size %d: %w", older.Size, newer.Size, err)
	}
	if err := tlog.CheckTree(p, newer.Size, newer.Root, older.Size, older.Root); err != nil {
		return fmt.Errorf("checkpoint at size %d is not a prefix of checkpoint at size %d: %w", older.Size, newer.Size, ErrInconsistent)
	}
	return nil
}

// emptyHash is the root of the tree of no entries: SHA-256 of nothing.
var emptyHash = func() tlog.Hash {
	h, err := tlog.TreeHash(0, nil)
	if err != nil {
		panic(err)
	}
	return h
}()
