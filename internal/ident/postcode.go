package ident

import (
	"regexp"
	"strings"

	"github.com/safehub/safehub/internal/hub"
)

var (
	// postcodeRE is rule V-PC with the optional space removed: an outward
	// code of one or two letters, a digit and an optional letter or digit,
	// then an inward code of a digit and two letters other than C, I, K, M,
	// O and V.
	postcodeRE = regexp.MustCompile(`^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][ABD-HJLNP-UW-Z]{2}$`)

	// postcodeShapeRE is postcodeRE with any letters in the inward code. It
	// tells a postcode with a forbidden inward letter from one that is not a
	// postcode at all.
	postcodeShapeRE = regexp.MustCompile(`^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$`)

	// pseudoPostcodeRE matches the NHS ZZ99 pseudo-postcodes, which break the
	// inward-letter rule: ZZ99 3VZ (no fixed abode), ZZ99 3WZ (not known),
	// ZZ99 3CZ (England, not otherwise stated), ZZ99 3GZ (Wales), ZZ99 1WZ
	// (Scotland), ZZ99 2WZ (Northern Ireland) and ZZ99 nXZ-style codes for
	// overseas residents. Any ZZ99 digit-letter-Z code is accepted.
	pseudoPostcodeRE = regexp.MustCompile(`^ZZ99[0-9][A-Z]Z$`)
)

// Postcode validates a UK postcode (validation rule V-PC) and returns it in
// canonical form: upper case, with a single space before the three-character
// inward code ("le1 5ww" and "LE15WW" both give "LE1 5WW"). The NHS ZZ99
// pseudo-postcodes, such as ZZ99 3VZ for no fixed abode, are accepted (see
// IsPseudoPostcode). Errors name the field "postcode".
//
// Only the shape is checked, not whether the postcode exists.
func Postcode(s string) (string, error) {
	const field = "postcode"
	if hasNonASCII(s) {
		return "", hub.Invalid(field, "may contain only the letters A to Z, digits and spaces")
	}
	s = strings.ToUpper(strings.ReplaceAll(trimASCIISpace(s), " ", ""))
	switch {
	case s == "":
		return "", hub.Invalid(field, "is empty")
	case len(s) < 5 || len(s) > 7:
		return "", hub.Invalid(field, "must be a full UK postcode, such as LE1 5WW")
	case postcodeRE.MatchString(s), pseudoPostcodeRE.MatchString(s):
		return s[:len(s)-3] + " " + s[len(s)-3:], nil
	case postcodeShapeRE.MatchString(s):
		return "", hub.Invalid(field, "cannot end in C, I, K, M, O or V: those letters are never used in the last part of a postcode")
	}
	return "", hub.Invalid(field, "must be a full UK postcode, such as LE1 5WW")
}

// PostcodeDistrict returns the outward code (postcode district) of a
// canonical postcode: "LE1" for "LE1 5WW". It returns "" for a string that is
// not in canonical form.
func PostcodeDistrict(canonical string) string {
	outward, inward, ok := strings.Cut(canonical, " ")
	if !ok || len(inward) != 3 || outward == "" {
		return ""
	}
	return outward
}

// IsPseudoPostcode reports whether canonical is one of the NHS ZZ99
// pseudo-postcodes, which record "no fixed abode", "not known", a home
// nation or a country abroad instead of an address. They have no location.
func IsPseudoPostcode(canonical string) bool {
	return strings.HasPrefix(canonical, "ZZ99 ") && pseudoPostcodeRE.MatchString(strings.Replace(canonical, " ", "", 1))
}
