package app

import (
	"mime"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/safehub/safehub/internal/hub"
)

// Fuzz tests of casework part B's parsers: attachment content sniffing,
// file-name cleaning, Content-Disposition, London date-times and the
// chronology filter.

func FuzzDetectAttachmentType(f *testing.F) {
	for _, s := range []string{"%PDF-1.7\n", "%PDF-<html>", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "\xff\xd8\xff\xe0", "PK\x03\x04", "MZ", "<svg/>", ""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ct, err := DetectAttachmentType(b)
		if err != nil {
			if ct != "" || hub.ErrorCode(err) != hub.EUnsupported || hub.ErrorField(err) != "file" {
				t.Fatalf("DetectAttachmentType = %q, %v: a refusal must be unsupported, for the file", ct, err)
			}
			return
		}
		if _, ok := attachmentExts[ct]; !ok {
			t.Fatalf("DetectAttachmentType = %q, not an accepted type", ct)
		}
	})
}

func FuzzSanitizeAttachmentName(f *testing.F) {
	for _, s := range []string{"../../etc/passwd", `..\..\boot.ini`, "/abs/path", "%2e%2e%2f", "file\x00.pdf", "CON", "a\uff0fb.pdf", "x.\u202epdf", strings.Repeat("é", 300) + ".pdf", "...", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := SanitizeAttachmentName(s)
		if got == "" || !utf8.ValidString(got) {
			t.Fatalf("SanitizeAttachmentName(%q) = %q: empty or not UTF-8", s, got)
		}
		if n := utf8.RuneCountInString(got); n > maxNameRunes+len("attachment") {
			t.Fatalf("SanitizeAttachmentName(%q) = %q: %d runes", s, got, n)
		}
		if strings.ContainsAny(got, "/\\:\x00\uff0f\uff3c") {
			t.Fatalf("SanitizeAttachmentName(%q) = %q: holds a separator", s, got)
		}
		for _, r := range got {
			if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
				t.Fatalf("SanitizeAttachmentName(%q) = %q: holds %U", s, got, r)
			}
		}
		if got == "." || got == ".." || strings.HasPrefix(got, ".") && strings.Trim(got, ".") == "" {
			t.Fatalf("SanitizeAttachmentName(%q) = %q", s, got)
		}
		if again := SanitizeAttachmentName(got); again != got {
			t.Fatalf("SanitizeAttachmentName is not stable: %q → %q → %q", s, got, again)
		}
	})
}

func FuzzAttachmentDisposition(f *testing.F) {
	for _, s := range []string{"letter.pdf", "Zoë's report.pdf", `a"b\c;d%e.pdf`, "日本語.docx", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		name := SanitizeAttachmentName(s)
		cd := AttachmentDisposition(name)
		if strings.ContainsAny(cd, "\r\n") {
			t.Fatalf("AttachmentDisposition(%q) holds a line break: %q", name, cd)
		}
		disp, params, err := mime.ParseMediaType(cd)
		if err != nil || disp != "attachment" {
			t.Fatalf("AttachmentDisposition(%q) = %q: does not parse as an attachment: %v", name, cd, err)
		}
		if params["filename"] != name {
			t.Fatalf("AttachmentDisposition(%q) = %q: reads back as %q", name, cd, params["filename"])
		}
	})
}

func FuzzLondonInstant(f *testing.F) {
	for _, s := range [][2]string{{"2026-03-29", "01:30"}, {"2026-10-25", "01:30"}, {"2026-02-29", "10:00"}, {"2026-01-01", ""}, {"2026-01-01", "7:5"}, {"x", "y"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, date, clock string) {
		at, err := londonInstant("date", date, "time", clock)
		if err != nil {
			if f := hub.ErrorField(err); f != "date" && f != "time" {
				t.Fatalf("londonInstant(%q, %q) = %v: the error names no field", date, clock, err)
			}
			return
		}
		if at.Location().String() != "UTC" {
			t.Fatalf("londonInstant(%q, %q) = %v, not UTC", date, clock, at)
		}
		// A time in the spring gap moves forward an hour, never off the day.
		if got := at.In(London).Format("2006-01-02"); got != strings.TrimSpace(date) {
			t.Fatalf("londonInstant(%q, %q) = %v: another day", date, clock, at.In(London))
		}
	})
}

func FuzzChronologyFilter(f *testing.F) {
	f.Add("meeting", "2026-01-01", "2026-12-31")
	f.Add("<script>", "", "")
	f.Add("note", "2026-02-30", "")
	f.Fuzz(func(t *testing.T, kind, from, to string) {
		kinds, a, b, err := parseChronologyFilter(ChronologyFilter{Kinds: []string{kind}, From: from, To: to})
		if err != nil {
			if hub.ErrorCode(err) != hub.EInvalid || hub.ErrorField(err) == "" {
				t.Fatalf("parseChronologyFilter = %v: must be invalid with a field", err)
			}
			return
		}
		for _, k := range kinds {
			if strings.Trim(k, "abcdefghijklmnopqrstuvwxyz_") != "" {
				t.Fatalf("kind %q accepted", k)
			}
		}
		if !a.IsZero() && !b.IsZero() && b.Before(a) {
			t.Fatalf("range %s..%s accepted", a, b)
		}
	})
}
