package pgtest

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
)

// running holds every cluster not yet stopped, so Main can stop them all.
var running = struct {
	sync.Mutex
	m map[*Cluster]bool
}{m: map[*Cluster]bool{}}

func register(c *Cluster) {
	running.Lock()
	running.m[c] = true
	running.Unlock()
}

func unregister(c *Cluster) {
	running.Lock()
	delete(running.m, c)
	running.Unlock()
}

// stopAll stops every cluster still running.
func stopAll() error {
	running.Lock()
	var cs []*Cluster
	for c := range running.m {
		cs = append(cs, c)
	}
	running.Unlock()
	var errs []error
	for _, c := range cs {
		errs = append(errs, c.Stop())
	}
	return errors.Join(errs...)
}

// mainActive is set by Main; Shared refuses to start a cluster without it,
// since nothing would stop the cluster.
var mainActive atomic.Bool

// Main runs the tests and then stops the shared cluster and any other cluster
// still running. Every package that uses pgtest calls it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
//
// It also checks SAFEHUB_TEST_ENGINES before any test runs, and on SIGINT or
// SIGTERM stops the clusters before the binary dies of the signal. (A test
// that sends itself SIGINT or SIGTERM would trigger this too.)
func Main(m *testing.M) int {
	if _, err := parseEngines(os.Getenv(envEngines)); err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
		return 2
	}
	mainActive.Store(true)

	sigc := make(chan os.Signal, 1)
	signal.Notify(sigc, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		sig, ok := <-sigc
		if !ok {
			return
		}
		fmt.Fprintf(os.Stderr, "pgtest: %v: stopping PostgreSQL\n", sig)
		stopAll()
		signal.Reset(sig)
		syscall.Kill(os.Getpid(), sig.(syscall.Signal))
	}()

	code := m.Run()

	signal.Stop(sigc)
	close(sigc)
	if err := stopAll(); err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

var shared struct {
	once sync.Once
	c    *Cluster
	err  error
}

// Shared returns the test binary's shared cluster, starting it on first use
// (or connecting to SAFEHUB_TEST_POSTGRES_URL when that is set). It fails the
// test if PostgreSQL cannot be had for any reason, including missing binaries;
// most tests want [Require], which skips instead where that is allowed. The
// package's TestMain must call [Main], which stops the cluster.
func Shared(tb testing.TB) *Cluster {
	tb.Helper()
	if !mainActive.Load() {
		tb.Fatal("pgtest: the package's TestMain must call pgtest.Main " +
			"(func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }) so the shared PostgreSQL cluster is stopped")
	}
	shared.once.Do(func() {
		if u := externalURL(); u != "" {
			shared.c, shared.err = openExternal(u)
		} else {
			shared.c, shared.err = Start()
		}
	})
	if shared.err != nil {
		tb.Fatalf("pgtest: shared PostgreSQL cluster: %v", shared.err)
	}
	return shared.c
}

// Require returns the shared cluster, like [Shared], for a test that needs
// PostgreSQL; [MustStart] applies the same rules. It skips the test when SAFEHUB_TEST_ENGINES leaves postgres out,
// and when PostgreSQL is not installed, unless CI=true, where a missing
// PostgreSQL fails the test loudly. A server that is installed but does not
// start always fails the test, with the tail of its log.
func Require(tb testing.TB) *Cluster {
	tb.Helper()
	skipUnlessPostgresEngine(tb)
	if ok, why := Available(); !ok {
		skipOrFail(tb, why)
	}
	return Shared(tb)
}

// requireBinaries is Require's check for a private cluster, which needs the
// server binaries even when SAFEHUB_TEST_POSTGRES_URL is set.
func requireBinaries(tb testing.TB) {
	tb.Helper()
	skipUnlessPostgresEngine(tb)
	if _, err := binDir(); err != nil {
		skipOrFail(tb, err.Error())
	}
	if _, err := serverUser(); err != nil {
		skipOrFail(tb, err.Error())
	}
}

// skipUnlessPostgresEngine skips the test when SAFEHUB_TEST_ENGINES leaves
// postgres out, as make test-short does. That is a choice, so it skips under
// CI too.
func skipUnlessPostgresEngine(tb testing.TB) {
	tb.Helper()
	if engines, err := parseEngines(os.Getenv(envEngines)); err == nil && !slices.Contains(engines, EnginePostgres) {
		tb.Skipf("pgtest: %s=%s leaves out postgres", envEngines, os.Getenv(envEngines))
	}
}

// skipOrFail skips the test because PostgreSQL is missing, or fails it under
// CI, where PostgreSQL must be installed.
func skipOrFail(tb testing.TB, why string) {
	tb.Helper()
	if os.Getenv("CI") == "true" {
		tb.Fatalf("pgtest: %s; CI must install the postgresql package (.ci/run does)", why)
	}
	tb.Skipf("pgtest: %s; install the postgresql package to run the PostgreSQL tests", why)
}
