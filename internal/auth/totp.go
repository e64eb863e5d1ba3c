package auth

import (
	"bytes"
	"crypto/subtle"
	"encoding/base32"
	"errors"
	"fmt"
	"image/png"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"
)

// TOTP settings: RFC 6238 with a 30-second step, 6 digits and HMAC-SHA-1,
// which every authenticator app supports.
const (
	totpPeriod     = 30 // seconds
	totpSecretSize = 20 // bytes: 160 bits, as RFC 4226 §4 recommends
	totpMinSecret  = 16 // bytes: 128 bits, RFC 4226 §4's minimum
	totpSkew       = 1  // steps either side of now (SEC-07)
)

var totpOpts = hotp.ValidateOpts{Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// Errors from CheckTOTP.
var (
	// ErrBadCode means the code is not six digits or matches none of the
	// accepted time steps.
	ErrBadCode = errors.New("wrong or expired code")
	// ErrReplay means the code is right but its time step has already been
	// used (SEC-06). Callers should answer it as they answer ErrBadCode, and
	// count it as a failure.
	ErrReplay = errors.New("code already used")
)

// NewTOTPKey returns a new random TOTP key (160-bit secret, 30 s, 6 digits,
// SHA-1) for account at issuer. The caller shows key.URL or a QR code of
// it to the user, and stores key.Secret encrypted at rest.
func NewTOTPKey(issuer, account string) (*otp.Key, error) {
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer:      issuer,
		AccountName: account,
		Period:      totpPeriod,
		SecretSize:  totpSecretSize,
		Digits:      otp.DigitsSix,
		Algorithm:   otp.AlgorithmSHA1,
	})
	if err != nil {
		return nil, fmt.Errorf("generate totp key: %w", err)
	}
	return key, nil
}

// TOTPKeyFromSecret rebuilds the key for an existing base32 secret, to show
// an unconfirmed enrolment again.
func TOTPKeyFromSecret(issuer, account, secret string) (*otp.Key, error) {
	if _, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(secret)); err != nil {
		return nil, fmt.Errorf("totp secret is not base32: %w", err)
	}
	v := url.Values{}
	v.Set("secret", secret)
	v.Set("issuer", issuer)
	v.Set("algorithm", "SHA1")
	v.Set("digits", "6")
	v.Set("period", strconv.Itoa(totpPeriod))
	u := url.URL{Scheme: "otpauth", Host: "totp", Path: "/" + issuer + ":" + account, RawQuery: v.Encode()}
	return otp.NewKeyFromURL(u.String())
}

// TOTPQRCodePNG returns a size×size PNG of a QR code of key's otpauth URL,
// for enrolling an authenticator app.
func TOTPQRCodePNG(key *otp.Key, size int) ([]byte, error) {
	if size < 64 || size > 2048 {
		return nil, fmt.Errorf("qr code size %d outside [64, 2048]", size)
	}
	img, err := key.Image(size, size)
	if err != nil {
		return nil, fmt.Errorf("totp qr code: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("encode qr code: %w", err)
	}
	return buf.Bytes(), nil
}

// TOTPCode returns the code for secret at time t. It is for tests and demo
// data; the server never needs to show a code.
func TOTPCode(secret string, t time.Time) (string, error) {
	if err := checkTOTPSecret(secret); err != nil {
		return "", err
	}
	step := totpStep(t)
	if step < 0 {
		return "", fmt.Errorf("totp time %v before 1970", t)
	}
	return hotp.GenerateCodeCustom(secret, uint64(step), totpOpts)
}

// CheckTOTP checks code against secret at the server's time now, and
// returns the time step it matched so that the caller can store it as the
// user's new lastStep. It accepts the steps now−1, now and now+1 only, to
// allow for clock drift and typing time (RFC 6238 §5.2, SEC-07), and
// refuses a code for a step at or before lastStep with ErrReplay (SEC-06);
// pass 0 for a user who has never used a code. Anything other than exactly
// six ASCII digits is ErrBadCode, as is a code that matches no step. The
// comparison is constant-time and all three steps are always computed.
//
// now must come from the server's clock, never from the client. Callers
// must also throttle attempts (see Throttle): with three steps accepted, a
// guess succeeds with probability 3 in a million.
func CheckTOTP(secret, code string, now time.Time, lastStep int64) (step int64, err error) {
	if err := checkTOTPSecret(secret); err != nil {
		return 0, err
	}
	if !sixDigits(code) {
		return 0, ErrBadCode
	}
	cur := totpStep(now)
	matched, replayed := false, false
	for s := cur - totpSkew; s <= cur+totpSkew; s++ {
		if s < 0 {
			continue
		}
		want, err := hotp.GenerateCodeCustom(secret, uint64(s), totpOpts)
		if err != nil {
			return 0, fmt.Errorf("totp code: %w", err)
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) != 1 {
			continue
		}
		if s <= lastStep {
			replayed = true
			continue
		}
		// Later steps overwrite earlier ones, so the caller stores the
		// highest matching step.
		matched, step = true, s
	}
	switch {
	case matched:
		return step, nil
	case replayed:
		return 0, ErrReplay
	}
	return 0, ErrBadCode
}

// totpStep is the RFC 6238 time step containing t (floor division, so
// times before 1970 give negative steps).
func totpStep(t time.Time) int64 {
	u := t.Unix()
	s := u / totpPeriod
	if u < 0 && u%totpPeriod != 0 {
		s--
	}
	return s
}

func sixDigits(code string) bool {
	if len(code) != 6 {
		return false
	}
	for i := range len(code) {
		if code[i] < '0' || code[i] > '9' {
			return false
		}
	}
	return true
}

// checkTOTPSecret makes sure secret is base32 (upper or lower case, padded
// or not, as hotp accepts) and at least 128 bits, so that an empty or
// truncated secret cannot produce codes anyone could compute.
func checkTOTPSecret(secret string) error {
	s := strings.TrimRight(strings.ToUpper(secret), "=")
	b, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(s)
	if err != nil {
		return fmt.Errorf("totp secret is not base32: %w", err)
	}
	if len(b) < totpMinSecret {
		return fmt.Errorf("totp secret of %d bits is shorter than %d", 8*len(b), 8*totpMinSecret)
	}
	return nil
}
