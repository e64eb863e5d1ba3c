// Package risk is the combined risk assessment's screening tool: a
// configurable checklist of weighted exploitation indicators (domain.md
// §4.2), grouped by domain, whose score a set of local thresholds turns
// into a suggested level — none, low, medium or high. The suggestion
// informs professional judgement; it never replaces it.
//
// It is pure: indicators in, a score and a level out. Local partnerships
// use their own tools, so indicators, weights and thresholds are
// configuration (New); Default is a reasonable starting point.
package risk

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/safehub/safehub/internal/hub"
)

// Indicator is one item of the checklist.
type Indicator struct {
	// Code is the machine name, lower case letters, digits and '_':
	// "missing_repeat".
	Code   string
	Label  string
	Domain string
	// Weight is what observing it adds to the score, 0 to 100.
	Weight int
}

// Thresholds turn a score into a level: at least High is high, at least
// Medium is medium, at least Low is low, and anything less is none.
type Thresholds struct {
	Low, Medium, High int
}

// Tool is a validated screening tool. Its zero value is not usable; build
// one with New or Default.
type Tool struct {
	indicators []Indicator
	byCode     map[string]int
	domains    []string
	th         Thresholds
}

// Limits of a tool.
const (
	MaxIndicators = 200
	MaxWeight     = 100
	maxCodeLen    = 40
)

// New checks a tool's indicators and thresholds and returns it. Every
// problem names what is wrong: a malformed or repeated code, an empty
// label or domain, a weight out of range, thresholds out of order.
func New(inds []Indicator, th Thresholds) (*Tool, error) {
	if len(inds) == 0 {
		return nil, hub.Invalid("indicators", "the screening tool needs at least one indicator")
	}
	if len(inds) > MaxIndicators {
		return nil, hub.Invalid("indicators", "the screening tool has more than %d indicators", MaxIndicators)
	}
	t := &Tool{indicators: slices.Clone(inds), byCode: make(map[string]int, len(inds)), th: th}
	for i, in := range inds {
		if !ValidCode(in.Code) {
			return nil, hub.Invalid("indicators", "indicator %d: code %q must be 1 to %d lower-case letters, digits and '_'", i+1, in.Code, maxCodeLen)
		}
		if _, dup := t.byCode[in.Code]; dup {
			return nil, hub.Invalid("indicators", "indicator code %q is given twice", in.Code)
		}
		if strings.TrimSpace(in.Label) == "" {
			return nil, hub.Invalid("indicators", "indicator %q has no label", in.Code)
		}
		if strings.TrimSpace(in.Domain) == "" {
			return nil, hub.Invalid("indicators", "indicator %q has no domain", in.Code)
		}
		if in.Weight < 0 || in.Weight > MaxWeight {
			return nil, hub.Invalid("indicators", "indicator %q: weight %d is not between 0 and %d", in.Code, in.Weight, MaxWeight)
		}
		t.byCode[in.Code] = i
		if !slices.Contains(t.domains, in.Domain) {
			t.domains = append(t.domains, in.Domain)
		}
	}
	if th.Low < 1 || th.Medium < th.Low || th.High < th.Medium {
		return nil, hub.Invalid("thresholds", "thresholds must satisfy 1 ≤ low ≤ medium ≤ high (got low %d, medium %d, high %d)", th.Low, th.Medium, th.High)
	}
	return t, nil
}

// ValidCode reports whether s has the shape of an indicator code.
func ValidCode(s string) bool {
	if s == "" || len(s) > maxCodeLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// Indicators returns the tool's indicators in their configured order.
func (t *Tool) Indicators() []Indicator { return slices.Clone(t.indicators) }

// Thresholds returns the tool's thresholds.
func (t *Tool) Thresholds() Thresholds { return t.th }

// Lookup returns the indicator with the given code.
func (t *Tool) Lookup(code string) (Indicator, bool) {
	i, ok := t.byCode[code]
	if !ok {
		return Indicator{}, false
	}
	return t.indicators[i], true
}

// Label returns an indicator's label, or the code itself when the tool
// does not know it (an indicator since removed from the configuration).
func (t *Tool) Label(code string) string {
	if in, ok := t.Lookup(code); ok {
		return in.Label
	}
	return code
}

// Domain is a group of indicators, for forms.
type Domain struct {
	Name       string
	Indicators []Indicator
}

// Domains returns the indicators grouped by domain, domains in the order
// they first appear.
func (t *Tool) Domains() []Domain {
	out := make([]Domain, len(t.domains))
	for i, d := range t.domains {
		out[i].Name = d
	}
	for _, in := range t.indicators {
		i := slices.Index(t.domains, in.Domain)
		out[i].Indicators = append(out[i].Indicators, in)
	}
	return out
}

// Check returns codes as the tool knows them: trimmed, each once, in the
// tool's order. An unknown code is refused, naming it (field
// "indicators").
func (t *Tool) Check(codes []string) ([]string, error) {
	seen := make(map[int]bool, len(codes))
	for _, c := range codes {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		i, ok := t.byCode[c]
		if !ok {
			return nil, hub.Invalid("indicators", "%q is not an indicator of the screening tool", truncate(c, 60))
		}
		seen[i] = true
	}
	out := make([]string, 0, len(seen))
	for i, in := range t.indicators {
		if seen[i] {
			out = append(out, in.Code)
		}
	}
	return out, nil
}

// Result is the tool's reading of a set of indicators.
type Result struct {
	// Codes are the indicators scored, each once, in the tool's order.
	Codes     []string
	Score     int
	Suggested hub.RiskLevel
	// ByDomain is the score of each domain with any indicator, in the
	// tool's domain order.
	ByDomain []DomainScore
}

// DomainScore is one domain's part of a score.
type DomainScore struct {
	Domain string
	Score  int
	Count  int
}

// Score scores the union of codes: each known indicator counts once,
// whichever agency saw it and however often. Unknown codes are refused.
func (t *Tool) Score(codes []string) (Result, error) {
	cs, err := t.Check(codes)
	if err != nil {
		return Result{}, err
	}
	r := Result{Codes: cs}
	for _, c := range cs {
		in := t.indicators[t.byCode[c]]
		r.Score += in.Weight
		i := slices.IndexFunc(r.ByDomain, func(d DomainScore) bool { return d.Domain == in.Domain })
		if i < 0 {
			r.ByDomain = append(r.ByDomain, DomainScore{Domain: in.Domain})
			i = len(r.ByDomain) - 1
		}
		r.ByDomain[i].Score += in.Weight
		r.ByDomain[i].Count++
	}
	slices.SortStableFunc(r.ByDomain, func(a, b DomainScore) int {
		return slices.Index(t.domains, a.Domain) - slices.Index(t.domains, b.Domain)
	})
	r.Suggested = t.Level(r.Score)
	return r, nil
}

// Level is the level a score suggests under the tool's thresholds.
func (t *Tool) Level(score int) hub.RiskLevel {
	switch {
	case score >= t.th.High:
		return hub.RiskHigh
	case score >= t.th.Medium:
		return hub.RiskMedium
	case score >= t.th.Low:
		return hub.RiskLow
	}
	return hub.RiskNone
}

// ParseCodes reads a list of indicator codes separated by ';' or ',' (as
// the synthetic partnership's files and configuration write them), with
// spaces around codes ignored. It checks each code's shape, not whether a
// tool knows it (Tool.Check does that), and refuses an empty item between
// separators.
func ParseCodes(s string) ([]string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == ',' }) {
		f = strings.TrimSpace(f)
		if !ValidCode(f) {
			return nil, hub.Invalid("indicators", "%q is not an indicator code", truncate(f, 60))
		}
		out = append(out, f)
	}
	if n := strings.Count(s, ";") + strings.Count(s, ","); n != len(out)-1 {
		return nil, hub.Invalid("indicators", "the list has an empty item")
	}
	return out, nil
}

// ParseWeights reads weight overrides written "code=weight,code=weight"
// (configuration), each code once, weights 0 to MaxWeight.
func ParseWeights(s string) (map[string]int, error) {
	out := map[string]int{}
	s = strings.TrimSpace(s)
	if s == "" {
		return out, nil
	}
	for _, item := range strings.Split(s, ",") {
		code, w, ok := strings.Cut(strings.TrimSpace(item), "=")
		code = strings.TrimSpace(code)
		if !ok || !ValidCode(code) {
			return nil, hub.Invalid("weights", "%q must be code=weight", truncate(item, 60))
		}
		n, err := strconv.Atoi(strings.TrimSpace(w))
		if err != nil || n < 0 || n > MaxWeight {
			return nil, hub.Invalid("weights", "the weight of %s must be a whole number from 0 to %d", code, MaxWeight)
		}
		if _, dup := out[code]; dup {
			return nil, hub.Invalid("weights", "%s is given twice", code)
		}
		out[code] = n
	}
	return out, nil
}

// ParseThresholds reads thresholds written "low=1,medium=8,high=15"; all
// three are needed, in any order.
func ParseThresholds(s string) (Thresholds, error) {
	var th Thresholds
	seen := map[string]bool{}
	for _, item := range strings.Split(strings.TrimSpace(s), ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(item), "=")
		k = strings.TrimSpace(k)
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if !ok || err != nil || n < 0 || n > MaxIndicators*MaxWeight {
			return Thresholds{}, hub.Invalid("thresholds", "%q must be low=N, medium=N or high=N", truncate(item, 60))
		}
		if seen[k] {
			return Thresholds{}, hub.Invalid("thresholds", "%s is given twice", k)
		}
		seen[k] = true
		switch k {
		case "low":
			th.Low = n
		case "medium":
			th.Medium = n
		case "high":
			th.High = n
		default:
			return Thresholds{}, hub.Invalid("thresholds", "%q is not low, medium or high", truncate(k, 20))
		}
	}
	if len(seen) != 3 {
		return Thresholds{}, hub.Invalid("thresholds", "give low, medium and high")
	}
	if th.Low < 1 || th.Medium < th.Low || th.High < th.Medium {
		return Thresholds{}, hub.Invalid("thresholds", "thresholds must satisfy 1 ≤ low ≤ medium ≤ high")
	}
	return th, nil
}

// WithWeights returns a copy of the tool with some weights replaced (from
// ParseWeights). An override for a code the tool lacks is refused.
func (t *Tool) WithWeights(w map[string]int) (*Tool, error) {
	inds := t.Indicators()
	for code, n := range w {
		i, ok := t.byCode[code]
		if !ok {
			return nil, hub.Invalid("weights", "%q is not an indicator of the screening tool", code)
		}
		inds[i].Weight = n
	}
	return New(inds, t.th)
}

// WithThresholds returns a copy of the tool with other thresholds.
func (t *Tool) WithThresholds(th Thresholds) (*Tool, error) { return New(t.indicators, th) }

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// String describes the tool briefly, for configuration dumps.
func (t *Tool) String() string {
	return fmt.Sprintf("%d indicators in %d domains; thresholds low %d, medium %d, high %d", len(t.indicators), len(t.domains), t.th.Low, t.th.Medium, t.th.High)
}
