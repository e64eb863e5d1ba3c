package web

import (
	"net/http"

	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/httpx"
	"github.com/safehub/safehub/internal/hub"
)

// Safeguarding plan actions (issue 4, part B): adding an action to a case's
// plan, and an action's page where progress is recorded.

type actionFormPage struct {
	caseBase
	View     *app.CaseView
	Form     app.ActionInput
	Workers  []app.CaseWorker
	Agencies []*hub.Agency
}

func (h *Handler) actionForm(r *http.Request, v *app.CaseView, in app.ActionInput) (*actionFormPage, error) {
	a := httpx.ActorFrom(r.Context())
	workers, err := h.app.CaseWorkers(r.Context(), a)
	if err != nil {
		return nil, err
	}
	ags, err := h.app.Agencies(r.Context())
	if err != nil {
		return nil, err
	}
	p := &actionFormPage{caseBase: caseBase{h.page(r, "Add an action to the plan", "/cases")}, View: v, Form: in, Workers: workers, Agencies: ags}
	p.Back = "/cases/" + v.Case.ID
	return p, nil
}

// writableCase loads the case for a form, answering 404 when the actor may
// not change it.
func (h *Handler) writableCase(w http.ResponseWriter, r *http.Request) (*app.CaseView, bool) {
	a := httpx.ActorFrom(r.Context())
	id, ok := h.pathID(w, r)
	if !ok {
		return nil, false
	}
	v, err := h.app.ViewCase(r.Context(), a, id)
	if err != nil {
		h.failed(w, r, err)
		return nil, false
	}
	if !v.CanWrite {
		h.notFound(w, r, "")
		return nil, false
	}
	return v, true
}

func (h *Handler) newActionForm(w http.ResponseWriter, r *http.Request) {
	v, ok := h.writableCase(w, r)
	if !ok {
		return
	}
	p, err := h.actionForm(r, v, app.ActionInput{OwnerID: httpx.ActorFrom(r.Context()).ID})
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "plan_action_form", p)
}

func actionInput(r *http.Request) app.ActionInput {
	return app.ActionInput{What: value(r, "what"), OwnerID: value(r, "owner_id"), AgencyID: value(r, "agency_id"), Due: value(r, "due"),
		Status: value(r, "status"), Note: value(r, "note")}
}

func (h *Handler) addAction(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	if err := parseForm(r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	in := actionInput(r)
	if _, err := h.app.AddPlanAction(r.Context(), a, id, in); err != nil {
		if s := httpx.Status(err); s >= 500 || s == http.StatusNotFound {
			h.failed(w, r, err)
			return
		}
		v, verr := h.app.ViewCase(r.Context(), a, id)
		if verr != nil {
			h.failed(w, r, verr)
			return
		}
		p, ferr := h.actionForm(r, v, in)
		if ferr != nil {
			h.RenderError(w, r, ferr)
			return
		}
		h.refused(w, r, err, "plan_action_form", p)
		return
	}
	http.Redirect(w, r, "/cases/"+id+"?done=action#plan", http.StatusSeeOther)
}

type actionPage struct {
	caseBase
	View     *app.ActionView
	Form     app.ActionInput
	Workers  []app.CaseWorker
	Agencies []*hub.Agency
	Statuses []hub.ActionStatus
}

func (h *Handler) actionPageData(r *http.Request, v *app.ActionView, in app.ActionInput) (*actionPage, error) {
	p := &actionPage{caseBase: caseBase{h.page(r, "Plan action", "/cases")}, View: v, Form: in, Statuses: hub.ActionStatuses}
	if v.CanEdit {
		a := httpx.ActorFrom(r.Context())
		var err error
		if p.Workers, err = h.app.CaseWorkers(r.Context(), a); err != nil {
			return nil, err
		}
		if p.Agencies, err = h.app.Agencies(r.Context()); err != nil {
			return nil, err
		}
	}
	p.Back = "/cases/" + v.Case.ID
	return p, nil
}

func inputOfAction(p *hub.PlanAction) app.ActionInput {
	return app.ActionInput{What: p.What, OwnerID: p.OwnerID, AgencyID: p.AgencyID, Due: p.Due.String(), Status: string(p.Status)}
}

func (h *Handler) actionPage(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	v, err := h.app.ViewPlanAction(r.Context(), a, id)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	p, err := h.actionPageData(r, v, inputOfAction(v.Action))
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	if r.URL.Query().Get("done") == "updated" {
		p.Flash = "The action has been updated."
	}
	h.render(w, r, http.StatusOK, "plan_action", p)
}

func (h *Handler) updateAction(w http.ResponseWriter, r *http.Request) {
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
	in := actionInput(r)
	if _, err := h.app.UpdatePlanAction(r.Context(), a, id, version, in); err != nil {
		if s := httpx.Status(err); s >= 500 || s == http.StatusNotFound || s == http.StatusForbidden {
			h.failed(w, r, err)
			return
		}
		v, verr := h.app.ViewPlanAction(r.Context(), a, id)
		if verr != nil {
			h.failed(w, r, verr)
			return
		}
		p, ferr := h.actionPageData(r, v, in)
		if ferr != nil {
			h.RenderError(w, r, ferr)
			return
		}
		h.refused(w, r, err, "plan_action", p)
		return
	}
	http.Redirect(w, r, "/plan-actions/"+id+"?done=updated", http.StatusSeeOther)
}
