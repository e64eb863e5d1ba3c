package ident

import (
	"github.com/safehub/safehub/internal/hub"
)

// NHSNumber validates an NHS number (validation rule V-NHS) and returns it in
// canonical form: ten ASCII digits with no separators, such as "9434765919".
//
// The input may separate the digits with spaces or hyphens anywhere
// ("943 476 5919", "943-476-5919"); no other character is allowed. The number
// is refused when it does not have exactly ten digits, when every digit is the
// same (0000000000 to 9999999999 pass the checksum but are never issued), when
// its first nine digits give a check value of 10 (no NHS number starts with
// them) and when the check digit is wrong. Errors name the field "nhs_number".
//
// The modulus 11 rule is the NHS Data Dictionary's: multiply the first nine
// digits by 10, 9, …, 2, sum, and take 11 − (sum mod 11) as the check digit,
// reading 11 as 0; a check value of 10 means the number is invalid.
func NHSNumber(s string) (string, error) {
	const field = "nhs_number"
	s = trimASCIISpace(s)
	var digits [10]byte
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isDigit(c):
			if n < len(digits) {
				digits[n] = c
			}
			n++
		case c == ' ' || c == '-':
		case c >= 0x80:
			return "", hub.Invalid(field, "must be written with the ordinary digits 0 to 9 (the text contains other characters, such as full-width digits)")
		default:
			return "", hub.Invalid(field, "may contain only digits, spaces and hyphens")
		}
	}
	switch {
	case n == 0:
		return "", hub.Invalid(field, "is empty")
	case n < 10:
		return "", hub.Invalid(field, "has only %d digits: an NHS number has 10", n)
	case n > 10:
		return "", hub.Invalid(field, "has more than 10 digits")
	}
	if allSame(digits[:]) {
		return "", hub.Invalid(field, "cannot be the same digit repeated: this is not a real NHS number")
	}
	check, ok := nhsCheckDigit(digits[:9])
	if !ok {
		return "", hub.Invalid(field, "is not a valid NHS number: no NHS number starts with these nine digits (check for a typing error)")
	}
	if int(digits[9]-'0') != check {
		return "", hub.Invalid(field, "the check digit is wrong: this is not a valid NHS number (check for a typing error)")
	}
	return string(digits[:]), nil
}

// FormatNHSNumber formats a canonical NHS number for display in the 3-3-4
// pattern, "943 476 5919". Any other string is returned unchanged.
func FormatNHSNumber(canonical string) string {
	if len(canonical) != 10 || !allDigits(canonical) {
		return canonical
	}
	return canonical[:3] + " " + canonical[3:6] + " " + canonical[6:]
}

// NHSCheckDigit returns the check digit that completes the nine-digit prefix
// first9 into a number NHSNumber accepts. It reports false when first9 is not
// nine ASCII digits, when its check value is 10, and when first9 is one digit
// repeated (the check digit would repeat it again, as in 9999999999): in
// those cases no valid NHS number starts with first9. Synthetic data
// generators use it to make numbers in the never-issued 999 range.
func NHSCheckDigit(first9 string) (int, bool) {
	if len(first9) != 9 || !allDigits(first9) || allSame([]byte(first9)) {
		return 0, false
	}
	return nhsCheckDigit([]byte(first9))
}

// nhsCheckDigit computes the modulus 11 check digit of nine ASCII digits.
func nhsCheckDigit(first9 []byte) (int, bool) {
	sum := 0
	for i, c := range first9 {
		sum += int(c-'0') * (10 - i)
	}
	check := 11 - sum%11
	switch check {
	case 11:
		return 0, true
	case 10:
		return 0, false
	}
	return check, true
}

// allSame reports whether every byte of b is the same.
func allSame(b []byte) bool {
	for _, c := range b[1:] {
		if c != b[0] {
			return false
		}
	}
	return true
}

// IsSyntheticNHSNumber reports whether canonical is in the range 999 000 0000
// to 999 999 9999, which passes the checksum but is never issued to patients.
// Non-production systems accept only such numbers (rule V-NHS).
func IsSyntheticNHSNumber(canonical string) bool {
	return len(canonical) == 10 && allDigits(canonical) && canonical[:3] == "999"
}
