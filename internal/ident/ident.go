// Package ident validates and normalises the identifiers and personal details
// that Safehub records about a person: NHS numbers, Unique Pupil Numbers,
// Police National Computer IDs, local authority child IDs, UK phone numbers,
// postcodes, names and dates of birth.
//
// Every parser is a pure function. It takes what a person typed, returns the
// canonical form to store (or compare, or index) and, when the input breaks a
// rule, a *hub.Error with code hub.EInvalid that names the field and says why
// it was refused in words a member of staff can act on. Store exactly what a
// parser returns, never the raw input.
//
// Error messages do not repeat the rejected identifier, so they are safe to
// log even when the input was an NHS number. (DateOfBirth passes on
// hub.ParseDate's message, which quotes an impossible date.)
//
// The package imports hub, the standard library, golang.org/x/text and
// github.com/nyaruka/phonenumbers. It holds no state.
package ident

import (
	"strings"

	"github.com/safehub/safehub/internal/hub"
)

// LocalID validates a local authority's own child identifier (the number in
// the council's case management system). It may be 1 to 20 ASCII letters,
// digits, hyphens and slashes; surrounding whitespace is trimmed and letters
// are upper-cased. Errors name the field "local_id".
func LocalID(s string) (string, error) {
	const field = "local_id"
	s = trimASCIISpace(s)
	if s == "" {
		return "", hub.Invalid(field, "is empty")
	}
	if len(s) > 20 {
		return "", hub.Invalid(field, "must be at most 20 characters long")
	}
	b := []byte(s)
	for i, c := range b {
		switch {
		case 'a' <= c && c <= 'z':
			b[i] = c - 'a' + 'A'
		case 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '/':
		default:
			return "", hub.Invalid(field, "may contain only letters A to Z, digits, hyphens (-) and slashes (/)")
		}
	}
	return string(b), nil
}

// MinBirthYear is the earliest year DateOfBirth accepts.
const MinBirthYear = 1900

// DateOfBirth parses a date of birth written YYYY-MM-DD (surrounding
// whitespace is ignored) and refuses impossible dates, dates after today and
// dates before 1 January 1900. Pass today as the current date in
// Europe/London; a zero today refuses every date. Errors name the field
// "date_of_birth".
//
// Records of people born before 1900 (historic adult records) are out of
// scope here; callers that allow them must parse with hub.ParseDate.
func DateOfBirth(s string, today hub.Date) (hub.Date, error) {
	const field = "date_of_birth"
	d, err := hub.ParseDate(field, trimASCIISpace(s))
	if err != nil {
		return hub.Date{}, err
	}
	if d.After(today) || today.IsZero() {
		return hub.Date{}, hub.Invalid(field, "is in the future")
	}
	if d.Year < MinBirthYear {
		return hub.Date{}, hub.Invalid(field, "is before %d", MinBirthYear)
	}
	return d, nil
}

// trimASCIISpace removes leading and trailing ASCII spaces, tabs and line
// breaks, as left by copying from a spreadsheet or an email.
func trimASCIISpace(s string) string {
	return strings.Trim(s, " \t\r\n\v\f")
}

// isDigit reports whether c is an ASCII digit.
func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// allDigits reports whether s is non-empty and made only of ASCII digits.
func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// hasNonASCII reports whether s contains a byte outside ASCII.
func hasNonASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return true
		}
	}
	return false
}
