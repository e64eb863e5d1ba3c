// Package hub is Safehub's domain vocabulary: the entities a vulnerability hub
// works with (agencies, areas, users, persons, machine clients, audit events),
// their enums, validation and the error codes every layer above shares.
//
// It imports only the standard library. Storage, HTTP and policy live in other
// packages and depend on this one, never the reverse.
package hub

import (
	"crypto/rand"
	"encoding/hex"
	"time"
)

// NewID returns a new identifier: a version 7 UUID in its canonical text
// form — 48 bits of Unix milliseconds followed by 74 random bits. The
// random part makes identifiers unguessable; the time prefix keeps new
// records together at the end of the databases' key indexes, so inserts
// stay fast at millions of rows. Identifiers are not sequential counters:
// they reveal when a record was made, not how many exist.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	ms := uint64(time.Now().UnixMilli())
	b[0], b[1], b[2], b[3], b[4], b[5] = byte(ms>>40), byte(ms>>32), byte(ms>>24), byte(ms>>16), byte(ms>>8), byte(ms)
	b[6] = b[6]&0x0f | 0x70
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}

// ValidID reports whether s has the shape of an identifier made by NewID
// (any UUID in canonical lower-case form). Handlers use it to answer 400
// for malformed identifiers before touching the store.
func ValidID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
				return false
			}
		}
	}
	return true
}

// Clock tells the time. Production code uses SystemClock; tests substitute a
// fake so that deadlines, session timeouts and expiry can be tested without
// sleeping.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock, in UTC.
type SystemClock struct{}

// Now returns the current time in UTC.
func (SystemClock) Now() time.Time { return time.Now().UTC() }
