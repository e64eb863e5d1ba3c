package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/hub"
)

func TestParseLocalRules(t *testing.T) {
	cfg := app.DefaultConfig()
	doc := `{"sharing": {"bases": [{"code": "s17", "label": "Children in need", "reference": "Children Act 1989 s17"}],
		"purposes": [{"code": "mace", "label": "MACE panel"}], "default_days": 14, "max_days": 60, "approval_parts": ["notes", "assessments"]}}`
	if err := parseLocalRules([]byte(doc), &cfg); err != nil {
		t.Fatal(err)
	}
	s := cfg.Shares
	if len(s.Bases) != 1 || s.Bases[0].Reference != "Children Act 1989 s17" || len(s.Purposes) != 1 || s.DefaultDays != 14 || s.MaxDays != 60 ||
		!slices.Equal(s.ApprovalParts, []hub.SharePart{hub.PartNotes, hub.PartAssessments}) || s.ExpiringSoonDays != 7 {
		t.Errorf("sharing rules = %+v", s)
	}
	bad := map[string]string{
		"unknown field":        `{"sharing": {"max_dayz": 3}}`,
		"unknown section":      `{"sharring": {}}`,
		"default beyond max":   `{"sharing": {"default_days": 100}}`,
		"max too large":        `{"sharing": {"max_days": 1000}}`,
		"basis without ref":    `{"sharing": {"bases": [{"code": "x", "label": "X"}]}}`,
		"duplicate code":       `{"sharing": {"purposes": [{"code": "a", "label": "A"}, {"code": "a", "label": "B"}]}}`,
		"code with spaces":     `{"sharing": {"purposes": [{"code": "a b", "label": "A"}]}}`,
		"unknown part":         `{"sharing": {"approval_parts": ["bank"]}}`,
		"two values":           `{} {}`,
		"not json":             `sharing: yes`,
		"negative expiring":    `{"sharing": {"expiring_soon_days": -1}}`,
		"max below default 30": `{"sharing": {"max_days": 10}}`,
	}
	for name, doc := range bad {
		cfg := app.DefaultConfig()
		if err := parseLocalRules([]byte(doc), &cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func FuzzParseLocalRules(f *testing.F) {
	f.Add([]byte(`{"sharing": {"bases": [{"code": "s17", "label": "L", "reference": "R"}], "max_days": 60}}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg := app.DefaultConfig()
		if err := parseLocalRules(data, &cfg); err != nil {
			return
		}
		s := cfg.Shares
		if s.DefaultDays <= 0 || s.DefaultDays > s.MaxDays || s.MaxDays > 366 || len(s.Bases) == 0 || len(s.Purposes) == 0 {
			t.Fatalf("accepted rules give an unusable configuration: %+v", s)
		}
		for _, b := range s.Bases {
			if strings.TrimSpace(b.Reference) == "" {
				t.Fatalf("a basis without its reference was accepted: %+v", b)
			}
		}
	})
}
