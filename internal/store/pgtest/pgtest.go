// Package pgtest gives tests a real PostgreSQL server without any setup on the
// developer's machine or in CI (DESIGN.md "Stores", style rules 20-21).
//
// The harness finds the server binaries (initdb and postgres) on PATH or under
// /usr/lib/postgresql/<version>/bin, where Debian's postgresql package puts
// them, runs initdb into a private directory, and starts the postmaster on a
// free TCP port on 127.0.0.1 with a Unix socket in the same private directory.
// The directory is under /dev/shm when that is a tmpfs with 2 GiB free (fast
// clusters only: it makes CREATE DATABASE several times faster), else under
// os.TempDir(). Authentication is trust, which is safe enough because the
// server listens on the loopback address only and lives for one test binary.
//
// One test binary shares one cluster: a package calls [Main] from its TestMain
// and [Require] (or [Shared]) from each test, then [Cluster.NewDatabase] to get
// an empty database of its own, which is dropped when the test ends. Creating a
// database copies template1 and takes tens of milliseconds, so tests stay
// isolated without paying for a cluster each. Tests that stop, kill or restart
// the server (crash and durability tests) start a private cluster with
// [MustStart] or [MustStartDurable] instead.
//
// The shared cluster runs with fsync, synchronous_commit and full_page_writes
// off: a crash of the machine loses the test cluster, which nobody minds, and
// the suite runs several times faster. [StartDurable] keeps the defaults for
// durability tests and benchmarks that must measure real commits.
//
// Environment:
//
//   - SAFEHUB_TEST_POSTGRES_URL (or TEST_POSTGRES_URL, style rule 20): use this
//     server instead of starting one; databases are created on it with
//     CREATE DATABASE, so the role needs CREATEDB. The server must be
//     PostgreSQL 13 or later (DROP DATABASE … WITH (FORCE)).
//   - SAFEHUB_TEST_ENGINES: a comma list of store engines the suite runs on,
//     "sqlite,postgres" by default; see [Engines].
//   - CI=true: a missing PostgreSQL fails the test instead of skipping it, so
//     CI never goes green by skipping the Postgres half of the suite.
//
// Running as root: initdb and postgres refuse to run as root, so when the test
// binary is root (as here and in CI) the server runs as the "postgres" system
// user, or "nobody" when there is none. The private directory is created
// under a temporary directory that user can traverse and is chowned to it; the
// server log is a file the test binary opens and hands to the server as its
// stderr, so the log is readable whatever user the server runs as.
//
// Cleanup: [Main] stops the shared cluster and any cluster still running when
// m.Run returns, and on SIGINT or SIGTERM. Each postmaster is started with a
// parent-death signal (SIGQUIT, PostgreSQL's immediate shutdown), so even when
// the test binary dies without running Main's cleanup (a -timeout panic, a
// SIGKILL) the kernel shuts the server down and no postmaster outlives the
// binary. Its directory (safehub-pgtest-* under /dev/shm or os.TempDir()) is
// then left behind; the next cluster started by any test binary removes such
// directories whose owner process and postmaster are gone.
//
// pgtest imports only the standard library and the pgx database/sql driver. It
// is test support: production code must not import it.
package pgtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Names of the store engines that [Engines] returns.
const (
	EngineSQLite   = "sqlite"
	EnginePostgres = "postgres"
)

// Environment variables read by this package.
const (
	envEngines = "SAFEHUB_TEST_ENGINES"
	envURL     = "SAFEHUB_TEST_POSTGRES_URL"
	envURLAlt  = "TEST_POSTGRES_URL"
)

// Engines returns the store engines the test suite should run on, in the order
// given by SAFEHUB_TEST_ENGINES (a comma list of "sqlite" and "postgres",
// default "sqlite,postgres"). Tests loop over it:
//
//	for _, engine := range pgtest.Engines() {
//		t.Run(engine, func(t *testing.T) { … })
//	}
//
// Engines panics on an unknown engine name; [Main] checks the variable before
// any test runs so the mistake is reported once, plainly.
func Engines() []string {
	engines, err := parseEngines(os.Getenv(envEngines))
	if err != nil {
		panic("pgtest: " + err.Error())
	}
	return engines
}

func parseEngines(s string) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return []string{EngineSQLite, EnginePostgres}, nil
	}
	var engines []string
	for _, e := range strings.Split(s, ",") {
		e = strings.ToLower(strings.TrimSpace(e))
		switch e {
		case "":
			continue
		case EngineSQLite, EnginePostgres:
			if !slices.Contains(engines, e) {
				engines = append(engines, e)
			}
		default:
			return nil, fmt.Errorf("%s=%q: unknown engine %q (want a comma list of %q and %q)",
				envEngines, s, e, EngineSQLite, EnginePostgres)
		}
	}
	if len(engines) == 0 {
		return nil, fmt.Errorf("%s=%q names no engine", envEngines, s)
	}
	return engines, nil
}

// externalURL returns the URL of a server the environment asks tests to use
// instead of a private cluster, or "".
func externalURL() string {
	if u := os.Getenv(envURL); u != "" {
		return u
	}
	return os.Getenv(envURLAlt)
}

// libDirs are the directories searched after PATH, as globs. Debian and Ubuntu
// install each major version under /usr/lib/postgresql/<version>/bin; Red Hat's
// PGDG packages under /usr/pgsql-<version>/bin.
var libDirs = []string{"/usr/lib/postgresql/*/bin", "/usr/pgsql-*/bin"}

// binDir is the directory holding initdb and postgres, found once.
var binDir = sync.OnceValues(findBinDir)

// Available reports whether PostgreSQL server binaries can be found, and when
// they cannot, says where it looked. It does not start anything. When a test
// server is given by SAFEHUB_TEST_POSTGRES_URL no binaries are needed and
// Available reports true.
func Available() (bool, string) {
	if externalURL() != "" {
		return true, ""
	}
	if _, err := binDir(); err != nil {
		return false, err.Error()
	}
	if _, err := serverUser(); err != nil {
		return false, err.Error()
	}
	return true, ""
}

// findBinDir looks for a directory with both initdb and postgres: first the
// one holding initdb on PATH, then libDirs, highest version first.
func findBinDir() (string, error) {
	complete := func(dir string) bool {
		for _, name := range []string{"initdb", "postgres"} {
			fi, err := os.Stat(filepath.Join(dir, name))
			if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
				return false
			}
		}
		return true
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		// Resolve symlinks (/usr/local/bin/initdb → /usr/lib/postgresql/15/bin)
		// so postgres is taken from the same installation as initdb.
		if r, err := filepath.EvalSymlinks(p); err == nil {
			p = r
		}
		if dir := filepath.Dir(p); complete(dir) {
			return dir, nil
		}
	}
	var dirs []string
	for _, pattern := range libDirs {
		m, _ := filepath.Glob(pattern)
		dirs = append(dirs, m...)
	}
	slices.SortStableFunc(dirs, func(a, b string) int {
		return compareVersions(versionOf(b), versionOf(a)) // highest first
	})
	for _, dir := range dirs {
		if complete(dir) {
			return dir, nil
		}
	}
	return "", fmt.Errorf("PostgreSQL server binaries (initdb, postgres) not found (looked in PATH, %s)",
		strings.Join(libDirs, ", "))
}

// versionOf extracts the version numbers from a directory such as
// /usr/lib/postgresql/9.6/bin or /usr/pgsql-16/bin.
func versionOf(dir string) []int {
	name := filepath.Base(filepath.Dir(dir))
	name = name[strings.LastIndexAny(name, "-/")+1:]
	var v []int
	for _, part := range strings.Split(name, ".") {
		n, err := strconv.Atoi(part)
		if err != nil {
			return nil
		}
		v = append(v, n)
	}
	return v
}

func compareVersions(a, b []int) int {
	for i := range max(len(a), len(b)) {
		var x, y int
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			return x - y
		}
	}
	return 0
}
