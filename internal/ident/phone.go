package ident

import (
	"errors"
	"strings"

	"github.com/nyaruka/phonenumbers"
	"github.com/safehub/safehub/internal/hub"
)

// maxPhoneLen bounds the raw input handed to the phone number parser.
const maxPhoneLen = 40

// dramaPrefixes are the Ofcom "telephone numbers for drama purposes" blocks,
// as the first seven digits of the UK national significant number (the digits
// after +44). Each block holds the 1,000 ten-digit numbers that follow.
//
// libphonenumber (and so nyaruka/phonenumbers v1.8.1) does not recognise
// 07700 900xxx, 01632 960xxx or 0115 496 0xxx as valid numbers; Phone accepts
// them anyway because synthetic data and training use them.
var dramaPrefixes = map[string]bool{
	"7700900": true, // 07700 900000 to 900999 (mobile)
	"1632960": true, // 01632 960000 to 960999 (no area)
	"1134960": true, // 0113 496 0xxx (Leeds)
	"1144960": true, // 0114 496 0xxx (Sheffield)
	"1154960": true, // 0115 496 0xxx (Nottingham)
	"1164960": true, // 0116 496 0xxx (Leicester)
	"1174960": true, // 0117 496 0xxx (Bristol)
	"1184960": true, // 0118 496 0xxx (Reading)
	"1214960": true, // 0121 496 0xxx (Birmingham)
	"1314960": true, // 0131 496 0xxx (Edinburgh)
	"1414960": true, // 0141 496 0xxx (Glasgow)
	"1514960": true, // 0151 496 0xxx (Liverpool)
	"1614960": true, // 0161 496 0xxx (Manchester)
	"1914980": true, // 0191 498 0xxx (Tyneside)
	"2079460": true, // 020 7946 0xxx (London)
	"2896496": true, // 028 9649 6xxx (Belfast)
	"2920180": true, // 029 2018 0xxx (Cardiff)
	"3069990": true, // 03069 990xxx (non-geographic)
	"8081570": true, // 0808 157 0xxx (freephone)
	"9098790": true, // 0909 879 0xxx (premium rate)
}

// Phone validates a phone number and returns it in E.164 form, such as
// "+447700900123". Errors name the field "phone".
//
// Numbers without a country code are read as UK numbers ("07700 900123",
// "0116 496 0000"); international numbers start with + or 00 ("+44 7700
// 900123", "0044 7700 900123", "+33 1 23 45 67 89"). Digits may be separated
// by spaces, hyphens, dots, slashes and brackets, as in "+44 (0)116 496 0000".
// Letters, extensions and other characters are refused so that nothing the
// person typed is silently dropped.
//
// A number must be one that github.com/nyaruka/phonenumbers considers valid
// for its country, or be in one of Ofcom's drama ranges (see IsDramaNumber),
// which the library does not all recognise.
func Phone(s string) (string, error) {
	const field = "phone"
	s = trimASCIISpace(s)
	if s == "" {
		return "", hub.Invalid(field, "is empty")
	}
	if len(s) > maxPhoneLen {
		return "", hub.Invalid(field, "is too long to be a phone number")
	}
	digits := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case isDigit(c):
			digits++
		case c == ' ', c == '-', c == '.', c == '/', c == '(', c == ')':
		case c == '+' && i == 0:
		case c == '+':
			return "", hub.Invalid(field, "may have a + only at the start, before the country code")
		default:
			return "", hub.Invalid(field, "may contain only digits, spaces, hyphens, brackets and a leading +")
		}
	}
	if digits == 0 {
		return "", hub.Invalid(field, "has no digits")
	}
	n, err := phonenumbers.Parse(s, "GB")
	if err != nil {
		if errors.Is(err, phonenumbers.ErrInvalidCountryCode) {
			return "", hub.Invalid(field, "does not start with a known country code")
		}
		return "", hub.Invalid(field, "is not a phone number")
	}
	if n.GetExtension() != "" {
		// Unreachable with the characters allowed above, but an extension
		// would be lost in E.164.
		return "", hub.Invalid(field, "cannot include an extension")
	}
	e164 := phonenumbers.Format(n, phonenumbers.E164)
	if phonenumbers.IsValidNumber(n) {
		return e164, nil
	}
	switch phonenumbers.IsPossibleNumberWithReason(n) {
	case phonenumbers.IS_POSSIBLE, phonenumbers.IS_POSSIBLE_LOCAL_ONLY:
	case phonenumbers.TOO_SHORT:
		return "", hub.Invalid(field, "has too few digits (for a number outside the UK, start with + and the country code)")
	case phonenumbers.TOO_LONG:
		return "", hub.Invalid(field, "has too many digits")
	case phonenumbers.INVALID_COUNTRY_CODE:
		return "", hub.Invalid(field, "does not start with a known country code")
	default:
		return "", hub.Invalid(field, "has the wrong number of digits for its country")
	}
	if IsDramaNumber(e164) {
		return e164, nil
	}
	return "", hub.Invalid(field, "is not a number in use in its country (for a number outside the UK, start with + and the country code)")
}

// IsDramaNumber reports whether e164 is a UK number in one of Ofcom's ranges
// reserved for drama and fiction, such as +447700900123 (07700 900123) or
// +441164960000 (0116 496 0000). Synthetic data uses only these numbers, and
// non-production systems accept only these (rule V-TEL). e164 must be in the
// form Phone returns.
func IsDramaNumber(e164 string) bool {
	nsn, ok := strings.CutPrefix(e164, "+44")
	if !ok || len(nsn) != 10 || !allDigits(nsn) {
		return false
	}
	return dramaPrefixes[nsn[:7]]
}

// FormatPhone formats an E.164 number for display: UK numbers in the national
// format people dial ("07700 900123", "0116 496 0000"), others in
// international format ("+33 1 23 45 67 89"). A string that is not a phone
// number is returned unchanged.
func FormatPhone(e164 string) string {
	n, err := phonenumbers.Parse(e164, "GB")
	if err != nil {
		return e164
	}
	if n.GetCountryCode() == 44 {
		return phonenumbers.Format(n, phonenumbers.NATIONAL)
	}
	return phonenumbers.Format(n, phonenumbers.INTERNATIONAL)
}
