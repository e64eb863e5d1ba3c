package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

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
	cfg = app.DefaultConfig()
	doc = `{"screening": {"thresholds": {"low": 2, "medium": 9, "high": 20}},
		"referrals": {"decision_working_days": 2, "review_days": {"high": 14}},
		"missing": {"repeat_count": 2, "repeat_window_days": 30, "repeat_on_high_risk": false},
		"flags": {"extra_categories": ["online-harm"], "contact_phone": "0116 496 0000", "review_months": 2},
		"cases": {"review_months": 6, "service_pathways": [{"code": "mentor", "label": "Mentoring", "provider": "Safer Futures"}]}}`
	if err := parseLocalRules([]byte(doc), &cfg); err != nil {
		t.Fatal(err)
	}
	if th := cfg.Referrals.Screening.Thresholds(); th.Low != 2 || th.Medium != 9 || th.High != 20 || len(cfg.Referrals.Screening.Indicators()) == 0 {
		t.Errorf("screening = %v", cfg.Referrals.Screening)
	}
	if cfg.Referrals.DecisionWorkingDays != 2 || cfg.Referrals.ReviewDays[hub.RiskHigh] != 14 || len(cfg.Referrals.ReviewDays) != 1 {
		t.Errorf("referrals = %+v", cfg.Referrals)
	}
	if m := cfg.Missing; m.RepeatCount != 2 || m.RepeatWindow != 30*24*time.Hour || m.RepeatOnHighRisk || m.RHIHours != 72 {
		t.Errorf("missing = %+v", m)
	}
	if f := cfg.Flags; len(f.ExtraCategories) != 1 || f.ContactPhone == "" || f.ReviewMonths != 2 || len(f.Services) == 0 {
		t.Errorf("flags = %+v", f)
	}
	if c := cfg.Cases; c.ReviewMonths != 6 || len(c.ServicePathways) != 1 {
		t.Errorf("cases = %+v", c)
	}
	bad := map[string]string{
		"thresholds out of order": `{"screening": {"thresholds": {"low": 9, "medium": 2, "high": 20}}}`,
		"indicator without label": `{"screening": {"indicators": [{"code": "x", "domain": "d", "weight": 1}]}}`,
		"unknown review level":    `{"referrals": {"review_days": {"severe": 3}}}`,
		"repeat window too long":  `{"missing": {"repeat_window_days": 400}}`,
		"bad flag category":       `{"flags": {"extra_categories": ["Online Harm"]}}`,
		"bad contact phone":       `{"flags": {"contact_phone": "call us"}}`,
		"pathway without label":   `{"cases": {"service_pathways": [{"code": "m"}]}}`,
		"unknown field":           `{"sharing": {"max_dayz": 3}}`,
		"unknown section":         `{"sharring": {}}`,
		"default beyond max":      `{"sharing": {"default_days": 100}}`,
		"max too large":           `{"sharing": {"max_days": 1000}}`,
		"basis without ref":       `{"sharing": {"bases": [{"code": "x", "label": "X"}]}}`,
		"duplicate code":          `{"sharing": {"purposes": [{"code": "a", "label": "A"}, {"code": "a", "label": "B"}]}}`,
		"code with spaces":        `{"sharing": {"purposes": [{"code": "a b", "label": "A"}]}}`,
		"unknown part":            `{"sharing": {"approval_parts": ["bank"]}}`,
		"two values":              `{} {}`,
		"not json":                `sharing: yes`,
		"negative expiring":       `{"sharing": {"expiring_soon_days": -1}}`,
		"max below default 30":    `{"sharing": {"max_days": 10}}`,
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

func TestApplyLocalRulesFile(t *testing.T) {
	dir := t.TempDir()
	cfg := app.DefaultConfig()
	if err := applyLocalRules(filepath.Join(dir, "missing.json"), &cfg); err == nil {
		t.Error("a missing file was accepted")
	}
	big := filepath.Join(dir, "big.json")
	if err := os.WriteFile(big, []byte(`{"sharing": {"bases": [`+strings.Repeat(" ", 1<<20)+`]}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := applyLocalRules(big, &cfg); err == nil || !strings.Contains(err.Error(), "1 MiB") {
		t.Errorf("oversized file: %v", err)
	}
	good := filepath.Join(dir, "rules.json")
	if err := os.WriteFile(good, []byte(`{"missing": {"repeat_count": 2}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := applyLocalRules(good, &cfg); err != nil || cfg.Missing.RepeatCount != 2 {
		t.Errorf("rules file: %v, repeat count %d", err, cfg.Missing.RepeatCount)
	}
}
