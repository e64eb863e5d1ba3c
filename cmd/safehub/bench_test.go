package main

import (
	"regexp"
	"strings"
	"testing"
)

// TestBenchFlags runs `safehub bench flags` at a tiny size (the 1 M-child
// run is for docs/benchmarks.md, not for go test): it loads, serves,
// measures and reports a table row with no errors, and says why PostgreSQL
// is skipped without --db.
func TestBenchFlags(t *testing.T) {
	t.Parallel()
	r := runCLI(t, "bench", "flags", "--children", "3000", "--flags", "300", "--duration", "300ms", "--warmup", "100ms",
		"--runs", "1", "--conns", "4", "--engines", "sqlite,postgres")
	if r.code != 0 {
		t.Fatalf("bench: %s", r)
	}
	if !strings.Contains(r.stdout, "PostgreSQL: skipped (give --db") {
		t.Errorf("no word on the skipped PostgreSQL run:\n%s", r.stdout)
	}
	row := regexp.MustCompile(`\| sqlite \| 3000 \(3000\) / 300 \|.*\| ([0-9.]+) \| ([0-9]+) req/s \| ([0-9.]+) ms \| ([0-9.]+) ms \| [0-9.]+ \| 0 \|`)
	if !row.MatchString(r.stdout) {
		t.Errorf("no result row for SQLite without errors:\n%s", r.stdout)
	}
	if r := runCLI(t, "bench", "nope"); r.code != 2 {
		t.Errorf("bench nope: %s", r)
	}
}
