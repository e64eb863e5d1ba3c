package hub

import (
	"slices"
	"strings"
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

// Label is the category's name for people: "CSE risk". A configured
// category without a built-in label is shown with its hyphens as spaces.
func (c FlagCategory) Label() string {
	switch c {
	case FlagCSE:
		return "CSE risk"
	case FlagCCE:
		return "CCE risk (county lines)"
	case FlagMissing:
		return "Missing — repeat"
	case FlagTrafficked:
		return "Trafficking / NRM"
	}
	s := strings.ReplaceAll(string(c), "-", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// ValidFlagCategoryCode reports whether s can name a flag category: 1 to 40
// lower-case ASCII letters, digits and inner hyphens ("online-harm").
func ValidFlagCategoryCode(s string) bool {
	if len(s) == 0 || len(s) > 40 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

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

// FlagRiskLevels are the levels a flag may carry: a flag is never set for
// "no risk".
var FlagRiskLevels = []RiskLevel{RiskLow, RiskMedium, RiskHigh}

// MaxFlagAdvice is the most characters of advice a flag may show health
// staff: short, with no detail of the concern.
const MaxFlagAdvice = 300

// MaxFlagNote is the most characters of a flag's reason, end reason or a
// note of its history.
const MaxFlagNote = 4000

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
	// ReviewedAt and ReviewedBy (a user id) are the last review; zero until
	// the first.
	ReviewedAt time.Time
	ReviewedBy string
	// ReviewPrompt says why a review was brought forward ("case closed"),
	// until the next review.
	ReviewPrompt string

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

// Terminal reports whether the flag can no longer change: one marked
// entered-in-error.
func (f *Flag) Terminal() bool { return f.Status == FlagEnteredInError }

// Validate checks a flag's structure and the rules of V-FLAG (domain.md
// §9): a known status, a category, a risk level, a start date, an end date
// not before the start, a review date after the start, an active flag open
// and an ended one closed, advice that is short, and notes within bounds.
// The category's membership of the configured list, the contact phone's
// format and the lead practitioner are checked by the app, which knows
// them.
func (f *Flag) Validate() error {
	if !f.Status.Valid() {
		return Invalid("status", "must be active, inactive or entered-in-error")
	}
	if !ValidFlagCategoryCode(string(f.Category)) {
		return Invalid("category", "is required")
	}
	if !slices.Contains(FlagRiskLevels, f.RiskLevel) {
		return Invalid("risk_level", "must be low, medium or high")
	}
	if f.Start.IsZero() {
		return Invalid("start_date", "is required")
	}
	if f.ReviewDue.IsZero() && f.Status == FlagActive {
		return Invalid("review_due", "is required")
	}
	if !f.ReviewDue.IsZero() && !f.ReviewDue.After(f.Start) {
		return Invalid("review_due", "must be after the start date")
	}
	switch {
	case f.Status == FlagActive && !f.End.IsZero():
		return Invalid("end_date", "must be empty while the flag is active")
	case f.Status == FlagInactive && f.End.IsZero():
		return Invalid("end_date", "is required for an ended flag")
	case !f.End.IsZero() && f.End.Before(f.Start):
		return Invalid("end_date", "is before the start date")
	}
	if err := ValidateText("advice", f.Advice, 1, MaxFlagAdvice); err != nil {
		return err
	}
	if err := ValidateNote("reason", f.Reason, MaxFlagNote); err != nil {
		return err
	}
	if err := ValidateNote("end_reason", f.EndReason, MaxFlagNote); err != nil {
		return err
	}
	if err := ValidateText("contact_hours", f.ContactHours, 0, 200); err != nil {
		return err
	}
	if err := ValidateText("review_prompt", f.ReviewPrompt, 0, 500); err != nil {
		return err
	}
	return nil
}

// Actions recorded in a flag's history.
const (
	FlagActSet            = "set"
	FlagActImport         = "import"
	FlagActUpdate         = "update"
	FlagActReview         = "review"
	FlagActReviewPrompted = "review_prompted"
	FlagActLeadChanged    = "lead_changed"
	FlagActEnd            = "end"
	FlagActEnteredInError = "entered_in_error"
)

// FlagChange is one version of a flag in its history: what was done, by
// whom, when, and the flag as it stood afterwards.
type FlagChange struct {
	FlagID    string
	Version   int
	Action    string
	ActorID   string
	ActorName string
	At        time.Time
	// Note is the reviewer's or editor's note, or why a review was prompted.
	Note string
	// State is the flag after the change (its ID, PersonID, times and
	// review fields are not kept per version).
	State Flag
}

// FlagConsultation is a call the hub's nurse answered about a flagged
// child: a clinician at a setting asking what to do.
type FlagConsultation struct {
	ID       string
	FlagID   string
	PersonID string
	AreaID   string
	On       Date
	// Caller is who called ("ED registrar"); Setting where from ("Leicester
	// Royal Infirmary ED").
	Caller  string
	Setting string
	Note    string
	// RecordedBy is the user who recorded it; RecordedByName their name.
	RecordedBy     string
	RecordedByName string
	CreatedAt      time.Time
}

// FlagReferralOutcome is where a referral to a service stands.
type FlagReferralOutcome string

// Referral outcomes.
const (
	ReferralAwaiting  FlagReferralOutcome = "awaiting"
	ReferralAccepted  FlagReferralOutcome = "accepted"
	ReferralDeclined  FlagReferralOutcome = "declined"
	ReferralNoEngage  FlagReferralOutcome = "did-not-engage"
	ReferralCompleted FlagReferralOutcome = "completed"
)

// FlagReferralOutcomes lists the outcomes in the order they are offered.
var FlagReferralOutcomes = []FlagReferralOutcome{ReferralAwaiting, ReferralAccepted, ReferralDeclined, ReferralNoEngage, ReferralCompleted}

// Valid reports whether o is a known outcome.
func (o FlagReferralOutcome) Valid() bool { return slices.Contains(FlagReferralOutcomes, o) }

// Label is the outcome for people.
func (o FlagReferralOutcome) Label() string {
	switch o {
	case ReferralAwaiting:
		return "Awaiting a decision"
	case ReferralAccepted:
		return "Accepted"
	case ReferralDeclined:
		return "Declined"
	case ReferralNoEngage:
		return "Did not engage"
	case ReferralCompleted:
		return "Completed"
	}
	return string(o)
}

// FlagReferral is a referral of a flagged child to a support or recovery
// service, recorded on the flag.
type FlagReferral struct {
	ID         string
	FlagID     string
	PersonID   string
	AreaID     string
	Service    string
	ReferredOn Date
	Outcome    FlagReferralOutcome
	// OutcomeOn is when the outcome was known; zero while awaiting.
	OutcomeOn      Date
	Note           string
	RecordedBy     string
	RecordedByName string
	Version        int
	CreatedAt      time.Time
	UpdatedAt      time.Time

	// CaseID is set when the referral is the child's case's service
	// referral (made from the flag while the case was active): casework
	// keeps it, with casework's outcomes (CaseOutcome; Outcome is then
	// unused).
	CaseID      string
	CaseOutcome ServiceOutcome
}
