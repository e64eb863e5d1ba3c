package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/httpx"
	"github.com/safehub/safehub/internal/hub"
)

// Cases (issue 4, part B): the case list, opening a case for a child or a
// context, the case page with its plan, meetings, notes and service
// referrals, changing, reviewing and closing it. Plans, meetings, notes and
// service referrals have their own files; the child's chronology is in
// chronology.go. Every form posts the version it was shown; a stale one
// comes back with the conflict message.

func init() {
	featureRoutes = append(featureRoutes, (*Handler).caseRoutes)
	navEntries = append(navEntries, navEntry{"Cases", "/cases", access.CaseRead, 15})
	pageNames = append(pageNames, "cases", "case", "case_form", "case_close", "plan_action", "plan_action_form", "meeting", "meeting_form",
		"note", "note_form", "service_referral", "service_form", "chronology")
	for k, v := range map[string]string{
		"lead_id": "The lead practitioner", "members": "Workers", "agencies": "Agencies", "exploitation": "Exploitation type",
		"summary": "The summary", "plan_summary": "The plan", "review_due": "The review date", "closure_code": "The reason for closing",
		"closure_reason": "The explanation", "next_review": "The next review date", "what": "What is to be done", "owner_id": "Who will do it",
		"agency_id": "The agency", "due": "The due date", "note": "The progress note", "kind": "The kind", "time": "The time",
		"attendees": "Attendees", "decisions": "The decisions", "body": "The note", "file": "The file", "pathway": "The pathway",
		"provider": "The provider", "referred": "The date of referral", "outcome": "The outcome", "outcome_on": "The date of the outcome",
		"outcome_note": "The outcome note", "s47": "s47", "case": "The case", "from": "From", "to": "To",
	} {
		if _, ok := fieldLabels[k]; !ok {
			fieldLabels[k] = v
		}
	}
}

func (h *Handler) caseRoutes() []httpx.Route {
	f := func(fn http.HandlerFunc) http.Handler { return fn }
	return []httpx.Route{
		{Pattern: "GET /cases", Auth: httpx.Session, Action: access.CaseRead, Handler: f(h.caseList)},
		{Pattern: "GET /cases/new", Auth: httpx.Session, Action: access.CaseWrite, Handler: f(h.newCaseForm)},
		{Pattern: "POST /cases", Auth: httpx.Session, Action: access.CaseWrite, Handler: f(h.openCase)},
		{Pattern: "GET /cases/{id}", Auth: httpx.Session, Action: access.CaseRead, Handler: f(h.casePage)},
		{Pattern: "GET /cases/{id}/edit", Auth: httpx.Session, Action: access.CaseWrite, Handler: f(h.editCaseForm)},
		{Pattern: "POST /cases/{id}", Auth: httpx.Session, Action: access.CaseWrite, Handler: f(h.updateCase)},
		{Pattern: "GET /cases/{id}/close", Auth: httpx.Session, Action: access.CaseWrite, Handler: f(h.closeCaseForm)},
		{Pattern: "POST /cases/{id}/close", Auth: httpx.Session, Action: access.CaseWrite, Handler: f(h.closeCase)},
		{Pattern: "POST /cases/{id}/review", Auth: httpx.Session, Action: access.CaseWrite, Handler: f(h.reviewCase)},
		{Pattern: "GET /cases/{id}/actions/new", Auth: httpx.Session, Action: access.CaseWrite, Handler: f(h.newActionForm)},
		{Pattern: "POST /cases/{id}/actions", Auth: httpx.Session, Action: access.CaseWrite, Handler: f(h.addAction)},
		{Pattern: "GET /plan-actions/{id}", Auth: httpx.Session, Action: access.CaseRead, Handler: f(h.actionPage)},
		// Reading the case is enough at the route: an action's owner may
		// record its progress; the use case decides the rest.
		{Pattern: "POST /plan-actions/{id}", Auth: httpx.Session, Action: access.CaseRead, Handler: f(h.updateAction)},
		{Pattern: "GET /cases/{id}/meetings/new", Auth: httpx.Session, Action: access.CaseWrite, Handler: f(h.newMeetingForm)},
		{Pattern: "POST /cases/{id}/meetings", Auth: httpx.Session, Action: access.CaseWrite, Handler: f(h.recordMeeting)},
		{Pattern: "GET /meetings/{id}", Auth: httpx.Session, Action: access.CaseRead, Handler: f(h.meetingPage)},
		{Pattern: "GET /cases/{id}/notes/new", Auth: httpx.Session, Action: access.CaseWrite, Handler: f(h.newNoteForm)},
		{Pattern: "POST /cases/{id}/notes", Auth: httpx.Session, Action: access.CaseWrite, Handler: f(h.addNote)},
		{Pattern: "GET /notes/{id}", Auth: httpx.Session, Action: access.CaseRead, Handler: f(h.notePage)},
		{Pattern: "POST /notes/{id}/attachments", Auth: httpx.Session, Action: access.CaseWrite, Handler: f(h.uploadAttachment), MaxBodyBytes: h.uploadLimit()},
		{Pattern: "GET /attachments/{id}", Auth: httpx.Session, Action: access.CaseRead, Handler: f(h.downloadAttachment)},
		{Pattern: "GET /cases/{id}/services/new", Auth: httpx.Session, Action: access.CaseWrite, Handler: f(h.newServiceForm)},
		{Pattern: "POST /cases/{id}/services", Auth: httpx.Session, Action: access.CaseWrite, Handler: f(h.referToService)},
		{Pattern: "GET /service-referrals/{id}", Auth: httpx.Session, Action: access.CaseRead, Handler: f(h.servicePage)},
		{Pattern: "POST /service-referrals/{id}", Auth: httpx.Session, Action: access.CaseWrite, Handler: f(h.recordServiceOutcome)},
		{Pattern: "GET /persons/{id}/chronology", Auth: httpx.Session, Action: access.CaseRead, Handler: f(h.chronology)},
	}
}

// caseBase is what casework part B's pages share: the layout's data and a
// helper describing one form field for the "case-input" and
// "case-textarea" partials.
type caseBase struct {
	Page
}

// caseField describes one form field for the partial templates.
type caseField struct {
	Name, Label, Hint, Value, Width string
	Err                             *FieldError
}

// Field describes form field name with its label, hint, value and width
// class, and its error if the form was refused.
func (b *caseBase) Field(name, label, hint, value, width string) caseField {
	return caseField{Name: name, Label: label, Hint: hint, Value: value, Width: width, Err: b.FieldError(name)}
}

// Paras splits multi-line text into paragraphs for display (blank lines
// dropped), so notes keep their shape without inline styles.
func (b *caseBase) Paras(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// refused renders a form page again with the error, or the error page for
// errors that are not the form's (not found, server errors).
func (h *Handler) refused(w http.ResponseWriter, r *http.Request, err error, name string, p interface{ setError(error) }) {
	if s := httpx.Status(err); s >= 500 || s == http.StatusNotFound || s == http.StatusForbidden {
		h.failed(w, r, err)
		return
	}
	p.setError(err)
	h.render(w, r, httpx.Status(err), name, p)
}

func (b *caseBase) setError(err error) { b.SetError(err) }

// formVersion reads the version a form was shown.
func formVersion(r *http.Request) (int, error) {
	v, err := strconv.Atoi(value(r, "version"))
	if err != nil || v < 1 {
		return 0, hub.Invalid("version", "is missing; reload the page and make your change again")
	}
	return v, nil
}

// ticked returns the suffixes of the ticked checkboxes named prefix+suffix
// ("member." + a user id), in a stable order.
func ticked(r *http.Request, prefix string) []string {
	var out []string
	for k, v := range r.PostForm {
		if strings.HasPrefix(k, prefix) && len(v) == 1 && v[0] == "yes" {
			out = append(out, strings.TrimPrefix(k, prefix))
		}
	}
	slices.Sort(out)
	return out
}

type caseListPage struct {
	caseBase
	List   *app.CaseList
	Mine   bool
	Status string
	Offset int
	Next   int
}

func (h *Handler) caseList(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	q := r.URL.Query()
	offset, _ := strconv.Atoi(q.Get("offset"))
	if offset < 0 || offset > 100000 {
		offset = 0
	}
	f := app.CaseListFilter{Mine: q.Get("mine") == "1", Status: q.Get("status"), Limit: 50, Offset: offset}
	list, err := h.app.Cases(r.Context(), a, f)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	p := &caseListPage{caseBase: caseBase{h.page(r, "Cases", "/cases")}, List: list, Mine: f.Mine, Status: f.Status, Offset: offset}
	if p.Status == "" {
		p.Status = "active"
	}
	if offset+len(list.Cases) < list.Total {
		p.Next = offset + 50
	}
	h.render(w, r, http.StatusOK, "cases", p)
}

// caseFormPage is the open-case and change-case form.
type caseFormPage struct {
	caseBase
	Action      string
	Version     int
	SubjectName string
	Form        app.CaseInput
	Workers     []app.CaseWorker
	Agencies    []*hub.Agency
	Types       []hub.ExploitationType
	Statuses    []hub.CaseStatus
	New         bool
}

// Has reports whether list holds x (for checkboxes).
func (p *caseFormPage) Has(list []string, x string) bool { return slices.Contains(list, x) }

func (h *Handler) caseForm(r *http.Request, title, action string, in app.CaseInput, version int) (*caseFormPage, error) {
	a := httpx.ActorFrom(r.Context())
	workers, err := h.app.CaseWorkers(r.Context(), a)
	if err != nil {
		return nil, err
	}
	ags, err := h.app.Agencies(r.Context())
	if err != nil {
		return nil, err
	}
	return &caseFormPage{caseBase: caseBase{h.page(r, title, "/cases")}, Action: action, Version: version, Form: in, Workers: workers, Agencies: ags,
		Types: hub.Exploitations, Statuses: []hub.CaseStatus{hub.CaseOpen, hub.CaseOnHold}, New: version == 0}, nil
}

func (h *Handler) newCaseForm(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	q := r.URL.Query()
	s := hub.Subject{Kind: hub.SubjectKind(q.Get("subject_kind")), ID: q.Get("subject_id")}
	if !s.Kind.Valid() || !hub.ValidID(s.ID) {
		h.RenderError(w, r, hub.Invalid("subject_id", "open a case from the child's (or the place's or group's) page"))
		return
	}
	name, err := h.app.SubjectForCase(r.Context(), a, s)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	in := app.CaseInput{SubjectKind: string(s.Kind), SubjectID: s.ID, LeadID: a.ID, AgencyIDs: []string{a.AgencyID}, Status: string(hub.CaseOpen)}
	p, err := h.caseForm(r, "Open a case", "/cases", in, 0)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	p.SubjectName = name
	p.Back = subjectLink(s)
	h.render(w, r, http.StatusOK, "case_form", p)
}

func subjectLink(s hub.Subject) string {
	if s.Kind == hub.SubjectContext {
		return "/contexts/" + s.ID
	}
	return "/persons/" + s.ID
}

// caseInput reads the case form.
func caseInput(r *http.Request) app.CaseInput {
	return app.CaseInput{
		SubjectKind: value(r, "subject_kind"), SubjectID: value(r, "subject_id"), LeadID: value(r, "lead_id"),
		MemberIDs: ticked(r, "member."), AgencyIDs: ticked(r, "agency."), Exploitation: ticked(r, "exploitation."),
		Summary: value(r, "summary"), PlanSummary: value(r, "plan_summary"), Status: value(r, "status"), ReviewDue: value(r, "review_due"),
	}
}

func (h *Handler) openCase(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	if err := parseForm(r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	in := caseInput(r)
	c, err := h.app.OpenCase(r.Context(), a, in)
	if err != nil {
		p, ferr := h.caseForm(r, "Open a case", "/cases", in, 0)
		if ferr != nil {
			h.RenderError(w, r, ferr)
			return
		}
		if s := (hub.Subject{Kind: hub.SubjectKind(in.SubjectKind), ID: in.SubjectID}); s.Kind.Valid() && hub.ValidID(s.ID) && httpx.Status(err) < 500 && httpx.Status(err) != http.StatusNotFound {
			p.SubjectName, _ = h.app.SubjectForCase(r.Context(), a, s)
			p.Back = subjectLink(s)
		}
		h.refused(w, r, err, "case_form", p)
		return
	}
	http.Redirect(w, r, "/cases/"+c.ID, http.StatusSeeOther)
}

type casePageData struct {
	caseBase
	View *app.CaseView
	// Review is the review form as typed, when it was refused.
	ReviewSummary, NextReview string
	NoteKinds                 []hub.NoteKind
	// CanShare offers sharing the case (issue 6): the actor's role shares
	// and the case is not read under a share; the use case decides the rest.
	CanShare bool
}

func (h *Handler) casePage(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	v, err := h.app.ViewCase(r.Context(), a, id)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	p := &casePageData{caseBase: caseBase{h.page(r, "Case for "+v.SubjectName, "/cases")}, View: v, NoteKinds: hub.NoteKinds,
		CanShare: access.Can(a, access.ShareCreate) && v.Share == nil}
	p.Back = v.SubjectLink
	if r.URL.Query().Get("done") != "" {
		p.Flash = flashFor(r.URL.Query().Get("done"))
	}
	h.render(w, r, http.StatusOK, "case", p)
}

// flashFor is the success message after a change, named by the redirect.
func flashFor(done string) string {
	switch done {
	case "updated":
		return "The case has been updated."
	case "closed":
		return "The case has been closed."
	case "reviewed":
		return "The case review has been recorded."
	case "action":
		return "The action has been added to the plan."
	case "meeting":
		return "The meeting has been recorded."
	case "note":
		return "The note has been saved."
	case "service":
		return "The service referral has been recorded."
	}
	return ""
}

func (h *Handler) editCaseForm(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	v, err := h.app.ViewCase(r.Context(), a, id)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	if !v.CanWrite {
		h.notFound(w, r, "")
		return
	}
	c := v.Case
	in := app.CaseInput{SubjectKind: string(c.Subject.Kind), SubjectID: c.Subject.ID, LeadID: c.LeadID, MemberIDs: c.MemberIDs, AgencyIDs: c.AgencyIDs,
		Summary: c.Summary, PlanSummary: c.PlanSummary, Status: string(c.Status), ReviewDue: c.ReviewDue.String()}
	for _, e := range c.Exploitation {
		in.Exploitation = append(in.Exploitation, string(e))
	}
	p, err := h.caseForm(r, "Change the case", "/cases/"+id, in, c.Version)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	p.SubjectName = v.SubjectName
	p.Back = "/cases/" + id
	h.render(w, r, http.StatusOK, "case_form", p)
}

func (h *Handler) updateCase(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	if err := parseForm(r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	version, err := formVersion(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	in := caseInput(r)
	if _, err := h.app.UpdateCase(r.Context(), a, id, version, in); err != nil {
		p, ferr := h.caseForm(r, "Change the case", "/cases/"+id, in, version)
		if ferr != nil {
			h.RenderError(w, r, ferr)
			return
		}
		p.Back = "/cases/" + id
		h.refused(w, r, err, "case_form", p)
		return
	}
	http.Redirect(w, r, "/cases/"+id+"?done=updated", http.StatusSeeOther)
}

type caseClosePage struct {
	caseBase
	View   *app.CaseView
	Codes  []hub.ClosureCode
	Code   string
	Reason string
}

func (h *Handler) closeCaseForm(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	v, err := h.app.ViewCase(r.Context(), a, id)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	if !v.CanWrite {
		h.notFound(w, r, "")
		return
	}
	p := &caseClosePage{caseBase: caseBase{h.page(r, "Close the case", "/cases")}, View: v, Codes: hub.ClosureCodes}
	p.Back = "/cases/" + id
	h.render(w, r, http.StatusOK, "case_close", p)
}

func (h *Handler) closeCase(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	if err := parseForm(r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	version, err := formVersion(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	in := app.CaseClosure{Code: value(r, "closure_code"), Reason: value(r, "closure_reason")}
	if _, err := h.app.CloseCase(r.Context(), a, id, version, in); err != nil {
		v, verr := h.app.ViewCase(r.Context(), a, id)
		if verr != nil {
			h.failed(w, r, verr)
			return
		}
		p := &caseClosePage{caseBase: caseBase{h.page(r, "Close the case", "/cases")}, View: v, Codes: hub.ClosureCodes, Code: in.Code, Reason: in.Reason}
		p.Back = "/cases/" + id
		h.refused(w, r, err, "case_close", p)
		return
	}
	http.Redirect(w, r, "/cases/"+id+"?done=closed", http.StatusSeeOther)
}

func (h *Handler) reviewCase(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	if err := parseForm(r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	version, err := formVersion(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	in := app.CaseReviewInput{Summary: value(r, "summary"), NextReview: value(r, "next_review")}
	if _, err := h.app.ReviewCase(r.Context(), a, id, version, in); err != nil {
		v, verr := h.app.ViewCase(r.Context(), a, id)
		if verr != nil {
			h.failed(w, r, verr)
			return
		}
		p := &casePageData{caseBase: caseBase{h.page(r, "Case for "+v.SubjectName, "/cases")}, View: v, ReviewSummary: in.Summary, NextReview: in.NextReview, NoteKinds: hub.NoteKinds,
			CanShare: access.Can(a, access.ShareCreate) && v.Share == nil}
		p.Back = v.SubjectLink
		h.refused(w, r, err, "case", p)
		return
	}
	http.Redirect(w, r, "/cases/"+id+"?done=reviewed", http.StatusSeeOther)
}
