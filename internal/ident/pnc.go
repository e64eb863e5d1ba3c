package ident

import (
	"strconv"
	"strings"

	"github.com/safehub/safehub/internal/hub"
)

// pncAlphabet maps a PNC ID's remainder mod 23 to its check letter; a
// remainder of 0 gives Z. I, O and S are not used.
const pncAlphabet = "ZABCDEFGHJKLMNPQRTUVWXY"

// PNC validates a Police National Computer person ID and returns it in
// Safehub's canonical form "YY/NNNNNNNL": a two-digit year, a slash, a
// seven-digit serial number padded with leading zeros, and the check letter
// described at PNCCheckLetter, such as "12/0000345G". Errors name the field
// "pnc_id".
//
// The input is upper-cased and its spaces removed. The year may be written
// with four digits (1900 to 2099), and the serial with one to seven digits,
// so "2012/345g" also gives "12/0000345G".
func PNC(s string) (string, error) {
	const field = "pnc_id"
	if hasNonASCII(s) {
		return "", hub.Invalid(field, "must be written YY/NNNNNNNL: a year, a slash, a serial number and a check letter")
	}
	s = strings.ToUpper(strings.ReplaceAll(trimASCIISpace(s), " ", ""))
	if s == "" {
		return "", hub.Invalid(field, "is empty")
	}
	year, rest, ok := strings.Cut(s, "/")
	if !ok || len(rest) < 2 {
		return "", hub.Invalid(field, "must be written YY/NNNNNNNL: a year, a slash, a serial number and a check letter")
	}
	serial, letter := rest[:len(rest)-1], rest[len(rest)-1]
	switch {
	case !allDigits(year) || (len(year) != 2 && len(year) != 4):
		return "", hub.Invalid(field, "must start with a two-digit or four-digit year")
	case len(year) == 4 && year[:2] != "19" && year[:2] != "20":
		return "", hub.Invalid(field, "the year must be between 1900 and 2099")
	case !allDigits(serial) || len(serial) > 7:
		return "", hub.Invalid(field, "the serial number after the slash must be 1 to 7 digits")
	case letter < 'A' || letter > 'Z':
		return "", hub.Invalid(field, "must end with a check letter")
	}
	yy, _ := strconv.Atoi(year[len(year)-2:])
	n, _ := strconv.Atoi(serial)
	if n == 0 {
		return "", hub.Invalid(field, "the serial number cannot be zero")
	}
	if letter != PNCCheckLetter(yy, n) {
		return "", hub.Invalid(field, "the check letter is wrong: this is not a valid PNC ID (check for a typing error)")
	}
	return year[len(year)-2:] + "/" + leftPad(serial, 7) + string(letter), nil
}

// PNCCheckLetter returns the check letter of the PNC ID with two-digit year
// yy (0 to 99) and serial number serial (0 to 9999999), or 0 when either is
// out of range.
//
// This is the commonly published PNC checksum rule: read the two-digit year
// followed by the seven-digit serial as one nine-digit number, take it mod
// 23, and map 0 to Z and 1 to 22 onto A B C D E F G H J K L M N P Q R T U V W
// X Y. It is not taken from a Home Office specification.
func PNCCheckLetter(yy, serial int) byte {
	if yy < 0 || yy > 99 || serial < 0 || serial > 9_999_999 {
		return 0
	}
	return pncAlphabet[(yy*10_000_000+serial)%23]
}

// leftPad pads s with leading zeros to width n.
func leftPad(s string, n int) string {
	if len(s) >= n {
		return s
	}
	return strings.Repeat("0", n-len(s)) + s
}
