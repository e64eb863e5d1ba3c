package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/risk"
	"github.com/safehub/safehub/internal/store"
)

// The combined risk assessment (issue 4, part A). A subject — a child, a
// place or a group — has one assessment per review cycle. Each agency adds
// its own contribution (the indicators it has seen and its evidence), kept
// separate and attributed; the screening tool scores the union of their
// indicators and suggests a level; a practitioner sets the level by
// professional judgement, giving a reason when it differs from the
// suggestion. That completes the cycle and sets its review date; the
// review is a new cycle. Every change writes a version of the history, and
// a level that changes tells the subject's lead practitioner.
//
// Access: access.CaseWrite to start an assessment and set its level,
// access.AssessContrib to add an agency's contribution, access.CaseRead to
// read it, each decided on the subject.

// StartAssessment starts a new assessment cycle of a subject, optionally
// from a referral about it. A subject has at most one open cycle.
func (a *App) StartAssessment(ctx context.Context, actor *access.Actor, s hub.Subject, referralID string) (*hub.Assessment, error) {
	if err := require(actor, access.CaseWrite); err != nil {
		return nil, err
	}
	if !s.Kind.Valid() {
		return nil, hub.Invalid("subject_kind", "must be person or context")
	}
	if !hub.ValidID(s.ID) {
		return nil, hub.Invalid("subject_id", "is not a record identifier")
	}
	if referralID != "" && !hub.ValidID(referralID) {
		return nil, hub.Invalid("referral_id", "is not a referral identifier")
	}
	var out *hub.Assessment
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		e := event(ctx, actor, hub.ActCreate, "assessment", "")
		subj, err := a.subjectAccess(tx, actor, access.CaseWrite, e, s)
		if err != nil || subj == nil {
			return err
		}
		open, _, err := tx.FindAssessments(store.AssessmentFilter{Subject: &s, Open: true, Limit: 1})
		if err != nil {
			return err
		}
		if len(open) > 0 {
			return hub.Errorf(hub.EConflict, "an assessment of %s is already open (cycle %d): add to it rather than starting another", subj.Name, open[0].Cycle)
		}
		if referralID != "" {
			r, err := tx.Referral(referralID)
			if err != nil || r.Subject != s {
				return hub.Invalid("referral_id", "is not a referral about this subject")
			}
		}
		cycle, err := tx.NextAssessmentCycle(s)
		if err != nil {
			return err
		}
		x := &hub.Assessment{Subject: s, AreaID: subj.AreaID, OwnerAgencyID: actor.AgencyID, ReferralID: referralID, Cycle: cycle, Status: hub.AssessmentOpen,
			Suggested: hub.RiskNone, CreatedBy: actor.ID}
		if !hub.ValidID(x.OwnerAgencyID) {
			return hub.Invalid("agency", "your account has no agency; only agency staff may start an assessment")
		}
		detail := fmt.Sprintf("cycle %d", cycle)
		if referralID != "" {
			detail += " from referral " + referralID
		}
		if err := tx.CreateAssessment(x, &hub.AssessmentChange{Action: "start", ActorID: actor.ID, ActorName: actorName(tx, actor), Detail: detail}); err != nil {
			return err
		}
		e.ObjectID, e.Detail = x.ID, detail
		out = x
		return tx.AppendAudit(e)
	})
	if err != nil {
		return nil, err
	}
	if out == nil {
		return nil, hub.NotFound("subject")
	}
	return out, nil
}

// assessmentFor loads an assessment with its subject and decides act on
// the subject, as referralFor does.
func (a *App) assessmentFor(tx *store.Tx, ctx context.Context, actor *access.Actor, act access.Action, action, id string) (*hub.Assessment, *subject, *hub.AuditEvent, error) {
	e := event(ctx, actor, action, "assessment", id)
	x, err := tx.Assessment(id)
	if errors.Is(err, hub.ErrNotFound) {
		e.Outcome, e.Detail = hub.OutcomeDenied, "no such record"
		return nil, nil, nil, tx.AppendAudit(e)
	}
	if err != nil {
		return nil, nil, nil, err
	}
	s, err := a.subjectAccess(tx, actor, act, e, x.Subject)
	if err != nil || s == nil {
		return nil, nil, nil, err
	}
	return x, s, e, nil
}

// ContributionInput is an agency's contribution as typed.
type ContributionInput struct {
	Indicators []string
	Evidence   string
}

// Contribute saves the actor's agency's contribution to an open
// assessment (replacing the agency's earlier one, which stays in the
// history) and rescores the union of every agency's indicators.
func (a *App) Contribute(ctx context.Context, actor *access.Actor, id string, in ContributionInput) (*hub.Assessment, error) {
	if err := require(actor, access.AssessContrib); err != nil {
		return nil, err
	}
	tool := a.Screening()
	if len(in.Indicators) > hub.MaxReferralIndics {
		return nil, hub.Invalid("indicators", "at most %d indicators", hub.MaxReferralIndics)
	}
	codes, err := tool.Check(in.Indicators)
	if err != nil {
		return nil, err
	}
	evidence := strings.TrimSpace(in.Evidence)
	if err := hub.ValidateNote("evidence", evidence, hub.MaxEvidence); err != nil {
		return nil, err
	}
	if len(codes) == 0 && evidence == "" {
		return nil, hub.Invalid("indicators", "choose the indicators your agency has seen, or say in the evidence that it has seen none")
	}
	var out *hub.Assessment
	err = a.db.Tx(ctx, func(tx *store.Tx) error {
		x, s, e, err := a.assessmentFor(tx, ctx, actor, access.AssessContrib, hub.ActUpdate, id)
		if err != nil || s == nil {
			return err
		}
		if x.Status != hub.AssessmentOpen {
			return hub.Errorf(hub.EConflict, "this assessment is completed; start a review to add to it")
		}
		ag, err := tx.Agency(actor.AgencyID)
		if err != nil {
			return hub.Invalid("agency", "your account has no agency; contributions are made for an agency")
		}
		c := &hub.Contribution{AgencyID: ag.ID, AgencyName: ag.Name, AgencyKind: ag.Kind, AuthorID: actor.ID, AuthorName: actorName(tx, actor),
			Indicators: codes, Evidence: evidence}
		if err := tx.AddContribution(x.ID, c); err != nil {
			return err
		}
		fresh, err := tx.Assessment(x.ID)
		if err != nil {
			return err
		}
		x.Contributions = fresh.Contributions
		if err := rescore(tool, x); err != nil {
			return err
		}
		detail := fmt.Sprintf("%s: %d indicators", ag.Name, len(codes))
		if err := tx.UpdateAssessment(x, &hub.AssessmentChange{Action: "contribution", ActorID: actor.ID, ActorName: c.AuthorName, Detail: detail}); err != nil {
			return err
		}
		e.Detail = "contribution from " + ag.Name
		out = x
		return tx.AppendAudit(e)
	})
	if err != nil {
		return nil, err
	}
	if out == nil {
		return nil, hub.NotFound("assessment")
	}
	return out, nil
}

// rescore sets the union of x's current contributions' indicators, the
// score and the suggested level.
func rescore(tool *risk.Tool, x *hub.Assessment) error {
	var union []string
	for _, c := range x.Contributions {
		union = append(union, c.Indicators...)
	}
	// Indicators removed from the configured tool since a contribution
	// was saved no longer count.
	union = slices.DeleteFunc(union, func(c string) bool { _, ok := tool.Lookup(c); return !ok })
	res, err := tool.Score(union)
	if err != nil {
		return err
	}
	x.Indicators, x.Score, x.Suggested = res.Codes, res.Score, res.Suggested
	return nil
}

// LevelInput is a practitioner's judgement of an assessment.
type LevelInput struct {
	Level  string
	Reason string
}

// SetAssessmentLevel sets the level of the latest assessment of its
// subject, if version is the version the actor saw: the practitioner's
// judgement, with a reason required when it differs from the screening
// tool's suggestion. It completes the assessment and sets its review date
// from the level. When the level differs from the subject's previous one,
// the subject's lead practitioner is told (see notifyLevelChange).
func (a *App) SetAssessmentLevel(ctx context.Context, actor *access.Actor, id string, version int, in LevelInput) (*hub.Assessment, error) {
	if err := require(actor, access.CaseWrite); err != nil {
		return nil, err
	}
	level := hub.RiskLevel(strings.TrimSpace(in.Level))
	if !level.Valid() {
		return nil, hub.Invalid("level", "choose none, low, medium or high")
	}
	reason := strings.TrimSpace(in.Reason)
	if err := hub.ValidateNote("reason", reason, hub.MaxLevelReason); err != nil {
		return nil, err
	}
	cfg := a.referralConfig()
	var out *hub.Assessment
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		x, s, e, err := a.assessmentFor(tx, ctx, actor, access.CaseWrite, hub.ActUpdate, id)
		if err != nil || s == nil {
			return err
		}
		if x.Version != version {
			return hub.Conflict("assessment")
		}
		if !x.Latest {
			return hub.Errorf(hub.EConflict, "a later assessment of this subject has started; set the level there")
		}
		if len(x.Contributions) == 0 {
			return hub.Invalid("level", "no agency has contributed yet; add a contribution first")
		}
		if level != x.Suggested && reason == "" {
			return hub.Invalid("reason", "the level differs from the screening tool's suggestion (%s): say why", x.Suggested)
		}
		before, err := a.previousLevel(tx, x)
		if err != nil {
			return err
		}
		x.Status, x.Level, x.LevelReason = hub.AssessmentCompleted, level, reason
		x.AssessedBy, x.AssessedByName, x.AssessedAt = actor.ID, actorName(tx, actor), tx.Now()
		x.ReviewDue = hub.Date{}
		if days, ok := cfg.ReviewDays[level]; ok && days > 0 {
			x.ReviewDue = hub.DateOf(tx.Now().In(London).AddDate(0, 0, days))
		}
		if x.ReviewerID == "" {
			x.ReviewerID = actor.ID
		}
		detail := fmt.Sprintf("level %s (suggested %s, score %d)", level, x.Suggested, x.Score)
		if err := tx.UpdateAssessment(x, &hub.AssessmentChange{Action: "level", ActorID: actor.ID, ActorName: x.AssessedByName, Detail: detail}); err != nil {
			return err
		}
		e.Detail = detail
		if err := tx.AppendAudit(e); err != nil {
			return err
		}
		out = x
		if level == before {
			return nil
		}
		if err := a.notifyLevelChange(tx, actor, x, s, before); err != nil {
			return err
		}
		// A child's health flags follow the assessed risk: a flag whose
		// risk level no longer matches falls due for review (issue 5).
		if id := personOf(x.Subject); id != "" {
			why := fmt.Sprintf("risk level assessed as %s (was %s)", level, before)
			return a.promptFlagReview(tx, id, why, func(f *hub.Flag) bool { return f.RiskLevel != level })
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if out == nil {
		return nil, hub.NotFound("assessment")
	}
	return out, nil
}

// previousLevel is the level x replaces: its own, when it is being set
// again, else the previous cycle's, else none.
func (a *App) previousLevel(tx *store.Tx, x *hub.Assessment) (hub.RiskLevel, error) {
	if x.Level != "" {
		return x.Level, nil
	}
	all, _, err := tx.FindAssessments(store.AssessmentFilter{Subject: &x.Subject, Limit: 50})
	if err != nil {
		return "", err
	}
	prev, best := hub.RiskNone, 0
	for _, y := range all {
		if y.Cycle < x.Cycle && y.Cycle > best && y.Level != "" {
			prev, best = y.Level, y.Cycle
		}
	}
	return prev, nil
}

// notifyLevelChange tells the subject's lead practitioner that its risk
// level changed: the lead of its active case (CaseLead), otherwise the
// managers of the subject's area. The
// person who set the level is not told of their own change.
func (a *App) notifyLevelChange(tx *store.Tx, actor *access.Actor, x *hub.Assessment, s *subject, before hub.RiskLevel) error {
	var to []string
	lead, err := a.CaseLead(tx, x.Subject)
	if err != nil {
		return err
	}
	if lead != "" {
		to = []string{lead}
	}
	if len(to) == 0 {
		ms, err := managersOf(tx, x.AreaID)
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
		ns = append(ns, &hub.Notification{UserID: u, Kind: "risk_change", SubjectID: personOf(x.Subject), ObjectType: "assessment", ObjectID: x.ID,
			Title: fmt.Sprintf("Risk level of %s changed from %s to %s", s.Name, before, x.Level), Body: "Set by " + x.AssessedByName + ".",
			Link: "/assessments/" + x.ID})
	}
	return a.notify(tx, ns...)
}

// IndicatorSeen is one indicator of an assessment with the agencies whose
// current contributions saw it.
type IndicatorSeen struct {
	Indicator risk.Indicator
	Agencies  []string
}

// AssessmentView is an assessment as shown to an actor.
type AssessmentView struct {
	Assessment  *hub.Assessment
	SubjectName string
	SubjectLink string
	// Result is the screening tool's reading of the union, by domain.
	Result risk.Result
	// Seen lists the union's indicators with who saw each.
	Seen []IndicatorSeen
	// AllContributions is every contribution ever saved, oldest first;
	// History is every change.
	AllContributions []hub.Contribution
	History          []hub.AssessmentChange
	Thresholds       risk.Thresholds
	// Previous is the level of the subject's previous cycle, if any.
	Previous      hub.RiskLevel
	ReviewerName  string
	CanContribute bool
	CanSetLevel   bool
	CanReview     bool
}

// ViewAssessment returns an assessment the actor may read, with its
// history, auditing the view.
func (a *App) ViewAssessment(ctx context.Context, actor *access.Actor, id string) (*AssessmentView, error) {
	if err := require(actor, access.CaseRead); err != nil {
		return nil, err
	}
	var v *AssessmentView
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		x, s, e, err := a.assessmentFor(tx, ctx, actor, access.CaseRead, hub.ActView, id)
		if err != nil || s == nil {
			return err
		}
		if err := tx.AppendAudit(e); err != nil {
			return err
		}
		tool := a.Screening()
		v = &AssessmentView{Assessment: x, SubjectName: s.Name, SubjectLink: s.Link(), Thresholds: tool.Thresholds()}
		known := slices.DeleteFunc(slices.Clone(x.Indicators), func(c string) bool { _, ok := tool.Lookup(c); return !ok })
		if v.Result, err = tool.Score(known); err != nil {
			return err
		}
		for _, c := range x.Indicators {
			in, ok := tool.Lookup(c)
			if !ok {
				in = risk.Indicator{Code: c, Label: c}
			}
			seen := IndicatorSeen{Indicator: in}
			for _, con := range x.Contributions {
				if slices.Contains(con.Indicators, c) {
					seen.Agencies = append(seen.Agencies, con.AgencyName)
				}
			}
			v.Seen = append(v.Seen, seen)
		}
		if v.AllContributions, err = tx.Contributions(x.ID); err != nil {
			return err
		}
		if v.History, err = tx.AssessmentHistory(x.ID); err != nil {
			return err
		}
		if x.Cycle > 1 {
			cp := *x
			cp.Level = ""
			if v.Previous, err = a.previousLevel(tx, &cp); err != nil {
				return err
			}
		}
		if x.ReviewerID != "" {
			if u, err := tx.User(x.ReviewerID); err == nil {
				v.ReviewerName = u.DisplayName
			}
		}
		v.CanContribute = x.Status == hub.AssessmentOpen && a.decide(tx, actor, access.AssessContrib, s.record).Allow
		write := a.decide(tx, actor, access.CaseWrite, s.record).Allow
		v.CanSetLevel = x.Latest && len(x.Contributions) > 0 && write
		v.CanReview = x.Latest && x.Status == hub.AssessmentCompleted && write
		return nil
	})
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, hub.NotFound("assessment")
	}
	return v, nil
}

// ContributionForm is what an agency's contributor sees to contribute:
// the subject, the tool, and the agency's current contribution, not the
// other agencies' (a contributor needs CaseRead to read the whole
// assessment).
type ContributionForm struct {
	Assessment  *hub.Assessment
	SubjectName string
	AgencyName  string
	Domains     []risk.Domain
	Current     *hub.Contribution
}

// ContributionFormFor returns the contribution form of an open assessment
// for the actor's agency, auditing the view.
func (a *App) ContributionFormFor(ctx context.Context, actor *access.Actor, id string) (*ContributionForm, error) {
	if err := require(actor, access.AssessContrib); err != nil {
		return nil, err
	}
	var f *ContributionForm
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		x, s, e, err := a.assessmentFor(tx, ctx, actor, access.AssessContrib, hub.ActView, id)
		if err != nil || s == nil {
			return err
		}
		e.Detail = "contribution form"
		if err := tx.AppendAudit(e); err != nil {
			return err
		}
		f = &ContributionForm{Assessment: x, SubjectName: s.Name, Domains: a.Screening().Domains(), Current: x.Contribution(actor.AgencyID)}
		if ag, err := tx.Agency(actor.AgencyID); err == nil {
			f.AgencyName = ag.Name
		}
		// Others' contributions are not for the form.
		own := f.Current
		x.Contributions = nil
		if own != nil {
			x.Contributions = []hub.Contribution{*own}
			f.Current = &x.Contributions[0]
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if f == nil {
		return nil, hub.NotFound("assessment")
	}
	return f, nil
}

// AssessmentsOf lists a subject's assessments, newest cycle first, for the
// API, auditing the read.
func (a *App) AssessmentsOf(ctx context.Context, actor *access.Actor, s hub.Subject) ([]*hub.Assessment, error) {
	if err := require(actor, access.CaseRead); err != nil {
		return nil, err
	}
	if !s.Valid() {
		return nil, hub.Invalid("subject_id", "is not a record identifier")
	}
	var out []*hub.Assessment
	var denied bool
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		e := event(ctx, actor, hub.ActSearch, "assessment", "")
		subj, err := a.subjectAccess(tx, actor, access.CaseRead, e, s)
		if err != nil || subj == nil {
			denied = subj == nil
			return err
		}
		if out, _, err = tx.FindAssessments(store.AssessmentFilter{Subject: &s, Limit: 200}); err != nil {
			return err
		}
		e.Detail = fmt.Sprintf("%d results", len(out))
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

func init() {
	workSources = append(workSources, assessmentWork)
	workReassigners["assessment_review"] = reassignReview
}

// assessmentWork lists the reviews due of the latest completed
// assessments in the actor's areas (or whose review the actor owns), due
// at the end of the review date.
func assessmentWork(a *App, tx *store.Tx, actor *access.Actor) ([]WorkItem, error) {
	if !access.Can(actor, access.CaseRead) {
		return nil, nil
	}
	xs, err := tx.ReviewsDue(actor.AreaIDs, actor.ID)
	if err != nil {
		return nil, err
	}
	now := tx.Now()
	out := make([]WorkItem, 0, len(xs))
	for _, x := range xs {
		name, ok := listedName(actor, x.Subject, x.SubjectSummary, now)
		if !ok {
			continue
		}
		out = append(out, WorkItem{Kind: "assessment_review", Title: fmt.Sprintf("Review the risk assessment of %s (%s)", name, x.Level), ObjectID: x.ID,
			SubjectID: x.Subject.ID, OwnerID: x.ReviewerID, AreaID: x.AreaID, Due: endOfLondonDay(x.ReviewDue), Link: "/assessments/" + x.ID})
	}
	return out, nil
}

// reassignReview gives an assessment's review to newOwner.
func reassignReview(a *App, tx *store.Tx, actor *access.Actor, _, objectID, newOwner string) error {
	x, err := tx.Assessment(objectID)
	if err != nil {
		return err
	}
	s, err := a.subjectFor(tx, x.Subject)
	if err != nil {
		return err
	}
	if !a.decide(tx, actor, access.CaseWrite, s.record).Allow {
		return hub.NotFound("assessment")
	}
	if !x.Latest || x.Status != hub.AssessmentCompleted || x.ReviewDue.IsZero() {
		return hub.Errorf(hub.EConflict, "this assessment has no review due")
	}
	if err := a.checkAssigneeReads(tx, "owner", newOwner, s.record); err != nil {
		return err
	}
	x.ReviewerID = newOwner
	return tx.UpdateAssessment(x, &hub.AssessmentChange{Action: "reviewer", ActorID: actor.ID, ActorName: actorName(tx, actor), Detail: "review allocated"})
}
