package synth

import "strconv"

// Times are held as Unix seconds (UTC) and dates as days since 1970-01-01:
// plain integers that are quick to compare, add and format.

const (
	minute = 60
	hour   = 60 * minute
	dayS   = 24 * hour
)

// civil returns the calendar date of a day number (days since 1970-01-01),
// by Howard Hinnant's days-to-civil algorithm.
func civil(days int64) (y, m, d int) {
	z := days + 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era = (z - 146096) / 146097
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	yy := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int(doy - (153*mp+2)/5 + 1)
	if mp < 10 {
		m = int(mp + 3)
	} else {
		m = int(mp - 9)
	}
	if m <= 2 {
		yy++
	}
	return int(yy), m, d
}

// dayNumber is the inverse of civil.
func dayNumber(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era = (y - 399) / 400
	}
	yoe := int64(y - era*400)
	mm := int64(m)
	if mm > 2 {
		mm -= 3
	} else {
		mm += 9
	}
	doy := (153*mm+2)/5 + int64(d) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + doe - 719468
}

// dayOf returns the day number of a Unix time.
func dayOf(t int64) int64 {
	if t < 0 {
		return (t - dayS + 1) / dayS
	}
	return t / dayS
}

// ageOn returns the age in whole years on day of someone born on dob.
func ageOn(dob, day int64) int {
	by, bm, bd := civil(dob)
	y, m, d := civil(day)
	age := y - by
	if m < bm || m == bm && d < bd {
		age--
	}
	return age
}

// birthday returns the day number of the n-th birthday of someone born on
// dob (29 February birthdays fall on 1 March in common years).
func birthday(dob int64, n int) int64 {
	y, m, d := civil(dob)
	if m == 2 && d == 29 && !leap(y+n) {
		return dayNumber(y+n, 3, 1)
	}
	return dayNumber(y+n, m, d)
}

func leap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

// weekday returns 0 for Monday … 6 for Sunday.
func weekday(day int64) int {
	w := (day + 3) % 7 // 1970-01-01 was a Thursday
	if w < 0 {
		w += 7
	}
	return int(w)
}

// addWorkingDays adds n working days (Monday to Friday; bank holidays are
// not modelled) to a day number.
func addWorkingDays(day int64, n int) int64 {
	for n > 0 {
		day++
		if weekday(day) < 5 {
			n--
		}
	}
	return day
}

// appendDate appends a day number as YYYY-MM-DD.
func appendDate(b []byte, day int64) []byte {
	y, m, d := civil(day)
	b = append4(b, y)
	b = append(b, '-')
	b = append2(b, m)
	b = append(b, '-')
	return append2(b, d)
}

// appendTime appends a Unix time as RFC 3339 in UTC, 2025-03-04T21:13:00Z.
func appendTime(b []byte, t int64) []byte {
	day := dayOf(t)
	b = appendDate(b, day)
	s := int(t - day*dayS)
	b = append(b, 'T')
	b = append2(b, s/hour)
	b = append(b, ':')
	b = append2(b, s/minute%60)
	b = append(b, ':')
	b = append2(b, s%60)
	return append(b, 'Z')
}

func append2(b []byte, v int) []byte { return append(b, byte('0'+v/10%10), byte('0'+v%10)) }

func append4(b []byte, v int) []byte {
	if v < 0 || v > 9999 {
		return strconv.AppendInt(b, int64(v), 10)
	}
	return append(b, byte('0'+v/1000), byte('0'+v/100%10), byte('0'+v/10%10), byte('0'+v%10))
}

func dateString(day int64) string { return string(appendDate(nil, day)) }

func timeString(t int64) string { return string(appendTime(nil, t)) }
