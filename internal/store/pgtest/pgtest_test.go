package pgtest

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// envOrphanHelper makes the test binary act as a test binary that starts a
// cluster and is then killed, for TestNoOrphanWhenBinaryDies.
const envOrphanHelper = "PGTEST_ORPHAN_HELPER"

func TestMain(m *testing.M) {
	if os.Getenv(envOrphanHelper) == "1" {
		orphanHelper()
		return
	}
	os.Exit(Main(m))
}

// mustOpen opens a database/sql pool on url and pings it.
func mustOpen(tb testing.TB, url string) *sql.DB {
	tb.Helper()
	db, err := sql.Open("pgx", url)
	if err != nil {
		tb.Fatalf("sql.Open(%q) = %v", url, err)
	}
	tb.Cleanup(func() { db.Close() })
	if err := db.Ping(); err != nil {
		tb.Fatalf("ping %s: %v", url, err)
	}
	return db
}

func tableExists(tb testing.TB, db *sql.DB, name string) bool {
	tb.Helper()
	var exists bool
	if err := db.QueryRow(`SELECT to_regclass($1) IS NOT NULL`, name).Scan(&exists); err != nil {
		tb.Fatalf("to_regclass(%s): %v", name, err)
	}
	return exists
}

func databaseExists(tb testing.TB, db *sql.DB, name string) bool {
	tb.Helper()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM pg_database WHERE datname = $1`, name).Scan(&n); err != nil {
		tb.Fatalf("query pg_database: %v", err)
	}
	return n > 0
}

func dbName(tb testing.TB, url string) string {
	tb.Helper()
	i := strings.LastIndex(url, "/")
	j := strings.Index(url, "?")
	if i < 0 || j < i {
		tb.Fatalf("no database name in %q", url)
	}
	return url[i+1 : j]
}

func TestSharedDatabasesAreIsolated(t *testing.T) {
	c := Require(t)
	if c.external == nil {
		t.Logf("shared cluster %s: initdb %v, start %v", c.dir, c.initdbTook.Round(time.Millisecond), c.startTook.Round(time.Millisecond))
	}

	start := time.Now()
	urlA := c.NewDatabase(t)
	urlB := c.NewDatabase(t)
	t.Logf("two NewDatabase calls: %v", time.Since(start).Round(time.Millisecond))
	if urlA == urlB {
		t.Fatalf("NewDatabase returned %q twice", urlA)
	}
	a, b := mustOpen(t, urlA), mustOpen(t, urlB)

	var version string
	if err := a.QueryRow(`SELECT version()`).Scan(&version); err != nil {
		t.Fatalf("SELECT version() = %v", err)
	}
	if !strings.HasPrefix(version, "PostgreSQL ") {
		t.Errorf("SELECT version() = %q, want PostgreSQL …", version)
	}
	t.Logf("%s", version)

	if _, err := a.Exec(`CREATE TABLE only_in_a (id bigint PRIMARY KEY, name text NOT NULL)`); err != nil {
		t.Fatalf("create table: %v", err)
	}
	if _, err := a.Exec(`INSERT INTO only_in_a VALUES (1, 'synthetic')`); err != nil {
		t.Fatalf("insert: %v", err)
	}
	if !tableExists(t, a, "only_in_a") {
		t.Errorf("only_in_a missing in database A")
	}
	if tableExists(t, b, "only_in_a") {
		t.Errorf("only_in_a visible in database B")
	}
}

func TestNewDatabaseTiming(t *testing.T) {
	c := Require(t)
	const n = 10
	start := time.Now()
	for range n {
		c.NewDatabase(t)
	}
	t.Logf("NewDatabase: %v each (%d databases)", (time.Since(start) / n).Round(100*time.Microsecond), n)
}

func TestDatabaseDroppedAtCleanup(t *testing.T) {
	c := Require(t)
	admin := mustOpen(t, c.URL(adminDatabase))
	if c.external != nil {
		admin = mustOpen(t, c.external.String())
	}

	var name string
	t.Run("make", func(t *testing.T) {
		url := c.NewDatabase(t)
		name = dbName(t, url)
		if !databaseExists(t, admin, name) {
			t.Fatalf("database %s missing right after NewDatabase", name)
		}
		// A connection left open must not stop the drop (WITH (FORCE)).
		db := mustOpen(t, url)
		db.SetMaxIdleConns(1)
		if _, err := db.Exec(`CREATE TABLE t (id int)`); err != nil {
			t.Fatal(err)
		}
	})
	if name == "" {
		t.Fatal("subtest made no database")
	}
	if databaseExists(t, admin, name) {
		t.Errorf("database %s still exists after its test's cleanup", name)
	}
}

func TestRestartKeepsData(t *testing.T) {
	c := MustStart(t)
	url := c.NewDatabase(t)
	db := mustOpen(t, url)
	if _, err := db.Exec(`CREATE TABLE kept (id int); INSERT INTO kept VALUES (42)`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	start := time.Now()
	if err := c.Restart(); err != nil {
		t.Fatalf("Restart() = %v", err)
	}
	t.Logf("Restart: %v", time.Since(start).Round(time.Millisecond))
	if got := c.URL("x"); !strings.Contains(got, ":"+strconv.Itoa(c.port)+"/") {
		t.Errorf("URL after restart = %q", got)
	}
	var id int
	if err := mustOpen(t, url).QueryRow(`SELECT id FROM kept`).Scan(&id); err != nil || id != 42 {
		t.Errorf("SELECT id FROM kept after Restart = %d, %v; want 42, nil", id, err)
	}
}

func TestKillThenRestartRecovers(t *testing.T) {
	c := MustStartDurable(t)
	db := mustOpen(t, c.NewDatabase(t))
	var fsync string
	if err := db.QueryRow(`SHOW fsync`).Scan(&fsync); err != nil || fsync != "on" {
		t.Errorf("SHOW fsync on a durable cluster = %q, %v; want on", fsync, err)
	}
	if _, err := db.Exec(`CREATE TABLE committed (id int); INSERT INTO committed VALUES (7)`); err != nil {
		t.Fatal(err)
	}
	if err := c.Kill(); err != nil {
		t.Fatalf("Kill() = %v", err)
	}
	if err := db.Ping(); err == nil {
		t.Errorf("Ping after Kill succeeded")
	}
	if err := c.Restart(); err != nil {
		t.Fatalf("Restart() after Kill = %v", err)
	}
	if !strings.Contains(c.LogTail(logTailLines), "was interrupted") &&
		!strings.Contains(c.LogTail(logTailLines), "not properly shut down") {
		t.Errorf("server log shows no crash recovery:\n%s", c.LogTail(logTailLines))
	}
	var id int
	if err := db.QueryRow(`SELECT id FROM committed`).Scan(&id); err != nil || id != 7 {
		t.Errorf("SELECT id FROM committed after crash = %d, %v; want 7, nil", id, err)
	}
}

func TestSharedClusterIsFast(t *testing.T) {
	c := Require(t)
	if c.external != nil {
		t.Skip("external server")
	}
	db := mustOpen(t, c.NewDatabase(t))
	for setting, want := range map[string]string{"fsync": "off", "synchronous_commit": "off", "max_connections": "200", "listen_addresses": "127.0.0.1"} {
		var got string
		if err := db.QueryRow(`SELECT current_setting($1)`, setting).Scan(&got); err != nil || got != want {
			t.Errorf("current_setting(%s) = %q, %v; want %q", setting, got, err, want)
		}
	}
}

func TestStopIsIdempotentAndCleansUp(t *testing.T) {
	c := MustStart(t)
	pid := c.srv.cmd.Process.Pid
	if err := c.Stop(); err != nil {
		t.Fatalf("Stop() = %v", err)
	}
	if err := c.Stop(); err != nil {
		t.Errorf("second Stop() = %v", err)
	}
	if _, err := os.Stat(c.dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("cluster directory after Stop: %v, want not exist", err)
	}
	if alive(pid) {
		t.Errorf("postmaster %d alive after Stop", pid)
	}
	if err := c.Restart(); err == nil {
		t.Errorf("Restart after Stop succeeded")
	}
}

// TestExternalServer exercises SAFEHUB_TEST_POSTGRES_URL against the shared
// cluster standing in for a server someone else runs.
func TestExternalServer(t *testing.T) {
	c := Require(t)
	u := c.URL(adminDatabase)
	if c.external != nil {
		u = c.external.String()
	}
	ext, err := openExternal(u)
	if err != nil {
		t.Fatalf("openExternal(%q) = %v", u, err)
	}
	t.Cleanup(func() { ext.Stop() })
	url := ext.NewDatabase(t)
	var got string
	if err := mustOpen(t, url).QueryRow(`SELECT current_database()`).Scan(&got); err != nil || got != dbName(t, url) {
		t.Errorf("current_database() = %q, %v; want %q", got, err, dbName(t, url))
	}
	if err := ext.Restart(); err == nil {
		t.Errorf("Restart of an external server succeeded")
	}
	if _, err := openExternal("host=localhost"); err == nil {
		t.Errorf("openExternal accepted a key=value DSN")
	}
}

// TestNoOrphanWhenBinaryDies runs a copy of the test binary that starts a
// cluster and then dies by SIGKILL, with no chance to clean up, and checks the
// kernel's parent-death signal took the postmaster down and that the next
// start sweeps the directory it left.
func TestNoOrphanWhenBinaryDies(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a cluster in a child process")
	}
	requireBinaries(t)
	// Adopt the orphaned postmaster so its exit can be waited for and it is
	// reaped here rather than left a zombie until init gets round to it.
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0); errno != 0 {
		t.Logf("PR_SET_CHILD_SUBREAPER: %v", errno)
	} else {
		defer syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 0, 0)
	}
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), envOrphanHelper+"=1")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	begin := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(out).ReadString('\n')
	werr := cmd.Wait()
	var dir string
	var pid int
	if _, err := fmt.Sscanf(line, "%s %d", &dir, &pid); err != nil {
		t.Fatalf("helper printed %q (%v); exit: %v", line, err, werr)
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("helper exit = %v, want killed by SIGKILL", werr)
	}
	died := time.Now()
	deadline := time.Now().Add(20 * time.Second)
	for !reaped(pid) && isRunning(pid) {
		if time.Now().After(deadline) {
			syscall.Kill(-pid, syscall.SIGKILL)
			t.Fatalf("postmaster %d still running 20s after its test binary died", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Wait for the backends too: they leave when they see the postmaster gone.
	for time.Now().Before(deadline) && len(processesIn(t, dir)) > 0 {
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("helper ran %v; postmaster and backends gone %v after it died", died.Sub(begin).Round(time.Millisecond), time.Since(died).Round(time.Millisecond))
	if ps := processesIn(t, dir); len(ps) > 0 {
		t.Errorf("processes still using %s: %v", dir, ps)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("helper's cluster directory: %v, want left behind", err)
	}
	removeStaleDirs(filepath.Dir(dir))
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		os.RemoveAll(dir)
		t.Errorf("stale cluster directory %s not swept: %v", dir, err)
	}
}

const prSetChildSubreaper = 36 // PR_SET_CHILD_SUBREAPER from <linux/prctl.h>

// reaped reaps pid if it is an exited child of ours.
func reaped(pid int) bool {
	var ws syscall.WaitStatus
	got, err := syscall.Wait4(pid, &ws, syscall.WNOHANG, nil)
	return err == nil && got == pid
}

// isRunning reports whether pid is a live process, not a zombie waiting to be
// reaped by whichever process inherited it.
func isRunning(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return alive(pid)
	}
	_, after, _ := strings.Cut(string(b), ") ")
	return !strings.HasPrefix(after, "Z") && !strings.HasPrefix(after, "X")
}

// processesIn lists processes whose command line mentions dir.
func processesIn(t *testing.T, dir string) []string {
	t.Helper()
	var found []string
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err == nil && strings.Contains(string(b), dir) {
			found = append(found, filepath.Base(filepath.Dir(p))+": "+strings.ReplaceAll(string(b), "\x00", " "))
		}
	}
	return found
}

func orphanHelper() {
	c, err := Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	// Open a session so a backend process exists as well.
	db, err := sql.Open("pgx", c.URL(adminDatabase))
	if err == nil {
		err = db.PingContext(context.Background())
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	fmt.Printf("%s %d\n", c.dir, c.srv.cmd.Process.Pid)
	syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {}
}

func TestEngines(t *testing.T) {
	for _, tc := range []struct {
		env     string
		want    []string
		wantErr bool
	}{
		{"", []string{"sqlite", "postgres"}, false},
		{"sqlite", []string{"sqlite"}, false},
		{"postgres", []string{"postgres"}, false},
		{" Postgres , sqlite,postgres", []string{"postgres", "sqlite"}, false},
		{"sqlite,mysql", nil, true},
		{",", nil, true},
	} {
		got, err := parseEngines(tc.env)
		if (err != nil) != tc.wantErr || !slices.Equal(got, tc.want) {
			t.Errorf("parseEngines(%q) = %q, %v; want %q, error %v", tc.env, got, err, tc.want, tc.wantErr)
		}
	}
	t.Setenv(envEngines, "sqlite")
	if got := Engines(); !slices.Equal(got, []string{"sqlite"}) {
		t.Errorf("Engines() with %s=sqlite = %q", envEngines, got)
	}
}

func TestVersionOrder(t *testing.T) {
	dirs := []string{"/usr/lib/postgresql/9.6/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin", "/usr/pgsql-17/bin"}
	slices.SortStableFunc(dirs, func(a, b string) int { return compareVersions(versionOf(b), versionOf(a)) })
	want := []string{"/usr/pgsql-17/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/9.6/bin"}
	if !slices.Equal(dirs, want) {
		t.Errorf("sorted = %q, want %q", dirs, want)
	}
}

// recordingTB records Skipf and Fatalf and stops the helper there, as
// SkipNow and FailNow would.
type recordingTB struct {
	testing.TB
	skipped, failed string
}

type stopped struct{}

func (r *recordingTB) Helper() {}
func (r *recordingTB) Skipf(format string, args ...any) {
	r.skipped = fmt.Sprintf(format, args...)
	panic(stopped{})
}
func (r *recordingTB) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
	panic(stopped{})
}

// record runs f with a recordingTB and reports what it did.
func record(t *testing.T, f func(testing.TB)) (skipped, failed string) {
	r := &recordingTB{TB: t}
	func() {
		defer func() {
			if v := recover(); v != nil && v != (stopped{}) {
				panic(v)
			}
		}()
		f(r)
	}()
	return r.skipped, r.failed
}

func TestMissingPostgresSkipsOrFailsUnderCI(t *testing.T) {
	why := "PostgreSQL server binaries (initdb, postgres) not found (looked in PATH, /usr/lib/postgresql/*/bin)"
	missing := func(tb testing.TB) { skipOrFail(tb, why) }

	t.Setenv("CI", "")
	if skipped, failed := record(t, missing); skipped == "" || failed != "" {
		t.Errorf("without CI: skipped %q, failed %q; want a skip", skipped, failed)
	}
	t.Setenv("CI", "true")
	if skipped, failed := record(t, missing); failed == "" || skipped != "" ||
		!strings.Contains(failed, "CI must install the postgresql package") {
		t.Errorf("with CI=true: skipped %q, failed %q; want a loud failure", skipped, failed)
	}
}

func TestRequireHonoursEngines(t *testing.T) {
	t.Setenv(envEngines, "sqlite")
	t.Setenv("CI", "true") // deliberate, so a skip even under CI
	if skipped, failed := record(t, func(tb testing.TB) { Require(tb) }); skipped == "" || failed != "" {
		t.Errorf("Require with %s=sqlite: skipped %q, failed %q; want a skip", envEngines, skipped, failed)
	}
}

func BenchmarkNewDatabase(b *testing.B) {
	c := Require(b)
	for b.Loop() {
		c.NewDatabase(b)
	}
}
