// Package audit is the pure core of Safehub's tamper-evident audit log: the
// canonical encoding of an audit event, the Merkle tree over the encoded
// events (RFC 6962, as golang.org/x/mod/sumdb/tlog implements it), signed
// checkpoints in the C2SP tlog-checkpoint format, inclusion and consistency
// proofs, and the verifier that recomputes the whole log and reports the first
// entry that was edited, deleted, reordered or cut off.
//
// The package does no I/O of its own. A store keeps the entries, the tree's
// stored hashes and the signed checkpoints, and hands them to this package
// through tlog.HashReader and [Source]. It imports the standard library,
// internal/hub and golang.org/x/mod/sumdb only.
//
// # Appending an event
//
// Appends must be serialised (one writer at a time) and each runs in one
// transaction, with n the number of entries already in the log:
//
//	e.Time = audit.CanonicalTime(e.Time)      // store exactly this time
//	salt := audit.NewSalt()                   // store it beside the row
//	enc := audit.Encode(e, salt)
//	hashes, err := audit.StoredHashesForAppend(n, enc, tx) // tx reads audit_hashes
//	// insert the event row with idx n and the salt;
//	// insert hashes[k] at storage index tlog.StoredHashIndex(0, n)+k
//	root, err := audit.TreeHash(n+1, tx)     // after the insert, in the same tx
//	head, err := audit.SignCheckpoint(audit.Checkpoint{Origin: signer.Name(), Size: n + 1, Root: root}, signer)
//	// replace the stored head with head; every 1,000 entries or 60 s also
//	// keep it as a checkpoint, and after commit publish it outside the
//	// database with [AppendCheckpointFile].
package audit

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/safehub/safehub/internal/hub"
)

// SaltSize is the size in bytes of the random salt [NewSalt] returns.
const SaltSize = 16

// encodingPrefix starts every encoded event. It separates audit leaves from
// anything else that might be hashed the same way and names the version of
// the encoding, so that a later version can be told apart.
const encodingPrefix = "safehub.audit.v1\n"

// NewSalt returns a fresh random salt of [SaltSize] bytes. Each event gets its
// own salt, and the store keeps it with the event: hashing the event with a
// secret salt makes a leaf hash a commitment, so that leaf hashes, proofs and
// published checkpoints reveal nothing about who looked at which record.
func NewSalt() []byte {
	b := make([]byte, SaltSize)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return b
}

// CanonicalTime returns t as the audit log records it: in UTC, truncated to
// whole microseconds, without a monotonic clock reading. PostgreSQL keeps
// timestamps to the microsecond, so a store must write CanonicalTime(t) (or
// set the event's Time to it before inserting) for an event read back from
// the database to encode to the same bytes.
func CanonicalTime(t time.Time) time.Time {
	return t.UTC().Truncate(time.Microsecond)
}

// Encode returns the canonical encoding of e with salt: the bytes whose hash
// is e's leaf in the audit tree. Every field of e except Index is included
// (the index is the leaf's position in the tree, so it is committed to
// already). Encode is deterministic, and distinct (event, salt) pairs give
// distinct encodings.
//
// Time is encoded as [CanonicalTime](e.Time) in the time.RFC3339Nano
// layout (so at most six fractional digits, trailing zeros dropped): times
// that differ by less than a microsecond, or only in their location, encode
// the same.
//
// The encoding is the prefix "safehub.audit.v1\n" followed by fifteen fields,
// each a uvarint length and then that many bytes: the salt, the time, and
// ActorID, ActorName, AgencyID, Role, Action, ObjectType, ObjectID,
// SubjectID, Purpose, Outcome, RequestID, Client and Detail in that order.
func Encode(e *hub.AuditEvent, salt []byte) []byte {
	ts := CanonicalTime(e.Time).Format(time.RFC3339Nano)
	fields := [...]string{
		ts, e.ActorID, e.ActorName, e.AgencyID, e.Role, e.Action, e.ObjectType,
		e.ObjectID, e.SubjectID, e.Purpose, e.Outcome, e.RequestID, e.Client, e.Detail,
	}
	size := len(encodingPrefix) + binary.MaxVarintLen64 + len(salt)
	for _, f := range fields {
		size += binary.MaxVarintLen64 + len(f)
	}
	b := make([]byte, 0, size)
	b = append(b, encodingPrefix...)
	b = binary.AppendUvarint(b, uint64(len(salt)))
	b = append(b, salt...)
	for _, f := range fields {
		b = binary.AppendUvarint(b, uint64(len(f)))
		b = append(b, f...)
	}
	return b
}

// encodedFields is the number of length-prefixed fields after the prefix.
const encodedFields = 15

var errMalformedEvent = errors.New("malformed encoded audit event")

// Decode parses an encoding made by [Encode] and returns the event (with
// Index zero) and the salt. It accepts only canonical encodings: for any b it
// accepts, Encode(e, salt) returns b again.
func Decode(b []byte) (e *hub.AuditEvent, salt []byte, err error) {
	if !bytes.HasPrefix(b, []byte(encodingPrefix)) {
		return nil, nil, fmt.Errorf("decode audit event: no %q prefix: %w", encodingPrefix[:len(encodingPrefix)-1], errMalformedEvent)
	}
	rest := b[len(encodingPrefix):]
	var fields [encodedFields][]byte
	for i := range fields {
		n, k := binary.Uvarint(rest)
		if k <= 0 || n > uint64(len(rest)-k) {
			return nil, nil, fmt.Errorf("decode audit event: field %d: %w", i, errMalformedEvent)
		}
		fields[i] = rest[k : k+int(n)]
		rest = rest[k+int(n):]
	}
	if len(rest) != 0 {
		return nil, nil, fmt.Errorf("decode audit event: %d trailing bytes: %w", len(rest), errMalformedEvent)
	}
	t, err := time.Parse(time.RFC3339Nano, string(fields[1]))
	if err != nil {
		return nil, nil, fmt.Errorf("decode audit event: time: %w", errMalformedEvent)
	}
	s := func(i int) string { return string(fields[i]) }
	e = &hub.AuditEvent{
		Time:       t.UTC(),
		ActorID:    s(2),
		ActorName:  s(3),
		AgencyID:   s(4),
		Role:       s(5),
		Action:     s(6),
		ObjectType: s(7),
		ObjectID:   s(8),
		SubjectID:  s(9),
		Purpose:    s(10),
		Outcome:    s(11),
		RequestID:  s(12),
		Client:     s(13),
		Detail:     s(14),
	}
	salt = bytes.Clone(fields[0])
	if !bytes.Equal(Encode(e, salt), b) {
		return nil, nil, fmt.Errorf("decode audit event: not in canonical form: %w", errMalformedEvent)
	}
	return e, salt, nil
}

// LeafHash returns the tree leaf for an encoded event: SHA-256(0x00 ||
// encoded), the RFC 6962 leaf hash, which is tlog.RecordHash.
func LeafHash(encoded []byte) tlog.Hash {
	return tlog.RecordHash(encoded)
}
