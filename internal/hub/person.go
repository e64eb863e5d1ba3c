package hub

import (
	"slices"
	"time"
)

// Sex as recorded at birth or as stated, in the NHS Data Dictionary's
// person stated gender code set's spirit: a closed list.
type Sex string

// Sex values.
const (
	SexUnknown       Sex = ""
	SexFemale        Sex = "female"
	SexMale          Sex = "male"
	SexIndeterminate Sex = "indeterminate"
)

// Valid reports whether s is a known value.
func (s Sex) Valid() bool {
	return s == SexUnknown || s == SexFemale || s == SexMale || s == SexIndeterminate
}

// IdentifierKind is the kind of a person identifier.
type IdentifierKind string

// Identifier kinds.
const (
	IdentNHS IdentifierKind = "nhs" // NHS number, 10 digits with a modulus 11 check digit
	IdentUPN IdentifierKind = "upn" // Unique Pupil Number, 13 characters with a modulus 23 check letter
	IdentPNC IdentifierKind = "pnc" // Police National Computer id, YY/NNNNNNNL
	IdentLA  IdentifierKind = "la"  // local authority child id (the council's own case system)
)

// IdentifierKinds lists every identifier kind.
var IdentifierKinds = []IdentifierKind{IdentNHS, IdentUPN, IdentPNC, IdentLA}

// Valid reports whether k is a known kind.
func (k IdentifierKind) Valid() bool { return slices.Contains(IdentifierKinds, k) }

// Label is the human name of the kind.
func (k IdentifierKind) Label() string {
	switch k {
	case IdentNHS:
		return "NHS number"
	case IdentUPN:
		return "Unique pupil number"
	case IdentPNC:
		return "PNC id"
	case IdentLA:
		return "Local authority id"
	}
	return string(k)
}

// Identifier is one of a person's identifiers, normalised by the ident
// package before it is stored.
type Identifier struct {
	Kind  IdentifierKind
	Value string
}

// Sensitivity marks records that need an extra grant to read.
type Sensitivity string

// Sensitivity levels.
const (
	SensitivityNormal     Sensitivity = "normal"
	SensitivityRestricted Sensitivity = "restricted"
)

// Valid reports whether s is a known level.
func (s Sensitivity) Valid() bool { return s == SensitivityNormal || s == SensitivityRestricted }

// Alias is another name a person is known by.
type Alias struct {
	GivenName  string
	FamilyName string
	// Kind says what the alias is: "alias", "nickname", "previous", "street".
	Kind string
}

// AliasKinds lists the kinds of alias.
var AliasKinds = []string{"alias", "nickname", "previous", "street"}

// Address is an address a person has lived at, with the dates they lived
// there where known.
type Address struct {
	Line1    string
	Line2    string
	Town     string
	Postcode string
	From     Date
	To       Date
}

// Current reports whether the address has no end date.
func (a Address) Current() bool { return a.To.IsZero() }

// Phone is a phone number a person has used, in E.164 form.
type Phone struct {
	Number string
	Kind   string // "mobile", "landline" or "other"
	From   Date
	To     Date
}

// Person is a child or an adult known to the hub.
type Person struct {
	ID string
	// AreaID is the local authority area responsible for the record.
	AreaID string
	// OwnerAgencyID is the agency that created and owns the record.
	OwnerAgencyID string

	GivenName  string
	FamilyName string
	Aliases    []Alias

	// DateOfBirth is the date of birth, zero when unknown.
	DateOfBirth Date
	// DOBEstimated marks a date of birth that is an estimate (an age-disputed
	// young person, say).
	DOBEstimated bool

	Sex       Sex
	Gender    string
	Ethnicity string
	Language  string

	Addresses   []Address
	Phones      []Phone
	Identifiers []Identifier

	Sensitivity Sensitivity
	// Synthetic marks generated people. Every demo and test person is synthetic.
	Synthetic bool

	CreatedBy string
	Version   int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Name returns "Given FAMILY" for display.
func (p *Person) Name() string {
	switch {
	case p.GivenName == "":
		return p.FamilyName
	case p.FamilyName == "":
		return p.GivenName
	}
	return p.GivenName + " " + p.FamilyName
}

// Identifier returns the person's identifier of kind k, or "".
func (p *Person) Identifier(k IdentifierKind) string {
	for _, id := range p.Identifiers {
		if id.Kind == k {
			return id.Value
		}
	}
	return ""
}

// IsChild reports whether the person is under 18 on the given date. A person
// with no known date of birth is treated as a child: the safer assumption in
// a children's safeguarding hub.
func (p *Person) IsChild(on Date) bool {
	if p.DateOfBirth.IsZero() {
		return true
	}
	return p.DateOfBirth.AgeOn(on) < 18
}

// Age returns the person's age in years on the given date, or -1 if unknown.
func (p *Person) Age(on Date) int {
	if p.DateOfBirth.IsZero() {
		return -1
	}
	return p.DateOfBirth.AgeOn(on)
}

// Validate checks the structure of a person record: required fields,
// enumerations and date rules. Names, identifiers, phones and postcodes are
// normalised and checked by the ident package before Validate is called.
// today is the current date, used to refuse dates of birth in the future.
func (p *Person) Validate(today Date) error {
	if p.GivenName == "" && p.FamilyName == "" {
		return Invalid("family_name", "a given name or a family name is required")
	}
	if !ValidID(p.AreaID) {
		return Invalid("area_id", "is required")
	}
	if !ValidID(p.OwnerAgencyID) {
		return Invalid("owner_agency_id", "is required")
	}
	if !p.DateOfBirth.IsZero() {
		if p.DateOfBirth.After(today) {
			return Invalid("date_of_birth", "is in the future")
		}
		if p.DateOfBirth.Year < 1900 {
			return Invalid("date_of_birth", "is before 1900")
		}
	}
	if !p.Sex.Valid() {
		return Invalid("sex", "must be female, male, indeterminate or left blank")
	}
	for _, f := range []struct{ name, v string }{{"gender", p.Gender}, {"ethnicity", p.Ethnicity}, {"language", p.Language}} {
		if err := ValidateText(f.name, f.v, 0, 100); err != nil {
			return err
		}
	}
	if p.Sensitivity == "" {
		p.Sensitivity = SensitivityNormal
	}
	if !p.Sensitivity.Valid() {
		return Invalid("sensitivity", "must be normal or restricted")
	}
	for _, a := range p.Aliases {
		if a.GivenName == "" && a.FamilyName == "" {
			return Invalid("aliases", "an alias needs a given or a family name")
		}
		if !slices.Contains(AliasKinds, a.Kind) {
			return Invalid("aliases", "alias kind must be one of alias, nickname, previous, street")
		}
	}
	for _, a := range p.Addresses {
		if err := ValidateText("addresses.line1", a.Line1, 0, 200); err != nil {
			return err
		}
		if err := ValidateText("addresses.line2", a.Line2, 0, 200); err != nil {
			return err
		}
		if err := ValidateText("addresses.town", a.Town, 0, 100); err != nil {
			return err
		}
		if a.Line1 == "" && a.Postcode == "" {
			return Invalid("addresses", "an address needs a first line or a postcode")
		}
		if !a.From.IsZero() && !a.To.IsZero() && a.To.Before(a.From) {
			return Invalid("addresses.to", "is before the date the address started")
		}
	}
	for _, ph := range p.Phones {
		if ph.Number == "" {
			return Invalid("phones", "a phone entry needs a number")
		}
		if ph.Kind != "mobile" && ph.Kind != "landline" && ph.Kind != "other" {
			return Invalid("phones.kind", "must be mobile, landline or other")
		}
		if !ph.From.IsZero() && !ph.To.IsZero() && ph.To.Before(ph.From) {
			return Invalid("phones.to", "is before the date the phone was first used")
		}
	}
	seen := map[IdentifierKind]bool{}
	for _, id := range p.Identifiers {
		if !id.Kind.Valid() {
			return Invalid("identifiers", "unknown identifier kind %q", id.Kind)
		}
		if id.Value == "" {
			return Invalid("identifiers."+string(id.Kind), "is empty")
		}
		if seen[id.Kind] {
			return Invalid("identifiers."+string(id.Kind), "is given more than once")
		}
		seen[id.Kind] = true
	}
	return nil
}
