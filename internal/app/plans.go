package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
)

// Safeguarding plans (issue 4, part B): a case's plan is its plan summary
// and its actions, each with an owner, an agency, a due date and progress.
// Open actions are work items for their owners; overdue ones surface on the
// case, in "My work" and in the manager's team view.

// ActionInput is a plan action as a form or API body gives it.
type ActionInput struct {
	What     string
	OwnerID  string
	AgencyID string
	// Due is YYYY-MM-DD.
	Due string
	// Status is not_started (the default), in_progress, done or cancelled.
	Status string
	// Note is a progress note, optional.
	Note string
}

// normalizeAction reads an action's fields as typed.
func normalizeAction(in ActionInput) (*hub.PlanAction, string, error) {
	p := &hub.PlanAction{What: strings.TrimSpace(in.What), OwnerID: strings.TrimSpace(in.OwnerID), AgencyID: strings.TrimSpace(in.AgencyID),
		Status: hub.ActionStatus(strings.TrimSpace(in.Status))}
	if p.Status == "" {
		p.Status = hub.ActionNotStarted
	}
	if !p.Status.Valid() {
		return nil, "", hub.Invalid("status", "must be not_started, in_progress, done or cancelled")
	}
	if p.OwnerID != "" && !hub.ValidID(p.OwnerID) {
		return nil, "", hub.Invalid("owner_id", "choose who will do it")
	}
	if p.AgencyID != "" && !hub.ValidID(p.AgencyID) {
		return nil, "", hub.Invalid("agency_id", "choose the agency responsible")
	}
	if s := strings.TrimSpace(in.Due); s != "" {
		d, err := hub.ParseDate("due", s)
		if err != nil {
			return nil, "", err
		}
		p.Due = d
	}
	note := strings.TrimSpace(in.Note)
	if err := hub.ValidateNote("note", note, hub.MaxProgressNote); err != nil {
		return nil, "", err
	}
	return p, note, nil
}

// checkOwner checks that an action's owner is an active user whose role
// reads cases, and fills the action's agency from theirs when not given.
func checkOwner(tx *store.Tx, p *hub.PlanAction) (*hub.User, error) {
	if p.OwnerID == "" {
		return nil, hub.Invalid("owner_id", "choose who will do it")
	}
	u, err := tx.User(p.OwnerID)
	if err != nil || u.Disabled || !access.Can(userActor(u), access.CaseRead) {
		return nil, hub.Invalid("owner_id", "choose someone whose role works with cases")
	}
	if p.AgencyID == "" {
		p.AgencyID = u.AgencyID
	}
	if _, err := tx.Agency(p.AgencyID); err != nil {
		return nil, hub.Invalid("agency_id", "is not a partner agency")
	}
	return u, nil
}

// joinTeam puts a user on a case's team (as a worker) if they are not on it,
// so that whoever owns an action can see the case it belongs to.
func joinTeam(tx *store.Tx, c *hub.Case, userID string) error {
	if c.Team(userID) {
		return nil
	}
	if len(c.MemberIDs) >= hub.MaxCaseMembers {
		return hub.Invalid("owner_id", "the case already has %d workers; choose someone on it", hub.MaxCaseMembers)
	}
	c.MemberIDs = append(slices.Clone(c.MemberIDs), userID)
	return tx.UpdateCase(c)
}

// AddPlanAction adds an action to an active case's plan. Its owner joins the
// case's team if not on it, and is told.
func (a *App) AddPlanAction(ctx context.Context, actor *access.Actor, caseID string, in ActionInput) (*hub.PlanAction, error) {
	p, note, err := normalizeAction(in)
	if err != nil {
		return nil, err
	}
	err = a.withCase(ctx, actor, access.CaseWrite, caseID, hub.ActCreate, "plan_action", "", "case", func(tx *store.Tx, ca *caseAccess, e *hub.AuditEvent) error {
		var err error
		p, err = a.addAction(tx, actor, ca, p, note, true)
		if err != nil {
			return err
		}
		e.ObjectID, e.Detail = p.ID, "case "+ca.Case.ID
		return nil
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// addAction validates and stores a new action of ca's case, inside tx. With
// future set, a due date before today is refused (a new action cannot be
// overdue already).
func (a *App) addAction(tx *store.Tx, actor *access.Actor, ca *caseAccess, p *hub.PlanAction, note string, future bool) (*hub.PlanAction, error) {
	c := ca.Case
	if !c.Status.Active() {
		return nil, hub.Invalid("case", "the case is closed")
	}
	p.CaseID, p.AreaID, p.CreatedBy = c.ID, c.AreaID, actor.ID
	if !p.Status.Open() {
		return nil, hub.Invalid("status", "a new action is not started or in progress")
	}
	if err := p.Validate(); err != nil {
		if hub.ErrorField(err) != "owner_id" && hub.ErrorField(err) != "agency_id" {
			return nil, err
		}
	}
	if future && !p.Due.IsZero() && p.Due.Before(a.Today()) {
		return nil, hub.Invalid("due", "is in the past")
	}
	owner, err := checkOwner(tx, p)
	if err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if note != "" {
		p.Progress = []hub.ActionProgress{{At: tx.Now(), AuthorID: actor.ID, AuthorName: actor.Name, Status: p.Status, Note: note}}
	}
	if err := joinTeam(tx, c, owner.ID); err != nil {
		return nil, err
	}
	if err := tx.CreatePlanActions(p); err != nil {
		return nil, err
	}
	if owner.ID != actor.ID {
		return p, a.notify(tx, &hub.Notification{UserID: owner.ID, Kind: "allocation", SubjectID: ca.Subject.subjectID(), ObjectType: "plan_action", ObjectID: p.ID,
			Title: "Action for " + ca.Subject.Name + ", due " + p.Due.Display(), Body: clip(p.What, 200), Link: "/plan-actions/" + p.ID})
	}
	return p, nil
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// ActionView is a plan action as its page shows it.
type ActionView struct {
	Action      *hub.PlanAction
	Case        *hub.Case
	SubjectName string
	OwnerName   string
	AgencyName  string
	// CanEdit is set for those who may change the action; CanProgress for
	// those who may record progress (its owner too).
	CanEdit     bool
	CanProgress bool
	Overdue     bool
}

// actionFor loads an action and decides act on its case: the owner of an
// action may record its progress with case.read.
func (a *App) withAction(ctx context.Context, actor *access.Actor, id, action string, write bool, fn func(tx *store.Tx, ca *caseAccess, p *hub.PlanAction, canEdit bool, e *hub.AuditEvent) error) error {
	if err := require(actor, access.CaseRead); err != nil {
		return err
	}
	if !hub.ValidID(id) {
		return hub.NotFound("action")
	}
	denied := false
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		p, err := tx.PlanAction(id)
		if errors.Is(err, hub.ErrNotFound) {
			denied = true
			e := event(ctx, actor, action, "plan_action", id)
			e.Outcome, e.Detail = hub.OutcomeDenied, "no such record"
			return tx.AppendAudit(e)
		}
		if err != nil {
			return err
		}
		ca, err := a.casePartFor(tx, actor, access.CaseRead, p.CaseID, hub.PartPlan)
		if err != nil {
			return err
		}
		e := caseEvent(ctx, actor, action, "plan_action", id, ca.Subject)
		markShare(e, ca.Decision)
		canEdit := a.decide(tx, actor, access.CaseWrite, caseRecord(ca.Case, ca.Subject)).Allow
		allowed := ca.Decision.Allow && (!write || canEdit || p.OwnerID == actor.ID)
		if !allowed {
			denied = true
			e.Outcome, e.Detail = hub.OutcomeDenied, ca.Decision.Reason
			if ca.Decision.Allow {
				e.Detail = "not the action's owner and may not change the case"
			}
			return tx.AppendAudit(e)
		}
		if err := fn(tx, ca, p, canEdit, e); err != nil {
			return err
		}
		return tx.AppendAudit(e)
	})
	if err != nil {
		return err
	}
	if denied {
		return hub.NotFound("action")
	}
	return nil
}

// ViewPlanAction returns a plan action with its progress, auditing the view.
func (a *App) ViewPlanAction(ctx context.Context, actor *access.Actor, id string) (*ActionView, error) {
	var v *ActionView
	err := a.withAction(ctx, actor, id, hub.ActView, false, func(tx *store.Tx, ca *caseAccess, p *hub.PlanAction, canEdit bool, e *hub.AuditEvent) error {
		v = &ActionView{Action: p, Case: ca.Case, SubjectName: ca.Subject.Name, OwnerName: a.userName(tx, p.OwnerID), Overdue: p.Overdue(tx.Now(), London)}
		if ag, err := tx.Agency(p.AgencyID); err == nil {
			v.AgencyName = ag.Name
		}
		active := ca.Case.Status.Active()
		v.CanEdit = active && canEdit
		v.CanProgress = active && (canEdit || p.OwnerID == actor.ID) && access.Can(actor, access.CaseRead)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

// UpdatePlanAction changes a plan action if version is the version the
// actor saw, recording a progress note when given or when the status
// changes. Those who may change the case may change anything; the action's
// owner may change only its status and add progress.
func (a *App) UpdatePlanAction(ctx context.Context, actor *access.Actor, id string, version int, in ActionInput) (*hub.PlanAction, error) {
	next, note, err := normalizeAction(in)
	if err != nil {
		return nil, err
	}
	var out *hub.PlanAction
	err = a.withAction(ctx, actor, id, hub.ActUpdate, true, func(tx *store.Tx, ca *caseAccess, p *hub.PlanAction, canEdit bool, e *hub.AuditEvent) error {
		if p.Version != version {
			return hub.Conflict("action")
		}
		if !ca.Case.Status.Active() {
			return hub.Invalid("case", "the case is closed")
		}
		cur := *p
		if !canEdit {
			// The owner may move the status and note progress only.
			if next.What != "" && next.What != p.What || next.OwnerID != "" && next.OwnerID != p.OwnerID ||
				next.AgencyID != "" && next.AgencyID != p.AgencyID || !next.Due.IsZero() && next.Due != p.Due {
				return hub.Errorf(hub.EForbidden, "only those working the case may change what the action is, its owner or its due date")
			}
			next.What, next.OwnerID, next.AgencyID, next.Due = p.What, p.OwnerID, p.AgencyID, p.Due
		}
		if next.What == "" {
			next.What = p.What
		}
		if next.OwnerID == "" {
			next.OwnerID = p.OwnerID
		}
		if next.Due.IsZero() {
			next.Due = p.Due
		}
		if next.AgencyID == "" && next.OwnerID == p.OwnerID {
			next.AgencyID = p.AgencyID
		}
		p.What, p.OwnerID, p.AgencyID, p.Due, p.Status = next.What, next.OwnerID, next.AgencyID, next.Due, next.Status
		owner, err := checkOwner(tx, p)
		if err != nil {
			return err
		}
		if err := p.Validate(); err != nil {
			return err
		}
		switch {
		case cur.Status.Open() && !p.Status.Open():
			p.CompletedAt = tx.Now()
		case p.Status.Open():
			p.CompletedAt = time.Time{}
		}
		var pr *hub.ActionProgress
		if note != "" || p.Status != cur.Status {
			if note == "" {
				note = "Status changed to " + strings.ToLower(p.Status.Label()) + "."
			}
			pr = &hub.ActionProgress{At: tx.Now(), AuthorID: actor.ID, AuthorName: actor.Name, Status: p.Status, Note: note}
		}
		if owner.ID != cur.OwnerID {
			if err := joinTeam(tx, ca.Case, owner.ID); err != nil {
				return err
			}
		}
		if err := tx.UpdatePlanAction(p, pr); err != nil {
			return err
		}
		e.Detail = actionChanges(&cur, p, pr != nil)
		out = p
		if owner.ID != cur.OwnerID && owner.ID != actor.ID {
			return a.notify(tx, &hub.Notification{UserID: owner.ID, Kind: "allocation", SubjectID: ca.Subject.subjectID(), ObjectType: "plan_action", ObjectID: p.ID,
				Title: "Action for " + ca.Subject.Name + ", due " + p.Due.Display(), Body: clip(p.What, 200), Link: "/plan-actions/" + p.ID})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func actionChanges(a, b *hub.PlanAction, progress bool) string {
	var ch []string
	if a.What != b.What {
		ch = append(ch, "what")
	}
	if a.OwnerID != b.OwnerID {
		ch = append(ch, "owner")
	}
	if a.AgencyID != b.AgencyID {
		ch = append(ch, "agency")
	}
	if a.Due != b.Due {
		ch = append(ch, "due date")
	}
	if a.Status != b.Status {
		ch = append(ch, "status "+string(b.Status))
	}
	if progress {
		ch = append(ch, "progress noted")
	}
	if len(ch) == 0 {
		return "no change"
	}
	return strings.Join(ch, ", ")
}

// workHorizon is how far ahead plan actions and case reviews count as work
// items: those due within it, and every overdue one.
const workHorizon = 28 * 24 * time.Hour

func init() {
	workSources = append(workSources, casePlanWork)
	workReassigners["plan_action"] = reassignPlanAction
	workReassigners["case_review"] = reassignCaseReview
}

// casePlanWork lists the open plan actions and case reviews due within the
// horizon (or overdue) that the actor may see: owned by them, on their
// cases, or in their areas.
func casePlanWork(a *App, tx *store.Tx, actor *access.Actor) ([]WorkItem, error) {
	if !access.Can(actor, access.CaseRead) {
		return nil, nil
	}
	now := tx.Now()
	horizon := hub.DateOf(now.Add(workHorizon).In(London))
	ws, err := tx.OpenPlanActions(store.OpenActionFilter{OwnerID: actor.ID, AreaIDs: actor.AreaIDs, TeamUserID: actor.ID, DueBy: horizon})
	if err != nil {
		return nil, err
	}
	reviews, err := tx.CaseReviewsDue(actor.AreaIDs, actor.ID, horizon)
	if err != nil {
		return nil, err
	}
	var pids []string
	for _, w := range ws {
		if w.Subject.Kind == hub.SubjectPerson {
			pids = append(pids, w.Subject.ID)
		}
	}
	for _, c := range reviews {
		if c.Subject.Kind == hub.SubjectPerson {
			pids = append(pids, c.Subject.ID)
		}
	}
	persons, err := tx.PersonSubjects(pids)
	if err != nil {
		return nil, err
	}
	visible := func(areaID, leadID, ownerID string, s hub.Subject) (string, bool) {
		name, sens := "", hub.SensitivityNormal
		if p, ok := persons[s.ID]; ok && s.Kind == hub.SubjectPerson {
			name, sens = p.Name, p.Sensitivity
		} else if s.Kind == hub.SubjectContext {
			if c, err := tx.ContextRecord(s.ID); err == nil {
				name = c.Name
			}
		}
		if ownerID == actor.ID {
			return name, true
		}
		rec := &access.Record{Type: "case", AreaID: areaID, Sensitivity: sens, LeadID: leadID}
		return name, access.Decide(actor, access.CaseRead, rec, now).Allow
	}
	var out []WorkItem
	for _, w := range ws {
		p := w.Action
		name, ok := visible(p.AreaID, w.LeadID, p.OwnerID, w.Subject)
		if !ok {
			continue
		}
		out = append(out, WorkItem{Kind: "plan_action", Title: "Plan action for " + name + ": " + clip(p.What, 80), ObjectID: p.ID, SubjectID: w.Subject.ID,
			OwnerID: p.OwnerID, AreaID: p.AreaID, Due: hub.EndOfDay(p.Due, London), Link: "/plan-actions/" + p.ID})
	}
	for _, c := range reviews {
		name, ok := visible(c.AreaID, c.LeadID, c.LeadID, c.Subject)
		if !ok {
			continue
		}
		out = append(out, WorkItem{Kind: "case_review", Title: "Review the case for " + name, ObjectID: c.ID, SubjectID: c.Subject.ID,
			OwnerID: c.LeadID, AreaID: c.AreaID, Due: hub.EndOfDay(c.ReviewDue, London), Link: "/cases/" + c.ID})
	}
	return out, nil
}

// reassignPlanAction gives a plan action a new owner (the team view's
// reassignment), who joins the case's team.
func reassignPlanAction(a *App, tx *store.Tx, actor *access.Actor, kind, id, newOwner string) error {
	p, err := tx.PlanAction(id)
	if err != nil {
		return hub.NotFound("action")
	}
	ca, err := a.caseFor(tx, actor, access.CaseWrite, p.CaseID)
	if err != nil || !ca.Decision.Allow || !ca.Case.Status.Active() || !p.Status.Open() {
		return hub.NotFound("action")
	}
	p.OwnerID = newOwner
	owner, err := checkOwner(tx, p)
	if err != nil {
		return err
	}
	if u, err := tx.User(owner.ID); err == nil && p.AgencyID != u.AgencyID {
		p.AgencyID = u.AgencyID
	}
	if err := joinTeam(tx, ca.Case, owner.ID); err != nil {
		return err
	}
	pr := &hub.ActionProgress{At: tx.Now(), AuthorID: actor.ID, AuthorName: actor.Name, Status: p.Status, Note: fmt.Sprintf("Reassigned to %s.", owner.DisplayName)}
	return tx.UpdatePlanAction(p, pr)
}

// reassignCaseReview makes the new owner the case's lead practitioner (the lead
// reviews the case).
func reassignCaseReview(a *App, tx *store.Tx, actor *access.Actor, kind, id, newOwner string) error {
	ca, err := a.caseFor(tx, actor, access.CaseWrite, id)
	if err != nil || !ca.Decision.Allow || !ca.Case.Status.Active() {
		return hub.NotFound("case")
	}
	c := ca.Case
	oldLead := c.LeadID
	c.MemberIDs = slices.DeleteFunc(slices.Clone(c.MemberIDs), func(m string) bool { return m == newOwner })
	if c.LeadID != "" && c.LeadID != newOwner && !slices.Contains(c.MemberIDs, c.LeadID) {
		c.MemberIDs = append(c.MemberIDs, c.LeadID)
	}
	c.LeadID = newOwner
	if err := a.checkTeam(tx, c); err != nil {
		return err
	}
	if err := tx.UpdateCase(c); err != nil {
		return err
	}
	return a.flagsFollowCaseLead(tx, c.Subject, oldLead, newOwner)
}
