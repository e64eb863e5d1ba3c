package synth

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"testing"
	"time"
)

// table is one parsed output file.
type table struct {
	name string
	cols map[string]int
	rows [][]string
}

func (t *table) col(row []string, name string) string {
	i, ok := t.cols[name]
	if !ok {
		panic("no column " + name + " in " + t.name)
	}
	return row[i]
}

// world is a generated world held in memory.
type world struct {
	cfg     Config
	sum     *Summary
	sink    *MemSink
	tables  map[string]*table
	persons map[string][]string // person_id → row of truth_persons.csv
}

// mustGenerate generates cfg into memory and parses every file strictly
// (RFC 4180, the same field count on every line).
func mustGenerate(tb testing.TB, cfg Config) *world {
	tb.Helper()
	m := NewMemSink()
	sum, err := Generate(context.Background(), cfg, m, nil)
	if err != nil {
		tb.Fatalf("Generate(%+v): %v", cfg, err)
	}
	norm, err := cfg.Normalize()
	if err != nil {
		tb.Fatal(err)
	}
	w := &world{cfg: norm, sum: sum, sink: m, tables: map[string]*table{}, persons: map[string][]string{}}
	for _, f := range Files() {
		data := m.Bytes(f.Name)
		if data == nil {
			tb.Fatalf("%s not written", f.Name)
		}
		if bytes.Contains(data, []byte("\r")) {
			tb.Errorf("%s contains a carriage return", f.Name)
		}
		rd := csv.NewReader(bytes.NewReader(data))
		recs, err := rd.ReadAll()
		if err != nil {
			tb.Fatalf("parse %s: %v", f.Name, err)
		}
		t := &table{name: f.Name, cols: map[string]int{}, rows: recs[1:]}
		for i, c := range recs[0] {
			t.cols[c] = i
		}
		if got, want := len(recs[0]), len(f.Columns); got != want {
			tb.Fatalf("%s header has %d columns, want %d", f.Name, got, want)
		}
		for i, c := range f.Columns {
			if recs[0][i] != c {
				tb.Fatalf("%s column %d = %q, want %q", f.Name, i, recs[0][i], c)
			}
		}
		w.tables[f.Name] = t
	}
	pt := w.tables["truth_persons.csv"]
	for _, r := range pt.rows {
		w.persons[pt.col(r, "person_id")] = r
	}
	return w
}

// digests returns the SHA-256 of every stream in a MemSink.
func digests(m *MemSink) map[string]string {
	out := map[string]string{}
	for _, n := range m.Names() {
		h := sha256.Sum256(m.Bytes(n))
		out[n] = hex.EncodeToString(h[:])
	}
	return out
}

func parseTime(tb testing.TB, s string) time.Time {
	tb.Helper()
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		tb.Fatalf("bad time %q: %v", s, err)
	}
	return t
}

func parseDay(tb testing.TB, s string) time.Time {
	tb.Helper()
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		tb.Fatalf("bad date %q: %v", s, err)
	}
	return t
}
