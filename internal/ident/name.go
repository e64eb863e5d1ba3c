package ident

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/safehub/safehub/internal/hub"
	"golang.org/x/text/unicode/norm"
)

// MaxNameLen is the most characters (Unicode code points, after
// normalisation) a name may have.
const MaxNameLen = 200

// maxNameBytes bounds the raw input before normalisation. It is far above
// anything that normalises to MaxNameLen characters without long runs of
// whitespace.
const maxNameBytes = 4096

// maxNameMarks is the most combining marks (accents, vowel points) a name may
// stack in a row; more is "Zalgo" text, not a name.
const maxNameMarks = 10

// Name validates a person's name (given name, family name, alias) and returns
// it normalised: trimmed, with every run of whitespace (including tabs and
// line breaks) replaced by one space, in Unicode Normalization Form C. field
// names the input in errors ("given_name", "family_name", …).
//
// Names are not over-validated: apostrophes (' and ’), hyphens, diacritics,
// any script (محمد, 张伟) and single letters are accepted, as are characters
// such as digits and punctuation alongside at least one letter. A name is
// refused when it is not valid UTF-8, is longer than MaxNameLen characters,
// has no letter at all ("123", "!!!"), stacks more than ten combining marks
// on one letter, or contains a character that is invisible or changes how the
// text around it is displayed, which could make one name look like another:
// control characters including NUL, bidirectional controls such as U+202E,
// zero-width characters such as U+200B and U+FEFF, other format and
// default-ignorable characters, private-use characters, and U+FFFD, the mark
// of text damaged in transit.
//
// An empty or all-whitespace name gives "" and no error, so that the caller
// decides whether the field is required.
func Name(field, s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", hub.Invalid(field, "contains bytes that are not valid UTF-8 text (it may have been copied from a document saved in another encoding)")
	}
	if len(s) > maxNameBytes {
		return "", hub.Invalid(field, "must be at most %d characters long", MaxNameLen)
	}
	// Collapse whitespace first: normalisation never creates or removes it.
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	out := norm.NFC.String(b.String())
	if out == "" {
		return "", nil
	}

	// Check the normalised text, which is what will be stored.
	n, marks, letter := 0, 0, false
	for _, r := range out {
		n++
		if why := forbiddenInName(r); why != "" {
			return "", hub.Invalid(field, "%s", why)
		}
		if unicode.In(r, unicode.Mn, unicode.Me) {
			// Normalisation inserts U+034F after 30 marks in a row
			// (UAX #15 stream-safe text), so refuse long runs first.
			if marks++; marks > maxNameMarks {
				return "", hub.Invalid(field, "has more than %d accents or other marks on one letter", maxNameMarks)
			}
			continue
		}
		marks = 0
		letter = letter || unicode.IsLetter(r)
	}
	if n > MaxNameLen {
		return "", hub.Invalid(field, "must be at most %d characters long, not %d", MaxNameLen, n)
	}
	if !letter {
		return "", hub.Invalid(field, "must contain at least one letter")
	}
	return out, nil
}

// forbiddenInName says why r may not appear in a name, or returns "" if it
// may.
func forbiddenInName(r rune) string {
	if ' ' < r && r < 0x7F {
		return "" // printable ASCII, the common case
	}
	switch {
	case r == 0:
		return "contains a NUL character (U+0000)"
	case unicode.IsControl(r):
		return "contains the control character " + codePoint(r)
	case r == 0x061C, r == 0x200E, r == 0x200F, 0x202A <= r && r <= 0x202E, 0x2066 <= r && r <= 0x2069:
		return "contains the invisible text-direction control " + codePoint(r) + ", which can disguise how a name reads"
	case r == 0x200B, r == 0x200C, r == 0x200D, r == 0x2060, r == 0xFEFF:
		return "contains the invisible zero-width character " + codePoint(r) + ", which can make one name look like another"
	case unicode.Is(unicode.Cf, r), unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r):
		return "contains the invisible character " + codePoint(r) + ", which can make one name look like another"
	case r == utf8.RuneError:
		return "contains the replacement character U+FFFD (�), a sign that the text was damaged when it was copied"
	case unicode.Is(unicode.Co, r):
		return "contains the private-use character " + codePoint(r) + ", which has no agreed meaning"
	case r&0xFFFE == 0xFFFE, 0xFDD0 <= r && r <= 0xFDEF:
		return "contains the noncharacter " + codePoint(r)
	}
	return ""
}

// codePoint formats r as U+XXXX.
func codePoint(r rune) string { return fmt.Sprintf("U+%04X", r) }

// NameKey returns the search key for a name, used for indexed and prefix
// search: the name after compatibility decomposition (NFKD) and case folding
// (see foldRune), keeping only letters and digits, so that combining marks,
// apostrophes, hyphens and spaces are dropped. So "O'Brien" and "O’Brien"
// give "obrien", "Zoë" gives "zoe", "Smith-Jones" and "Smith Jones" give
// "smithjones", "Strauß" gives "strauss", "ΟΔΥΣΣΕΥΣ" and "Οδυσσεύς" both give
// "οδυσσευσ", and other scripts keep their letters ("محمد"). Latin letters
// that Unicode does not decompose are mapped to their plain forms as people
// type them on an English keyboard: ł→l (so "Łukasz" gives "lukasz"), ø→o,
// đ and ð→d, ħ→h, ı→i, ŧ→t, æ→ae, œ→oe, þ→th, ß→ss.
//
// NameKey accepts any string; bytes that are not valid UTF-8 are dropped.
// NameKey(NameKey(s)) == NameKey(s).
func NameKey(s string) string {
	s = norm.NFKD.String(s)
	s = strings.Map(foldRune, s)
	s = norm.NFKD.String(s) // in case a folded letter decomposes
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if r == utf8.RuneError && size <= 1 {
			continue
		}
		switch {
		case plainLatin[r] != "":
			b.WriteString(plainLatin[r])
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// foldRune maps r to a case-insensitive form: the lower case of its upper
// case, so that final sigma ς and σ both give σ, and ſ gives s. Unlike
// golang.org/x/text/cases.Fold this is stable for every script: Fold maps
// lower-case Cherokee to upper case and back again.
func foldRune(r rune) rune {
	return unicode.ToLower(unicode.ToUpper(r))
}

// plainLatin maps case-folded Latin letters that have no Unicode
// decomposition to the ASCII letters people type for them.
var plainLatin = map[rune]string{
	'ł': "l", 'ø': "o", 'đ': "d", 'ð': "d", 'ħ': "h", 'ı': "i", 'ŧ': "t",
	'æ': "ae", 'œ': "oe", 'þ': "th", 'ß': "ss",
}
