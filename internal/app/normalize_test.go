package app_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/hub"
)

// TestNormalizePersonFields checks that each refusal names the input field
// it is about, with its index, so that a form can link to it and an API
// client can find it.
func TestNormalizePersonFields(t *testing.T) {
	today := hub.Date{Year: 2026, Month: 11, Day: 27}
	addr := func(a app.AddressInput) app.PersonInput {
		return app.PersonInput{GivenName: "A", Addresses: []app.AddressInput{{Line1: "1 Road"}, a}}
	}
	phone := func(p app.PhoneInput) app.PersonInput {
		return app.PersonInput{GivenName: "A", Phones: []app.PhoneInput{{Number: "07700 900123"}, p}}
	}
	for _, tc := range []struct {
		name  string
		in    app.PersonInput
		field string
	}{
		{"given name", app.PersonInput{GivenName: "\u202e"}, "given_name"},
		{"alias given name", app.PersonInput{Aliases: []app.AliasInput{{}, {GivenName: "\x00"}}}, "aliases[1].given_name"},
		{"alias kind", app.PersonInput{Aliases: []app.AliasInput{{GivenName: "A", Kind: "gang"}}}, "aliases[0].kind"},
		{"postcode", addr(app.AddressInput{Postcode: "X"}), "addresses[1].postcode"},
		{"address line 1", addr(app.AddressInput{Line1: strings.Repeat("x", 201)}), "addresses[1].line1"},
		{"address line 2", addr(app.AddressInput{Line1: "x", Line2: "\x07"}), "addresses[1].line2"},
		{"address town", addr(app.AddressInput{Line1: "x", Town: strings.Repeat("x", 101)}), "addresses[1].town"},
		{"address without line or postcode", addr(app.AddressInput{Town: "Leicester"}), "addresses[1].line1"},
		{"address from", addr(app.AddressInput{Line1: "x", From: "2020-13-01"}), "addresses[1].from"},
		{"address ends first", addr(app.AddressInput{Line1: "x", From: "2020-01-02", To: "2020-01-01"}), "addresses[1].to"},
		{"phone number", phone(app.PhoneInput{Number: "1"}), "phones[1].number"},
		{"phone kind", phone(app.PhoneInput{Number: "07700 900124", Kind: "pager"}), "phones[1].kind"},
		{"phone ends first", phone(app.PhoneInput{Number: "07700 900124", From: "2020-01-02", To: "2020-01-01"}), "phones[1].to"},
		{"too many aliases", app.PersonInput{Aliases: make([]app.AliasInput, app.MaxPersonParts+1)}, "aliases"},
		{"too many addresses", app.PersonInput{Addresses: make([]app.AddressInput, app.MaxPersonParts+1)}, "addresses"},
		{"too many phones", app.PersonInput{Phones: make([]app.PhoneInput, app.MaxPersonParts+1)}, "phones"},
		{"NHS number", app.PersonInput{NHSNumber: "1"}, "nhs_number"},
		{"UPN", app.PersonInput{UPN: "1"}, "upn"},
		{"PNC", app.PersonInput{PNC: "1"}, "pnc_id"},
		{"local id", app.PersonInput{LocalID: "!"}, "local_id"},
		{"date of birth", app.PersonInput{DateOfBirth: "2026-11-28"}, "date_of_birth"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := app.NormalizePerson(tc.in, today)
			if hub.ErrorCode(err) != hub.EInvalid || hub.ErrorField(err) != tc.field {
				t.Errorf("NormalizePerson = %v, want invalid %s", err, tc.field)
			}
		})
	}

	// Blank rows are dropped; what is kept is normalised.
	p, err := app.NormalizePerson(app.PersonInput{
		GivenName: " Zoe\u0308 ", FamilyName: "O’Brien",
		Aliases:   []app.AliasInput{{}, {GivenName: "Zo"}},
		Addresses: []app.AddressInput{{}, {Line1: " 1 Road ", Postcode: "le1 5ww"}},
		Phones:    []app.PhoneInput{{}, {Number: "0116 496 0123"}},
		NHSNumber: "943 476 5919", UPN: "k855400523017",
	}, today)
	if err != nil {
		t.Fatal(err)
	}
	want := &hub.Person{GivenName: "Zoë", FamilyName: "O’Brien", Sensitivity: hub.SensitivityNormal,
		Aliases:     []hub.Alias{{GivenName: "Zo", Kind: "alias"}},
		Addresses:   []hub.Address{{Line1: "1 Road", Postcode: "LE1 5WW"}},
		Phones:      []hub.Phone{{Number: "+441164960123", Kind: "landline"}},
		Identifiers: []hub.Identifier{{Kind: hub.IdentNHS, Value: "9434765919"}, {Kind: hub.IdentUPN, Value: "K855400523017"}}}
	if diff := cmp.Diff(want, p); diff != "" {
		t.Errorf("NormalizePerson (-want +got):\n%s", diff)
	}
}
