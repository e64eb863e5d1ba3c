package risk

// Domains of the default tool (domain.md §4.2).
const (
	DomainMissing       = "Missing"
	DomainMoney         = "Possessions and money"
	DomainRelationships = "Relationships"
	DomainOnline        = "Online"
	DomainSubstances    = "Substances and offending"
	DomainCoercion      = "Control and coercion"
	DomainHealth        = "Injuries and health"
	DomainIsolation     = "Isolation and education"
	DomainPlaces        = "Transport and places"
	DomainConcealment   = "Concealment"
	DomainVulnerability = "Vulnerabilities and welfare"
)

// defaultIndicators is a starting checklist drawn from the indicators most
// partnerships' exploitation tools share. Weights favour the signs that
// most often mean exploitation is happening now (debt bondage, plugging,
// being found in a trap house) over background vulnerabilities. Codes are
// those the synthetic partnership writes (internal/synth, FORMAT.md).
var defaultIndicators = []Indicator{
	{"missing_repeat", "Goes missing frequently or repeatedly", DomainMissing, 3},
	{"missing_out_of_area", "Found out of area when missing", DomainMissing, 3},
	{"missing_once", "Has gone missing", DomainMissing, 1},
	{"unexplained_money_gifts", "Unexplained money, gifts, clothes or trainers", DomainMoney, 2},
	{"multiple_phones", "Several or new phones or SIM cards", DomainMoney, 2},
	{"unexplained_travel", "Unexplained train tickets or taxi use", DomainMoney, 2},
	{"older_associates", "Older associates or \"boyfriend\"", DomainRelationships, 3},
	{"new_peer_group", "New peer group", DomainRelationships, 1},
	{"gang_association", "Gang association", DomainRelationships, 3},
	{"online_grooming", "Grooming online, through social media or gaming", DomainOnline, 4},
	{"secretive_phone_use", "Secretive phone use", DomainOnline, 1},
	{"substance_misuse", "Drug or alcohol misuse", DomainSubstances, 2},
	{"drugs_or_cash_found", "Found carrying drugs or cash", DomainSubstances, 4},
	{"arrest_out_of_area", "Arrested out of area for drug supply", DomainSubstances, 4},
	{"trap_house", "Found in a trap house", DomainSubstances, 5},
	{"debt_bondage", "Debt bondage, including staged robberies", DomainCoercion, 5},
	{"threats_to_family", "Threats to family", DomainCoercion, 4},
	{"intimidation", "Intimidation", DomainCoercion, 3},
	{"coercion", "Coercion or control by others", DomainCoercion, 4},
	{"fear_of_named_people", "Fear of named people", DomainCoercion, 3},
	{"unexplained_injuries", "Unexplained injuries", DomainHealth, 3},
	{"sexual_health", "STIs, pregnancy, termination or sexual health clinic attendance", DomainHealth, 3},
	{"self_harm", "Self-harm", DomainHealth, 2},
	{"isolation_from_family", "Withdrawal from family", DomainIsolation, 2},
	{"exclusion", "Exclusion or reduced timetable", DomainIsolation, 2},
	{"neet", "Not in education, employment or training", DomainIsolation, 1},
	{"school_attendance", "Poor school attendance", DomainIsolation, 1},
	{"hotspot_presence", "Seen at hotspot locations", DomainPlaces, 2},
	{"cars_with_unknown_adults", "Seen in cars with unknown adults", DomainPlaces, 4},
	{"weapons", "Carrying weapons", DomainConcealment, 4},
	{"plugging", "Concealing items internally (plugging)", DomainConcealment, 5},
	{"looked_after", "Looked after", DomainVulnerability, 2},
	{"prior_abuse", "Prior abuse", DomainVulnerability, 2},
	{"send", "Special educational needs or disability", DomainVulnerability, 1},
	{"bereavement", "Bereavement", DomainVulnerability, 1},
	{"family_criminality", "Family criminality", DomainVulnerability, 1},
	{"neglect", "Neglect", DomainVulnerability, 1},
	{"domestic_abuse", "Domestic abuse at home", DomainVulnerability, 1},
	{"parental_substance_misuse", "Parental substance misuse", DomainVulnerability, 1},
	{"parental_mental_health", "Parental mental ill-health", DomainVulnerability, 1},
}

// DefaultThresholds are the default tool's thresholds: any indicator is
// low; a few strong signs together are medium; several are high.
var DefaultThresholds = Thresholds{Low: 1, Medium: 8, High: 15}

// DefaultIndicators returns a copy of the default checklist.
func DefaultIndicators() []Indicator {
	out := make([]Indicator, len(defaultIndicators))
	copy(out, defaultIndicators)
	return out
}

// Default returns the default tool.
func Default() *Tool {
	t, err := New(defaultIndicators, DefaultThresholds)
	if err != nil {
		panic("risk: default tool: " + err.Error())
	}
	return t
}
