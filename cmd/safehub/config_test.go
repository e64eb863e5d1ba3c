package main

import (
	"flag"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// loadConfig registers and parses the serve configuration as runServe does.
func loadConfig(t *testing.T, env map[string]string, args ...string) (Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var c Config
	if err := c.register(fs, func(k string) string { return env[k] }); err != nil {
		return c, err
	}
	err := fs.Parse(args)
	return c, err
}

// dump runs serve --config-dump and returns its settings by name.
func dump(t *testing.T, env map[string]string, args ...string) map[string]string {
	t.Helper()
	r := cli{env: env}.runOK(t, append([]string{"serve", "--config-dump"}, args...)...)
	out := map[string]string{}
	for _, l := range strings.Split(strings.TrimRight(r.stdout, "\n"), "\n") {
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			t.Fatalf("config dump line %q is not NAME=value", l)
		}
		out[k] = v
	}
	return out
}

func TestConfigDefaults(t *testing.T) {
	t.Parallel()
	c, err := loadConfig(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Addr: "127.0.0.1:8080", LogFormat: "json", LogLevel: "info", IdleTimeout: 15 * time.Minute, AbsoluteTimeout: 10 * time.Hour}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("default Config (-want +got):\n%s", diff)
	}
}

// TestConfigEnvAndFlags: every setting can be given by its SAFEHUB_*
// variable, and a flag given on the command line wins over it.
func TestConfigEnvAndFlags(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"SAFEHUB_ADDR":               "0.0.0.0:9000",
		"SAFEHUB_DB":                 "/var/lib/safehub/safehub.db",
		"SAFEHUB_AUDIT_KEY_FILE":     "/etc/safehub/audit.key",
		"SAFEHUB_CHECKPOINT_FILE":    "/var/log/safehub/checkpoints",
		"SAFEHUB_TLS_CERT":           "/etc/safehub/cert.pem",
		"SAFEHUB_TLS_KEY":            "/etc/safehub/key.pem",
		"SAFEHUB_BEHIND_TLS_PROXY":   "yes",
		"SAFEHUB_TRUSTED_PROXIES":    "10.0.0.0/8, 192.0.2.1",
		"SAFEHUB_TRUSTED_ORIGINS":    "https://hub.example.org",
		"SAFEHUB_LOG_FORMAT":         "text",
		"SAFEHUB_LOG_LEVEL":          "debug",
		"SAFEHUB_IDLE_TIMEOUT":       "20m",
		"SAFEHUB_ABSOLUTE_TIMEOUT":   "8h",
		"SAFEHUB_OIDC_ISSUER":        "https://login.example.org",
		"SAFEHUB_OIDC_CLIENT_ID":     "safehub",
		"SAFEHUB_OIDC_CLIENT_SECRET": "s3cret-value",
		"SAFEHUB_METRICS_TOKEN":      "scrape-token-value",
		"SAFEHUB_OIDC_REDIRECT_URL":  "https://hub.example.org/sign-in/oidc/callback",
		"SAFEHUB_ALLOW_DEMO_DATA":    "on",
		"SAFEHUB_MAIL_OUTBOX":        "/var/spool/safehub/outbox",
		"SAFEHUB_LOCAL_RULES":        "/etc/safehub/local-rules.json",
		"SAFEHUB_ATTACHMENTS_DIR":    "/var/lib/safehub/attachments",
	}
	c, err := loadConfig(t, env)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		Addr: "0.0.0.0:9000", DB: "/var/lib/safehub/safehub.db", AuditKeyFile: "/etc/safehub/audit.key", CheckpointFile: "/var/log/safehub/checkpoints",
		TLSCertFile: "/etc/safehub/cert.pem", TLSKeyFile: "/etc/safehub/key.pem", BehindTLSProxy: true,
		TrustedProxies: "10.0.0.0/8, 192.0.2.1", TrustedOrigins: "https://hub.example.org", LogFormat: "text", LogLevel: "debug",
		IdleTimeout: 20 * time.Minute, AbsoluteTimeout: 8 * time.Hour,
		OIDCIssuer: "https://login.example.org", OIDCClientID: "safehub", OIDCClientSecret: "s3cret-value", OIDCRedirectURL: "https://hub.example.org/sign-in/oidc/callback", MetricsToken: "scrape-token-value",
		AllowDemoData: true, MailOutbox: "/var/spool/safehub/outbox", AttachmentsDir: "/var/lib/safehub/attachments", LocalRules: "/etc/safehub/local-rules.json",
	}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("Config from the environment (-want +got):\n%s", diff)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("Validate of a complete configuration: %v", err)
	}

	// Every option has a variable, and the test above sets each.
	for _, o := range new(Config).options() {
		if _, ok := env[o.env]; !ok {
			t.Errorf("option %s is not covered by this test", o.env)
		}
	}

	// Flags win.
	c, err = loadConfig(t, env, "--addr", "127.0.0.1:7000", "--db", "postgres://h/db", "--behind-tls-proxy=false", "--log-level", "warn", "--idle-timeout", "5m", "--allow-demo-data=false")
	if err != nil {
		t.Fatal(err)
	}
	want.Addr, want.DB, want.BehindTLSProxy, want.LogLevel, want.IdleTimeout, want.AllowDemoData = "127.0.0.1:7000", "postgres://h/db", false, "warn", 5*time.Minute, false
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("Config with flags over the environment (-want +got):\n%s", diff)
	}

	// The same through the command: the dump shows the flag's value.
	d := dump(t, env, "--addr", "127.0.0.1:7000")
	if d["SAFEHUB_ADDR"] != "127.0.0.1:7000" || d["SAFEHUB_LOG_FORMAT"] != "text" {
		t.Errorf("serve --config-dump --addr 127.0.0.1:7000 with SAFEHUB_ADDR set: addr %q, log format %q", d["SAFEHUB_ADDR"], d["SAFEHUB_LOG_FORMAT"])
	}
}

func TestConfigBooleans(t *testing.T) {
	t.Parallel()
	for v, want := range map[string]bool{"1": true, "true": true, "TRUE": true, "yes": true, "on": true, "0": false, "false": false, "no": false, "Off": false} {
		c, err := loadConfig(t, map[string]string{"SAFEHUB_ALLOW_DEMO_DATA": v})
		if err != nil || c.AllowDemoData != want {
			t.Errorf("SAFEHUB_ALLOW_DEMO_DATA=%s: AllowDemoData %v, err %v; want %v", v, c.AllowDemoData, err, want)
		}
	}
	for _, v := range []string{"maybe", "2", "enabled"} {
		_, err := loadConfig(t, map[string]string{"SAFEHUB_BEHIND_TLS_PROXY": v})
		if err == nil || !strings.Contains(err.Error(), "SAFEHUB_BEHIND_TLS_PROXY") || !strings.Contains(err.Error(), v) {
			t.Errorf("SAFEHUB_BEHIND_TLS_PROXY=%s: err %v, want an error naming the variable and value", v, err)
		}
	}
	r := cli{env: map[string]string{"SAFEHUB_ALLOW_DEMO_DATA": "perhaps"}}.run(t, "serve", "--config-dump")
	if r.code != 1 || !strings.Contains(r.stderr, `SAFEHUB_ALLOW_DEMO_DATA: "perhaps" is not true or false`) {
		t.Errorf("serve with SAFEHUB_ALLOW_DEMO_DATA=perhaps: %s", r)
	}
}

func TestConfigBadDurationEnv(t *testing.T) {
	t.Parallel()
	_, err := loadConfig(t, map[string]string{"SAFEHUB_IDLE_TIMEOUT": "ten minutes", "SAFEHUB_ABSOLUTE_TIMEOUT": "8"})
	for _, want := range []string{`SAFEHUB_IDLE_TIMEOUT: "ten minutes" is not a duration`, `SAFEHUB_ABSOLUTE_TIMEOUT: "8" is not a duration`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("bad duration variables: err %v, want it to contain %q", err, want)
		}
	}
	r := runCLI(t, "serve", "--idle-timeout", "soon")
	if r.code == 0 || !strings.Contains(r.stderr, "idle-timeout") {
		t.Errorf("serve --idle-timeout soon: %s\nwant a failure naming the flag", r)
	}
}

func TestConfigSecretFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	f := filepath.Join(dir, "oidc-secret")
	if err := os.WriteFile(f, []byte("  from-a-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := loadConfig(t, map[string]string{"SAFEHUB_OIDC_CLIENT_SECRET_FILE": f})
	if err != nil {
		t.Fatal(err)
	}
	if c.OIDCClientSecret != "from-a-file" {
		t.Errorf("OIDCClientSecret from _FILE = %q, want %q (trimmed)", c.OIDCClientSecret, "from-a-file")
	}

	_, err = loadConfig(t, map[string]string{"SAFEHUB_OIDC_CLIENT_SECRET_FILE": f, "SAFEHUB_OIDC_CLIENT_SECRET": "direct"})
	if err == nil || !strings.Contains(err.Error(), "set SAFEHUB_OIDC_CLIENT_SECRET or SAFEHUB_OIDC_CLIENT_SECRET_FILE, not both") {
		t.Errorf("secret and _FILE both set: err %v, want refusal", err)
	}
	r := cli{env: map[string]string{"SAFEHUB_OIDC_CLIENT_SECRET_FILE": f, "SAFEHUB_OIDC_CLIENT_SECRET": "direct"}}.run(t, "serve", "--config-dump")
	if r.code != 1 || !strings.Contains(r.stderr, "not both") || strings.Contains(r.stdout+r.stderr, "direct") {
		t.Errorf("serve with secret and _FILE: %s\nwant exit 1, refusing, without the secret", r)
	}

	_, err = loadConfig(t, map[string]string{"SAFEHUB_OIDC_CLIENT_SECRET_FILE": filepath.Join(dir, "missing")})
	if err == nil || !strings.Contains(err.Error(), "SAFEHUB_OIDC_CLIENT_SECRET_FILE") {
		t.Errorf("_FILE naming a missing file: err %v, want an error naming the variable", err)
	}

	// No flag for the secret: flags show in ps.
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	new(Config).register(fs, func(string) string { return "" })
	fs.VisitAll(func(f *flag.Flag) {
		if strings.Contains(f.Name, "secret") || strings.Contains(f.Name, "password") {
			t.Errorf("flag --%s carries a secret; secrets come from the environment or a file", f.Name)
		}
	})
}

func TestConfigDump(t *testing.T) {
	t.Parallel()
	secretFile := filepath.Join(t.TempDir(), "s")
	if err := os.WriteFile(secretFile, []byte("file-secret-value"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"SAFEHUB_DB":                      "postgres://safehub:hunter2-db-pass@db.internal:5432/safehub?sslmode=verify-full&password=query-pass&sslpassword=key-pass",
		"SAFEHUB_OIDC_CLIENT_SECRET_FILE": secretFile,
		"SAFEHUB_OIDC_ISSUER":             "https://login.example.org",
	}
	r := cli{env: env}.runOK(t, "serve", "--config-dump")
	for _, secret := range []string{"hunter2-db-pass", "query-pass", "key-pass", "file-secret-value"} {
		if strings.Contains(r.stdout+r.stderr, secret) {
			t.Errorf("config dump shows the secret %q:\n%s", secret, r.stdout)
		}
	}
	d := dump(t, env)
	for _, o := range new(Config).options() {
		if _, ok := d[o.env]; !ok {
			t.Errorf("config dump lacks %s:\n%v", o.env, d)
		}
	}
	if got := d["SAFEHUB_OIDC_CLIENT_SECRET"]; got != "********" {
		t.Errorf("dumped SAFEHUB_OIDC_CLIENT_SECRET = %q, want ********", got)
	}
	if got, want := d["SAFEHUB_DB"], "postgres://safehub:********@db.internal:5432/safehub?sslmode=verify-full&password=********&sslpassword=********"; got != want {
		t.Errorf("dumped SAFEHUB_DB = %q, want %q", got, want)
	}
	if d["SAFEHUB_OIDC_ISSUER"] != "https://login.example.org" || d["SAFEHUB_ADDR"] != "127.0.0.1:8080" || d["SAFEHUB_IDLE_TIMEOUT"] != "15m0s" {
		t.Errorf("config dump does not show the plain settings as set: %v", d)
	}
	// An unset secret shows as empty, so an operator sees it is missing.
	if d := dump(t, nil); d["SAFEHUB_OIDC_CLIENT_SECRET"] != "" {
		t.Errorf("unset secret dumped as %q, want empty", d["SAFEHUB_OIDC_CLIENT_SECRET"])
	}
}

func TestMaskDSN(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"/var/lib/safehub/safehub.db", "/var/lib/safehub/safehub.db"},
		{"safehub.db", "safehub.db"},
		{"postgres://safehub@db/safehub", "postgres://safehub@db/safehub"},
		{"postgres://db/safehub", "postgres://db/safehub"},
		{"postgres://safehub:pw@db/safehub", "postgres://safehub:********@db/safehub"},
		{"postgresql://safehub:pw@db:5432/safehub?sslmode=require", "postgresql://safehub:********@db:5432/safehub?sslmode=require"},
		{"postgres://safehub:p%40ss%2Fw@db/safehub", "postgres://safehub:********@db/safehub"},
		{"postgres://safehub:@db/safehub", "postgres://safehub:********@db/safehub"},
		{"postgres://db/safehub?user=safehub&password=pw", "postgres://db/safehub?user=safehub&password=********"},
		{"postgres://db/safehub?PASSWORD=pw&sslmode=disable", "postgres://db/safehub?PASSWORD=********&sslmode=disable"},
		{"postgres://db/safehub?pass%77ord=pw", "postgres://db/safehub?pass%77ord=********"},
		{"postgres://db/safehub?password", "postgres://db/safehub?password=********"},
		{"postgres://u:pw@db/safehub?password=pw2#frag", "postgres://u:********@db/safehub?password=********#frag"},
		{"postgres://u:pw@db:bad port/x", "postgres://********"},
		{"postgres://u:p@ss@db/safehub", "postgres://u:********@db/safehub"},
	} {
		if got := maskDSN(tc.in); got != tc.want {
			t.Errorf("maskDSN(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if strings.Contains(maskDSN(tc.in), "pw") {
			t.Errorf("maskDSN(%q) = %q shows the password", tc.in, maskDSN(tc.in))
		}
	}
}

func FuzzMaskDSN(f *testing.F) {
	f.Add("postgres://u:secret@h/db?password=secret")
	f.Add("postgres://u:secret@h/db")
	f.Fuzz(func(t *testing.T, pw string) {
		if pw == "" || strings.Contains("postgres://u:@h/db?password=&sslmode=disable********", pw) {
			return
		}
		for _, dsn := range []string{
			(&url.URL{Scheme: "postgres", User: url.UserPassword("u", pw), Host: "h", Path: "/db"}).String(),
			"postgres://h/db?sslmode=disable&password=" + url.QueryEscape(pw),
		} {
			if got := maskDSN(dsn); strings.Contains(got, pw) {
				t.Errorf("maskDSN(%q) = %q shows the password", dsn, got)
			}
		}
	})
}

func TestValidate(t *testing.T) {
	t.Parallel()
	valid := func() Config {
		return Config{Addr: "127.0.0.1:8080", DB: "x.db", AuditKeyFile: "k", LogFormat: "json", LogLevel: "info", IdleTimeout: 15 * time.Minute, AbsoluteTimeout: 10 * time.Hour}
	}
	if err := (func() *Config { c := valid(); return &c }()).Validate(); err != nil {
		t.Fatalf("Validate(valid) = %v", err)
	}
	for _, tc := range []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"no db", func(c *Config) { c.DB = "" }, "--db (SAFEHUB_DB) is required"},
		{"no audit key", func(c *Config) { c.AuditKeyFile = "" }, "--audit-key-file (SAFEHUB_AUDIT_KEY_FILE) is required"},
		{"addr without port", func(c *Config) { c.Addr = "localhost" }, `--addr "localhost" must be host:port`},
		{"addr garbage", func(c *Config) { c.Addr = "::::" }, `--addr "::::" must be host:port`},
		{"cert without key", func(c *Config) { c.TLSCertFile = "cert.pem" }, "--tls-cert and --tls-key go together"},
		{"key without cert", func(c *Config) { c.TLSKeyFile = "key.pem" }, "--tls-cert and --tls-key go together"},
		{"log format", func(c *Config) { c.LogFormat = "xml" }, `--log-format "xml" must be text or json`},
		{"log level", func(c *Config) { c.LogLevel = "loud" }, `--log-level "loud" must be debug, info, warn or error`},
		{"idle too short", func(c *Config) { c.IdleTimeout = 30 * time.Second }, "--idle-timeout 30s must be between 1m and 2h"},
		{"idle too long", func(c *Config) { c.IdleTimeout = 3 * time.Hour }, "--idle-timeout 3h0m0s must be between 1m and 2h"},
		{"absolute below idle", func(c *Config) { c.AbsoluteTimeout = 10 * time.Minute }, "--absolute-timeout 10m0s must be at least the idle timeout and at most 24h"},
		{"absolute too long", func(c *Config) { c.AbsoluteTimeout = 25 * time.Hour }, "--absolute-timeout 25h0m0s must be"},
		{"bad proxy", func(c *Config) { c.TrustedProxies = "10.0.0.0/8, proxy.example" }, `--trusted-proxies: "proxy.example" is not an address or CIDR range`},
		{"bad proxy range", func(c *Config) { c.TrustedProxies = "10.0.0.0/33" }, `--trusted-proxies: "10.0.0.0/33"`},
		{"oidc without the rest", func(c *Config) { c.OIDCIssuer = "https://login.example.org" }, "OIDC needs --oidc-client-id, SAFEHUB_OIDC_CLIENT_SECRET (or _FILE) and --oidc-redirect-url"},
		{"oidc without secret", func(c *Config) {
			c.OIDCIssuer, c.OIDCClientID, c.OIDCRedirectURL = "https://login.example.org", "id", "https://hub/sign-in/oidc/callback"
		}, "OIDC needs"},
	} {
		t.Run(strings.ReplaceAll(tc.name, " ", "_"), func(t *testing.T) {
			c := valid()
			tc.change(&c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Validate() = %v, want an error containing %q", err, tc.want)
			}
		})
	}

	// Every problem at once, one per line.
	c := Config{Addr: "nowhere", TLSCertFile: "c", TrustedProxies: "x", OIDCIssuer: "https://i", AbsoluteTimeout: 48 * time.Hour}
	err := c.Validate()
	if err == nil {
		t.Fatal("Validate of an empty Config passed")
	}
	lines := strings.Split(err.Error(), "\n")
	for _, want := range []string{"--db", "--addr", "--audit-key-file", "--tls-cert", "--log-format", "--log-level", "--idle-timeout", "--absolute-timeout", "--trusted-proxies", "OIDC"} {
		found := false
		for _, l := range lines {
			if strings.HasPrefix(l, want) {
				found = true
			}
		}
		if !found {
			t.Errorf("Validate does not report %s on a line of its own:\n%v", want, err)
		}
	}

	// The command reports them all and exits 1.
	r := runCLI(t, "serve", "--addr", "nowhere", "--tls-cert", "c", "--idle-timeout", "1s")
	if r.code != 1 {
		t.Fatalf("serve with a bad configuration: %s\nwant exit 1", r)
	}
	for _, want := range []string{"configuration:", "--db", "--addr \"nowhere\"", "--tls-cert and --tls-key", "--idle-timeout 1s", "--audit-key-file"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("serve with a bad configuration: stderr lacks %q:\n%s", want, r.stderr)
		}
	}
}
