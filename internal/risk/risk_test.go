package risk

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/safehub/safehub/internal/hub"
)

// synthIndicators are the codes the synthetic partnership writes
// (internal/synth/casework.go and signals.go); the default tool must know
// every one so the synthetic load is never refused.
var synthIndicators = []string{"missing_repeat", "missing_out_of_area", "older_associates", "unexplained_money_gifts", "multiple_phones",
	"unexplained_travel", "drugs_or_cash_found", "arrest_out_of_area", "debt_bondage", "intimidation", "threats_to_family",
	"hotspot_presence", "exclusion", "trap_house", "plugging", "weapons", "gang_association", "coercion", "unexplained_injuries",
	"sexual_health", "online_grooming", "cars_with_unknown_adults", "isolation_from_family", "substance_misuse", "self_harm",
	"new_peer_group", "neet", "neglect", "domestic_abuse", "parental_substance_misuse", "parental_mental_health", "school_attendance",
	"missing_once", "bereavement", "send", "looked_after", "prior_abuse", "family_criminality"}

func TestDefaultKnowsSynthIndicators(t *testing.T) {
	tool := Default()
	for _, c := range synthIndicators {
		if _, ok := tool.Lookup(c); !ok {
			t.Errorf("default tool lacks %q", c)
		}
	}
}

func TestScore(t *testing.T) {
	tool := Default()
	tests := []struct {
		name      string
		codes     []string
		score     int
		suggested hub.RiskLevel
		codesOut  []string
	}{
		{"nothing", nil, 0, hub.RiskNone, []string{}},
		{"blank codes", []string{" ", ""}, 0, hub.RiskNone, []string{}},
		{"one weak", []string{"neglect"}, 1, hub.RiskLow, []string{"neglect"}},
		{"just below medium", []string{"missing_repeat", "older_associates"}, 6, hub.RiskLow, []string{"missing_repeat", "older_associates"}},
		{"medium at the threshold", []string{"missing_repeat", "older_associates", "multiple_phones"}, 8, hub.RiskMedium, []string{"missing_repeat", "multiple_phones", "older_associates"}},
		{"a duplicate counts once", []string{"debt_bondage", "debt_bondage", " debt_bondage "}, 5, hub.RiskLow, []string{"debt_bondage"}},
		{"high", []string{"trap_house", "debt_bondage", "plugging"}, 15, hub.RiskHigh, []string{"trap_house", "debt_bondage", "plugging"}},
		{"union of agencies", []string{"trap_house", "debt_bondage", "plugging", "weapons", "missing_repeat"}, 22, hub.RiskHigh, []string{"missing_repeat", "trap_house", "debt_bondage", "weapons", "plugging"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := tool.Score(tt.codes)
			if err != nil {
				t.Fatal(err)
			}
			if r.Score != tt.score || r.Suggested != tt.suggested {
				t.Errorf("Score(%q) = %d %s, want %d %s", tt.codes, r.Score, r.Suggested, tt.score, tt.suggested)
			}
			if diff := cmp.Diff(tt.codesOut, r.Codes); diff != "" {
				t.Errorf("codes (-want +got):\n%s", diff)
			}
			sum := 0
			for _, d := range r.ByDomain {
				sum += d.Score
			}
			if sum != r.Score {
				t.Errorf("domain scores add to %d, score %d", sum, r.Score)
			}
		})
	}
}

func TestScoreUnknown(t *testing.T) {
	_, err := Default().Score([]string{"missing_repeat", "flying_carpet"})
	if hub.ErrorField(err) != "indicators" || !strings.Contains(hub.ErrorMessage(err), "flying_carpet") {
		t.Errorf("Score(unknown) = %v, want refused naming indicators and the code", err)
	}
}

func TestLevelThresholds(t *testing.T) {
	tool, err := New([]Indicator{{"a", "A", "D", 1}}, Thresholds{Low: 2, Medium: 4, High: 6})
	if err != nil {
		t.Fatal(err)
	}
	for score, want := range map[int]hub.RiskLevel{0: hub.RiskNone, 1: hub.RiskNone, 2: hub.RiskLow, 3: hub.RiskLow, 4: hub.RiskMedium, 5: hub.RiskMedium, 6: hub.RiskHigh, 100: hub.RiskHigh} {
		if got := tool.Level(score); got != want {
			t.Errorf("Level(%d) = %s, want %s", score, got, want)
		}
	}
	// Equal thresholds skip a level.
	tool, err = New([]Indicator{{"a", "A", "D", 1}}, Thresholds{Low: 3, Medium: 3, High: 3})
	if err != nil {
		t.Fatal(err)
	}
	if got := tool.Level(3); got != hub.RiskHigh {
		t.Errorf("Level(3) with equal thresholds = %s, want high", got)
	}
}

func TestNewRefuses(t *testing.T) {
	ok := Indicator{"a", "A", "D", 1}
	tests := []struct {
		name  string
		inds  []Indicator
		th    Thresholds
		field string
		msg   string
	}{
		{"no indicators", nil, DefaultThresholds, "indicators", "at least one"},
		{"bad code", []Indicator{{"Bad Code", "x", "D", 1}}, DefaultThresholds, "indicators", "Bad Code"},
		{"empty code", []Indicator{{"", "x", "D", 1}}, DefaultThresholds, "indicators", "code"},
		{"duplicate", []Indicator{ok, ok}, DefaultThresholds, "indicators", "twice"},
		{"no label", []Indicator{{"a", " ", "D", 1}}, DefaultThresholds, "indicators", "label"},
		{"no domain", []Indicator{{"a", "A", "", 1}}, DefaultThresholds, "indicators", "domain"},
		{"negative weight", []Indicator{{"a", "A", "D", -1}}, DefaultThresholds, "indicators", "weight"},
		{"huge weight", []Indicator{{"a", "A", "D", 101}}, DefaultThresholds, "indicators", "weight"},
		{"zero low", []Indicator{ok}, Thresholds{0, 1, 2}, "thresholds", "low"},
		{"out of order", []Indicator{ok}, Thresholds{5, 4, 6}, "thresholds", "low"},
		{"high below medium", []Indicator{ok}, Thresholds{1, 4, 3}, "thresholds", "high"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.inds, tt.th)
			if hub.ErrorField(err) != tt.field || !strings.Contains(hub.ErrorMessage(err), tt.msg) {
				t.Errorf("New = %v, want refused on %s mentioning %q", err, tt.field, tt.msg)
			}
		})
	}
}

func TestDomains(t *testing.T) {
	tool := Default()
	ds := tool.Domains()
	n := 0
	for _, d := range ds {
		if len(d.Indicators) == 0 {
			t.Errorf("domain %s is empty", d.Name)
		}
		n += len(d.Indicators)
	}
	if n != len(tool.Indicators()) {
		t.Errorf("domains hold %d indicators, tool %d", n, len(tool.Indicators()))
	}
	if ds[0].Name != DomainMissing {
		t.Errorf("first domain %q, want %q", ds[0].Name, DomainMissing)
	}
}

func TestParseCodes(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		ok   bool
	}{
		{"", nil, true},
		{"  ", nil, true},
		{"missing_repeat", []string{"missing_repeat"}, true},
		{"missing_repeat;older_associates", []string{"missing_repeat", "older_associates"}, true},
		{"a, b ;c", []string{"a", "b", "c"}, true},
		{"a;;b", nil, false},
		{"a;", nil, false},
		{";a", nil, false},
		{"A", nil, false},
		{"a b", nil, false},
		{"a;<script>", nil, false},
		{strings.Repeat("a", 41), nil, false},
	}
	for _, tt := range tests {
		got, err := ParseCodes(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("ParseCodes(%q) error = %v, want ok %v", tt.in, err, tt.ok)
			continue
		}
		if err != nil && hub.ErrorField(err) != "indicators" {
			t.Errorf("ParseCodes(%q) error field %q, want indicators", tt.in, hub.ErrorField(err))
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("ParseCodes(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseWeightsAndThresholds(t *testing.T) {
	w, err := ParseWeights("missing_repeat=5, trap_house = 9")
	if err != nil || w["missing_repeat"] != 5 || w["trap_house"] != 9 || len(w) != 2 {
		t.Fatalf("ParseWeights = %v, %v", w, err)
	}
	tool, err := Default().WithWeights(w)
	if err != nil {
		t.Fatal(err)
	}
	if in, _ := tool.Lookup("trap_house"); in.Weight != 9 {
		t.Errorf("weight after override = %d", in.Weight)
	}
	if in, _ := Default().Lookup("trap_house"); in.Weight != 5 {
		t.Errorf("the default tool changed: weight %d", in.Weight)
	}
	if _, err := Default().WithWeights(map[string]int{"nope": 1}); hub.ErrorField(err) != "weights" {
		t.Errorf("WithWeights(unknown) = %v", err)
	}
	for _, bad := range []string{"a", "a=", "a=x", "a=-1", "a=101", "a=1,a=2", "=3", "A=1"} {
		if _, err := ParseWeights(bad); hub.ErrorField(err) != "weights" {
			t.Errorf("ParseWeights(%q) = %v, want refused on weights", bad, err)
		}
	}
	th, err := ParseThresholds("high=20, low=2,medium=10")
	if err != nil || th != (Thresholds{2, 10, 20}) {
		t.Fatalf("ParseThresholds = %v, %v", th, err)
	}
	for _, bad := range []string{"", "low=1", "low=1,medium=2,high=3,low=1", "low=1,medium=2,top=3", "low=0,medium=2,high=3", "low=5,medium=2,high=3", "low=x,medium=2,high=3"} {
		if _, err := ParseThresholds(bad); hub.ErrorField(err) != "thresholds" {
			t.Errorf("ParseThresholds(%q) = %v, want refused on thresholds", bad, err)
		}
	}
}

func FuzzParseCodes(f *testing.F) {
	for _, s := range []string{"", "a", "missing_repeat;older_associates", "a,,b", "a; b ;c", "\xff", "a;\x00"} {
		f.Add(s)
	}
	tool := Default()
	f.Fuzz(func(t *testing.T, s string) {
		codes, err := ParseCodes(s)
		if err != nil {
			if hub.ErrorField(err) != "indicators" {
				t.Fatalf("error without the field: %v", err)
			}
			return
		}
		for _, c := range codes {
			if !ValidCode(c) {
				t.Fatalf("ParseCodes(%q) gave %q", s, c)
			}
		}
		// Round trip: the codes joined parse to themselves.
		again, err := ParseCodes(strings.Join(codes, ";"))
		if err != nil || !slices.Equal(again, codes) {
			t.Fatalf("round trip of %q: %q, %v", codes, again, err)
		}
		// Scoring never panics and never goes out of range.
		if r, err := tool.Score(codes); err == nil && (r.Score < 0 || !r.Suggested.Valid()) {
			t.Fatalf("Score(%q) = %+v", codes, r)
		}
	})
}

func FuzzParseThresholds(f *testing.F) {
	for _, s := range []string{"low=1,medium=8,high=15", "", "low=1", "high=3,medium=2,low=1", "low=99999999999999999999,medium=1,high=1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		th, err := ParseThresholds(s)
		if err != nil {
			if hub.ErrorField(err) != "thresholds" {
				t.Fatalf("error without the field: %v", err)
			}
			return
		}
		if _, err := New([]Indicator{{"a", "A", "D", 1}}, th); err != nil {
			t.Fatalf("ParseThresholds(%q) = %+v, which New refuses: %v", s, th, err)
		}
	})
}

func FuzzParseWeights(f *testing.F) {
	for _, s := range []string{"", "a=1", "missing_repeat=5,trap_house=9", "a=1,a=2", "a=-0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		w, err := ParseWeights(s)
		if err != nil {
			if hub.ErrorField(err) != "weights" {
				t.Fatalf("error without the field: %v", err)
			}
			return
		}
		for c, n := range w {
			if !ValidCode(c) || n < 0 || n > MaxWeight {
				t.Fatalf("ParseWeights(%q) gave %q=%d", s, c, n)
			}
		}
	})
}
