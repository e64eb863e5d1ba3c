package hub

import (
	"strings"
	"testing"
	"time"
)

func TestNewID(t *testing.T) {
	seen := map[string]bool{}
	prev := ""
	for i := 0; i < 10000; i++ {
		id := NewID()
		if !ValidID(id) {
			t.Fatalf("NewID() = %q, not a valid id", id)
		}
		if id[14] != '7' || !strings.ContainsRune("89ab", rune(id[19])) {
			t.Fatalf("NewID() = %q, want a version 7, RFC 9562 variant UUID", id)
		}
		if seen[id] {
			t.Fatalf("NewID() repeated %q", id)
		}
		seen[id] = true
		// Time-ordered: the 48-bit millisecond prefix never goes back.
		if prev != "" && id[:13] < prev[:13] {
			t.Fatalf("NewID() = %q after %q: the time prefix went back", id, prev)
		}
		prev = id
	}
	ms := time.Now().UnixMilli()
	id := NewID()
	var got int64
	for _, c := range strings.ReplaceAll(id[:13], "-", "") {
		got = got<<4 | int64(strings.IndexRune("0123456789abcdef", c))
	}
	if got < ms || got > ms+1000 {
		t.Errorf("NewID() time prefix = %d, want about %d", got, ms)
	}
}

func TestValidID(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want bool
	}{
		{"0190b4a2-7c3d-7e5f-8a9b-0c1d2e3f4a5b", true},
		{"0190B4A2-7C3D-7E5F-8A9B-0C1D2E3F4A5B", false},
		{"0190b4a27c3d7e5f8a9b0c1d2e3f4a5b", false},
		{"../../etc/passwd", false},
		{"", false},
	} {
		if got := ValidID(tc.s); got != tc.want {
			t.Errorf("ValidID(%q) = %v, want %v", tc.s, got, tc.want)
		}
	}
}
