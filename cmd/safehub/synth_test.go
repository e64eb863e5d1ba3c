package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/safehub/safehub/internal/store"
	"github.com/safehub/safehub/internal/store/pgtest"
)

// TestSynthOutDeterministic writes the partnership twice with the same seed
// and once with another: the same seed gives byte-identical files.
func TestSynthOutDeterministic(t *testing.T) {
	t.Parallel()
	dirs := []string{t.TempDir(), t.TempDir(), t.TempDir()}
	seeds := []string{"7", "7", "8"}
	for i, d := range dirs {
		var out, errb bytes.Buffer
		e := &env{stdout: &out, stderr: &errb, stdin: strings.NewReader(""), getenv: func(string) string { return "" }}
		if code := run(context.Background(), e, []string{"synth", "--persons", "600", "--seed", seeds[i], "--out", d}); code != 0 {
			t.Fatalf("synth --out: exit %d: %s", code, errb.String())
		}
	}
	sum := func(dir string) map[string][32]byte {
		m := map[string][32]byte{}
		names, _ := filepath.Glob(filepath.Join(dir, "*"))
		for _, n := range names {
			b, err := os.ReadFile(n)
			if err != nil {
				t.Fatal(err)
			}
			m[filepath.Base(n)] = sha256.Sum256(b)
		}
		return m
	}
	a, b, c := sum(dirs[0]), sum(dirs[1]), sum(dirs[2])
	if len(a) < 20 {
		t.Fatalf("synth wrote %d files, want the whole partnership", len(a))
	}
	for n, h := range a {
		if b[n] != h {
			t.Errorf("%s differs between two runs with the same seed", n)
		}
	}
	if a["truth_persons.csv"] == c["truth_persons.csv"] {
		t.Errorf("truth_persons.csv is the same for seeds 7 and 8")
	}
}

// TestSynthLoad loads a small partnership into each engine, from files
// written earlier, and checks the persons are there and the audit log holds
// one creation event each.
func TestSynthLoad(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	e := &env{stdout: &out, stderr: &errb, stdin: strings.NewReader(""), getenv: func(string) string { return "" }}
	if code := run(context.Background(), e, []string{"synth", "--persons", "400", "--out", dir}); code != 0 {
		t.Fatalf("synth --out: exit %d: %s", code, errb.String())
	}
	for _, engine := range pgtest.Engines() {
		t.Run(engine, func(t *testing.T) {
			dsn := filepath.Join(t.TempDir(), "s.db")
			if engine == pgtest.EnginePostgres {
				dsn = pgtest.Require(t).NewDatabase(t)
			}
			key := filepath.Join(t.TempDir(), "audit.key")
			out.Reset()
			errb.Reset()
			if code := run(context.Background(), e, []string{"synth", "--load", "--from", dir, "--db", dsn, "--audit-key-file", key}); code != 0 {
				t.Fatalf("synth --load: exit %d: %s", code, errb.String())
			}
			if !strings.Contains(out.String(), "loaded ") {
				t.Errorf("synth --load printed %q, want a line saying what it loaded", out.String())
			}
			db, err := store.Open(context.Background(), dsn, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var persons, created, synthetic int
			row := db.SQL().QueryRow(`SELECT COUNT(*), SUM(CASE WHEN synthetic THEN 1 ELSE 0 END) FROM persons`)
			if err := row.Scan(&persons, &synthetic); err != nil {
				t.Fatal(err)
			}
			if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM audit_events WHERE action = 'create' AND object_type = 'person'`).Scan(&created); err != nil {
				t.Fatal(err)
			}
			if persons < 50 || created != persons || synthetic != persons {
				t.Errorf("after load: %d persons, %d synthetic, %d creation events; want some, all synthetic, one event each", persons, synthetic, created)
			}
		})
	}
}
