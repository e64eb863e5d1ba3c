package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
)

// InterviewInput is a return home interview's outcome as given: offered,
// completed, declined or closed for no contact, with what the child said.
type InterviewInput struct {
	Status               string
	OfferedAt            time.Time
	CompletedAt          time.Time
	Interviewer          string
	InterviewerKind      string
	Independent          bool
	NotIndependentReason string
	DeclinedReason       string
	PushFactors          string
	PullFactors          string
	Disclosures          string
	PeopleNamed          string
	PlacesNamed          string
	SharedWith           string
}

// apply writes the input over r.
func (in InterviewInput) apply(r *hub.ReturnInterview) {
	r.Status = hub.RHIStatus(strings.TrimSpace(in.Status))
	r.OfferedAt, r.CompletedAt = in.OfferedAt.UTC(), in.CompletedAt.UTC()
	if in.OfferedAt.IsZero() {
		r.OfferedAt = time.Time{}
	}
	if in.CompletedAt.IsZero() {
		r.CompletedAt = time.Time{}
	}
	r.Interviewer, r.InterviewerKind = strings.TrimSpace(in.Interviewer), strings.TrimSpace(in.InterviewerKind)
	r.Independent, r.NotIndependentReason = in.Independent, strings.TrimSpace(in.NotIndependentReason)
	r.DeclinedReason = strings.TrimSpace(in.DeclinedReason)
	r.PushFactors, r.PullFactors, r.Disclosures = strings.TrimSpace(in.PushFactors), strings.TrimSpace(in.PullFactors), strings.TrimSpace(in.Disclosures)
	r.PeopleNamed, r.PlacesNamed, r.SharedWith = strings.TrimSpace(in.PeopleNamed), strings.TrimSpace(in.PlacesNamed), strings.TrimSpace(in.SharedWith)
	if r.Independent {
		r.NotIndependentReason = ""
	}
}

// RecordInterview records a return home interview's progress: offered,
// completed (by whom, whether independent of the child's care, and what
// the child said: push and pull factors, disclosures, people and places
// named), declined (with the reason) or closed for no contact. Nothing may
// be dated before the child's return or in the future. version is the
// interview's version as read.
func (a *App) RecordInterview(ctx context.Context, actor *access.Actor, episodeID string, version int, in InterviewInput) (*hub.ReturnInterview, error) {
	return a.changeInterview(ctx, actor, episodeID, version, func(tx *store.Tx, r *hub.ReturnInterview, e *hub.MissingEpisode) error {
		if !r.Status.Open() && hub.RHIStatus(strings.TrimSpace(in.Status)).Open() {
			return hub.Invalid("status", "the interview is already %s; it cannot be reopened", strings.ToLower(r.Status.Label()))
		}
		in.apply(r)
		if r.Status == hub.RHIDue {
			return hub.Invalid("status", "say whether the interview was offered, completed, declined or closed for no contact")
		}
		return r.Validate(e.ReturnedAt, tx.Now())
	})
}

// AllocateInterview gives an interview to a user to hold: the actor
// themself, or (for a manager) a colleague working in the child's area.
func (a *App) AllocateInterview(ctx context.Context, actor *access.Actor, episodeID string, version int, userID string) (*hub.ReturnInterview, error) {
	if userID == "" {
		userID = actor.ID
	}
	if !hub.ValidID(userID) {
		return nil, hub.Invalid("allocated_to", "is not a user")
	}
	return a.changeInterview(ctx, actor, episodeID, version, func(tx *store.Tx, r *hub.ReturnInterview, e *hub.MissingEpisode) error {
		if !r.Status.Open() {
			return hub.Invalid("allocated_to", "the interview is closed")
		}
		if userID != actor.ID {
			if !access.Can(actor, access.TeamView) {
				return hub.Invalid("allocated_to", "only a manager may allocate an interview to someone else")
			}
			u, err := tx.User(userID)
			if err != nil || u.Disabled || !access.Can(&access.Actor{ID: u.ID, Roles: u.Roles}, access.MissingRecord) || !slices.Contains(u.AreaIDs, e.AreaID) {
				return hub.Invalid("allocated_to", "is not a colleague who can hold interviews in the child's area")
			}
		}
		r.AllocatedTo = userID
		return nil
	})
}

// changeInterview runs a change to an episode's interview as one audited
// update of the interview.
func (a *App) changeInterview(ctx context.Context, actor *access.Actor, episodeID string, version int, fn func(tx *store.Tx, r *hub.ReturnInterview, e *hub.MissingEpisode) error) (*hub.ReturnInterview, error) {
	if err := require(actor, access.MissingRecord); err != nil {
		return nil, err
	}
	if !hub.ValidID(episodeID) {
		return nil, hub.NotFound("missing episode")
	}
	var out *hub.ReturnInterview
	var denied bool
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		e, p, _, err := a.episodeFor(ctx, tx, actor, access.MissingRecord, hub.ActUpdate, episodeID, &denied)
		if err != nil || denied {
			return err
		}
		r, err := tx.EpisodeInterview(e.ID)
		if hub.ErrorCode(err) == hub.ENotFound {
			if e.Type.Police() {
				return hub.Invalid("completed_at", "the child has not returned yet: record the return first; an interview follows the return")
			}
			return hub.Invalid("status", "a child missing education has no return home interview")
		}
		if err != nil {
			return err
		}
		if r.Version != version {
			return hub.Conflict("return home interview")
		}
		if err := fn(tx, r, e); err != nil {
			return err
		}
		if err := tx.UpdateReturnInterview(r); err != nil {
			return err
		}
		ev := event(ctx, actor, hub.ActUpdate, "return_interview", r.ID)
		ev.SubjectID = p.ID
		if err := tx.AppendAudit(ev); err != nil {
			return err
		}
		out = r
		return nil
	})
	if err != nil {
		return nil, err
	}
	if denied {
		return nil, hub.NotFound("missing episode")
	}
	return out, nil
}

// InterviewQuery is a list of return home interviews as asked for.
type InterviewQuery struct {
	// Status: "open", "overdue", or one status; "" all.
	Status string
	AreaID string
	// Mine keeps the actor's own allocated interviews.
	Mine   bool
	Limit  int
	Offset int
}

// InterviewList is a page of interviews with the counts managers watch.
type InterviewList struct {
	Interviews []*hub.ReturnInterview
	Total      int
	// Overdue and Open count the actor's visible open interviews, past due
	// and all.
	Overdue int
	Open    int
	Now     time.Time
}

// ReturnInterviews lists return home interviews of children the actor may
// see: overdue ones first for the managers' list. Audited (one event).
func (a *App) ReturnInterviews(ctx context.Context, actor *access.Actor, q InterviewQuery) (*InterviewList, error) {
	if err := require(actor, access.CaseRead); err != nil {
		return nil, err
	}
	switch q.Status {
	case "", "open", "overdue":
	default:
		if !hub.RHIStatus(q.Status).Valid() {
			return nil, hub.Invalid("status", "must be open, overdue, due, offered, completed, declined, no_contact or blank")
		}
	}
	f := store.RHIFilter{Scope: casefileScope(actor), Status: q.Status, Limit: q.Limit, Offset: q.Offset}
	if q.AreaID != "" {
		if !actor.InArea(q.AreaID) {
			return nil, hub.Invalid("area", "is not one of your areas")
		}
		f.AreaID = q.AreaID
	}
	if q.Mine {
		f.AllocatedTo = actor.ID
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	if f.Offset < 0 || f.Offset > 100000 {
		return nil, hub.Invalid("offset", "must be between 0 and 100000")
	}
	out := &InterviewList{}
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		out.Now = tx.Now()
		f.Now = tx.Now()
		var err error
		if out.Interviews, out.Total, err = tx.FindReturnInterviews(f); err != nil {
			return err
		}
		counts := store.RHIFilter{Scope: f.Scope, AreaID: f.AreaID, AllocatedTo: f.AllocatedTo, Now: tx.Now(), Limit: 1}
		counts.Status = "open"
		if _, out.Open, err = tx.FindReturnInterviews(counts); err != nil {
			return err
		}
		counts.Status = "overdue"
		if _, out.Overdue, err = tx.FindReturnInterviews(counts); err != nil {
			return err
		}
		ev := event(ctx, actor, hub.ActSearch, "return_interview", "")
		ev.Detail = fmt.Sprintf("list %s; %d results", orAll(q.Status), out.Total)
		return tx.AppendAudit(ev)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// reassignInterview gives an open return home interview to another worker
// (the manager's team view).
func reassignInterview(a *App, tx *store.Tx, actor *access.Actor, _, objectID, newOwner string) error {
	r, err := tx.ReturnInterview(objectID)
	if err != nil {
		return err
	}
	p, err := tx.Person(r.PersonID)
	if err != nil {
		return err
	}
	if !a.decideCasework(tx, actor, access.MissingRecord, p).Allow {
		return hub.NotFound("return home interview")
	}
	if !r.Status.Open() {
		return hub.Errorf(hub.EConflict, "this interview is closed")
	}
	if err := a.CheckAssignee(tx, "owner", newOwner, p.AreaID); err != nil {
		return err
	}
	r.AllocatedTo = newOwner
	return tx.UpdateReturnInterview(r)
}
