package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/httpx"
	"github.com/safehub/safehub/internal/hub"
)

// Cross-border information sharing (issue 6): the sharing list, sharing a
// child's record or a case with another area, an agency or named people,
// the share's page (revoke, approve, refuse, contribute), its audit trail,
// and requests for a share made from a search that found a record held
// elsewhere. Ids are the only thing in URLs; names travel in POST bodies.

func init() {
	featureRoutes = append(featureRoutes, (*Handler).shareRoutes)
	navEntries = append(navEntries, navEntry{"Sharing", "/shares", access.PersonRead, 50})
	pageNames = append(pageNames, "shares", "share", "share_form", "share_audit", "share_request", "share_request_form")
	for k, v := range map[string]string{
		"parts": "The parts to share", "recipient_kind": "Whom to share with", "recipient_ids": "The recipient",
		"recipient_area": "The area", "recipient_agency": "The agency", "recipient_users": "The people",
		"purpose": "The purpose", "basis": "The lawful basis", "necessity": "Why sharing is necessary", "expires": "The expiry date",
		"revoke_reason": "The reason", "refuse_reason": "The reason", "contribution": "The contribution",
		"share": "The share", "request": "The request", "person_id": "The record",
	} {
		if _, ok := fieldLabels[k]; !ok {
			fieldLabels[k] = v
		}
	}
}

func (h *Handler) shareRoutes() []httpx.Route {
	f := func(fn http.HandlerFunc) http.Handler { return fn }
	return []httpx.Route{
		// Anyone who reads records may receive a share; the list shows
		// each what they may see of it.
		{Pattern: "GET /shares", Auth: httpx.Session, Action: access.PersonRead, Handler: f(h.shareList)},
		{Pattern: "GET /persons/{id}/share/new", Auth: httpx.Session, Action: access.ShareCreate, Handler: f(h.newPersonShareForm)},
		{Pattern: "POST /persons/{id}/shares", Auth: httpx.Session, Action: access.ShareCreate, Handler: f(h.sharePerson)},
		{Pattern: "GET /cases/{id}/share/new", Auth: httpx.Session, Action: access.ShareCreate, Handler: f(h.newCaseShareForm)},
		{Pattern: "POST /cases/{id}/shares", Auth: httpx.Session, Action: access.ShareCreate, Handler: f(h.shareCase)},
		// The share's page is for its owner side, its recipients (any
		// role that reads records) and overseers; the use case decides.
		{Pattern: "GET /shares/{id}", Auth: httpx.Session, Action: access.PersonRead, Handler: f(h.sharePage)},
		{Pattern: "GET /shares/{id}/audit", Auth: httpx.Session, Action: access.ShareOversee, Handler: f(h.shareAuditPage)},
		{Pattern: "POST /shares/{id}/revoke", Auth: httpx.Session, Action: access.ShareCreate, Handler: f(h.revokeShare)},
		{Pattern: "POST /shares/{id}/approve", Auth: httpx.Session, Action: access.ShareApprove, Handler: f(h.approveShare)},
		{Pattern: "POST /shares/{id}/refuse", Auth: httpx.Session, Action: access.ShareApprove, Handler: f(h.refuseShare)},
		{Pattern: "POST /shares/{id}/contributions", Auth: httpx.Session, Action: access.AssessContrib, Handler: f(h.contributeToShare)},
		{Pattern: "GET /share-requests/new", Auth: httpx.Session, Action: access.ShareRequest, Handler: f(h.newShareRequestForm)},
		{Pattern: "POST /share-requests", Auth: httpx.Session, Action: access.ShareRequest, Handler: f(h.requestShare)},
		{Pattern: "GET /share-requests/{id}", Auth: httpx.Session, Action: access.ShareRequest, Handler: f(h.shareRequestPage)},
		{Pattern: "POST /share-requests/{id}/grant", Auth: httpx.Session, Action: access.ShareCreate, Handler: f(h.grantShareRequest)},
		{Pattern: "POST /share-requests/{id}/refuse", Auth: httpx.Session, Action: access.ShareCreate, Handler: f(h.refuseShareRequest)},
	}
}

// shareFlashes are the success messages after a change, by the "done"
// query parameter of the redirect.
var shareFlashes = map[string]string{
	"shared":      "The record has been shared",
	"pending":     "The share waits for a manager's approval",
	"revoked":     "The share has been revoked: its recipients lost access at once",
	"approved":    "The share has been approved and is now in force",
	"refused":     "The share has been refused",
	"contributed": "Your contribution has been added",
	"requested":   "Your request has been sent to the area holding the record",
	"answered":    "The request has been refused; the requester has been told",
}

// shareSetError records err on the page against the form field it is
// about: fields named in remap are renamed (to the field on this page that
// stands for them), and errors about the share or request as a whole, or
// a field with no input on the page, are shown without a link.
func shareSetError(p *Page, err error, remap map[string]string) {
	field := hub.ErrorField(err)
	if to, ok := remap[field]; ok {
		field = to
	}
	switch field {
	case "share", "request", "person_id", "id":
		p.Errors = append(p.Errors, FieldError{Message: errorSentence(err)})
		return
	}
	var e *hub.Error
	if field != hub.ErrorField(err) && errors.As(err, &e) {
		c := *e
		c.Field = field
		err = &c
	}
	p.SetError(err)
}

// formError reports whether err belongs on the form (a refusal of what
// was typed) rather than on the error page (not found, forbidden, a fault).
func formError(err error) bool {
	s := httpx.Status(err)
	return s < 500 && s != http.StatusNotFound && s != http.StatusForbidden && s != http.StatusUnauthorized
}

// shareFormPage is the share form: from a person, from a case, and (with
// no recipients) the grant form of a request.
type shareFormPage struct {
	missingForm
	Caption    string
	Action     string
	Submit     string
	Recipients bool
	Parts      []hub.SharePart
	Areas      []*hub.Area
	Agencies   []*hub.Agency
	Users      []app.CaseWorker
	Config     app.ShareConfig
	// Latest is the latest expiry allowed.
	Latest string
}

// Ticked reports whether the checkbox name was ticked.
func (p *shareFormPage) Ticked(name string) bool { return p.Form.Get(name) == "yes" }

// shareDefaults are the share form's starting values: the default expiry
// and, when given, the parts and purpose asked for.
func (h *Handler) shareDefaults(parts []hub.SharePart, purpose string) url.Values {
	cfg := h.app.ShareConfig()
	today := h.app.Today()
	form := url.Values{"recipient_kind": {string(hub.RecipientArea)}, "purpose": {purpose},
		"expires": {hub.DateOf(today.Time().AddDate(0, 0, cfg.DefaultDays)).String()}}
	for _, p := range parts {
		form.Set("part."+string(p), "yes")
	}
	return form
}

// shareForm builds the share form's page with the choices the actor has.
// personID or caseID names the record shared (for the people the form
// offers).
func (h *Handler) shareForm(r *http.Request, title string, form url.Values, recipients bool, personID, caseID string) (*shareFormPage, error) {
	a := httpx.ActorFrom(r.Context())
	cfg := h.app.ShareConfig()
	today := h.app.Today()
	p := &shareFormPage{missingForm: missingForm{Page: h.page(r, title, "/shares"), Form: form}, Recipients: recipients, Parts: hub.SharePartList,
		Config: cfg, Submit: "Share", Latest: hub.DateOf(today.Time().AddDate(0, 0, cfg.MaxDays)).Display()}
	if !recipients {
		return p, nil
	}
	areas, err := h.app.Areas(r.Context())
	if err != nil {
		return nil, err
	}
	for _, ar := range areas {
		// One's own areas already work on the record.
		if !slices.Contains(a.AreaIDs, ar.ID) {
			p.Areas = append(p.Areas, ar)
		}
	}
	ags, err := h.app.Agencies(r.Context())
	if err != nil {
		return nil, err
	}
	for _, ag := range ags {
		if ag.ID != a.AgencyID {
			p.Agencies = append(p.Agencies, ag)
		}
	}
	if p.Users, err = h.app.ShareUserChoices(r.Context(), a, personID, caseID); err != nil {
		return nil, err
	}
	return p, nil
}

// shareInput reads the share form. The recipients are read from the
// control of the kind chosen.
func shareInput(r *http.Request) app.ShareInput {
	in := app.ShareInput{RecipientKind: value(r, "recipient_kind"), Parts: ticked(r, "part."), Purpose: value(r, "purpose"), Basis: value(r, "basis"),
		Necessity: value(r, "necessity"), Expires: value(r, "expires"), Contribute: checked(r, "contribute")}
	switch hub.RecipientKind(in.RecipientKind) {
	case hub.RecipientArea:
		if v := value(r, "recipient_area"); v != "" {
			in.RecipientIDs = []string{v}
		}
	case hub.RecipientAgency:
		if v := value(r, "recipient_agency"); v != "" {
			in.RecipientIDs = []string{v}
		}
	case hub.RecipientUsers:
		in.RecipientIDs = ticked(r, "user.")
	}
	return in
}

// recipientField is the form control that stands for the app's
// recipient_ids, by the kind chosen.
func recipientField(kind string) map[string]string {
	switch hub.RecipientKind(kind) {
	case hub.RecipientAgency:
		return map[string]string{"recipient_ids": "recipient_agency"}
	case hub.RecipientUsers:
		return map[string]string{"recipient_ids": "recipient_users"}
	}
	return map[string]string{"recipient_ids": "recipient_area"}
}

func (h *Handler) newPersonShareForm(w http.ResponseWriter, r *http.Request) {
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	h.renderPersonShareForm(w, r, id, http.StatusOK, h.shareDefaults(nil, ""), nil)
}

// renderPersonShareForm shows the share form for a child's record, to
// those who may share it in their own right; anyone else gets 404.
func (h *Handler) renderPersonShareForm(w http.ResponseWriter, r *http.Request, id string, status int, form url.Values, err error) {
	a := httpx.ActorFrom(r.Context())
	v, verr := h.app.ViewPerson(r.Context(), a, id)
	if verr != nil {
		h.failed(w, r, verr)
		return
	}
	if v.Shares == nil || !v.Shares.CanShare {
		h.notFound(w, r, "")
		return
	}
	p, ferr := h.shareForm(r, "Share "+v.Person.Name()+"'s record", form, true, id, "")
	if ferr != nil {
		h.RenderError(w, r, ferr)
		return
	}
	p.Caption, p.Action, p.Back = v.Person.Name(), "/persons/"+id+"/shares", "/persons/"+id
	if err != nil {
		shareSetError(&p.Page, err, recipientField(form.Get("recipient_kind")))
	}
	h.render(w, r, status, "share_form", p)
}

func (h *Handler) sharePerson(w http.ResponseWriter, r *http.Request) {
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	if err := parseForm(r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	in := shareInput(r)
	in.PersonID = id
	s, err := h.app.CreateShare(r.Context(), httpx.ActorFrom(r.Context()), in)
	if err != nil {
		if !formError(err) {
			h.failed(w, r, err)
			return
		}
		h.renderPersonShareForm(w, r, id, httpx.Status(err), r.PostForm, err)
		return
	}
	h.sharedRedirect(w, r, s)
}

func (h *Handler) sharedRedirect(w http.ResponseWriter, r *http.Request, s *hub.Share) {
	done := "shared"
	if s.Status == hub.SharePending {
		done = "pending"
	}
	http.Redirect(w, r, "/shares/"+s.ID+"?done="+done, http.StatusSeeOther)
}

func (h *Handler) newCaseShareForm(w http.ResponseWriter, r *http.Request) {
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	h.renderCaseShareForm(w, r, id, http.StatusOK, h.shareDefaults([]hub.SharePart{hub.PartCase}, ""), nil)
}

// renderCaseShareForm shows the share form for a case. A case read under
// a share is not the reader's to pass on: 404.
func (h *Handler) renderCaseShareForm(w http.ResponseWriter, r *http.Request, id string, status int, form url.Values, err error) {
	a := httpx.ActorFrom(r.Context())
	v, verr := h.app.ViewCase(r.Context(), a, id)
	if verr != nil {
		h.failed(w, r, verr)
		return
	}
	if v.Share != nil {
		h.notFound(w, r, "")
		return
	}
	p, ferr := h.shareForm(r, "Share the case for "+v.SubjectName, form, true, "", id)
	if ferr != nil {
		h.RenderError(w, r, ferr)
		return
	}
	p.Caption, p.Action, p.Back = "Case for "+v.SubjectName, "/cases/"+id+"/shares", "/cases/"+id
	if err != nil {
		shareSetError(&p.Page, err, recipientField(form.Get("recipient_kind")))
	}
	h.render(w, r, status, "share_form", p)
}

func (h *Handler) shareCase(w http.ResponseWriter, r *http.Request) {
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	if err := parseForm(r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	in := shareInput(r)
	in.CaseID = id
	s, err := h.app.CreateShare(r.Context(), httpx.ActorFrom(r.Context()), in)
	if err != nil {
		if !formError(err) {
			h.failed(w, r, err)
			return
		}
		h.renderCaseShareForm(w, r, id, httpx.Status(err), r.PostForm, err)
		return
	}
	h.sharedRedirect(w, r, s)
}

type shareListPage struct {
	Page
	List *app.ShareList
	// Owner is set for those who share or oversee their areas' shares.
	Owner bool
}

// shareTable is one table of shares on the list.
type shareTable struct {
	ID   string
	List []*app.ShareSummary
}

// Table describes a table of shares for the "share-outgoing" template.
func (p *shareListPage) Table(id string, list []*app.ShareSummary) shareTable {
	return shareTable{ID: id, List: list}
}

func (h *Handler) shareList(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	list, err := h.app.Shares(r.Context(), a)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	p := &shareListPage{Page: h.page(r, "Sharing", "/shares"), List: list,
		Owner: access.Can(a, access.ShareCreate) || access.Can(a, access.ShareOversee)}
	h.render(w, r, http.StatusOK, "shares", p)
}

type sharePage struct {
	missingForm
	View *app.ShareView
	// CanAudit is set for those who may see the share's audit trail.
	CanAudit bool
}

func (h *Handler) sharePage(w http.ResponseWriter, r *http.Request) {
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	h.renderShare(w, r, id, http.StatusOK, nil, nil, nil)
}

// renderShare shows a share, with err (if any) against the form that was
// refused.
func (h *Handler) renderShare(w http.ResponseWriter, r *http.Request, id string, status int, form url.Values, err error, remap map[string]string) {
	a := httpx.ActorFrom(r.Context())
	v, verr := h.app.ViewShare(r.Context(), a, id)
	if verr != nil {
		h.failed(w, r, verr)
		return
	}
	if form == nil {
		form = url.Values{}
	}
	title := "Shared record"
	if v.SubjectName != "" {
		title = "Share of " + v.SubjectName + "'s record"
	}
	p := &sharePage{missingForm: missingForm{Page: h.page(r, title, "/shares"), Form: form}, View: v,
		CanAudit: access.Can(a, access.ShareOversee) && (v.IsOwner || a.HasRole(hub.RoleAuditor) || a.InArea(v.Share.OwnerAreaID))}
	p.Back = "/shares"
	if err != nil {
		shareSetError(&p.Page, err, remap)
	} else if f := r.URL.Query().Get("done"); f != "" {
		p.Flash = shareFlashes[f]
	}
	h.render(w, r, status, "share", p)
}

// shareChange runs a change from a form on the share's page: on success it
// redirects back to the share with a flash; a refusal shows the page again
// with the error against the form's field.
func (h *Handler) shareChange(w http.ResponseWriter, r *http.Request, done string, remap map[string]string, fn func(id string) error) {
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	if err := parseForm(r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	if err := fn(id); err != nil {
		if !formError(err) {
			h.failed(w, r, err)
			return
		}
		h.renderShare(w, r, id, httpx.Status(err), r.PostForm, err, remap)
		return
	}
	http.Redirect(w, r, "/shares/"+id+"?done="+done, http.StatusSeeOther)
}

func (h *Handler) revokeShare(w http.ResponseWriter, r *http.Request) {
	h.shareChange(w, r, "revoked", map[string]string{"reason": "revoke_reason"}, func(id string) error {
		return h.app.RevokeShare(r.Context(), httpx.ActorFrom(r.Context()), id, value(r, "revoke_reason"))
	})
}

func (h *Handler) approveShare(w http.ResponseWriter, r *http.Request) {
	h.shareChange(w, r, "approved", nil, func(id string) error {
		return h.app.DecideShareApproval(r.Context(), httpx.ActorFrom(r.Context()), id, true, "")
	})
}

func (h *Handler) refuseShare(w http.ResponseWriter, r *http.Request) {
	h.shareChange(w, r, "refused", map[string]string{"reason": "refuse_reason"}, func(id string) error {
		return h.app.DecideShareApproval(r.Context(), httpx.ActorFrom(r.Context()), id, false, value(r, "refuse_reason"))
	})
}

func (h *Handler) contributeToShare(w http.ResponseWriter, r *http.Request) {
	h.shareChange(w, r, "contributed", map[string]string{"body": "contribution"}, func(id string) error {
		_, err := h.app.ContributeToShare(r.Context(), httpx.ActorFrom(r.Context()), id, value(r, "contribution"))
		return err
	})
}

type shareAuditPage struct {
	Page
	Reads *app.SharedReads
}

func (h *Handler) shareAuditPage(w http.ResponseWriter, r *http.Request) {
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	reads, err := h.app.ShareAudit(r.Context(), httpx.ActorFrom(r.Context()), id)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	p := &shareAuditPage{Page: h.page(r, "Who read under this share", "/shares"), Reads: reads}
	p.Back = "/shares/" + id
	h.render(w, r, http.StatusOK, "share_audit", p)
}

// shareRequestFormPage asks the area holding a record for a share. The
// requester may know only that the record exists: the page names nothing.
type shareRequestFormPage struct {
	missingForm
	PersonID string
	Parts    []hub.SharePart
	Config   app.ShareConfig
}

// Ticked reports whether the checkbox name was ticked.
func (p *shareRequestFormPage) Ticked(name string) bool { return p.Form.Get(name) == "yes" }

func (h *Handler) newShareRequestForm(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("person")
	if !hub.ValidID(id) {
		h.RenderError(w, r, hub.Invalid("person", "is missing: ask for access from the search result that found the record"))
		return
	}
	h.renderShareRequestForm(w, r, id, http.StatusOK, url.Values{"part.identity": {"yes"}}, nil)
}

func (h *Handler) renderShareRequestForm(w http.ResponseWriter, r *http.Request, personID string, status int, form url.Values, err error) {
	p := &shareRequestFormPage{missingForm: missingForm{Page: h.page(r, "Ask for access to a record", "/shares"), Form: form}, PersonID: personID,
		Parts: hub.SharePartList, Config: h.app.ShareConfig()}
	p.Back = "/persons"
	if err != nil {
		shareSetError(&p.Page, err, nil)
	}
	h.render(w, r, status, "share_request_form", p)
}

func (h *Handler) requestShare(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	in := app.ShareRequestInput{PersonID: value(r, "person_id"), Parts: ticked(r, "part."), Purpose: value(r, "purpose"), Reason: value(r, "reason")}
	req, err := h.app.RequestShare(r.Context(), httpx.ActorFrom(r.Context()), in)
	if err != nil {
		if !formError(err) {
			h.failed(w, r, err)
			return
		}
		h.renderShareRequestForm(w, r, in.PersonID, httpx.Status(err), r.PostForm, err)
		return
	}
	http.Redirect(w, r, "/share-requests/"+req.ID+"?done=requested", http.StatusSeeOther)
}

// shareRequestPage shows a request; to those who may answer it, with the
// grant form (the share form without recipients: the requester is the
// recipient) and the refusal form.
type shareRequestPage struct {
	shareFormPage
	View *app.ShareRequestView
}

func (h *Handler) shareRequestPage(w http.ResponseWriter, r *http.Request) {
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	h.renderShareRequest(w, r, id, http.StatusOK, nil, nil, nil)
}

func (h *Handler) renderShareRequest(w http.ResponseWriter, r *http.Request, id string, status int, form url.Values, err error, remap map[string]string) {
	a := httpx.ActorFrom(r.Context())
	v, verr := h.app.ViewShareRequest(r.Context(), a, id)
	if verr != nil {
		h.failed(w, r, verr)
		return
	}
	if form == nil {
		form = h.shareDefaults(v.Request.Parts, v.Request.Purpose)
	}
	fp, ferr := h.shareForm(r, "Request to share a record", form, false, "", "")
	if ferr != nil {
		h.RenderError(w, r, ferr)
		return
	}
	p := &shareRequestPage{shareFormPage: *fp, View: v}
	p.Action, p.Submit, p.Back = "/share-requests/"+id+"/grant", "Grant and share", "/shares"
	if err != nil {
		shareSetError(&p.Page, err, remap)
	} else if f := r.URL.Query().Get("done"); f != "" {
		p.Flash = shareFlashes[f]
	}
	h.render(w, r, status, "share_request", p)
}

func (h *Handler) grantShareRequest(w http.ResponseWriter, r *http.Request) {
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	if err := parseForm(r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	in := shareInput(r)
	s, err := h.app.GrantShareRequest(r.Context(), httpx.ActorFrom(r.Context()), id, in)
	if err != nil {
		if !formError(err) {
			h.failed(w, r, err)
			return
		}
		h.renderShareRequest(w, r, id, httpx.Status(err), r.PostForm, err, nil)
		return
	}
	h.sharedRedirect(w, r, s)
}

func (h *Handler) refuseShareRequest(w http.ResponseWriter, r *http.Request) {
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	if err := parseForm(r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	if err := h.app.RefuseShareRequest(r.Context(), httpx.ActorFrom(r.Context()), id, value(r, "refuse_reason")); err != nil {
		if !formError(err) {
			h.failed(w, r, err)
			return
		}
		h.renderShareRequest(w, r, id, httpx.Status(err), nil, err, map[string]string{"reason": "refuse_reason"})
		return
	}
	http.Redirect(w, r, "/share-requests/"+id+"?done=answered", http.StatusSeeOther)
}
