package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/hub"
)

// localRules is the file --local-rules names: the partnership's own lists
// and limits. Every section is optional; what a section leaves out keeps
// its default. Unknown fields are refused, so a typo is an error at start
// rather than a rule silently ignored.
type localRules struct {
	Sharing *sharingRules `json:"sharing"`
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
