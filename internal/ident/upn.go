package ident

import (
	"strings"

	"github.com/safehub/safehub/internal/hub"
)

// upnAlphabet holds the letters a UPN may use, in check-letter order. I, O and
// S are never used, neither as a check letter nor as a temporary UPN's final
// letter.
const upnAlphabet = "ABCDEFGHJKLMNPQRTUVWXYZ"

// The LA numbers a UPN's characters 2 to 4 may hold. The DfE's post-1998
// three-digit LA numbers run from 201 (City of London) to 938 (West Sussex),
// and the unitary authorities created since 2021 took 940 (North
// Northamptonshire), 941 (West Northamptonshire), 942 (Cumberland) and 943
// (Westmorland and Furness). CIN census rule 1530 asks for "a recognised LA
// code"; accepting the whole span 201 to 943 approximates that list without
// copying it, so a few unused numbers in the span pass.
const (
	minUPNLA = 201
	maxUPNLA = 943
)

// UPN validates a Unique Pupil Number (validation rule V-UPN) and returns it
// in canonical form: upper case with no spaces.
//
// It accepts a permanent UPN (a check letter and 12 digits, "B801200005001"),
// a temporary UPN (a check letter, 11 digits and a final letter,
// "F85620012412A") and the "UPN unknown" codes UN1 to UN5 used in DfE returns.
// Characters 2 to 4 must be a local authority number between 201 and 943, and
// the check letter must match the DfE modulus 23 rule (see UPNCheckLetter).
// Errors name the field "upn".
func UPN(s string) (string, error) {
	const field = "upn"
	if hasNonASCII(s) {
		return "", hub.Invalid(field, "may contain only the letters A to Z and the digits 0 to 9")
	}
	s = strings.ToUpper(strings.ReplaceAll(trimASCIISpace(s), " ", ""))
	switch s {
	case "":
		return "", hub.Invalid(field, "is empty")
	case "UN1", "UN2", "UN3", "UN4", "UN5":
		return s, nil
	}
	if len(s) != 13 {
		return "", hub.Invalid(field, "must be 13 characters long (a letter followed by 12 digits, or 11 digits and a letter), or one of UN1 to UN5")
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isDigit(c) && (c < 'A' || c > 'Z') {
			return "", hub.Invalid(field, "may contain only the letters A to Z and the digits 0 to 9")
		}
	}
	if isDigit(s[0]) {
		return "", hub.Invalid(field, "must start with a letter")
	}
	if upnLetterIndex(s[0]) < 0 {
		return "", hub.Invalid(field, "cannot start with I, O or S: those letters are never used in a UPN")
	}
	if !allDigits(s[1:12]) {
		return "", hub.Invalid(field, "characters 2 to 12 must be digits")
	}
	if last := s[12]; !isDigit(last) && upnLetterIndex(last) < 0 {
		return "", hub.Invalid(field, "cannot end with I, O or S: those letters are never used in a UPN")
	}
	la := int(s[1]-'0')*100 + int(s[2]-'0')*10 + int(s[3]-'0')
	if la < minUPNLA || la > maxUPNLA {
		return "", hub.Invalid(field, "characters 2 to 4 must be a local authority number between %d and %d", minUPNLA, maxUPNLA)
	}
	if want, _ := UPNCheckLetter(s[1:]); s[0] != want {
		return "", hub.Invalid(field, "the check letter is wrong: this is not a valid UPN (check for a typing error)")
	}
	return s, nil
}

// UPNCheckLetter returns the check letter for the 12 characters that follow it
// in a UPN: 11 digits and then a digit (permanent UPN) or an upper-case letter
// other than I, O and S (temporary UPN). It reports false for anything else.
//
// The DfE rule multiplies the character at UPN position p (2 to 13) by p, a
// temporary UPN's final letter counting as its index in upnAlphabet, and maps
// the sum mod 23 onto A B C D E F G H J K L M N P Q R T U V W X Y Z.
func UPNCheckLetter(body12 string) (byte, bool) {
	if len(body12) != 12 || !allDigits(body12[:11]) {
		return 0, false
	}
	sum := 0
	for i := 0; i < 11; i++ {
		sum += int(body12[i]-'0') * (i + 2)
	}
	last := body12[11]
	switch v := upnLetterIndex(last); {
	case isDigit(last):
		sum += int(last-'0') * 13
	case v >= 0:
		sum += v * 13
	default:
		return 0, false
	}
	return upnAlphabet[sum%23], true
}

// upnLetterIndex returns the index of c in upnAlphabet, or -1.
func upnLetterIndex(c byte) int {
	return strings.IndexByte(upnAlphabet, c)
}
