package hub

import (
	"slices"
	"strings"
	"time"
)

// Casework, part A (issue 4): referrals to the hub's front door, the
// combined risk assessment, and contexts (places and groups) as subjects.

// Valid reports whether k is a known subject kind.
func (k SubjectKind) Valid() bool { return k == SubjectPerson || k == SubjectContext }

// Valid reports whether s names a subject: a known kind and an identifier.
func (s Subject) Valid() bool { return s.Kind.Valid() && ValidID(s.ID) }

// Valid reports whether k is a known context kind.
func (k ContextKind) Valid() bool { return slices.Contains(ContextKinds, k) }

// Label is the human name of the kind.
func (k ContextKind) Label() string {
	switch k {
	case ContextLocation:
		return "Location"
	case ContextPeerGroup:
		return "Peer group"
	case ContextSchool:
		return "School"
	case ContextOnline:
		return "Online space"
	}
	return string(k)
}

// MaxContextMembers bounds the members of one context.
const MaxContextMembers = 200

// Validate checks a context's fields: kind, name, description, place and
// members (each a person, a short role, and dates in order, none twice for
// the same period).
func (c *Context) Validate() error {
	if !c.Kind.Valid() {
		return Invalid("kind", "must be location, peer_group, school or online")
	}
	if err := ValidateText("name", c.Name, 1, 200); err != nil {
		return err
	}
	if strings.TrimSpace(c.Name) == "" {
		return Invalid("name", "is required")
	}
	if err := ValidateNote("description", c.Description, 5000); err != nil {
		return err
	}
	if !ValidID(c.AreaID) {
		return Invalid("area_id", "is required")
	}
	if !ValidID(c.OwnerAgencyID) {
		return Invalid("owner_agency_id", "is required")
	}
	if c.Latitude < -90 || c.Latitude > 90 {
		return Invalid("latitude", "must be between -90 and 90")
	}
	if c.Longitude < -180 || c.Longitude > 180 {
		return Invalid("longitude", "must be between -180 and 180")
	}
	if (c.Latitude == 0) != (c.Longitude == 0) {
		return Invalid("latitude", "give both latitude and longitude, or neither")
	}
	if len(c.Members) > MaxContextMembers {
		return Invalid("members", "a context has at most %d members", MaxContextMembers)
	}
	for _, m := range c.Members {
		if !ValidID(m.PersonID) {
			return Invalid("members", "a member must be a person record")
		}
		if err := ValidateText("members.role", m.Role, 1, 50); err != nil {
			return err
		}
		if !m.From.IsZero() && !m.To.IsZero() && m.To.Before(m.From) {
			return Invalid("members.to", "is before the date the membership started")
		}
	}
	return nil
}

// Urgency says how soon a referral needs attention.
type Urgency string

// Urgencies.
const (
	UrgencyRoutine   Urgency = "routine"   // within the decision deadline
	UrgencyUrgent    Urgency = "urgent"    // the same day
	UrgencyImmediate Urgency = "immediate" // a child at immediate risk: now
)

// Urgencies lists the urgencies, least urgent first.
var Urgencies = []Urgency{UrgencyRoutine, UrgencyUrgent, UrgencyImmediate}

// Valid reports whether u is a known urgency.
func (u Urgency) Valid() bool { return slices.Contains(Urgencies, u) }

// Label is the human name of the urgency.
func (u Urgency) Label() string {
	switch u {
	case UrgencyRoutine:
		return "Routine"
	case UrgencyUrgent:
		return "Urgent (same day)"
	case UrgencyImmediate:
		return "Immediate risk"
	}
	return string(u)
}

// ReferralDecision is what the hub decided to do about a referral.
type ReferralDecision string

// Referral decisions (Working Together 2023: a decision within one working
// day). The empty decision means not decided yet.
const (
	DecisionPending   ReferralDecision = ""
	DecisionNFA       ReferralDecision = "nfa"                 // no further action
	DecisionAdvice    ReferralDecision = "advice"              // advice or information to the referrer
	DecisionEarlyHelp ReferralDecision = "early_help"          // early help
	DecisionOpenCase  ReferralDecision = "open_case"           // open a hub case
	DecisionStrategy  ReferralDecision = "strategy_discussion" // strategy discussion (s47 route)
)

// ReferralDecisions lists the decisions that can be made.
var ReferralDecisions = []ReferralDecision{DecisionNFA, DecisionAdvice, DecisionEarlyHelp, DecisionOpenCase, DecisionStrategy}

// Valid reports whether d is a decision that can be made.
func (d ReferralDecision) Valid() bool { return slices.Contains(ReferralDecisions, d) }

// Label is the human name of the decision.
func (d ReferralDecision) Label() string {
	switch d {
	case DecisionPending:
		return "Not decided"
	case DecisionNFA:
		return "No further action"
	case DecisionAdvice:
		return "Advice"
	case DecisionEarlyHelp:
		return "Early help"
	case DecisionOpenCase:
		return "Open a hub case"
	case DecisionStrategy:
		return "Strategy discussion"
	}
	return string(d)
}

// Referral limits.
const (
	MaxConcerns        = 10000 // runes of the concerns' free text
	MaxDecisionReason  = 5000
	MaxReferralIndics  = 60
	referralEarliestYr = 2000
)

// Referral is a contact with the hub's front door about a child, or about a
// place or a group (contextual safeguarding): who referred, what they are
// worried about, and what the hub decided.
type Referral struct {
	ID      string
	Subject Subject
	// AreaID is the subject's area, copied for scoping; OwnerAgencyID is the
	// agency that recorded the referral.
	AreaID        string
	OwnerAgencyID string

	// ReferrerName and ReferrerRole say who referred. ReferrerAgencyID is a
	// partner agency in Safehub; ReferrerOrg names an organisation outside
	// the partnership (or "member of the public"). One of the two is given.
	ReferrerName     string
	ReferrerRole     string
	ReferrerAgencyID string
	ReferrerOrg      string

	ReceivedAt time.Time
	Concerns   string
	// Indicators are codes of the screening tool (package risk).
	Indicators []string
	Urgency    Urgency

	// DecisionDue is ReceivedAt plus the configured working days.
	DecisionDue    time.Time
	Decision       ReferralDecision
	DecisionReason string
	DecidedBy      string
	DecidedByName  string
	DecidedAt      time.Time
	// CaseID is the hub case opened from the referral, when there is one.
	CaseID string
	// AllocatedTo is the user who is to decide it; empty while unallocated.
	AllocatedTo string
	// ExternalRef is the referral's reference in the system it came from
	// (a synthetic "RF…" id), unique when set.
	ExternalRef string

	CreatedBy string
	Version   int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Decided reports whether a decision has been made.
func (r *Referral) Decided() bool { return r.Decision != DecisionPending }

// Overdue reports whether the decision is late at now.
func (r *Referral) Overdue(now time.Time) bool { return !r.Decided() && now.After(r.DecisionDue) }

// Validate checks the referral's fields. now refuses receipt times in the
// future. Indicator codes are checked against the screening tool by the
// app, which knows the configured tool.
func (r *Referral) Validate(now time.Time) error {
	if !r.Subject.Kind.Valid() {
		return Invalid("subject_kind", "must be person or context")
	}
	if !ValidID(r.Subject.ID) {
		return Invalid("subject_id", "is not a record identifier")
	}
	if !ValidID(r.AreaID) {
		return Invalid("area_id", "is required")
	}
	if !ValidID(r.OwnerAgencyID) {
		return Invalid("owner_agency_id", "is required")
	}
	if err := ValidateText("referrer_name", r.ReferrerName, 1, 200); err != nil {
		return err
	}
	if strings.TrimSpace(r.ReferrerName) == "" {
		return Invalid("referrer_name", "is required")
	}
	if err := ValidateText("referrer_role", r.ReferrerRole, 0, 100); err != nil {
		return err
	}
	switch {
	case r.ReferrerAgencyID != "" && r.ReferrerOrg != "":
		return Invalid("referrer_org", "give the referrer's partner agency or an outside organisation, not both")
	case r.ReferrerAgencyID != "":
		if !ValidID(r.ReferrerAgencyID) {
			return Invalid("referrer_agency_id", "is not an agency")
		}
	default:
		if err := ValidateText("referrer_org", r.ReferrerOrg, 1, 200); err != nil {
			return Invalid("referrer_org", "give the referrer's partner agency or, for someone outside the partnership, their organisation")
		}
	}
	if r.ReceivedAt.IsZero() {
		return Invalid("received_at", "is required")
	}
	if r.ReceivedAt.After(now.Add(5 * time.Minute)) {
		return Invalid("received_at", "is in the future")
	}
	if r.ReceivedAt.Year() < referralEarliestYr {
		return Invalid("received_at", "is before %d", referralEarliestYr)
	}
	if err := ValidateNote("concerns", r.Concerns, MaxConcerns); err != nil {
		return err
	}
	if strings.TrimSpace(r.Concerns) == "" {
		return Invalid("concerns", "say what the referrer is worried about")
	}
	if len(r.Indicators) > MaxReferralIndics {
		return Invalid("indicators", "at most %d indicators", MaxReferralIndics)
	}
	if !r.Urgency.Valid() {
		return Invalid("urgency", "must be routine, urgent or immediate")
	}
	if err := ValidateText("external_ref", r.ExternalRef, 0, 100); err != nil {
		return err
	}
	if r.Decided() {
		return r.validateDecision()
	}
	return nil
}

func (r *Referral) validateDecision() error {
	if !r.Decision.Valid() {
		return Invalid("decision", "must be one of nfa, advice, early_help, open_case, strategy_discussion")
	}
	if err := ValidateNote("decision_reason", r.DecisionReason, MaxDecisionReason); err != nil {
		return err
	}
	if strings.TrimSpace(r.DecisionReason) == "" {
		return Invalid("decision_reason", "say why this decision was made")
	}
	if r.DecidedAt.Before(r.ReceivedAt) {
		return Invalid("decided_at", "is before the referral was received")
	}
	return nil
}

// AssessmentStatus is where a combined risk assessment stands.
type AssessmentStatus string

// Assessment statuses: open while agencies contribute, completed once the
// level is set.
const (
	AssessmentOpen      AssessmentStatus = "open"
	AssessmentCompleted AssessmentStatus = "completed"
)

// Assessment limits.
const (
	MaxEvidence    = 10000
	MaxLevelReason = 5000
)

// Assessment is one cycle of the combined (multi-agency) risk assessment of
// a subject: each agency's contribution kept separate and attributed, the
// screening tool's score and suggested level from the union of their
// indicators, and the level a practitioner set by professional judgement,
// with a reason where it differs from the suggestion. A subject has one
// assessment per review cycle; Latest marks the current one.
type Assessment struct {
	ID            string
	Subject       Subject
	AreaID        string
	OwnerAgencyID string
	// ReferralID is the referral that started it, if one did.
	ReferralID string
	Cycle      int
	Latest     bool
	Status     AssessmentStatus

	// Contributions are the current contribution of each agency, in the
	// order they were first made.
	Contributions []Contribution
	// Indicators is the union of the contributions' indicators; Score and
	// Suggested are the screening tool's reading of them.
	Indicators []string
	Score      int
	Suggested  RiskLevel

	Level          RiskLevel
	LevelReason    string
	AssessedBy     string
	AssessedByName string
	AssessedAt     time.Time
	// ReviewDue is when the assessment is to be reviewed (a new cycle);
	// zero when no review is due. ReviewerID owns that review.
	ReviewDue  Date
	ReviewerID string

	CreatedBy string
	Version   int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Contribution is one agency's part of a combined risk assessment. Saving
// a contribution again adds a new one (Seq), so earlier ones stay as
// history.
type Contribution struct {
	Seq        int
	AgencyID   string
	AgencyName string
	AgencyKind AgencyKind
	AuthorID   string
	AuthorName string
	Indicators []string
	Evidence   string
	At         time.Time
}

// Contribution returns the current contribution of an agency, or nil.
func (a *Assessment) Contribution(agencyID string) *Contribution {
	for i := range a.Contributions {
		if a.Contributions[i].AgencyID == agencyID {
			return &a.Contributions[i]
		}
	}
	return nil
}

// AssessmentChange is one entry of an assessment's history: every change
// writes one, with the state after it.
type AssessmentChange struct {
	Version   int
	Action    string // "start", "contribution", "level"
	ActorID   string
	ActorName string
	At        time.Time
	Score     int
	Suggested RiskLevel
	Level     RiskLevel
	Reason    string
	ReviewDue Date
	Detail    string
}
