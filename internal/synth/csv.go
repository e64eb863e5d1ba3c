package synth

import "strconv"

// row appends one CSV record (RFC 4180, LF line ends) to a byte slice.
// Fields are quoted only when they hold a comma, a quote or a line break.
type row struct {
	b     []byte
	start bool
}

func (w *row) sep() {
	if w.start {
		w.start = false
		return
	}
	w.b = append(w.b, ',')
}

// str appends a text field.
func (w *row) str(s string) *row {
	w.sep()
	quote := false
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == ',' || c == '"' || c == '\n' || c == '\r' {
			quote = true
			break
		}
	}
	if !quote {
		w.b = append(w.b, s...)
		return w
	}
	w.b = append(w.b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			w.b = append(w.b, '"')
		}
		w.b = append(w.b, s[i])
	}
	w.b = append(w.b, '"')
	return w
}

// int appends an integer field.
func (w *row) int(v int64) *row {
	w.sep()
	w.b = strconv.AppendInt(w.b, v, 10)
	return w
}

// bool appends true or false.
func (w *row) bool(v bool) *row {
	w.sep()
	if v {
		w.b = append(w.b, "true"...)
	} else {
		w.b = append(w.b, "false"...)
	}
	return w
}

// coord appends a latitude or longitude with five decimals (about 1 m).
func (w *row) coord(v float64) *row {
	w.sep()
	w.b = strconv.AppendFloat(w.b, v, 'f', 5, 64)
	return w
}

// date appends a day number as YYYY-MM-DD, or an empty field for a negative
// sentinel (noDay).
func (w *row) date(day int64) *row {
	w.sep()
	if day != noDay {
		w.b = appendDate(w.b, day)
	}
	return w
}

// time appends a Unix time as RFC 3339 UTC, or an empty field for noTime.
func (w *row) time(t int64) *row {
	w.sep()
	if t != noTime {
		w.b = appendTime(w.b, t)
	}
	return w
}

// end finishes the record.
func (w *row) end() {
	w.b = append(w.b, '\n')
	w.start = true
}

// Sentinels for absent dates and times.
const (
	noDay  int64 = -1 << 40
	noTime int64 = -1 << 62
)
