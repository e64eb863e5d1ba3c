package main

import (
	"database/sql"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/safehub/safehub/internal/audit"
	"github.com/safehub/safehub/internal/store/pgtest"
)

// AUD-05: tampering with the audit table, then `safehub audit verify`.
func TestAuditVerifyTamper(t *testing.T) {
	t.Parallel()
	for _, engine := range pgtest.Engines() {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			h := newHub(t, engine)
			h.seed(t)
			c := h.cli()
			n := int64(h.count(t, "audit_events"))
			if n < 40 {
				t.Fatalf("the demo seed made only %d audit events", n)
			}
			// One seed serves every case: the table is saved once and put
			// back after each tamper (portable SQL on both engines).
			db := h.sqlDB(t)
			mustExec(t, db, `CREATE TABLE audit_saved AS SELECT * FROM audit_events`)
			restore := func() {
				mustExec(t, db, `DELETE FROM audit_events`)
				mustExec(t, db, `INSERT INTO audit_events SELECT * FROM audit_saved`)
			}
			last := strconv.FormatInt(n-1, 10)
			cases := []struct {
				name string
				bad  int64 // first bad index; -1: the number of entries left
				sqls []string
			}{
				{"update one row", 17, []string{`UPDATE audit_events SET detail = 'nothing to see' WHERE idx = 17`}},
				{"update the actor", 5, []string{`UPDATE audit_events SET actor_name = 'someone else' WHERE idx = 5`}},
				{"update the time", 40, []string{`UPDATE audit_events SET at = at + 1 WHERE idx = 40`}},
				{"update the last row", n - 1, []string{`UPDATE audit_events SET outcome = 'denied' WHERE idx = ` + last}},
				{"delete one row", 23, []string{`DELETE FROM audit_events WHERE idx = 23`}},
				{"delete the first row", 0, []string{`DELETE FROM audit_events WHERE idx = 0`}},
				{"delete the tail", -1, []string{`DELETE FROM audit_events WHERE idx >= ` + strconv.FormatInt(n-4, 10)}},
				{"delete the last row", -1, []string{`DELETE FROM audit_events WHERE idx = ` + last}},
				{"swap two rows", 30, []string{
					`UPDATE audit_events SET idx = -1 WHERE idx = 30`,
					`UPDATE audit_events SET idx = 30 WHERE idx = 31`,
					`UPDATE audit_events SET idx = 31 WHERE idx = -1`,
				}},
				{"swap first and last", 0, []string{
					`UPDATE audit_events SET idx = -1 WHERE idx = 0`,
					`UPDATE audit_events SET idx = 0 WHERE idx = ` + last,
					`UPDATE audit_events SET idx = ` + last + ` WHERE idx = -1`,
				}},
			}
			for _, tc := range cases {
				t.Run(strings.ReplaceAll(tc.name, " ", "_"), func(t *testing.T) {
					defer restore()
					r := c.runOK(t, "audit", "verify")
					if !strings.Contains(r.stdout, "audit log intact: "+strconv.FormatInt(n, 10)+" entries") {
						t.Fatalf("audit verify before tampering: stdout %q, want intact with %d entries", r.stdout, n)
					}
					for _, q := range tc.sqls {
						res, err := db.Exec(q)
						if err != nil {
							t.Fatalf("%s: %v", q, err)
						}
						if k, _ := res.RowsAffected(); k == 0 {
							t.Fatalf("%s changed no row", q)
						}
					}
					want := tc.bad
					if want == -1 {
						want = int64(h.count(t, "audit_events"))
					}
					r = c.run(t, "audit", "verify")
					if r.code != 1 {
						t.Fatalf("audit verify after %s: %s\nwant exit 1", tc.name, r)
					}
					if got := firstBad(t, r.stderr); got != want {
						t.Errorf("audit verify after %s: first bad entry %d, want %d\n%s", tc.name, got, want, r.stderr)
					}
					if !strings.HasPrefix(r.stderr, "audit log NOT intact") || r.stdout != "" {
						t.Errorf("audit verify after %s: %s\nwant only the failure, on stderr", tc.name, r)
					}
				})
			}
			// Put back, the log verifies again: the tampering was all there was.
			c.runOK(t, "audit", "verify")
		})
	}
}

func mustExec(t *testing.T, db *sql.DB, q string) {
	t.Helper()
	if _, err := db.Exec(q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

var firstBadRE = regexp.MustCompile(`first bad entry (-?\d+):`)

// firstBad reads the index from verify's "first bad entry N:" message.
func firstBad(t *testing.T, msg string) int64 {
	t.Helper()
	m := firstBadRE.FindStringSubmatch(msg)
	if m == nil {
		t.Fatalf("no \"first bad entry N:\" in %q", msg)
	}
	n, _ := strconv.ParseInt(m[1], 10, 64)
	return n
}

func TestAuditVerifyKeys(t *testing.T) {
	t.Parallel()
	h := newHub(t, pgtest.EngineSQLite)
	h.seed(t)
	vkey, err := os.ReadFile(h.keyFile + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	// The verifier key alone, as an auditor without the signing key has it.
	c := cli{}
	c.runOK(t, "audit", "verify", "--db", h.dsn, "--verifier-key", strings.TrimSpace(string(vkey)))

	// Another key: every signature fails.
	other := filepath.Join(t.TempDir(), "other.key")
	if _, err := loadOrCreateAuditKey(other); err != nil {
		t.Fatal(err)
	}
	r := c.run(t, "audit", "verify", "--db", h.dsn, "--audit-key-file", other)
	if r.code != 1 || !strings.Contains(r.stderr, "NOT intact") {
		t.Errorf("audit verify with another key: %s\nwant exit 1, not intact", r)
	}
	r = c.run(t, "audit", "verify", "--db", h.dsn)
	if r.code != 1 || !strings.Contains(r.stderr, "--audit-key-file") {
		t.Errorf("audit verify with no key: %s\nwant exit 1 asking for a key", r)
	}
	r = c.run(t, "audit", "verify", "--db", h.dsn, "--verifier-key", "not a key")
	if r.code != 1 {
		t.Errorf("audit verify with a malformed key: %s\nwant exit 1", r)
	}
}

// AUD-06: a database restored from an older copy is caught by the
// checkpoint published (to --checkpoint-file) after the copy was taken,
// both when it is merely rolled back and when it is then appended to.
func TestAuditVerifyRollback(t *testing.T) {
	t.Parallel()
	h := newHub(t, pgtest.EngineSQLite)
	h.seed(t)
	c := h.cli()
	c.runOK(t, "audit", "checkpoint")
	old := snapshot(t, h.dsn)
	oldSize := h.count(t, "audit_events")

	// More events, then a checkpoint published to the file.
	c.stdin = cliPassword + "\n"
	c.runOK(t, "user", "add", "--username", "kim.keyworker", "--name", "Kim Keyworker", "--agency", "Leicestershire Police", "--roles", "police")
	c.stdin = ""
	c.runOK(t, "apiclient", "add", "--scope", "person:read", "--name", "ED", "--agency", "Leicestershire Police")
	r := c.runOK(t, "audit", "checkpoint")
	if !strings.Contains(r.stdout, "\n"+strconv.Itoa(oldSize+2)+"\n") {
		t.Errorf("audit checkpoint printed %q, want a checkpoint of size %d", r.stdout, oldSize+2)
	}
	published := readCheckpoints(t, h.cpFile)
	if len(published) < 2 {
		t.Fatalf("checkpoint file holds %d checkpoints, want at least 2", len(published))
	}
	r = c.runOK(t, "audit", "verify")
	if !strings.Contains(r.stdout, "intact") || !strings.Contains(r.stdout, "("+strconv.Itoa(len(published))+" published)") {
		t.Errorf("audit verify of the live log: %q", r.stdout)
	}

	// Roll back to the older copy: intact on its own, but not against the
	// published checkpoint.
	restore(t, old, h.dsn)
	c.runOK(t, "audit", "verify", "--checkpoint-file", "")
	r = c.run(t, "audit", "verify")
	if r.code != 1 {
		t.Fatalf("audit verify of a rolled-back database: %s\nwant exit 1", r)
	}
	if got := firstBad(t, r.stderr); got != int64(oldSize) {
		t.Errorf("rolled back: first bad entry %d, want %d (the entries the published checkpoint covers beyond the copy)", got, oldSize)
	}

	// Fork: append different entries to the old copy, up to and past the
	// published size. The tree no longer matches the published root.
	for i := range 3 {
		c.runOK(t, "apiclient", "add", "--scope", "flag:read", "--name", "fork "+strconv.Itoa(i), "--agency", "Leicestershire Police")
	}
	c.run(t, "audit", "checkpoint")
	// The fork's own checkpoints went to the same file; an attacker would
	// not publish them, so check against the file as it was.
	cp := filepath.Join(t.TempDir(), "published.log")
	writeCheckpoints(t, cp, published)
	c.runOK(t, "audit", "verify", "--checkpoint-file", "")
	r = c.run(t, "audit", "verify", "--checkpoint-file", cp)
	if r.code != 1 {
		t.Fatalf("audit verify of a forked database: %s\nwant exit 1", r)
	}
	if got := firstBad(t, r.stderr); got > int64(oldSize) {
		t.Errorf("forked: first bad entry %d, want at most %d", got, oldSize)
	}
}

// snapshot copies a SQLite database (closed: its WAL checkpointed) and
// returns the copy's path.
func snapshot(t *testing.T, path string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "copy.db")
	copyFile(t, path, dst)
	for _, sfx := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(path + sfx); err == nil {
			copyFile(t, path+sfx, dst+sfx)
		}
	}
	return dst
}

// restore puts a snapshot back in place of the database.
func restore(t *testing.T, snap, path string) {
	t.Helper()
	for _, sfx := range []string{"-wal", "-shm"} {
		os.Remove(path + sfx)
		if _, err := os.Stat(snap + sfx); err == nil {
			copyFile(t, snap+sfx, path+sfx)
		}
	}
	copyFile(t, snap, path)
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func readCheckpoints(t *testing.T, path string) [][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cps, err := audit.ParseCheckpointFile(f)
	if err != nil {
		t.Fatal(err)
	}
	return cps
}

func writeCheckpoints(t *testing.T, path string, cps [][]byte) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, cp := range cps {
		if err := audit.AppendCheckpointFile(f, cp); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
