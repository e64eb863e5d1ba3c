package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/safehub/safehub/internal/demo"
	"github.com/safehub/safehub/internal/store/pgtest"
)

// syncBuffer is a goroutine-safe buffer for the output of a command that is
// still running.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// background is a command running in a goroutine until stop is called.
type background struct {
	stdout, stderr *syncBuffer
	cancel         context.CancelFunc
	done           chan int
}

// start runs the command in the background with vars as its environment.
func start(t testing.TB, vars map[string]string, args ...string) *background {
	t.Helper()
	b := &background{stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan int, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	b.cancel = cancel
	e := &env{stdout: b.stdout, stderr: b.stderr, stdin: strings.NewReader(""), getenv: func(k string) string { return vars[k] }}
	go func() { b.done <- run(ctx, e, args) }()
	t.Cleanup(func() { b.stop(t) })
	return b
}

// waitFor waits until the output matches re and returns the first group,
// failing if the command exits first or takes too long.
func (b *background) waitFor(t testing.TB, out *syncBuffer, re *regexp.Regexp) string {
	t.Helper()
	deadline := time.After(time.Minute)
	for {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m[1]
		}
		select {
		case code := <-b.done:
			b.done <- code
			t.Fatalf("command exited %d before printing %v\nstdout:\n%s\nstderr:\n%s", code, re, b.stdout, b.stderr)
		case <-deadline:
			t.Fatalf("command did not print %v within a minute\nstdout:\n%s\nstderr:\n%s", re, b.stdout, b.stderr)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// stop cancels the command's context (as Ctrl-C does) and returns its exit
// code. It may be called more than once.
func (b *background) stop(t testing.TB) int {
	t.Helper()
	b.cancel()
	select {
	case code := <-b.done:
		b.done <- code
		return code
	case <-time.After(30 * time.Second):
		t.Fatalf("command did not stop within 30 s of cancellation")
		return -1
	}
}

func get(t testing.TB, url string) (int, string) {
	t.Helper()
	c := &http.Client{Timeout: 10 * time.Second}
	res, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(b)
}

// TestServeRefusesDemoData: a database holding the demo seed is never
// served as a live system unless --allow-demo-data says it is a test.
func TestServeRefusesDemoData(t *testing.T) {
	t.Parallel()
	for _, engine := range pgtest.Engines() {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			h := newHub(t, engine)
			h.seed(t)

			m := &Main{Config: Config{Addr: "127.0.0.1:0", DB: h.dsn, AuditKeyFile: h.keyFile, LogFormat: "text", LogLevel: "error", IdleTimeout: 15 * time.Minute, AbsoluteTimeout: time.Hour}, AppConfig: testAppConfig()}
			m.Log = discardLogger()
			err := m.Open(context.Background())
			m.Close()
			if err == nil || !strings.Contains(err.Error(), "demo seed") || !strings.Contains(err.Error(), "--allow-demo-data") {
				t.Fatalf("Main.Open on a seeded database: err %v, want a refusal naming --allow-demo-data", err)
			}

			c := h.cli()
			r := c.run(t, "serve", "--addr", "127.0.0.1:0")
			if r.code != 1 || !strings.Contains(r.stderr, "demo seed") {
				t.Errorf("serve on a seeded database: %s\nwant exit 1 refusing the demo seed", r)
			}

			// With --allow-demo-data it serves.
			m = h.startMain(t, func(m *Main) { m.Config.AllowDemoData = true })
			if code, _ := get(t, m.URL()+"/healthz"); code != http.StatusOK {
				t.Errorf("GET /healthz with --allow-demo-data: %d", code)
			}
		})
	}
}

// TestServe runs `safehub serve` as an operator would, configured from the
// environment, and stops it as a signal would.
func TestServe(t *testing.T) {
	t.Parallel()
	for _, engine := range pgtest.Engines() {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			h := newHub(t, engine)
			env := h.cli().env
			env["SAFEHUB_ADDR"] = "127.0.0.1:0"
			env["SAFEHUB_LOG_FORMAT"] = "json"
			b := start(t, env, "serve")
			url := b.waitFor(t, b.stderr, regexp.MustCompile(`"msg":"serving","url":"(http://127\.0\.0\.1:\d+)"`))
			if !strings.Contains(b.stderr.String(), `"engine":"`+engine+`"`) {
				t.Errorf("serve log does not name the engine %s:\n%s", engine, b.stderr)
			}
			if code, _ := get(t, url+"/healthz"); code != http.StatusOK {
				t.Errorf("GET /healthz: %d", code)
			}
			code, body := get(t, url+"/sign-in")
			if code != http.StatusOK || !strings.Contains(body, `id="sign-in"`) || strings.Contains(body, "demo-banner") {
				t.Errorf("GET /sign-in: %d, want the sign-in form without the demo banner", code)
			}
			// The audit key was created on first start, with its verifier key.
			for _, f := range []string{h.keyFile, h.keyFile + ".pub"} {
				if _, err := os.Stat(f); err != nil {
					t.Errorf("after serve: %v", err)
				}
			}
			if fi, err := os.Stat(h.keyFile); err == nil && fi.Mode().Perm() != 0o600 {
				t.Errorf("audit key mode %v, want 0600", fi.Mode().Perm())
			}
			if code := b.stop(t); code != 0 {
				t.Errorf("serve after cancellation: exit %d, want 0\n%s", code, b.stderr)
			}
			// Stopped: the port no longer answers.
			if conn, err := net.DialTimeout("tcp", strings.TrimPrefix(url, "http://"), time.Second); err == nil {
				conn.Close()
				t.Errorf("serve still accepts connections after it stopped")
			}
		})
	}
}

// TestServeAddrInUse: a port already taken is reported, not retried.
func TestServeAddrInUse(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	h := newHub(t, pgtest.EngineSQLite)
	r := h.cli().run(t, "serve", "--addr", l.Addr().String())
	if r.code != 1 || !strings.Contains(r.stderr, "listen on "+l.Addr().String()) {
		t.Errorf("serve on a taken port: %s\nwant exit 1 naming the address", r)
	}
}

func TestMainCloseTwice(t *testing.T) {
	t.Parallel()
	h := newHub(t, pgtest.EngineSQLite)
	m := h.startMain(t, nil)
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	// Close before Open does nothing.
	if err := new(Main).Close(); err != nil {
		t.Errorf("Close of an unopened Main: %v", err)
	}
}

var demoURL = regexp.MustCompile(`is running at (http://127\.0\.0\.1:\d+)/`)

// TestDemo: `safehub demo` seeds its data folder once, serves it on the
// address given (port 0 picks a free one, and the printed URL has it), and
// a second start reuses the folder without seeding again.
func TestDemo(t *testing.T) {
	t.Parallel()
	data := filepath.Join(t.TempDir(), "demo")

	b := start(t, nil, "demo", "--data", data, "--addr", "127.0.0.1:0")
	url := b.waitFor(t, b.stdout, demoURL)
	out := b.stdout.String()
	if !strings.Contains(out, "Seeding the demo partnership into "+filepath.Join(data, "safehub.db")) {
		t.Errorf("first demo start does not say it seeds:\n%s", out)
	}
	for _, a := range demo.Accounts {
		if !regexp.MustCompile(regexp.QuoteMeta(a.Username) + `\s+` + regexp.QuoteMeta(a.Password)).MatchString(out) {
			t.Errorf("demo does not print the account %s with its password", a.Username)
		}
	}
	code, body := get(t, url+"/sign-in")
	if code != http.StatusOK || !strings.Contains(body, `id="demo-banner"`) {
		t.Errorf("GET %s/sign-in: %d, want the sign-in page with the demo banner", url, code)
	}
	if code := b.stop(t); code != 0 {
		t.Fatalf("demo after cancellation: exit %d\nstderr:\n%s", code, b.stderr)
	}
	h := &hubFixture{engine: pgtest.EngineSQLite, dsn: filepath.Join(data, "safehub.db")}
	users, persons := h.count(t, "users"), h.count(t, "persons")
	if users != len(demo.Accounts) || persons == 0 {
		t.Fatalf("after the first demo start: %d users and %d persons, want %d users and some persons", users, persons, len(demo.Accounts))
	}
	for _, f := range []string{"audit.key", "audit.key.pub", "checkpoints.log"} {
		if _, err := os.Stat(filepath.Join(data, f)); err != nil {
			t.Errorf("demo data folder: %v", err)
		}
	}

	// Second start: same folder, no reseeding.
	b = start(t, nil, "demo", "--data", data, "--addr", "127.0.0.1:0")
	url = b.waitFor(t, b.stdout, demoURL)
	if strings.Contains(b.stdout.String(), "Seeding") {
		t.Errorf("second demo start seeds again:\n%s", b.stdout)
	}
	if code, _ := get(t, url+"/healthz"); code != http.StatusOK {
		t.Errorf("second demo start: GET /healthz %d", code)
	}
	if code := b.stop(t); code != 0 {
		t.Fatalf("second demo after cancellation: exit %d\nstderr:\n%s", code, b.stderr)
	}
	if u, p := h.count(t, "users"), h.count(t, "persons"); u != users || p != persons {
		t.Errorf("after the second start: %d users and %d persons, want %d and %d as before", u, p, users, persons)
	}
	// The demo's audit log verifies against its own published checkpoints.
	cli{}.runOK(t, "audit", "verify", "--db", h.dsn, "--audit-key-file", filepath.Join(data, "audit.key"), "--checkpoint-file", filepath.Join(data, "checkpoints.log"))
}

// TestServeTLS: with --tls-cert and --tls-key the server speaks HTTPS,
// Main.URL says so, and responses carry HSTS.
func TestServeTLS(t *testing.T) {
	t.Parallel()
	h := newHub(t, pgtest.EngineSQLite)
	cert, key := selfSignedCert(t)
	m := h.startMain(t, func(m *Main) { m.Config.TLSCertFile, m.Config.TLSKeyFile = cert, key })
	if !strings.HasPrefix(m.URL(), "https://127.0.0.1:") {
		t.Fatalf("Main.URL() = %s, want https://127.0.0.1:port", m.URL())
	}
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} //nolint:gosec // the test's own certificate
	res, err := c.Get(m.URL() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Strict-Transport-Security"), "max-age=") {
		t.Errorf("GET /healthz over TLS: %d, HSTS %q", res.StatusCode, res.Header.Get("Strict-Transport-Security"))
	}
	// Plain HTTP to the TLS port is refused.
	if code, _ := get(t, strings.Replace(m.URL(), "https://", "http://", 1)+"/healthz"); code == http.StatusOK {
		t.Errorf("plain HTTP to the TLS port answered 200")
	}
}

// selfSignedCert writes a certificate and key for 127.0.0.1 and returns
// their paths.
func selfSignedCert(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}
