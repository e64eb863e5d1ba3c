package demo

import (
	"bytes"
	"io"
	"testing"
)

// FuzzReadCSV feeds arbitrary bytes to the synthetic files' reader and
// each row to the feature loaders' row parsers: none may panic, and every
// row the reader hands out has exactly the header's columns.
func FuzzReadCSV(f *testing.F) {
	f.Add([]byte("dataset,person_id,type,from_location,last_seen_at,reported_at,found_at,returned_at\nsynth-42-6000,P00000001,missing,home,2026-01-02T03:04:05Z,2026-01-02T05:00:00Z,,\n"))
	f.Add([]byte("a,b\n\"x,1\",2\n"))
	f.Add([]byte("a,b\n1\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		open := func(string) (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
		var width int
		_ = readCSV(open, "x.csv", func(row map[string]string) error {
			if width == 0 {
				width = len(row)
			}
			if len(row) != width {
				t.Fatalf("row of %d columns after rows of %d", len(row), width)
			}
			loaded := &Loaded{IDs: map[string]string{"P00000001": "id"}}
			_, _ = synthEpisode(row, "id", loaded)
			_, _ = synthInterview(row)
			_, _ = synthNRM(row, "id")
			_, _ = synthTime(row, "found_at")
			return nil
		})
	})
}
