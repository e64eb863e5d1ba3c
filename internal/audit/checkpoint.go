package audit

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// GenerateKey returns a new Ed25519 signer key and its verifier key in the
// signed-note text form ("PRIVATE+KEY+name+hash+key" and "name+hash+key").
// The name is the log's origin, for example "safehub.audit/<deployment-id>":
// checkpoints signed with the key must carry it as their origin line. It may
// not contain spaces or "+".
func GenerateKey(name string) (skey, vkey string, err error) {
	skey, vkey, err = note.GenerateKey(rand.Reader, name)
	if err != nil {
		return "", "", fmt.Errorf("generate audit signing key: %w", err)
	}
	if _, err := NewSigner(skey); err != nil {
		return "", "", fmt.Errorf("generate audit signing key: name %q: %w", name, err)
	}
	return skey, vkey, nil
}

// NewSigner returns the signer for a signer key made by [GenerateKey].
func NewSigner(skey string) (note.Signer, error) {
	s, err := note.NewSigner(skey)
	if err != nil {
		return nil, fmt.Errorf("read audit signing key: %w", err)
	}
	return s, nil
}

// NewVerifier returns the verifier for a verifier key made by [GenerateKey].
// Verifier keys are public: publish them beside the checkpoints.
func NewVerifier(vkey string) (note.Verifier, error) {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, fmt.Errorf("read audit verifier key: %w", err)
	}
	return v, nil
}

// Checkpoint is a commitment to the first Size entries of the log: the root
// hash of their tree. Signed, it is a C2SP tlog-checkpoint.
type Checkpoint struct {
	// Origin names the log. It equals the name of the key that signs it.
	Origin string
	Size   int64
	Root   tlog.Hash
}

// Marshal returns the checkpoint's note body: the origin, the size in decimal
// and the root in standard base64, each on its own line ending in "\n".
func (c Checkpoint) Marshal() []byte {
	var b bytes.Buffer
	b.WriteString(c.Origin)
	b.WriteByte('\n')
	b.WriteString(strconv.FormatInt(c.Size, 10))
	b.WriteByte('\n')
	b.WriteString(base64.StdEncoding.EncodeToString(c.Root[:]))
	b.WriteByte('\n')
	return b.Bytes()
}

var errMalformedCheckpoint = errors.New("malformed checkpoint")

// ParseCheckpoint parses a checkpoint note body. It is strict, so that a
// body it accepts marshals back to the same bytes: exactly three lines, each
// ending in "\n" (no extension lines); a non-empty origin of valid UTF-8
// without control characters; a size in decimal without sign or leading
// zeros; and a root of exactly 32 bytes in padded standard base64.
func ParseCheckpoint(body []byte) (Checkpoint, error) {
	fail := func(what string) (Checkpoint, error) {
		return Checkpoint{}, fmt.Errorf("parse checkpoint: %s: %w", what, errMalformedCheckpoint)
	}
	if !bytes.HasSuffix(body, []byte("\n")) {
		return fail("no final newline")
	}
	lines := bytes.Split(body[:len(body)-1], []byte("\n"))
	if len(lines) != 3 {
		return fail(fmt.Sprintf("%d lines, want 3", len(lines)))
	}
	origin, size, root := lines[0], lines[1], lines[2]

	if len(origin) == 0 || !utf8.Valid(origin) || bytes.ContainsFunc(origin, isControl) {
		return fail("bad origin")
	}

	if len(size) == 0 || len(size) > 1 && size[0] == '0' || size[0] < '0' || size[0] > '9' {
		return fail("bad size")
	}
	n, err := strconv.ParseInt(string(size), 10, 64)
	if err != nil {
		return fail("bad size")
	}

	var c Checkpoint
	if len(root) != base64.StdEncoding.EncodedLen(tlog.HashSize) {
		return fail("bad root hash")
	}
	// Decode needs room for DecodedLen(44) = 33 bytes even though a valid
	// root fills only 32; decoding straight into c.Root can panic.
	var buf [tlog.HashSize + 1]byte
	k, err := base64.StdEncoding.Strict().Decode(buf[:], root)
	if err != nil || k != tlog.HashSize {
		return fail("bad root hash")
	}
	copy(c.Root[:], buf[:k])
	c.Origin = string(origin)
	c.Size = n
	return c, nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// SignCheckpoint signs c with s and returns the signed note. The checkpoint's
// origin must be the signer's name.
func SignCheckpoint(c Checkpoint, s note.Signer) ([]byte, error) {
	body := c.Marshal()
	if c2, err := ParseCheckpoint(body); err != nil || c2 != c {
		return nil, fmt.Errorf("sign checkpoint at size %d: %w", c.Size, errMalformedCheckpoint)
	}
	if c.Origin != s.Name() {
		return nil, fmt.Errorf("sign checkpoint: origin %q is not the key name %q: %w", c.Origin, s.Name(), errMalformedCheckpoint)
	}
	msg, err := note.Sign(&note.Note{Text: string(body)}, s)
	if err != nil {
		return nil, fmt.Errorf("sign checkpoint at size %d: %w", c.Size, err)
	}
	return msg, nil
}

// OpenCheckpoint verifies that msg is a note signed by v's key and returns
// the checkpoint it carries, whose origin must be v's name. Signatures by
// other keys (cosignatures by witnesses) are ignored.
func OpenCheckpoint(msg []byte, v note.Verifier) (Checkpoint, error) {
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		return Checkpoint{}, fmt.Errorf("open checkpoint: %w", err)
	}
	c, err := ParseCheckpoint([]byte(n.Text))
	if err != nil {
		return Checkpoint{}, fmt.Errorf("open checkpoint: %w", err)
	}
	if c.Origin != v.Name() {
		return Checkpoint{}, fmt.Errorf("open checkpoint: origin %q is not the key name %q: %w", c.Origin, v.Name(), errMalformedCheckpoint)
	}
	return c, nil
}
