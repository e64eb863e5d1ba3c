package fhir

import (
	"strconv"
	"strings"
	"time"

	"github.com/safehub/safehub/internal/hub"
)

// codeDisplays are the display texts of the built-in flag codes.
var codeDisplays = map[hub.FlagCategory]string{
	hub.FlagCSE:        "At risk of child sexual exploitation",
	hub.FlagCCE:        "At risk of child criminal exploitation (county lines)",
	hub.FlagMissing:    "Goes missing repeatedly",
	hub.FlagTrafficked: "Possible victim of trafficking or modern slavery",
}

// CodeDisplay returns the display text of a flag code: the built-in
// categories' own wording, and for a configured one "At risk: " and its
// code with hyphens as spaces.
func CodeDisplay(c hub.FlagCategory) string {
	if d, ok := codeDisplays[c]; ok {
		return d
	}
	return "At risk: " + strings.ReplaceAll(string(c), "-", " ")
}

// FlagText is what health staff read: what the flag warns of, the advice,
// and whom to call.
func FlagText(f *hub.Flag) string {
	var b strings.Builder
	b.WriteString(CodeDisplay(f.Category))
	b.WriteString(". ")
	b.WriteString(strings.TrimSpace(f.Advice))
	if p := strings.TrimSpace(f.ContactPhone); p != "" {
		if s := b.String(); !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "!") && !strings.HasSuffix(s, "?") {
			b.WriteString(".")
		}
		b.WriteString(" Contact the hub: ")
		b.WriteString(p)
		if h := strings.TrimSpace(f.ContactHours); h != "" {
			b.WriteString(" (")
			b.WriteString(h)
			b.WriteString(")")
		}
		b.WriteString(".")
	}
	return b.String()
}

// NewFlag maps a hub flag to a UK Core Flag: nhs is the child's NHS number
// (canonical; "" when the child has none) and agency the name of the
// agency that owns the child's record, the flag's author. The flag's
// reason, end reason, risk level and lead practitioner are not sent.
func NewFlag(f *hub.Flag, nhs, agency string) *Flag {
	out := &Flag{
		ResourceType: "Flag",
		ID:           f.ID,
		Meta:         &Meta{Profile: []string{ProfileUKCoreFlag}},
		Status:       string(f.Status),
		Category:     []CodeableConcept{{Coding: []Coding{{System: SystemFlagCategory, Code: "safety", Display: "Safety"}}}},
		Code: CodeableConcept{
			Coding: []Coding{{System: SystemFlagCode, Code: string(f.Category), Display: CodeDisplay(f.Category)}},
			Text:   FlagText(f),
		},
		Subject: Reference{Type: "Patient"},
	}
	if f.Version > 0 {
		out.Meta.VersionID = strconv.Itoa(f.Version)
	}
	if !f.UpdatedAt.IsZero() {
		out.Meta.LastUpdated = Instant(f.UpdatedAt)
	}
	if nhs != "" {
		out.Subject.Identifier = &Identifier{System: SystemNHSNumber, Value: nhs}
	} else {
		out.Subject.Display = "NHS number not recorded"
	}
	if !f.Start.IsZero() {
		out.Period = &Period{Start: f.Start.String()}
		if !f.End.IsZero() {
			out.Period.End = f.End.String()
		}
	}
	if agency != "" {
		out.Author = &Reference{Type: "Organization", Display: agency}
	}
	return out
}

// NewSearchSet returns a searchset Bundle of flags: total is the number of
// matches (flags may hold fewer, when _count asked for fewer), base the
// absolute URL of the FHIR API ("https://hub.example/fhir") for the
// entries' fullUrl, id the bundle's id and now its time.
func NewSearchSet(base, id string, now time.Time, flags []*Flag, total int) *Bundle {
	b := &Bundle{ResourceType: "Bundle", ID: id, Meta: &Meta{LastUpdated: Instant(now)}, Type: "searchset", Total: &total}
	base = strings.TrimSuffix(base, "/")
	for _, f := range flags {
		b.Entry = append(b.Entry, BundleEntry{FullURL: base + "/Flag/" + f.ID, Resource: f, Search: &BundleSearch{Mode: "match"}})
	}
	return b
}

// CapabilityStatement says what a FHIR server does.
type CapabilityStatement struct {
	ResourceType   string          `json:"resourceType"`
	Status         string          `json:"status"`
	Date           string          `json:"date"`
	Publisher      string          `json:"publisher,omitempty"`
	Kind           string          `json:"kind"`
	Software       *Software       `json:"software,omitempty"`
	Implementation *Implementation `json:"implementation,omitempty"`
	FHIRVersion    string          `json:"fhirVersion"`
	Format         []string        `json:"format"`
	Rest           []Rest          `json:"rest,omitempty"`
}

// Software names the server software.
type Software struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
}

// Implementation describes this installation.
type Implementation struct {
	Description string `json:"description"`
	URL         string `json:"url,omitempty"`
}

// Rest is the RESTful interface.
type Rest struct {
	Mode          string         `json:"mode"`
	Documentation string         `json:"documentation,omitempty"`
	Security      *Security      `json:"security,omitempty"`
	Resource      []RestResource `json:"resource,omitempty"`
}

// Security describes how clients authenticate.
type Security struct {
	Description string `json:"description,omitempty"`
}

// RestResource is what is offered for one resource type.
type RestResource struct {
	Type             string        `json:"type"`
	Profile          string        `json:"profile,omitempty"`
	SupportedProfile []string      `json:"supportedProfile,omitempty"`
	Documentation    string        `json:"documentation,omitempty"`
	Interaction      []Interaction `json:"interaction,omitempty"`
	SearchParam      []SearchParam `json:"searchParam,omitempty"`
}

// Interaction is one RESTful interaction offered.
type Interaction struct {
	Code          string `json:"code"`
	Documentation string `json:"documentation,omitempty"`
}

// SearchParam is one search parameter offered.
type SearchParam struct {
	Name          string `json:"name"`
	Definition    string `json:"definition,omitempty"`
	Type          string `json:"type"`
	Documentation string `json:"documentation,omitempty"`
}

// NewCapabilityStatement describes the Flag API: base is its absolute URL,
// version the software's, date when this description was made.
func NewCapabilityStatement(base, version string, date time.Time) *CapabilityStatement {
	return &CapabilityStatement{
		ResourceType:   "CapabilityStatement",
		Status:         "active",
		Date:           Instant(date),
		Publisher:      "Safehub",
		Kind:           "instance",
		Software:       &Software{Name: "Safehub", Version: version},
		Implementation: &Implementation{Description: "Safehub health flag look-up: children at risk of exploitation, by NHS number", URL: strings.TrimSuffix(base, "/")},
		FHIRVersion:    FHIRVersion,
		Format:         []string{MediaType, "json"},
		Rest: []Rest{{
			Mode:          "server",
			Documentation: "Look up a child's active safeguarding flags by NHS number. Every look-up is recorded and tells the child's lead practitioner the setting and time. Prefer POST [base]/Flag/_search with a form body, which keeps the NHS number out of URLs and logs.",
			Security: &Security{Description: "A bearer token (Authorization: Bearer …) issued by the hub with the scope flag:read, one per setting. The optional header " +
				PractitionerHeader + " names the practitioner or role making the look-up (at most " + strconv.Itoa(MaxPractitioner) + " characters); it is recorded with the look-up and passed to the lead practitioner."},
			Resource: []RestResource{{
				Type:             "Flag",
				Profile:          ProfileFlag,
				SupportedProfile: []string{ProfileUKCoreFlag},
				Documentation:    "Only active flags are returned by search. Exactly one NHS number per search; any other parameter, modifier or system is refused with 400.",
				Interaction:      []Interaction{{Code: "read"}, {Code: "search-type"}},
				SearchParam: []SearchParam{
					{Name: "patient", Definition: "http://hl7.org/fhir/SearchParameter/clinical-patient", Type: "reference",
						Documentation: "Only with the :identifier modifier and the NHS number system: patient:identifier=" + SystemNHSNumber + "|9434765919. Chained search (patient.identifier) is not supported: flags refer to the child by identifier only."},
					{Name: "_count", Type: "number", Documentation: "At most " + strconv.Itoa(MaxCount) + " (the default)."},
				},
			}},
		}},
	}
}
