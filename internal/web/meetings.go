package web

import (
	"fmt"
	"net/http"

	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/httpx"
	"github.com/safehub/safehub/internal/hub"
)

// Meetings (issue 4, part B): recording a strategy discussion, MACE panel
// review, repeat-missing review or professionals' meeting about a case,
// with its attendees (Safehub users ticked, others named with their
// agency), its decisions and the actions it agreed; and the meeting's page.

// Rows the meeting form offers for outside attendees and for actions.
const (
	meetingOutsideRows = 4
	meetingActionRows  = 3
)

type meetingFormPage struct {
	caseBase
	View    *app.CaseView
	Form    app.MeetingInput
	Users   []string
	Workers []app.CaseWorker
	Kinds   []hub.MeetingKind
}

// Attending reports whether the user is ticked as an attendee.
func (p *meetingFormPage) Attending(id string) bool {
	for _, at := range p.Form.Attendees {
		if at.UserID == id {
			return true
		}
	}
	return false
}

// Outside returns the outside attendees' rows, padded to the form's size.
func (p *meetingFormPage) Outside() []app.AttendeeInput {
	var out []app.AttendeeInput
	for _, at := range p.Form.Attendees {
		if at.UserID == "" {
			out = append(out, at)
		}
	}
	for len(out) < meetingOutsideRows {
		out = append(out, app.AttendeeInput{})
	}
	return out
}

// ActionRows returns the action rows, padded to the form's size.
func (p *meetingFormPage) ActionRows() []app.ActionInput {
	out := append([]app.ActionInput(nil), p.Form.Actions...)
	for len(out) < meetingActionRows {
		out = append(out, app.ActionInput{})
	}
	return out
}

func (h *Handler) meetingForm(r *http.Request, v *app.CaseView, in app.MeetingInput) (*meetingFormPage, error) {
	a := httpx.ActorFrom(r.Context())
	workers, err := h.app.CaseWorkers(r.Context(), a)
	if err != nil {
		return nil, err
	}
	p := &meetingFormPage{caseBase: caseBase{h.page(r, "Record a meeting", "/cases")}, View: v, Form: in, Workers: workers, Kinds: hub.MeetingKinds}
	p.Back = "/cases/" + v.Case.ID
	return p, nil
}

func (h *Handler) newMeetingForm(w http.ResponseWriter, r *http.Request) {
	v, ok := h.writableCase(w, r)
	if !ok {
		return
	}
	now := h.app.Now().In(app.London)
	in := app.MeetingInput{Kind: string(hub.MeetingStrategy), Date: now.Format("2006-01-02"), Time: now.Format("15:04"),
		Attendees: []app.AttendeeInput{{UserID: httpx.ActorFrom(r.Context()).ID}}}
	p, err := h.meetingForm(r, v, in)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "meeting_form", p)
}

// meetingInput reads the meeting form: ticked users ("attendee.<id>"),
// outside attendees' rows and action rows.
func meetingInput(r *http.Request) app.MeetingInput {
	in := app.MeetingInput{Kind: value(r, "kind"), Date: value(r, "date"), Time: value(r, "time"), Decisions: value(r, "decisions"), S47: checked(r, "s47")}
	for _, id := range ticked(r, "attendee.") {
		in.Attendees = append(in.Attendees, app.AttendeeInput{UserID: id, Role: value(r, "role."+id)})
	}
	for i := 0; i < meetingOutsideRows; i++ {
		k := fmt.Sprintf("attendees[%d].", i)
		at := app.AttendeeInput{Name: value(r, k+"name"), Agency: value(r, k+"agency"), Role: value(r, k+"role")}
		if at != (app.AttendeeInput{}) {
			in.Attendees = append(in.Attendees, at)
		}
	}
	for i := 0; i < meetingActionRows; i++ {
		k := fmt.Sprintf("actions[%d].", i)
		in.Actions = append(in.Actions, app.ActionInput{What: value(r, k+"what"), OwnerID: value(r, k+"owner_id"), Due: value(r, k+"due")})
	}
	return in
}

func (h *Handler) recordMeeting(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	if err := parseForm(r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	in := meetingInput(r)
	m, err := h.app.RecordMeeting(r.Context(), a, id, in)
	if err != nil {
		if s := httpx.Status(err); s >= 500 || s == http.StatusNotFound {
			h.failed(w, r, err)
			return
		}
		v, verr := h.app.ViewCase(r.Context(), a, id)
		if verr != nil {
			h.failed(w, r, verr)
			return
		}
		p, ferr := h.meetingForm(r, v, in)
		if ferr != nil {
			h.RenderError(w, r, ferr)
			return
		}
		h.refused(w, r, err, "meeting_form", p)
		return
	}
	http.Redirect(w, r, "/meetings/"+m.ID, http.StatusSeeOther)
}

type meetingPage struct {
	caseBase
	View *app.MeetingView
}

func (h *Handler) meetingPage(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	v, err := h.app.ViewMeeting(r.Context(), a, id)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	p := &meetingPage{caseBase: caseBase{h.page(r, v.Meeting.Kind.Label(), "/cases")}, View: v}
	p.Back = "/cases/" + v.Case.ID
	h.render(w, r, http.StatusOK, "meeting", p)
}
