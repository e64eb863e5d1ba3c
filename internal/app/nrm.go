package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
)

// NRMInput is an NRM referral (or Duty to Notify) as given.
type NRMInput struct {
	// Kind is "nrm" or "dtn"; blank derives it: a child or a consenting
	// adult is referred, an adult who declines is notified.
	Kind string
	// Consent is "given" or "declined" for an adult; a child needs none
	// (blank or "not_required").
	Consent string
	// Child says the person was under 18 when referred. Nil takes it from
	// their date of birth, which must then be known.
	Child            *bool
	SubmittedAt      time.Time
	FirstResponder   string
	ResponderOfficer string
	ExploitationType string
	Reference        string
	ICTG             string
	Notes            string
}

// NRMView is a referral with its waiting times.
type NRMView struct {
	Referral *hub.NRMReferral
	Wait     NRMWait
	// CanDecide says the viewer may record decisions.
	CanDecide bool
}

// NRMWait is how long a referral has waited, as managers watch it.
type NRMWait struct {
	// DaysSinceSubmission counts calendar days from submission to today.
	DaysSinceSubmission int
	// RGWorkingDays counts working days from submission to the RG decision
	// (or to today while it is awaited).
	RGWorkingDays int
	RGOverdue     bool
	// RGDaysOverdue counts working days past the target while awaited.
	RGDaysOverdue int
	// CGWaitDays counts calendar days from a positive RG to the CG
	// decision, or to today while it is awaited; RecoveryOver says the
	// recovery period has ended.
	CGWaitDays   int
	RecoveryOver bool
}

// NRMWaiting computes a referral's waiting times at now.
func NRMWaiting(n *hub.NRMReferral, now time.Time) NRMWait {
	today := hub.DateOf(now.In(London))
	sub := hub.DateOf(n.SubmittedAt.In(London))
	w := NRMWait{DaysSinceSubmission: daysBetween(sub, today), RGOverdue: n.RGOverdue(now)}
	if n.Kind != hub.NRMReferralKind {
		return w
	}
	if n.RG == hub.RGPending {
		w.RGWorkingDays = calendar.WorkingDaysBetween(n.SubmittedAt, now)
		if w.RGOverdue {
			w.RGDaysOverdue = calendar.WorkingDaysBetween(n.RGTargetAt, now)
		}
		return w
	}
	w.RGWorkingDays = calendar.WorkingDaysBetween(n.SubmittedAt, londonNoon(n.RGDecidedOn))
	if n.RG == hub.RGPositive {
		end := today
		if !n.CGDecidedOn.IsZero() {
			end = n.CGDecidedOn
		}
		w.CGWaitDays = daysBetween(n.RGDecidedOn, end)
		w.RecoveryOver = !n.RecoveryEnds.IsZero() && today.After(n.RecoveryEnds)
	}
	return w
}

func daysBetween(from, to hub.Date) int {
	if !from.Before(to) {
		return 0
	}
	return int(to.Time().Sub(from.Time()) / (24 * time.Hour))
}

// buildNRM turns input into a referral for person p.
func (a *App) buildNRM(p *hub.Person, in NRMInput) (*hub.NRMReferral, error) {
	n := &hub.NRMReferral{PersonID: p.ID, SubmittedAt: in.SubmittedAt.UTC(), FirstResponder: strings.TrimSpace(in.FirstResponder),
		ResponderOfficer: strings.TrimSpace(in.ResponderOfficer), ExploitationType: strings.TrimSpace(in.ExploitationType),
		Reference: strings.TrimSpace(in.Reference), ICTG: strings.TrimSpace(in.ICTG), Notes: strings.TrimSpace(in.Notes),
		RG: hub.RGPending, CG: hub.CGPending}
	if in.SubmittedAt.IsZero() {
		return nil, hub.Invalid("submitted_at", "is required")
	}
	switch {
	case in.Child != nil:
		n.Child = *in.Child
		if !p.DateOfBirth.IsZero() && n.Child != p.IsChild(hub.DateOf(n.SubmittedAt.In(London))) {
			return nil, hub.Invalid("is_child", "does not match the person's date of birth")
		}
	case p.DateOfBirth.IsZero():
		return nil, hub.Invalid("is_child", "the person's date of birth is not recorded: say whether they were under 18 when referred")
	default:
		n.Child = p.IsChild(hub.DateOf(n.SubmittedAt.In(London)))
	}
	n.Consent = hub.NRMConsent(strings.TrimSpace(in.Consent))
	if n.Child && n.Consent == "" {
		n.Consent = hub.ConsentNotRequired
	}
	n.Kind = hub.NRMKind(strings.TrimSpace(in.Kind))
	if n.Kind == "" {
		n.Kind = hub.NRMReferralKind
		if !n.Child && n.Consent == hub.ConsentDeclined {
			n.Kind = hub.NRMDutyToNotify
		}
	}
	if n.Kind == hub.NRMReferralKind {
		n.RGTargetAt = calendar.AddWorkingDays(n.SubmittedAt, a.missingRules().NRMDecisionWorkingDays)
	}
	return n, nil
}

// ReferNRM records an NRM referral of a potential victim of modern slavery,
// or an adult's Duty to Notify notification (V-NRM: a child needs no
// consent; an adult who declines is notified, not referred). The
// reasonable-grounds decision is due NRMDecisionWorkingDays (5) working
// days after submission.
func (a *App) ReferNRM(ctx context.Context, actor *access.Actor, personID string, in NRMInput) (*hub.NRMReferral, error) {
	if err := require(actor, access.CaseWrite); err != nil {
		return nil, err
	}
	if !hub.ValidID(personID) {
		return nil, hub.Invalid("person_id", "choose the person")
	}
	var out *hub.NRMReferral
	var denied bool
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		p, err := tx.Person(personID)
		if err != nil {
			return a.auditMissing(ctx, tx, actor, hub.ActCreate, "nrm_referral", "", "", &denied, "no such person")
		}
		if d := a.decideCasework(tx, actor, access.CaseWrite, p); !d.Allow {
			return a.auditMissing(ctx, tx, actor, hub.ActCreate, "nrm_referral", "", p.ID, &denied, d.Reason)
		}
		n, err := a.buildNRM(p, in)
		if err != nil {
			return err
		}
		if err := n.Validate(tx.Now(), London, a.missingRules().NRMRecoveryDays); err != nil {
			return err
		}
		n.CreatedBy = actor.ID
		if err := tx.CreateNRMReferrals([]*hub.NRMReferral{n}); err != nil {
			return err
		}
		n.AreaID, n.OwnerAgencyID, n.Sensitivity, n.PersonName = p.AreaID, p.OwnerAgencyID, p.Sensitivity, p.Name()
		ev := event(ctx, actor, hub.ActCreate, "nrm_referral", n.ID)
		ev.SubjectID = p.ID
		if err := tx.AppendAudit(ev); err != nil {
			return err
		}
		out = n
		return nil
	})
	if err != nil {
		return nil, err
	}
	if denied {
		return nil, hub.NotFound("person")
	}
	return out, nil
}

// NRMDecision is a decision on a referral as given.
type NRMDecision struct {
	Decision  string
	DecidedOn string // YYYY-MM-DD
	Outcome   string
}

// RecordRGDecision records the reasonable-grounds decision. A positive one
// starts the recovery period (NRMRecoveryDays, at least 30 days).
func (a *App) RecordRGDecision(ctx context.Context, actor *access.Actor, id string, version int, in NRMDecision) (*hub.NRMReferral, error) {
	on, err := hub.ParseDate("rg_decided_on", strings.TrimSpace(in.DecidedOn))
	if strings.TrimSpace(in.DecidedOn) == "" {
		err = hub.Invalid("rg_decided_on", "is required")
	}
	if err != nil {
		return nil, err
	}
	d := hub.RGDecision(strings.TrimSpace(in.Decision))
	if d != hub.RGPositive && d != hub.RGNegative {
		return nil, hub.Invalid("rg_decision", "must be positive or negative")
	}
	return a.changeNRM(ctx, actor, id, version, func(n *hub.NRMReferral) error {
		if n.Kind != hub.NRMReferralKind {
			return hub.Invalid("rg_decision", "a Duty to Notify notification has no decisions")
		}
		if n.RG != hub.RGPending {
			return hub.Invalid("rg_decision", "the reasonable-grounds decision is already recorded")
		}
		n.RG, n.RGDecidedOn = d, on
		if d == hub.RGPositive {
			n.RecoveryEnds = hub.RecoveryEnd(on, a.missingRules().NRMRecoveryDays)
		}
		if o := strings.TrimSpace(in.Outcome); o != "" {
			n.Outcome = o
		}
		return nil
	})
}

// RecordCGDecision records the conclusive-grounds decision, which comes
// after a positive reasonable-grounds decision and the recovery period.
func (a *App) RecordCGDecision(ctx context.Context, actor *access.Actor, id string, version int, in NRMDecision) (*hub.NRMReferral, error) {
	on, err := hub.ParseDate("cg_decided_on", strings.TrimSpace(in.DecidedOn))
	if strings.TrimSpace(in.DecidedOn) == "" {
		err = hub.Invalid("cg_decided_on", "is required")
	}
	if err != nil {
		return nil, err
	}
	d := hub.CGDecision(strings.TrimSpace(in.Decision))
	if d == hub.CGPending || d == "" {
		return nil, hub.Invalid("cg_decision", "must be victim_modern_slavery, victim_trafficking or not_recognised")
	}
	return a.changeNRM(ctx, actor, id, version, func(n *hub.NRMReferral) error {
		if n.CG != hub.CGPending {
			return hub.Invalid("cg_decision", "the conclusive-grounds decision is already recorded")
		}
		n.CG, n.CGDecidedOn = d, on
		n.Outcome = strings.TrimSpace(in.Outcome)
		return nil
	})
}

func (a *App) changeNRM(ctx context.Context, actor *access.Actor, id string, version int, fn func(n *hub.NRMReferral) error) (*hub.NRMReferral, error) {
	if err := require(actor, access.CaseWrite); err != nil {
		return nil, err
	}
	if !hub.ValidID(id) {
		return nil, hub.NotFound("NRM referral")
	}
	var out *hub.NRMReferral
	var denied bool
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		n, p, err := a.nrmFor(ctx, tx, actor, access.CaseWrite, hub.ActUpdate, id, &denied)
		if err != nil || denied {
			return err
		}
		if n.Version != version {
			return hub.Conflict("NRM referral")
		}
		if err := fn(n); err != nil {
			return err
		}
		if err := n.Validate(tx.Now(), London, a.missingRules().NRMRecoveryDays); err != nil {
			return err
		}
		if err := tx.UpdateNRMReferral(n); err != nil {
			return err
		}
		ev := event(ctx, actor, hub.ActUpdate, "nrm_referral", n.ID)
		ev.SubjectID = p.ID
		if err := tx.AppendAudit(ev); err != nil {
			return err
		}
		out = n
		return nil
	})
	if err != nil {
		return nil, err
	}
	if denied {
		return nil, hub.NotFound("NRM referral")
	}
	return out, nil
}

func (a *App) nrmFor(ctx context.Context, tx *store.Tx, actor *access.Actor, act access.Action, action, id string, denied *bool) (*hub.NRMReferral, *hub.Person, error) {
	n, err := tx.NRMReferral(id)
	if err != nil {
		if hub.ErrorCode(err) == hub.ENotFound {
			return nil, nil, a.auditMissing(ctx, tx, actor, action, "nrm_referral", id, "", denied, "no such record")
		}
		return nil, nil, err
	}
	p, err := tx.Person(n.PersonID)
	if err != nil {
		return nil, nil, err
	}
	d := a.decideCasework(tx, actor, act, p)
	if !d.Allow {
		return nil, nil, a.auditMissing(ctx, tx, actor, action, "nrm_referral", id, p.ID, denied, d.Reason)
	}
	if a.identityHidden(tx, actor, d, p) {
		n.PersonName, p = HiddenName, maskedPerson(p)
	}
	return n, p, nil
}

// ViewNRM returns a referral with its waiting times. Audited.
func (a *App) ViewNRM(ctx context.Context, actor *access.Actor, id string) (*NRMView, error) {
	if err := require(actor, access.CaseRead); err != nil {
		return nil, err
	}
	if !hub.ValidID(id) {
		return nil, hub.NotFound("NRM referral")
	}
	var v *NRMView
	var denied bool
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		n, p, err := a.nrmFor(ctx, tx, actor, access.CaseRead, hub.ActView, id, &denied)
		if err != nil || denied {
			return err
		}
		v = &NRMView{Referral: n, Wait: NRMWaiting(n, tx.Now()), CanDecide: a.decideCasework(tx, actor, access.CaseWrite, p).Allow}
		ev := event(ctx, actor, hub.ActView, "nrm_referral", id)
		ev.SubjectID = p.ID
		return tx.AppendAudit(ev)
	})
	if err != nil {
		return nil, err
	}
	if denied {
		return nil, hub.NotFound("NRM referral")
	}
	return v, nil
}

// NRMQuery is a list of referrals as asked for.
type NRMQuery struct {
	// Status: "rg_pending", "rg_overdue", "cg_pending", "decided", "dtn";
	// "" all.
	Status string
	AreaID string
	Limit  int
	Offset int
}

// NRMList is a page of referrals with their waiting times.
type NRMList struct {
	Referrals []*NRMView
	Total     int
	// RGOverdue counts the visible referrals awaiting an RG decision past
	// target; RGPending all those awaiting one; CGPending those awaiting a
	// CG decision.
	RGOverdue, RGPending, CGPending int
	Now                             time.Time
}

// NRMReferrals lists referrals of persons the actor may see, longest
// waiting first, with waiting times. Audited (one event).
func (a *App) NRMReferrals(ctx context.Context, actor *access.Actor, q NRMQuery) (*NRMList, error) {
	if err := require(actor, access.CaseRead); err != nil {
		return nil, err
	}
	switch q.Status {
	case "", "rg_pending", "rg_overdue", "cg_pending", "decided", "dtn":
	default:
		return nil, hub.Invalid("status", "must be rg_pending, rg_overdue, cg_pending, decided, dtn or blank")
	}
	f := store.NRMFilter{Scope: casefileScope(actor), Status: q.Status, Limit: q.Limit, Offset: q.Offset}
	if q.AreaID != "" {
		if !actor.InArea(q.AreaID) {
			return nil, hub.Invalid("area", "is not one of your areas")
		}
		f.AreaID = q.AreaID
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	if f.Offset < 0 || f.Offset > 100000 {
		return nil, hub.Invalid("offset", "must be between 0 and 100000")
	}
	out := &NRMList{}
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		now := tx.Now()
		out.Now, f.Now = now, now
		ns, total, err := tx.FindNRMReferrals(f)
		if err != nil {
			return err
		}
		out.Total = total
		canDecide := access.Can(actor, access.CaseWrite)
		for _, n := range ns {
			out.Referrals = append(out.Referrals, &NRMView{Referral: n, Wait: NRMWaiting(n, now), CanDecide: canDecide})
		}
		counts := store.NRMFilter{Scope: f.Scope, AreaID: f.AreaID, Now: now, Limit: 1}
		for _, c := range []struct {
			status string
			n      *int
		}{{"rg_overdue", &out.RGOverdue}, {"rg_pending", &out.RGPending}, {"cg_pending", &out.CGPending}} {
			counts.Status = c.status
			if _, *c.n, err = tx.FindNRMReferrals(counts); err != nil {
				return err
			}
		}
		ev := event(ctx, actor, hub.ActSearch, "nrm_referral", "")
		ev.Detail = fmt.Sprintf("list %s; %d results", orAll(q.Status), out.Total)
		return tx.AppendAudit(ev)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func loadPersonNRM(a *App, tx *store.Tx, actor *access.Actor, p *hub.Person, v *PersonView) error {
	if !a.decideCasework(tx, actor, access.CaseRead, p).Allow {
		return nil
	}
	ns, err := tx.PersonNRMReferrals(p.ID)
	if err != nil {
		return err
	}
	out := &PersonNRM{CanRefer: a.decideCasework(tx, actor, access.CaseWrite, p).Allow}
	for _, n := range ns {
		out.Referrals = append(out.Referrals, &NRMView{Referral: n, Wait: NRMWaiting(n, tx.Now()), CanDecide: out.CanRefer})
	}
	v.casework().NRM = out
	return nil
}
