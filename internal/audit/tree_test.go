package audit

import (
	"errors"
	"math/bits"
	"math/rand/v2"
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

// appendEvents appends n test events (from index len(m.Rows)) without
// signing anything.
func appendEvents(tb testing.TB, m *MemorySource, n int64) {
	tb.Helper()
	start := int64(len(m.Rows))
	for i := start; i < start+n; i++ {
		if _, err := m.Append(Encode(testEvent(i), testSalt(i)), nil, false); err != nil {
			tb.Fatalf("Append(%d): %v", i, err)
		}
	}
}

func TestStoredHashesForAppend(t *testing.T) {
	m := &MemorySource{}
	for i := range int64(100) {
		enc := Encode(testEvent(i), testSalt(i))
		hs, err := StoredHashesForAppend(i, enc, m)
		if err != nil {
			t.Fatalf("StoredHashesForAppend(%d): %v", i, err)
		}
		if want := 1 + bits.TrailingZeros64(uint64(i+1)); len(hs) != want {
			t.Fatalf("StoredHashesForAppend(%d) returned %d hashes, want %d", i, len(hs), want)
		}
		if hs[0] != LeafHash(enc) {
			t.Fatalf("StoredHashesForAppend(%d)[0] is not the leaf hash", i)
		}
		m.Rows = append(m.Rows, Entry{Index: i, Encoded: enc})
		m.Hashes = append(m.Hashes, hs...)
		if got := int64(len(m.Hashes)); got != tlog.StoredHashCount(i+1) {
			t.Fatalf("after %d appends: %d stored hashes, want %d", i+1, got, tlog.StoredHashCount(i+1))
		}
	}
	th, err := TreeHash(100, m)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := TreeHash(0, nil)
	if th == want {
		t.Errorf("TreeHash(100) is the empty tree's hash")
	}
	if _, err := TreeHash(101, m); err == nil {
		t.Errorf("TreeHash past the end succeeded")
	}
}

func TestInclusion(t *testing.T) {
	m := &MemorySource{}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int64{1, 2, 3, 7, 8, 9, 100, 1000, 1025} {
		appendEvents(t, m, n-int64(len(m.Rows)))
		root, err := TreeHash(n, m)
		if err != nil {
			t.Fatal(err)
		}
		c := Checkpoint{Origin: testOrigin, Size: n, Root: root}
		maxLen := bits.Len64(uint64(n - 1)) // ⌈log₂ n⌉
		for range 20 {
			i := rng.Int64N(n)
			p, err := ProveInclusion(n, i, m)
			if err != nil {
				t.Fatalf("ProveInclusion(%d, %d): %v", n, i, err)
			}
			if len(p) > maxLen {
				t.Errorf("ProveInclusion(%d, %d) has %d hashes, want at most %d", n, i, len(p), maxLen)
			}
			leaf := LeafHash(m.Rows[i].Encoded)
			if err := CheckInclusion(p, c, i, leaf); err != nil {
				t.Errorf("CheckInclusion(%d of %d): %v", i, n, err)
			}
			// The same proof must not prove another event, another index or
			// another root.
			other := LeafHash(Encode(testEvent(i+1), testSalt(i)))
			if err := CheckInclusion(p, c, i, other); !errors.Is(err, ErrNotIncluded) {
				t.Errorf("CheckInclusion(other event) = %v, want ErrNotIncluded", err)
			}
			if n > 1 {
				if err := CheckInclusion(p, c, (i+1)%n, leaf); !errors.Is(err, ErrNotIncluded) {
					t.Errorf("CheckInclusion(other index) = %v, want ErrNotIncluded", err)
				}
			}
			bad := c
			bad.Root[0] ^= 1
			if err := CheckInclusion(p, bad, i, leaf); !errors.Is(err, ErrNotIncluded) {
				t.Errorf("CheckInclusion(other root) = %v, want ErrNotIncluded", err)
			}
		}
		if err := CheckInclusion(nil, c, n, LeafHash(nil)); !errors.Is(err, ErrNotIncluded) {
			t.Errorf("CheckInclusion(index = size) = %v, want ErrNotIncluded", err)
		}
	}
}

func TestCheckConsistency(t *testing.T) {
	m := &MemorySource{}
	appendEvents(t, m, 300)
	at := func(n int64) Checkpoint {
		t.Helper()
		root, err := TreeHash(n, m)
		if err != nil {
			t.Fatal(err)
		}
		return Checkpoint{Origin: testOrigin, Size: n, Root: root}
	}
	for _, sizes := range [][2]int64{{0, 0}, {0, 5}, {1, 1}, {1, 2}, {7, 8}, {100, 300}, {256, 300}, {299, 300}, {300, 300}} {
		if err := CheckConsistency(at(sizes[0]), at(sizes[1]), m); err != nil {
			t.Errorf("CheckConsistency(%d, %d): %v", sizes[0], sizes[1], err)
		}
	}

	// A fork: a second log sharing the first 100 entries.
	fork := &MemorySource{Rows: m.Rows[:100:100], Hashes: m.Hashes[:tlog.StoredHashCount(100):tlog.StoredHashCount(100)]}
	for i := int64(100); i < 300; i++ {
		e := testEvent(i)
		e.Detail = "forked"
		if _, err := fork.Append(Encode(e, testSalt(i)), nil, false); err != nil {
			t.Fatal(err)
		}
	}
	forkRoot, err := TreeHash(300, fork)
	if err != nil {
		t.Fatal(err)
	}
	forked := Checkpoint{Origin: testOrigin, Size: 300, Root: forkRoot}
	if err := CheckConsistency(at(100), forked, fork); err != nil {
		t.Errorf("CheckConsistency(shared prefix, fork): %v", err)
	}

	badRoot := at(150)
	badRoot.Root[3] ^= 0x10
	otherOrigin := at(150)
	otherOrigin.Origin = "safehub.audit/other"
	badEmpty := at(0)
	badEmpty.Root[0] ^= 1
	tests := []struct {
		name         string
		older, newer Checkpoint
		r            tlog.HashReader
	}{
		{"fork, proof from the fork", at(200), forked, fork},
		{"fork, proof from the original", at(200), forked, m},
		{"wrong older root", badRoot, at(300), m},
		{"different logs", otherOrigin, at(300), m},
		{"older is larger", at(300), at(200), m},
		{"same size, different roots", at(300), forked, m},
		{"empty tree with a root", badEmpty, at(10), m},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := CheckConsistency(tt.older, tt.newer, tt.r); !errors.Is(err, ErrInconsistent) {
				t.Errorf("CheckConsistency = %v, want ErrInconsistent", err)
			}
		})
	}
	if err := CheckConsistency(at(10), Checkpoint{Origin: testOrigin, Size: 400}, m); err == nil || errors.Is(err, ErrInconsistent) {
		t.Errorf("CheckConsistency with hashes missing = %v, want a read error", err)
	}
}
