package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/deadline"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
)

// Casework, part B (issue 4): hub cases for a child or a context, with a
// lead practitioner, the workers and agencies involved, the exploitation
// types, status and closure. Plans, meetings, notes, attachments and
// service referrals hang off a case (plans.go, meetings.go, notes.go,
// attachments.go, services.go).
//
// Access to a case is decided on a record of type "case" in the case's
// area, as sensitive as its subject, with the case's lead and workers as
// its team: they may use it (within what their roles grant) wherever they
// work. Being on an active case also puts a user on the subject child's
// team (teamOf), so they can open the child's record.

// CaseConfig configures cases and what hangs off them.
type CaseConfig struct {
	// ReviewMonths is how many calendar months after opening (and after
	// each review) a case is next due for review.
	ReviewMonths int
	// NoteMaxRunes bounds a case note's text.
	NoteMaxRunes int
	// AttachmentDir is the directory attachments are stored in (opened as
	// an os.Root). Empty turns uploads off.
	AttachmentDir string
	// AttachmentMaxBytes bounds one attachment.
	AttachmentMaxBytes int64
	// ServicePathways are the support and recovery services a child may be
	// referred to.
	ServicePathways []ServicePathway
}

// ServicePathway is a support or recovery service a case's subject can be
// referred to: a code, its name, and the usual provider.
type ServicePathway struct {
	Code     string
	Label    string
	Provider string
}

// DefaultCaseConfig returns the defaults: reviews every 3 months, notes of
// up to 20,000 characters, attachments of up to 10 MiB, and the pathways
// most hubs have.
func DefaultCaseConfig() CaseConfig {
	return CaseConfig{
		ReviewMonths:       3,
		NoteMaxRunes:       20000,
		AttachmentMaxBytes: 10 << 20,
		ServicePathways: []ServicePathway{
			{"cse_support", "Specialist CSE support", "Specialist child sexual exploitation service"},
			{"cce_mentoring", "Criminal exploitation mentoring", "Youth work mentoring service"},
			{"missing_support", "Missing children support", "Return home interview and missing service"},
			{"ictg", "Independent Child Trafficking Guardian", "Barnardo's ICTG service"},
			{"sexual_health", "Sexual health", "Young people's sexual health clinic"},
			{"sarc", "Sexual assault referral centre", "SARC"},
			{"camhs", "Mental health (CAMHS)", "Child and adolescent mental health services"},
			{"substance_misuse", "Drug and alcohol support", "Young people's substance misuse service"},
			{"education_inclusion", "Education inclusion", "Education inclusion service"},
			{"family_support", "Family support (early help)", "Early help family support"},
			{"victim_support", "Victim support", "Victim and witness service"},
		},
	}
}

// caseConfig returns the configuration with defaults for unset values.
func (a *App) caseConfig() CaseConfig {
	c, d := a.cfg.Cases, DefaultCaseConfig()
	if c.ReviewMonths <= 0 {
		c.ReviewMonths = d.ReviewMonths
	}
	if c.NoteMaxRunes <= 0 {
		c.NoteMaxRunes = d.NoteMaxRunes
	}
	if c.AttachmentMaxBytes <= 0 {
		c.AttachmentMaxBytes = d.AttachmentMaxBytes
	}
	if len(c.ServicePathways) == 0 {
		c.ServicePathways = d.ServicePathways
	}
	return c
}

// ServicePathways returns the configured service pathways.
func (a *App) ServicePathways() []ServicePathway { return a.caseConfig().ServicePathways }

// PathwayLabel returns a pathway's name, or its code when unknown.
func (a *App) PathwayLabel(code string) string {
	for _, p := range a.caseConfig().ServicePathways {
		if p.Code == code {
			return p.Label
		}
	}
	return code
}

// PersonCases is the cases part of a person view: the child's cases the
// actor may see, and whether they may open one.
type PersonCases struct {
	Cases []*CaseSummary
	// Active is the child's open or on-hold case, if the actor may see it.
	Active *CaseSummary
	// CanOpen is set when the actor may open a case and none is active.
	CanOpen bool
	// CanChronology is set when the actor may read the child's chronology.
	CanChronology bool
}

// CaseSummary is a case as lists show it.
type CaseSummary struct {
	Case        *hub.Case
	SubjectName string
	LeadName    string
	AreaName    string
	// OverdueActions counts the plan's open actions past their due date.
	OverdueActions int
}

func init() {
	personLoaders = append(personLoaders, loadPersonCases)
	contextLoaders = append(contextLoaders, loadContextCases)
}

// subjectCases lists the cases about a subject that actor may read, and
// reports whether the subject has an active case (readable or not: a
// second one may not be opened either way).
func (a *App) subjectCases(tx *store.Tx, actor *access.Actor, info *subjectInfo) (*PersonCases, bool, error) {
	cs, _, err := tx.FindCases(store.CaseFilter{Subject: info.Subject, Limit: 100})
	if err != nil {
		return nil, false, err
	}
	pc := &PersonCases{}
	active := false
	for _, c := range cs {
		if c.Status.Active() {
			active = true
		}
		if !a.decide(tx, actor, access.CaseRead, caseRecord(c, info)).Allow {
			continue
		}
		s := &CaseSummary{Case: c, SubjectName: info.Name, LeadName: a.userName(tx, c.LeadID)}
		pc.Cases = append(pc.Cases, s)
		if c.Status.Active() {
			pc.Active = s
		}
	}
	return pc, active, nil
}

// loadContextCases fills a place's or group's cases section: the cases
// about it the actor may read, and whether they may open one (contextual
// safeguarding: a hub case can be about a context).
func loadContextCases(a *App, tx *store.Tx, actor *access.Actor, c *hub.Context, v *ContextView) error {
	if !access.Can(actor, access.CaseRead) && !access.Can(actor, access.CaseWrite) {
		return nil
	}
	info, err := a.loadSubject(tx, hub.Subject{Kind: hub.SubjectContext, ID: c.ID})
	if err != nil {
		return err
	}
	pc, active, err := a.subjectCases(tx, actor, info)
	if err != nil {
		return err
	}
	pc.CanOpen = !active && a.decide(tx, actor, access.CaseWrite, contextRecord(c)).Allow
	v.Cases = pc
	return nil
}

// loadPersonCases fills the person view's cases section, inside the view's
// audited transaction, when the actor may read casework.
func loadPersonCases(a *App, tx *store.Tx, actor *access.Actor, p *hub.Person, v *PersonView) error {
	if !access.Can(actor, access.CaseRead) && !access.Can(actor, access.CaseWrite) {
		return nil
	}
	pc, active, err := a.subjectCases(tx, actor, personSubject(p))
	if err != nil {
		return err
	}
	pc.CanChronology = a.decide(tx, actor, access.CaseRead, access.PersonRecord(p)).Allow || v.ViaShare != nil && len(v.ViaShare.Parts) > 1
	pc.CanOpen = !active && a.decide(tx, actor, access.CaseWrite, access.PersonRecord(p)).Allow
	v.casework().Cases = pc
	return nil
}

// subjectInfo is what casework needs to know about a case's subject.
type subjectInfo struct {
	Subject       hub.Subject
	Name          string
	Link          string
	AreaID        string
	OwnerAgencyID string
	Sensitivity   hub.Sensitivity
	// Person is the subject when it is a person.
	Person *hub.Person
}

func personSubject(p *hub.Person) *subjectInfo {
	return &subjectInfo{Subject: hub.Subject{Kind: hub.SubjectPerson, ID: p.ID}, Name: p.Name(), Link: "/persons/" + p.ID,
		AreaID: p.AreaID, OwnerAgencyID: p.OwnerAgencyID, Sensitivity: p.Sensitivity, Person: p}
}

// loadSubject loads a case's subject: a person, or a context (a place or
// a group). A subject that does not exist is not found.
func (a *App) loadSubject(tx *store.Tx, s hub.Subject) (*subjectInfo, error) {
	switch s.Kind {
	case hub.SubjectPerson:
		p, err := tx.Person(s.ID)
		if err != nil {
			return nil, err
		}
		return personSubject(p), nil
	case hub.SubjectContext:
		c, err := tx.ContextRecord(s.ID)
		if err != nil {
			return nil, err
		}
		return &subjectInfo{Subject: s, Name: c.Name, Link: "/contexts/" + c.ID, AreaID: c.AreaID, OwnerAgencyID: c.OwnerAgencyID, Sensitivity: hub.SensitivityNormal}, nil
	}
	return nil, hub.Invalid("subject_kind", "must be person or context")
}

// subjectRecord is the access record of a subject itself: a person (with
// its case team) or a context.
func (a *App) subjectRecord(tx *store.Tx, s *subjectInfo) *access.Record {
	if s.Person != nil {
		return access.PersonRecord(s.Person)
	}
	return &access.Record{Type: "context", ID: s.Subject.ID, AreaID: s.AreaID, OwnerAgencyID: s.OwnerAgencyID, Sensitivity: s.Sensitivity}
}

// caseRecord describes a case for an access decision: in the case's area,
// as sensitive as its subject, with its lead and workers as its team.
func caseRecord(c *hub.Case, s *subjectInfo) *access.Record {
	sens := hub.SensitivityNormal
	if s != nil && s.Sensitivity != "" {
		sens = s.Sensitivity
	}
	r := &access.Record{Type: "case", ID: c.ID, AreaID: c.AreaID, OwnerAgencyID: c.OwnerAgencyID, Sensitivity: sens, LeadID: c.LeadID, MemberIDs: c.MemberIDs,
		Part: hub.PartCase, CaseID: c.ID}
	if s != nil && s.Person != nil {
		r.PersonID = s.Person.ID
	}
	return r
}

// teamOf returns the lead practitioner and workers of a person's active
// cases: being on an active case about a child puts a user on the child's
// team for access decisions. The lead is the lead of the earliest active
// case; the leads of any others are among the members.
func (a *App) teamOf(tx *store.Tx, personID string) (lead string, members []string, err error) {
	leads, ms, err := tx.CaseTeam(personID)
	if err != nil || len(leads) == 0 {
		return "", ms, err
	}
	members = append(leads[1:], ms...)
	return leads[0], members, nil
}

// CaseLead returns the lead practitioner of the subject's active case, or
// "" when it has none (for notifications: a flag looked up, a child missing
// again).
func (a *App) CaseLead(tx *store.Tx, s hub.Subject) (string, error) {
	c, err := tx.ActiveCase(s)
	if errors.Is(err, hub.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return c.LeadID, nil
}

// caseAccess loads a case and its subject and decides act for actor. A
// case the actor may not see is not found; the caller audits the denial.
type caseAccess struct {
	Case     *hub.Case
	Subject  *subjectInfo
	Decision access.Decision
}

func (a *App) caseFor(tx *store.Tx, actor *access.Actor, act access.Action, id string) (*caseAccess, error) {
	return a.casePartFor(tx, actor, act, id, hub.PartCase)
}

// casePartFor is caseFor for a record hanging off the case (a meeting, a
// note …) that belongs to part of the child's record: a share opens it
// only if it names that part (issue 6).
func (a *App) casePartFor(tx *store.Tx, actor *access.Actor, act access.Action, id string, part hub.SharePart) (*caseAccess, error) {
	c, err := tx.Case(id)
	if err != nil {
		return nil, err
	}
	s, err := a.loadSubject(tx, c.Subject)
	if err != nil {
		return nil, err
	}
	d := a.decide(tx, actor, act, caseRecord(c, s).PartOf(part))
	if d.Allow && a.identityHidden(tx, actor, d, s.Person) {
		masked := *s
		masked.Name, masked.Link, masked.Person = HiddenName, "", maskedPerson(s.Person)
		s = &masked
	}
	return &caseAccess{Case: c, Subject: s, Decision: d}, nil
}

// subjectID is the person a case is about, for audit events ("" for a
// context).
func (s *subjectInfo) subjectID() string {
	if s != nil && s.Person != nil {
		return s.Person.ID
	}
	return ""
}

// caseEvent starts an audit event about a case (or one of its parts) for
// the case's subject.
func caseEvent(ctx context.Context, actor *access.Actor, action, objectType, objectID string, s *subjectInfo) *hub.AuditEvent {
	e := event(ctx, actor, action, objectType, objectID)
	e.SubjectID = s.subjectID()
	return e
}

// withCase runs fn on a case the actor may act on (act), in one
// transaction, writing the one audit event e that fn fills in. A case that
// does not exist or that the actor may not act on is not found (kind names
// the record for the error), and the refusal is audited.
func (a *App) withCase(ctx context.Context, actor *access.Actor, act access.Action, caseID, action, objectType, objectID, kind string, fn func(tx *store.Tx, ca *caseAccess, e *hub.AuditEvent) error) error {
	if err := require(actor, act); err != nil {
		return err
	}
	if !hub.ValidID(caseID) {
		return hub.NotFound(kind)
	}
	denied := false
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		ca, err := a.caseFor(tx, actor, act, caseID)
		if errors.Is(err, hub.ErrNotFound) {
			denied = true
			e := event(ctx, actor, action, objectType, objectID)
			e.Outcome, e.Detail = hub.OutcomeDenied, "no such record"
			return tx.AppendAudit(e)
		}
		if err != nil {
			return err
		}
		e := caseEvent(ctx, actor, action, objectType, objectID, ca.Subject)
		if !ca.Decision.Allow {
			denied = true
			e.Outcome, e.Detail = hub.OutcomeDenied, ca.Decision.Reason
			return tx.AppendAudit(e)
		}
		markShare(e, ca.Decision)
		if err := fn(tx, ca, e); err != nil {
			return err
		}
		if e.ObjectID == "" {
			e.ObjectID = objectID
		}
		return tx.AppendAudit(e)
	})
	if err != nil {
		return err
	}
	if denied {
		return hub.NotFound(kind)
	}
	return nil
}

// CaseInput is a case as a form or API body gives it: text as typed.
type CaseInput struct {
	SubjectKind  string
	SubjectID    string
	LeadID       string
	MemberIDs    []string
	AgencyIDs    []string
	Exploitation []string
	Summary      string
	PlanSummary  string
	// Status is open or on_hold (closing has its own use case).
	Status string
	// ReviewDue is YYYY-MM-DD; empty means the default interval.
	ReviewDue string
	// ReferralID is the referral the case comes from, if any.
	ReferralID string
}

// normalizeCase turns input into a case's editable fields (not yet
// checked against the store).
func normalizeCase(in CaseInput) (*hub.Case, error) {
	c := &hub.Case{
		Subject:     hub.Subject{Kind: hub.SubjectKind(strings.TrimSpace(in.SubjectKind)), ID: strings.TrimSpace(in.SubjectID)},
		LeadID:      strings.TrimSpace(in.LeadID),
		Summary:     strings.TrimSpace(in.Summary),
		PlanSummary: strings.TrimSpace(in.PlanSummary),
		Status:      hub.CaseStatus(strings.TrimSpace(in.Status)),
		ReferralID:  strings.TrimSpace(in.ReferralID),
	}
	if c.Status == "" {
		c.Status = hub.CaseOpen
	}
	if c.Status == hub.CaseClosed {
		return nil, hub.Invalid("status", "close a case with its closure form, giving the reason")
	}
	if !c.Status.Valid() {
		return nil, hub.Invalid("status", "must be open or on_hold")
	}
	if len(in.MemberIDs) > hub.MaxCaseMembers {
		return nil, hub.Invalid("members", "a case has at most %d workers besides the lead", hub.MaxCaseMembers)
	}
	for _, m := range in.MemberIDs {
		m = strings.TrimSpace(m)
		if m == "" || m == c.LeadID || slices.Contains(c.MemberIDs, m) {
			continue
		}
		if !hub.ValidID(m) {
			return nil, hub.Invalid("members", "contains something that is not a user")
		}
		c.MemberIDs = append(c.MemberIDs, m)
	}
	if len(in.AgencyIDs) > hub.MaxCaseAgencies {
		return nil, hub.Invalid("agencies", "at most %d agencies", hub.MaxCaseAgencies)
	}
	for _, ag := range in.AgencyIDs {
		ag = strings.TrimSpace(ag)
		if ag == "" || slices.Contains(c.AgencyIDs, ag) {
			continue
		}
		if !hub.ValidID(ag) {
			return nil, hub.Invalid("agencies", "contains something that is not an agency")
		}
		c.AgencyIDs = append(c.AgencyIDs, ag)
	}
	if len(in.Exploitation) > len(hub.Exploitations) {
		return nil, hub.Invalid("exploitation", "names a type more than once")
	}
	for _, e := range in.Exploitation {
		t := hub.ExploitationType(strings.TrimSpace(e))
		if !t.Valid() {
			return nil, hub.Invalid("exploitation", "unknown type %q; use cse, cce, county_lines, trafficking or online", e)
		}
		if !slices.Contains(c.Exploitation, t) {
			c.Exploitation = append(c.Exploitation, t)
		}
	}
	if s := strings.TrimSpace(in.ReviewDue); s != "" {
		d, err := hub.ParseDate("review_due", s)
		if err != nil {
			return nil, err
		}
		c.ReviewDue = d
	}
	if c.ReferralID != "" && !hub.ValidID(c.ReferralID) {
		return nil, hub.Invalid("referral_id", "is not a referral")
	}
	return c, nil
}

// checkTeam checks the case's lead, workers and agencies against the
// store: the lead must be an active user whose role works cases, each
// worker an active user whose role reads them, each agency a partner.
func (a *App) checkTeam(tx *store.Tx, c *hub.Case) error {
	lead, err := tx.User(c.LeadID)
	if err != nil || lead.Disabled || !access.Can(userActor(lead), access.CaseWrite) {
		return hub.Invalid("lead_id", "choose a lead practitioner whose role works cases")
	}
	for _, m := range c.MemberIDs {
		u, err := tx.User(m)
		if err != nil || u.Disabled || !access.Can(userActor(u), access.CaseRead) {
			return hub.Invalid("members", "a worker must be a user whose role reads cases")
		}
	}
	for _, ag := range c.AgencyIDs {
		if _, err := tx.Agency(ag); err != nil {
			return hub.Invalid("agencies", "names an agency that does not exist")
		}
	}
	return nil
}

// userActor is a user as the policy sees them, for role checks.
func userActor(u *hub.User) *access.Actor {
	return &access.Actor{ID: u.ID, Name: u.Username, AgencyID: u.AgencyID, Roles: u.Roles, AreaIDs: u.AreaIDs}
}

// defaultReview is the review date ReviewMonths after t (a London date).
func (a *App) defaultReview(t time.Time) hub.Date {
	return hub.DateOf(deadline.AddCalendarMonths(t, a.caseConfig().ReviewMonths).In(London))
}

// OpenCase opens a case for a child or a context. The actor needs case.write
// and must be able to work on the subject (in its area, or on its team).
// The subject may have one active case at a time.
func (a *App) OpenCase(ctx context.Context, actor *access.Actor, in CaseInput) (*hub.Case, error) {
	if err := require(actor, access.CaseWrite); err != nil {
		return nil, err
	}
	c, err := normalizeCase(in)
	if err != nil {
		return nil, err
	}
	if !c.Subject.Kind.Valid() {
		return nil, hub.Invalid("subject_kind", "must be person or context")
	}
	if !hub.ValidID(c.Subject.ID) {
		return nil, hub.Invalid("subject_id", "is not a record identifier")
	}
	var denied bool
	err = a.db.Tx(ctx, func(tx *store.Tx) error {
		var err error
		denied, err = a.openCase(ctx, tx, actor, c, "")
		return err
	})
	if err != nil {
		return nil, err
	}
	if denied {
		return nil, hub.NotFound(string(c.Subject.Kind))
	}
	return c, nil
}

// openCase opens c inside tx: it loads the subject, decides, validates,
// stores, notifies the team and audits. detail is added to the audit
// event. It reports a refusal to see the subject as denied (audited).
func (a *App) openCase(ctx context.Context, tx *store.Tx, actor *access.Actor, c *hub.Case, detail string) (denied bool, err error) {
	s, err := a.loadSubject(tx, c.Subject)
	if errors.Is(err, hub.ErrNotFound) {
		e := event(ctx, actor, hub.ActCreate, "case", "")
		e.Outcome, e.Detail = hub.OutcomeDenied, "no such subject"
		return true, tx.AppendAudit(e)
	}
	if err != nil {
		return false, err
	}
	rec := a.subjectRecord(tx, s)
	e := caseEvent(ctx, actor, hub.ActCreate, "case", "", s)
	if d := a.decide(tx, actor, access.CaseWrite, rec); !d.Allow {
		e.Outcome, e.Detail = hub.OutcomeDenied, d.Reason
		return true, tx.AppendAudit(e)
	}
	if _, err := tx.ActiveCase(c.Subject); err == nil {
		return false, hub.Invalid("subject_id", "already has an open case; work that case instead").WithCode(hub.EConflict)
	} else if !errors.Is(err, hub.ErrNotFound) {
		return false, err
	}
	c.AreaID, c.OwnerAgencyID, c.CreatedBy = s.AreaID, actor.AgencyID, actor.ID
	if c.OwnerAgencyID == "" {
		c.OwnerAgencyID = s.OwnerAgencyID
	}
	if c.OpenedAt.IsZero() {
		c.OpenedAt = tx.Now()
	}
	if c.ReviewDue.IsZero() {
		c.ReviewDue = a.defaultReview(c.OpenedAt)
	}
	if err := c.Validate(tx.Now()); err != nil {
		return false, err
	}
	if err := a.checkTeam(tx, c); err != nil {
		return false, err
	}
	if err := tx.CreateCase(c); err != nil {
		return false, err
	}
	e.ObjectID, e.Detail = c.ID, detail
	if err := tx.AppendAudit(e); err != nil {
		return false, err
	}
	return false, a.notifyTeam(tx, actor, c, s, nil)
}

// notifyTeam tells a case's new lead and new workers (not the actor) that
// they are on it. before is the case as it was, nil for a new case.
func (a *App) notifyTeam(tx *store.Tx, actor *access.Actor, c *hub.Case, s *subjectInfo, before *hub.Case) error {
	var ns []*hub.Notification
	if c.LeadID != actor.ID && (before == nil || before.LeadID != c.LeadID) {
		ns = append(ns, &hub.Notification{UserID: c.LeadID, Kind: "allocation", SubjectID: s.subjectID(), ObjectType: "case", ObjectID: c.ID,
			Title: "You are the lead practitioner for " + s.Name, Body: "Case " + c.Status.Label() + "; opened " + londonDate(c.OpenedAt) + ".", Link: "/cases/" + c.ID})
	}
	for _, m := range c.MemberIDs {
		if m == actor.ID || before != nil && before.Team(m) {
			continue
		}
		ns = append(ns, &hub.Notification{UserID: m, Kind: "case_team", SubjectID: s.subjectID(), ObjectType: "case", ObjectID: c.ID,
			Title: "You have been added to the case for " + s.Name, Link: "/cases/" + c.ID})
	}
	return a.notify(tx, ns...)
}

func londonDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(London).Format("2 January 2006")
}

// CaseFromReferral is what a referral decided "open a hub case" hands on.
type CaseFromReferral struct {
	ReferralID string
	Subject    hub.Subject
	// LeadID is the lead practitioner; empty means the deciding actor.
	LeadID       string
	Exploitation []hub.ExploitationType
	Summary      string
	// OpenedAt is when the decision was made; zero means now.
	OpenedAt time.Time
}

// OpenCaseFromReferral opens a case from a referral's decision inside the
// referral use case's transaction (part A), writing the case's own audit
// event. When the subject already has an active case it returns that case
// (the referral joins it) and opens nothing. A subject the actor may not
// work on gives hub.ErrNotFound.
func (a *App) OpenCaseFromReferral(tx *store.Tx, actor *access.Actor, in CaseFromReferral) (*hub.Case, error) {
	if err := require(actor, access.CaseWrite); err != nil {
		return nil, err
	}
	if cur, err := tx.ActiveCase(in.Subject); err == nil {
		return cur, nil
	} else if !errors.Is(err, hub.ErrNotFound) {
		return nil, err
	}
	c := &hub.Case{Subject: in.Subject, LeadID: in.LeadID, Exploitation: in.Exploitation, Summary: strings.TrimSpace(in.Summary),
		Status: hub.CaseOpen, ReferralID: in.ReferralID, OpenedAt: in.OpenedAt}
	if c.LeadID == "" {
		c.LeadID = actor.ID
	}
	if len(c.Exploitation) == 0 {
		return nil, hub.Invalid("exploitation", "choose at least one type of exploitation for the case")
	}
	if c.Summary == "" {
		c.Summary = "Opened from a referral."
	}
	if len([]rune(c.Summary)) > hub.MaxCaseSummary {
		c.Summary = string([]rune(c.Summary)[:hub.MaxCaseSummary])
	}
	denied, err := a.openCase(tx.Context(), tx, actor, c, "opened from referral")
	if err != nil {
		return nil, err
	}
	if denied {
		return nil, hub.NotFound(string(in.Subject.Kind))
	}
	return c, nil
}

// UpdateCase changes a case's team, agencies, exploitation types, summaries,
// status (open or on hold) and review date, if version is the version the
// actor saw.
func (a *App) UpdateCase(ctx context.Context, actor *access.Actor, id string, version int, in CaseInput) (*hub.Case, error) {
	next, err := normalizeCase(in)
	if err != nil {
		return nil, err
	}
	var out *hub.Case
	err = a.withCase(ctx, actor, access.CaseWrite, id, hub.ActUpdate, "case", id, "case", func(tx *store.Tx, ca *caseAccess, e *hub.AuditEvent) error {
		cur := ca.Case
		if cur.Version != version {
			return hub.Conflict("case")
		}
		if cur.Status == hub.CaseClosed {
			return hub.Invalid("status", "the case is closed; open a new case to work with the child again")
		}
		before := *cur
		c := *cur
		c.LeadID, c.MemberIDs, c.AgencyIDs, c.Exploitation = next.LeadID, next.MemberIDs, next.AgencyIDs, next.Exploitation
		c.Summary, c.PlanSummary, c.Status = next.Summary, next.PlanSummary, next.Status
		if !next.ReviewDue.IsZero() {
			c.ReviewDue = next.ReviewDue
		}
		if err := c.Validate(tx.Now()); err != nil {
			return err
		}
		if err := a.checkTeam(tx, &c); err != nil {
			return err
		}
		if err := tx.UpdateCase(&c); err != nil {
			return err
		}
		out = &c
		e.Detail = caseChanges(&before, &c)
		if err := a.flagsFollowCaseLead(tx, c.Subject, before.LeadID, c.LeadID); err != nil {
			return err
		}
		return a.notifyTeam(tx, actor, &c, ca.Subject, &before)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// caseChanges says briefly, without personal data, what an update changed.
func caseChanges(a, b *hub.Case) string {
	var ch []string
	if a.LeadID != b.LeadID {
		ch = append(ch, "lead")
	}
	if !slices.Equal(a.MemberIDs, b.MemberIDs) {
		ch = append(ch, "workers")
	}
	if !slices.Equal(a.AgencyIDs, b.AgencyIDs) {
		ch = append(ch, "agencies")
	}
	if !slices.Equal(a.Exploitation, b.Exploitation) {
		ch = append(ch, "exploitation")
	}
	if a.Status != b.Status {
		ch = append(ch, "status "+string(b.Status))
	}
	if a.Summary != b.Summary || a.PlanSummary != b.PlanSummary {
		ch = append(ch, "summary")
	}
	if a.ReviewDue != b.ReviewDue {
		ch = append(ch, "review date")
	}
	if len(ch) == 0 {
		return "no change"
	}
	return "changed " + strings.Join(ch, ", ")
}

// CaseClosure is the reason a case is closed.
type CaseClosure struct {
	Code   string
	Reason string
}

// CloseCase closes a case with its reason, if version is the version the
// actor saw. The plan's open actions are cancelled, and the child's health
// flags are brought forward for review (the flag's nurse decides whether
// it should stay).
func (a *App) CloseCase(ctx context.Context, actor *access.Actor, id string, version int, in CaseClosure) (*hub.Case, error) {
	code := hub.ClosureCode(strings.TrimSpace(in.Code))
	if !code.Valid() {
		return nil, hub.Invalid("closure_code", "say why the case is being closed")
	}
	reason := strings.TrimSpace(in.Reason)
	var out *hub.Case
	err := a.withCase(ctx, actor, access.CaseWrite, id, hub.ActUpdate, "case", id, "case", func(tx *store.Tx, ca *caseAccess, e *hub.AuditEvent) error {
		c := *ca.Case
		if c.Version != version {
			return hub.Conflict("case")
		}
		if c.Status == hub.CaseClosed {
			return hub.Invalid("status", "the case is already closed")
		}
		c.Status, c.ClosureCode, c.ClosureReason, c.ClosedAt, c.ReviewDue = hub.CaseClosed, code, reason, tx.Now(), hub.Date{}
		if err := c.Validate(tx.Now()); err != nil {
			return err
		}
		if err := tx.UpdateCase(&c); err != nil {
			return err
		}
		actions, err := tx.CasePlanActions(c.ID)
		if err != nil {
			return err
		}
		cancelled := 0
		for _, p := range actions {
			if !p.Status.Open() {
				continue
			}
			p.Status, p.CompletedAt = hub.ActionCancelled, tx.Now()
			pr := &hub.ActionProgress{At: tx.Now(), AuthorID: actor.ID, AuthorName: actor.Name, Status: hub.ActionCancelled, Note: "Cancelled when the case was closed."}
			if err := tx.UpdatePlanAction(p, pr); err != nil {
				return err
			}
			cancelled++
		}
		e.Detail = fmt.Sprintf("closed: %s; %d open actions cancelled", code, cancelled)
		out = &c
		if ca.Subject.Person != nil {
			// Closing prompts a review of the child's health flags.
			return a.PromptFlagReview(tx.Context(), tx, ca.Subject.Person.ID, "case closed: "+code.Label())
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CaseReviewInput is a review of a case: what the reviewer found and when
// the next review is due.
type CaseReviewInput struct {
	Summary string
	// NextReview is YYYY-MM-DD; empty means the default interval from today.
	NextReview string
}

// ReviewCase records a review of an active case as a case note ("case
// review") and sets the next review date, if version is current.
func (a *App) ReviewCase(ctx context.Context, actor *access.Actor, id string, version int, in CaseReviewInput) (*hub.Note, error) {
	summary := strings.TrimSpace(in.Summary)
	var next hub.Date
	if s := strings.TrimSpace(in.NextReview); s != "" {
		d, err := hub.ParseDate("next_review", s)
		if err != nil {
			return nil, err
		}
		next = d
	}
	var note *hub.Note
	err := a.withCase(ctx, actor, access.CaseWrite, id, hub.ActUpdate, "case", id, "case", func(tx *store.Tx, ca *caseAccess, e *hub.AuditEvent) error {
		c := *ca.Case
		if c.Version != version {
			return hub.Conflict("case")
		}
		if !c.Status.Active() {
			return hub.Invalid("status", "the case is closed")
		}
		today := a.Today()
		if next.IsZero() {
			next = a.defaultReview(tx.Now())
		}
		if !next.After(today) {
			return hub.Invalid("next_review", "must be after today")
		}
		note = &hub.Note{CaseID: c.ID, AreaID: c.AreaID, Kind: hub.NoteReview, At: tx.Now(), Body: summary, AuthorID: actor.ID, AuthorName: actor.Name, AgencyID: actor.AgencyID}
		if err := note.Validate(tx.Now(), a.caseConfig().NoteMaxRunes); err != nil {
			return renameField(err, "summary")
		}
		c.ReviewDue = next
		if err := tx.UpdateCase(&c); err != nil {
			return err
		}
		if err := tx.CreateNotes(note); err != nil {
			return err
		}
		e.Detail = "case reviewed; next review " + next.String()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return note, nil
}

// CaseView is a case as its page shows it, with everything hanging off it.
type CaseView struct {
	Case *hub.Case
	// Share is set when the actor reads the case under a share (issue 6);
	// ShowPlan and ShowNotes say which sections it opens.
	Share               *hub.Share
	ShowPlan, ShowNotes bool
	SubjectName         string
	SubjectLink         string
	// SubjectIsPerson is set when the subject is a child (or adult).
	SubjectIsPerson bool
	AreaName        string
	Actions         []*hub.PlanAction
	Meetings        []*hub.Meeting
	Notes           []*hub.Note
	Services        []*hub.ServiceReferral
	// Users and Agencies name the people and agencies the case refers to.
	Users    map[string]*hub.User
	Agencies map[string]*hub.Agency
	Pathways []ServicePathway
	CanWrite bool
	// Overdue counts the open actions past their due date; ReviewOverdue
	// says the case review is late.
	Overdue       int
	ReviewOverdue bool
	Now           time.Time
}

// UserName returns a user's display name, or "unknown user".
func (v *CaseView) UserName(id string) string {
	if u, ok := v.Users[id]; ok {
		return u.DisplayName
	}
	return "unknown user"
}

// AgencyName returns an agency's name, or "".
func (v *CaseView) AgencyName(id string) string {
	if ag, ok := v.Agencies[id]; ok {
		return ag.Name
	}
	return ""
}

// PathwayLabel returns the name of a service pathway.
func (v *CaseView) PathwayLabel(code string) string {
	for _, p := range v.Pathways {
		if p.Code == code {
			return p.Label
		}
	}
	return code
}

// ActionOverdue reports whether a plan action is overdue now.
func (v *CaseView) ActionOverdue(p *hub.PlanAction) bool { return p.Overdue(v.Now, London) }

// ViewCase returns a case with its plan, meetings, notes and service
// referrals, auditing the view. A case the actor may not read is not found.
func (a *App) ViewCase(ctx context.Context, actor *access.Actor, id string) (*CaseView, error) {
	var v *CaseView
	err := a.withCase(ctx, actor, access.CaseRead, id, hub.ActView, "case", id, "case", func(tx *store.Tx, ca *caseAccess, e *hub.AuditEvent) error {
		var err error
		v, err = a.caseView(tx, actor, ca)
		return err
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

func (a *App) caseView(tx *store.Tx, actor *access.Actor, ca *caseAccess) (*CaseView, error) {
	c := ca.Case
	v := &CaseView{Case: c, SubjectName: ca.Subject.Name, SubjectLink: ca.Subject.Link, SubjectIsPerson: ca.Subject.Person != nil,
		Pathways: a.caseConfig().ServicePathways, Now: tx.Now(), Users: map[string]*hub.User{}, Agencies: map[string]*hub.Agency{}}
	if ar, err := tx.Area(c.AreaID); err == nil {
		v.AreaName = ar.Name
	}
	var err error
	// Read under a share, the view holds only the parts the share names.
	v.Share = ca.Decision.ViaShare
	v.ShowPlan, v.ShowNotes = v.Share == nil || v.Share.Has(hub.PartPlan), v.Share == nil || v.Share.Has(hub.PartNotes)
	if v.ShowPlan {
		if v.Actions, err = tx.CasePlanActions(c.ID); err != nil {
			return nil, err
		}
		if v.Meetings, err = tx.CaseMeetings(c.ID); err != nil {
			return nil, err
		}
		if v.Services, err = tx.CaseServiceReferrals(c.ID); err != nil {
			return nil, err
		}
	}
	if v.ShowNotes {
		if v.Notes, err = tx.CaseNotes(c.ID); err != nil {
			return nil, err
		}
	}
	ids := append([]string{c.LeadID}, c.MemberIDs...)
	for _, p := range v.Actions {
		ids = append(ids, p.OwnerID)
		if p.Overdue(v.Now, London) {
			v.Overdue++
		}
	}
	for _, m := range v.Meetings {
		for _, at := range m.Attendees {
			if at.UserID != "" {
				ids = append(ids, at.UserID)
			}
		}
	}
	for _, id := range ids {
		if _, ok := v.Users[id]; ok {
			continue
		}
		if u, err := tx.User(id); err == nil {
			v.Users[id] = u
		}
	}
	ags, err := tx.Agencies()
	if err != nil {
		return nil, err
	}
	for _, ag := range ags {
		v.Agencies[ag.ID] = ag
	}
	v.ReviewOverdue = c.Status.Active() && !c.ReviewDue.IsZero() && !v.Now.Before(hub.EndOfDay(c.ReviewDue, London))
	v.CanWrite = c.Status.Active() && a.decide(tx, actor, access.CaseWrite, caseRecord(c, ca.Subject)).Allow
	return v, nil
}

// userName returns a user's display name for lists ("" when unknown).
func (a *App) userName(tx *store.Tx, id string) string {
	if u, err := tx.User(id); err == nil {
		return u.DisplayName
	}
	return ""
}

// CaseListFilter selects the cases a list shows.
type CaseListFilter struct {
	// Mine keeps the cases the actor leads or works on; otherwise the
	// actor's areas' cases are listed too.
	Mine bool
	// Status is "active" (open or on hold; the default), "closed" or "all".
	Status string
	Limit  int
	Offset int
}

// CaseList is a page of cases.
type CaseList struct {
	Cases []*CaseSummary
	Total int
}

// Cases lists cases the actor may read: the actor's own (lead or worker)
// and, unless f.Mine, those in the actor's areas, most recently opened
// first. Listing names children, so it is audited as a search.
func (a *App) Cases(ctx context.Context, actor *access.Actor, f CaseListFilter) (*CaseList, error) {
	if err := require(actor, access.CaseRead); err != nil {
		return nil, err
	}
	cf := store.CaseFilter{TeamUserID: actor.ID, Limit: f.Limit, Offset: f.Offset}
	if !f.Mine {
		cf.AreaIDs = actor.AreaIDs
	}
	switch f.Status {
	case "", "active":
		cf.Statuses = []hub.CaseStatus{hub.CaseOpen, hub.CaseOnHold}
	case "closed":
		cf.Statuses = []hub.CaseStatus{hub.CaseClosed}
	case "all":
	default:
		return nil, hub.Invalid("status", "must be active, closed or all")
	}
	if cf.Limit <= 0 || cf.Limit > 200 {
		cf.Limit = 50
	}
	if f.Offset < 0 || f.Offset > 100000 {
		return nil, hub.Invalid("offset", "is out of range")
	}
	out := &CaseList{}
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		cs, total, err := tx.FindCases(cf)
		if err != nil {
			return err
		}
		out.Total = total
		if out.Cases, err = a.summaries(tx, actor, cs); err != nil {
			return err
		}
		e := event(ctx, actor, hub.ActSearch, "case", "")
		e.Detail = fmt.Sprintf("case list (%s); %d results", f.Status, total)
		return tx.AppendAudit(e)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// summaries turns cases into list rows, keeping those the actor may read.
func (a *App) summaries(tx *store.Tx, actor *access.Actor, cs []*hub.Case) ([]*CaseSummary, error) {
	var pids []string
	for _, c := range cs {
		if c.Subject.Kind == hub.SubjectPerson {
			pids = append(pids, c.Subject.ID)
		}
	}
	persons, err := tx.PersonSubjects(pids)
	if err != nil {
		return nil, err
	}
	areas := map[string]string{}
	if as, err := tx.Areas(); err == nil {
		for _, ar := range as {
			areas[ar.ID] = ar.Name
		}
	}
	names := map[string]string{}
	var out []*CaseSummary
	for _, c := range cs {
		s := &subjectInfo{Subject: c.Subject, Sensitivity: hub.SensitivityNormal}
		if p, ok := persons[c.Subject.ID]; ok && c.Subject.Kind == hub.SubjectPerson {
			s.Name, s.Sensitivity = p.Name, p.Sensitivity
		} else if c.Subject.Kind == hub.SubjectContext {
			if ctxt, err := tx.ContextRecord(c.Subject.ID); err == nil {
				s.Name = ctxt.Name
			}
		}
		if !a.decide(tx, actor, access.CaseRead, caseRecord(c, s)).Allow {
			continue
		}
		if _, ok := names[c.LeadID]; !ok {
			names[c.LeadID] = a.userName(tx, c.LeadID)
		}
		out = append(out, &CaseSummary{Case: c, SubjectName: s.Name, LeadName: names[c.LeadID], AreaName: areas[c.AreaID]})
	}
	return out, nil
}

// CaseWorker is a user who can be put on a case.
type CaseWorker struct {
	ID         string
	Username   string
	Name       string
	AgencyID   string
	AgencyName string
	// CanLead is set for users whose role works cases.
	CanLead bool
}

// CaseWorkers lists the users who can lead or work on cases, for the case
// form. Staff names are not person-level data; listing them is not audited.
func (a *App) CaseWorkers(ctx context.Context, actor *access.Actor) ([]CaseWorker, error) {
	if err := require(actor, access.CaseRead); err != nil {
		return nil, err
	}
	var out []CaseWorker
	err := a.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		out, err = caseWorkers(tx, nil)
		return err
	})
	return out, err
}

// caseWorkers lists the active users whose roles work on cases, by name,
// keeping only those keep accepts (all when keep is nil).
func caseWorkers(tx *store.Tx, keep func(u *hub.User, ua *access.Actor) bool) ([]CaseWorker, error) {
	off := false
	us, _, err := tx.FindUsers(store.UserFilter{Disabled: &off, Limit: 1000})
	if err != nil {
		return nil, err
	}
	ags, err := tx.Agencies()
	if err != nil {
		return nil, err
	}
	agName := map[string]string{}
	for _, ag := range ags {
		agName[ag.ID] = ag.Name
	}
	var out []CaseWorker
	for _, u := range us {
		ua := userActor(u)
		if !access.Can(ua, access.CaseRead) || keep != nil && !keep(u, ua) {
			continue
		}
		out = append(out, CaseWorker{ID: u.ID, Username: u.Username, Name: u.DisplayName, AgencyID: u.AgencyID, AgencyName: agName[u.AgencyID], CanLead: access.Can(ua, access.CaseWrite)})
	}
	slices.SortFunc(out, func(x, y CaseWorker) int { return strings.Compare(x.Name, y.Name) })
	return out, nil
}

// SubjectForCase returns the name of a prospective case's subject, for the
// open-case form, if the actor may open a case for it (it is not audited
// beyond the person or context view that led here; it reveals a name only
// to those who may work on the subject).
func (a *App) SubjectForCase(ctx context.Context, actor *access.Actor, s hub.Subject) (string, error) {
	if err := require(actor, access.CaseWrite); err != nil {
		return "", err
	}
	if !s.Kind.Valid() || !hub.ValidID(s.ID) {
		return "", hub.NotFound("subject")
	}
	var name string
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		info, err := a.loadSubject(tx, s)
		if err != nil {
			return err
		}
		e := event(ctx, actor, hub.ActView, string(s.Kind), s.ID)
		e.SubjectID, e.Detail = info.subjectID(), "open-case form"
		if d := a.decide(tx, actor, access.CaseWrite, a.subjectRecord(tx, info)); !d.Allow {
			e.Outcome, e.Detail = hub.OutcomeDenied, d.Reason
			return tx.AppendAudit(e)
		}
		name = info.Name
		return tx.AppendAudit(e)
	})
	if err != nil {
		if errors.Is(err, hub.ErrNotFound) {
			return "", hub.NotFound("subject")
		}
		return "", err
	}
	if name == "" {
		return "", hub.NotFound("subject")
	}
	return name, nil
}

// CaseImport is one case of a bulk import (a synthetic partnership's load):
// the case and the meetings already held about it.
type CaseImport struct {
	// ExternalRef is the case's key in the source, unique.
	ExternalRef  string
	Subject      hub.Subject
	LeadID       string
	MemberIDs    []string
	AgencyIDs    []string
	Exploitation []hub.ExploitationType
	Summary      string
	OpenedAt     time.Time
	Meetings     []MeetingImport
}

// MeetingImport is a meeting held about an imported case.
type MeetingImport struct {
	Kind      hub.MeetingKind
	HeldAt    time.Time
	Attendees []hub.Attendee
	Decisions string
	S47       bool
}

var errImportRefused = errors.New("import refused")

// ImportCases opens a batch of cases with their meetings, all-or-nothing:
// every row is checked (subject in the importer's scope, lead and workers
// who may work cases, fields valid) and, if any is refused, the report
// lists every refusal and nothing is written. A row whose subject already
// has an active case is skipped (its id in the report is empty): the case
// is already being worked. Otherwise the batch is one transaction with one
// audit event per case opened (detail names the source). Review dates are
// set to the next due date in the review cycle from opening.
func (a *App) ImportCases(ctx context.Context, actor *access.Actor, source string, rows []CaseImport) (*ImportReport, error) {
	if err := require(actor, access.CaseWrite); err != nil {
		return nil, err
	}
	if len(rows) > MaxImportBatch {
		return nil, hub.Invalid("rows", "a batch holds at most %d records; split the import", MaxImportBatch)
	}
	if err := hub.ValidateText("source", source, 1, 200); err != nil {
		return nil, err
	}
	rep := &ImportReport{IDs: make([]string, len(rows))}
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		var pids, cids []string
		for _, r := range rows {
			switch r.Subject.Kind {
			case hub.SubjectPerson:
				pids = append(pids, r.Subject.ID)
			case hub.SubjectContext:
				cids = append(cids, r.Subject.ID)
			}
		}
		persons, err := tx.PersonSubjects(pids)
		if err != nil {
			return err
		}
		activeP, err := tx.ActiveCaseSubjects(hub.SubjectPerson, pids)
		if err != nil {
			return err
		}
		activeC, err := tx.ActiveCaseSubjects(hub.SubjectContext, cids)
		if err != nil {
			return err
		}
		users := map[string]error{}
		checkUser := func(id string, act access.Action, field string) error {
			key := string(act) + id
			if err, ok := users[key]; ok {
				return err
			}
			u, err := tx.User(id)
			if err != nil || u.Disabled || !access.Can(userActor(u), act) {
				err = hub.Invalid(field, "is not a user who may work cases")
			}
			users[key] = err
			return err
		}
		now := tx.Now()
		seen := map[string]bool{}
		agencies := map[string]bool{}
		var cases []*hub.Case
		var meetings []*hub.Meeting
		var caseRows []int
		for i, r := range rows {
			refuse := func(err error) { rep.Refused = append(rep.Refused, ImportError{Row: i, Err: err}) }
			key := string(r.Subject.Kind) + ":" + r.Subject.ID
			if activeP[r.Subject.ID] != "" && r.Subject.Kind == hub.SubjectPerson || activeC[r.Subject.ID] != "" && r.Subject.Kind == hub.SubjectContext {
				continue
			}
			if seen[key] {
				refuse(hub.Invalid("subject_id", "has more than one case in the batch"))
				continue
			}
			seen[key] = true
			var rec *access.Record
			switch r.Subject.Kind {
			case hub.SubjectPerson:
				p, ok := persons[r.Subject.ID]
				if !ok {
					refuse(hub.Invalid("subject_id", "is not a person"))
					continue
				}
				rec = &access.Record{Type: "person", ID: p.ID, AreaID: p.AreaID, OwnerAgencyID: p.OwnerAgencyID, Sensitivity: p.Sensitivity}
			case hub.SubjectContext:
				c, err := tx.ContextRecord(r.Subject.ID)
				if err != nil {
					refuse(hub.Invalid("subject_id", "is not a context"))
					continue
				}
				rec = &access.Record{Type: "context", ID: c.ID, AreaID: c.AreaID, OwnerAgencyID: c.OwnerAgencyID, Sensitivity: hub.SensitivityNormal}
			default:
				refuse(hub.Invalid("subject_kind", "must be person or context"))
				continue
			}
			if !access.Decide(actor, access.CaseWrite, rec, now).Allow {
				refuse(hub.Invalid("subject_id", "is not in the importer's areas"))
				continue
			}
			c := &hub.Case{Subject: r.Subject, AreaID: rec.AreaID, OwnerAgencyID: actor.AgencyID, LeadID: r.LeadID, AgencyIDs: r.AgencyIDs, Exploitation: r.Exploitation,
				Status: hub.CaseOpen, Summary: strings.TrimSpace(r.Summary), OpenedAt: r.OpenedAt.UTC(), ExternalRef: r.ExternalRef, CreatedBy: actor.ID}
			for _, m := range r.MemberIDs {
				if m != c.LeadID && !slices.Contains(c.MemberIDs, m) {
					c.MemberIDs = append(c.MemberIDs, m)
				}
			}
			if c.OwnerAgencyID == "" {
				c.OwnerAgencyID = rec.OwnerAgencyID
			}
			if !c.OpenedAt.IsZero() {
				c.ReviewDue = a.nextReview(c.OpenedAt, now)
			}
			if err := c.Validate(now); err != nil {
				refuse(err)
				continue
			}
			if err := checkUser(c.LeadID, access.CaseWrite, "lead_id"); err != nil {
				refuse(err)
				continue
			}
			bad := false
			for _, ag := range c.AgencyIDs {
				if _, ok := agencies[ag]; !ok {
					_, err := tx.Agency(ag)
					agencies[ag] = err == nil
				}
				if !agencies[ag] {
					refuse(hub.Invalid("agencies", "names an agency that does not exist"))
					bad = true
					break
				}
			}
			if bad {
				continue
			}
			for _, m := range c.MemberIDs {
				if err := checkUser(m, access.CaseRead, "members"); err != nil {
					refuse(err)
					bad = true
					break
				}
			}
			if bad {
				continue
			}
			c.ID = hub.NewID()
			for j, mi := range r.Meetings {
				m := &hub.Meeting{CaseID: c.ID, AreaID: c.AreaID, Kind: mi.Kind, HeldAt: mi.HeldAt.UTC(), Attendees: mi.Attendees, Decisions: mi.Decisions, S47: mi.S47, CreatedBy: actor.ID}
				if err := m.Validate(now); err != nil {
					refuse(renameField(err, fmt.Sprintf("meetings[%d].%s", j, hub.ErrorField(err))))
					bad = true
					break
				}
				meetings = append(meetings, m)
			}
			if bad {
				continue
			}
			cases = append(cases, c)
			caseRows = append(caseRows, i)
		}
		if len(rep.Refused) > 0 {
			return errImportRefused
		}
		if err := tx.CreateCases(cases); err != nil {
			return err
		}
		if err := tx.CreateMeetings(meetings...); err != nil {
			return err
		}
		for k, c := range cases {
			e := event(ctx, actor, hub.ActCreate, "case", c.ID)
			if c.Subject.Kind == hub.SubjectPerson {
				e.SubjectID = c.Subject.ID
			}
			e.Detail = fmt.Sprintf("import: %s; %d meetings", source, len(rows[caseRows[k]].Meetings))
			if err := tx.AppendAudit(e); err != nil {
				return err
			}
			rep.IDs[caseRows[k]] = c.ID
		}
		rep.Created = len(cases)
		return nil
	})
	if errors.Is(err, errImportRefused) {
		rep.Created, rep.IDs = 0, nil
		return rep, nil
	}
	if err != nil {
		return nil, err
	}
	return rep, nil
}

// nextReview is the first review date in the cycle from opened that falls
// after now: a case imported long after it was opened has its next review
// to come, not years of missed ones.
func (a *App) nextReview(opened, now time.Time) hub.Date {
	months := a.caseConfig().ReviewMonths
	today := hub.DateOf(now.In(London))
	for k := 1; k < 1200; k++ {
		d := hub.DateOf(deadline.AddCalendarMonths(opened, k*months).In(London))
		if d.After(today) {
			return d
		}
	}
	return a.defaultReview(now)
}
