package ident_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/safehub/safehub/internal/ident"
)

// withCheckLetter prefixes body12 with its correct check letter, to build
// UPNs that pass the checksum but break another rule.
func withCheckLetter(body12 string) string {
	c, ok := ident.UPNCheckLetter(body12)
	if !ok {
		panic("no check letter for " + body12)
	}
	return string(c) + body12
}

var upnCases = []parseCase{
	{name: "python-stdnum example", in: "B801200005001", want: "B801200005001"},
	{name: "Leicester", in: "Y856200124123", want: "Y856200124123"},
	{name: "Leicestershire", in: "K855400523017", want: "K855400523017"},
	{name: "Rutland", in: "K857300025042", want: "K857300025042"},
	{name: "temporary", in: "F85620012412A", want: "F85620012412A"},
	{name: "help-page example, correct letter", in: "P207000016049", want: "P207000016049"},
	{name: "lower case", in: "b801200005001", want: "B801200005001"},
	{name: "lower-case temporary", in: "f85620012412a", want: "F85620012412A"},
	{name: "spaces", in: " B801 2000 05001 ", want: "B801200005001"},
	{name: "placeholder UN1", in: "UN1", want: "UN1"},
	{name: "placeholder UN5", in: "UN5", want: "UN5"},
	{name: "placeholder lower case", in: "un3", want: "UN3"},
	{name: "lowest LA number", in: withCheckLetter("201000000001"), want: withCheckLetter("201000000001")},
	{name: "highest LA number", in: withCheckLetter("943000000001"), want: withCheckLetter("943000000001")},

	// The help page's worked example says Q; the algorithm says P.
	{name: "help-page slip Q", in: "Q207000016049", invalid: true},
	{name: "wrong check letter", in: "B207000016049", invalid: true},
	{name: "wrong digit", in: "B801200005002", invalid: true},
	{name: "transposed digits", in: "B810200005001", invalid: true},
	{name: "temporary wrong final letter", in: "F85620012412B", invalid: true},
	{name: "starts with I", in: "I801200005001", invalid: true},
	{name: "starts with O", in: "O801200005001", invalid: true},
	{name: "starts with S", in: "S801200005001", invalid: true},
	{name: "temporary ends with I", in: "F85620012412I", invalid: true},
	{name: "temporary ends with O", in: "F85620012412O", invalid: true},
	{name: "temporary ends with S", in: "F85620012412S", invalid: true},
	{name: "starts with a digit", in: "1801200005001", invalid: true},
	{name: "letter inside", in: "B80120000X001", invalid: true},
	{name: "12 characters", in: "B80120000500", invalid: true},
	{name: "14 characters", in: "B8012000050011", invalid: true},
	{name: "LA 000", in: withCheckLetter("000200005001"), invalid: true},
	{name: "LA 200", in: withCheckLetter("200200005001"), invalid: true},
	{name: "LA 944", in: withCheckLetter("944200005001"), invalid: true},
	{name: "LA 999", in: withCheckLetter("999200005001"), invalid: true},
	{name: "UN0", in: "UN0", invalid: true},
	{name: "UN6", in: "UN6", invalid: true},
	{name: "UN", in: "UN", invalid: true},
	{name: "hyphens", in: "B801-2000-05001", invalid: true},
	{name: "full-width", in: "Ｂ801200005001", invalid: true},
	{name: "long s", in: "ſ801200005001", invalid: true}, // upper-cases to S outside ASCII
	{name: "empty", in: "", invalid: true},
}

func TestUPN(t *testing.T) {
	runParseCases(t, "UPN", ident.UPN, "upn", upnCases)
}

func TestUPNCheckLetter(t *testing.T) {
	for _, tc := range []struct {
		body12 string
		want   byte
		ok     bool
	}{
		{"801200005001", 'B', true}, // sum 93, 93 mod 23 = 1
		{"207000016049", 'P', true}, // sum 266, 266 mod 23 = 13
		{"856200124123", 'Y', true},
		{"85620012412A", 'F', true},
		{"000000000000", 'A', true},
		{"85620012412I", 0, false},
		{"85620012412a", 0, false},
		{"8012000050", 0, false},
		{"8012000050011", 0, false},
		{"80120000X001", 0, false},
		{"", 0, false},
	} {
		got, ok := ident.UPNCheckLetter(tc.body12)
		if got != tc.want || ok != tc.ok {
			t.Errorf("UPNCheckLetter(%q) = %q, %v; want %q, %v", tc.body12, got, ok, tc.want, tc.ok)
		}
	}
}

// upnRE is the DfE-style validation pattern quoted in the domain brief.
var upnRE = regexp.MustCompile(`^(?:[A-HJ-NP-RT-Z]\d{12}|[A-HJ-NP-RT-Z]\d{11}[A-HJ-NP-RT-Z]|UN[1-5])$`)

// upnChecksumOK restates the modulus 23 rule for a 13-character UPN.
func upnChecksumOK(u string) bool {
	const alphabet = "ABCDEFGHJKLMNPQRTUVWXYZ"
	sum := 0
	for p := 2; p <= 13; p++ {
		c := u[p-1]
		v := int(c - '0')
		if c >= 'A' {
			v = strings.IndexByte(alphabet, c)
		}
		sum += v * p
	}
	return alphabet[sum%23] == u[0]
}

func FuzzUPN(f *testing.F) {
	addSeeds(f, upnCases)
	f.Fuzz(func(t *testing.T, in string) {
		got, err := ident.UPN(in)
		if err != nil {
			checkInvalid(t, err, "upn")
			return
		}
		if !upnRE.MatchString(got) {
			t.Fatalf("UPN(%q) = %q, which does not match %s", in, got, upnRE)
		}
		if len(got) == 13 {
			if !upnChecksumOK(got) {
				t.Errorf("UPN(%q) = %q, which fails modulus 23", in, got)
			}
			if la := got[1:4]; la < "201" || la > "943" {
				t.Errorf("UPN(%q) = %q, LA number %s out of range", in, got, la)
			}
		}
		if again, err := ident.UPN(got); err != nil || again != got {
			t.Errorf("UPN(%q) = %q, %v; want it unchanged", got, again, err)
		}
	})
}
