// Package fhir holds the FHIR R4 (4.0.1) resources Safehub answers health
// systems with — Flag, Bundle (searchset), OperationOutcome and
// CapabilityStatement — as Go structs with their JSON names, the mapping
// from a hub.Flag to a UK Core Flag, and the parser of the one search the
// Flag API allows. It is pure: values in, values out; the HTTP surface is
// package fhirapi.
//
// What a Flag carries is deliberately little (security.md SEC-24): its
// status, the category "safety", a code saying what the flag warns of, the
// child by NHS number only, the period, the owning agency as author, and
// the advice and the hub's contact line as the code's text. Never the
// reason, notes, risk narrative, address or the child's name.
package fhir

import (
	"time"
)

// Canonical URLs and code systems.
const (
	// ProfileUKCoreFlag is the UK Core Flag profile every Flag claims.
	ProfileUKCoreFlag = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Flag"
	// ProfileFlag is the base R4 Flag definition.
	ProfileFlag = "http://hl7.org/fhir/StructureDefinition/Flag"
	// SystemNHSNumber is the identifier system of NHS numbers.
	SystemNHSNumber = "https://fhir.nhs.uk/Id/nhs-number"
	// SystemFlagCategory is R4's flag category code system; flags are
	// "safety".
	SystemFlagCategory = "http://terminology.hl7.org/CodeSystem/flag-category"
	// SystemFlagCode is Safehub's local code system for what a flag warns
	// of. Its codes are the flag categories: cse-risk, cce-risk,
	// missing-repeat, trafficking-nrm, and any a deployment configures
	// (lower-case letters, digits and hyphens). No UK Core or SNOMED CT
	// value set covers exploitation risk (domain.md §2.1), so a local code
	// system it is; a deployment publishing its own can change the URL.
	SystemFlagCode = "https://safehub.example/CodeSystem/flag-code"
	// FHIRVersion is the version of FHIR spoken.
	FHIRVersion = "4.0.1"
	// MediaType is the JSON media type of FHIR resources.
	MediaType = "application/fhir+json"
)

// Meta is a resource's metadata.
type Meta struct {
	VersionID   string   `json:"versionId,omitempty"`
	LastUpdated string   `json:"lastUpdated,omitempty"`
	Profile     []string `json:"profile,omitempty"`
}

// Coding is a code from a code system.
type Coding struct {
	System  string `json:"system,omitempty"`
	Code    string `json:"code,omitempty"`
	Display string `json:"display,omitempty"`
}

// CodeableConcept is a concept as codes and text.
type CodeableConcept struct {
	Coding []Coding `json:"coding,omitempty"`
	Text   string   `json:"text,omitempty"`
}

// Identifier is a business identifier.
type Identifier struct {
	System string `json:"system,omitempty"`
	Value  string `json:"value,omitempty"`
}

// Reference refers to another resource, here always logically: by
// identifier or by display, never by a URL of ours.
type Reference struct {
	Reference  string      `json:"reference,omitempty"`
	Type       string      `json:"type,omitempty"`
	Identifier *Identifier `json:"identifier,omitempty"`
	Display    string      `json:"display,omitempty"`
}

// Period is a time range; dates here.
type Period struct {
	Start string `json:"start,omitempty"`
	End   string `json:"end,omitempty"`
}

// Flag is an R4 Flag following the UK Core Flag profile.
type Flag struct {
	ResourceType string            `json:"resourceType"`
	ID           string            `json:"id,omitempty"`
	Meta         *Meta             `json:"meta,omitempty"`
	Status       string            `json:"status"`
	Category     []CodeableConcept `json:"category,omitempty"`
	Code         CodeableConcept   `json:"code"`
	Subject      Reference         `json:"subject"`
	Period       *Period           `json:"period,omitempty"`
	Author       *Reference        `json:"author,omitempty"`
}

// Bundle is an R4 Bundle; Safehub returns only searchsets of Flags.
type Bundle struct {
	ResourceType string        `json:"resourceType"`
	ID           string        `json:"id,omitempty"`
	Meta         *Meta         `json:"meta,omitempty"`
	Type         string        `json:"type"`
	Total        *int          `json:"total,omitempty"`
	Entry        []BundleEntry `json:"entry,omitempty"`
}

// BundleEntry is one resource of a Bundle.
type BundleEntry struct {
	FullURL  string        `json:"fullUrl,omitempty"`
	Resource *Flag         `json:"resource,omitempty"`
	Search   *BundleSearch `json:"search,omitempty"`
}

// BundleSearch says why an entry is in a searchset.
type BundleSearch struct {
	Mode string `json:"mode,omitempty"`
}

// OperationOutcome reports errors.
type OperationOutcome struct {
	ResourceType string  `json:"resourceType"`
	Issue        []Issue `json:"issue"`
}

// Issue is one problem of an OperationOutcome.
type Issue struct {
	Severity    string           `json:"severity"`
	Code        string           `json:"code"`
	Details     *CodeableConcept `json:"details,omitempty"`
	Diagnostics string           `json:"diagnostics,omitempty"`
}

// Issue severities (R4 value set issue-severity).
const (
	SeverityFatal       = "fatal"
	SeverityError       = "error"
	SeverityWarning     = "warning"
	SeverityInformation = "information"
)

// Issue types used here (R4 value set issue-type).
const (
	IssueInvalid      = "invalid"       // content invalid against the specification or a profile
	IssueStructure    = "structure"     // a structural issue in the content
	IssueRequired     = "required"      // a required element is missing
	IssueValue        = "value"         // an element or header value is invalid
	IssueTooLong      = "too-long"      // the content is too long
	IssueLogin        = "login"         // the user needs to log in
	IssueForbidden    = "forbidden"     // the user may not do this
	IssueNotFound     = "not-found"     // the reference was not found
	IssueNotSupported = "not-supported" // the interaction, operation, resource or profile is not supported
	IssueThrottled    = "throttled"     // the system is not prepared to handle this request now
	IssueTransient    = "transient"     // a transient processing issue; try again later
	IssueException    = "exception"     // an unexpected internal error
	IssueConflict     = "conflict"      // a content or version conflict
)

// NewOutcome returns an OperationOutcome with one issue.
func NewOutcome(severity, code, text string) *OperationOutcome {
	return &OperationOutcome{ResourceType: "OperationOutcome", Issue: []Issue{{Severity: severity, Code: code, Details: &CodeableConcept{Text: text}}}}
}

// Instant formats t as a FHIR instant (UTC, milliseconds).
func Instant(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z07:00") }
