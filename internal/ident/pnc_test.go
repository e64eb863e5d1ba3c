package ident_test

import (
	"regexp"
	"strconv"
	"testing"

	"github.com/safehub/safehub/internal/ident"
)

var pncCases = []parseCase{
	{name: "canonical", in: "12/0000345G", want: "12/0000345G"},
	{name: "short serial", in: "12/345G", want: "12/0000345G"},
	{name: "four-digit year", in: "2012/345G", want: "12/0000345G"},
	{name: "lower case and spaces", in: " 12 / 0000345 g ", want: "12/0000345G"},
	{name: "1990s", in: "1919/123456E", want: "19/0123456E"},
	{name: "remainder 0 is Z", in: "00/0000023Z", want: "00/0000023Z"},
	{name: "seven-digit serial", in: "99/9999999" + string(ident.PNCCheckLetter(99, 9999999)), want: "99/9999999" + string(ident.PNCCheckLetter(99, 9999999))},

	{name: "wrong check letter", in: "12/0000345H", invalid: true},
	{name: "wrong digit", in: "12/0000346G", invalid: true},
	{name: "I as check letter", in: "12/0000345I", invalid: true},
	{name: "zero serial", in: "12/0000000Z", invalid: true},
	{name: "eight-digit serial", in: "12/12345678X", invalid: true},
	{name: "three-digit year", in: "123/345G", invalid: true},
	{name: "one-digit year", in: "2/345G", invalid: true},
	{name: "year 2112", in: "2112/345G", invalid: true},
	{name: "no slash", in: "120000345G", invalid: true},
	{name: "two slashes", in: "12/00/345G", invalid: true},
	{name: "no check letter", in: "12/0000345", invalid: true},
	{name: "no serial", in: "12/G", invalid: true},
	{name: "letter in serial", in: "12/00A0345G", invalid: true},
	{name: "check digit not letter", in: "12/0000345/", invalid: true},
	{name: "full-width", in: "１２/345G", invalid: true},
	{name: "empty", in: "", invalid: true},
}

func TestPNC(t *testing.T) {
	runParseCases(t, "PNC", ident.PNC, "pnc_id", pncCases)
}

func TestPNCCheckLetter(t *testing.T) {
	for _, tc := range []struct {
		yy, serial int
		want       byte
	}{
		{12, 345, 'G'},    // 120000345 mod 23 = 7
		{19, 123456, 'E'}, // 190123456 mod 23 = 5
		{0, 0, 'Z'},
		{0, 23, 'Z'},
		{0, 1, 'A'},
		{0, 22, 'Y'},
		{-1, 1, 0},
		{100, 1, 0},
		{12, -1, 0},
		{12, 10_000_000, 0},
	} {
		if got := ident.PNCCheckLetter(tc.yy, tc.serial); got != tc.want {
			t.Errorf("PNCCheckLetter(%d, %d) = %q, want %q", tc.yy, tc.serial, got, tc.want)
		}
	}
}

var pncRE = regexp.MustCompile(`^(\d{2})/(\d{7})([A-HJ-NP-RT-Z])$`)

func FuzzPNC(f *testing.F) {
	addSeeds(f, pncCases)
	f.Fuzz(func(t *testing.T, in string) {
		got, err := ident.PNC(in)
		if err != nil {
			checkInvalid(t, err, "pnc_id")
			return
		}
		m := pncRE.FindStringSubmatch(got)
		if m == nil {
			t.Fatalf("PNC(%q) = %q, not YY/NNNNNNNL", in, got)
		}
		n, _ := strconv.Atoi(m[1] + m[2])
		if want := "ZABCDEFGHJKLMNPQRTUVWXY"[n%23]; m[3][0] != want {
			t.Errorf("PNC(%q) = %q, check letter should be %c", in, got, want)
		}
		if again, err := ident.PNC(got); err != nil || again != got {
			t.Errorf("PNC(%q) = %q, %v; want it unchanged", got, again, err)
		}
	})
}
