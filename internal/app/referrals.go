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
	"github.com/safehub/safehub/internal/risk"
	"github.com/safehub/safehub/internal/store"
)

// Referrals (issue 4, part A): the hub's front door. A referral is about a
// child, or about a place or group (contextual safeguarding); it says who
// referred, what they are worried about, which screening indicators they
// saw and how urgent it is, and the hub decides on it within one working
// day (Working Together 2023). Undecided referrals are work items.
//
// Access: access.ReferralCreate to record one, access.CaseRead to read
// them and access.ReferralDecide to decide, each decided on the subject: a
// person's record (area, sensitivity, team) or a context's area. A referral
// the actor may not see answers not found, and the refusal is audited.

// ReferralConfig configures casework part A: referrals, the combined risk
// assessment, and the work queues' deadline job.
type ReferralConfig struct {
	// Screening is the combined risk assessment's screening tool
	// (indicators, weights, thresholds); nil means risk.Default().
	Screening *risk.Tool
	// DecisionWorkingDays is how many working days a referral decision is
	// due in (Working Together 2023: 1).
	DecisionWorkingDays int
	// ReviewDays is how many days after an assessment its review is due, by
	// the level set; a level without an entry (none, by default) has no
	// review.
	ReviewDays map[hub.RiskLevel]int
	// DeadlineJobEvery is how often the deadline job runs in a server.
	DeadlineJobEvery time.Duration
}

// DefaultReferralConfig returns the defaults: the default screening tool,
// decisions in one working day, reviews 4 weeks after a high level, 13
// weeks after medium and 26 after low, the deadline job every 5 minutes.
func DefaultReferralConfig() ReferralConfig {
	return ReferralConfig{
		Screening:           risk.Default(),
		DecisionWorkingDays: 1,
		ReviewDays:          map[hub.RiskLevel]int{hub.RiskHigh: 28, hub.RiskMedium: 91, hub.RiskLow: 182},
		DeadlineJobEvery:    5 * time.Minute,
	}
}

// referralConfig returns the configuration with defaults for what is unset.
func (a *App) referralConfig() ReferralConfig {
	c, d := a.cfg.Referrals, DefaultReferralConfig()
	if c.Screening == nil {
		c.Screening = d.Screening
	}
	if c.DecisionWorkingDays <= 0 {
		c.DecisionWorkingDays = d.DecisionWorkingDays
	}
	if c.ReviewDays == nil {
		c.ReviewDays = d.ReviewDays
	}
	if c.DeadlineJobEvery <= 0 {
		c.DeadlineJobEvery = d.DeadlineJobEvery
	}
	return c
}

// Screening returns the configured screening tool.
func (a *App) Screening() *risk.Tool { return a.referralConfig().Screening }

// subject is a referral's, assessment's or context member's subject as
// loaded for a decision and for display.
type subject struct {
	hub.Subject
	Name    string
	AreaID  string
	Person  *hub.Person
	Context *hub.Context
	record  *access.Record
}

// Link is the subject's page.
func (s *subject) Link() string { return subjectLink(s.Subject) }

func subjectLink(s hub.Subject) string {
	if s.Kind == hub.SubjectContext {
		return "/contexts/" + s.ID
	}
	return "/persons/" + s.ID
}

// subjectFor loads a subject; one that does not exist is not found.
func (a *App) subjectFor(tx *store.Tx, s hub.Subject) (*subject, error) {
	out := &subject{Subject: s}
	switch s.Kind {
	case hub.SubjectPerson:
		p, err := tx.Person(s.ID)
		if err != nil {
			return nil, err
		}
		out.Person, out.Name, out.AreaID, out.record = p, p.Name(), p.AreaID, access.PersonRecord(p).PartOf(hub.PartAssessments)
	case hub.SubjectContext:
		c, err := tx.ContextRecord(s.ID)
		if err != nil {
			return nil, err
		}
		out.Context, out.Name, out.AreaID, out.record = c, c.Name, c.AreaID, contextRecord(c)
	default:
		return nil, hub.NotFound("subject")
	}
	return out, nil
}

// subjectAccess loads the subject of an action and decides act on it,
// with e the action's audit event (its SubjectID set here). When the
// subject does not exist or the actor may not, it appends e as denied and
// returns a nil subject: the caller answers not found.
func (a *App) subjectAccess(tx *store.Tx, actor *access.Actor, act access.Action, e *hub.AuditEvent, s hub.Subject) (*subject, error) {
	e.SubjectID = personOf(s)
	subj, err := a.subjectFor(tx, s)
	if errors.Is(err, hub.ErrNotFound) {
		e.Outcome, e.Detail = hub.OutcomeDenied, "no such subject"
		return nil, tx.AppendAudit(e)
	}
	if err != nil {
		return nil, err
	}
	d := a.decide(tx, actor, act, subj.record)
	if !d.Allow {
		e.Outcome, e.Detail = hub.OutcomeDenied, d.Reason
		return nil, tx.AppendAudit(e)
	}
	markShare(e, d)
	if a.identityHidden(tx, actor, d, subj.Person) {
		masked := *subj
		masked.Name, masked.Person = HiddenName, maskedPerson(subj.Person)
		subj = &masked
	}
	return subj, nil
}

// contextRecord describes a context for an access decision.
func contextRecord(c *hub.Context) *access.Record {
	return &access.Record{Type: "context", ID: c.ID, AreaID: c.AreaID, OwnerAgencyID: c.OwnerAgencyID, Sensitivity: hub.SensitivityNormal}
}

// listSubjects returns the display names of many subjects, and whether
// actor may see each (for lists: a restricted child's name is shown only
// to those who may read the record), with one query per kind.
func listSubjects(tx *store.Tx, actor *access.Actor, act access.Action, ss []hub.Subject) (map[hub.Subject]string, error) {
	var pids, cids []string
	for _, s := range ss {
		if s.Kind == hub.SubjectContext {
			cids = append(cids, s.ID)
		} else {
			pids = append(pids, s.ID)
		}
	}
	ps, err := tx.PersonSummaries(pids)
	if err != nil {
		return nil, err
	}
	cs, err := tx.ContextSummaries(cids)
	if err != nil {
		return nil, err
	}
	out := make(map[hub.Subject]string, len(ss))
	now := tx.Now()
	for id, p := range ps {
		r := &access.Record{Type: "person", ID: id, AreaID: p.AreaID, OwnerAgencyID: p.OwnerAgencyID, Sensitivity: p.Sensitivity}
		if access.Decide(actor, act, r, now).Allow {
			out[hub.Subject{Kind: hub.SubjectPerson, ID: id}] = p.Name()
		}
	}
	for id, c := range cs {
		r := &access.Record{Type: "context", ID: id, AreaID: c.AreaID, OwnerAgencyID: c.OwnerAgencyID}
		if access.Decide(actor, act, r, now).Allow {
			out[hub.Subject{Kind: hub.SubjectContext, ID: id}] = c.Name
		}
	}
	return out, nil
}

// actorName is the name to record of who did something: the user's display
// name, or the actor's name for the command line and imports.
func actorName(tx *store.Tx, actor *access.Actor) string {
	if actor.ID != "" && !actor.Machine {
		if u, err := tx.User(actor.ID); err == nil {
			return u.DisplayName
		}
	}
	return actor.Name
}

// CheckAssignee refuses a user who cannot hold work in area areaID: no
// such user, a disabled account, or one who does not work in the area or
// whose roles do not include casework. field names the input. Features'
// reassigners use it.
func (a *App) CheckAssignee(tx *store.Tx, field, userID, areaID string) error {
	bad := hub.Invalid(field, "is not someone who works on casework in this record's area")
	if !hub.ValidID(userID) {
		return bad
	}
	u, err := tx.User(userID)
	if errors.Is(err, hub.ErrNotFound) {
		return bad
	}
	if err != nil {
		return err
	}
	holder := &access.Actor{ID: u.ID, Roles: u.Roles, AreaIDs: u.AreaIDs}
	if u.Disabled || !slices.Contains(u.AreaIDs, areaID) || !access.Can(holder, access.CaseRead) {
		return bad
	}
	return nil
}

// checkAssigneeReads is CheckAssignee for a record, also refusing a user
// whose casework access does not reach the record itself (a restricted
// child needs a manager or the child's team).
func (a *App) checkAssigneeReads(tx *store.Tx, field, userID string, rec *access.Record) error {
	if err := a.CheckAssignee(tx, field, userID, rec.AreaID); err != nil {
		return err
	}
	u, err := tx.User(userID)
	if err != nil {
		return err
	}
	if !a.decide(tx, &access.Actor{ID: u.ID, Roles: u.Roles, AreaIDs: u.AreaIDs}, access.CaseRead, rec).Allow {
		return hub.Invalid(field, "cannot see this record; choose someone who can")
	}
	return nil
}

// ReferralInput is a referral as a form or API body gives it.
type ReferralInput struct {
	SubjectKind      string
	SubjectID        string
	ReferrerName     string
	ReferrerRole     string
	ReferrerAgencyID string
	ReferrerOrg      string
	// ReceivedAt is when the hub received it; zero means now.
	ReceivedAt time.Time
	Concerns   string
	Indicators []string
	// Urgency is routine (the default), urgent or immediate.
	Urgency string
	// AllocatedTo, if set, is the user who is to decide it.
	AllocatedTo string
}

// newReferral checks input and builds the referral (without its subject's
// area, which the caller sets from the loaded subject).
func (a *App) newReferral(actor *access.Actor, in ReferralInput, now time.Time) (*hub.Referral, error) {
	r := &hub.Referral{
		Subject:          hub.Subject{Kind: hub.SubjectKind(strings.TrimSpace(in.SubjectKind)), ID: strings.TrimSpace(in.SubjectID)},
		OwnerAgencyID:    actor.AgencyID,
		ReferrerName:     strings.TrimSpace(in.ReferrerName),
		ReferrerRole:     strings.TrimSpace(in.ReferrerRole),
		ReferrerAgencyID: strings.TrimSpace(in.ReferrerAgencyID),
		ReferrerOrg:      strings.TrimSpace(in.ReferrerOrg),
		ReceivedAt:       in.ReceivedAt.UTC().Truncate(time.Microsecond),
		Concerns:         strings.TrimSpace(in.Concerns),
		Urgency:          hub.Urgency(strings.TrimSpace(in.Urgency)),
		AllocatedTo:      strings.TrimSpace(in.AllocatedTo),
		CreatedBy:        actor.ID,
	}
	if r.ReceivedAt.IsZero() {
		r.ReceivedAt = now
	}
	if r.Urgency == "" {
		r.Urgency = hub.UrgencyRoutine
	}
	if !r.Subject.Kind.Valid() {
		return nil, hub.Invalid("subject_kind", "must be person or context")
	}
	if !hub.ValidID(r.Subject.ID) {
		return nil, hub.Invalid("subject_id", "is not a record identifier")
	}
	if len(in.Indicators) > hub.MaxReferralIndics {
		return nil, hub.Invalid("indicators", "at most %d indicators", hub.MaxReferralIndics)
	}
	var err error
	if r.Indicators, err = a.Screening().Check(in.Indicators); err != nil {
		return nil, err
	}
	r.DecisionDue = deadline.EnglandWales().AddWorkingDays(r.ReceivedAt, a.referralConfig().DecisionWorkingDays)
	return r, nil
}

// RecordReferral records a referral about a person or a context in the
// actor's scope. A subject the actor may not see answers not found.
func (a *App) RecordReferral(ctx context.Context, actor *access.Actor, in ReferralInput) (*hub.Referral, error) {
	if err := require(actor, access.ReferralCreate); err != nil {
		return nil, err
	}
	r, err := a.newReferral(actor, in, a.Now())
	if err != nil {
		return nil, err
	}
	var denied bool
	err = a.db.Tx(ctx, func(tx *store.Tx) error {
		e := event(ctx, actor, hub.ActCreate, "referral", "")
		s, err := a.subjectAccess(tx, actor, access.ReferralCreate, e, r.Subject)
		if err != nil || s == nil {
			denied = s == nil
			return err
		}
		r.AreaID = s.AreaID
		if err := a.checkReferrer(tx, r); err != nil {
			return err
		}
		if r.AllocatedTo != "" {
			if err := a.checkAssigneeReads(tx, "allocated_to", r.AllocatedTo, s.record); err != nil {
				return err
			}
		}
		if err := r.Validate(tx.Now()); err != nil {
			return err
		}
		if err := tx.CreateReferral(r); err != nil {
			return err
		}
		e.ObjectID, e.Detail = r.ID, string(r.Urgency)
		if err := tx.AppendAudit(e); err != nil {
			return err
		}
		return a.notifyNewReferral(tx, actor, r, s)
	})
	if err != nil {
		return nil, err
	}
	if denied {
		return nil, hub.NotFound("subject")
	}
	return r, nil
}

// checkReferrer refuses a referrer agency that is not a partner agency.
func (a *App) checkReferrer(tx *store.Tx, r *hub.Referral) error {
	if r.ReferrerAgencyID == "" {
		return nil
	}
	if !hub.ValidID(r.ReferrerAgencyID) {
		return hub.Invalid("referrer_agency_id", "is not a partner agency")
	}
	if _, err := tx.Agency(r.ReferrerAgencyID); err != nil {
		if errors.Is(err, hub.ErrNotFound) {
			return hub.Invalid("referrer_agency_id", "is not a partner agency")
		}
		return err
	}
	return nil
}

// notifyNewReferral tells who needs to know of a new referral: the user it
// is allocated to, or, when it is urgent and unallocated, the managers of
// the subject's area.
func (a *App) notifyNewReferral(tx *store.Tx, actor *access.Actor, r *hub.Referral, s *subject) error {
	var to []string
	switch {
	case r.AllocatedTo != "":
		to = []string{r.AllocatedTo}
	case r.Urgency != hub.UrgencyRoutine:
		ms, err := managersOf(tx, r.AreaID)
		if err != nil {
			return err
		}
		to = ms
	}
	var ns []*hub.Notification
	for _, u := range to {
		if u == actor.ID {
			continue
		}
		ns = append(ns, &hub.Notification{UserID: u, Kind: "referral", SubjectID: personOf(r.Subject), ObjectType: "referral", ObjectID: r.ID,
			Title: fmt.Sprintf("%s referral about %s", r.Urgency.Label(), s.Name), Body: "Decision due " + r.DecisionDue.In(London).Format("2 Jan 2006 15:04") + ".",
			Link: "/referrals/" + r.ID})
	}
	return a.notify(tx, ns...)
}

// personOf is s's person id, or "" for a context.
func personOf(s hub.Subject) string {
	if s.Kind == hub.SubjectPerson {
		return s.ID
	}
	return ""
}

// managersOf returns the ids of the enabled managers working in an area.
func managersOf(tx *store.Tx, areaID string) ([]string, error) {
	us, err := tx.UsersInAreas(areaID)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, u := range us {
		if u.HasRole(hub.RoleManager) {
			out = append(out, u.ID)
		}
	}
	return out, nil
}

// ReferralView is a referral as shown to an actor.
type ReferralView struct {
	Referral *hub.Referral
	Subject  hub.Subject
	// SubjectName and SubjectLink name and link the subject.
	SubjectName string
	SubjectLink string
	// ReferrerAgency names the partner agency that referred, if one did.
	ReferrerAgency string
	// AllocatedName names the user it is allocated to.
	AllocatedName string
	// Indicators are the screening indicators seen, with labels.
	Indicators []risk.Indicator
	Overdue    bool
	CanDecide  bool
	CanAssess  bool
	// Assessments are the subject's assessments, newest first.
	Assessments []*hub.Assessment
}

// ViewReferral returns a referral the actor may read, auditing the view.
func (a *App) ViewReferral(ctx context.Context, actor *access.Actor, id string) (*ReferralView, error) {
	if err := require(actor, access.CaseRead); err != nil {
		return nil, err
	}
	var v *ReferralView
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		r, s, e, err := a.referralFor(tx, ctx, actor, access.CaseRead, hub.ActView, id)
		if err != nil || s == nil {
			return err
		}
		if err := tx.AppendAudit(e); err != nil {
			return err
		}
		v = &ReferralView{Referral: r, Subject: r.Subject, SubjectName: s.Name, SubjectLink: s.Link(), Overdue: r.Overdue(tx.Now())}
		if r.ReferrerAgencyID != "" {
			if ag, err := tx.Agency(r.ReferrerAgencyID); err == nil {
				v.ReferrerAgency = ag.Name
			}
		}
		if r.AllocatedTo != "" {
			if u, err := tx.User(r.AllocatedTo); err == nil {
				v.AllocatedName = u.DisplayName
			}
		}
		tool := a.Screening()
		for _, c := range r.Indicators {
			in, ok := tool.Lookup(c)
			if !ok {
				in = risk.Indicator{Code: c, Label: c}
			}
			v.Indicators = append(v.Indicators, in)
		}
		v.CanDecide = !r.Decided() && a.decide(tx, actor, access.ReferralDecide, s.record).Allow
		v.CanAssess = a.decide(tx, actor, access.CaseWrite, s.record).Allow
		v.Assessments, _, err = tx.FindAssessments(store.AssessmentFilter{Subject: &r.Subject, Limit: 10})
		return err
	})
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, hub.NotFound("referral")
	}
	return v, nil
}

// referralFor loads a referral and its subject and decides act on the
// subject. When the referral does not exist or the actor may not, it
// appends the denied audit event itself and returns a nil subject;
// otherwise it returns the event, for the caller to complete and append.
func (a *App) referralFor(tx *store.Tx, ctx context.Context, actor *access.Actor, act access.Action, action, id string) (*hub.Referral, *subject, *hub.AuditEvent, error) {
	e := event(ctx, actor, action, "referral", id)
	r, err := tx.Referral(id)
	if errors.Is(err, hub.ErrNotFound) {
		e.Outcome, e.Detail = hub.OutcomeDenied, "no such record"
		return nil, nil, nil, tx.AppendAudit(e)
	}
	if err != nil {
		return nil, nil, nil, err
	}
	s, err := a.subjectAccess(tx, actor, act, e, r.Subject)
	if err != nil || s == nil {
		return nil, nil, nil, err
	}
	return r, s, e, nil
}

// DecisionInput is a decision on a referral. Exploitation and LeadID are
// for "open a hub case": the case's exploitation types (at least one) and
// its lead practitioner (default: who decides).
type DecisionInput struct {
	Decision     string
	Reason       string
	Exploitation []string
	LeadID       string
}

// DecideReferral records the hub's decision on a referral, if version is
// the version the actor saw. "Open a hub case" opens the case in the same
// transaction (OpenCaseFromReferral; the subject's active case, if it has
// one, is joined instead) and keeps its id on the referral; the case
// writes its own audit event. A decided referral is not decided again
// (conflict).
func (a *App) DecideReferral(ctx context.Context, actor *access.Actor, id string, version int, in DecisionInput) (*hub.Referral, error) {
	if err := require(actor, access.ReferralDecide); err != nil {
		return nil, err
	}
	d := hub.ReferralDecision(strings.TrimSpace(in.Decision))
	if !d.Valid() {
		return nil, hub.Invalid("decision", "choose one of: no further action, advice, early help, open a hub case, strategy discussion")
	}
	reason := strings.TrimSpace(in.Reason)
	var out *hub.Referral
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		r, s, e, err := a.referralFor(tx, ctx, actor, access.ReferralDecide, hub.ActUpdate, id)
		if err != nil || s == nil {
			return err
		}
		if r.Decided() {
			return hub.Errorf(hub.EConflict, "this referral was decided already (%s)", r.Decision.Label())
		}
		if r.Version != version {
			return hub.Conflict("referral")
		}
		r.Decision, r.DecisionReason, r.DecidedAt = d, reason, tx.Now()
		r.DecidedBy, r.DecidedByName = actor.ID, actorName(tx, actor)
		if err := r.Validate(tx.Now()); err != nil {
			return err
		}
		if d == hub.DecisionOpenCase {
			cin := CaseFromReferral{ReferralID: r.ID, Subject: r.Subject, LeadID: strings.TrimSpace(in.LeadID), Summary: r.Concerns, OpenedAt: r.DecidedAt}
			for _, x := range in.Exploitation {
				cin.Exploitation = append(cin.Exploitation, hub.ExploitationType(strings.TrimSpace(x)))
			}
			c, err := a.OpenCaseFromReferral(tx, actor, cin)
			if err != nil {
				return err
			}
			r.CaseID = c.ID
		}
		if err := tx.UpdateReferral(r); err != nil {
			return err
		}
		e.Detail = "decision: " + string(d)
		if r.CaseID != "" {
			e.Detail += "; case " + r.CaseID
		}
		if err := tx.AppendAudit(e); err != nil {
			return err
		}
		out = r
		return nil
	})
	if err != nil {
		return nil, err
	}
	if out == nil {
		return nil, hub.NotFound("referral")
	}
	return out, nil
}

// ReferralQuery selects referrals to list.
type ReferralQuery struct {
	// Subject, if set, lists one subject's referrals.
	Subject *hub.Subject
	// Undecided lists only referrals awaiting a decision, by due time.
	Undecided bool
	Limit     int
	Offset    int
}

// ReferralListing is one referral in a list, with its subject's name.
type ReferralListing struct {
	Referral    *hub.Referral
	SubjectName string
	SubjectLink string
	Overdue     bool
}

// ReferralList is a page of referrals.
type ReferralList struct {
	Items []ReferralListing
	Total int
}

// Referrals lists referrals in the actor's areas (or one subject's, when
// the actor may read it: otherwise not found), with their subjects' names;
// referrals about restricted children are left out for those who may not
// see restricted records. The list names children, so it is audited (a
// search).
func (a *App) Referrals(ctx context.Context, actor *access.Actor, q ReferralQuery) (*ReferralList, error) {
	if err := require(actor, access.CaseRead); err != nil {
		return nil, err
	}
	if q.Limit <= 0 || q.Limit > 200 {
		q.Limit = 50
	}
	if q.Offset < 0 || q.Offset > 100000 {
		return nil, hub.Invalid("offset", "must be between 0 and 100000")
	}
	out := &ReferralList{}
	var denied bool
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		e := event(ctx, actor, hub.ActSearch, "referral", "")
		f := store.ReferralListFilter{Undecided: q.Undecided, Limit: q.Limit, Offset: q.Offset, AreaIDs: actor.AreaIDs, ExcludeRestricted: !access.SeesRestricted(actor)}
		if q.Subject != nil {
			// One subject's referrals: the subject must be one the actor
			// may read, and then all of them are.
			f.Subject, f.AreaIDs, f.ExcludeRestricted = q.Subject, nil, false
			e.ObjectType, e.ObjectID = string(q.Subject.Kind), q.Subject.ID
			s, err := a.subjectAccess(tx, actor, access.CaseRead, e, *q.Subject)
			if err != nil || s == nil {
				denied = s == nil
				return err
			}
		}
		rs, total, err := tx.FindReferrals(f)
		if err != nil {
			return err
		}
		ss := make([]hub.Subject, len(rs))
		for i, r := range rs {
			ss[i] = r.Subject
		}
		names, err := listSubjects(tx, actor, access.CaseRead, ss)
		if err != nil {
			return err
		}
		now := tx.Now()
		out.Total = total
		for _, r := range rs {
			name, ok := names[r.Subject]
			if !ok {
				out.Total--
				continue
			}
			out.Items = append(out.Items, ReferralListing{Referral: r, SubjectName: name, SubjectLink: subjectLink(r.Subject), Overdue: r.Overdue(now)})
		}
		e.Detail = fmt.Sprintf("%d results", len(out.Items))
		return tx.AppendAudit(e)
	})
	if err != nil {
		return nil, err
	}
	if denied {
		return nil, hub.NotFound("subject")
	}
	return out, nil
}

// ReferralImport is one referral of a batch import (a partner's front-door
// records, the synthetic partnership): already parsed, with the decision
// when one was made.
type ReferralImport struct {
	Subject          hub.Subject
	ReferrerName     string
	ReferrerRole     string
	ReferrerAgencyID string
	ReferrerOrg      string
	ReceivedAt       time.Time
	Concerns         string
	Indicators       []string
	Urgency          hub.Urgency
	Decision         hub.ReferralDecision
	DecisionReason   string
	DecidedAt        time.Time
	DecidedByName    string
	// ExternalRef is the referral's id in the source; a repeated one is a
	// conflict.
	ExternalRef string
}

// ImportReferrals creates a batch of referrals, all or nothing: every row
// is checked first (subject exists and is in the importer's areas,
// indicators known to the screening tool, fields valid) and, if any is
// refused, the report lists every refusal and nothing is written.
// Otherwise the batch is one transaction with one audit event per referral
// (detail names the source). The importer needs ReferralCreate, and
// ReferralDecide for rows that carry a decision.
func (a *App) ImportReferrals(ctx context.Context, actor *access.Actor, source string, rows []ReferralImport) (*ImportReport, error) {
	if err := require(actor, access.ReferralCreate); err != nil {
		return nil, err
	}
	if len(rows) > MaxImportBatch {
		return nil, hub.Invalid("rows", "a batch holds at most %d records; split the import", MaxImportBatch)
	}
	if err := hub.ValidateText("source", source, 1, 200); err != nil {
		return nil, err
	}
	canDecide := access.Can(actor, access.ReferralDecide)
	tool, days, cal := a.Screening(), a.referralConfig().DecisionWorkingDays, deadline.EnglandWales()
	rep := &ImportReport{}
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		ss := make([]hub.Subject, len(rows))
		for i, in := range rows {
			ss[i] = in.Subject
		}
		areas, err := subjectAreas(tx, ss)
		if err != nil {
			return err
		}
		agencies := map[string]bool{}
		ags, err := tx.Agencies()
		if err != nil {
			return err
		}
		for _, ag := range ags {
			agencies[ag.ID] = true
		}
		now := tx.Now()
		rs := make([]*hub.Referral, 0, len(rows))
		for i, in := range rows {
			r := &hub.Referral{Subject: in.Subject, OwnerAgencyID: actor.AgencyID, ReferrerName: in.ReferrerName, ReferrerRole: in.ReferrerRole,
				ReferrerAgencyID: in.ReferrerAgencyID, ReferrerOrg: in.ReferrerOrg, ReceivedAt: in.ReceivedAt.UTC().Truncate(time.Microsecond), Concerns: in.Concerns,
				Urgency: in.Urgency, Decision: in.Decision, DecisionReason: in.DecisionReason, DecidedAt: in.DecidedAt.UTC().Truncate(time.Microsecond),
				DecidedByName: in.DecidedByName, ExternalRef: in.ExternalRef, CreatedBy: actor.ID}
			r.DecisionDue = cal.AddWorkingDays(r.ReceivedAt, days)
			area, ok := areas[in.Subject]
			r.AreaID = area
			switch {
			case !ok:
				err = hub.Invalid("subject_id", "is not a person or context in Safehub")
			case !actor.InArea(area):
				err = hub.Invalid("subject_id", "is not in one of the importer's areas")
			case r.ReferrerAgencyID != "" && !agencies[r.ReferrerAgencyID]:
				err = hub.Invalid("referrer_agency_id", "is not a partner agency")
			case r.Decided() && !canDecide:
				err = hub.Invalid("decision", "the importer may not decide referrals")
			default:
				if r.Indicators, err = tool.Check(in.Indicators); err == nil {
					err = r.Validate(now)
				}
			}
			if err != nil {
				rep.Refused = append(rep.Refused, ImportError{Row: i, Err: err})
				continue
			}
			rs = append(rs, r)
		}
		if len(rep.Refused) > 0 {
			return nil
		}
		if err := tx.CreateReferrals(rs); err != nil {
			return err
		}
		for _, r := range rs {
			e := event(ctx, actor, hub.ActCreate, "referral", r.ID)
			e.SubjectID, e.Detail = personOf(r.Subject), "import: "+source
			if err := tx.AppendAudit(e); err != nil {
				return err
			}
			rep.IDs = append(rep.IDs, r.ID)
		}
		rep.Created = len(rs)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return rep, nil
}

// subjectAreas returns the area of each subject that exists.
func subjectAreas(tx *store.Tx, ss []hub.Subject) (map[hub.Subject]string, error) {
	var pids, cids []string
	for _, s := range ss {
		switch s.Kind {
		case hub.SubjectPerson:
			pids = append(pids, s.ID)
		case hub.SubjectContext:
			cids = append(cids, s.ID)
		}
	}
	ps, err := tx.PersonSummaries(pids)
	if err != nil {
		return nil, err
	}
	cs, err := tx.ContextSummaries(cids)
	if err != nil {
		return nil, err
	}
	out := make(map[hub.Subject]string, len(ps)+len(cs))
	for id, p := range ps {
		out[hub.Subject{Kind: hub.SubjectPerson, ID: id}] = p.AreaID
	}
	for id, c := range cs {
		out[hub.Subject{Kind: hub.SubjectContext, ID: id}] = c.AreaID
	}
	return out, nil
}

// PersonReferrals is the referrals and risk assessments part of a person
// view.
type PersonReferrals struct {
	// CanRead says the lists below are filled (access.CaseRead on the
	// child); CanRefer and CanAssess offer recording a referral and
	// starting an assessment.
	CanRead   bool
	CanRefer  bool
	CanAssess bool
	// Referrals are the latest referrals about the child; Total counts all.
	Referrals []*hub.Referral
	Total     int
	// Assessments are the child's assessment cycles, newest first; Latest
	// is the current one (nil when none).
	Assessments []*hub.Assessment
	Latest      *hub.Assessment
	// Contexts are the places and groups the child is a member of.
	Contexts []*hub.Context
}

func init() {
	personLoaders = append(personLoaders, loadPersonReferrals)
	chronologySources = append(chronologySources, referralChronology)
	workSources = append(workSources, referralWork)
	workReassigners["referral_decision"] = reassignReferral
}

// loadPersonReferrals fills the person page's referrals section.
func loadPersonReferrals(a *App, tx *store.Tx, actor *access.Actor, p *hub.Person, v *PersonView) error {
	rec := access.PersonRecord(p).PartOf(hub.PartAssessments)
	pr := &PersonReferrals{
		CanRead:   a.decide(tx, actor, access.CaseRead, rec).Allow,
		CanRefer:  a.decide(tx, actor, access.ReferralCreate, rec).Allow,
		CanAssess: a.decide(tx, actor, access.CaseWrite, rec).Allow,
	}
	if !pr.CanRead && !pr.CanRefer {
		return nil
	}
	v.casework().Referrals = pr
	if !pr.CanRead {
		return nil
	}
	s := &hub.Subject{Kind: hub.SubjectPerson, ID: p.ID}
	var err error
	if pr.Referrals, pr.Total, err = tx.FindReferrals(store.ReferralListFilter{Subject: s, Limit: 10}); err != nil {
		return err
	}
	if pr.Assessments, _, err = tx.FindAssessments(store.AssessmentFilter{Subject: s, Limit: 10}); err != nil {
		return err
	}
	for _, as := range pr.Assessments {
		if as.Latest {
			pr.Latest = as
		}
	}
	if len(actor.AreaIDs) > 0 {
		pr.Contexts, _, err = tx.FindContexts(store.ContextFilter{AreaIDs: actor.AreaIDs, PersonID: p.ID, Limit: 20})
	}
	return err
}

// referralChronology adds referrals received and decided, and assessment
// levels set, to a child's chronology.
func referralChronology(a *App, tx *store.Tx, actor *access.Actor, p *hub.Person) ([]ChronologyEntry, error) {
	if !a.decide(tx, actor, access.CaseRead, access.PersonRecord(p).PartOf(hub.PartAssessments)).Allow {
		return nil, nil
	}
	s := &hub.Subject{Kind: hub.SubjectPerson, ID: p.ID}
	rs, _, err := tx.FindReferrals(store.ReferralListFilter{Subject: s, Limit: 5000})
	if err != nil {
		return nil, err
	}
	agencies := agencyNames(tx)
	var out []ChronologyEntry
	for _, r := range rs {
		from := r.ReferrerOrg
		if r.ReferrerAgencyID != "" {
			from = agencies[r.ReferrerAgencyID]
		}
		out = append(out, ChronologyEntry{At: r.ReceivedAt, Kind: "referral", Title: fmt.Sprintf("Referral received from %s (%s)", from, strings.ToLower(r.Urgency.Label())),
			Detail: r.Concerns, Agency: agencies[r.OwnerAgencyID], Link: "/referrals/" + r.ID})
		if r.Decided() {
			out = append(out, ChronologyEntry{At: r.DecidedAt, Kind: "referral", Title: "Referral decided: " + r.Decision.Label(), Detail: r.DecisionReason,
				Agency: agencies[r.OwnerAgencyID], Link: "/referrals/" + r.ID})
		}
	}
	as, _, err := tx.FindAssessments(store.AssessmentFilter{Subject: s, Limit: 5000})
	if err != nil {
		return nil, err
	}
	for _, x := range as {
		out = append(out, ChronologyEntry{At: x.CreatedAt, Kind: "assessment", Title: fmt.Sprintf("Combined risk assessment %d started", x.Cycle),
			Agency: agencies[x.OwnerAgencyID], Link: "/assessments/" + x.ID})
		if x.Status == hub.AssessmentCompleted {
			out = append(out, ChronologyEntry{At: x.AssessedAt, Kind: "assessment", Title: fmt.Sprintf("Risk level set: %s (screening score %d, suggested %s)", x.Level, x.Score, x.Suggested),
				Detail: x.LevelReason, Agency: x.AssessedByName, Link: "/assessments/" + x.ID})
		}
	}
	return out, nil
}

// referralWork lists undecided referrals in the actor's areas, or
// allocated to the actor, as work items due at their decision deadline.
func referralWork(a *App, tx *store.Tx, actor *access.Actor) ([]WorkItem, error) {
	if !access.Can(actor, access.CaseRead) {
		return nil, nil
	}
	rs, err := tx.OpenReferrals(actor.AreaIDs, actor.ID)
	if err != nil {
		return nil, err
	}
	now := tx.Now()
	out := make([]WorkItem, 0, len(rs))
	for _, r := range rs {
		name, ok := listedName(actor, r.Subject, r.SubjectSummary, now)
		if !ok {
			continue
		}
		title := "Decide the referral about " + name
		if r.Urgency != hub.UrgencyRoutine {
			title += " (" + strings.ToLower(r.Urgency.Label()) + ")"
		}
		out = append(out, WorkItem{Kind: "referral_decision", Title: title, ObjectID: r.ID, SubjectID: r.Subject.ID, OwnerID: r.AllocatedTo,
			AreaID: r.AreaID, Due: r.DecisionDue, Link: "/referrals/" + r.ID})
	}
	return out, nil
}

// listedName is the name a work item shows of its subject, and whether the
// item is listed at all: only when the actor's casework access reaches the
// subject (area, sensitivity), so a restricted child's name is never shown
// to someone who may not read the record.
func listedName(actor *access.Actor, s hub.Subject, sum store.SubjectSummary, now time.Time) (string, bool) {
	if !sum.Found {
		return "", false
	}
	typ := "person"
	if s.Kind == hub.SubjectContext {
		typ = "context"
	}
	r := &access.Record{Type: typ, ID: s.ID, AreaID: sum.AreaID, OwnerAgencyID: sum.OwnerAgencyID, Sensitivity: sum.Sensitivity}
	if access.Decide(actor, access.CaseRead, r, now).Allow {
		return sum.Name, true
	}
	return "", false
}

// reassignReferral allocates an undecided referral to newOwner.
func reassignReferral(a *App, tx *store.Tx, actor *access.Actor, _, objectID, newOwner string) error {
	r, err := tx.Referral(objectID)
	if err != nil {
		return err
	}
	s, err := a.subjectFor(tx, r.Subject)
	if err != nil {
		return err
	}
	if !a.decide(tx, actor, access.ReferralDecide, s.record).Allow {
		return hub.NotFound("referral")
	}
	if r.Decided() {
		return hub.Errorf(hub.EConflict, "this referral was decided already")
	}
	if err := a.checkAssigneeReads(tx, "owner", newOwner, s.record); err != nil {
		return err
	}
	r.AllocatedTo = newOwner
	return tx.UpdateReferral(r)
}

// SubjectName returns the name of a subject on which the actor may do act
// (record a referral, start an assessment), for the form that does it. The
// read is audited; a subject the actor may not act on is not found.
func (a *App) SubjectName(ctx context.Context, actor *access.Actor, act access.Action, s hub.Subject) (string, error) {
	if err := require(actor, act); err != nil {
		return "", err
	}
	if !s.Valid() {
		return "", hub.NotFound("subject")
	}
	var name string
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		e := event(ctx, actor, hub.ActView, string(s.Kind), s.ID)
		e.Detail = "form: " + string(act)
		subj, err := a.subjectAccess(tx, actor, act, e, s)
		if err != nil || subj == nil {
			return err
		}
		name = subj.Name
		return tx.AppendAudit(e)
	})
	if err != nil {
		return "", err
	}
	if name == "" {
		return "", hub.NotFound("subject")
	}
	return name, nil
}
