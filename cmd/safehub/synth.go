package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/safehub/safehub/internal/demo"
	"github.com/safehub/safehub/internal/synth"
)

func runSynth(ctx context.Context, e *env, args []string) error {
	fs := newFlags("synth", "Generate the synthetic partnership (deterministic for a seed) as files with --out,\nand/or load it into a database with --load --db (as `safehub demo` does).\nWith --load --from DIR, load files generated earlier instead of generating.", e)
	scale := fs.String("scale", "demo", "size: demo (6k persons), county (100k), region (1M) or national (10M)")
	persons := fs.Int("persons", 0, "number of persons, overriding --scale")
	seed := fs.Uint64("seed", 42, "random seed; the same seed gives byte-identical output")
	out := fs.String("out", "", "folder to write the files to")
	load := fs.Bool("load", false, "load the partnership's areas, agencies and known persons into --db")
	from := fs.String("from", "", "with --load: folder of files written earlier by --out")
	var d dbFlags
	d.register(fs, e.getenv)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" && !*load {
		return errors.New("give --out DIR to write files, or --load --db … to load a database (or both)")
	}
	if *from != "" && (!*load || *out != "") {
		return errors.New("--from goes with --load and without --out")
	}
	cfg := synth.Config{Scale: synth.Scale(*scale), Persons: *persons, Seed: *seed}
	cfg, err := cfg.Normalize()
	if err != nil {
		return err
	}
	var open demo.Opener
	switch {
	case *from != "":
		open = func(name string) (io.ReadCloser, error) { return os.Open(filepath.Join(*from, name)) }
	default:
		var sink synth.Sink
		var mem *synth.MemSink
		switch {
		case *out != "" && *load:
			mem = synth.NewMemSink()
			sink = teeSink{synth.DirSink(*out), mem}
		case *out != "":
			sink = synth.DirSink(*out)
		default:
			mem = synth.NewMemSink()
			sink = mem
		}
		start := time.Now()
		bar := newProgress(e.stderr, "generating persons")
		sum, err := synth.Generate(ctx, cfg, sink, bar.update)
		bar.done()
		if err != nil {
			return err
		}
		el := time.Since(start)
		fmt.Fprintf(e.stdout, "generated %s in %s (%.0f persons/s): %d persons, %d children (%d known to services, %d at high risk), %d county lines, %d organised groups, %d peer groups, %d referrals, %d missing episodes, %d NRM referrals, %d health flags, %d operations, %d calls\n",
			sum.Dataset, el.Round(time.Millisecond), float64(sum.Persons)/el.Seconds(), sum.Persons, sum.Children, sum.KnownToServices, sum.HighRiskChildren,
			sum.CountyLines, sum.OrganisedGroups, sum.PeerGroups, sum.Referrals, sum.MissingEpisodes, sum.NRMReferrals, sum.HealthFlags, sum.Operations, sum.Calls)
		if *out != "" {
			fmt.Fprintf(e.stdout, "files written to %s (formats: internal/synth/FORMAT.md)\n", *out)
		}
		if mem != nil {
			open = func(name string) (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(mem.Bytes(name))), nil }
		}
	}
	if !*load {
		return nil
	}
	db, a, _, err := d.open(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	p, err := demo.EnsurePartnership(ctx, a)
	if err != nil {
		return err
	}
	bar := newProgress(e.stderr, "loading persons")
	loaded, err := demo.LoadPartnership(ctx, a, p, open, func(done int) { bar.update(int64(done), 0) })
	bar.done()
	if err != nil {
		return err
	}
	el := time.Since(start)
	n := loaded.Persons
	fmt.Fprintf(e.stdout, "loaded %d persons known to partner agencies into %s in %s (%.0f persons/s)\n", n, db.Engine(), el.Round(time.Millisecond), float64(n)/el.Seconds())
	return nil
}

// teeSink writes every file to two sinks.
type teeSink struct{ a, b synth.Sink }

func (t teeSink) Create(name string) (io.WriteCloser, error) {
	wa, err := t.a.Create(name)
	if err != nil {
		return nil, err
	}
	wb, err := t.b.Create(name)
	if err != nil {
		wa.Close()
		return nil, err
	}
	return teeWriter{wa, wb}, nil
}

type teeWriter struct{ a, b io.WriteCloser }

func (t teeWriter) Write(p []byte) (int, error) {
	if n, err := t.a.Write(p); err != nil {
		return n, err
	}
	return t.b.Write(p)
}

func (t teeWriter) Close() error { return errors.Join(t.a.Close(), t.b.Close()) }

// progress draws a bar on a terminal, or prints a plain line every ten
// per cent (or every few seconds when the total is unknown) otherwise.
type progress struct {
	w      io.Writer
	what   string
	tty    bool
	last   time.Time
	step   int64
	shown  bool
	start  time.Time
	latest int64
}

func newProgress(w io.Writer, what string) *progress {
	p := &progress{w: w, what: what, start: time.Now(), step: -1}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.tty = true
	}
	return p
}

func (p *progress) update(done, total int64) {
	p.latest = done
	now := time.Now()
	if p.tty {
		if now.Sub(p.last) < 100*time.Millisecond {
			return
		}
		p.last, p.shown = now, true
		if total > 0 {
			const width = 30
			fill := int(float64(width) * float64(done) / float64(total))
			fmt.Fprintf(p.w, "\r%s [%s%s] %d/%d", p.what, strings.Repeat("#", fill), strings.Repeat(".", width-fill), done, total)
		} else {
			fmt.Fprintf(p.w, "\r%s: %d", p.what, done)
		}
		return
	}
	if total > 0 {
		if s := done * 10 / total; s != p.step {
			p.step = s
			fmt.Fprintf(p.w, "%s: %d/%d (%d%%)\n", p.what, done, total, s*10)
		}
		return
	}
	if now.Sub(p.last) >= 5*time.Second {
		p.last = now
		fmt.Fprintf(p.w, "%s: %d\n", p.what, done)
	}
}

func (p *progress) done() {
	if p.tty && p.shown {
		fmt.Fprintf(p.w, "\r%s: %d in %s\x1b[K\n", p.what, p.latest, time.Since(p.start).Round(time.Millisecond))
	}
}
