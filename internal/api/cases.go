package api

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/httpx"
	"github.com/safehub/safehub/internal/hub"
)

// Cases (issue 4, part B) through the JSON API: cases, their plan actions,
// meetings, notes with attachments, service referrals, and a child's
// chronology. Changes to versioned records (cases, actions, service
// referrals) carry the version read in If-Match, as persons do.

func init() {
	featureRoutes = append(featureRoutes, (*Handler).caseRoutes)
}

func (h *Handler) caseRoutes() []httpx.Route {
	f := func(fn http.HandlerFunc) http.Handler { return fn }
	return []httpx.Route{
		{Pattern: "GET /api/v1/cases", Auth: httpx.Token, Action: access.CaseRead, Handler: f(h.listCases)},
		{Pattern: "POST /api/v1/cases", Auth: httpx.Token, Action: access.CaseWrite, Handler: f(h.openCase)},
		{Pattern: "GET /api/v1/cases/{id}", Auth: httpx.Token, Action: access.CaseRead, Handler: f(h.viewCase)},
		{Pattern: "PUT /api/v1/cases/{id}", Auth: httpx.Token, Action: access.CaseWrite, Handler: f(h.updateCase)},
		{Pattern: "POST /api/v1/cases/{id}/close", Auth: httpx.Token, Action: access.CaseWrite, Handler: f(h.closeCase)},
		{Pattern: "POST /api/v1/cases/{id}/review", Auth: httpx.Token, Action: access.CaseWrite, Handler: f(h.reviewCase)},
		{Pattern: "POST /api/v1/cases/{id}/actions", Auth: httpx.Token, Action: access.CaseWrite, Handler: f(h.addPlanAction)},
		{Pattern: "GET /api/v1/plan-actions/{id}", Auth: httpx.Token, Action: access.CaseRead, Handler: f(h.viewPlanAction)},
		{Pattern: "PUT /api/v1/plan-actions/{id}", Auth: httpx.Token, Action: access.CaseRead, Handler: f(h.updatePlanAction)},
		{Pattern: "POST /api/v1/cases/{id}/meetings", Auth: httpx.Token, Action: access.CaseWrite, Handler: f(h.recordMeeting)},
		{Pattern: "GET /api/v1/meetings/{id}", Auth: httpx.Token, Action: access.CaseRead, Handler: f(h.viewMeeting)},
		{Pattern: "POST /api/v1/cases/{id}/notes", Auth: httpx.Token, Action: access.CaseWrite, Handler: f(h.addNote)},
		{Pattern: "GET /api/v1/notes/{id}", Auth: httpx.Token, Action: access.CaseRead, Handler: f(h.viewNote)},
		{Pattern: "POST /api/v1/notes/{id}/attachments", Auth: httpx.Token, Action: access.CaseWrite, Handler: f(h.addAttachment), MaxBodyBytes: h.uploadLimit()},
		{Pattern: "GET /api/v1/attachments/{id}", Auth: httpx.Token, Action: access.CaseRead, Handler: f(h.downloadAttachment)},
		{Pattern: "POST /api/v1/cases/{id}/service-referrals", Auth: httpx.Token, Action: access.CaseWrite, Handler: f(h.referToService)},
		{Pattern: "GET /api/v1/service-referrals/{id}", Auth: httpx.Token, Action: access.CaseRead, Handler: f(h.viewServiceReferral)},
		{Pattern: "PUT /api/v1/service-referrals/{id}", Auth: httpx.Token, Action: access.CaseWrite, Handler: f(h.updateServiceReferral)},
		{Pattern: "GET /api/v1/persons/{id}/chronology", Auth: httpx.Token, Action: access.CaseRead, Handler: f(h.chronology)},
	}
}

// CaseIn is a case as a client opens or changes it.
type CaseIn struct {
	SubjectKind  string   `json:"subject_kind"`
	SubjectID    string   `json:"subject_id"`
	LeadID       string   `json:"lead_id"`
	MemberIDs    []string `json:"member_ids"`
	AgencyIDs    []string `json:"agency_ids"`
	Exploitation []string `json:"exploitation"`
	Summary      string   `json:"summary"`
	PlanSummary  string   `json:"plan_summary"`
	Status       string   `json:"status"`
	ReviewDue    string   `json:"review_due"`
	ReferralID   string   `json:"referral_id"`
}

func (in CaseIn) input() app.CaseInput {
	return app.CaseInput{SubjectKind: in.SubjectKind, SubjectID: in.SubjectID, LeadID: in.LeadID, MemberIDs: in.MemberIDs, AgencyIDs: in.AgencyIDs,
		Exploitation: in.Exploitation, Summary: in.Summary, PlanSummary: in.PlanSummary, Status: in.Status, ReviewDue: in.ReviewDue, ReferralID: in.ReferralID}
}

// CaseOut is a case as the API returns it. A case read on its own carries
// its plan actions, meetings, notes and service referrals; in lists they
// are left out.
type CaseOut struct {
	ID            string               `json:"id"`
	Version       int                  `json:"version"`
	SubjectKind   string               `json:"subject_kind"`
	SubjectID     string               `json:"subject_id"`
	SubjectName   string               `json:"subject_name,omitempty"`
	AreaID        string               `json:"area_id"`
	OwnerAgencyID string               `json:"owner_agency_id"`
	LeadID        string               `json:"lead_id"`
	MemberIDs     []string             `json:"member_ids"`
	AgencyIDs     []string             `json:"agency_ids"`
	Exploitation  []string             `json:"exploitation"`
	Status        string               `json:"status"`
	Summary       string               `json:"summary"`
	PlanSummary   string               `json:"plan_summary"`
	OpenedAt      time.Time            `json:"opened_at"`
	ReviewDue     string               `json:"review_due,omitempty"`
	ClosedAt      *time.Time           `json:"closed_at,omitempty"`
	ClosureCode   string               `json:"closure_code,omitempty"`
	ClosureReason string               `json:"closure_reason,omitempty"`
	ReferralID    string               `json:"referral_id,omitempty"`
	CreatedAt     time.Time            `json:"created_at"`
	UpdatedAt     time.Time            `json:"updated_at"`
	CanWrite      *bool                `json:"can_write,omitempty"`
	Actions       []PlanActionOut      `json:"actions,omitempty"`
	Meetings      []MeetingOut         `json:"meetings,omitempty"`
	Notes         []CaseNoteOut        `json:"notes,omitempty"`
	Services      []ServiceReferralOut `json:"service_referrals,omitempty"`
}

func caseOut(c *hub.Case) CaseOut {
	o := CaseOut{ID: c.ID, Version: c.Version, SubjectKind: string(c.Subject.Kind), SubjectID: c.Subject.ID, AreaID: c.AreaID, OwnerAgencyID: c.OwnerAgencyID,
		LeadID: c.LeadID, MemberIDs: []string{}, AgencyIDs: []string{}, Exploitation: []string{}, Status: string(c.Status), Summary: c.Summary, PlanSummary: c.PlanSummary,
		OpenedAt: c.OpenedAt, ReviewDue: c.ReviewDue.String(), ClosureCode: string(c.ClosureCode), ClosureReason: c.ClosureReason, ReferralID: c.ReferralID,
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
	o.MemberIDs = append(o.MemberIDs, c.MemberIDs...)
	o.AgencyIDs = append(o.AgencyIDs, c.AgencyIDs...)
	for _, e := range c.Exploitation {
		o.Exploitation = append(o.Exploitation, string(e))
	}
	if !c.ClosedAt.IsZero() {
		t := c.ClosedAt
		o.ClosedAt = &t
	}
	return o
}

// CaseListOut is a page of cases.
type CaseListOut struct {
	Total int       `json:"total"`
	Cases []CaseOut `json:"cases"`
}

// CaseCloseIn closes a case.
type CaseCloseIn struct {
	ClosureCode   string `json:"closure_code"`
	ClosureReason string `json:"closure_reason"`
}

// CaseReviewIn records a case review.
type CaseReviewIn struct {
	Summary    string `json:"summary"`
	NextReview string `json:"next_review"`
}

// PlanActionIn is a plan action as a client adds or changes it.
type PlanActionIn struct {
	What     string `json:"what"`
	OwnerID  string `json:"owner_id"`
	AgencyID string `json:"agency_id"`
	Due      string `json:"due"`
	Status   string `json:"status"`
	Note     string `json:"note"`
}

func (in PlanActionIn) input() app.ActionInput {
	return app.ActionInput{What: in.What, OwnerID: in.OwnerID, AgencyID: in.AgencyID, Due: in.Due, Status: in.Status, Note: in.Note}
}

// PlanActionOut is a plan action.
type PlanActionOut struct {
	ID          string              `json:"id"`
	Version     int                 `json:"version"`
	CaseID      string              `json:"case_id"`
	What        string              `json:"what"`
	OwnerID     string              `json:"owner_id"`
	AgencyID    string              `json:"agency_id"`
	Due         string              `json:"due"`
	Status      string              `json:"status"`
	Overdue     bool                `json:"overdue"`
	MeetingID   string              `json:"meeting_id,omitempty"`
	CompletedAt *time.Time          `json:"completed_at,omitempty"`
	Progress    []ActionProgressOut `json:"progress"`
	CreatedAt   time.Time           `json:"created_at"`
	UpdatedAt   time.Time           `json:"updated_at"`
}

// ActionProgressOut is a progress note on a plan action.
type ActionProgressOut struct {
	At         time.Time `json:"at"`
	AuthorID   string    `json:"author_id"`
	AuthorName string    `json:"author_name"`
	Status     string    `json:"status"`
	Note       string    `json:"note"`
}

func actionOut(p *hub.PlanAction, now time.Time) PlanActionOut {
	o := PlanActionOut{ID: p.ID, Version: p.Version, CaseID: p.CaseID, What: p.What, OwnerID: p.OwnerID, AgencyID: p.AgencyID, Due: p.Due.String(),
		Status: string(p.Status), Overdue: p.Overdue(now, app.London), MeetingID: p.MeetingID, Progress: []ActionProgressOut{}, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
	if !p.CompletedAt.IsZero() {
		t := p.CompletedAt
		o.CompletedAt = &t
	}
	for _, pr := range p.Progress {
		o.Progress = append(o.Progress, ActionProgressOut{pr.At, pr.AuthorID, pr.AuthorName, string(pr.Status), pr.Note})
	}
	return o
}

// MeetingIn is a meeting as a client records it.
type MeetingIn struct {
	Kind      string               `json:"kind"`
	Date      string               `json:"date"`
	Time      string               `json:"time"`
	Attendees []MeetingAttendeeDTO `json:"attendees"`
	Decisions string               `json:"decisions"`
	S47       bool                 `json:"s47"`
	Actions   []PlanActionIn       `json:"actions"`
}

// MeetingAttendeeDTO is one attendee: a user id, or a name with an agency.
type MeetingAttendeeDTO struct {
	UserID string `json:"user_id,omitempty"`
	Name   string `json:"name,omitempty"`
	Agency string `json:"agency,omitempty"`
	Role   string `json:"role,omitempty"`
}

// MeetingOut is a meeting.
type MeetingOut struct {
	ID        string               `json:"id"`
	CaseID    string               `json:"case_id"`
	Kind      string               `json:"kind"`
	HeldAt    time.Time            `json:"held_at"`
	Attendees []MeetingAttendeeDTO `json:"attendees"`
	Decisions string               `json:"decisions"`
	S47       bool                 `json:"s47"`
	ActionIDs []string             `json:"action_ids"`
	CreatedAt time.Time            `json:"created_at"`
}

func meetingOut(m *hub.Meeting) MeetingOut {
	o := MeetingOut{ID: m.ID, CaseID: m.CaseID, Kind: string(m.Kind), HeldAt: m.HeldAt, Attendees: []MeetingAttendeeDTO{}, Decisions: m.Decisions, S47: m.S47,
		ActionIDs: []string{}, CreatedAt: m.CreatedAt}
	for _, at := range m.Attendees {
		o.Attendees = append(o.Attendees, MeetingAttendeeDTO{at.UserID, at.Name, at.Agency, at.Role})
	}
	o.ActionIDs = append(o.ActionIDs, m.ActionIDs...)
	return o
}

// CaseNoteIn is a case note as a client writes it.
type CaseNoteIn struct {
	Kind string `json:"kind"`
	Date string `json:"date"`
	Time string `json:"time"`
	Body string `json:"body"`
}

// CaseNoteOut is a case note with its attachments.
type CaseNoteOut struct {
	ID          string          `json:"id"`
	CaseID      string          `json:"case_id"`
	Kind        string          `json:"kind"`
	At          time.Time       `json:"at"`
	Body        string          `json:"body"`
	AuthorID    string          `json:"author_id"`
	AuthorName  string          `json:"author_name"`
	AgencyID    string          `json:"agency_id"`
	CreatedAt   time.Time       `json:"created_at"`
	Attachments []AttachmentOut `json:"attachments"`
}

// AttachmentOut describes an attachment (download it by its id).
type AttachmentOut struct {
	ID          string    `json:"id"`
	NoteID      string    `json:"note_id"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	CreatedAt   time.Time `json:"created_at"`
}

func attachmentOut(at *hub.Attachment) AttachmentOut {
	return AttachmentOut{at.ID, at.NoteID, at.Name, at.ContentType, at.Size, at.SHA256, at.CreatedAt}
}

func noteOut(n *hub.Note) CaseNoteOut {
	o := CaseNoteOut{ID: n.ID, CaseID: n.CaseID, Kind: string(n.Kind), At: n.At, Body: n.Body, AuthorID: n.AuthorID, AuthorName: n.AuthorName, AgencyID: n.AgencyID,
		CreatedAt: n.CreatedAt, Attachments: []AttachmentOut{}}
	for _, at := range n.Attachments {
		o.Attachments = append(o.Attachments, attachmentOut(at))
	}
	return o
}

// ServiceReferralIn is a service referral as a client records it, or its
// outcome.
type ServiceReferralIn struct {
	Pathway     string `json:"pathway"`
	Provider    string `json:"provider"`
	Referred    string `json:"referred"`
	Reason      string `json:"reason"`
	Outcome     string `json:"outcome"`
	OutcomeOn   string `json:"outcome_on"`
	OutcomeNote string `json:"outcome_note"`
}

func (in ServiceReferralIn) input() app.ServiceInput {
	return app.ServiceInput{Pathway: in.Pathway, Provider: in.Provider, Referred: in.Referred, Reason: in.Reason, Outcome: in.Outcome, OutcomeOn: in.OutcomeOn, OutcomeNote: in.OutcomeNote}
}

// ServiceReferralOut is a service referral.
type ServiceReferralOut struct {
	ID          string    `json:"id"`
	Version     int       `json:"version"`
	CaseID      string    `json:"case_id"`
	Pathway     string    `json:"pathway"`
	Provider    string    `json:"provider"`
	Referred    string    `json:"referred"`
	Reason      string    `json:"reason"`
	Outcome     string    `json:"outcome"`
	OutcomeOn   string    `json:"outcome_on,omitempty"`
	OutcomeNote string    `json:"outcome_note,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

func serviceOut(s *hub.ServiceReferral) ServiceReferralOut {
	return ServiceReferralOut{ID: s.ID, Version: s.Version, CaseID: s.CaseID, Pathway: s.Pathway, Provider: s.Provider, Referred: s.Referred.String(), Reason: s.Reason,
		Outcome: string(s.Outcome), OutcomeOn: s.OutcomeOn.String(), OutcomeNote: s.OutcomeNote, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
}

// ChronologyOut is a child's chronology, oldest first.
type ChronologyOut struct {
	PersonID string               `json:"person_id"`
	Total    int                  `json:"total"`
	Entries  []ChronologyEntryOut `json:"entries"`
}

// ChronologyEntryOut is one entry of a chronology.
type ChronologyEntryOut struct {
	At     time.Time `json:"at"`
	Kind   string    `json:"kind"`
	Title  string    `json:"title"`
	Detail string    `json:"detail,omitempty"`
	Agency string    `json:"agency,omitempty"`
	Link   string    `json:"link,omitempty"`
}

// ifMatchVersion reads the version a change is made against.
func ifMatchVersion(r *http.Request) (int, error) {
	im := r.Header.Get("If-Match")
	if im == "" {
		return 0, &hub.Error{Code: hub.EInvalid, Field: "If-Match", Message: "is required: send the ETag of the version you are changing"}
	}
	return parseVersion(im)
}

func caseETag(w http.ResponseWriter, version int) {
	w.Header().Set("ETag", strconv.Quote(strconv.Itoa(version)))
}

func (h *Handler) listCases(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, offset, err := pageOf(q, 50)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	list, err := h.app.Cases(r.Context(), httpx.MustActor(r), app.CaseListFilter{Mine: q.Get("mine") == "true", Status: q.Get("status"), Limit: limit, Offset: offset})
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	out := CaseListOut{Total: list.Total, Cases: []CaseOut{}}
	for _, s := range list.Cases {
		o := caseOut(s.Case)
		o.SubjectName = s.SubjectName
		out.Cases = append(out.Cases, o)
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

func (h *Handler) openCase(w http.ResponseWriter, r *http.Request) {
	var in CaseIn
	if err := decode(r, &in); err != nil {
		h.RenderError(w, r, err)
		return
	}
	c, err := h.app.OpenCase(r.Context(), httpx.MustActor(r), in.input())
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/cases/"+c.ID)
	caseETag(w, c.Version)
	httpx.WriteJSON(w, http.StatusCreated, caseOut(c))
}

func (h *Handler) viewCase(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	v, err := h.app.ViewCase(r.Context(), httpx.MustActor(r), id)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	o := caseOut(v.Case)
	o.SubjectName = v.SubjectName
	o.CanWrite = &v.CanWrite
	o.Actions, o.Meetings, o.Notes, o.Services = []PlanActionOut{}, []MeetingOut{}, []CaseNoteOut{}, []ServiceReferralOut{}
	for _, p := range v.Actions {
		o.Actions = append(o.Actions, actionOut(p, v.Now))
	}
	for _, m := range v.Meetings {
		o.Meetings = append(o.Meetings, meetingOut(m))
	}
	for _, n := range v.Notes {
		o.Notes = append(o.Notes, noteOut(n))
	}
	for _, s := range v.Services {
		o.Services = append(o.Services, serviceOut(s))
	}
	caseETag(w, v.Case.Version)
	httpx.WriteJSON(w, http.StatusOK, o)
}

func (h *Handler) updateCase(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	version, err := ifMatchVersion(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	var in CaseIn
	if err := decode(r, &in); err != nil {
		h.RenderError(w, r, err)
		return
	}
	c, err := h.app.UpdateCase(r.Context(), httpx.MustActor(r), id, version, in.input())
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	caseETag(w, c.Version)
	httpx.WriteJSON(w, http.StatusOK, caseOut(c))
}

func (h *Handler) closeCase(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	version, err := ifMatchVersion(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	var in CaseCloseIn
	if err := decode(r, &in); err != nil {
		h.RenderError(w, r, err)
		return
	}
	c, err := h.app.CloseCase(r.Context(), httpx.MustActor(r), id, version, app.CaseClosure{Code: in.ClosureCode, Reason: in.ClosureReason})
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	caseETag(w, c.Version)
	httpx.WriteJSON(w, http.StatusOK, caseOut(c))
}

func (h *Handler) reviewCase(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	version, err := ifMatchVersion(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	var in CaseReviewIn
	if err := decode(r, &in); err != nil {
		h.RenderError(w, r, err)
		return
	}
	n, err := h.app.ReviewCase(r.Context(), httpx.MustActor(r), id, version, app.CaseReviewInput{Summary: in.Summary, NextReview: in.NextReview})
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/notes/"+n.ID)
	httpx.WriteJSON(w, http.StatusCreated, noteOut(n))
}

func (h *Handler) addPlanAction(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	var in PlanActionIn
	if err := decode(r, &in); err != nil {
		h.RenderError(w, r, err)
		return
	}
	p, err := h.app.AddPlanAction(r.Context(), httpx.MustActor(r), id, in.input())
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/plan-actions/"+p.ID)
	caseETag(w, p.Version)
	httpx.WriteJSON(w, http.StatusCreated, actionOut(p, h.app.Now()))
}

func (h *Handler) viewPlanAction(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	v, err := h.app.ViewPlanAction(r.Context(), httpx.MustActor(r), id)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	caseETag(w, v.Action.Version)
	httpx.WriteJSON(w, http.StatusOK, actionOut(v.Action, h.app.Now()))
}

func (h *Handler) updatePlanAction(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	version, err := ifMatchVersion(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	var in PlanActionIn
	if err := decode(r, &in); err != nil {
		h.RenderError(w, r, err)
		return
	}
	p, err := h.app.UpdatePlanAction(r.Context(), httpx.MustActor(r), id, version, in.input())
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	caseETag(w, p.Version)
	httpx.WriteJSON(w, http.StatusOK, actionOut(p, h.app.Now()))
}

func (h *Handler) recordMeeting(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	var in MeetingIn
	if err := decode(r, &in); err != nil {
		h.RenderError(w, r, err)
		return
	}
	mi := app.MeetingInput{Kind: in.Kind, Date: in.Date, Time: in.Time, Decisions: in.Decisions, S47: in.S47}
	for _, at := range in.Attendees {
		mi.Attendees = append(mi.Attendees, app.AttendeeInput{UserID: at.UserID, Name: at.Name, Agency: at.Agency, Role: at.Role})
	}
	for _, ac := range in.Actions {
		mi.Actions = append(mi.Actions, ac.input())
	}
	m, err := h.app.RecordMeeting(r.Context(), httpx.MustActor(r), id, mi)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/meetings/"+m.ID)
	httpx.WriteJSON(w, http.StatusCreated, meetingOut(m))
}

func (h *Handler) viewMeeting(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	v, err := h.app.ViewMeeting(r.Context(), httpx.MustActor(r), id)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, meetingOut(v.Meeting))
}

func (h *Handler) addNote(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	var in CaseNoteIn
	if err := decode(r, &in); err != nil {
		h.RenderError(w, r, err)
		return
	}
	n, err := h.app.AddNote(r.Context(), httpx.MustActor(r), id, app.NoteInput{Kind: in.Kind, Date: in.Date, Time: in.Time, Body: in.Body})
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/notes/"+n.ID)
	httpx.WriteJSON(w, http.StatusCreated, noteOut(n))
}

func (h *Handler) viewNote(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	v, err := h.app.ViewNote(r.Context(), httpx.MustActor(r), id)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, noteOut(v.Note))
}

// uploadLimit is the attachment route's body limit.
func (h *Handler) uploadLimit() int64 {
	if h == nil || h.app == nil {
		return app.DefaultCaseConfig().AttachmentMaxBytes + 1
	}
	return h.app.AttachmentMaxBytes() + 1
}

// addAttachment attaches the request body, as it is, to a note. The file's
// name comes in Content-Disposition (attachment; filename*=UTF-8”…), never
// in the URL; its type is judged from its content, whatever Content-Type
// says.
func (h *Handler) addAttachment(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	name := ""
	if cd := r.Header.Get("Content-Disposition"); cd != "" {
		_, params, err := mime.ParseMediaType(cd)
		if err != nil {
			h.RenderError(w, r, &hub.Error{Code: hub.EInvalid, Field: "Content-Disposition", Message: "must be attachment; filename=\"…\" (or filename*=UTF-8''…)"})
			return
		}
		name = params["filename"]
	}
	max := h.app.AttachmentMaxBytes()
	if r.ContentLength > max {
		h.RenderError(w, r, &hub.Error{Code: hub.ETooLarge, Field: "file", Message: "is larger than the limit of " + app.ByteSize(max)})
		return
	}
	content, err := h.app.ReadAttachment(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			err = &hub.Error{Code: hub.ETooLarge, Field: "file", Message: "is larger than the limit of " + app.ByteSize(max)}
		} else if hub.ErrorCode(err) == hub.EInternal {
			err = hub.Errorf(hub.EInvalid, "the request body could not be read")
		}
		h.RenderError(w, r, err)
		return
	}
	at, err := h.app.AddAttachment(r.Context(), httpx.MustActor(r), id, name, content)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/attachments/"+at.ID)
	httpx.WriteJSON(w, http.StatusCreated, attachmentOut(at))
}

func (h *Handler) downloadAttachment(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	at, body, err := h.app.OpenAttachment(r.Context(), httpx.MustActor(r), id)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	defer body.Close()
	hd := w.Header()
	hd.Set("Content-Type", at.ContentType)
	hd.Set("Content-Disposition", app.AttachmentDisposition(at.Name))
	hd.Set("Content-Length", strconv.FormatInt(at.Size, 10))
	hd.Set("X-Content-Type-Options", "nosniff")
	// The server's strict policy, sandboxed too, should a browser ever
	// render the file rather than save it.
	if csp := hd.Get("Content-Security-Policy"); csp != "" {
		hd.Set("Content-Security-Policy", csp+"; sandbox")
	} else {
		hd.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	}
	w.WriteHeader(http.StatusOK)
	_, _ = io.Copy(w, io.LimitReader(body, at.Size))
}

func (h *Handler) referToService(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	var in ServiceReferralIn
	if err := decode(r, &in); err != nil {
		h.RenderError(w, r, err)
		return
	}
	s, err := h.app.ReferToService(r.Context(), httpx.MustActor(r), id, in.input())
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/service-referrals/"+s.ID)
	caseETag(w, s.Version)
	httpx.WriteJSON(w, http.StatusCreated, serviceOut(s))
}

func (h *Handler) viewServiceReferral(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	v, err := h.app.ViewServiceReferral(r.Context(), httpx.MustActor(r), id)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	caseETag(w, v.Referral.Version)
	httpx.WriteJSON(w, http.StatusOK, serviceOut(v.Referral))
}

func (h *Handler) updateServiceReferral(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	version, err := ifMatchVersion(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	var in ServiceReferralIn
	if err := decode(r, &in); err != nil {
		h.RenderError(w, r, err)
		return
	}
	s, err := h.app.RecordServiceOutcome(r.Context(), httpx.MustActor(r), id, version, in.input())
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	caseETag(w, s.Version)
	httpx.WriteJSON(w, http.StatusOK, serviceOut(s))
}

func (h *Handler) chronology(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	q := r.URL.Query()
	c, err := h.app.ChronologyOf(r.Context(), httpx.MustActor(r), id, app.ChronologyFilter{Kinds: q["kind"], From: q.Get("from"), To: q.Get("to")})
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	out := ChronologyOut{PersonID: c.Person.ID, Total: c.Total, Entries: []ChronologyEntryOut{}}
	for _, e := range c.Entries {
		out.Entries = append(out.Entries, ChronologyEntryOut{e.At, e.Kind, e.Title, e.Detail, e.Agency, e.Link})
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}
