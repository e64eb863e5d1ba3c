package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/risk"
)

// localRules is the file --local-rules names: the partnership's own lists
// and limits. Every section is optional; what a section leaves out keeps
// its default. Unknown fields are refused, so a typo is an error at start
// rather than a rule silently ignored.
type localRules struct {
	Sharing   *sharingRules   `json:"sharing"`
	Screening *screeningRules `json:"screening"`
	Referrals *referralRules  `json:"referrals"`
	Missing   *missingRules   `json:"missing"`
	Flags     *flagRules      `json:"flags"`
	Cases     *caseRules      `json:"cases"`
}

// screeningRules replace the combined risk assessment's screening tool:
// its indicators (all of them, when given) and its thresholds.
type screeningRules struct {
	Indicators []struct {
		Code   string `json:"code"`
		Label  string `json:"label"`
		Domain string `json:"domain"`
		Weight int    `json:"weight"`
	} `json:"indicators"`
	Thresholds *struct {
		Low    int `json:"low"`
		Medium int `json:"medium"`
		High   int `json:"high"`
	} `json:"thresholds"`
}

type referralRules struct {
	DecisionWorkingDays int            `json:"decision_working_days"`
	ReviewDays          map[string]int `json:"review_days"`
}

type missingRules struct {
	RepeatCount           int   `json:"repeat_count"`
	RepeatWindowDays      int   `json:"repeat_window_days"`
	RepeatOnHighRisk      *bool `json:"repeat_on_high_risk"`
	ReviewWorkingDays     int   `json:"review_working_days"`
	StrategyWorkingDays   int   `json:"strategy_working_days"`
	PhilomenaReviewMonths int   `json:"philomena_review_months"`
}

type flagRules struct {
	ExtraCategories []string `json:"extra_categories"`
	ReviewMonths    int      `json:"review_months"`
	DueSoonDays     int      `json:"due_soon_days"`
	Services        []string `json:"services"`
	ContactPhone    string   `json:"contact_phone"`
	ContactHours    string   `json:"contact_hours"`
}

type caseRules struct {
	ReviewMonths    int `json:"review_months"`
	ServicePathways []struct {
		Code     string `json:"code"`
		Label    string `json:"label"`
		Provider string `json:"provider"`
	} `json:"service_pathways"`
}

type sharingRules struct {
	Bases []struct {
		Code      string `json:"code"`
		Label     string `json:"label"`
		Reference string `json:"reference"`
	} `json:"bases"`
	Purposes []struct {
		Code  string `json:"code"`
		Label string `json:"label"`
	} `json:"purposes"`
	DefaultDays      int      `json:"default_days"`
	MaxDays          int      `json:"max_days"`
	ApprovalParts    []string `json:"approval_parts"`
	ExpiringSoonDays int      `json:"expiring_soon_days"`
}

// maxLocalRules bounds the file's size.
const maxLocalRules = 1 << 20

// applyLocalRules reads the local rules file at path into cfg.
func applyLocalRules(path string, cfg *app.Config) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("local rules: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxLocalRules+1))
	if err != nil {
		return fmt.Errorf("local rules: %w", err)
	}
	if len(data) > maxLocalRules {
		return fmt.Errorf("local rules %s: larger than 1 MiB", path)
	}
	if err := parseLocalRules(data, cfg); err != nil {
		return fmt.Errorf("local rules %s: %w", path, err)
	}
	return nil
}

// parseLocalRules checks and applies a local rules document.
func parseLocalRules(data []byte, cfg *app.Config) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var r localRules
	if err := dec.Decode(&r); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("more than one JSON value")
	}
	if s := r.Sharing; s != nil {
		sc := cfg.Shares
		if len(s.Bases) > 0 {
			sc.Bases = nil
			seen := map[string]bool{}
			for i, b := range s.Bases {
				if err := ruleCode(fmt.Sprintf("sharing.bases[%d].code", i), b.Code, seen); err != nil {
					return err
				}
				if strings.TrimSpace(b.Label) == "" || strings.TrimSpace(b.Reference) == "" {
					return fmt.Errorf("sharing.bases[%d]: a basis needs a label and its statutory reference", i)
				}
				sc.Bases = append(sc.Bases, hub.LawfulBasis{Code: b.Code, Label: b.Label, Reference: b.Reference})
			}
		}
		if len(s.Purposes) > 0 {
			sc.Purposes = nil
			seen := map[string]bool{}
			for i, p := range s.Purposes {
				if err := ruleCode(fmt.Sprintf("sharing.purposes[%d].code", i), p.Code, seen); err != nil {
					return err
				}
				if strings.TrimSpace(p.Label) == "" {
					return fmt.Errorf("sharing.purposes[%d]: a purpose needs a label", i)
				}
				sc.Purposes = append(sc.Purposes, app.ShareOption{Code: p.Code, Label: p.Label})
			}
		}
		if s.MaxDays < 0 || s.MaxDays > 366 {
			return fmt.Errorf("sharing.max_days: must be between 1 and 366")
		}
		if s.MaxDays > 0 {
			sc.MaxDays = s.MaxDays
		}
		if s.DefaultDays < 0 || s.DefaultDays > sc.MaxDays {
			return fmt.Errorf("sharing.default_days: must be between 1 and max_days (%d)", sc.MaxDays)
		}
		if s.DefaultDays > 0 {
			sc.DefaultDays = s.DefaultDays
		}
		if sc.DefaultDays > sc.MaxDays {
			return fmt.Errorf("sharing.max_days: is less than the default expiry (%d days)", sc.DefaultDays)
		}
		if s.ExpiringSoonDays < 0 || s.ExpiringSoonDays > 90 {
			return fmt.Errorf("sharing.expiring_soon_days: must be between 1 and 90")
		}
		if s.ExpiringSoonDays > 0 {
			sc.ExpiringSoonDays = s.ExpiringSoonDays
		}
		if s.ApprovalParts != nil {
			sc.ApprovalParts = []hub.SharePart{}
			for _, p := range s.ApprovalParts {
				if !hub.SharePart(p).Valid() {
					return fmt.Errorf("sharing.approval_parts: unknown part %q", p)
				}
				sc.ApprovalParts = append(sc.ApprovalParts, hub.SharePart(p))
			}
		}
		cfg.Shares = sc
	}
	if err := r.Screening.apply(cfg); err != nil {
		return err
	}
	if err := r.Referrals.apply(cfg); err != nil {
		return err
	}
	if err := r.Missing.apply(cfg); err != nil {
		return err
	}
	if err := r.Flags.apply(cfg); err != nil {
		return err
	}
	return r.Cases.apply(cfg)
}

func (s *screeningRules) apply(cfg *app.Config) error {
	if s == nil {
		return nil
	}
	tool := cfg.Referrals.Screening
	if tool == nil {
		tool = risk.Default()
	}
	inds, th := tool.Indicators(), tool.Thresholds()
	if len(s.Indicators) > 0 {
		inds = inds[:0]
		for _, in := range s.Indicators {
			inds = append(inds, risk.Indicator{Code: in.Code, Label: in.Label, Domain: in.Domain, Weight: in.Weight})
		}
	}
	if s.Thresholds != nil {
		th = risk.Thresholds{Low: s.Thresholds.Low, Medium: s.Thresholds.Medium, High: s.Thresholds.High}
	}
	t, err := risk.New(inds, th)
	if err != nil {
		return fmt.Errorf("screening: %w", err)
	}
	cfg.Referrals.Screening = t
	return nil
}

func (r *referralRules) apply(cfg *app.Config) error {
	if r == nil {
		return nil
	}
	if r.DecisionWorkingDays < 0 || r.DecisionWorkingDays > 20 {
		return fmt.Errorf("referrals.decision_working_days: must be between 1 and 20")
	}
	if r.DecisionWorkingDays > 0 {
		cfg.Referrals.DecisionWorkingDays = r.DecisionWorkingDays
	}
	if r.ReviewDays != nil {
		days := map[hub.RiskLevel]int{}
		for level, n := range r.ReviewDays {
			l := hub.RiskLevel(level)
			if !l.Valid() {
				return fmt.Errorf("referrals.review_days: unknown level %q (none, low, medium, high)", level)
			}
			if n < 1 || n > 730 {
				return fmt.Errorf("referrals.review_days.%s: must be between 1 and 730", level)
			}
			days[l] = n
		}
		cfg.Referrals.ReviewDays = days
	}
	return nil
}

func (m *missingRules) apply(cfg *app.Config) error {
	if m == nil {
		return nil
	}
	c := &cfg.Missing
	for _, f := range []struct {
		name     string
		v        int
		max      int
		dst      *int
		multiple int
	}{
		{"missing.repeat_count", m.RepeatCount, 20, &c.RepeatCount, 1},
		{"missing.review_working_days", m.ReviewWorkingDays, 30, &c.ReviewWorkingDays, 1},
		{"missing.strategy_working_days", m.StrategyWorkingDays, 10, &c.StrategyWorkingDays, 1},
		{"missing.philomena_review_months", m.PhilomenaReviewMonths, 24, &c.PhilomenaReviewMonths, 1},
	} {
		if f.v < 0 || f.v > f.max {
			return fmt.Errorf("%s: must be between 1 and %d", f.name, f.max)
		}
		if f.v > 0 {
			*f.dst = f.v
		}
	}
	if m.RepeatWindowDays < 0 || m.RepeatWindowDays > 365 {
		return fmt.Errorf("missing.repeat_window_days: must be between 1 and 365")
	}
	if m.RepeatWindowDays > 0 {
		c.RepeatWindow = time.Duration(m.RepeatWindowDays) * 24 * time.Hour
	}
	if m.RepeatOnHighRisk != nil {
		c.RepeatOnHighRisk = *m.RepeatOnHighRisk
	}
	return nil
}

func (f *flagRules) apply(cfg *app.Config) error {
	if f == nil {
		return nil
	}
	c := cfg.Flags
	if f.ExtraCategories != nil {
		c.ExtraCategories = nil
		for _, cat := range f.ExtraCategories {
			c.ExtraCategories = append(c.ExtraCategories, hub.FlagCategory(cat))
		}
	}
	if f.ReviewMonths != 0 {
		c.ReviewMonths = f.ReviewMonths
	}
	if f.DueSoonDays != 0 {
		c.DueSoonDays = f.DueSoonDays
	}
	if f.Services != nil {
		c.Services = f.Services
	}
	if f.ContactPhone != "" {
		c.ContactPhone = f.ContactPhone
	}
	if f.ContactHours != "" {
		c.ContactHours = f.ContactHours
	}
	if err := c.Validate(); err != nil {
		return fmt.Errorf("flags: %w", err)
	}
	cfg.Flags = c
	return nil
}

func (r *caseRules) apply(cfg *app.Config) error {
	if r == nil {
		return nil
	}
	if r.ReviewMonths < 0 || r.ReviewMonths > 24 {
		return fmt.Errorf("cases.review_months: must be between 1 and 24")
	}
	if r.ReviewMonths > 0 {
		cfg.Cases.ReviewMonths = r.ReviewMonths
	}
	if len(r.ServicePathways) > 0 {
		seen := map[string]bool{}
		var ps []app.ServicePathway
		for i, p := range r.ServicePathways {
			if err := ruleCode(fmt.Sprintf("cases.service_pathways[%d].code", i), p.Code, seen); err != nil {
				return err
			}
			if strings.TrimSpace(p.Label) == "" {
				return fmt.Errorf("cases.service_pathways[%d]: a pathway needs a label", i)
			}
			ps = append(ps, app.ServicePathway{Code: p.Code, Label: p.Label, Provider: p.Provider})
		}
		cfg.Cases.ServicePathways = ps
	}
	return nil
}

// ruleCode checks a list entry's code: short, lower case, unique.
func ruleCode(field, code string, seen map[string]bool) error {
	if code == "" || len(code) > 40 {
		return fmt.Errorf("%s: must be 1 to 40 characters", field)
	}
	for _, c := range code {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return fmt.Errorf("%s: use lower-case letters, digits, - and _ only", field)
		}
	}
	if seen[code] {
		return fmt.Errorf("%s: %q is listed twice", field, code)
	}
	seen[code] = true
	return nil
}
