// Package browsertest drives a real headless Chromium for end-to-end tests
// over the DevTools protocol (chromedp), and records what a page did that a
// test must notice: JavaScript dialogs (alert, confirm, prompt: the sign of a
// script injection, security.md SEC-28), Content-Security-Policy
// violations, uncaught exceptions and console errors.
//
// The browser is found at SAFEHUB_CHROMIUM, else chromium, chromium-browser,
// google-chrome-stable or google-chrome on PATH, else /usr/bin/chromium (the
// Debian package). Where there is none, [New] skips the test, unless
// CI=true, where it fails it: CI must never go green by skipping the browser.
//
// Each [Browser] is a separate Chromium process with a fresh profile in a
// temporary directory, so tests may run in parallel. It runs headless, with
// no sandbox (the tests run as root in containers and CI, where Chromium's
// sandbox cannot start), no GPU, no QUIC and no background traffic (updates,
// sync, safe-browsing downloads), so it talks only to the test server.
//
// browsertest imports only the standard library and chromedp. It is test
// support: production code must not import it.
package browsertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// EnvChromium names the browser binary to use instead of searching for one.
const EnvChromium = "SAFEHUB_CHROMIUM"

// candidates are the names searched on PATH, then the Debian path.
var candidates = []string{"chromium", "chromium-browser", "google-chrome-stable", "google-chrome", "/usr/bin/chromium"}

// Find returns the path of the Chromium binary, or an error saying where it
// looked.
func Find() (string, error) {
	if p := os.Getenv(EnvChromium); p != "" {
		if _, err := exec.LookPath(p); err != nil {
			return "", fmt.Errorf("%s=%s: %w", EnvChromium, p, err)
		}
		return p, nil
	}
	for _, c := range candidates {
		if p, err := exec.LookPath(c); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("no Chromium found (looked for %s on PATH; set %s)", strings.Join(candidates, ", "), EnvChromium)
}

// Require returns the Chromium binary's path. It skips the test when there
// is none, or fails it when CI=true.
func Require(tb testing.TB) string {
	tb.Helper()
	p, err := Find()
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("browsertest: %v; CI must install the chromium package", err)
		}
		tb.Skipf("browsertest: %v; install the chromium package to run the browser tests", err)
	}
	return p
}

// Flags are the Chromium command-line flags every Browser gets, besides
// --user-data-dir (a fresh temporary directory) and the DevTools port.
var Flags = map[string]any{
	"headless":                               true,
	"no-sandbox":                             true, // root in containers and CI: the sandbox cannot start
	"disable-gpu":                            true,
	"disable-quic":                           true,
	"no-first-run":                           true,
	"no-default-browser-check":               true,
	"disable-background-networking":          true,
	"disable-component-update":               true,
	"disable-sync":                           true,
	"disable-extensions":                     true,
	"disable-default-apps":                   true,
	"disable-breakpad":                       true,
	"disable-dev-shm-usage":                  true, // containers often have a 64 MB /dev/shm
	"disable-features":                       "Translate,MediaRouter,OptimizationHints",
	"disable-client-side-phishing-detection": true,
	"safebrowsing-disable-auto-update":       true,
	"metrics-recording-only":                 true,
	"password-store":                         "basic",
	"use-mock-keychain":                      true,
	"hide-scrollbars":                        true,
	"mute-audio":                             true,
}

// Browser is one headless Chromium with one tab.
type Browser struct {
	ctx context.Context // the tab's context

	mu         sync.Mutex
	dialogs    []string
	csp        []string
	exceptions []string
	console    []string
}

// New starts Chromium (skipping or failing the test as [Require] does when
// there is none) and closes it at cleanup.
func New(tb testing.TB) *Browser {
	tb.Helper()
	path := Require(tb)
	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath(path), chromedp.UserDataDir(tb.TempDir()), chromedp.WindowSize(1280, 900)}
	for name, v := range Flags {
		opts = append(opts, chromedp.Flag(name, v))
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	var closing atomic.Bool // no logging once the test is ending
	ctx, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithErrorf(func(format string, args ...any) {
		// chromedp reports protocol messages it cannot decode; they are not
		// the page's doing, so they do not fail the test.
		if !closing.Load() {
			tb.Logf("chromedp: "+format, args...)
		}
	}))
	b := &Browser{ctx: ctx}
	// Listen starts the browser and opens the tab. The context of that first
	// call must carry no timeout (chromedp closes the browser when it ends),
	// so the start is timed from outside.
	started := make(chan error, 1)
	go func() { started <- chromedp.Listen(ctx, b.listen) }()
	select {
	case err := <-started:
		if err != nil {
			cancelTab()
			cancelAlloc()
			tb.Fatalf("browsertest: start %s: %v", path, err)
		}
	case <-time.After(30 * time.Second):
		cancelTab()
		cancelAlloc()
		tb.Fatalf("browsertest: %s did not start within 30 s", path)
	}
	tb.Cleanup(func() {
		closing.Store(true)
		cancelTab()
		cancelAlloc() // waits for the browser to exit
	})
	return b
}

// listen records the events a test checks. It runs on the goroutine that
// reads the browser's messages, so it must neither block nor send a
// command: a dialog is dismissed from another goroutine (the page that
// opened it is frozen until it is).
func (b *Browser) listen(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch ev := ev.(type) {
	case *page.EventJavascriptDialogOpening:
		b.dialogs = append(b.dialogs, fmt.Sprintf("%s(%q) on %s", ev.Type, ev.Message, ev.URL))
		go chromedp.Call(b.ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false}) //nolint:errcheck // best effort: the test fails on the dialog anyway
	case *cdplog.EventEntryAdded:
		e := ev.Entry
		if e == nil {
			return
		}
		msg := fmt.Sprintf("[%s %s] %s (%s)", e.Source, e.Level, e.Text, e.URL)
		switch {
		case isCSP(e.Text):
			b.csp = append(b.csp, msg)
		case e.Level == cdplog.EntryLevelError:
			b.console = append(b.console, msg)
		}
	case *runtime.EventConsoleAPICalled:
		if ev.Type != runtime.ConsoleAPICalledTypeError && ev.Type != runtime.ConsoleAPICalledTypeAssert {
			return
		}
		var parts []string
		for _, a := range ev.Args {
			if len(a.Value) > 0 {
				parts = append(parts, string(a.Value))
			} else {
				parts = append(parts, a.Description)
			}
		}
		msg := "console." + string(ev.Type) + ": " + strings.Join(parts, " ")
		if isCSP(msg) {
			b.csp = append(b.csp, msg)
		} else {
			b.console = append(b.console, msg)
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		if d == nil {
			return
		}
		msg := d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			msg += ": " + d.Exception.Description
		}
		b.exceptions = append(b.exceptions, fmt.Sprintf("%s (%s:%d)", msg, d.URL, d.LineNumber+1))
	}
}

func isCSP(s string) bool { return strings.Contains(s, "Content Security Policy") }

// Do runs steps in the tab, in order, failing the test (with what the page
// recorded) if they fail or do not complete within timeout.
func (b *Browser) Do(tb testing.TB, timeout time.Duration, steps ...chromedp.Action[chromedp.Void]) {
	tb.Helper()
	Run(tb, b, timeout, chromedp.Steps(steps...))
}

// Run runs one action in b's tab and returns its value, failing the test
// (with what the page recorded) if it fails or does not complete within
// timeout.
func Run[T any](tb testing.TB, b *Browser, timeout time.Duration, a chromedp.Action[T]) T {
	tb.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, timeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("timed out after %s: %w", timeout, err)
		}
		tb.Fatalf("browser: %v\n%s", err, b.Report())
	}
	return v
}

// Context returns the tab's context, for chromedp calls the helpers lack.
func (b *Browser) Context() context.Context { return b.ctx }

// Dialogs returns the JavaScript dialogs opened so far.
func (b *Browser) Dialogs() []string { return b.get(&b.dialogs) }

// CSPViolations returns the Content-Security-Policy violations reported so
// far.
func (b *Browser) CSPViolations() []string { return b.get(&b.csp) }

// Exceptions returns the uncaught JavaScript exceptions so far.
func (b *Browser) Exceptions() []string { return b.get(&b.exceptions) }

// ConsoleErrors returns console.error calls and error-level browser log
// entries (failed loads, for example) other than CSP violations.
func (b *Browser) ConsoleErrors() []string { return b.get(&b.console) }

func (b *Browser) get(s *[]string) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), *s...)
}

// Reset forgets everything recorded so far.
func (b *Browser) Reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.dialogs, b.csp, b.exceptions, b.console = nil, nil, nil, nil
}

// WaitFor polls until cond holds or timeout passes, and reports whether it
// held. Events arrive asynchronously, so a test that provokes one waits.
func WaitFor(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}

// Report lists everything recorded, for failure messages.
func (b *Browser) Report() string {
	var sb strings.Builder
	for _, s := range []struct {
		name string
		list []string
	}{{"dialogs", b.Dialogs()}, {"CSP violations", b.CSPViolations()}, {"exceptions", b.Exceptions()}, {"console errors", b.ConsoleErrors()}} {
		fmt.Fprintf(&sb, "%s: %d\n", s.name, len(s.list))
		for _, l := range s.list {
			fmt.Fprintf(&sb, "  %s\n", l)
		}
	}
	return sb.String()
}

// Clean fails the test if the page opened a dialog, violated the CSP,
// threw an exception or logged an error since the last Reset.
func (b *Browser) Clean(tb testing.TB, what string) {
	tb.Helper()
	if len(b.Dialogs())+len(b.CSPViolations())+len(b.Exceptions())+len(b.ConsoleErrors()) > 0 {
		tb.Errorf("%s: the browser recorded problems:\n%s", what, b.Report())
	}
}

// Count is an action returning how many elements match a CSS selector,
// without waiting for any.
func Count(sel string) chromedp.Action[int] {
	q, _ := json.Marshal(sel)
	return chromedp.Evaluate[int]("document.querySelectorAll(" + string(q) + ").length")
}
