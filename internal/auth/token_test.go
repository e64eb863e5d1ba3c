package auth

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
)

func TestNewToken(t *testing.T) {
	t.Parallel()
	for _, prefix := range []string{SessionTokenPrefix, APIKeyPrefix, ""} {
		tok, hash := NewToken(prefix)
		if !strings.HasPrefix(tok, prefix) {
			t.Errorf("NewToken(%q) = %q, want the prefix", prefix, tok)
		}
		body := strings.TrimPrefix(tok, prefix)
		if len(body) != 43 {
			t.Errorf("NewToken(%q) body %q is %d characters, want 43", prefix, body, len(body))
		}
		raw, err := base64.RawURLEncoding.DecodeString(body)
		if err != nil || len(raw) != 32 {
			t.Errorf("NewToken(%q) body decodes to %d bytes, %v; want 32", prefix, len(raw), err)
		}
		want := sha256.Sum256([]byte(tok))
		if !bytes.Equal(hash, want[:]) {
			t.Errorf("NewToken(%q) hash = %x, want SHA-256 of the token %x", prefix, hash, want)
		}
		if !bytes.Equal(HashToken(tok), hash) {
			t.Errorf("HashToken(%q) = %x, want %x", tok, HashToken(tok), hash)
		}
	}
}

func TestNewTokenUnique(t *testing.T) {
	t.Parallel()
	const n = 10_000
	seen := make(map[string]bool, n)
	hashes := make(map[string]bool, n)
	for range n {
		tok, hash := NewToken(SessionTokenPrefix)
		if seen[tok] || hashes[string(hash)] {
			t.Fatalf("NewToken repeated %q after %d tokens", tok, len(seen))
		}
		seen[tok], hashes[string(hash)] = true, true
	}
}

func TestHashTokenStable(t *testing.T) {
	t.Parallel()
	tests := []struct{ token, want string }{
		{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"}, // FIPS 180-2 vector
		{"shs_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "12e9cfdcef6d8f3b46bf0340bff33c018835e97a4660b75220678c69a565b8df"},
	}
	for _, tt := range tests {
		if got := hex.EncodeToString(HashToken(tt.token)); got != tt.want {
			t.Errorf("HashToken(%q) = %s, want %s", tt.token, got, tt.want)
		}
	}
}
