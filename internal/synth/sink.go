package synth

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
)

// Sink opens the named output streams Generate writes: one per file name
// in Files, then "manifest.json". Generate creates each name once, writes
// it sequentially from one goroutine and closes it, and reports the first
// error Create, Write or Close returns.
type Sink interface {
	Create(name string) (io.WriteCloser, error)
}

// DirSink writes each stream to a file of that name in dir, creating dir if
// needed. Existing files are replaced.
func DirSink(dir string) Sink { return dirSink(dir) }

type dirSink string

func (d dirSink) Create(name string) (io.WriteCloser, error) {
	if name != filepath.Base(name) {
		return nil, fmt.Errorf("create %q: not a plain file name", name)
	}
	if err := os.MkdirAll(string(d), 0o755); err != nil {
		return nil, err
	}
	return os.Create(filepath.Join(string(d), name))
}

// Discard is a Sink that throws everything away; benchmarks use it.
var Discard Sink = discardSink{}

type discardSink struct{}

func (discardSink) Create(string) (io.WriteCloser, error) { return nopCloser{io.Discard}, nil }

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// MemSink keeps every stream in memory: for tests and for loading a small
// world straight into a database without touching the disk. Its methods
// are safe for concurrent use.
type MemSink struct {
	mu    sync.Mutex
	files map[string]*bytes.Buffer
}

// NewMemSink returns an empty MemSink.
func NewMemSink() *MemSink { return &MemSink{files: map[string]*bytes.Buffer{}} }

// Create implements Sink.
func (m *MemSink) Create(name string) (io.WriteCloser, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b := &bytes.Buffer{}
	m.files[name] = b
	return nopCloser{b}, nil
}

// Names returns the names of the streams written, sorted.
func (m *MemSink) Names() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var names []string
	for n := range m.files {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Bytes returns the contents of stream name, or nil if it was not written.
// The slice must not be modified.
func (m *MemSink) Bytes(name string) []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	if b, ok := m.files[name]; ok {
		return b.Bytes()
	}
	return nil
}
