package ident_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/ident"
)

// checkInvalid fails t unless err is a validation error about field with a
// message saying why.
func checkInvalid(t testing.TB, err error, field string) {
	t.Helper()
	if err == nil {
		t.Errorf("got no error, want an invalid %s error", field)
		return
	}
	if !errors.Is(err, hub.ErrInvalid) {
		t.Errorf("error %v is not hub.ErrInvalid", err)
	}
	var e *hub.Error
	if !errors.As(err, &e) {
		t.Errorf("error %v is %T, want *hub.Error", err, err)
		return
	}
	if got := hub.ErrorField(err); got != field {
		t.Errorf("error field = %q, want %q (error %v)", got, field, err)
	}
	if e.Message == "" {
		t.Errorf("error %v has no message saying why", err)
	}
}

// parseCase is a row of a table test for a parser from string to string.
type parseCase struct {
	name    string
	in      string
	want    string // canonical output when valid
	invalid bool
}

// runParseCases runs the rows of a table against parse, whose errors must
// name field.
func runParseCases(t *testing.T, fn string, parse func(string) (string, error), field string, cases []parseCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parse(tc.in)
			if tc.invalid {
				if err == nil {
					t.Fatalf("%s(%q) = %q, want an error", fn, tc.in, got)
				}
				if got != "" {
					t.Errorf("%s(%q) returned %q with its error, want \"\"", fn, tc.in, got)
				}
				checkInvalid(t, err, field)
				return
			}
			if err != nil {
				t.Fatalf("%s(%q) error: %v", fn, tc.in, err)
			}
			if got != tc.want {
				t.Errorf("%s(%q) = %q, want %q", fn, tc.in, got, tc.want)
			}
			// The canonical form parses to itself.
			if again, err := parse(got); err != nil || again != got {
				t.Errorf("%s(%q) = %q, %v; want it unchanged", fn, got, again, err)
			}
		})
	}
}

// addSeeds adds the inputs of a table to a fuzz corpus.
func addSeeds(f *testing.F, cases []parseCase) {
	for _, tc := range cases {
		f.Add(tc.in)
	}
}

var localIDCases = []parseCase{
	{name: "upper-cased", in: "abc-123/4", want: "ABC-123/4"},
	{name: "digits", in: "1234567", want: "1234567"},
	{name: "trimmed", in: "  LL/0042 \t", want: "LL/0042"},
	{name: "20 characters", in: "12345678901234567890", want: "12345678901234567890"},
	{name: "one character", in: "x", want: "X"},
	{name: "21 characters", in: "123456789012345678901", invalid: true},
	{name: "empty", in: "", invalid: true},
	{name: "blank", in: "   ", invalid: true},
	{name: "inner space", in: "AB 12", invalid: true},
	{name: "underscore", in: "A_B", invalid: true},
	{name: "diacritic", in: "ÄB12", invalid: true},
	{name: "NUL", in: "AB\x0012", invalid: true},
	{name: "SQL", in: "1;DROP TABLE", invalid: true},
}

func TestLocalID(t *testing.T) {
	runParseCases(t, "LocalID", ident.LocalID, "local_id", localIDCases)
}

func FuzzLocalID(f *testing.F) {
	addSeeds(f, localIDCases)
	f.Fuzz(func(t *testing.T, in string) {
		got, err := ident.LocalID(in)
		if err != nil {
			checkInvalid(t, err, "local_id")
			return
		}
		if len(got) < 1 || len(got) > 20 || strings.Trim(got, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-/") != "" {
			t.Errorf("LocalID(%q) = %q, not 1 to 20 of A-Z 0-9 - /", in, got)
		}
		if again, err := ident.LocalID(got); err != nil || again != got {
			t.Errorf("LocalID(%q) = %q, %v; want it unchanged", got, again, err)
		}
	})
}

var dobToday = hub.Date{Year: 2025, Month: 6, Day: 15}

var dobCases = []struct {
	name    string
	in      string
	want    hub.Date
	invalid bool
}{
	{name: "child", in: "2011-03-02", want: hub.Date{Year: 2011, Month: 3, Day: 2}},
	{name: "born today", in: "2025-06-15", want: dobToday},
	{name: "1 January 1900", in: "1900-01-01", want: hub.Date{Year: 1900, Month: 1, Day: 1}},
	{name: "leap day", in: "2024-02-29", want: hub.Date{Year: 2024, Month: 2, Day: 29}},
	{name: "surrounding space", in: " 2011-03-02\n", want: hub.Date{Year: 2011, Month: 3, Day: 2}},
	{name: "tomorrow", in: "2025-06-16", invalid: true},
	{name: "far future", in: "9999-12-31", invalid: true},
	{name: "before 1900", in: "1899-12-31", invalid: true},
	{name: "year 1", in: "0001-01-01", invalid: true},
	{name: "not a leap year", in: "2023-02-29", invalid: true},
	{name: "31 April", in: "2024-04-31", invalid: true},
	{name: "UK order", in: "31/04/2024", invalid: true},
	{name: "US order", in: "04/05/2024", invalid: true},
	{name: "two-digit year", in: "11-03-02", invalid: true},
	{name: "zeros", in: "0000-00-00", invalid: true},
	{name: "with time zone", in: "2011-03-02T00:00:00Z", invalid: true},
	{name: "with offset", in: "2011-03-02+01:00", invalid: true},
	{name: "DST gap local time", in: "2025-03-30T01:30 Europe/London", invalid: true},
	{name: "unpadded", in: "2011-3-2", invalid: true},
	{name: "empty", in: "", invalid: true},
	{name: "full-width digits", in: "２０１１-０３-０２", invalid: true},
}

func TestDateOfBirth(t *testing.T) {
	for _, tc := range dobCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ident.DateOfBirth(tc.in, dobToday)
			if tc.invalid {
				if err == nil {
					t.Fatalf("DateOfBirth(%q, %v) = %v, want an error", tc.in, dobToday, got)
				}
				if !got.IsZero() {
					t.Errorf("DateOfBirth(%q, %v) returned %v with its error, want the zero Date", tc.in, dobToday, got)
				}
				checkInvalid(t, err, "date_of_birth")
				return
			}
			if err != nil {
				t.Fatalf("DateOfBirth(%q, %v) error: %v", tc.in, dobToday, err)
			}
			if got != tc.want {
				t.Errorf("DateOfBirth(%q, %v) = %v, want %v", tc.in, dobToday, got, tc.want)
			}
		})
	}
}

func TestDateOfBirthReasons(t *testing.T) {
	// The message says which limit was broken.
	for _, tc := range []struct{ in, reason string }{
		{"2025-06-16", "is in the future"},
		{"1899-12-31", "is before 1900"},
	} {
		_, err := ident.DateOfBirth(tc.in, dobToday)
		if got := hub.ErrorMessage(err); got != tc.reason {
			t.Errorf("DateOfBirth(%q, %v) message = %q, want %q", tc.in, dobToday, got, tc.reason)
		}
	}
	// Without a today every date is refused rather than none.
	if got, err := ident.DateOfBirth("2011-03-02", hub.Date{}); err == nil {
		t.Errorf("DateOfBirth(%q, zero Date) = %v, want an error", "2011-03-02", got)
	}
}

func FuzzDateOfBirth(f *testing.F) {
	for _, tc := range dobCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		// hub.ParseDate is the parser underneath: it either refuses or
		// returns a real date that prints back to a date it parses again.
		d, err := hub.ParseDate("date_of_birth", in)
		if err != nil {
			checkInvalid(t, err, "date_of_birth")
		} else {
			if d.Time().Year() != d.Year || d.Time().Month() != d.Month || d.Time().Day() != d.Day {
				t.Errorf("hub.ParseDate(%q) = %v, not a real date", in, d)
			}
			if again, err := hub.ParseDate("date_of_birth", d.String()); err != nil || again != d {
				t.Errorf("hub.ParseDate(%q) = %v, %v; want %v", d.String(), again, err, d)
			}
		}

		got, err := ident.DateOfBirth(in, dobToday)
		if err != nil {
			checkInvalid(t, err, "date_of_birth")
			return
		}
		if got.After(dobToday) || got.Year < 1900 {
			t.Errorf("DateOfBirth(%q, %v) = %v, outside 1900 to today", in, dobToday, got)
		}
		if again, err := ident.DateOfBirth(got.String(), dobToday); err != nil || again != got {
			t.Errorf("DateOfBirth(%q, %v) = %v, %v; want %v", got.String(), dobToday, again, err, got)
		}
	})
}
