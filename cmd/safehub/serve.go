package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/safehub/safehub/internal/api"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/audit"
	"github.com/safehub/safehub/internal/demo"
	"github.com/safehub/safehub/internal/fhirapi"
	"github.com/safehub/safehub/internal/server"
	"github.com/safehub/safehub/internal/store"
	"github.com/safehub/safehub/internal/web"
	"github.com/safehub/safehub/internal/web/static"
)

// Main is a running server: the store, the app, the HTTP server. Tests start
// it on 127.0.0.1:0 with a temporary database.
type Main struct {
	Config Config
	// Demo turns off MFA and shows the demo banner.
	Demo bool
	// AppConfig overrides the use-case settings (tests shorten timeouts and
	// cheapen password hashing); zero means app.DefaultConfig adjusted by Config.
	AppConfig *app.Config
	Log       *slog.Logger

	DB       *store.DB
	App      *app.App
	Flags    *app.FlagLookups
	Server   *server.Server
	listener net.Listener
	http     *http.Server
	done     chan error
	stop     context.CancelFunc
	// background counts the session sweep and the deadline job, which
	// Close waits for before it closes the store (a job still writing
	// would hold the database after the server had stopped).
	background sync.WaitGroup
	closeMu    sync.Once
}

// URL is where the server listens, once Open has returned.
func (m *Main) URL() string {
	scheme := "http"
	if m.Config.TLSCertFile != "" {
		scheme = "https"
	}
	return scheme + "://" + m.listener.Addr().String()
}

// Open opens the store, builds the app and surfaces, and starts listening.
// It returns once the server accepts connections.
func (m *Main) Open(ctx context.Context) error {
	if m.Log == nil {
		m.Log = newLogger(os.Stderr, m.Config.LogFormat, m.Config.LogLevel)
	}
	skey, err := loadOrCreateAuditKey(m.Config.AuditKeyFile)
	if err != nil {
		return err
	}
	opts := store.Options{Audit: store.AuditOptions{SignerKey: skey, Publish: checkpointPublisher(m.Config.CheckpointFile, m.Log)}}
	if m.DB, err = store.Open(ctx, m.Config.DB, opts); err != nil {
		return err
	}
	if !m.Demo && !m.Config.AllowDemoData {
		seeded, err := demo.Seeded(ctx, m.DB)
		if err != nil {
			return err
		}
		if seeded {
			return errors.New("this database holds the synthetic demo seed; refusing to serve it as a live system (pass --allow-demo-data to override, for testing only)")
		}
	}
	cfg := app.DefaultConfig()
	cfg.IdleTimeout, cfg.AbsoluteTimeout = m.Config.IdleTimeout, m.Config.AbsoluteTimeout
	if m.AppConfig != nil {
		cfg = *m.AppConfig
	}
	if cfg.Cases.AttachmentDir == "" {
		cfg.Cases.AttachmentDir = m.Config.attachmentsDir()
	}
	if m.Config.LocalRules != "" {
		if err := applyLocalRules(m.Config.LocalRules, &cfg); err != nil {
			return err
		}
	}
	if m.Demo {
		cfg.RequireMFA = false
	}
	if m.App, err = app.New(m.DB, cfg, nil, m.Log); err != nil {
		return err
	}
	if m.Config.MailOutbox != "" {
		outbox, err := app.NewOutboxSender(m.Config.MailOutbox, "", "")
		if err != nil {
			return err
		}
		m.App.SetSender(outbox)
	}
	if m.Flags, err = m.App.StartFlagLookups(ctx, app.FlagLookupOptions{}); err != nil {
		return err
	}
	assets, err := static.Load()
	if err != nil {
		return err
	}
	proxies, _ := m.Config.proxies()
	wcfg := web.Config{Demo: m.Demo, Version: version}
	if m.Config.OIDCIssuer != "" {
		flowKey, err := m.App.SharedKey(ctx, "oidc-flow")
		if err != nil {
			return err
		}
		wcfg.OIDC, err = web.NewOIDC(ctx, web.OIDCConfig{Issuer: m.Config.OIDCIssuer, ClientID: m.Config.OIDCClientID, ClientSecret: m.Config.OIDCClientSecret,
			RedirectURL: m.Config.OIDCRedirectURL, FlowKey: flowKey})
		if err != nil {
			return err
		}
	}
	w, err := web.NewHandler(wcfg, m.App, assets, m.Log)
	if err != nil {
		return err
	}
	tls := m.Config.TLSCertFile != "" || m.Config.BehindTLSProxy
	m.Server = server.New(server.Config{
		TLS:            tls,
		TrustedProxies: proxies,
		TrustedOrigins: splitComma(m.Config.TrustedOrigins),
		MetricsToken:   m.Config.MetricsToken,
	}, m.App, m.Log, w, api.NewHandler(m.App, m.Log), fhirapi.NewHandler(m.Flags, m.Log, fhirapi.Config{TLS: tls, Version: version}))
	m.listener, err = net.Listen("tcp", m.Config.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", m.Config.Addr, err)
	}
	m.http = &http.Server{
		Handler:           m.Server,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(m.Log.Handler(), slog.LevelWarn),
	}
	m.done = make(chan error, 1)
	go func() {
		var err error
		if m.Config.TLSCertFile != "" {
			err = m.http.ServeTLS(m.listener, m.Config.TLSCertFile, m.Config.TLSKeyFile)
		} else {
			err = m.http.Serve(m.listener)
		}
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		m.done <- err
	}()
	var bg context.Context
	bg, m.stop = context.WithCancel(context.WithoutCancel(ctx))
	m.background.Add(2)
	go func() {
		defer m.background.Done()
		m.sweepSessions(bg)
	}()
	go func() {
		defer m.background.Done()
		m.App.RunDeadlineJob(bg, 0)
	}()
	return nil
}

// sweepSessions deletes expired sessions every few minutes, and refreshes
// the query planner's statistics every hour.
func (m *Main) sweepSessions(ctx context.Context) {
	t := time.NewTicker(5 * time.Minute)
	defer t.Stop()
	for n := 1; ; n++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n%12 == 0 {
				if err := m.DB.Optimize(ctx); err != nil && ctx.Err() == nil {
					m.Log.Warn("optimize failed", "err", err)
				}
			}
			now := m.App.Now()
			err := m.DB.Tx(ctx, func(tx *store.Tx) error {
				_, err := tx.DeleteExpiredSessions(now, now.Add(-m.App.Config().IdleTimeout))
				return err
			})
			if err != nil && ctx.Err() == nil {
				m.Log.Warn("session sweep failed", "err", err)
			}
		}
	}
}

// Wait blocks until ctx is done or the server fails.
func (m *Main) Wait(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return nil
	case err := <-m.done:
		return err
	}
}

// Close shuts the server down gracefully and closes the store.
func (m *Main) Close() error {
	var err error
	m.closeMu.Do(func() {
		if m.stop != nil {
			m.stop()
		}
		if m.http != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err = m.http.Shutdown(ctx)
		}
		m.background.Wait()
		if m.Flags != nil {
			m.Flags.Close()
		}
		if m.App != nil {
			m.App.WaitDeliveries()
		}
		if m.DB != nil {
			err = errors.Join(err, m.DB.Close())
		}
	})
	return err
}

func runServe(ctx context.Context, e *env, args []string) error {
	fs := newFlags("serve", "Serve the web UI, the JSON API, /healthz and /metrics. MFA is required for every account.", e)
	var cfg Config
	if err := cfg.register(fs, e.getenv); err != nil {
		return err
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if cfg.ConfigDump {
		cfg.Dump(e.stdout)
		return nil
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	m := &Main{Config: cfg, Log: newLogger(e.stderr, cfg.LogFormat, cfg.LogLevel)}
	if err := m.Open(ctx); err != nil {
		m.Close()
		return err
	}
	defer m.Close()
	m.Log.Info("serving", "url", m.URL(), "engine", m.DB.Engine(), "version", version)
	return m.Wait(ctx)
}

func newLogger(w interface{ Write([]byte) (int, error) }, format, level string) *slog.Logger {
	var lv slog.Level
	_ = lv.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: lv}
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// loadOrCreateAuditKey reads the audit signing key, creating a new one
// (mode 0600) when the file does not exist yet, with the verifier key
// beside it in path + ".pub".
func loadOrCreateAuditKey(path string) (string, error) {
	if path == "" {
		return "", errors.New("no audit key file configured (--audit-key-file)")
	}
	b, err := os.ReadFile(path)
	if err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("read audit key: %w", err)
	}
	host, _ := os.Hostname()
	skey, vkey, err := audit.GenerateKey("safehub-audit-" + sanitizeKeyName(host))
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("create audit key: %w", err)
	}
	if _, err := f.WriteString(skey + "\n"); err != nil {
		f.Close()
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	if err := os.WriteFile(path+".pub", []byte(vkey+"\n"), 0o644); err != nil {
		return "", err
	}
	return skey, nil
}

func sanitizeKeyName(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "host"
	}
	return b.String()
}

// checkpointPublisher appends each signed checkpoint to an append-only file
// outside the database, fsyncing it, so that a database restored from an
// older copy or edited wholesale is caught by `safehub audit verify`.
func checkpointPublisher(path string, log *slog.Logger) func([]byte) {
	if path == "" {
		return nil
	}
	var mu sync.Mutex
	return func(signed []byte) {
		mu.Lock()
		defer mu.Unlock()
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err == nil {
			err = audit.AppendCheckpointFile(f, signed)
			if err == nil {
				err = f.Sync()
			}
			err = errors.Join(err, f.Close())
		}
		if err != nil {
			log.Error("publish audit checkpoint failed", "err", err)
		}
	}
}
