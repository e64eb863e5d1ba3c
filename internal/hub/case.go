package hub

import (
	"slices"
	"strings"
	"time"
)

// Casework, part B (issue 4): hub cases for a child or a context, their
// safeguarding plans and actions, meetings, case notes with attachments, and
// referrals to support services.

// CaseStatus is where a hub case stands.
type CaseStatus string

// Case statuses. A closed case keeps its record; reopening means opening a
// new case.
const (
	CaseOpen   CaseStatus = "open"
	CaseOnHold CaseStatus = "on_hold" // paused, e.g. while the child is in custody or out of area
	CaseClosed CaseStatus = "closed"
)

// CaseStatuses lists every status.
var CaseStatuses = []CaseStatus{CaseOpen, CaseOnHold, CaseClosed}

// Valid reports whether s is a known status.
func (s CaseStatus) Valid() bool { return slices.Contains(CaseStatuses, s) }

// Active reports whether the case is being worked (open or on hold): its
// team has access to its subject and its deadlines count.
func (s CaseStatus) Active() bool { return s == CaseOpen || s == CaseOnHold }

// Label is the human name of the status.
func (s CaseStatus) Label() string {
	switch s {
	case CaseOpen:
		return "Open"
	case CaseOnHold:
		return "On hold"
	case CaseClosed:
		return "Closed"
	}
	return string(s)
}

// ExploitationType is a kind of exploitation a case is about (domain.md §4.1).
type ExploitationType string

// Exploitation types.
const (
	ExploitCSE         ExploitationType = "cse"          // child sexual exploitation
	ExploitCCE         ExploitationType = "cce"          // child criminal exploitation
	ExploitCountyLines ExploitationType = "county_lines" // county lines (a form of CCE)
	ExploitTrafficking ExploitationType = "trafficking"  // trafficking and modern slavery
	ExploitOnline      ExploitationType = "online"       // online exploitation and grooming
)

// Exploitations lists every exploitation type a case can be about.
var Exploitations = []ExploitationType{ExploitCSE, ExploitCCE, ExploitCountyLines, ExploitTrafficking, ExploitOnline}

// Valid reports whether t is a known type.
func (t ExploitationType) Valid() bool { return slices.Contains(Exploitations, t) }

// Label is the human name of the type.
func (t ExploitationType) Label() string {
	switch t {
	case ExploitCSE:
		return "Child sexual exploitation"
	case ExploitCCE:
		return "Child criminal exploitation"
	case ExploitCountyLines:
		return "County lines"
	case ExploitTrafficking:
		return "Trafficking and modern slavery"
	case ExploitOnline:
		return "Online exploitation"
	}
	return string(t)
}

// ClosureCode says why a case was closed.
type ClosureCode string

// Closure codes.
const (
	ClosureRiskReduced   ClosureCode = "risk_reduced"    // the plan's aims were met; risk reduced
	ClosureTransferred   ClosureCode = "transferred"     // to another service or team (CIN, CP, YOS)
	ClosureMovedAway     ClosureCode = "moved_away"      // moved out of the partnership's areas
	ClosureTurned18      ClosureCode = "turned_18"       // now an adult (adult services informed)
	ClosureNotEngaging   ClosureCode = "not_engaging"    // the child and family declined support
	ClosureOpenedInError ClosureCode = "opened_in_error" // should never have been opened
	ClosureOther         ClosureCode = "other"
)

// ClosureCodes lists every closure code.
var ClosureCodes = []ClosureCode{ClosureRiskReduced, ClosureTransferred, ClosureMovedAway, ClosureTurned18, ClosureNotEngaging, ClosureOpenedInError, ClosureOther}

// Valid reports whether c is a known code.
func (c ClosureCode) Valid() bool { return slices.Contains(ClosureCodes, c) }

// Label is the human name of the code.
func (c ClosureCode) Label() string {
	switch c {
	case ClosureRiskReduced:
		return "Risk reduced: plan completed"
	case ClosureTransferred:
		return "Transferred to another service"
	case ClosureMovedAway:
		return "Moved out of the area"
	case ClosureTurned18:
		return "Turned 18"
	case ClosureNotEngaging:
		return "Declined support"
	case ClosureOpenedInError:
		return "Opened in error"
	case ClosureOther:
		return "Other"
	}
	return string(c)
}

// Limits of case records.
const (
	MaxCaseSummary   = 5000  // runes of a case's summary or plan summary
	MaxCaseMembers   = 50    // workers on one case
	MaxCaseAgencies  = 30    // agencies involved in one case
	MaxClosureReason = 5000  // runes of a closure reason
	MaxActionText    = 2000  // runes of what an action is
	MaxProgressNote  = 5000  // runes of one progress note
	MaxDecisions     = 20000 // runes of a meeting's decisions
	MaxAttendees     = 60
	caseEarliestYear = 2000
)

// Case is a hub case: multi-agency work with a child, or with a place or a
// group (contextual safeguarding), led by one practitioner with workers
// from the agencies involved.
type Case struct {
	ID      string
	Subject Subject
	// AreaID is the responsible area (the subject's area when the case was
	// opened); OwnerAgencyID the agency that opened it.
	AreaID        string
	OwnerAgencyID string
	// LeadID is the lead practitioner; MemberIDs the other workers on the
	// case. Both get access to the case and to its subject, wherever they
	// work.
	LeadID    string
	MemberIDs []string
	// AgencyIDs are the agencies involved.
	AgencyIDs    []string
	Exploitation []ExploitationType
	Status       CaseStatus
	Summary      string
	// PlanSummary is the safeguarding plan's aim, in a few lines; its
	// actions are PlanActions.
	PlanSummary string
	OpenedAt    time.Time
	// ReviewDue is when the case is next to be reviewed; zero when closed.
	ReviewDue     Date
	ClosedAt      time.Time
	ClosureCode   ClosureCode
	ClosureReason string
	// ReferralID is the referral the case was opened from, if any.
	ReferralID string
	// ExternalRef is the case's reference in the system it came from (a
	// synthetic load's key), unique when set.
	ExternalRef string

	CreatedBy string
	Version   int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Team reports whether user id is the case's lead or one of its workers.
func (c *Case) Team(id string) bool {
	return id != "" && (c.LeadID == id || slices.Contains(c.MemberIDs, id))
}

// Validate checks the case's fields. now refuses opening times in the
// future.
func (c *Case) Validate(now time.Time) error {
	if !c.Subject.Kind.Valid() {
		return Invalid("subject_kind", "must be person or context")
	}
	if !ValidID(c.Subject.ID) {
		return Invalid("subject_id", "is not a record identifier")
	}
	if !ValidID(c.AreaID) {
		return Invalid("area_id", "is required")
	}
	if !ValidID(c.OwnerAgencyID) {
		return Invalid("owner_agency_id", "is required")
	}
	if !ValidID(c.LeadID) {
		return Invalid("lead_id", "choose the lead practitioner")
	}
	if len(c.MemberIDs) > MaxCaseMembers {
		return Invalid("members", "a case has at most %d workers besides the lead", MaxCaseMembers)
	}
	for _, m := range c.MemberIDs {
		if !ValidID(m) {
			return Invalid("members", "contains something that is not a user")
		}
	}
	if len(c.AgencyIDs) > MaxCaseAgencies {
		return Invalid("agencies", "at most %d agencies", MaxCaseAgencies)
	}
	for _, ag := range c.AgencyIDs {
		if !ValidID(ag) {
			return Invalid("agencies", "contains something that is not an agency")
		}
	}
	if len(c.Exploitation) == 0 {
		return Invalid("exploitation", "choose at least one type of exploitation")
	}
	for _, e := range c.Exploitation {
		if !e.Valid() {
			return Invalid("exploitation", "unknown type %q", e)
		}
	}
	if !c.Status.Valid() {
		return Invalid("status", "must be open, on_hold or closed")
	}
	if err := ValidateNote("summary", c.Summary, MaxCaseSummary); err != nil {
		return err
	}
	if strings.TrimSpace(c.Summary) == "" {
		return Invalid("summary", "say briefly what the case is about")
	}
	if err := ValidateNote("plan_summary", c.PlanSummary, MaxCaseSummary); err != nil {
		return err
	}
	if c.OpenedAt.IsZero() {
		return Invalid("opened_at", "is required")
	}
	if c.OpenedAt.After(now.Add(5 * time.Minute)) {
		return Invalid("opened_at", "is in the future")
	}
	if c.OpenedAt.Year() < caseEarliestYear {
		return Invalid("opened_at", "is before %d", caseEarliestYear)
	}
	if err := ValidateText("external_ref", c.ExternalRef, 0, 100); err != nil {
		return err
	}
	if c.Status != CaseClosed {
		if !c.ClosedAt.IsZero() || c.ClosureCode != "" || c.ClosureReason != "" {
			return Invalid("status", "only a closed case has a closure")
		}
		return nil
	}
	if !c.ClosureCode.Valid() {
		return Invalid("closure_code", "say why the case is being closed")
	}
	if err := ValidateNote("closure_reason", c.ClosureReason, MaxClosureReason); err != nil {
		return err
	}
	if strings.TrimSpace(c.ClosureReason) == "" {
		return Invalid("closure_reason", "explain the closure: what changed, and who was told")
	}
	if c.ClosedAt.Before(c.OpenedAt) {
		return Invalid("closed_at", "is before the case was opened")
	}
	if c.ClosedAt.After(now.Add(5 * time.Minute)) {
		return Invalid("closed_at", "is in the future")
	}
	return nil
}

// ActionStatus is where a plan action stands.
type ActionStatus string

// Plan action statuses.
const (
	ActionNotStarted ActionStatus = "not_started"
	ActionInProgress ActionStatus = "in_progress"
	ActionDone       ActionStatus = "done"
	ActionCancelled  ActionStatus = "cancelled"
)

// ActionStatuses lists every status.
var ActionStatuses = []ActionStatus{ActionNotStarted, ActionInProgress, ActionDone, ActionCancelled}

// Valid reports whether s is a known status.
func (s ActionStatus) Valid() bool { return slices.Contains(ActionStatuses, s) }

// Open reports whether the action is still to be done.
func (s ActionStatus) Open() bool { return s == ActionNotStarted || s == ActionInProgress }

// Label is the human name of the status.
func (s ActionStatus) Label() string {
	switch s {
	case ActionNotStarted:
		return "Not started"
	case ActionInProgress:
		return "In progress"
	case ActionDone:
		return "Done"
	case ActionCancelled:
		return "Cancelled"
	}
	return string(s)
}

// PlanAction is one action of a case's safeguarding plan: what is to be
// done, by whom, for which agency and by when, with its progress.
type PlanAction struct {
	ID     string
	CaseID string
	// AreaID is the case's, for scoping lists and work queues.
	AreaID   string
	What     string
	OwnerID  string
	AgencyID string
	Due      Date
	Status   ActionStatus
	// MeetingID is the meeting that agreed the action, if one did.
	MeetingID string
	// CompletedAt is when it was marked done or cancelled.
	CompletedAt time.Time
	Progress    []ActionProgress

	CreatedBy string
	Version   int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ActionProgress is one progress note on a plan action.
type ActionProgress struct {
	At         time.Time
	AuthorID   string
	AuthorName string
	Status     ActionStatus
	Note       string
}

// Overdue reports whether the action is open and past the end of its due
// day at now (dates are London dates; loc is Europe/London).
func (p *PlanAction) Overdue(now time.Time, loc *time.Location) bool {
	return p.Status.Open() && !p.Due.IsZero() && !now.Before(EndOfDay(p.Due, loc))
}

// Validate checks the action's fields.
func (p *PlanAction) Validate() error {
	if err := ValidateNote("what", p.What, MaxActionText); err != nil {
		return err
	}
	if strings.TrimSpace(p.What) == "" {
		return Invalid("what", "say what is to be done")
	}
	if !ValidID(p.OwnerID) {
		return Invalid("owner_id", "choose who will do it")
	}
	if !ValidID(p.AgencyID) {
		return Invalid("agency_id", "choose the agency responsible")
	}
	if p.Due.IsZero() {
		return Invalid("due", "give the date it is due by")
	}
	if !p.Status.Valid() {
		return Invalid("status", "must be not_started, in_progress, done or cancelled")
	}
	return nil
}

// EndOfDay is the instant a London date ends: the start of the next day in
// loc, in UTC. A thing due "on" a date is overdue from then.
func EndOfDay(d Date, loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day+1, 0, 0, 0, 0, loc).UTC()
}

// MeetingKind is a kind of multi-agency meeting.
type MeetingKind string

// Meeting kinds.
const (
	MeetingStrategy      MeetingKind = "strategy_discussion"   // Children Act 1989 s47 route
	MeetingMACE          MeetingKind = "mace_panel"            // multi-agency child exploitation panel review
	MeetingRepeatMissing MeetingKind = "repeat_missing_review" // escalating review after repeated missing episodes
	MeetingProfessionals MeetingKind = "professionals"         // professionals' meeting
)

// MeetingKinds lists every kind.
var MeetingKinds = []MeetingKind{MeetingStrategy, MeetingMACE, MeetingRepeatMissing, MeetingProfessionals}

// Valid reports whether k is a known kind.
func (k MeetingKind) Valid() bool { return slices.Contains(MeetingKinds, k) }

// Label is the human name of the kind.
func (k MeetingKind) Label() string {
	switch k {
	case MeetingStrategy:
		return "Strategy discussion"
	case MeetingMACE:
		return "MACE panel review"
	case MeetingRepeatMissing:
		return "Repeat-missing review"
	case MeetingProfessionals:
		return "Professionals' meeting"
	}
	return string(k)
}

// Meeting is a multi-agency meeting about a case: who attended, what was
// decided, and the plan actions it agreed.
type Meeting struct {
	ID     string
	CaseID string
	AreaID string
	Kind   MeetingKind
	HeldAt time.Time
	// Attendees are users of Safehub and people from outside it.
	Attendees []Attendee
	Decisions string
	// S47 records that a strategy discussion started s47 enquiries.
	S47 bool
	// ActionIDs are the plan actions the meeting agreed.
	ActionIDs []string

	CreatedBy string
	CreatedAt time.Time
}

// Attendee is one person at a meeting: a Safehub user (UserID set) or
// someone from outside it, named with their agency.
type Attendee struct {
	UserID string
	Name   string
	Agency string
	Role   string
}

// Validate checks the meeting's fields. now refuses meetings in the future:
// a meeting is recorded once held.
func (m *Meeting) Validate(now time.Time) error {
	if !m.Kind.Valid() {
		return Invalid("kind", "choose the kind of meeting")
	}
	if m.HeldAt.IsZero() {
		return Invalid("held_at", "give the date and time it was held")
	}
	if m.HeldAt.After(now.Add(5 * time.Minute)) {
		return Invalid("held_at", "is in the future; record a meeting once it has been held")
	}
	if m.HeldAt.Year() < caseEarliestYear {
		return Invalid("held_at", "is before %d", caseEarliestYear)
	}
	if len(m.Attendees) == 0 {
		return Invalid("attendees", "name at least one attendee")
	}
	if len(m.Attendees) > MaxAttendees {
		return Invalid("attendees", "at most %d attendees", MaxAttendees)
	}
	for _, at := range m.Attendees {
		if at.UserID != "" && !ValidID(at.UserID) {
			return Invalid("attendees", "contains something that is not a user")
		}
		if at.UserID == "" {
			if err := ValidateText("attendees.name", at.Name, 1, 200); err != nil {
				return err
			}
			if err := ValidateText("attendees.agency", at.Agency, 1, 200); err != nil {
				return Invalid("attendees.agency", "say which agency %s came from", at.Name)
			}
		}
		if err := ValidateText("attendees.role", at.Role, 0, 100); err != nil {
			return err
		}
	}
	if err := ValidateNote("decisions", m.Decisions, MaxDecisions); err != nil {
		return err
	}
	if strings.TrimSpace(m.Decisions) == "" {
		return Invalid("decisions", "record what the meeting decided")
	}
	if m.S47 && m.Kind != MeetingStrategy {
		return Invalid("s47", "only a strategy discussion starts s47 enquiries")
	}
	return nil
}

// NoteKind is a kind of case note.
type NoteKind string

// Note kinds.
const (
	NoteContact     NoteKind = "contact"              // contact with the child or family
	NoteVisit       NoteKind = "visit"                // a home or placement visit
	NotePhone       NoteKind = "phone_call"           // a phone call
	NoteOversight   NoteKind = "management_oversight" // a manager's oversight and direction
	NoteInformation NoteKind = "information"          // information received from a partner
	NoteReview      NoteKind = "case_review"          // a review of the case and its plan
	NoteOther       NoteKind = "other"
)

// NoteKinds lists every kind.
var NoteKinds = []NoteKind{NoteContact, NoteVisit, NotePhone, NoteOversight, NoteInformation, NoteReview, NoteOther}

// Valid reports whether k is a known kind.
func (k NoteKind) Valid() bool { return slices.Contains(NoteKinds, k) }

// Label is the human name of the kind.
func (k NoteKind) Label() string {
	switch k {
	case NoteContact:
		return "Contact"
	case NoteVisit:
		return "Visit"
	case NotePhone:
		return "Phone call"
	case NoteOversight:
		return "Management oversight"
	case NoteInformation:
		return "Information received"
	case NoteReview:
		return "Case review"
	case NoteOther:
		return "Other"
	}
	return string(k)
}

// Note is a case note: what happened, when, written by whom. Notes are not
// changed once written; a correction is a further note.
type Note struct {
	ID     string
	CaseID string
	AreaID string
	Kind   NoteKind
	// At is when what the note records happened.
	At         time.Time
	Body       string
	AuthorID   string
	AuthorName string
	AgencyID   string
	CreatedAt  time.Time
	// Attachments are the files attached to the note.
	Attachments []*Attachment
}

// Validate checks the note's fields against the size limit max (runes).
func (n *Note) Validate(now time.Time, max int) error {
	if !n.Kind.Valid() {
		return Invalid("kind", "choose the kind of note")
	}
	if n.At.IsZero() {
		return Invalid("at", "give the date and time")
	}
	if n.At.After(now.Add(5 * time.Minute)) {
		return Invalid("at", "is in the future")
	}
	if n.At.Year() < caseEarliestYear {
		return Invalid("at", "is before %d", caseEarliestYear)
	}
	if err := ValidateNote("body", n.Body, max); err != nil {
		return err
	}
	if strings.TrimSpace(n.Body) == "" {
		return Invalid("body", "write the note")
	}
	return nil
}

// Attachment is a file attached to a case note. The file is stored under a
// generated name; Name is the uploader's file name, cleaned, for display
// and download only.
type Attachment struct {
	ID          string
	NoteID      string
	CaseID      string
	AreaID      string
	Name        string
	ContentType string
	Size        int64
	// SHA256 is the hex digest of the content.
	SHA256 string
	// StoredName is the file's path inside the attachment directory.
	StoredName string
	UploadedBy string
	CreatedAt  time.Time
}

// ServiceOutcome is what became of a referral to a support service.
type ServiceOutcome string

// Service referral outcomes.
const (
	ServicePending    ServiceOutcome = "pending"     // waiting for the service to respond
	ServiceAccepted   ServiceOutcome = "accepted"    // accepted, waiting to start
	ServiceEngaged    ServiceOutcome = "engaged"     // the child is taking part
	ServiceCompleted  ServiceOutcome = "completed"   // the work finished
	ServiceDeclined   ServiceOutcome = "declined"    // the service declined the referral
	ServiceNotEngaged ServiceOutcome = "not_engaged" // the child or family did not take it up
	ServiceWithdrawn  ServiceOutcome = "withdrawn"   // the referral was withdrawn
)

// ServiceOutcomes lists every outcome.
var ServiceOutcomes = []ServiceOutcome{ServicePending, ServiceAccepted, ServiceEngaged, ServiceCompleted, ServiceDeclined, ServiceNotEngaged, ServiceWithdrawn}

// Valid reports whether o is a known outcome.
func (o ServiceOutcome) Valid() bool { return slices.Contains(ServiceOutcomes, o) }

// Final reports whether the outcome ends the referral.
func (o ServiceOutcome) Final() bool {
	return o == ServiceCompleted || o == ServiceDeclined || o == ServiceNotEngaged || o == ServiceWithdrawn
}

// Label is the human name of the outcome.
func (o ServiceOutcome) Label() string {
	switch o {
	case ServicePending:
		return "Waiting for a response"
	case ServiceAccepted:
		return "Accepted"
	case ServiceEngaged:
		return "Engaged"
	case ServiceCompleted:
		return "Completed"
	case ServiceDeclined:
		return "Declined by the service"
	case ServiceNotEngaged:
		return "Not taken up"
	case ServiceWithdrawn:
		return "Withdrawn"
	}
	return string(o)
}

// ServiceReferral is a referral of a case's subject to a support or
// recovery service on one of the configured pathways, and what came of it.
type ServiceReferral struct {
	ID       string
	CaseID   string
	AreaID   string
	Pathway  string
	Provider string
	Referred Date
	Reason   string
	Outcome  ServiceOutcome
	// OutcomeOn is the date of the latest outcome; zero while pending.
	OutcomeOn   Date
	OutcomeNote string
	// FlagID is the health flag the referral was made from, when the
	// specialist nurse made it from the child's flag.
	FlagID string

	CreatedBy string
	Version   int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Validate checks the referral's fields. today refuses future dates.
func (s *ServiceReferral) Validate(today Date) error {
	if err := ValidateText("pathway", s.Pathway, 1, 50); err != nil {
		return Invalid("pathway", "choose a pathway")
	}
	if err := ValidateText("provider", s.Provider, 1, 200); err != nil {
		return err
	}
	if strings.TrimSpace(s.Provider) == "" {
		return Invalid("provider", "is required")
	}
	if s.Referred.IsZero() {
		return Invalid("referred", "give the date of the referral")
	}
	if s.Referred.After(today) {
		return Invalid("referred", "is in the future")
	}
	if s.Referred.Year < caseEarliestYear {
		return Invalid("referred", "is before %d", caseEarliestYear)
	}
	if err := ValidateNote("reason", s.Reason, MaxCaseSummary); err != nil {
		return err
	}
	if !s.Outcome.Valid() {
		return Invalid("outcome", "unknown outcome %q", s.Outcome)
	}
	if err := ValidateNote("outcome_note", s.OutcomeNote, MaxCaseSummary); err != nil {
		return err
	}
	if s.Outcome == ServicePending {
		if !s.OutcomeOn.IsZero() {
			return Invalid("outcome_on", "a pending referral has no outcome date")
		}
		return nil
	}
	if s.OutcomeOn.IsZero() {
		return Invalid("outcome_on", "give the date of the outcome")
	}
	if s.OutcomeOn.Before(s.Referred) {
		return Invalid("outcome_on", "is before the referral was made")
	}
	if s.OutcomeOn.After(today) {
		return Invalid("outcome_on", "is in the future")
	}
	return nil
}
