package main

import (
	"context"
	"fmt"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/safehub/safehub/internal/demo"
)

func runDemo(ctx context.Context, e *env, args []string) error {
	fs := newFlags("demo", "Seed a synthetic demo partnership into DIR/safehub.db on first start (reused after) and serve it.\nMFA is off and every page says so. Never use a demo database for real data.", e)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	data := fs.String("data", "demo-data", "folder for the demo database, audit key and checkpoint log")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg := Config{
		Addr:            *addr,
		DB:              filepath.Join(*data, "safehub.db"),
		AuditKeyFile:    filepath.Join(*data, "audit.key"),
		CheckpointFile:  filepath.Join(*data, "checkpoints.log"),
		LogFormat:       "text",
		LogLevel:        "warn",
		IdleTimeout:     8 * time.Hour,
		AbsoluteTimeout: 10 * time.Hour,
	}
	m := &Main{Config: cfg, Demo: true, Log: newLogger(e.stderr, "text", "warn")}
	if err := m.Open(ctx); err != nil {
		m.Close()
		return err
	}
	defer m.Close()
	seeded, err := demo.Seeded(ctx, m.DB)
	if err != nil {
		return err
	}
	if !seeded {
		fmt.Fprintf(e.stdout, "Seeding the demo partnership into %s …\n", cfg.DB)
		start := time.Now()
		if err := demo.Seed(ctx, m.App); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Seeded in %s.\n", time.Since(start).Round(time.Millisecond))
	}
	hd, err := demo.EnsureHealthClient(ctx, m.App, filepath.Join(*data, "health-client.token"))
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "\nSafehub demo (synthetic data, MFA off) is running at %s/\n\nSign in as any of these demo accounts:\n\n", m.URL())
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  USERNAME\tPASSWORD\tROLE\tAGENCY")
	for _, a := range demo.Accounts {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", a.Username, a.Password, a.Role.Label(), a.Agency)
	}
	tw.Flush()
	fmt.Fprintf(e.stdout, "\nTry the FHIR API as the demo health client (%s):\n\n", demo.HealthSetting)
	nhs := hd.NHSNumber
	if nhs == "" {
		nhs = "NNNNNNNNNN"
	}
	fmt.Fprintf(e.stdout, "  curl -s -X POST %s/fhir/Flag/_search \\\n    -H 'Authorization: Bearer %s' \\\n    --data-urlencode 'patient:identifier=https://fhir.nhs.uk/Id/nhs-number|%s'\n", m.URL(), hd.Token, nhs)
	if hd.NHSNumber != "" {
		fmt.Fprintf(e.stdout, "\n  (%s is a flagged synthetic child's NHS number; each look-up notifies the child's lead practitioner.)\n", nhs)
	}
	fmt.Fprintf(e.stdout, "\nData folder: %s (delete it to start afresh). Press Ctrl-C to stop.\n", *data)
	return m.Wait(ctx)
}
