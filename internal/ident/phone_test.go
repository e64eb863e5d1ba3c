package ident_test

import (
	"strings"
	"testing"

	"github.com/safehub/safehub/internal/ident"
)

var phoneCases = []parseCase{
	{name: "drama mobile", in: "07700 900123", want: "+447700900123"},
	{name: "drama mobile international", in: "+44 7700 900123", want: "+447700900123"},
	{name: "drama mobile 00 prefix", in: "0044 7700 900123", want: "+447700900123"},
	{name: "drama mobile with (0)", in: "+44 (0)7700 900123", want: "+447700900123"},
	{name: "drama mobile unspaced", in: "07700900000", want: "+447700900000"},
	{name: "Leicester drama", in: "0116 496 0000", want: "+441164960000"},
	{name: "Leicester drama hyphens", in: "0116-496-0999", want: "+441164960999"},
	{name: "Leicester drama brackets", in: "(0116) 496 0123", want: "+441164960123"},
	{name: "Nottingham drama", in: "0115 496 0999", want: "+441154960999"},
	{name: "no-area drama", in: "01632 960000", want: "+441632960000"},
	{name: "London drama", in: "020 7946 0000", want: "+442079460000"},
	{name: "E.164", in: "+447700900123", want: "+447700900123"},
	{name: "real-range mobile", in: "07400 123456", want: "+447400123456"},
	{name: "Jersey", in: "+44 1534 456789", want: "+441534456789"},
	{name: "France", in: "+33 1 23 45 67 89", want: "+33123456789"},
	{name: "USA via 00", in: "001 201 555 0123", want: "+12015550123"},
	{name: "Italy with leading zero", in: "+39 06 1234 5678", want: "+390612345678"},

	{name: "emergency number", in: "999", invalid: true},
	{name: "short code", in: "112", invalid: true},
	{name: "too short", in: "07700 9001", invalid: true},
	{name: "too long", in: "+44 7700 9001234", invalid: true},
	{name: "unassigned UK range", in: "01632 123456", invalid: true},
	{name: "mobile a digit short", in: "07700 90012", invalid: true},
	{name: "US number without +", in: "1 201 555 0123", invalid: true},
	{name: "vanity letters", in: "0800 FLOWERS", invalid: true},
	{name: "extension", in: "07700 900123 ext 12", invalid: true},
	{name: "unknown country code", in: "+999 1234 5678", invalid: true},
	{name: "plus inside", in: "07700+900123", invalid: true},
	{name: "double plus", in: "++447700900123", invalid: true},
	{name: "full-width digits", in: "０７７００ ９００１２３", invalid: true},
	{name: "no digits", in: "()", invalid: true},
	{name: "plus only", in: "+", invalid: true},
	{name: "long trailing whitespace", in: "07700 900123" + strings.Repeat(" ", 40), want: "+447700900123"},
	{name: "over 40 characters", in: "0 7 7 0 0 9 0 0 1 2 3 - - - - - - - - - - - - - - - -", invalid: true},
	{name: "NUL", in: "07700 900123\x00", invalid: true},
	{name: "empty", in: "", invalid: true},
}

// dramaRanges lists the first and last number of each Ofcom drama block.
var dramaRanges = [][2]string{
	{"07700 900000", "07700 900999"},
	{"01632 960000", "01632 960999"},
	{"0113 496 0000", "0113 496 0999"},
	{"0114 496 0000", "0114 496 0999"},
	{"0115 496 0000", "0115 496 0999"},
	{"0116 496 0000", "0116 496 0999"},
	{"0117 496 0000", "0117 496 0999"},
	{"0118 496 0000", "0118 496 0999"},
	{"0121 496 0000", "0121 496 0999"},
	{"0131 496 0000", "0131 496 0999"},
	{"0141 496 0000", "0141 496 0999"},
	{"0151 496 0000", "0151 496 0999"},
	{"0161 496 0000", "0161 496 0999"},
	{"0191 498 0000", "0191 498 0999"},
	{"020 7946 0000", "020 7946 0999"},
	{"028 9649 6000", "028 9649 6999"},
	{"029 2018 0000", "029 2018 0999"},
	{"03069 990000", "03069 990999"},
	{"0808 157 0000", "0808 157 0999"},
	{"0909 879 0000", "0909 879 0999"},
}

func TestPhone(t *testing.T) {
	runParseCases(t, "Phone", ident.Phone, "phone", phoneCases)
}

func TestPhoneDramaRanges(t *testing.T) {
	for _, r := range dramaRanges {
		for _, in := range r {
			got, err := ident.Phone(in)
			if err != nil {
				t.Errorf("Phone(%q) error: %v", in, err)
				continue
			}
			if !ident.IsDramaNumber(got) {
				t.Errorf("IsDramaNumber(%q) = false for %q, want true", got, in)
			}
			if display := ident.FormatPhone(got); strings.ReplaceAll(display, " ", "") != strings.ReplaceAll(in, " ", "") {
				t.Errorf("FormatPhone(%q) = %q, want the digits of %q", got, display, in)
			}
		}
	}
}

func TestIsDramaNumber(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"+447700900000", true},
		{"+447700900999", true},
		{"+441164960500", true},
		{"+442896496999", true},
		{"+447700901000", false},
		{"+447700899999", false},
		{"+441164961000", false},
		{"+44770090012", false},
		{"+4477009001234", false},
		{"07700900123", false}, // not E.164
		{"+12025550100", false},
		{"+447400123456", false},
		{"", false},
	} {
		if got := ident.IsDramaNumber(tc.in); got != tc.want {
			t.Errorf("IsDramaNumber(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestFormatPhone(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"+447700900123", "07700 900123"},
		{"+441164960000", "0116 496 0000"},
		{"+442079460123", "020 7946 0123"},
		{"+441632960000", "01632 960000"},
		{"+33123456789", "+33 1 23 45 67 89"},
		{"+12015550123", "+1 201-555-0123"},
		{"not a number", "not a number"},
		{"", ""},
	} {
		if got := ident.FormatPhone(tc.in); got != tc.want {
			t.Errorf("FormatPhone(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzPhone(f *testing.F) {
	addSeeds(f, phoneCases)
	for _, r := range dramaRanges {
		f.Add(r[0])
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := ident.Phone(in)
		if err != nil {
			checkInvalid(t, err, "phone")
			return
		}
		if len(got) < 4 || got[0] != '+' || strings.Trim(got[1:], "0123456789") != "" || got[1] == '0' {
			t.Fatalf("Phone(%q) = %q, not E.164", in, got)
		}
		if again, err := ident.Phone(got); err != nil || again != got {
			t.Errorf("Phone(%q) = %q, %v; want it unchanged", got, again, err)
		}
		display := ident.FormatPhone(got)
		if again, err := ident.Phone(display); err != nil || again != got {
			t.Errorf("Phone(FormatPhone(%q)) = Phone(%q) = %q, %v; want %q", got, display, again, err, got)
		}
	})
}
