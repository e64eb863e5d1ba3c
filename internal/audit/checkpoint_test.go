package audit

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const testOrigin = "safehub.audit/test"

// newKeys returns a signer and verifier for a fresh key named name.
func newKeys(tb testing.TB, name string) (note.Signer, note.Verifier) {
	tb.Helper()
	skey, vkey, err := GenerateKey(name)
	if err != nil {
		tb.Fatalf("GenerateKey(%q): %v", name, err)
	}
	s, err := NewSigner(skey)
	if err != nil {
		tb.Fatalf("NewSigner: %v", err)
	}
	v, err := NewVerifier(vkey)
	if err != nil {
		tb.Fatalf("NewVerifier: %v", err)
	}
	return s, v
}

func TestGenerateKeyBadName(t *testing.T) {
	for _, name := range []string{"", "has space", "a+b"} {
		if _, _, err := GenerateKey(name); err == nil {
			t.Errorf("GenerateKey(%q) succeeded, want error", name)
		}
	}
}

func TestCheckpointMarshal(t *testing.T) {
	c := Checkpoint{Origin: testOrigin, Size: 1000, Root: tlog.RecordHash([]byte("x"))}
	want := testOrigin + "\n1000\n" + c.Root.String() + "\n"
	if got := string(c.Marshal()); got != want {
		t.Errorf("Marshal() = %q, want %q", got, want)
	}
	got, err := ParseCheckpoint(c.Marshal())
	if err != nil || got != c {
		t.Errorf("ParseCheckpoint(Marshal(c)) = %+v, %v, want %+v", got, err, c)
	}
}

func TestParseCheckpoint(t *testing.T) {
	root := tlog.RecordHash([]byte("x")).String()
	tests := []struct {
		name string
		body string
		ok   bool
	}{
		{"valid", "o\n12\n" + root + "\n", true},
		{"size zero", "o\n0\n" + root + "\n", true},
		{"max size", "o\n9223372036854775807\n" + root + "\n", true},
		{"no final newline", "o\n12\n" + root, false},
		{"extension line", "o\n12\n" + root + "\next\n", false},
		{"two lines", "o\n12\n", false},
		{"empty origin", "\n12\n" + root + "\n", false},
		{"control char in origin", "o\x01\n12\n" + root + "\n", false},
		{"bad utf-8 origin", "o\xff\n12\n" + root + "\n", false},
		{"leading zero", "o\n012\n" + root + "\n", false},
		{"double zero", "o\n00\n" + root + "\n", false},
		{"plus sign", "o\n+12\n" + root + "\n", false},
		{"minus sign", "o\n-12\n" + root + "\n", false},
		{"empty size", "o\n\n" + root + "\n", false},
		{"size overflow", "o\n9223372036854775808\n" + root + "\n", false},
		{"hex size", "o\n0x1\n" + root + "\n", false},
		{"short root", "o\n12\n" + root[:40] + "\n", false},
		{"unpadded root", "o\n12\n" + strings.TrimRight(root, "=") + "\n", false},
		{"url base64 root", "o\n12\n" + strings.NewReplacer("+", "-", "/", "_").Replace(tlog.Hash{0xfb, 0xff}.String()) + "\n", false},
		{"non-canonical root", "o\n12\n" + root[:42] + "B=\n", false},
		{"crlf", "o\r\n12\r\n" + root + "\r\n", false},
		{"root of 33 bytes", "o\n12\n" + strings.Repeat("0", 44) + "\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseCheckpoint([]byte(tt.body))
			if (err == nil) != tt.ok {
				t.Fatalf("ParseCheckpoint(%q) error = %v, want ok %v", tt.body, err, tt.ok)
			}
			if tt.ok && string(c.Marshal()) != tt.body {
				t.Errorf("Marshal(ParseCheckpoint(%q)) = %q", tt.body, c.Marshal())
			}
		})
	}
}

func FuzzParseCheckpoint(f *testing.F) {
	root := tlog.RecordHash([]byte("x")).String()
	f.Add([]byte("o\n12\n" + root + "\n"))
	f.Add([]byte("safehub.audit/dep-1\n0\n" + root + "\n"))
	f.Add([]byte("o\n012\n" + root + "\n"))
	f.Add([]byte("o\n12\n" + root + "\nextra\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		c, err := ParseCheckpoint(body)
		if err != nil {
			return
		}
		if got := c.Marshal(); !bytes.Equal(got, body) {
			t.Fatalf("Marshal(ParseCheckpoint(%q)) = %q", body, got)
		}
		if c.Size < 0 {
			t.Fatalf("ParseCheckpoint(%q) size = %d", body, c.Size)
		}
	})
}

func TestSignOpenCheckpoint(t *testing.T) {
	s, v := newKeys(t, testOrigin)
	c := Checkpoint{Origin: testOrigin, Size: 7, Root: tlog.RecordHash([]byte("r"))}
	msg, err := SignCheckpoint(c, s)
	if err != nil {
		t.Fatalf("SignCheckpoint: %v", err)
	}
	got, err := OpenCheckpoint(msg, v)
	if err != nil || got != c {
		t.Fatalf("OpenCheckpoint(SignCheckpoint(c)) = %+v, %v, want %+v", got, err, c)
	}

	// Cosignatures by other keys are ignored.
	ws, _ := newKeys(t, "witness.example")
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		t.Fatal(err)
	}
	cosigned, err := note.Sign(n, ws)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := OpenCheckpoint(cosigned, v); err != nil || got != c {
		t.Errorf("OpenCheckpoint(cosigned) = %+v, %v, want %+v", got, err, c)
	}

	otherS, otherV := newKeys(t, testOrigin) // same name, other key
	forged, err := SignCheckpoint(c, otherS)
	if err != nil {
		t.Fatal(err)
	}
	misnamedS, _ := newKeys(t, "safehub.audit/other")
	misnamed, err := note.Sign(&note.Note{Text: string(c.Marshal())}, misnamedS)
	if err != nil {
		t.Fatal(err)
	}
	_, otherOriginV := newKeys(t, "safehub.audit/other")
	tampered := bytes.Replace(msg, []byte("\n7\n"), []byte("\n8\n"), 1)

	bad := []struct {
		name string
		msg  []byte
		v    note.Verifier
	}{
		{"other key with the same name", forged, v},
		{"key not trusted", msg, otherV},
		{"origin is not the key name", misnamed, otherOriginV},
		{"body changed", tampered, v},
		{"not a note", c.Marshal(), v},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if c, err := OpenCheckpoint(tt.msg, tt.v); err == nil {
				t.Errorf("OpenCheckpoint = %+v, want error", c)
			}
		})
	}

	if _, err := SignCheckpoint(Checkpoint{Origin: "safehub.audit/other", Size: 1}, s); err == nil {
		t.Errorf("SignCheckpoint with origin other than the key name succeeded")
	}
	if _, err := SignCheckpoint(Checkpoint{Origin: "a\nb", Size: 1}, s); err == nil {
		t.Errorf("SignCheckpoint with a newline in the origin succeeded")
	}
	if _, err := SignCheckpoint(Checkpoint{Origin: testOrigin, Size: -1}, s); err == nil {
		t.Errorf("SignCheckpoint with a negative size succeeded")
	}
}
