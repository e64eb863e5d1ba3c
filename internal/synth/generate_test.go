package synth

import (
	"context"
	"errors"
	"maps"
	"runtime"
	"slices"
	"testing"
)

func TestGenerateDeterministic(t *testing.T) {
	gen := func(seed uint64) map[string]string {
		m := NewMemSink()
		if _, err := Generate(context.Background(), Config{Seed: seed}, m, nil); err != nil {
			t.Fatal(err)
		}
		return digests(m)
	}
	a, b := gen(7), gen(7)
	if !maps.Equal(a, b) {
		for n := range a {
			if a[n] != b[n] {
				t.Errorf("seed 7 twice: %s differs", n)
			}
		}
	}
	if want := len(Files()) + 1; len(a) != want {
		t.Errorf("wrote %d streams, want %d", len(a), want)
	}
	c := gen(8)
	for _, f := range []string{"truth_persons.csv", "extract_health.csv", "missing_episodes.csv", "calls.csv"} {
		if a[f] == c[f] {
			t.Errorf("seeds 7 and 8 gave the same %s", f)
		}
	}
}

// The output must not depend on how blocks are batched, how many workers
// generate them or GOMAXPROCS.
func TestGenerateIndependentOfChunking(t *testing.T) {
	base := Config{Persons: 12_345, Seed: 99}
	var ref map[string]string
	for _, tc := range []struct {
		workers, batch, procs int
	}{{1, 1, 1}, {2, 3, 2}, {5, 7, 2}, {3, 100, 1}} {
		prev := runtime.GOMAXPROCS(tc.procs)
		cfg := base
		cfg.Workers, cfg.batch = tc.workers, tc.batch
		m := NewMemSink()
		_, err := Generate(context.Background(), cfg, m, nil)
		runtime.GOMAXPROCS(prev)
		if err != nil {
			t.Fatal(err)
		}
		d := digests(m)
		if ref == nil {
			ref = d
			continue
		}
		for _, n := range slices.Sorted(maps.Keys(ref)) {
			if d[n] != ref[n] {
				t.Errorf("workers=%d batch=%d GOMAXPROCS=%d: %s differs from workers=1 batch=1", tc.workers, tc.batch, tc.procs, n)
			}
		}
	}
}

func TestGenerateProgressAndSummary(t *testing.T) {
	var last, calls int64
	m := NewMemSink()
	sum, err := Generate(context.Background(), Config{Persons: 4_500, Seed: 3, batch: 1}, m, func(done, total int64) {
		if total != 4_500 || done < last || done > total {
			t.Errorf("progress(%d, %d) after %d", done, total, last)
		}
		last = done
		calls++
	})
	if err != nil {
		t.Fatal(err)
	}
	if last != 4_500 || calls != 5 {
		t.Errorf("progress ended at %d after %d calls, want 4500 after 5", last, calls)
	}
	if sum.Persons != 4_500 || sum.Scale != "" || sum.Dataset != "synth-3-4500" {
		t.Errorf("summary = persons %d scale %q dataset %q", sum.Persons, sum.Scale, sum.Dataset)
	}
	if m.Bytes(ManifestName) == nil {
		t.Errorf("%s not written", ManifestName)
	}
	for _, f := range sum.Files {
		if int64(len(m.Bytes(f.Name))) != f.Bytes {
			t.Errorf("%s: summary says %d bytes, sink holds %d", f.Name, f.Bytes, len(m.Bytes(f.Name)))
		}
	}
}

func TestGenerateCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	_, err := Generate(ctx, Config{Persons: 50_000, batch: 1}, Discard, func(done, total int64) {
		if done >= 5_000 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Generate after cancel = %v, want context.Canceled", err)
	}
}

func TestConfigNormalize(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		ok   bool
		want int
	}{
		{"zero is demo", Config{}, true, 6_000},
		{"county", Config{Scale: ScaleCounty}, true, 100_000},
		{"national", Config{Scale: ScaleNational}, true, 10_000_000},
		{"persons override", Config{Scale: ScaleNational, Persons: 777}, true, 777},
		{"unknown scale", Config{Scale: "planet"}, false, 0},
		{"too few", Config{Persons: 10}, false, 0},
		{"too many", Config{Persons: MaxPersons + 1}, false, 0},
		{"end before start", Config{Start: DefaultEnd, End: DefaultEnd.AddDate(-1, 0, 0)}, false, 0},
		{"too short", Config{Start: DefaultEnd.AddDate(0, -1, 0)}, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.cfg.Normalize()
			if (err == nil) != tc.ok {
				t.Fatalf("Normalize() error = %v, want ok %v", err, tc.ok)
			}
			if tc.ok && got.Persons != tc.want {
				t.Errorf("Normalize().Persons = %d, want %d", got.Persons, tc.want)
			}
		})
	}
}
