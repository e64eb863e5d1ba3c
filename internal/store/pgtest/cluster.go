package pgtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

// Timeouts for the server's life cycle. Generous because CI machines are slow
// and busy; a healthy start takes well under a second.
const (
	initdbTimeout   = 2 * time.Minute
	startTimeout    = time.Minute
	stopTimeout     = 30 * time.Second
	killTimeout     = 10 * time.Second
	logTailLines    = 40
	dirPrefix       = "safehub-pgtest-"
	superuser       = "postgres"
	adminDatabase   = "postgres"
	portAttempts    = 5
	maxSocketPath   = 100 // sun_path is 108 bytes on Linux; keep a margin
	staleDirMinAge  = time.Hour
	ownerFileName   = "owner.pid"
	logFileName     = "postgres.log"
	dataDirName     = "data"
	pidFileStatusNo = 7 // 0-based line of postmaster.pid holding "ready"
)

// Cluster is a PostgreSQL server for tests: either a private cluster this
// package started, or a server named by SAFEHUB_TEST_POSTGRES_URL. Its methods
// are safe for concurrent use.
type Cluster struct {
	// Private cluster.
	dir     string              // private directory: data/, postgres.log, owner.pid, socket
	port    int                 // TCP port on 127.0.0.1, kept across restarts
	durable bool                // fsync and synchronous_commit left on
	cred    *syscall.Credential // user the server runs as; nil: our own

	initdbTook, startTook time.Duration // for the package's own tests

	// External server; nil for a private cluster.
	external *url.URL

	mu      sync.Mutex
	srv     *server // running postmaster; nil when down
	stopped bool    // Stop has run: the cluster is gone for good
	admin   *sql.DB // connection to adminDatabase for CREATE/DROP DATABASE
}

// server is one run of the postmaster process.
type server struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	err  error         // exit status, set before done is closed
}

// Start initialises and starts a private cluster tuned for speed: fsync,
// synchronous_commit and full_page_writes are off, so a power cut could
// corrupt it (a crash of the server process cannot). The caller must Stop it;
// tests should use [MustStart], which does.
func Start() (*Cluster, error) { return start(false) }

// StartDurable is like [Start] but keeps PostgreSQL's durable defaults (fsync,
// synchronous_commit and full_page_writes on), for durability tests and for
// benchmarks whose numbers must include the cost of a real commit.
func StartDurable() (*Cluster, error) { return start(true) }

// MustStart starts a private cluster for one test and stops it at cleanup. It
// skips the test (fails it when CI=true) where PostgreSQL is not installed and
// fails it, with the server log, when the server does not start. Use it for
// tests that stop, kill or restart the server; others share [Require].
func MustStart(tb testing.TB) *Cluster {
	tb.Helper()
	return mustStart(tb, false)
}

// MustStartDurable is [MustStart] with [StartDurable]'s settings.
func MustStartDurable(tb testing.TB) *Cluster {
	tb.Helper()
	return mustStart(tb, true)
}

func mustStart(tb testing.TB, durable bool) *Cluster {
	tb.Helper()
	requireBinaries(tb)
	c, err := start(durable)
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	tb.Cleanup(func() {
		if err := c.Stop(); err != nil {
			tb.Errorf("pgtest: %v", err)
		}
	})
	return c
}

func start(durable bool) (*Cluster, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	cred, err := serverUser()
	if err != nil {
		return nil, err
	}
	base, err := baseDir(cred, !durable)
	if err != nil {
		return nil, err
	}
	for _, dir := range []string{shmDir, os.TempDir(), fallbackTmp} {
		removeStaleDirs(dir)
	}

	dir, err := os.MkdirTemp(base, dirPrefix)
	if err != nil {
		return nil, fmt.Errorf("create cluster directory: %w", err)
	}
	c := &Cluster{dir: dir, durable: durable, cred: cred}
	fail := func(err error) (*Cluster, error) {
		c.mu.Lock()
		c.stopped = true
		c.shutdown(syscall.SIGQUIT, killTimeout)
		c.mu.Unlock()
		os.RemoveAll(dir)
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, ownerFileName), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		return fail(err)
	}
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return fail(fmt.Errorf("chown cluster directory: %w", err))
		}
	}

	t0 := time.Now()
	initdb := exec.Command(filepath.Join(bin, "initdb"),
		"-D", c.dataDir(),
		"-U", superuser,
		"--auth=trust", // the server listens on 127.0.0.1 and a private socket only
		"-E", "UTF8", "--locale=C",
		"--no-sync", // the files are in the page cache; a power cut loses the test run anyway
	)
	initdb.Env = serverEnv()
	initdb.SysProcAttr = c.sysProcAttr(false)
	initdb.WaitDelay = time.Second
	var out bytes.Buffer
	initdb.Stdout, initdb.Stderr = &out, &out
	if err := runWithTimeout(initdb, initdbTimeout); err != nil {
		return fail(fmt.Errorf("initdb in %s: %w\n%s", dir, err, tail(out.String(), logTailLines)))
	}
	initdbTook := time.Since(t0)

	var lastErr error
	for range portAttempts {
		c.port, err = freePort()
		if err != nil {
			return fail(err)
		}
		c.mu.Lock()
		lastErr = c.startServer()
		c.mu.Unlock()
		if lastErr == nil || !portConflict(c.logTail()) {
			break
		}
	}
	if lastErr != nil {
		return fail(lastErr)
	}
	c.initdbTook = initdbTook
	c.startTook = time.Since(t0) - initdbTook
	register(c)
	return c, nil
}

// openExternal wraps a server given by URL. The database in the URL is the one
// connected to for CREATE DATABASE and DROP DATABASE.
func openExternal(raw string) (*Cluster, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return nil, fmt.Errorf("%s must be a postgres:// URL", envURL)
	}
	c := &Cluster{external: u}
	db, err := c.adminDB()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to %s server %s: %w", envURL, u.Redacted(), err)
	}
	register(c)
	return c, nil
}

// URL returns a URL for database dbname on the cluster, such as
// postgres://postgres@127.0.0.1:PORT/dbname?sslmode=disable.
func (c *Cluster) URL(dbname string) string {
	if c.external != nil {
		u := *c.external
		u.Path = "/" + dbname
		u.RawPath = ""
		return u.String()
	}
	u := url.URL{
		Scheme:   "postgres",
		User:     url.User(superuser),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(c.port)),
		Path:     "/" + dbname,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// Dir returns the cluster's private directory (data/ and postgres.log), or ""
// for an external server.
func (c *Cluster) Dir() string { return c.dir }

// LogTail returns the last n lines of the server log, for failure messages.
func (c *Cluster) LogTail(n int) string {
	if c.external != nil {
		return ""
	}
	b, _ := os.ReadFile(filepath.Join(c.dir, logFileName))
	return tail(string(b), n)
}

func (c *Cluster) logTail() string { return c.LogTail(logTailLines) }

// NewDatabase creates an empty database with a fresh name (t_ and 16 hex
// digits) by copying template1, drops it when the test ends, and returns its
// URL. Each test gets its own database, so tests may run in parallel.
func (c *Cluster) NewDatabase(tb testing.TB) string {
	tb.Helper()
	var b [8]byte
	rand.Read(b[:])
	name := "t_" + hex.EncodeToString(b[:])

	db, err := c.adminDB()
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("pgtest: create database %s: %v\n%s", name, err, c.logTail())
	}
	tb.Cleanup(func() {
		if err := c.dropDatabase(name); err != nil {
			tb.Errorf("pgtest: %v", err)
		}
	})
	return c.URL(name)
}

// dropDatabase drops a database made by NewDatabase, closing any connection
// the test left open. Nothing is left to drop once the cluster is stopped or
// killed.
func (c *Cluster) dropDatabase(name string) error {
	c.mu.Lock()
	down := c.stopped || (c.external == nil && c.srv == nil)
	c.mu.Unlock()
	if down {
		return nil
	}
	db, err := c.adminDB()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop database %s: %w", name, err)
	}
	return nil
}

// adminDB returns the pool used for CREATE and DROP DATABASE, opening it on
// first use and after a restart.
func (c *Cluster) adminDB() (*sql.DB, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return nil, errors.New("cluster is stopped")
	}
	if c.admin == nil {
		u := c.URL(adminDatabase)
		if c.external != nil {
			u = c.external.String()
		}
		db, err := sql.Open("pgx", u)
		if err != nil {
			return nil, err
		}
		db.SetMaxIdleConns(2)
		db.SetConnMaxIdleTime(time.Minute)
		c.admin = db
	}
	return c.admin, nil
}

func (c *Cluster) closeAdminLocked() {
	if c.admin != nil {
		c.admin.Close()
		c.admin = nil
	}
}

// Stop shuts the server down (PostgreSQL's fast shutdown: sessions are
// disconnected, a checkpoint is written) and removes the cluster directory. It
// is idempotent. For an external server it only closes this package's
// connections.
func (c *Cluster) Stop() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return nil
	}
	c.stopped = true
	c.closeAdminLocked()
	unregister(c)
	if c.external != nil {
		return nil
	}
	err := c.shutdown(syscall.SIGINT, stopTimeout)
	if rmErr := os.RemoveAll(c.dir); rmErr != nil {
		err = errors.Join(err, fmt.Errorf("remove cluster directory: %w", rmErr))
	}
	if err != nil {
		return fmt.Errorf("stop cluster %s: %w", c.dir, err)
	}
	return nil
}

// Kill stops the server the way a crash would (PostgreSQL's immediate
// shutdown, as pg_ctl stop -m immediate: no checkpoint, recovery at the next
// start) and leaves the data directory for [Cluster.Restart].
func (c *Cluster) Kill() error {
	if c.external != nil {
		return errors.New("pgtest: cannot kill an external server")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return errors.New("pgtest: cluster is stopped")
	}
	c.closeAdminLocked()
	return c.shutdown(syscall.SIGQUIT, killTimeout)
}

// Restart stops the server with a fast shutdown, if it is running, and starts
// it again on the same port with the same data. After [Cluster.Kill] it runs
// crash recovery. Connections open before the restart are broken.
func (c *Cluster) Restart() error {
	if c.external != nil {
		return errors.New("pgtest: cannot restart an external server")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return errors.New("pgtest: cluster is stopped")
	}
	c.closeAdminLocked()
	if err := c.shutdown(syscall.SIGINT, stopTimeout); err != nil {
		return err
	}
	return c.startServer()
}

func (c *Cluster) dataDir() string { return filepath.Join(c.dir, dataDirName) }

// startServer starts the postmaster and waits until it accepts connections.
// c.mu is held.
func (c *Cluster) startServer() error {
	bin, err := binDir()
	if err != nil {
		return err
	}
	logf, err := os.OpenFile(filepath.Join(c.dir, logFileName), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close() // the server has its own descriptor

	args := []string{
		"-D", c.dataDir(),
		"-p", strconv.Itoa(c.port),
		"-k", c.dir,
		"-c", "listen_addresses=127.0.0.1",
		"-c", "max_connections=200",
		"-c", "shared_buffers=64MB",
	}
	if !c.durable {
		args = append(args,
			"-c", "fsync=off",
			"-c", "synchronous_commit=off",
			"-c", "full_page_writes=off",
			"-c", "max_wal_size="+maxWALSize, // bounds the cluster's size on tmpfs
		)
	}
	cmd := exec.Command(filepath.Join(bin, "postgres"), args...)
	cmd.Env = serverEnv()
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = c.sysProcAttr(true)
	fmt.Fprintf(logf, "pgtest: %s\n", strings.Join(cmd.Args, " "))

	srv, err := spawn(cmd)
	if err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	c.srv = srv
	if err := c.waitReady(); err != nil {
		c.shutdown(syscall.SIGQUIT, killTimeout)
		return fmt.Errorf("start postgres on 127.0.0.1:%d: %w\nserver log (last %d lines):\n%s",
			c.port, err, logTailLines, c.logTail())
	}
	return nil
}

// waitReady waits until postmaster.pid says the server is ready (as pg_ctl -w
// does), then checks that it accepts a TCP connection. c.mu is held.
func (c *Cluster) waitReady() error {
	deadline := time.Now().Add(startTimeout)
	pidFile := filepath.Join(c.dataDir(), "postmaster.pid")
	for {
		select {
		case <-c.srv.done:
			return fmt.Errorf("postgres exited: %v", c.srv.err)
		default:
		}
		if b, err := os.ReadFile(pidFile); err == nil {
			lines := strings.Split(string(b), "\n")
			if len(lines) > pidFileStatusNo && strings.TrimSpace(lines[pidFileStatusNo]) == "ready" {
				break
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %v", startTimeout)
		}
		time.Sleep(5 * time.Millisecond)
	}
	db, err := sql.Open("pgx", c.URL(adminDatabase))
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	return db.PingContext(ctx)
}

// shutdown signals the postmaster (SIGINT: fast shutdown; SIGQUIT: immediate)
// and waits for it to exit, escalating to SIGQUIT and then SIGKILL of its
// process group. c.mu is held.
func (c *Cluster) shutdown(sig syscall.Signal, timeout time.Duration) error {
	srv := c.srv
	if srv == nil {
		return nil
	}
	c.srv = nil
	pid := srv.cmd.Process.Pid
	var errs []error
	for _, step := range []struct {
		sig     syscall.Signal
		group   bool
		timeout time.Duration
	}{
		{sig, false, timeout},
		{syscall.SIGQUIT, false, killTimeout},
		{syscall.SIGKILL, true, killTimeout},
	} {
		target := pid
		if step.group {
			target = -pid // the server runs in its own process group
		}
		if err := syscall.Kill(target, step.sig); err != nil && !errors.Is(err, syscall.ESRCH) {
			errs = append(errs, fmt.Errorf("signal %v: %w", step.sig, err))
		}
		select {
		case <-srv.done:
			if len(errs) > 0 || step.sig != sig {
				errs = append(errs, fmt.Errorf("postgres did not stop on %v; needed %v", sig, step.sig))
			}
			return errors.Join(errs...)
		case <-time.After(step.timeout):
		}
	}
	return errors.Join(append(errs, fmt.Errorf("postgres (pid %d) did not exit after SIGKILL", pid))...)
}

// sysProcAttr runs the process as the server user when we are root. A
// postmaster also gets its own process group and a parent-death signal.
func (c *Cluster) sysProcAttr(postmaster bool) *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{Setpgid: true}
	if c.cred != nil {
		a.Credential = c.cred
	}
	if postmaster {
		// Immediate shutdown if the test binary dies without stopping us
		// (a -timeout panic, SIGKILL). See spawn for the thread caveat.
		a.Pdeathsig = syscall.SIGQUIT
	}
	return a
}

// spawn starts cmd and waits for it in the background. The kernel sends the
// parent-death signal when the thread that forked the child exits, not when
// the process does, and Go may retire threads. So the child is started from a
// goroutine locked to its thread, which stays blocked in Wait until the child
// exits; the thread then lives exactly as long as the child or the process.
func spawn(cmd *exec.Cmd) (*server, error) {
	srv := &server{cmd: cmd, done: make(chan struct{})}
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread exits with the goroutine
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		srv.err = cmd.Wait()
		close(srv.done)
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return srv, nil
}

func runWithTimeout(cmd *exec.Cmd, timeout time.Duration) error {
	if err := cmd.Start(); err != nil {
		return err
	}
	timer := time.AfterFunc(timeout, func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
	defer timer.Stop()
	return cmd.Wait()
}

// serverEnv is our environment without variables that would steer initdb or
// postgres (PGDATA, PGPORT, locale), with the C locale.
func serverEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "PG") || strings.HasPrefix(k, "LC_") || k == "LANG" || k == "LANGUAGE" {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "LC_ALL=C")
}

// serverUser returns the credential to run initdb and postgres with, or nil
// when we are not root.
var serverUser = sync.OnceValues(func() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 != nil || err2 != nil || uid == 0 {
			continue
		}
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
	}
	return nil, errors.New(`running as root and neither the "postgres" nor the "nobody" user exists to run the PostgreSQL server as`)
})

// shmDir is a memory file system on Linux. A fast cluster lives there when it
// can: with fsync off the server still writes every file it creates, and on
// this project's machines CREATE DATABASE takes about 10 ms on tmpfs against
// 60-100 ms on disk. A durable cluster stays on disk, where fsync means
// something.
const (
	shmDir      = "/dev/shm"
	shmMinFree  = 2 << 30 // bytes free on shmDir to use it; a fast cluster's WAL stays under max_wal_size
	tmpfsMagic  = 0x01021994
	maxWALSize  = "256MB"
	fallbackTmp = "/tmp"
)

// baseDir picks the directory to create the cluster directory in: /dev/shm
// for a fast cluster when it is a tmpfs with room to spare, else os.TempDir(),
// else /tmp, provided the server user can reach it and a socket path in it
// fits in sun_path.
func baseDir(cred *syscall.Credential, fast bool) (string, error) {
	candidates := []string{os.TempDir(), fallbackTmp}
	if fast && roomyTmpfs(shmDir) {
		candidates = append([]string{shmDir}, candidates...)
	}
	var reasons []string
	for _, dir := range candidates {
		dir, err := filepath.EvalSymlinks(dir)
		if err != nil {
			reasons = append(reasons, err.Error())
			continue
		}
		if n := len(dir) + len("/"+dirPrefix+"0123456789/.s.PGSQL.65535.lock"); n > maxSocketPath {
			reasons = append(reasons, fmt.Sprintf("%s: socket path would be too long (%d bytes)", dir, n))
			continue
		}
		if cred != nil {
			if err := traversable(dir, cred); err != nil {
				reasons = append(reasons, err.Error())
				continue
			}
		}
		return dir, nil
	}
	return "", fmt.Errorf("no directory for the cluster: %s", strings.Join(reasons, "; "))
}

func roomyTmpfs(dir string) bool {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return false
	}
	return st.Type == tmpfsMagic && st.Bavail*uint64(st.Bsize) >= shmMinFree
}

// traversable checks that the user can search every directory from / to dir.
func traversable(dir string, cred *syscall.Credential) error {
	for d := dir; ; d = filepath.Dir(d) {
		var st syscall.Stat_t
		if err := syscall.Stat(d, &st); err != nil {
			return err
		}
		var bit uint32
		switch {
		case st.Uid == cred.Uid:
			bit = 0o100
		case st.Gid == cred.Gid:
			bit = 0o010
		default:
			bit = 0o001
		}
		if st.Mode&bit == 0 {
			return fmt.Errorf("%s: uid %d cannot traverse %s (mode %o)", dir, cred.Uid, d, st.Mode&0o7777)
		}
		if d == "/" {
			return nil
		}
	}
}

// removeStaleDirs removes cluster directories left behind by test binaries
// that died without cleaning up: their owner process is gone and no
// postmaster runs in them.
func removeStaleDirs(base string) {
	dirs, _ := filepath.Glob(filepath.Join(base, dirPrefix+"*"))
	for _, dir := range dirs {
		if alive(readPID(filepath.Join(dir, ownerFileName))) ||
			alive(readPID(filepath.Join(dir, dataDirName, "postmaster.pid"))) {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, ownerFileName)); err != nil {
			// No owner yet: maybe being created right now. Only very old ones go.
			if fi, err := os.Stat(dir); err != nil || time.Since(fi.ModTime()) < staleDirMinAge {
				continue
			}
		}
		os.RemoveAll(dir)
	}
}

func readPID(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, _ := strconv.Atoi(strings.TrimSpace(first))
	return pid
}

func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// freePort asks the kernel for a free TCP port on 127.0.0.1. Another process
// may take it before the server binds it; start retries with a new one.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func portConflict(log string) bool {
	return strings.Contains(log, "could not bind") || strings.Contains(log, "Address already in use") ||
		strings.Contains(log, "could not create any TCP/IP sockets")
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
