package hub

import (
	"strings"
	"time"
	"unicode/utf8"
)

// AgencyKind is the kind of partner organisation.
type AgencyKind string

// The agency kinds of a vulnerability hub.
const (
	AgencyPolice         AgencyKind = "police"
	AgencySocialCare     AgencyKind = "social_care"
	AgencyHealth         AgencyKind = "health"
	AgencyEducation      AgencyKind = "education"
	AgencyYouthOffending AgencyKind = "youth_offending"
	AgencyVoluntary      AgencyKind = "voluntary"
)

// AgencyKinds lists every agency kind in display order.
var AgencyKinds = []AgencyKind{AgencyPolice, AgencySocialCare, AgencyHealth, AgencyEducation, AgencyYouthOffending, AgencyVoluntary}

// Valid reports whether k is a known agency kind.
func (k AgencyKind) Valid() bool {
	for _, v := range AgencyKinds {
		if k == v {
			return true
		}
	}
	return false
}

// Label is the human name of the kind.
func (k AgencyKind) Label() string {
	switch k {
	case AgencyPolice:
		return "Police"
	case AgencySocialCare:
		return "Children's social care"
	case AgencyHealth:
		return "Health"
	case AgencyEducation:
		return "Education"
	case AgencyYouthOffending:
		return "Youth offending"
	case AgencyVoluntary:
		return "Voluntary sector"
	}
	return string(k)
}

// Agency is a partner organisation: a police force, a council's children's
// social care, an NHS trust, a school, a youth offending service or a charity.
type Agency struct {
	ID        string
	Name      string
	Kind      AgencyKind
	Version   int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Validate checks the agency's fields.
func (a *Agency) Validate() error {
	if err := ValidateText("name", a.Name, 1, 200); err != nil {
		return err
	}
	if !a.Kind.Valid() {
		return Invalid("kind", "must be one of police, social_care, health, education, youth_offending, voluntary")
	}
	return nil
}

// Area is a local authority area: the unit of geography by which records are
// held and access is scoped (Leicester, Leicestershire, Rutland in the demo).
type Area struct {
	ID string
	// Code is the area's short code, such as the DfE LA number "856".
	Code      string
	Name      string
	Version   int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Validate checks the area's fields.
func (a *Area) Validate() error {
	if err := ValidateText("code", a.Code, 1, 20); err != nil {
		return err
	}
	if strings.ContainsAny(a.Code, " \t") {
		return Invalid("code", "must not contain spaces")
	}
	return ValidateText("name", a.Name, 1, 200)
}

// ValidateText checks a single-line text field: valid UTF-8, no control or
// bidirectional-override characters, and a length in runes within [min, max].
// Names of people go through ident.Name instead, which also normalises.
func ValidateText(field, s string, min, max int) error {
	if !utf8.ValidString(s) {
		return Invalid(field, "must be valid UTF-8 text")
	}
	n := utf8.RuneCountInString(s)
	if n < min {
		if min == 1 {
			return Invalid(field, "is required")
		}
		return Invalid(field, "must be at least %d characters", min)
	}
	if n > max {
		return Invalid(field, "must be at most %d characters", max)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || isBidiControl(r) {
			return Invalid(field, "must not contain control or text-direction characters")
		}
	}
	return nil
}

// ValidateNote checks a multi-line free-text field: valid UTF-8, no NUL, at
// most max runes. Newlines and tabs are allowed; other text is stored as
// given and escaped on output.
func ValidateNote(field, s string, max int) error {
	if !utf8.ValidString(s) {
		return Invalid(field, "must be valid UTF-8 text")
	}
	if strings.IndexByte(s, 0) >= 0 {
		return Invalid(field, "must not contain NUL characters")
	}
	if n := utf8.RuneCountInString(s); n > max {
		return Invalid(field, "is %d characters long; the limit is %d", n, max)
	}
	return nil
}

func isBidiControl(r rune) bool {
	switch {
	case r >= 0x202a && r <= 0x202e, // LRE RLE PDF LRO RLO
		r >= 0x2066 && r <= 0x2069,                // LRI RLI FSI PDI
		r == 0x200e || r == 0x200f || r == 0x061c: // LRM RLM ALM
		return true
	}
	return false
}
