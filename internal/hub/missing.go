package hub

import (
	"slices"
	"strings"
	"time"
)

// EpisodeType is the kind of a missing episode (domain.md §3.1).
type EpisodeType string

// Episode types. Children missing education (CME) are their own type,
// with no police risk grading and no return home interview.
const (
	EpisodeMissing   EpisodeType = "missing"
	EpisodeAway      EpisodeType = "away_without_authorisation" // a looked-after child whose whereabouts are known but who is not where they should be
	EpisodeEducation EpisodeType = "missing_education"          // CME
)

// EpisodeTypes lists every episode type.
var EpisodeTypes = []EpisodeType{EpisodeMissing, EpisodeAway, EpisodeEducation}

// Valid reports whether t is a known type.
func (t EpisodeType) Valid() bool { return slices.Contains(EpisodeTypes, t) }

// Label is the human name of the type.
func (t EpisodeType) Label() string {
	switch t {
	case EpisodeMissing:
		return "Missing"
	case EpisodeAway:
		return "Away without authorisation"
	case EpisodeEducation:
		return "Missing education"
	}
	return string(t)
}

// Police reports whether the type is a police matter: graded for risk and
// followed by a return home interview. Children missing education are not.
func (t EpisodeType) Police() bool { return t == EpisodeMissing || t == EpisodeAway }

// MissingFrom is where a child went missing from.
type MissingFrom string

// Places a child goes missing from.
const (
	FromHome      MissingFrom = "home"
	FromCare      MissingFrom = "care" // a care placement: foster or residential
	FromEducation MissingFrom = "education"
)

// MissingFroms lists every place.
var MissingFroms = []MissingFrom{FromHome, FromCare, FromEducation}

// Valid reports whether f is known.
func (f MissingFrom) Valid() bool { return slices.Contains(MissingFroms, f) }

// Label is the human name of the place.
func (f MissingFrom) Label() string {
	switch f {
	case FromHome:
		return "Home"
	case FromCare:
		return "Care placement"
	case FromEducation:
		return "Education"
	}
	return string(f)
}

// PoliceRisk is the police risk grading of a missing person report
// (College of Policing APP; domain.md §3.2). There is no "absent".
type PoliceRisk string

// Police risk levels, lowest first.
const (
	PoliceRiskVeryLow PoliceRisk = "very_low" // no apparent risk
	PoliceRiskLow     PoliceRisk = "low"
	PoliceRiskMedium  PoliceRisk = "medium"
	PoliceRiskHigh    PoliceRisk = "high"
)

// PoliceRisks lists the levels, lowest first.
var PoliceRisks = []PoliceRisk{PoliceRiskVeryLow, PoliceRiskLow, PoliceRiskMedium, PoliceRiskHigh}

// Valid reports whether r is a known level.
func (r PoliceRisk) Valid() bool { return slices.Contains(PoliceRisks, r) }

// Label is the human name of the level.
func (r PoliceRisk) Label() string {
	switch r {
	case PoliceRiskVeryLow:
		return "Very low (no apparent risk)"
	case PoliceRiskLow:
		return "Low"
	case PoliceRiskMedium:
		return "Medium"
	case PoliceRiskHigh:
		return "High"
	}
	return string(r)
}

// ReporterKinds are who may report a child missing; free text is kept
// beside the kind for the reporter's name and contact (APP asks for them).
var ReporterKinds = []string{"parent", "carer", "foster_carer", "residential_home", "school", "social_worker", "police", "self", "other"}

// Limits on missing-episode text.
const (
	MaxPlaceLen = 200  // a place: "Leicester railway station, platform 2"
	MaxShortLen = 200  // a name, a reference, a reporter
	MaxNoteLen  = 4000 // circumstances, conditions, interview content
)

// MissingEpisode is one episode of a child being missing from home, care or
// education, from when they were last seen to their return.
type MissingEpisode struct {
	ID       string
	PersonID string
	// AreaID, OwnerAgencyID and Sensitivity are the child's (read from the
	// person record, never stored apart from it), for access decisions.
	AreaID        string
	OwnerAgencyID string
	Sensitivity   Sensitivity
	// PersonName is the child's name as lists show it (read, not stored).
	PersonName string

	Type EpisodeType
	From MissingFrom

	LastSeenAt    time.Time
	LastSeenPlace string
	ReportedAt    time.Time
	// ReportedBy is one of ReporterKinds; ReporterDetail is the reporter's
	// name and contact as given.
	ReportedBy      string
	ReporterDetail  string
	PoliceReference string
	// RiskLevel is the current police grading; its changes are kept in
	// RiskHistory. Empty for children missing education.
	RiskLevel     PoliceRisk
	Circumstances string
	// Clothing and StepsTaken are Philomena Part 2: what the child was
	// wearing, and what carers have already done.
	Clothing   string
	StepsTaken string

	// Found and returned. Zero while the child is still missing.
	FoundAt    time.Time
	FoundPlace string
	FoundBy    string
	// FoundWith is free text; FoundWithIDs are person records of those the
	// child was found with.
	FoundWith    string
	FoundWithIDs []string
	OutOfArea    bool
	Condition    string
	ReturnedAt   time.Time
	ReturnedTo   string

	// PhilomenaVersion is the version of the child's Philomena profile
	// pulled into this report, or 0.
	PhilomenaVersion int

	CreatedBy string
	Version   int
	CreatedAt time.Time
	UpdatedAt time.Time

	// RiskHistory and Updates are filled when the episode is read whole.
	RiskHistory []RiskChange
	Updates     []EpisodeUpdate
}

// Open reports whether the child has not yet returned.
func (e *MissingEpisode) Open() bool { return e.ReturnedAt.IsZero() }

// End is when the episode ended (the return), or the zero time while open.
func (e *MissingEpisode) End() time.Time { return e.ReturnedAt }

// Duration is how long the child was missing: from last seen to return, or
// to now while still missing.
func (e *MissingEpisode) Duration(now time.Time) time.Duration {
	end := e.ReturnedAt
	if end.IsZero() {
		end = now
	}
	if end.Before(e.LastSeenAt) {
		return 0
	}
	return end.Sub(e.LastSeenAt)
}

// Overlaps reports whether e and o cover some common time. An open
// episode runs on for ever.
func (e *MissingEpisode) Overlaps(o *MissingEpisode) bool {
	aEnd, bEnd := e.ReturnedAt, o.ReturnedAt
	startsBefore := func(start, end time.Time) bool { return end.IsZero() || start.Before(end) }
	return startsBefore(o.LastSeenAt, aEnd) && startsBefore(e.LastSeenAt, bEnd)
}

// Validate checks the episode's fields and the order of its times (V-MISS:
// last seen ≤ reported ≤ found ≤ returned, none in the future), naming the
// field at fault.
func (e *MissingEpisode) Validate(now time.Time) error {
	if !ValidID(e.PersonID) {
		return Invalid("person_id", "is required")
	}
	if !e.Type.Valid() {
		return Invalid("type", "must be missing, away_without_authorisation or missing_education")
	}
	if !e.From.Valid() {
		return Invalid("missing_from", "must be home, care or education")
	}
	if e.Type == EpisodeEducation && e.From != FromEducation {
		return Invalid("missing_from", "a child missing education is missing from education")
	}
	if e.Type == EpisodeAway && e.From != FromCare {
		return Invalid("missing_from", "only a looked-after child is away from placement without authorisation; they are away from care")
	}
	if e.Type.Police() {
		if e.RiskLevel == "" {
			return Invalid("police_risk_level", "is required: grade the risk before saving (very low, low, medium or high)")
		}
		if !e.RiskLevel.Valid() {
			return Invalid("police_risk_level", "must be very_low, low, medium or high")
		}
	} else if e.RiskLevel != "" {
		return Invalid("police_risk_level", "is not graded for a child missing education; leave it blank")
	}
	if e.LastSeenAt.IsZero() {
		return Invalid("last_seen_at", "is required")
	}
	if e.ReportedAt.IsZero() {
		return Invalid("reported_at", "is required")
	}
	if !slices.Contains(ReporterKinds, e.ReportedBy) {
		return Invalid("reported_by", "must be one of %s", strings.Join(ReporterKinds, ", "))
	}
	for _, f := range []struct {
		name, v string
		min     int
		max     int
	}{
		{"last_seen_place", e.LastSeenPlace, 1, MaxPlaceLen},
		{"reporter_detail", e.ReporterDetail, 0, MaxShortLen},
		{"police_reference", e.PoliceReference, 0, 50},
		{"found_place", e.FoundPlace, 0, MaxPlaceLen},
		{"found_by", e.FoundBy, 0, MaxShortLen},
		{"found_with", e.FoundWith, 0, MaxShortLen},
		{"returned_to", e.ReturnedTo, 0, MaxPlaceLen},
	} {
		if err := ValidateText(f.name, f.v, f.min, f.max); err != nil {
			return err
		}
	}
	for _, f := range []struct{ name, v string }{{"circumstances", e.Circumstances}, {"clothing", e.Clothing}, {"steps_taken", e.StepsTaken}, {"condition", e.Condition}} {
		if err := ValidateNote(f.name, f.v, MaxNoteLen); err != nil {
			return err
		}
	}
	for _, id := range e.FoundWithIDs {
		if !ValidID(id) {
			return Invalid("found_with_ids", "contains a malformed person id")
		}
	}
	if e.LastSeenAt.After(now) {
		return Invalid("last_seen_at", "is in the future")
	}
	if e.ReportedAt.After(now) {
		return Invalid("reported_at", "is in the future")
	}
	if e.ReportedAt.Before(e.LastSeenAt) {
		return Invalid("reported_at", "is before the child was last seen")
	}
	if e.FoundAt.IsZero() != e.ReturnedAt.IsZero() {
		if e.FoundAt.IsZero() {
			return Invalid("found_at", "is required with the return")
		}
		return Invalid("returned_at", "is required with the time found")
	}
	if !e.FoundAt.IsZero() {
		if e.FoundAt.After(now) {
			return Invalid("found_at", "is in the future")
		}
		if e.FoundAt.Before(e.ReportedAt) {
			return Invalid("found_at", "is before the child was reported missing")
		}
		if e.ReturnedAt.After(now) {
			return Invalid("returned_at", "is in the future")
		}
		if e.ReturnedAt.Before(e.FoundAt) {
			return Invalid("returned_at", "is before the child was found")
		}
		if err := ValidateText("found_place", e.FoundPlace, 1, MaxPlaceLen); err != nil {
			return err
		}
	} else if e.FoundPlace != "" || e.FoundBy != "" || e.FoundWith != "" || e.Condition != "" || e.ReturnedTo != "" || len(e.FoundWithIDs) > 0 || e.OutOfArea {
		return Invalid("found_at", "is required when saying where or how the child was found")
	}
	return nil
}

// RiskChange is one grading of an episode's police risk: the first at the
// report, then every change, with who made it, when and why.
type RiskChange struct {
	EpisodeID string
	At        time.Time
	ActorID   string
	ActorName string
	From      PoliceRisk // empty for the first grading
	To        PoliceRisk
	Rationale string
}

// EpisodeUpdate is a note of new information during an episode: a
// sighting, a call, an enquiry made. Source is who supplied it (APP asks
// for the informant and the time obtained).
type EpisodeUpdate struct {
	ID        string
	EpisodeID string
	At        time.Time
	ActorID   string
	ActorName string
	Source    string
	Text      string
}

// RHIStatus is where a return home interview stands.
type RHIStatus string

// Return home interview statuses. Due and offered are open; the others
// close it.
const (
	RHIDue       RHIStatus = "due"
	RHIOffered   RHIStatus = "offered"
	RHICompleted RHIStatus = "completed"
	RHIDeclined  RHIStatus = "declined"
	RHINoContact RHIStatus = "no_contact" // the child could not be reached
)

// RHIStatuses lists every status.
var RHIStatuses = []RHIStatus{RHIDue, RHIOffered, RHICompleted, RHIDeclined, RHINoContact}

// Valid reports whether s is known.
func (s RHIStatus) Valid() bool { return slices.Contains(RHIStatuses, s) }

// Open reports whether the interview still has to happen.
func (s RHIStatus) Open() bool { return s == RHIDue || s == RHIOffered }

// Label is the human name of the status.
func (s RHIStatus) Label() string {
	switch s {
	case RHIDue:
		return "Due"
	case RHIOffered:
		return "Offered"
	case RHICompleted:
		return "Completed"
	case RHIDeclined:
		return "Declined"
	case RHINoContact:
		return "No contact"
	}
	return string(s)
}

// InterviewerKinds are who conducts return home interviews.
var InterviewerKinds = []string{"independent_provider", "social_worker", "youth_worker", "police", "other"}

// ReturnInterview is the independent return home interview offered after
// every police-recorded episode, due within 72 hours of the return
// (domain.md §3.3).
type ReturnInterview struct {
	ID        string
	EpisodeID string
	PersonID  string
	// AreaID and Sensitivity are the child's (from the person record).
	AreaID      string
	Sensitivity Sensitivity
	PersonName  string // the child's name, for lists (read, not stored)
	DueAt       time.Time
	Status      RHIStatus
	// AllocatedTo is the user who is to hold the interview, if allocated.
	AllocatedTo string
	OfferedAt   time.Time
	// CompletedAt is when it was held, declined or closed for no contact.
	CompletedAt time.Time
	// Interviewer is who held it (name and role as given); InterviewerKind
	// one of InterviewerKinds. Independent says the interviewer is not
	// involved in caring for the child; when not, NotIndependentReason
	// says why (the child chose a trusted worker).
	Interviewer          string
	InterviewerKind      string
	Independent          bool
	NotIndependentReason string
	DeclinedReason       string
	// What the child said.
	PushFactors string
	PullFactors string
	Disclosures string
	PeopleNamed string
	PlacesNamed string
	SharedWith  string
	CreatedBy   string
	Version     int
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Overdue reports whether the interview is still open after its due time.
func (r *ReturnInterview) Overdue(now time.Time) bool { return r.Status.Open() && now.After(r.DueAt) }

// WithinDue reports whether a closed interview was completed by its due
// time.
func (r *ReturnInterview) WithinDue() bool {
	return r.Status == RHICompleted && !r.CompletedAt.After(r.DueAt)
}

// Validate checks the interview against its episode's return time and now:
// nothing before the return, nothing in the future, a reason for a decline,
// what was said only for a completed interview.
func (r *ReturnInterview) Validate(returned, now time.Time) error {
	if !r.Status.Valid() {
		return Invalid("status", "must be due, offered, completed, declined or no_contact")
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{{"interviewer", r.Interviewer, MaxShortLen}, {"not_independent_reason", r.NotIndependentReason, MaxShortLen}, {"shared_with", r.SharedWith, MaxShortLen}} {
		if err := ValidateText(f.name, f.v, 0, f.max); err != nil {
			return err
		}
	}
	for _, f := range []struct{ name, v string }{{"declined_reason", r.DeclinedReason}, {"push_factors", r.PushFactors}, {"pull_factors", r.PullFactors},
		{"disclosures", r.Disclosures}, {"people_named", r.PeopleNamed}, {"places_named", r.PlacesNamed}} {
		if err := ValidateNote(f.name, f.v, MaxNoteLen); err != nil {
			return err
		}
	}
	if !r.OfferedAt.IsZero() {
		if r.OfferedAt.Before(returned) {
			return Invalid("offered_at", "is before the child returned")
		}
		if r.OfferedAt.After(now) {
			return Invalid("offered_at", "is in the future")
		}
	}
	if r.Status == RHIOffered && r.OfferedAt.IsZero() {
		return Invalid("offered_at", "is required")
	}
	if r.Status.Open() {
		if !r.CompletedAt.IsZero() {
			return Invalid("completed_at", "is only given once the interview is completed, declined or closed")
		}
		return nil
	}
	if r.CompletedAt.IsZero() {
		return Invalid("completed_at", "is required")
	}
	if r.CompletedAt.Before(returned) {
		return Invalid("completed_at", "is before the child returned: an interview cannot be held before the return")
	}
	if r.CompletedAt.After(now) {
		return Invalid("completed_at", "is in the future")
	}
	if !r.OfferedAt.IsZero() && r.CompletedAt.Before(r.OfferedAt) {
		return Invalid("completed_at", "is before the interview was offered")
	}
	switch r.Status {
	case RHICompleted:
		if err := ValidateText("interviewer", r.Interviewer, 1, MaxShortLen); err != nil {
			return err
		}
		if !slices.Contains(InterviewerKinds, r.InterviewerKind) {
			return Invalid("interviewer_kind", "must be one of %s", strings.Join(InterviewerKinds, ", "))
		}
		if !r.Independent && strings.TrimSpace(r.NotIndependentReason) == "" {
			return Invalid("not_independent_reason", "is required when the interviewer is involved in caring for the child: say why (for example, the child chose them)")
		}
		if r.DeclinedReason != "" {
			return Invalid("declined_reason", "is only given when the interview was declined")
		}
	case RHIDeclined:
		if strings.TrimSpace(r.DeclinedReason) == "" {
			return Invalid("declined_reason", "is required: say who declined and why")
		}
		fallthrough
	case RHINoContact:
		if r.PushFactors != "" || r.PullFactors != "" || r.Disclosures != "" || r.PeopleNamed != "" || r.PlacesNamed != "" {
			return Invalid("push_factors", "what the child said is recorded only for a completed interview")
		}
	}
	return nil
}

// PhilomenaProfile is the information carers of a child in care record in
// advance of any missing episode (the Philomena Protocol, Part 1), kept as
// versions: each save is a new version and old versions are kept.
type PhilomenaProfile struct {
	PersonID string
	// AreaID and Sensitivity are the child's (from the person record).
	AreaID      string
	Sensitivity Sensitivity
	Version     int

	Placement       string // the placement and its contact
	Description     string // physical description
	PhotoReference  string // where a recent photo is held (the photo itself is restricted)
	Associates      string
	Places          string // addresses and places frequented
	PhonesSocial    string // phone numbers and social media
	Vulnerabilities string // vulnerabilities and medical needs
	Finance         string // bank cards and money
	Transport       string
	PriorMissing    string

	ReviewDue    Date
	ReviewedAt   time.Time
	ReviewedBy   string
	ReviewerName string
}

// Validate checks a profile's text.
func (p *PhilomenaProfile) Validate() error {
	if !ValidID(p.PersonID) {
		return Invalid("person_id", "is required")
	}
	if err := ValidateText("placement", p.Placement, 1, MaxPlaceLen); err != nil {
		return err
	}
	if err := ValidateText("photo_reference", p.PhotoReference, 0, MaxShortLen); err != nil {
		return err
	}
	for _, f := range []struct{ name, v string }{{"description", p.Description}, {"associates", p.Associates}, {"places", p.Places}, {"phones_social", p.PhonesSocial},
		{"vulnerabilities", p.Vulnerabilities}, {"finance", p.Finance}, {"transport", p.Transport}, {"prior_missing", p.PriorMissing}} {
		if err := ValidateNote(f.name, f.v, MaxNoteLen); err != nil {
			return err
		}
	}
	if strings.TrimSpace(p.Description) == "" {
		return Invalid("description", "is required: describe the child so they can be recognised")
	}
	return nil
}

// MissingPrompt is the repeat-missing rule's prompt: the child has gone
// missing often enough (or at high risk) that a strategy discussion or a
// repeat-missing review should be held. It stays open until someone
// records what was done.
type MissingPrompt struct {
	ID       string
	PersonID string
	AreaID   string // the child's (from the person record)
	// PersonName is the child's name, for lists (read, not stored).
	PersonName string
	EpisodeID  string // the episode that triggered it
	// Reason says why: "3 episodes in 90 days", "high-risk episode".
	Reason     string
	HighRisk   bool
	Episodes   int
	DueAt      time.Time
	CreatedAt  time.Time
	ResolvedAt time.Time
	ResolvedBy string
	// Resolution is one of PromptResolutions; Note says more.
	Resolution string
	Note       string
	Version    int
}

// PromptResolutions are what may close a repeat-missing prompt.
var PromptResolutions = []string{"strategy_discussion", "repeat_missing_review", "not_needed"}

// Open reports whether the prompt is still to be acted on.
func (p *MissingPrompt) Open() bool { return p.ResolvedAt.IsZero() }
