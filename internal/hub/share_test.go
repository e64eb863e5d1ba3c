package hub

import (
	"slices"
	"testing"
	"time"
)

func TestParseShareParts(t *testing.T) {
	got, err := ParseShareParts("parts", []string{" notes", "identity", "notes", ""})
	if err != nil || !slices.Equal(got, []SharePart{PartIdentity, PartNotes}) {
		t.Errorf("ParseShareParts = %v, %v; want identity, notes in display order, once each", got, err)
	}
	for _, bad := range [][]string{nil, {""}, {"identity", "bank"}, {"IDENTITY"}} {
		if _, err := ParseShareParts("parts", bad); ErrorField(err) != "parts" {
			t.Errorf("ParseShareParts(%q) = %v, want refused on parts", bad, err)
		}
	}
}

func TestShareState(t *testing.T) {
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	s := &Share{Status: ShareActive, PersonID: "p", CaseID: "c", Parts: []SharePart{PartIdentity, PartNotes}, ExpiresAt: now.Add(time.Minute),
		RecipientKind: RecipientArea, RecipientIDs: []string{"a"}}
	if !s.Active(now) || s.State(now) != "active" || !s.Active(now.Add(59*time.Second)) {
		t.Error("share not active before its expiry")
	}
	if s.Active(now.Add(time.Minute)) || s.State(now.Add(time.Minute)) != "expired" {
		t.Error("share active at its expiry instant")
	}
	if !s.Opens(PartNotes, "p", "c", now) || s.Opens(PartNotes, "p", "other", now) || !s.Opens(PartIdentity, "p", "other", now) || s.Opens(PartIdentity, "q", "c", now) {
		t.Error("a case share opens the wrong records")
	}
	if !s.Names("u", "ag", []string{"b", "a"}) || s.Names("u", "ag", []string{"b"}) {
		t.Error("area recipients matched wrongly")
	}
}

func FuzzParseShareParts(f *testing.F) {
	f.Add("identity", "notes")
	f.Add("", "x")
	f.Fuzz(func(t *testing.T, a, b string) {
		got, err := ParseShareParts("parts", []string{a, b})
		if err != nil {
			if ErrorField(err) != "parts" {
				t.Fatalf("error %v does not name the field", err)
			}
			return
		}
		if len(got) == 0 || len(got) > 2 {
			t.Fatalf("parsed %d parts from two", len(got))
		}
		for _, p := range got {
			if !p.Valid() {
				t.Fatalf("invalid part %q accepted", p)
			}
		}
	})
}
