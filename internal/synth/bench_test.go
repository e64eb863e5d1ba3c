package synth

import (
	"bufio"
	"context"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkGenerate generates the county scale (100,000 persons) into a
// discarding sink and reports persons/s and output bytes/s.
func BenchmarkGenerate(b *testing.B) {
	cfg := Config{Scale: ScaleCounty, Seed: 1}
	var bytes int64
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		sum, err := Generate(context.Background(), cfg, Discard, nil)
		if err != nil {
			b.Fatal(err)
		}
		bytes = 0
		for _, f := range sum.Files {
			bytes += f.Bytes
		}
	}
	sec := time.Since(start).Seconds() / float64(b.N)
	b.ReportMetric(float64(cfg.Scale.Persons())/sec, "persons/s")
	b.ReportMetric(float64(bytes)/sec/1e6, "MB/s")
	b.ReportMetric(float64(bytes)/1e6, "MB/op")
}

// TestNationalScale generates 10 million persons (or SAFEHUB_SYNTH_PERSONS)
// into a discarding sink and reports the rate and the peak resident memory.
// It runs only when SAFEHUB_SYNTH_NATIONAL=1:
//
//	SAFEHUB_SYNTH_NATIONAL=1 go test -run TestNationalScale -v -timeout 60m ./internal/synth
func TestNationalScale(t *testing.T) {
	if os.Getenv("SAFEHUB_SYNTH_NATIONAL") != "1" {
		t.Skip("set SAFEHUB_SYNTH_NATIONAL=1 to generate the national scale")
	}
	cfg := Config{Scale: ScaleNational, Seed: 1}
	if n, err := strconv.Atoi(os.Getenv("SAFEHUB_SYNTH_PERSONS")); err == nil {
		cfg.Persons = n
	}
	start := time.Now()
	last := start
	sum, err := Generate(context.Background(), cfg, Discard, func(done, total int64) {
		if time.Since(last) > 30*time.Second {
			last = time.Now()
			t.Logf("%d of %d persons, %.0f persons/s, VmHWM %s", done, total, float64(done)/time.Since(start).Seconds(), vmHWM())
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	el := time.Since(start)
	var bytes, rows int64
	for _, f := range sum.Files {
		bytes += f.Bytes
		rows += f.Rows
	}
	t.Logf("%d persons in %v on GOMAXPROCS=%d: %.0f persons/s, %d rows, %.2f GB (%.0f MB/s), peak RSS (VmHWM) %s",
		sum.Persons, el.Round(time.Second), runtime.GOMAXPROCS(0), float64(sum.Persons)/el.Seconds(), rows, float64(bytes)/1e9,
		float64(bytes)/el.Seconds()/1e6, vmHWM())
	t.Logf("children %d, known %d, high risk %d, lines %d (active %d), groups %d, peer groups %d, episodes %d, referrals %d, calls %d",
		sum.Children, sum.KnownToServices, sum.HighRiskChildren, sum.CountyLines, sum.ActiveCountyLines, sum.OrganisedGroups,
		sum.PeerGroups, sum.MissingEpisodes, sum.Referrals, sum.Calls)
}

// vmHWM reads the peak resident set size from /proc/self/status.
func vmHWM() string {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}
