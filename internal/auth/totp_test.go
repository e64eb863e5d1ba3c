package auth

import (
	"bytes"
	"encoding/base32"
	"errors"
	"image/png"
	"strings"
	"testing"
	"time"
)

// rfcSecret is the RFC 6238 Appendix B SHA-1 seed, "12345678901234567890".
var rfcSecret = base32.StdEncoding.EncodeToString([]byte("12345678901234567890"))

// RFC 6238 Appendix B test vectors, last six digits.
func TestTOTPCodeRFC6238(t *testing.T) {
	t.Parallel()
	tests := []struct {
		unix int64
		want string
	}{
		{59, "287082"},
		{1111111109, "081804"},
		{1111111111, "050471"},
		{1234567890, "005924"},
		{2000000000, "279037"},
		{20000000000, "353130"},
	}
	for _, tt := range tests {
		got, err := TOTPCode(rfcSecret, time.Unix(tt.unix, 0))
		if err != nil || got != tt.want {
			t.Errorf("TOTPCode(rfc, %d) = %q, %v, want %q", tt.unix, got, err, tt.want)
		}
	}
}

func TestNewTOTPKey(t *testing.T) {
	t.Parallel()
	key, err := NewTOTPKey("Safehub", "jsmith@example.org")
	if err != nil {
		t.Fatalf("NewTOTPKey = %v", err)
	}
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(key.Secret())
	if err != nil {
		t.Fatalf("secret %q is not base32: %v", key.Secret(), err)
	}
	if len(raw)*8 < 160 {
		t.Errorf("secret is %d bits, want at least 160", len(raw)*8)
	}
	if key.Period() != 30 || key.Digits().Length() != 6 || key.Algorithm().String() != "SHA1" {
		t.Errorf("key period %d, digits %d, algorithm %s; want 30, 6, SHA1", key.Period(), key.Digits().Length(), key.Algorithm())
	}
	if key.Issuer() != "Safehub" || key.AccountName() != "jsmith@example.org" {
		t.Errorf("key issuer %q, account %q", key.Issuer(), key.AccountName())
	}
	other, err := NewTOTPKey("Safehub", "jsmith@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if other.Secret() == key.Secret() {
		t.Error("two keys share a secret")
	}
	code, err := TOTPCode(key.Secret(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := CheckTOTP(key.Secret(), code, time.Now(), 0); err != nil {
		t.Errorf("CheckTOTP(fresh key, current code) = %v", err)
	}

	png1, err := TOTPQRCodePNG(key, 256)
	if err != nil {
		t.Fatalf("TOTPQRCodePNG = %v", err)
	}
	img, err := png.Decode(bytes.NewReader(png1))
	if err != nil {
		t.Fatalf("QR code is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 256 || b.Dy() != 256 {
		t.Errorf("QR code is %dx%d, want 256x256", b.Dx(), b.Dy())
	}
	if _, err := TOTPQRCodePNG(key, 0); err == nil {
		t.Error("TOTPQRCodePNG(size 0) = nil error")
	}

	if _, err := NewTOTPKey("", "x"); err == nil {
		t.Error("NewTOTPKey with no issuer = nil error")
	}
}

// SEC-07: steps −2..+2 around the server's time; only −1, 0, +1 pass.
// SEC-06: a step at or before lastStep is a replay.
func TestCheckTOTPWindow(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_700_000_015, 0) // 15 s into a step
	cur := now.Unix() / 30
	codeAt := func(step int64) string {
		c, err := TOTPCode(rfcSecret, time.Unix(step*30, 0))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	tests := []struct {
		offset int64
		ok     bool
	}{
		{-2, false},
		{-1, true},
		{0, true},
		{1, true},
		{2, false},
	}
	for _, tt := range tests {
		code := codeAt(cur + tt.offset)
		step, err := CheckTOTP(rfcSecret, code, now, 0)
		if tt.ok {
			if err != nil || step != cur+tt.offset {
				t.Errorf("CheckTOTP(step %+d) = %d, %v, want %d, nil", tt.offset, step, err, cur+tt.offset)
			}
			// The same code again, with the step now stored: a replay.
			if _, err := CheckTOTP(rfcSecret, code, now, step); !errors.Is(err, ErrReplay) {
				t.Errorf("CheckTOTP(step %+d, replayed) = %v, want ErrReplay", tt.offset, err)
			}
			continue
		}
		if !errors.Is(err, ErrBadCode) {
			t.Errorf("CheckTOTP(step %+d) = %d, %v, want ErrBadCode", tt.offset, step, err)
		}
	}

	// Once the current step is used, the previous one is refused too...
	if _, err := CheckTOTP(rfcSecret, codeAt(cur-1), now, cur); !errors.Is(err, ErrReplay) {
		t.Errorf("CheckTOTP(step −1 after step 0 was used) = %v, want ErrReplay", err)
	}
	// ...but the next one is still good.
	if step, err := CheckTOTP(rfcSecret, codeAt(cur+1), now, cur); err != nil || step != cur+1 {
		t.Errorf("CheckTOTP(step +1 after step 0 was used) = %d, %v, want %d, nil", step, err, cur+1)
	}
}

func TestCheckTOTPBadInput(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_700_000_015, 0)
	good, err := TOTPCode(rfcSecret, now)
	if err != nil {
		t.Fatal(err)
	}
	codes := []string{
		"", "12345", "1234567", good + "0", " " + good, good + " ", good[:3] + " " + good[3:],
		"abcdef", "12345a", "١٢٣٤٥٦", "+12345", "-12345", "12345\x00",
	}
	for _, c := range codes {
		if _, err := CheckTOTP(rfcSecret, c, now, 0); !errors.Is(err, ErrBadCode) {
			t.Errorf("CheckTOTP(%q) = %v, want ErrBadCode", c, err)
		}
	}

	secrets := []string{"", "AAAA", "not base32!", strings.Repeat("A", 25)} // the last is 15 bytes
	for _, s := range secrets {
		_, err := CheckTOTP(s, good, now, 0)
		if err == nil || errors.Is(err, ErrBadCode) {
			t.Errorf("CheckTOTP(secret %q) = %v, want a secret error", s, err)
		}
	}
	// The forms pquerna/otp accepts: lower case and padding.
	for _, s := range []string{strings.ToLower(rfcSecret), strings.TrimRight(rfcSecret, "=")} {
		if _, err := CheckTOTP(s, good, now, 0); err != nil {
			t.Errorf("CheckTOTP(secret %q) = %v, want nil", s, err)
		}
	}
}

func TestTOTPStep(t *testing.T) {
	t.Parallel()
	tests := []struct {
		unix int64
		want int64
	}{
		{0, 0}, {29, 0}, {30, 1}, {-1, -1}, {-30, -1}, {-31, -2},
	}
	for _, tt := range tests {
		if got := totpStep(time.Unix(tt.unix, 0)); got != tt.want {
			t.Errorf("totpStep(%d) = %d, want %d", tt.unix, got, tt.want)
		}
	}
}

func FuzzCheckTOTP(f *testing.F) {
	now := time.Unix(1_700_000_015, 0)
	good, err := TOTPCode(rfcSecret, now)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good, int64(0))
	f.Add("000000", int64(-1))
	f.Add("12345", int64(0))
	f.Add("1234567", int64(1<<62))
	f.Add("١٢٣٤٥٦", int64(0))
	f.Fuzz(func(t *testing.T, code string, lastStep int64) {
		step, err := CheckTOTP(rfcSecret, code, now, lastStep)
		if err != nil {
			if !errors.Is(err, ErrBadCode) && !errors.Is(err, ErrReplay) {
				t.Fatalf("CheckTOTP(%q) = %v, want ErrBadCode or ErrReplay", code, err)
			}
			return
		}
		if !sixDigits(code) {
			t.Fatalf("CheckTOTP(%q) accepted a code that is not six digits", code)
		}
		cur := totpStep(now)
		if step < cur-1 || step > cur+1 || step <= lastStep {
			t.Fatalf("CheckTOTP(%q, last %d) = step %d, outside the window around %d", code, lastStep, step, cur)
		}
		want, err := TOTPCode(rfcSecret, time.Unix(step*30, 0))
		if err != nil || want != code {
			t.Fatalf("CheckTOTP(%q) = step %d, whose code is %q", code, step, want)
		}
	})
}
