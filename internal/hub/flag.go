package hub

import (
	"slices"
	"time"
)

// FlagStatus is a health flag's status, as FHIR R4 Flag.status has it.
type FlagStatus string

// Flag statuses. entered-in-error is terminal: the flag should never have
// existed and health systems must not treat it as real.
const (
	FlagActive         FlagStatus = "active"
	FlagInactive       FlagStatus = "inactive"
	FlagEnteredInError FlagStatus = "entered-in-error"
)

// Valid reports whether s is a known status.
func (s FlagStatus) Valid() bool {
	return s == FlagActive || s == FlagInactive || s == FlagEnteredInError
}

// FlagCategory says what a health flag warns of. The built-in categories
// are below; a deployment may configure others.
type FlagCategory string

// Built-in flag categories.
const (
	FlagCSE        FlagCategory = "cse-risk"        // at risk of child sexual exploitation
	FlagCCE        FlagCategory = "cce-risk"        // at risk of child criminal exploitation (county lines)
	FlagMissing    FlagCategory = "missing-repeat"  // goes missing repeatedly
	FlagTrafficked FlagCategory = "trafficking-nrm" // possible victim of trafficking or modern slavery (NRM)
)

// FlagCategories lists the built-in categories.
var FlagCategories = []FlagCategory{FlagCSE, FlagCCE, FlagMissing, FlagTrafficked}

// RiskLevel is an assessed level of risk.
type RiskLevel string

// Risk levels (domain.md §4.2; local thresholds are configuration).
const (
	RiskNone   RiskLevel = "none"
	RiskLow    RiskLevel = "low"
	RiskMedium RiskLevel = "medium"
	RiskHigh   RiskLevel = "high"
)

// RiskLevels lists the levels, lowest first.
var RiskLevels = []RiskLevel{RiskNone, RiskLow, RiskMedium, RiskHigh}

// Valid reports whether r is a known level.
func (r RiskLevel) Valid() bool { return slices.Contains(RiskLevels, r) }

// Flag is the electronic "at risk" flag the hub's specialist nurse keeps
// on a child's health record, which health front doors look up by NHS
// number. The reason stays inside the hub; health staff see only the
// category, the advice and whom to call.
type Flag struct {
	ID       string
	PersonID string
	// AreaID and OwnerAgencyID are the person's, for access decisions.
	AreaID        string
	OwnerAgencyID string

	Status    FlagStatus
	Category  FlagCategory
	RiskLevel RiskLevel
	// Start and End are the period the flag applies; End is zero while open.
	Start     Date
	End       Date
	ReviewDue Date

	// Reason is the hub's reason for the flag: internal, never sent to
	// health systems.
	Reason string
	// Advice is what health staff are shown: short, with no detail of the
	// concern ("Child at risk of exploitation. Call the hub before
	// discharge.").
	Advice string
	// ContactPhone and ContactHours are the hub's consultation line.
	ContactPhone string
	ContactHours string
	// LeadUserID is the child's lead practitioner, notified of every look-up.
	LeadUserID string
	// EndReason says why the flag was ended or marked entered-in-error.
	EndReason string

	CreatedBy string
	Version   int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Active reports whether the flag applies on date d.
func (f *Flag) Active(d Date) bool {
	if f.Status != FlagActive || d.Before(f.Start) {
		return false
	}
	return f.End.IsZero() || !d.After(f.End)
}
