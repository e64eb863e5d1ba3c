// Package auth holds Safehub's credential primitives: argon2id password
// hashing, the password policy, TOTP, random tokens and a login throttle.
//
// The package is pure: it keeps no global state, does no I/O beyond reading
// the system's random source, and knows nothing of users, sessions, HTTP or
// storage. Callers pass in the server's clock and store what they are given
// (encoded hashes, token hashes, the last accepted TOTP step). It imports
// only the standard library, internal/hub for domain errors,
// golang.org/x/crypto/argon2 and github.com/pquerna/otp.
package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id cost parameters.
type Params struct {
	Memory  uint32 // memory in KiB
	Time    uint32 // number of passes
	Threads uint8  // degree of parallelism
	SaltLen uint32 // salt length in bytes
	KeyLen  uint32 // derived key length in bytes
}

// DefaultParams are the parameters new password hashes are made with:
// 64 MiB, two passes, one thread, as security.md §(c) recommends (about
// 90 ms a hash on a 2-core machine of our kind).
var DefaultParams = Params{Memory: 64 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// MinimumParams are the OWASP floor for argon2id (m=19 MiB, t=2, p=1) with a
// 16-byte salt (SEC-04). NewHasher refuses anything weaker. Tests use these
// to stay fast.
var MinimumParams = Params{Memory: 19456, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// Upper bounds on the parameters. They apply to NewHasher and to encoded
// hashes read back for Verify, so that a corrupt or planted hash cannot make
// one login allocate gigabytes or run for minutes.
const (
	maxMemory  = 1 << 20 // KiB, i.e. 1 GiB
	maxTime    = 32
	maxThreads = 64
	maxSaltLen = 64
	maxKeyLen  = 64

	// Stored hashes are accepted for verification down to these lengths
	// (the argon2 minimum salt, and a 128-bit key), so that a hash cannot
	// be truncated into one every password matches.
	minStoredSaltLen = 8
	minStoredKeyLen  = 16
)

// MaxPasswordBytes is the longest password, in bytes, that Hash accepts and
// Verify will try. It is far above the policy's 128 code points (at most 512
// bytes of UTF-8) and only bounds the work an oversized request can cause.
const MaxPasswordBytes = 4096

// ErrMalformedHash is returned by Verify for an encoded hash it cannot
// parse or whose parameters are out of bounds. It means the stored
// credential is corrupt, not that the password is wrong.
var ErrMalformedHash = errors.New("malformed password hash")

// Validate reports whether p is at least MinimumParams and within the upper
// bounds.
func (p Params) Validate() error {
	switch {
	case p.Memory < MinimumParams.Memory || p.Memory > maxMemory:
		return fmt.Errorf("argon2id memory %d KiB outside [%d, %d]", p.Memory, MinimumParams.Memory, maxMemory)
	case p.Time < MinimumParams.Time || p.Time > maxTime:
		return fmt.Errorf("argon2id time %d outside [%d, %d]", p.Time, MinimumParams.Time, maxTime)
	case p.Threads < MinimumParams.Threads || p.Threads > maxThreads:
		return fmt.Errorf("argon2id threads %d outside [%d, %d]", p.Threads, MinimumParams.Threads, maxThreads)
	case p.SaltLen < MinimumParams.SaltLen || p.SaltLen > maxSaltLen:
		return fmt.Errorf("argon2id salt length %d outside [%d, %d]", p.SaltLen, MinimumParams.SaltLen, maxSaltLen)
	case p.KeyLen < minStoredKeyLen || p.KeyLen > maxKeyLen:
		return fmt.Errorf("argon2id key length %d outside [%d, %d]", p.KeyLen, minStoredKeyLen, maxKeyLen)
	}
	return nil
}

// Hasher hashes and verifies passwords with argon2id. It caps the number of
// hashes running at once, because each one holds Params.Memory KiB: without
// the cap, a burst of logins is a memory exhaustion attack. Callers beyond
// the cap wait. A Hasher is safe for concurrent use.
type Hasher struct {
	params Params
	sem    chan struct{}
	dummy  []byte // an encoded hash of a random password, for DummyVerify
}

// NewHasher returns a Hasher that makes hashes with p and runs at most
// maxConcurrent hashes at once; maxConcurrent <= 0 means 2×GOMAXPROCS. It
// refuses parameters below MinimumParams.
func NewHasher(p Params, maxConcurrent int) (*Hasher, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if maxConcurrent <= 0 {
		maxConcurrent = 2 * runtime.GOMAXPROCS(0)
	}
	h := &Hasher{params: p, sem: make(chan struct{}, maxConcurrent)}
	dummy, err := h.Hash(rand.Text())
	if err != nil {
		return nil, err
	}
	h.dummy = []byte(dummy)
	return h, nil
}

// Params returns the parameters h makes new hashes with.
func (h *Hasher) Params() Params { return h.params }

// Hash returns password's argon2id hash in PHC string format,
// $argon2id$v=19$m=…,t=…,p=…$salt$hash, with a fresh random salt. The
// password is hashed exactly as given: it is not trimmed, case-folded or
// normalised (SEC-03).
func (h *Hasher) Hash(password string) (string, error) {
	if len(password) > MaxPasswordBytes {
		return "", fmt.Errorf("password longer than %d bytes", MaxPasswordBytes)
	}
	salt := make([]byte, h.params.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("read salt: %w", err)
	}
	key := h.derive(password, salt, h.params)
	return encodeHash(h.params, salt, key), nil
}

// Verify reports whether password matches encoded, a hash made by Hash.
// The comparison is exact and in constant time. needsRehash is true when
// the password matched but encoded was made with parameters other than h's:
// the caller should then store a fresh Hash of the password. A malformed
// encoded hash gives ErrMalformedHash.
//
// Verify runs with the parameters stored in encoded, so a hash made with
// other parameters takes correspondingly longer or shorter than
// DummyVerify.
func (h *Hasher) Verify(password, encoded string) (ok, needsRehash bool, err error) {
	p, salt, want, err := decodeHash(encoded)
	if err != nil {
		return false, false, err
	}
	if len(password) > MaxPasswordBytes {
		return false, false, nil
	}
	got := h.derive(password, salt, p)
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return false, false, nil
	}
	return true, p != h.params, nil
}

// DummyVerify spends as long as a Verify of password against a hash made
// with h's parameters, and always fails. Call it when a login names an
// unknown user, so that response times do not reveal which users exist
// (SEC-10).
func (h *Hasher) DummyVerify(password string) {
	// The result is ignored: the dummy hash is of a random password no one
	// knows, and all that matters is the time spent.
	_, _, _ = h.Verify(password, string(h.dummy))
}

// derive runs argon2id under the concurrency cap.
func (h *Hasher) derive(password string, salt []byte, p Params) []byte {
	h.sem <- struct{}{}
	defer func() { <-h.sem }()
	return argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
}

// b64 is the PHC string encoding: standard alphabet, no padding. Strict
// decoding refuses non-canonical trailing bits, so each hash has one
// spelling.
var b64 = base64.RawStdEncoding.Strict()

func encodeHash(p Params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// decodeHash parses a PHC argon2id string. Parameters are read strictly
// (decimal digits only, in the order m, t, p) and bounded. Stored hashes
// below MinimumParams still parse, so that old hashes can be verified and
// then upgraded.
func decodeHash(encoded string) (p Params, salt, key []byte, err error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return Params{}, nil, nil, fmt.Errorf("%w: not an argon2id PHC string", ErrMalformedHash)
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return Params{}, nil, nil, fmt.Errorf("%w: unsupported version", ErrMalformedHash)
	}
	kv := strings.Split(parts[3], ",")
	if len(kv) != 3 {
		return Params{}, nil, nil, fmt.Errorf("%w: want m, t and p parameters", ErrMalformedHash)
	}
	m, err1 := parseParam(kv[0], "m=", maxMemory)
	t, err2 := parseParam(kv[1], "t=", maxTime)
	par, err3 := parseParam(kv[2], "p=", maxThreads)
	if err := errors.Join(err1, err2, err3); err != nil {
		return Params{}, nil, nil, fmt.Errorf("%w: %v", ErrMalformedHash, err)
	}
	if m < 8*par { // argon2 needs at least 8 KiB per lane
		return Params{}, nil, nil, fmt.Errorf("%w: memory below 8 KiB per thread", ErrMalformedHash)
	}
	salt, err = b64.DecodeString(parts[4])
	if err != nil || len(salt) < minStoredSaltLen || len(salt) > maxSaltLen {
		return Params{}, nil, nil, fmt.Errorf("%w: bad salt", ErrMalformedHash)
	}
	key, err = b64.DecodeString(parts[5])
	if err != nil || len(key) < minStoredKeyLen || len(key) > maxKeyLen {
		return Params{}, nil, nil, fmt.Errorf("%w: bad key", ErrMalformedHash)
	}
	p = Params{
		Memory:  m,
		Time:    t,
		Threads: uint8(par),
		SaltLen: uint32(len(salt)),
		KeyLen:  uint32(len(key)),
	}
	return p, salt, key, nil
}

// parseParam parses "name=N" where N is 1..max in plain decimal without
// leading zeros, so that each hash has one spelling.
func parseParam(s, prefix string, max uint32) (uint32, error) {
	v, ok := strings.CutPrefix(s, prefix)
	if !ok || v == "" || v[0] == '0' || len(v) > 10 {
		return 0, fmt.Errorf("want %sN", prefix)
	}
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("want %sN", prefix)
		}
	}
	n, err := strconv.ParseUint(v, 10, 32)
	if err != nil || n < 1 || n > uint64(max) {
		return 0, fmt.Errorf("%s%s out of range", prefix, v)
	}
	return uint32(n), nil
}
