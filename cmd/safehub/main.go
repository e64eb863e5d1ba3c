// Command safehub is the one binary of Safehub, a multi-agency vulnerability
// hub: it serves the web UI and APIs, runs the demo, migrates the database,
// manages users and API clients and verifies the audit log.
//
// main only parses the command line and wires the internal packages
// together; each subcommand is a function of a few lines over them.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *env, args []string) error
}

// env is what commands read and write, so tests can run them in-process.
type env struct {
	stdout, stderr io.Writer
	stdin          io.Reader
	getenv         func(string) string
}

func commands() []command {
	return []command{
		{"demo", "build a demo partnership in a data folder and serve it (MFA off, synthetic data)", runDemo},
		{"serve", "serve the web UI, the JSON API, /healthz and /metrics", runServe},
		{"migrate", "apply database migrations, or list them with --status", runMigrate},
		{"synth", "generate the synthetic partnership as files (--out) and/or load it into a database (--load)", runSynth},
		{"user", "manage interactive accounts: add, list, disable, enable, reset-mfa", runUser},
		{"apiclient", "manage machine clients and their bearer tokens: add, list, revoke", runAPIClient},
		{"audit", "verify the audit log (audit verify) or sign a checkpoint now (audit checkpoint)", runAudit},
		{"bench", "measure a scenario under load: bench flags (the FHIR flag look-up)", runBench},
		{"version", "print the version", runVersion},
		{"help", "list the commands", nil},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	e := &env{stdout: os.Stdout, stderr: os.Stderr, stdin: os.Stdin, getenv: os.Getenv}
	os.Exit(run(ctx, e, os.Args[1:]))
}

// run dispatches to a subcommand and returns the process exit code.
func run(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 {
		usage(e.stderr) // a usage error, like an unknown command
		return 2
	}
	if args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(e.stdout)
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] && c.run != nil {
			err := c.run(ctx, e, args[1:])
			if err == nil {
				return 0
			}
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			var ex exitError
			if errors.As(err, &ex) {
				if ex.msg != "" {
					fmt.Fprintln(e.stderr, ex.msg)
				}
				return ex.code
			}
			fmt.Fprintf(e.stderr, "safehub %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(e.stderr, "safehub: unknown command %q\n\n", args[0])
	usage(e.stderr)
	return 2
}

type exitError struct {
	code int
	msg  string
}

func (e exitError) Error() string { return e.msg }

func usage(w io.Writer) {
	fmt.Fprintf(w, "Safehub %s: a multi-agency vulnerability hub.\n\nUsage: safehub <command> [flags]\n\nCommands:\n", version)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nEvery command takes -h. Commands that need a database take --db: a SQLite file path, or a postgres:// URL.\n")
}

func runVersion(ctx context.Context, e *env, args []string) error {
	fs := newFlags("version", "Print the version.", e)
	if err := fs.Parse(args); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "safehub %s\n", version)
	return nil
}

// newFlags returns a flag set whose -h prints a usage line and the flags.
func newFlags(name, about string, e *env) *flag.FlagSet {
	fs := flag.NewFlagSet("safehub "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: safehub %s [flags]\n\n%s\n\nFlags:\n", name, about)
		fs.PrintDefaults()
	}
	return fs
}
