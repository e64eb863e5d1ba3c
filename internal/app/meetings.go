package app

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
)

// Meetings (issue 4, part B): strategy discussions, MACE panel reviews,
// repeat-missing reviews and professionals' meetings about a case, with who
// attended, what was decided, and the plan actions agreed there.

// MeetingInput is a meeting as a form or API body gives it.
type MeetingInput struct {
	Kind string
	// Date is YYYY-MM-DD and Time HH:MM, London time.
	Date      string
	Time      string
	Attendees []AttendeeInput
	Decisions string
	S47       bool
	// Actions are the plan actions the meeting agreed.
	Actions []ActionInput
}

// AttendeeInput is one attendee: a Safehub user, or a name with an agency.
type AttendeeInput struct {
	UserID string
	Name   string
	Agency string
	Role   string
}

// MaxMeetingActions bounds the actions one meeting records at once.
const MaxMeetingActions = 20

// londonInstant reads a date (YYYY-MM-DD) and a 24-hour time (HH:MM) as
// London wall-clock time and returns the instant in UTC. An empty time
// means midday. field names the date in errors; timeField the time.
func londonInstant(field, date, timeField, clock string) (time.Time, error) {
	d, err := hub.ParseDate(field, strings.TrimSpace(date))
	if err != nil {
		return time.Time{}, err
	}
	h, m := 12, 0
	if c := strings.TrimSpace(clock); c != "" {
		hs, ms, ok := strings.Cut(c, ":")
		var err1, err2 error
		h, err1 = strconv.Atoi(hs)
		m, err2 = strconv.Atoi(ms)
		if !ok || len(hs) == 0 || len(hs) > 2 || len(ms) != 2 || err1 != nil || err2 != nil || h < 0 || h > 23 || m < 0 || m > 59 {
			return time.Time{}, hub.Invalid(timeField, "must be a time written HH:MM, for example 14:30")
		}
	}
	return time.Date(d.Year, d.Month, d.Day, h, m, 0, 0, London).UTC(), nil
}

// normalizeMeeting reads a meeting's fields as typed.
func normalizeMeeting(in MeetingInput) (*hub.Meeting, []*hub.PlanAction, error) {
	m := &hub.Meeting{Kind: hub.MeetingKind(strings.TrimSpace(in.Kind)), Decisions: strings.TrimSpace(in.Decisions), S47: in.S47}
	if !m.Kind.Valid() {
		return nil, nil, hub.Invalid("kind", "choose the kind of meeting")
	}
	at, err := londonInstant("date", in.Date, "time", in.Time)
	if err != nil {
		return nil, nil, err
	}
	m.HeldAt = at
	if len(in.Attendees) > hub.MaxAttendees {
		return nil, nil, hub.Invalid("attendees", "at most %d attendees", hub.MaxAttendees)
	}
	for i, at := range in.Attendees {
		x := hub.Attendee{UserID: strings.TrimSpace(at.UserID), Name: strings.TrimSpace(at.Name), Agency: strings.TrimSpace(at.Agency), Role: strings.TrimSpace(at.Role)}
		if x.UserID == "" && x.Name == "" && x.Agency == "" && x.Role == "" {
			continue
		}
		if x.UserID != "" && !hub.ValidID(x.UserID) {
			return nil, nil, hub.Invalid(fmt.Sprintf("attendees[%d].user_id", i), "is not a user")
		}
		if x.UserID == "" {
			if err := hub.ValidateText(fmt.Sprintf("attendees[%d].name", i), x.Name, 1, 200); err != nil {
				return nil, nil, err
			}
			if err := hub.ValidateText(fmt.Sprintf("attendees[%d].agency", i), x.Agency, 1, 200); err != nil {
				return nil, nil, hub.Invalid(fmt.Sprintf("attendees[%d].agency", i), "say which agency they came from")
			}
		}
		if err := hub.ValidateText(fmt.Sprintf("attendees[%d].role", i), x.Role, 0, 100); err != nil {
			return nil, nil, err
		}
		m.Attendees = append(m.Attendees, x)
	}
	if len(in.Actions) > MaxMeetingActions {
		return nil, nil, hub.Invalid("actions", "record at most %d actions at once", MaxMeetingActions)
	}
	var actions []*hub.PlanAction
	for i, ai := range in.Actions {
		if strings.TrimSpace(ai.What) == "" && strings.TrimSpace(ai.OwnerID) == "" && strings.TrimSpace(ai.Due) == "" {
			continue
		}
		p, _, err := normalizeAction(ai)
		if err != nil {
			return nil, nil, renameField(err, fmt.Sprintf("actions[%d].%s", i, hub.ErrorField(err)))
		}
		actions = append(actions, p)
	}
	return m, actions, nil
}

// RecordMeeting records a meeting held about an active case, with the plan
// actions it agreed, in one transaction (one audit event). Attendees who are
// Safehub users are named from their accounts.
func (a *App) RecordMeeting(ctx context.Context, actor *access.Actor, caseID string, in MeetingInput) (*hub.Meeting, error) {
	m, actions, err := normalizeMeeting(in)
	if err != nil {
		return nil, err
	}
	err = a.withCase(ctx, actor, access.CaseWrite, caseID, hub.ActCreate, "meeting", "", "case", func(tx *store.Tx, ca *caseAccess, e *hub.AuditEvent) error {
		c := ca.Case
		if !c.Status.Active() {
			return hub.Invalid("case", "the case is closed")
		}
		m.CaseID, m.AreaID, m.CreatedBy = c.ID, c.AreaID, actor.ID
		for i := range m.Attendees {
			at := &m.Attendees[i]
			if at.UserID == "" {
				continue
			}
			u, err := tx.User(at.UserID)
			if err != nil {
				return hub.Invalid(fmt.Sprintf("attendees[%d].user_id", i), "is not a user")
			}
			at.Name = u.DisplayName
			if ag, err := tx.Agency(u.AgencyID); err == nil {
				at.Agency = ag.Name
			}
		}
		if err := m.Validate(tx.Now()); err != nil {
			return err
		}
		if err := tx.CreateMeetings(m); err != nil {
			return err
		}
		for i, p := range actions {
			p.MeetingID = m.ID
			if _, err := a.addAction(tx, actor, ca, p, "Agreed at the "+strings.ToLower(m.Kind.Label())+" on "+londonDate(m.HeldAt)+".", true); err != nil {
				if f := hub.ErrorField(err); f != "" && !strings.HasPrefix(f, "actions[") {
					return renameField(err, fmt.Sprintf("actions[%d].%s", i, f))
				}
				return err
			}
			m.ActionIDs = append(m.ActionIDs, p.ID)
		}
		e.ObjectID = m.ID
		e.Detail = fmt.Sprintf("%s for case %s; %d actions", m.Kind, c.ID, len(actions))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// MeetingView is a meeting as its page shows it.
type MeetingView struct {
	Meeting     *hub.Meeting
	Case        *hub.Case
	SubjectName string
	Actions     []*hub.PlanAction
	Users       map[string]string
	Now         time.Time
}

// UserName names a user.
func (v *MeetingView) UserName(id string) string { return v.Users[id] }

// ActionOverdue reports whether an action is overdue.
func (v *MeetingView) ActionOverdue(p *hub.PlanAction) bool { return p.Overdue(v.Now, London) }

// ViewMeeting returns a meeting with the actions it agreed, auditing the
// view.
func (a *App) ViewMeeting(ctx context.Context, actor *access.Actor, id string) (*MeetingView, error) {
	if err := require(actor, access.CaseRead); err != nil {
		return nil, err
	}
	if !hub.ValidID(id) {
		return nil, hub.NotFound("meeting")
	}
	var v *MeetingView
	denied := false
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		m, err := tx.Meeting(id)
		if errors.Is(err, hub.ErrNotFound) {
			denied = true
			e := event(ctx, actor, hub.ActView, "meeting", id)
			e.Outcome, e.Detail = hub.OutcomeDenied, "no such record"
			return tx.AppendAudit(e)
		}
		if err != nil {
			return err
		}
		ca, err := a.casePartFor(tx, actor, access.CaseRead, m.CaseID, hub.PartPlan)
		if err != nil {
			return err
		}
		e := caseEvent(ctx, actor, hub.ActView, "meeting", id, ca.Subject)
		if !ca.Decision.Allow {
			denied = true
			e.Outcome, e.Detail = hub.OutcomeDenied, ca.Decision.Reason
			return tx.AppendAudit(e)
		}
		markShare(e, ca.Decision)
		v = &MeetingView{Meeting: m, Case: ca.Case, SubjectName: ca.Subject.Name, Users: map[string]string{}, Now: tx.Now()}
		for _, aid := range m.ActionIDs {
			p, err := tx.PlanAction(aid)
			if err != nil {
				return err
			}
			v.Actions = append(v.Actions, p)
			if _, ok := v.Users[p.OwnerID]; !ok {
				v.Users[p.OwnerID] = a.userName(tx, p.OwnerID)
			}
		}
		return tx.AppendAudit(e)
	})
	if err != nil {
		return nil, err
	}
	if denied {
		return nil, hub.NotFound("meeting")
	}
	return v, nil
}
