package hub

import (
	"fmt"
	"time"
)

// Date is a calendar date without a time of day or zone, such as a date of
// birth. The zero Date means "not known".
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate parses an ISO 8601 calendar date, YYYY-MM-DD, and refuses
// impossible dates such as 2023-02-29 or 2024-04-31. field names the input in
// the error.
func ParseDate(field, s string) (Date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return Date{}, Invalid(field, "must be a date written YYYY-MM-DD")
	}
	var n [3]int
	for i, part := range [3]string{s[0:4], s[5:7], s[8:10]} {
		for j := 0; j < len(part); j++ {
			c := part[j]
			if c < '0' || c > '9' {
				return Date{}, Invalid(field, "must be a date written YYYY-MM-DD")
			}
			n[i] = n[i]*10 + int(c-'0')
		}
	}
	d := Date{Year: n[0], Month: time.Month(n[1]), Day: n[2]}
	if n[0] < 1 || n[1] < 1 || n[1] > 12 || n[2] < 1 || n[2] > daysIn(d.Month, d.Year) {
		return Date{}, Invalid(field, "%s is not a real date", s)
	}
	return d, nil
}

// DateOf returns the calendar date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

func daysIn(m time.Month, year int) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// IsZero reports whether the date is unknown.
func (d Date) IsZero() bool { return d == Date{} }

// String formats the date as YYYY-MM-DD, or "" when unknown.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// Display formats the date the way UK staff read it, "2 March 2011".
func (d Date) Display() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%d %s %d", d.Day, d.Month, d.Year)
}

// Time returns midnight UTC at the start of the date.
func (d Date) Time() time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
}

// Before reports whether d is earlier than e.
func (d Date) Before(e Date) bool { return d.Time().Before(e.Time()) }

// After reports whether d is later than e.
func (d Date) After(e Date) bool { return d.Time().After(e.Time()) }

// AgeOn returns the age in whole years of someone born on d, on the date on.
func (d Date) AgeOn(on Date) int {
	age := on.Year - d.Year
	if on.Month < d.Month || on.Month == d.Month && on.Day < d.Day {
		age--
	}
	return age
}

// MarshalText implements encoding.TextMarshaler.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler. An empty string is the
// zero Date.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseDate("date", string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}
