package ident_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/ident"
)

var nhsCases = []parseCase{
	{name: "documentation example", in: "9434765919", want: "9434765919"},
	{name: "spaced 3-3-4", in: "943 476 5919", want: "9434765919"},
	{name: "hyphenated 3-3-4", in: "943-476-5919", want: "9434765919"},
	{name: "irregular separators", in: "94-34 765 9-19", want: "9434765919"},
	{name: "surrounding whitespace", in: "\t943 476 5919 \n", want: "9434765919"},
	{name: "synthetic 9990000018", in: "9990000018", want: "9990000018"},
	{name: "synthetic 9990000026", in: "9990000026", want: "9990000026"},
	{name: "synthetic 9990000034", in: "999 000 0034", want: "9990000034"},
	{name: "synthetic 9990000085", in: "9990000085", want: "9990000085"},
	{name: "check value 11 is 0", in: "9990000190", want: "9990000190"},

	{name: "wrong check digit", in: "9434765918", invalid: true},
	{name: "check value 10", in: "1234567890", invalid: true},
	{name: "9 digits", in: "943476591", invalid: true},
	{name: "11 digits", in: "94347659190", invalid: true},
	{name: "letter", in: "943476591A", invalid: true},
	{name: "prefix letters", in: "NHS9434765919", invalid: true},
	{name: "all zeros", in: "0000000000", invalid: true},
	{name: "all ones", in: "1111111111", invalid: true},
	{name: "all nines", in: "9999999999", invalid: true},
	{name: "full-width digits", in: "９４３４７６５９１９", invalid: true},
	{name: "Arabic-Indic digits", in: "٩٤٣٤٧٦٥٩١٩", invalid: true},
	{name: "dots", in: "943.476.5919", invalid: true},
	{name: "inner tab", in: "943\t476\t5919", invalid: true},
	{name: "plus sign", in: "+9434765919", invalid: true},
	{name: "NUL", in: "9434765919\x00", invalid: true},
	{name: "empty", in: "", invalid: true},
	{name: "only separators", in: " - - ", invalid: true},
}

func init() {
	// 999 000 000x: the check value of 999000000 is 10, so none is valid.
	for d := 0; d <= 9; d++ {
		nhsCases = append(nhsCases, parseCase{name: fmt.Sprintf("99900000%02d", d), in: fmt.Sprintf("99900000%02d", d), invalid: true})
	}
}

func TestNHSNumber(t *testing.T) {
	runParseCases(t, "NHSNumber", ident.NHSNumber, "nhs_number", nhsCases)
}

func TestNHSNumberReasons(t *testing.T) {
	// Each kind of mistake gets its own explanation, and none repeats the
	// number back (error messages end up in logs).
	inputs := map[string]string{
		"wrong length":   "943476591",
		"non-digit":      "943476591A",
		"non-ASCII":      "９４３４７６５９１９",
		"same digit":     "0000000000",
		"check value 10": "1234567890",
		"check digit":    "9434765918",
	}
	seen := make(map[string]string)
	for kind, in := range inputs {
		_, err := ident.NHSNumber(in)
		msg := hub.ErrorMessage(err)
		if other, ok := seen[msg]; ok {
			t.Errorf("NHSNumber gives the same message %q for %s and %s", msg, kind, other)
		}
		seen[msg] = kind
		if strings.Contains(msg, "943") || strings.Contains(msg, "123456789") {
			t.Errorf("NHSNumber(%q) message %q repeats the number", in, msg)
		}
	}
}

func TestFormatNHSNumber(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"9434765919", "943 476 5919"},
		{"9990000018", "999 000 0018"},
		{"943 476 5919", "943 476 5919"}, // not canonical: unchanged
		{"94347659", "94347659"},
		{"", ""},
	} {
		if got := ident.FormatNHSNumber(tc.in); got != tc.want {
			t.Errorf("FormatNHSNumber(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestNHSCheckDigit(t *testing.T) {
	for _, tc := range []struct {
		first9 string
		want   int
		ok     bool
	}{
		{"943476591", 9, true},
		{"999000001", 8, true},
		{"999000002", 6, true},
		{"999000019", 0, true}, // check value 11 reads as 0
		{"999000000", 0, false},
		{"999999999", 0, false}, // 9999999999 passes modulus 11 but is refused
		{"000000000", 0, false},
		{"123456789", 0, false},
		{"94347659", 0, false},
		{"9434765919", 0, false},
		{"94347659A", 0, false},
		{"", 0, false},
	} {
		got, ok := ident.NHSCheckDigit(tc.first9)
		if got != tc.want || ok != tc.ok {
			t.Errorf("NHSCheckDigit(%q) = %d, %v; want %d, %v", tc.first9, got, ok, tc.want, tc.ok)
		}
	}
}

// TestNHSCheckDigitSyntheticRange checks every prefix in the synthetic range:
// where NHSCheckDigit gives a digit, NHSNumber accepts the number it completes
// (and refuses a neighbouring ending); where it gives none, NHSNumber refuses
// all ten endings.
func TestNHSCheckDigitSyntheticRange(t *testing.T) {
	if testing.Short() {
		t.Skip("checks a million prefixes")
	}
	valid := 0
	in := []byte("9990000000")
	for p := 0; p < 1_000_000; p++ {
		for i, v := 8, p; i >= 3; i, v = i-1, v/10 {
			in[i] = byte('0' + v%10)
		}
		first9 := string(in[:9])
		check, ok := ident.NHSCheckDigit(first9)
		for d := byte(0); d <= 9; d++ {
			// For a prefix with a check digit, try it and the next digit up.
			if ok && int(d) != check && int(d) != (check+1)%10 {
				continue
			}
			in[9] = '0' + d
			got, err := ident.NHSNumber(string(in))
			want := ok && int(d) == check
			if want && (err != nil || got != string(in)) {
				t.Fatalf("NHSCheckDigit(%q) = %d but NHSNumber(%q) = %q, %v", first9, check, in, got, err)
			}
			if !want && err == nil {
				t.Fatalf("NHSCheckDigit(%q) = %d, %v but NHSNumber(%q) accepted it", first9, check, ok, in)
			}
			if want && !ident.IsSyntheticNHSNumber(got) {
				t.Fatalf("IsSyntheticNHSNumber(%q) = false, want true", got)
			}
		}
		if ok {
			valid++
		}
	}
	// About one prefix in eleven has check value 10.
	if valid < 900_000 || valid > 920_000 {
		t.Errorf("%d of 1,000,000 synthetic prefixes have a check digit, want about 909,091", valid)
	}
}

func TestIsSyntheticNHSNumber(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"9990000018", true},
		{"9434765919", false},
		{"999 000 0018", false},
		{"999", false},
	} {
		if got := ident.IsSyntheticNHSNumber(tc.in); got != tc.want {
			t.Errorf("IsSyntheticNHSNumber(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

var digitRunRE = regexp.MustCompile(`[0-9]{3}`)

// mod11Valid is an independent statement of the NHS modulus 11 rule: with
// weights 10 down to 1 on all ten digits, the weighted sum of a valid number
// is a multiple of 11. (A check value of 10 cannot be met by any digit.)
func mod11Valid(s string) bool {
	sum := 0
	for i, c := range s {
		sum += int(c-'0') * (10 - i)
	}
	return sum%11 == 0
}

func FuzzNHSNumber(f *testing.F) {
	addSeeds(f, nhsCases)
	f.Fuzz(func(t *testing.T, in string) {
		got, err := ident.NHSNumber(in)
		if err != nil {
			checkInvalid(t, err, "nhs_number")
			// Messages reach logs, so they never hold a run of digits
			// copied from the input.
			if msg := hub.ErrorMessage(err); digitRunRE.MatchString(msg) {
				t.Errorf("NHSNumber(%q) message %q contains a run of digits", in, msg)
			}
			return
		}
		if len(got) != 10 || strings.Trim(got, "0123456789") != "" {
			t.Fatalf("NHSNumber(%q) = %q, not 10 ASCII digits", in, got)
		}
		if !mod11Valid(got) {
			t.Errorf("NHSNumber(%q) = %q, which fails modulus 11", in, got)
		}
		if strings.Count(got, got[:1]) == 10 {
			t.Errorf("NHSNumber(%q) = %q, all the same digit", in, got)
		}
		if strings.Map(func(r rune) rune {
			if r == ' ' || r == '-' || r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f' {
				return -1
			}
			return r
		}, in) != got {
			t.Errorf("NHSNumber(%q) = %q, which is not the input without separators", in, got)
		}
		if again, err := ident.NHSNumber(got); err != nil || again != got {
			t.Errorf("NHSNumber(%q) = %q, %v; want it unchanged", got, again, err)
		}
		if again, err := ident.NHSNumber(ident.FormatNHSNumber(got)); err != nil || again != got {
			t.Errorf("NHSNumber(FormatNHSNumber(%q)) = %q, %v; want %q", got, again, err, got)
		}
		check, ok := ident.NHSCheckDigit(got[:9])
		if !ok || check != int(got[9]-'0') {
			t.Errorf("NHSCheckDigit(%q) = %d, %v; NHSNumber accepted %q", got[:9], check, ok, got)
		}
	})
}
