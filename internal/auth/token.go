package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
)

// Token prefixes. They make a leaked token recognisable to secret scanners
// and to people, and say what kind of credential it is.
const (
	SessionTokenPrefix = "shs_"
	APIKeyPrefix       = "shk_"
)

// tokenBytes is the random part of a token: 256 bits.
const tokenBytes = 32

// NewToken returns a new random token, prefix followed by 32 bytes from
// crypto/rand in unpadded base64url (43 characters), and its hash for
// storage. Only the hash is stored; the token itself is given to the client
// once.
func NewToken(prefix string) (token string, hash []byte) {
	b := make([]byte, tokenBytes)
	// Since Go 1.24 crypto/rand.Read never returns an error: it crashes
	// the program if the system's random source fails.
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	token = prefix + base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token)
}

// HashToken returns the SHA-256 of token, the form in which tokens are
// stored and looked up.
//
// A fast hash is right here, unlike for passwords: a token has 256 bits of
// entropy, so no amount of hashing speed lets an attacker who steals the
// table guess one, while argon2id would cost tens of milliseconds and
// megabytes on every authenticated request and would need a per-token salt,
// making lookup by hash impossible.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}
