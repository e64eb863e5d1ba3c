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

// NewID returns a random, opaque identifier (a version 4 UUID in its canonical
// text form). Identifiers are never sequential so that they reveal nothing
// about how many records exist or in which order they were made.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	b[6] = b[6]&0x0f | 0x40
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
