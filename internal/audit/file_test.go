package audit

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func TestCheckpointFile(t *testing.T) {
	s, v := newKeys(t, testOrigin)
	ws, _ := newKeys(t, "witness.example")
	var file bytes.Buffer
	var want [][]byte
	for i := range int64(5) {
		msg, err := SignCheckpoint(Checkpoint{Origin: testOrigin, Size: i * 1000, Root: tlog.RecordHash([]byte{byte(i)})}, s)
		if err != nil {
			t.Fatal(err)
		}
		if i == 3 { // a cosigned note has two signature lines
			n, err := note.Open(msg, note.VerifierList(v))
			if err != nil {
				t.Fatal(err)
			}
			if msg, err = note.Sign(n, ws); err != nil {
				t.Fatal(err)
			}
		}
		if err := AppendCheckpointFile(&file, msg); err != nil {
			t.Fatalf("AppendCheckpointFile(%d): %v", i, err)
		}
		want = append(want, msg)
	}
	got, err := ParseCheckpointFile(bytes.NewReader(file.Bytes()))
	if err != nil {
		t.Fatalf("ParseCheckpointFile: %v", err)
	}
	if len(got) != len(want) {
		t.Fatalf("ParseCheckpointFile returned %d notes, want %d", len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Errorf("note %d = %q, want %q", i, got[i], want[i])
		}
		if c, err := OpenCheckpoint(got[i], v); err != nil || c.Size != int64(i)*1000 {
			t.Errorf("OpenCheckpoint(note %d) = %+v, %v", i, c, err)
		}
	}

	// A torn append: every proper prefix that cuts into the last record
	// gives the complete records and ErrPartialRecord.
	full := file.Bytes()
	lastStart := len(full) - len(want[4]) - 1
	for cut := lastStart + 1; cut < len(full); cut++ {
		notes, err := ParseCheckpointFile(bytes.NewReader(full[:cut]))
		if !errors.Is(err, ErrPartialRecord) {
			t.Fatalf("ParseCheckpointFile(cut at %d) error = %v, want ErrPartialRecord", cut, err)
		}
		if len(notes) != 4 {
			t.Fatalf("ParseCheckpointFile(cut at %d) returned %d notes, want 4", cut, len(notes))
		}
	}
	if notes, err := ParseCheckpointFile(strings.NewReader("")); err != nil || len(notes) != 0 {
		t.Errorf("ParseCheckpointFile(empty) = %d notes, %v", len(notes), err)
	}
}

func TestParseCheckpointFileMalformed(t *testing.T) {
	tests := []struct {
		name string
		file string
	}{
		{"leading blank line", "\no\n1\nh\n\n— k sig\n\n"},
		{"two blank lines between records", "o\n1\nh\n\n— k sig\n\n\n"},
		{"no signature", "o\n1\nh\n\nnot a signature\n\n"},
		{"blank line before signatures twice", "o\n1\nh\n\n\n— k sig\n\n"},
		{"line too long", "o\n1\n" + strings.Repeat("h", maxLine+1) + "\n\n— k sig\n\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if notes, err := ParseCheckpointFile(strings.NewReader(tt.file)); err == nil {
				t.Errorf("ParseCheckpointFile(%q) = %d notes, want error", tt.file, len(notes))
			}
		})
	}
}

func TestAppendCheckpointFileRejects(t *testing.T) {
	s, _ := newKeys(t, testOrigin)
	msg, err := SignCheckpoint(Checkpoint{Origin: testOrigin, Size: 1}, s)
	if err != nil {
		t.Fatal(err)
	}
	for name, bad := range map[string][]byte{
		"empty":            nil,
		"body only":        Checkpoint{Origin: testOrigin, Size: 1}.Marshal(),
		"no final newline": msg[:len(msg)-1],
		"two notes":        append(append(bytes.Clone(msg), '\n'), msg...),
		"trailing blank":   append(bytes.Clone(msg), '\n'),
	} {
		var w bytes.Buffer
		if err := AppendCheckpointFile(&w, bad); err == nil {
			t.Errorf("AppendCheckpointFile(%s) succeeded", name)
		}
		if w.Len() != 0 {
			t.Errorf("AppendCheckpointFile(%s) wrote %d bytes", name, w.Len())
		}
	}
}

func FuzzParseCheckpointFile(f *testing.F) {
	f.Add([]byte("o\n1\nh\n\n— k sig\n\n"))
	f.Add([]byte("o\n1\nh\n\n— k sig\n— w sig\n\np\n2\nh\n\n— k s\n\n"))
	f.Add([]byte("o\n1\nh\n\n— k sig\n"))
	f.Fuzz(func(t *testing.T, file []byte) {
		notes, _ := ParseCheckpointFile(bytes.NewReader(file))
		// Whatever was read back is a prefix of the file, and appending the
		// notes again gives exactly that prefix.
		var w bytes.Buffer
		for _, n := range notes {
			if err := AppendCheckpointFile(&w, n); err != nil {
				t.Fatalf("AppendCheckpointFile(%q): %v", n, err)
			}
		}
		if !bytes.HasPrefix(file, w.Bytes()) {
			t.Fatalf("records %q are not a prefix of the file %q", w.Bytes(), file)
		}
	})
}
