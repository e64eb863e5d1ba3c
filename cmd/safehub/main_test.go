package main

import (
	"bytes"
	"context"
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/safehub/safehub/internal/store/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// result is what one in-process run of the command printed and returned.
type result struct {
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
}

// cli runs the command in-process with a fake environment, so tests run in
// parallel without touching the process's own environment.
type cli struct {
	env   map[string]string
	stdin string
}

func (c cli) run(t testing.TB, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	e := &env{
		stdout: &stdout,
		stderr: &stderr,
		stdin:  strings.NewReader(c.stdin),
		getenv: func(k string) string { return c.env[k] },
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	code := run(ctx, e, args)
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// runOK runs the command and fails the test unless it exits 0.
func (c cli) runOK(t testing.TB, args ...string) result {
	t.Helper()
	r := c.run(t, args...)
	if r.code != 0 {
		t.Fatalf("safehub %s: %s", strings.Join(args, " "), r)
	}
	return r
}

// runCLI runs the command with an empty environment and no input.
func runCLI(t testing.TB, args ...string) result {
	t.Helper()
	return cli{}.run(t, args...)
}

func TestHelpListsEveryCommand(t *testing.T) {
	t.Parallel()
	want := []string{"demo", "serve", "migrate", "synth", "user", "apiclient", "audit", "bench", "version", "help"}
	var names []string
	for _, c := range commands() {
		names = append(names, c.name)
	}
	if !slices.Equal(names, want) {
		t.Errorf("commands() = %v, want %v", names, want)
	}
	for _, args := range [][]string{{"help"}, {"-h"}, {"--help"}} {
		r := runCLI(t, args...)
		if r.code != 0 {
			t.Errorf("safehub %s: exit %d, want 0", args[0], r.code)
		}
		for _, c := range want {
			if !strings.Contains(r.stdout, "\n  "+c+" ") {
				t.Errorf("safehub %s does not list %q:\n%s", args[0], c, r.stdout)
			}
		}
		if !strings.Contains(r.stdout, "Usage: safehub <command>") {
			t.Errorf("safehub %s: no usage line:\n%s", args[0], r.stdout)
		}
	}
}

func TestNoCommandExits2WithUsage(t *testing.T) {
	t.Parallel()
	r := runCLI(t)
	if r.code != 2 {
		t.Errorf("safehub: exit %d, want 2", r.code)
	}
	if !strings.Contains(r.stderr, "Usage: safehub <command>") || r.stdout != "" {
		t.Errorf("safehub: %s\nwant the usage on stderr only", r)
	}
}

func TestUnknownCommandExits2(t *testing.T) {
	t.Parallel()
	r := runCLI(t, "frobnicate")
	if r.code != 2 {
		t.Errorf("safehub frobnicate: exit %d, want 2", r.code)
	}
	if !strings.Contains(r.stderr, `unknown command "frobnicate"`) || !strings.Contains(r.stderr, "Usage:") {
		t.Errorf("safehub frobnicate: stderr does not name the command and show usage:\n%s", r.stderr)
	}
}

func TestUnknownSubcommandExits2(t *testing.T) {
	t.Parallel()
	for _, cmd := range []string{"user", "apiclient", "audit"} {
		r := runCLI(t, cmd, "frobnicate")
		if r.code != 2 || !strings.Contains(r.stderr, `unknown subcommand "frobnicate"`) {
			t.Errorf("safehub %s frobnicate: %s\nwant exit 2 naming the subcommand", cmd, r)
		}
		r = runCLI(t, cmd)
		if r.code != 2 || !strings.Contains(r.stderr, "Usage: safehub "+cmd) {
			t.Errorf("safehub %s: %s\nwant exit 2 with usage", cmd, r)
		}
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	r := runCLI(t, "version")
	if r.code != 0 || r.stdout != "safehub "+version+"\n" {
		t.Errorf("safehub version: %s\nwant %q", r, "safehub "+version+"\n")
	}
}

// TestEveryCommandTakesH runs -h (and --help) on every command and
// subcommand: each exits 0 and prints its usage and flags.
func TestEveryCommandTakesH(t *testing.T) {
	t.Parallel()
	cases := []struct {
		args  []string
		usage string
		flags []string // each must be listed
	}{
		{[]string{"demo"}, "Usage: safehub demo", []string{"-addr", "-data"}},
		{[]string{"serve"}, "Usage: safehub serve", []string{"-addr", "-db", "-audit-key-file", "-checkpoint-file", "-tls-cert", "-tls-key", "-behind-tls-proxy", "-trusted-proxies", "-trusted-origins", "-log-format", "-log-level", "-idle-timeout", "-absolute-timeout", "-oidc-issuer", "-oidc-client-id", "-oidc-redirect-url", "-allow-demo-data", "-mail-outbox", "-config-dump"}},
		{[]string{"migrate"}, "Usage: safehub migrate", []string{"-db", "-status"}},
		{[]string{"synth"}, "Usage: safehub synth", []string{"-scale", "-persons", "-seed", "-out", "-load", "-from", "-db", "-audit-key-file"}},
		{[]string{"user"}, "Usage: safehub user add|list|disable|enable|reset-mfa", nil},
		{[]string{"user", "add"}, "Usage: safehub user add", []string{"-db", "-audit-key-file", "-username", "-name", "-email", "-agency", "-areas", "-roles", "-password-file"}},
		{[]string{"user", "list"}, "Usage: safehub user list", []string{"-db", "-audit-key-file"}},
		{[]string{"user", "disable"}, "Usage: safehub user disable", []string{"-db", "-username"}},
		{[]string{"user", "enable"}, "Usage: safehub user enable", []string{"-db", "-username"}},
		{[]string{"user", "reset-mfa"}, "Usage: safehub user reset-mfa", []string{"-db", "-username"}},
		{[]string{"apiclient"}, "Usage: safehub apiclient add|list|revoke", nil},
		{[]string{"apiclient", "add"}, "Usage: safehub apiclient add", []string{"-db", "-name", "-setting", "-agency", "-scope", "-user"}},
		{[]string{"apiclient", "list"}, "Usage: safehub apiclient list", []string{"-db"}},
		{[]string{"apiclient", "revoke"}, "Usage: safehub apiclient revoke", []string{"-db", "-id"}},
		{[]string{"audit"}, "Usage: safehub audit verify|checkpoint", nil},
		{[]string{"audit", "verify"}, "Usage: safehub audit verify", []string{"-db", "-audit-key-file", "-verifier-key", "-checkpoint-file"}},
		{[]string{"audit", "checkpoint"}, "Usage: safehub audit checkpoint", []string{"-db", "-audit-key-file", "-checkpoint-file"}},
		{[]string{"version"}, "Usage: safehub version", nil},
		{[]string{"bench"}, "Usage: safehub bench flags", nil},
		{[]string{"bench", "flags"}, "Usage: safehub bench flags", []string{"-children", "-flags", "-conns", "-runs", "-duration", "-warmup", "-engines", "-db", "-dir", "-cpuprofile"}},
	}
	// A command added later must be added here too.
	for _, c := range commands() {
		found := c.name == "help"
		for _, tc := range cases {
			found = found || tc.args[0] == c.name
		}
		if !found {
			t.Errorf("command %s is not covered by this test", c.name)
		}
	}
	for _, tc := range cases {
		for _, h := range []string{"-h", "--help"} {
			args := append(slices.Clone(tc.args), h)
			name := strings.Join(args, " ")
			t.Run(name, func(t *testing.T) {
				r := runCLI(t, args...)
				if r.code != 0 {
					t.Fatalf("safehub %s: %s\nwant exit 0", name, r)
				}
				out := r.stdout + r.stderr
				if !strings.Contains(out, tc.usage) {
					t.Errorf("safehub %s does not print %q:\n%s", name, tc.usage, out)
				}
				for _, f := range tc.flags {
					if !strings.Contains(out, "  "+f+" ") && !strings.Contains(out, "  "+f+"\n") {
						t.Errorf("safehub %s does not list flag %s:\n%s", name, f, out)
					}
				}
			})
		}
	}
	// help takes no flags but must not fail on -h either.
	if r := runCLI(t, "help", "-h"); r.code != 0 {
		t.Errorf("safehub help -h: %s", r)
	}
}

// TestBadFlagFails: an unknown flag is refused with a message naming it.
func TestBadFlagFails(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"serve", "--no-such-flag"}, {"user", "add", "--no-such-flag"}, {"migrate", "--no-such-flag"}} {
		r := runCLI(t, args...)
		if r.code == 0 || !strings.Contains(r.stderr, "no-such-flag") {
			t.Errorf("safehub %s: %s\nwant a non-zero exit naming the flag", strings.Join(args, " "), r)
		}
	}
}

// TestPackageDocs checks style rule 24: every package under internal/ and
// cmd/ has a package doc comment in one of its non-test files.
func TestPackageDocs(t *testing.T) {
	t.Parallel()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dirs := map[string]bool{}  // directory → has a package comment
	files := map[string]bool{} // directories holding non-test Go files
	for _, top := range []string{"internal", "cmd"} {
		err := filepath.WalkDir(filepath.Join(root, top), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if name := d.Name(); name == "testdata" || name == "node_modules" || (strings.HasPrefix(name, ".") && path != root) {
					return filepath.SkipDir
				}
				return nil
			}
			if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			dir := filepath.Dir(path)
			files[dir] = true
			f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.PackageClauseOnly|parser.ParseComments)
			if err != nil {
				return err
			}
			if f.Doc != nil && hasPackageDoc(f.Doc.Text(), f.Name.Name, filepath.Base(dir)) {
				dirs[dir] = true
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(files) < 10 {
		t.Fatalf("found only %d packages under %s; is the walk broken?", len(files), root)
	}
	for dir := range files {
		if !dirs[dir] {
			rel, _ := filepath.Rel(root, dir)
			t.Errorf("package %s has no package doc comment (// Package %s … or, for a command, // Command %s …)", rel, filepath.Base(dir), filepath.Base(dir))
		}
	}
}

// hasPackageDoc reports whether doc is a package comment as go doc wants
// it: "Package x …" for a library, "Command x …" (or "X …") for a command.
func hasPackageDoc(doc, pkg, dir string) bool {
	prefixes := []string{"Package " + pkg + " ", "Package " + pkg + "\n"}
	if pkg == "main" {
		prefixes = append(prefixes, "Command "+dir+" ", "Command "+dir+"\n")
	}
	for _, p := range prefixes {
		if strings.HasPrefix(doc, p) {
			return true
		}
	}
	return false
}
