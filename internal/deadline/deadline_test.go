package deadline

import (
	"strings"
	"testing"
	"time"

	"github.com/safehub/safehub/internal/hub"
)

func london(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, London)
	if err != nil {
		panic(err)
	}
	return t
}

func TestEmbeddedHolidays(t *testing.T) {
	c := EnglandWales()
	for _, tc := range []struct {
		d    string
		want bool
	}{
		{"2026-12-25", true}, {"2026-12-28", true}, {"2026-12-26", false}, // Boxing Day on a Saturday: substitute Monday
		{"2027-12-27", true}, {"2027-12-28", true}, // both on the weekend
		{"2028-01-03", true},                       // New Year's Day on a Saturday
		{"2026-04-03", true}, {"2026-04-06", true}, // Easter 2026
		{"2022-09-19", true}, {"2023-05-08", true}, {"2020-05-08", true}, {"2020-05-04", false},
		{"2026-11-27", false},
	} {
		d, _ := hub.ParseDate("d", tc.d)
		if _, got := c.Holiday(d); got != tc.want {
			t.Errorf("Holiday(%s) = %v, want %v", tc.d, got, tc.want)
		}
	}
	for y := 2018; y <= 2035; y++ {
		if !c.Covers(y) {
			t.Errorf("the table does not cover %d", y)
		}
		n := 0
		for d := (hub.Date{Year: y, Month: 1, Day: 1}); d.Year == y; d = nextDay(d) {
			if _, ok := c.Holiday(d); ok {
				n++
				if !c.IsWorkingDay(d) && d.Time().Weekday() != time.Saturday && d.Time().Weekday() != time.Sunday {
					continue
				}
				t.Errorf("%s is listed as a holiday but counts as a working day", d)
			}
		}
		if n < 8 || n > 10 {
			t.Errorf("%d has %d bank holidays, want 8 (9 or 10 in special years)", y, n)
		}
	}
}

func TestAddWorkingDays(t *testing.T) {
	c := EnglandWales()
	for _, tc := range []struct {
		from string
		n    int
		want string
	}{
		{"2026-11-26 10:30", 1, "2026-11-27 10:30"}, // Thursday → Friday
		{"2026-11-27 16:00", 1, "2026-11-30 16:00"}, // Friday → Monday
		{"2026-11-28 23:00", 1, "2026-12-01 09:00"}, // Saturday: counts from Monday 9:00
		{"2026-12-24 12:00", 1, "2026-12-29 12:00"}, // Christmas Day and the Boxing Day substitute skipped
		{"2026-04-02 09:00", 1, "2026-04-07 09:00"}, // Good Friday and Easter Monday
		{"2026-04-02 09:00", 5, "2026-04-13 09:00"}, // NRM reasonable grounds over Easter
		{"2026-11-27 16:00", 0, "2026-11-27 16:00"},
		{"2026-11-29 16:00", 0, "2026-11-30 09:00"},
		{"2026-03-27 10:00", 1, "2026-03-30 10:00"}, // across the clocks going forward: still 10:00 local
	} {
		got := c.AddWorkingDays(london(tc.from), tc.n)
		if want := london(tc.want); !got.Equal(want) {
			t.Errorf("AddWorkingDays(%s, %d) = %s, want %s", tc.from, tc.n, got.In(London).Format("2006-01-02 15:04 Mon"), tc.want)
		}
	}
}

func TestWorkingDaysBetween(t *testing.T) {
	c := EnglandWales()
	if got := c.WorkingDaysBetween(london("2026-12-24 12:00"), london("2026-12-31 12:00")); got != 3 {
		t.Errorf("working days 24 to 31 December 2026 = %d, want 3 (29, 30, 31)", got)
	}
	if got := c.WorkingDaysBetween(london("2026-11-30 12:00"), london("2026-11-30 18:00")); got != 0 {
		t.Errorf("same day = %d, want 0", got)
	}
}

// TestHoursAcrossClockChanges: the 72-hour return home interview deadline
// is 72 elapsed hours, so its London clock time moves by an hour when the
// clocks change in between.
func TestHoursAcrossClockChanges(t *testing.T) {
	for _, tc := range []struct{ from, want string }{
		{"2026-03-28 01:00", "2026-03-31 02:00"}, // clocks go forward on 29 March
		{"2026-10-24 12:00", "2026-10-27 11:00"}, // clocks go back on 25 October
		{"2026-11-27 12:00", "2026-11-30 12:00"},
	} {
		got := AddHours(london(tc.from), 72)
		if want := london(tc.want); !got.Equal(want) {
			t.Errorf("AddHours(%s, 72) = %s, want %s", tc.from, got.In(London).Format("2006-01-02 15:04"), tc.want)
		}
	}
}

func TestAddCalendarMonths(t *testing.T) {
	for _, tc := range []struct {
		from string
		n    int
		want string
	}{
		{"2026-01-31 10:00", 1, "2026-02-28 10:00"},
		{"2028-01-31 10:00", 1, "2028-02-29 10:00"},
		{"2026-11-27 10:00", 3, "2027-02-27 10:00"},
	} {
		if got, want := AddCalendarMonths(london(tc.from), tc.n), london(tc.want); !got.Equal(want) {
			t.Errorf("AddCalendarMonths(%s, %d) = %s, want %s", tc.from, tc.n, got.In(London), tc.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, in := range []string{"2026-02-30\tNope", "2026-01-01\tA\n2026-01-01\tB", "not a date"} {
		if _, err := Parse(strings.NewReader(in)); err == nil {
			t.Errorf("Parse(%q) accepted", in)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(englandWales)
	f.Add("2026-01-01\tNew Year\n# comment\n\n")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Parse(strings.NewReader(s))
		if err != nil {
			return
		}
		// Every listed holiday is not a working day.
		for d := range c.holidays {
			if c.IsWorkingDay(d) {
				t.Fatalf("holiday %s counts as a working day", d)
			}
		}
	})
}

// FuzzAddWorkingDays: the result is a working day, never before t, and
// exactly n working days after t's (working) day.
func FuzzAddWorkingDays(f *testing.F) {
	f.Add(int64(1795776000), 1)
	f.Add(int64(1798243200), 5)
	c := EnglandWales()
	f.Fuzz(func(t *testing.T, unix int64, n int) {
		if n < 0 || n > 400 || unix < 1514764800 || unix > 2051222400 { // 2018..2034
			return
		}
		from := time.Unix(unix, 0)
		got := c.AddWorkingDays(from, n)
		if got.Before(from) {
			t.Fatalf("AddWorkingDays(%s, %d) = %s, before the start", from, n, got)
		}
		if !c.IsWorkingDay(hub.DateOf(got.In(London))) {
			t.Fatalf("AddWorkingDays(%s, %d) = %s, not a working day", from, n, got)
		}
		start := from
		if !c.IsWorkingDay(hub.DateOf(from.In(London))) {
			start = c.AddWorkingDays(from, 0)
		}
		if w := c.WorkingDaysBetween(start, got); w != n {
			t.Fatalf("AddWorkingDays(%s, %d) = %s, %d working days later", from, n, got, w)
		}
	})
}
