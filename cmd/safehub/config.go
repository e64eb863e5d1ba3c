package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Config is the server's configuration: flags, then SAFEHUB_* environment
// variables, then defaults. Secrets come from the environment or from a file
// named by the *_FILE variant, never from a flag (flags show in ps).
type Config struct {
	Addr             string
	DB               string
	AuditKeyFile     string
	CheckpointFile   string
	TLSCertFile      string
	TLSKeyFile       string
	BehindTLSProxy   bool
	TrustedProxies   string
	TrustedOrigins   string
	LogFormat        string
	LogLevel         string
	IdleTimeout      time.Duration
	AbsoluteTimeout  time.Duration
	OIDCIssuer       string
	OIDCClientID     string
	OIDCClientSecret string
	OIDCRedirectURL  string
	AllowDemoData    bool
	// MailOutbox, if set, is a folder where each notification is written
	// as an e-mail message file for a mailer to send (default: notifications
	// are only logged).
	MailOutbox string
	// AttachmentsDir is the folder case-note attachments are stored in
	// (default: "attachments" beside a SQLite database; with PostgreSQL it
	// must be given, on storage every server shares, or uploads are off).
	AttachmentsDir string
	// MetricsToken lets a scraper read /metrics from another machine.
	MetricsToken string
	// LocalRules, if set, is a JSON file of the partnership's local rules
	// (see localrules.go).
	LocalRules string
	ConfigDump bool
}

// option describes one setting.
type option struct {
	flag, env, help string
	secret          bool
	str             *string
	boolean         *bool
	dur             *time.Duration
	def             string
}

func (c *Config) options() []option {
	return []option{
		{flag: "addr", env: "SAFEHUB_ADDR", help: "address to listen on, host:port", str: &c.Addr, def: "127.0.0.1:8080"},
		{flag: "db", env: "SAFEHUB_DB", help: "database: a SQLite file path or a postgres:// URL", str: &c.DB},
		{flag: "audit-key-file", env: "SAFEHUB_AUDIT_KEY_FILE", help: "file holding the audit log's signing key (created if missing)", str: &c.AuditKeyFile},
		{flag: "checkpoint-file", env: "SAFEHUB_CHECKPOINT_FILE", help: "append-only file outside the database where signed audit checkpoints are published", str: &c.CheckpointFile},
		{flag: "tls-cert", env: "SAFEHUB_TLS_CERT", help: "TLS certificate file (serve HTTPS directly)", str: &c.TLSCertFile},
		{flag: "tls-key", env: "SAFEHUB_TLS_KEY", help: "TLS key file", str: &c.TLSKeyFile},
		{flag: "behind-tls-proxy", env: "SAFEHUB_BEHIND_TLS_PROXY", help: "users reach the server over HTTPS through a proxy (turns on HSTS)", boolean: &c.BehindTLSProxy},
		{flag: "trusted-proxies", env: "SAFEHUB_TRUSTED_PROXIES", help: "comma-separated addresses or CIDR ranges whose X-Forwarded-For is trusted", str: &c.TrustedProxies},
		{flag: "trusted-origins", env: "SAFEHUB_TRUSTED_ORIGINS", help: "comma-separated origins allowed to post forms cross-origin (e.g. https://hub.example.org)", str: &c.TrustedOrigins},
		{flag: "log-format", env: "SAFEHUB_LOG_FORMAT", help: "log format: text or json", str: &c.LogFormat, def: "json"},
		{flag: "log-level", env: "SAFEHUB_LOG_LEVEL", help: "log level: debug, info, warn or error", str: &c.LogLevel, def: "info"},
		{flag: "idle-timeout", env: "SAFEHUB_IDLE_TIMEOUT", help: "sign a session out after this long without a request", dur: &c.IdleTimeout, def: "15m"},
		{flag: "absolute-timeout", env: "SAFEHUB_ABSOLUTE_TIMEOUT", help: "sign a session out this long after sign-in", dur: &c.AbsoluteTimeout, def: "10h"},
		{flag: "oidc-issuer", env: "SAFEHUB_OIDC_ISSUER", help: "OpenID Connect issuer URL for agency sign-in (optional)", str: &c.OIDCIssuer},
		{flag: "oidc-client-id", env: "SAFEHUB_OIDC_CLIENT_ID", help: "OpenID Connect client id", str: &c.OIDCClientID},
		{env: "SAFEHUB_OIDC_CLIENT_SECRET", help: "OpenID Connect client secret", secret: true, str: &c.OIDCClientSecret},
		{flag: "oidc-redirect-url", env: "SAFEHUB_OIDC_REDIRECT_URL", help: "this server's OIDC callback URL, https://…/sign-in/oidc/callback", str: &c.OIDCRedirectURL},
		{flag: "allow-demo-data", env: "SAFEHUB_ALLOW_DEMO_DATA", help: "allow serving a database that holds the demo seed", boolean: &c.AllowDemoData},
		{flag: "attachments-dir", env: "SAFEHUB_ATTACHMENTS_DIR", help: "folder for case-note attachments (default: attachments beside a SQLite database; with PostgreSQL, unset turns uploads off)", str: &c.AttachmentsDir},
		{env: "SAFEHUB_METRICS_TOKEN", help: "bearer token a scraper presents to read /metrics from another machine (default: /metrics answers only direct requests from this machine)", secret: true, str: &c.MetricsToken},
		{flag: "local-rules", env: "SAFEHUB_LOCAL_RULES", help: "JSON file of local rules: sharing's lawful bases, purposes and expiry limits (see docs/configuration.md)", str: &c.LocalRules},
		{flag: "mail-outbox", env: "SAFEHUB_MAIL_OUTBOX", help: "folder where each notification is written as an e-mail message (.eml) for a mailer to send; unset, notifications are only logged", str: &c.MailOutbox},
	}
}

// register adds the options as flags. Defaults come from the environment
// where set, so a flag given on the command line wins over the environment.
func (c *Config) register(fs *flag.FlagSet, getenv func(string) string) error {
	var errs []error
	for _, o := range c.options() {
		def := o.def
		if v := getenv(o.env); v != "" {
			def = v
		}
		if o.secret {
			v, err := secret(o.env, getenv)
			if err != nil {
				errs = append(errs, err)
			}
			*o.str = v
			continue
		}
		help := o.help + " (env " + o.env + ")"
		switch {
		case o.str != nil:
			fs.StringVar(o.str, o.flag, def, help)
		case o.boolean != nil:
			b := false
			if def != "" {
				var err error
				if b, err = parseBool(def); err != nil {
					errs = append(errs, fmt.Errorf("%s: %w", o.env, err))
				}
			}
			fs.BoolVar(o.boolean, o.flag, b, help)
		case o.dur != nil:
			d, err := time.ParseDuration(def)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %q is not a duration such as 15m or 10h", o.env, def))
			}
			fs.DurationVar(o.dur, o.flag, d, help)
		}
	}
	fs.BoolVar(&c.ConfigDump, "config-dump", false, "print the configuration, secrets masked, and exit")
	return errors.Join(errs...)
}

// secret reads NAME, or the file named by NAME_FILE. Setting both is an error.
func secret(name string, getenv func(string) string) (string, error) {
	v, f := getenv(name), getenv(name+"_FILE")
	if v != "" && f != "" {
		return "", fmt.Errorf("set %s or %s_FILE, not both", name, name)
	}
	if f == "" {
		return v, nil
	}
	b, err := os.ReadFile(f)
	if err != nil {
		return "", fmt.Errorf("%s_FILE: %w", name, err)
	}
	return strings.TrimSpace(string(b)), nil
}

func parseBool(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "1", "true", "yes", "on":
		return true, nil
	case "0", "false", "no", "off", "":
		return false, nil
	}
	return false, fmt.Errorf("%q is not true or false", s)
}

// Validate checks the configuration, collecting every problem.
func (c *Config) Validate() error {
	var errs []error
	if c.DB == "" {
		errs = append(errs, errors.New("--db (SAFEHUB_DB) is required: a SQLite file path or a postgres:// URL"))
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("--addr %q must be host:port", c.Addr))
	}
	if c.AuditKeyFile == "" {
		errs = append(errs, errors.New("--audit-key-file (SAFEHUB_AUDIT_KEY_FILE) is required: the audit log must be signed with a key kept outside the database"))
	}
	if (c.TLSCertFile == "") != (c.TLSKeyFile == "") {
		errs = append(errs, errors.New("--tls-cert and --tls-key go together"))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("--log-format %q must be text or json", c.LogFormat))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("--log-level %q must be debug, info, warn or error", c.LogLevel))
	}
	if c.IdleTimeout < time.Minute || c.IdleTimeout > 2*time.Hour {
		errs = append(errs, fmt.Errorf("--idle-timeout %s must be between 1m and 2h", c.IdleTimeout))
	}
	if c.AbsoluteTimeout < c.IdleTimeout || c.AbsoluteTimeout > 24*time.Hour {
		errs = append(errs, fmt.Errorf("--absolute-timeout %s must be at least the idle timeout and at most 24h", c.AbsoluteTimeout))
	}
	if _, err := c.proxies(); err != nil {
		errs = append(errs, err)
	}
	if c.OIDCIssuer != "" {
		if c.OIDCClientID == "" || c.OIDCClientSecret == "" || c.OIDCRedirectURL == "" {
			errs = append(errs, errors.New("OIDC needs --oidc-client-id, SAFEHUB_OIDC_CLIENT_SECRET (or _FILE) and --oidc-redirect-url as well as --oidc-issuer"))
		}
	}
	return errors.Join(errs...)
}

func (c *Config) proxies() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range splitComma(c.TrustedProxies) {
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p)
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("--trusted-proxies: %q is not an address or CIDR range", s)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

func splitComma(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Dump writes the configuration with secrets and database passwords masked.
func (c *Config) Dump(w io.Writer) {
	for _, o := range c.options() {
		var v string
		switch {
		case o.str != nil:
			v = *o.str
		case o.boolean != nil:
			v = fmt.Sprint(*o.boolean)
		case o.dur != nil:
			v = o.dur.String()
		}
		if o.secret && v != "" {
			v = "********"
		}
		if o.env == "SAFEHUB_DB" {
			v = maskDSN(v)
		}
		fmt.Fprintf(w, "%s=%s\n", o.env, v)
	}
}

// maskDSN hides the passwords in a postgres:// URL: the one in the user
// information and any query parameter naming a password (password=,
// sslpassword=). It reads the URL as the driver does (net/url), so what the
// driver takes for a password is what is hidden; a URL it cannot parse is
// hidden whole after the scheme.
func maskDSN(dsn string) string {
	const mask = "********"
	scheme, _, ok := strings.Cut(dsn, "://")
	if !ok {
		return dsn
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return scheme + "://" + mask
	}
	var b strings.Builder
	b.WriteString(u.Scheme + "://")
	if u.User != nil {
		b.WriteString(url.User(u.User.Username()).String())
		if _, ok := u.User.Password(); ok {
			b.WriteString(":" + mask)
		}
		b.WriteString("@")
	}
	b.WriteString(u.Host)
	b.WriteString(u.EscapedPath())
	if u.RawQuery != "" || u.ForceQuery {
		params := strings.Split(u.RawQuery, "&")
		for i, p := range params {
			k, _, _ := strings.Cut(p, "=")
			if key, err := url.QueryUnescape(k); err != nil || strings.Contains(strings.ToLower(key), "password") {
				params[i] = k + "=" + mask
			}
		}
		b.WriteString("?" + strings.Join(params, "&"))
	}
	if u.Fragment != "" {
		b.WriteString("#" + u.EscapedFragment())
	}
	return b.String()
}

// attachmentsDir is where attachments are stored: the configured folder, or
// "attachments" beside a SQLite database; with PostgreSQL and no folder
// configured, none (uploads are off).
func (c *Config) attachmentsDir() string {
	if c.AttachmentsDir != "" {
		return c.AttachmentsDir
	}
	if c.DB == "" || strings.HasPrefix(c.DB, "postgres://") || strings.HasPrefix(c.DB, "postgresql://") {
		return ""
	}
	return filepath.Join(filepath.Dir(c.DB), "attachments")
}
