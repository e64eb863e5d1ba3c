package ident_test

import (
	"regexp"
	"testing"

	"github.com/safehub/safehub/internal/ident"
)

var postcodeCases = []parseCase{
	{name: "lower case", in: "le1 5ww", want: "LE1 5WW"},
	{name: "no space", in: "LE15WW", want: "LE1 5WW"},
	{name: "extra spaces", in: "  LE1   5WW ", want: "LE1 5WW"},
	{name: "canonical", in: "LE1 5WW", want: "LE1 5WW"},
	{name: "A9 9AA", in: "M1 1AE", want: "M1 1AE"},
	{name: "A99 9AA", in: "B33 8TH", want: "B33 8TH"},
	{name: "AA9 9AA", in: "CR2 6XH", want: "CR2 6XH"},
	{name: "AA99 9AA", in: "DN55 1PT", want: "DN55 1PT"},
	{name: "A9A 9AA", in: "W1A 0AX", want: "W1A 0AX"},
	{name: "AA9A 9AA", in: "EC1A 1BB", want: "EC1A 1BB"},
	{name: "Rutland", in: "le15 6rb", want: "LE15 6RB"},
	{name: "no fixed abode", in: "ZZ99 3VZ", want: "ZZ99 3VZ"},
	{name: "not known", in: "zz993wz", want: "ZZ99 3WZ"},
	{name: "England NOS", in: "ZZ99 3CZ", want: "ZZ99 3CZ"},
	{name: "Wales", in: "ZZ99 3GZ", want: "ZZ99 3GZ"},
	{name: "Scotland", in: "ZZ99 1WZ", want: "ZZ99 1WZ"},
	{name: "Northern Ireland", in: "ZZ99 2WZ", want: "ZZ99 2WZ"},
	{name: "overseas", in: "ZZ99 4XZ", want: "ZZ99 4XZ"},

	{name: "inward C", in: "LE1 5CW", invalid: true},
	{name: "inward I", in: "LE1 5WI", invalid: true},
	{name: "inward K", in: "LE1 5KW", invalid: true},
	{name: "inward M", in: "LE1 5MW", invalid: true},
	{name: "inward O", in: "LE1 5WO", invalid: true},
	{name: "inward V", in: "LE1 5VW", invalid: true},
	{name: "outward only", in: "LE1", invalid: true},
	{name: "inward short", in: "LE1 5W", invalid: true},
	{name: "three outward letters", in: "LEE1 5WW", invalid: true},
	{name: "starts with digit", in: "1E1 5WW", invalid: true},
	{name: "trailing junk", in: "LE1 5WW X", invalid: true},
	{name: "hyphen", in: "LE1-5WW", invalid: true},
	{name: "full-width", in: "ＬＥ１ ５ＷＷ", invalid: true},
	{name: "ZZ99 not ending Z", in: "ZZ99 3VA", invalid: true},
	{name: "Girobank", in: "GIR 0AA", invalid: true},
	{name: "NUL", in: "LE1\x005WW", invalid: true},
	{name: "empty", in: "", invalid: true},
}

func TestPostcode(t *testing.T) {
	runParseCases(t, "Postcode", ident.Postcode, "postcode", postcodeCases)
}

func TestPostcodeDistrict(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"LE1 5WW", "LE1"},
		{"SW1A 1AA", "SW1A"},
		{"ZZ99 3VZ", "ZZ99"},
		{"LE15WW", ""},
		{" 5WW", ""},
		{"", ""},
	} {
		if got := ident.PostcodeDistrict(tc.in); got != tc.want {
			t.Errorf("PostcodeDistrict(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestIsPseudoPostcode(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"ZZ99 3VZ", true},
		{"ZZ99 2WZ", true},
		{"LE1 5WW", false},
		{"ZZ993VZ", false},
		{"ZZ99 3VZ ", false},
		{"", false},
	} {
		if got := ident.IsPseudoPostcode(tc.in); got != tc.want {
			t.Errorf("IsPseudoPostcode(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// canonicalPostcodeRE is rule V-PC with the space required, or a ZZ99
// pseudo-postcode.
var canonicalPostcodeRE = regexp.MustCompile(`^(?:[A-Z]{1,2}\d[A-Z\d]? \d[ABD-HJLNP-UW-Z]{2}|ZZ99 \d[A-Z]Z)$`)

func FuzzPostcode(f *testing.F) {
	addSeeds(f, postcodeCases)
	f.Fuzz(func(t *testing.T, in string) {
		got, err := ident.Postcode(in)
		if err != nil {
			checkInvalid(t, err, "postcode")
			return
		}
		if !canonicalPostcodeRE.MatchString(got) {
			t.Fatalf("Postcode(%q) = %q, not canonical", in, got)
		}
		if again, err := ident.Postcode(got); err != nil || again != got {
			t.Errorf("Postcode(%q) = %q, %v; want it unchanged", got, again, err)
		}
		if d := ident.PostcodeDistrict(got); d == "" || d != got[:len(got)-4] {
			t.Errorf("PostcodeDistrict(%q) = %q", got, d)
		}
	})
}
