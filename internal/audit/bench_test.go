package audit

import (
	"testing"

	"golang.org/x/mod/sumdb/note"
)

// BenchmarkVerify1M verifies a log of 1,000,000 events held in memory, with
// a stored checkpoint every 1,000 entries and a signed head.
func BenchmarkVerify1M(b *testing.B) {
	const n = 1_000_000
	s, v := newKeys(b, testOrigin)
	m := &MemorySource{}
	for i := int64(0); i < n; i++ {
		if _, err := m.Append(Encode(testEvent(i), testSalt(i)), nil, false); err != nil {
			b.Fatal(err)
		}
		if (i+1)%1000 == 0 {
			if err := checkpoint(m, s); err != nil {
				b.Fatal(err)
			}
		}
	}
	head, err := m.Sign(s)
	if err != nil {
		b.Fatal(err)
	}
	m.HeadNote = head
	b.ReportAllocs()
	runs := 0
	for b.Loop() {
		rep, err := Verify(m, v, nil)
		if err != nil {
			b.Fatal(err)
		}
		if !rep.OK() || rep.Entries != n {
			b.Fatalf("Verify = %d entries, %v", rep.Entries, rep.Problems)
		}
		runs++
	}
	b.ReportMetric(float64(n)*float64(runs)/b.Elapsed().Seconds(), "events/s")
}

func checkpoint(m *MemorySource, s note.Signer) error {
	msg, err := m.Sign(s)
	if err != nil {
		return err
	}
	m.Notes = append(m.Notes, msg)
	return nil
}

// BenchmarkAppendHashes measures computing the stored hashes and the new
// tree hash for one append, against an in-memory hash store of a log that
// grows by one entry per iteration.
func BenchmarkAppendHashes(b *testing.B) {
	m := &MemorySource{}
	appendEvents(b, m, 1000)
	enc := Encode(testEvent(1), testSalt(1))
	b.ReportAllocs()
	for b.Loop() {
		n := int64(len(m.Rows))
		hs, err := StoredHashesForAppend(n, enc, m)
		if err != nil {
			b.Fatal(err)
		}
		m.Rows = append(m.Rows, Entry{Index: n})
		m.Hashes = append(m.Hashes, hs...)
		if _, err := TreeHash(n+1, m); err != nil {
			b.Fatal(err)
		}
	}
}
