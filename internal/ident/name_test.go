package ident_test

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/safehub/safehub/internal/ident"
	"golang.org/x/text/unicode/norm"
)

var nameCases = []parseCase{
	{name: "apostrophe", in: "O'Brien", want: "O'Brien"},
	{name: "typographic apostrophe", in: "O’Brien", want: "O’Brien"},
	{name: "hyphen", in: "Smith-Jones", want: "Smith-Jones"},
	{name: "precomposed diaeresis", in: "Zo\u00eb", want: "Zo\u00eb"},
	{name: "combining diaeresis becomes NFC", in: "Zoe\u0308", want: "Zo\u00eb"},
	{name: "Polish", in: "Łukasz", want: "Łukasz"},
	{name: "Vietnamese decomposed", in: "Nguye\u0302\u0303n", want: "Nguyễn"},
	{name: "Arabic", in: "محمد", want: "محمد"},
	{name: "Chinese", in: "张伟", want: "张伟"},
	{name: "Devanagari", in: "प्रिया", want: "प्रिया"},
	{name: "single letter", in: "X", want: "X"},
	{name: "trimmed and collapsed", in: "  Mary   Ann  ", want: "Mary Ann"},
	{name: "tab and newline collapsed", in: "Mary\t\r\nAnn", want: "Mary Ann"},
	{name: "no-break space collapsed", in: "Mary\u00a0Ann", want: "Mary Ann"},
	{name: "ideographic space collapsed", in: "张\u3000伟", want: "张 伟"},
	{name: "digits beside letters", in: "Henry 8th", want: "Henry 8th"},
	{name: "markup kept literally", in: "<script>alert(1)</script>", want: "<script>alert(1)</script>"},
	{name: "emoji beside letters", in: "Sam 😀", want: "Sam 😀"},
	{name: "Hebrew points", in: "שָׁלוֹם", want: "שָׁלוֹם"},
	{name: "ten marks", in: "x" + strings.Repeat("\u0301", 10), want: "x" + strings.Repeat("\u0301", 10)},
	{name: "200 characters", in: strings.Repeat("é", 200), want: strings.Repeat("é", 200)},
	{name: "200 characters after NFC", in: strings.Repeat("e\u0301", 200), want: strings.Repeat("é", 200)},
	{name: "empty", in: "", want: ""},
	{name: "blank", in: " \t\n", want: ""},

	{name: "NUL", in: "Ann\x00e", invalid: true},
	{name: "bell", in: "Ann\x07", invalid: true},
	{name: "delete", in: "Ann\x7f", invalid: true},
	{name: "C1 control", in: "Ann\u0080e", invalid: true},
	{name: "C1 CSI", in: "Ann\u009be", invalid: true},
	{name: "right-to-left override", in: "\u202Enhoj", invalid: true},
	{name: "left-to-right embedding", in: "John\u202A", invalid: true},
	{name: "pop directional formatting", in: "John\u202C", invalid: true},
	{name: "left-to-right isolate", in: "\u2066John", invalid: true},
	{name: "pop directional isolate", in: "John\u2069", invalid: true},
	{name: "left-to-right mark", in: "John\u200E", invalid: true},
	{name: "right-to-left mark", in: "محمد\u200F", invalid: true},
	{name: "Arabic letter mark", in: "محمد\u061C", invalid: true},
	{name: "zero-width space", in: "Jo\u200Bhn", invalid: true},
	{name: "zero-width non-joiner", in: "Jo\u200Chn", invalid: true},
	{name: "zero-width joiner", in: "Jo\u200Dhn", invalid: true},
	{name: "word joiner", in: "Jo\u2060hn", invalid: true},
	{name: "byte order mark", in: "\uFEFFJohn", invalid: true},
	{name: "soft hyphen", in: "Jo\u00ADhn", invalid: true},
	{name: "Hangul filler", in: "\u3164", invalid: true},
	{name: "tag character", in: "John\U000E0041", invalid: true},
	{name: "replacement character", in: "Jo\uFFFDhn", invalid: true},
	{name: "private use", in: "Jo\uE000hn", invalid: true},
	{name: "noncharacter", in: "Jo\uFDD0hn", invalid: true},
	{name: "invalid UTF-8", in: "Jo\xff\xfehn", invalid: true},
	{name: "overlong UTF-8", in: "Jo\xc0\xafhn", invalid: true},
	{name: "UTF-8 surrogate", in: "Jo\xed\xa0\x80hn", invalid: true},
	{name: "digits only", in: "123", invalid: true},
	{name: "punctuation only", in: "!!!", invalid: true},
	{name: "apostrophe only", in: "'", invalid: true},
	{name: "emoji only", in: "😀", invalid: true},
	{name: "201 characters", in: strings.Repeat("a", 201), invalid: true},
	{name: "huge", in: strings.Repeat("a ", 5000), invalid: true},
	{name: "Zalgo", in: "x" + strings.Repeat("\u0301", 11), invalid: true},
	{name: "31 marks", in: strings.Repeat("\u0301", 31) + "A", invalid: true},
	{name: "combining grapheme joiner", in: "Jo\u034Fhn", invalid: true},
}

func TestName(t *testing.T) {
	runParseCases(t, "Name", func(s string) (string, error) { return ident.Name("family_name", s) }, "family_name", nameCases)
}

func TestNameField(t *testing.T) {
	// The caller's field name is the one in the error.
	for _, field := range []string{"given_name", "family_name", "alias"} {
		_, err := ident.Name(field, "123")
		checkInvalid(t, err, field)
	}
}

var nameKeyCases = []struct{ in, want string }{
	{"O'Brien", "obrien"},
	{"O’Brien", "obrien"},
	{"o brien", "obrien"},
	{"Zoë", "zoe"},
	{"Zoe\u0308", "zoe"},
	{"Smith-Jones", "smithjones"},
	{"Smith Jones", "smithjones"},
	{"Łukasz", "lukasz"},
	{"Søren", "soren"},
	{"Æthelred", "aethelred"},
	{"Nguyễn", "nguyen"},
	{"İbrahim", "ibrahim"},
	{"Straße", "strasse"},
	{"STRASSE", "strasse"},
	{"ꮯ", "ꮯ"}, // Cherokee lower case
	{"Ꮯ", "ꮯ"},
	{"ΟΔΥΣΣΕΥΣ", "οδυσσευσ"},
	{"Οδυσσεύς", "οδυσσευσ"},
	{"ＳＭＩＴＨ", "smith"},
	{"محمد", "محمد"},
	{"مُحَمَّد", "محمد"},
	{"张伟", "张伟"},
	{"Henry 8th", "henry8th"},
	{"!!!", ""},
	{"Jo\xffhn", "john"},
	{"", ""},
}

func TestNameKey(t *testing.T) {
	for _, tc := range nameKeyCases {
		if got := ident.NameKey(tc.in); got != tc.want {
			t.Errorf("NameKey(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// invisible reports whether r is a character Name must never return.
func invisible(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) ||
		unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r) ||
		unicode.Is(unicode.Co, r) || r == utf8.RuneError ||
		r == 0x200B || r == 0x200C || r == 0x200D || r == 0x2060 || r == 0xFEFF ||
		r == 0x061C || r == 0x200E || r == 0x200F || (0x202A <= r && r <= 0x202E) || (0x2066 <= r && r <= 0x2069)
}

func FuzzName(f *testing.F) {
	addSeeds(f, nameCases)
	f.Fuzz(func(t *testing.T, in string) {
		got, err := ident.Name("given_name", in)
		if err != nil {
			checkInvalid(t, err, "given_name")
			return
		}
		if got == "" {
			if strings.TrimFunc(in, unicode.IsSpace) != "" {
				t.Errorf("Name(%q) = \"\", but the input is not blank", in)
			}
			return
		}
		if !utf8.ValidString(got) {
			t.Fatalf("Name(%q) = %q, not valid UTF-8", in, got)
		}
		if !norm.NFC.IsNormalString(got) {
			t.Errorf("Name(%q) = %q, not NFC", in, got)
		}
		if i := strings.IndexFunc(got, invisible); i >= 0 {
			r, _ := utf8.DecodeRuneInString(got[i:])
			t.Errorf("Name(%q) = %q, which contains %U", in, got, r)
		}
		if got != strings.TrimSpace(got) || strings.Contains(got, "  ") || strings.ContainsFunc(got, func(r rune) bool { return r != ' ' && unicode.IsSpace(r) }) {
			t.Errorf("Name(%q) = %q, whitespace not trimmed and collapsed", in, got)
		}
		if n := utf8.RuneCountInString(got); n < 1 || n > ident.MaxNameLen {
			t.Errorf("Name(%q) = %q, %d characters", in, got, n)
		}
		if !strings.ContainsFunc(got, unicode.IsLetter) {
			t.Errorf("Name(%q) = %q, which has no letter", in, got)
		}
		if again, err := ident.Name("given_name", got); err != nil || again != got {
			t.Errorf("Name(%q) = %q, %v; want it unchanged", got, again, err)
		}
	})
}

func FuzzNameKey(f *testing.F) {
	for _, tc := range nameKeyCases {
		f.Add(tc.in)
	}
	addSeeds(f, nameCases)
	f.Fuzz(func(t *testing.T, in string) {
		got := ident.NameKey(in)
		if !utf8.ValidString(got) {
			t.Fatalf("NameKey(%q) = %q, not valid UTF-8", in, got)
		}
		for _, r := range got {
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				t.Fatalf("NameKey(%q) = %q, which contains %U", in, got, r)
			}
		}
		if again := ident.NameKey(got); again != got {
			t.Errorf("NameKey(%q) = %q, want it unchanged", got, again)
		}
		for _, r := range got {
			if unicode.ToLower(unicode.ToUpper(r)) != r {
				t.Errorf("NameKey(%q) = %q, in which %U is not case-folded", in, got, r)
			}
		}
		// Upper and lower case give the same key.
		if k := ident.NameKey(strings.ToUpper(in)); k != got && utf8.ValidString(in) {
			t.Errorf("NameKey(%q) = %q, NameKey(%q) = %q", strings.ToUpper(in), k, in, got)
		}
		// A name and its normalised form have the same key.
		if name, err := ident.Name("given_name", in); err == nil {
			if k := ident.NameKey(name); k != got {
				t.Errorf("NameKey(Name(%q)) = %q, NameKey(%q) = %q", in, k, in, got)
			}
		}
	})
}
