// Package deadline does the date arithmetic of statutory and local
// timescales: clock hours (a return home interview is due 72 hours after
// the child returns) and English working days, which skip weekends and the
// England and Wales bank holidays (a referral decision is due within one
// working day; an NRM reasonable-grounds decision within about five).
//
// Bank holidays are data: an embedded table for 2018–2035 that a deployment
// can replace. All arithmetic is done on Europe/London calendar days, since
// that is the day staff mean; instants stay UTC. The package is pure.
package deadline

import (
	"bufio"
	_ "embed"
	"fmt"
	"io"
	"strings"
	"time"
	_ "time/tzdata" // Europe/London must load on machines without zoneinfo

	"github.com/safehub/safehub/internal/hub"
)

//go:embed bank-holidays-england-wales.tsv
var englandWales string

// London is the zone working days are counted in.
var London = mustLocation("Europe/London")

func mustLocation(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// Calendar knows which days are working days.
type Calendar struct {
	holidays map[hub.Date]string
	first    int // first and last year covered by the table
	last     int
}

// EnglandWales returns the calendar of the embedded England and Wales bank
// holidays.
func EnglandWales() *Calendar {
	c, err := Parse(strings.NewReader(englandWales))
	if err != nil {
		panic("embedded bank holidays: " + err.Error())
	}
	return c
}

// Parse reads a bank-holiday table: one holiday per line, "YYYY-MM-DD",
// a tab, and its name; blank lines and lines starting with '#' are ignored.
// Errors name the line.
func Parse(r io.Reader) (*Calendar, error) {
	c := &Calendar{holidays: map[hub.Date]string{}}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		date, name, _ := strings.Cut(line, "\t")
		d, err := hub.ParseDate("date", strings.TrimSpace(date))
		if err != nil {
			return nil, fmt.Errorf("bank holidays line %d: %w", n, err)
		}
		if _, dup := c.holidays[d]; dup {
			return nil, fmt.Errorf("bank holidays line %d: %s is listed twice", n, d)
		}
		c.holidays[d] = strings.TrimSpace(name)
		if c.first == 0 || d.Year < c.first {
			c.first = d.Year
		}
		if d.Year > c.last {
			c.last = d.Year
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("bank holidays: %w", err)
	}
	return c, nil
}

// Covers reports whether the table lists the bank holidays of year y.
// Outside it, only weekends are skipped.
func (c *Calendar) Covers(y int) bool { return y >= c.first && y <= c.last }

// Holiday returns the name of the bank holiday on d, if it is one.
func (c *Calendar) Holiday(d hub.Date) (string, bool) {
	n, ok := c.holidays[d]
	return n, ok
}

// IsWorkingDay reports whether d is a weekday that is not a bank holiday.
func (c *Calendar) IsWorkingDay(d hub.Date) bool {
	switch d.Time().Weekday() {
	case time.Saturday, time.Sunday:
		return false
	}
	_, hol := c.holidays[d]
	return !hol
}

// StartOfWorkingDay is when a working day starts, for things that arrive
// out of hours on a non-working day.
const StartOfWorkingDay = 9 * time.Hour

// AddWorkingDays returns the deadline n working days after t: the same
// London time of day on the nth working day after t's day. Something that
// arrives on a weekend or bank holiday counts as arriving at the start of
// the next working day (9:00), so a referral made on Saturday at 23:00 with
// one working day to decide is due on Tuesday at 9:00 (Monday being the
// first working day, its whole span counts). n must be at least 0; 0
// gives t itself, moved to the next working day's start if needed.
func (c *Calendar) AddWorkingDays(t time.Time, n int) time.Time {
	lt := t.In(London)
	d := hub.DateOf(lt)
	clock := time.Duration(lt.Hour())*time.Hour + time.Duration(lt.Minute())*time.Minute + time.Duration(lt.Second())*time.Second + time.Duration(lt.Nanosecond())
	if !c.IsWorkingDay(d) {
		for !c.IsWorkingDay(d) {
			d = nextDay(d)
		}
		clock = StartOfWorkingDay
	}
	for i := 0; i < n; {
		d = nextDay(d)
		if c.IsWorkingDay(d) {
			i++
		}
	}
	return at(d, clock).UTC()
}

// WorkingDaysBetween counts the working days after from's day up to and
// including to's day (0 when to is on or before from's day): how many
// working days a decision took, or has been waiting.
func (c *Calendar) WorkingDaysBetween(from, to time.Time) int {
	d, end := hub.DateOf(from.In(London)), hub.DateOf(to.In(London))
	n := 0
	for d.Before(end) {
		d = nextDay(d)
		if c.IsWorkingDay(d) {
			n++
		}
	}
	return n
}

// AddHours returns t plus h elapsed hours. Clock changes do not move it: 72
// hours after 01:00 on the Saturday before the clocks go forward is 02:00
// on the Tuesday, London time.
func AddHours(t time.Time, h int) time.Time { return t.Add(time.Duration(h) * time.Hour).UTC() }

// AddCalendarMonths returns the same London time n calendar months after t,
// clamped to the month's last day (a subject access request received on
// 31 January is due on 28 or 29 February).
func AddCalendarMonths(t time.Time, n int) time.Time {
	lt := t.In(London)
	y, m, d := lt.Date()
	target := time.Date(y, m+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	last := time.Date(target.Year(), target.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
	if d > last {
		d = last
	}
	return time.Date(target.Year(), target.Month(), d, lt.Hour(), lt.Minute(), lt.Second(), lt.Nanosecond(), London).UTC()
}

func nextDay(d hub.Date) hub.Date { return hub.DateOf(d.Time().AddDate(0, 0, 1)) }

// at is London wall-clock time clock (a duration since midnight) on date
// d. time.Date normalises a time that falls in the hour the clocks skip.
func at(d hub.Date, clock time.Duration) time.Time {
	h, m := int(clock/time.Hour), int(clock%time.Hour/time.Minute)
	sec, ns := int(clock%time.Minute/time.Second), int(clock%time.Second)
	return time.Date(d.Year, d.Month, d.Day, h, m, sec, ns, London)
}
