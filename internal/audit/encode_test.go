package audit

import (
	"bytes"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/safehub/safehub/internal/hub"
)

// testEvent returns a plausible, deterministic event for entry i.
func testEvent(i int64) *hub.AuditEvent {
	return &hub.AuditEvent{
		Index:      i,
		Time:       time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC).Add(time.Duration(i) * 1500 * time.Microsecond),
		ActorID:    fmt.Sprintf("user-%d", i%37),
		ActorName:  fmt.Sprintf("Practitioner %d", i%37),
		AgencyID:   "agency-police",
		Role:       "hub_practitioner",
		Action:     hub.ActView,
		ObjectType: "person",
		ObjectID:   fmt.Sprintf("person-%d", i%1013),
		SubjectID:  fmt.Sprintf("person-%d", i%1013),
		Purpose:    "strategy meeting",
		Outcome:    hub.OutcomeSuccess,
		RequestID:  fmt.Sprintf("req-%08d", i),
		Client:     "203.0.113.7",
		Detail:     "",
	}
}

// testSalt returns a deterministic salt for entry i.
func testSalt(i int64) []byte {
	s := make([]byte, SaltSize)
	for k := range s {
		s[k] = byte(i>>(8*(k%8))) ^ byte(k*31)
	}
	return s
}

func TestNewSalt(t *testing.T) {
	a, b := NewSalt(), NewSalt()
	if len(a) != SaltSize || len(b) != SaltSize {
		t.Fatalf("NewSalt() lengths = %d, %d, want %d", len(a), len(b), SaltSize)
	}
	if bytes.Equal(a, b) {
		t.Errorf("NewSalt() returned %x twice", a)
	}
}

func TestEncodeDeterministic(t *testing.T) {
	e, salt := testEvent(7), testSalt(7)
	a := Encode(e, salt)
	b := Encode(testEvent(7), testSalt(7))
	if !bytes.Equal(a, b) {
		t.Fatalf("Encode is not deterministic:\n%q\n%q", a, b)
	}
	e2 := *e
	e2.Index = 99
	if !bytes.Equal(Encode(&e2, salt), a) {
		t.Errorf("Encode depends on Index; it must not")
	}
}

func TestEncodeTime(t *testing.T) {
	base := time.Date(2026, 3, 1, 9, 0, 0, 123456000, time.UTC)
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Skip("no time zone data:", err)
	}
	tests := []struct {
		name string
		t    time.Time
		same bool
	}{
		{"nanoseconds are truncated", base.Add(789 * time.Nanosecond), true},
		{"location is ignored", base.In(london), true},
		{"monotonic reading is ignored", base.Round(0), true},
		{"a microsecond apart", base.Add(time.Microsecond), false},
		{"a second apart", base.Add(time.Second), false},
	}
	want := Encode(&hub.AuditEvent{Time: base}, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Encode(&hub.AuditEvent{Time: tt.t}, nil)
			if bytes.Equal(got, want) != tt.same {
				t.Errorf("Encode(%v) equal to Encode(%v) = %v, want %v", tt.t, base, !tt.same, tt.same)
			}
		})
	}
	if got := CanonicalTime(base.Add(999 * time.Nanosecond).In(london)); !got.Equal(base) || got.Location() != time.UTC {
		t.Errorf("CanonicalTime = %v, want %v", got, base)
	}
}

// TestEncodeCoversEveryField changes each field of an event in turn and
// checks the encoding changes, so a field added to hub.AuditEvent but not to
// Encode fails here.
func TestEncodeCoversEveryField(t *testing.T) {
	e := testEvent(3)
	want := Encode(e, testSalt(3))
	v := reflect.ValueOf(e).Elem()
	for i := 0; i < v.NumField(); i++ {
		name := v.Type().Field(i).Name
		if name == "Index" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			e2 := *e
			f := reflect.ValueOf(&e2).Elem().Field(i)
			switch f.Kind() {
			case reflect.String:
				f.SetString(f.String() + "x")
			default:
				if tm, ok := f.Interface().(time.Time); ok {
					f.Set(reflect.ValueOf(tm.Add(time.Millisecond)))
				} else {
					t.Fatalf("field %s of kind %s: teach Encode and this test about it", name, f.Kind())
				}
			}
			if bytes.Equal(Encode(&e2, testSalt(3)), want) {
				t.Errorf("changing %s does not change the encoding", name)
			}
		})
	}
	if bytes.Equal(Encode(e, testSalt(4)), want) {
		t.Errorf("changing the salt does not change the encoding")
	}
}

func TestEncodeUnambiguous(t *testing.T) {
	// Moving bytes from one field to the next must change the encoding.
	a := &hub.AuditEvent{ActorID: "ab", ActorName: "c"}
	b := &hub.AuditEvent{ActorID: "a", ActorName: "bc"}
	if bytes.Equal(Encode(a, nil), Encode(b, nil)) {
		t.Errorf("Encode(%+v) == Encode(%+v)", a, b)
	}
	if bytes.Equal(Encode(&hub.AuditEvent{}, []byte("x")), Encode(&hub.AuditEvent{ActorID: "x"}, nil)) {
		t.Errorf("salt and ActorID are confused")
	}
}

func TestDecode(t *testing.T) {
	e := testEvent(5)
	e.Index = 0
	e.Time = CanonicalTime(e.Time)
	enc := Encode(e, testSalt(5))
	got, salt, err := Decode(enc)
	if err != nil {
		t.Fatalf("Decode(Encode(e)) error: %v", err)
	}
	if diff := cmp.Diff(e, got); diff != "" {
		t.Errorf("Decode(Encode(e)) mismatch (-want +got):\n%s", diff)
	}
	if !bytes.Equal(salt, testSalt(5)) {
		t.Errorf("Decode salt = %x, want %x", salt, testSalt(5))
	}

	bad := map[string][]byte{
		"empty":          nil,
		"no prefix":      enc[1:],
		"truncated":      enc[:len(enc)-1],
		"trailing bytes": append(bytes.Clone(enc), 0),
	}
	// A time with an offset is valid RFC 3339 but not canonical.
	off := []byte(encodingPrefix)
	off = append(off, 0)
	ts := "2026-03-01T10:00:00+01:00"
	off = append(off, byte(len(ts)))
	off = append(off, ts...)
	for range 13 {
		off = append(off, 0)
	}
	bad["offset time"] = off
	for name, b := range bad {
		if _, _, err := Decode(b); err == nil {
			t.Errorf("Decode(%s) succeeded, want error", name)
		}
	}
}

func FuzzEncode(f *testing.F) {
	f.Add("u1", "Ann", "p1", "detail", int64(0), int64(1), []byte("salt"), "u1", "Ann", "p1", "detail", int64(0), int64(1), []byte("salt"))
	f.Add("ab", "c", "", "", int64(5), int64(0), []byte(nil), "a", "bc", "", "", int64(5), int64(0), []byte(nil))
	f.Add("x", "", "", "", int64(-62135596800), int64(999), []byte{}, "", "", "", "", int64(-62135596800), int64(0), []byte("x"))
	f.Fuzz(func(t *testing.T, a1, a2, a3, a4 string, s1, ns1 int64, salt1 []byte, b1, b2, b3, b4 string, s2, ns2 int64, salt2 []byte) {
		ev := func(actor, name, object, detail string, sec, nsec int64) *hub.AuditEvent {
			return &hub.AuditEvent{
				Time:      time.Unix(sec%(1<<37), nsec).UTC(),
				ActorID:   actor,
				ActorName: name,
				ObjectID:  object,
				Detail:    detail,
			}
		}
		e1, e2 := ev(a1, a2, a3, a4, s1, ns1), ev(b1, b2, b3, b4, s2, ns2)
		enc1, enc2 := Encode(e1, salt1), Encode(e2, salt2)
		if !bytes.Equal(enc1, Encode(e1, salt1)) {
			t.Fatalf("Encode is not deterministic")
		}
		sameEvent := CanonicalTime(e1.Time).Equal(CanonicalTime(e2.Time)) &&
			a1 == b1 && a2 == b2 && a3 == b3 && a4 == b4 && bytes.Equal(salt1, salt2)
		if sameEvent != bytes.Equal(enc1, enc2) {
			t.Fatalf("events equal = %v but encodings equal = %v:\n%q\n%q", sameEvent, !sameEvent, enc1, enc2)
		}
		// Times RFC 3339 cannot carry (years outside 0000-9999) still encode
		// uniquely, but only the others decode.
		if y := e1.Time.Year(); y < 0 || y > 9999 {
			return
		}
		got, salt, err := Decode(enc1)
		if err != nil {
			t.Fatalf("Decode(Encode(e)) error: %v", err)
		}
		if !bytes.Equal(Encode(got, salt), enc1) {
			t.Fatalf("Encode(Decode(b)) != b")
		}
	})
}

func FuzzDecode(f *testing.F) {
	f.Add(Encode(testEvent(1), testSalt(1)))
	f.Add(Encode(&hub.AuditEvent{}, nil))
	f.Add([]byte(encodingPrefix))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, salt, err := Decode(b)
		if err != nil {
			return
		}
		if !bytes.Equal(Encode(e, salt), b) {
			t.Fatalf("Encode(Decode(%q)) = %q", b, Encode(e, salt))
		}
	})
}
