package web

import (
	"net/http"

	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/httpx"
	"github.com/safehub/safehub/internal/hub"
)

// Service referrals (issue 4, part B): referring a case's subject to a
// support or recovery service on a configured pathway, and recording the
// outcome.

type serviceFormPage struct {
	caseBase
	View     *app.CaseView
	Form     app.ServiceInput
	Pathways []app.ServicePathway
}

func (h *Handler) serviceForm(r *http.Request, v *app.CaseView, in app.ServiceInput) *serviceFormPage {
	p := &serviceFormPage{caseBase: caseBase{h.page(r, "Refer to a service", "/cases")}, View: v, Form: in, Pathways: h.app.ServicePathways()}
	p.Back = "/cases/" + v.Case.ID
	return p
}

func (h *Handler) newServiceForm(w http.ResponseWriter, r *http.Request) {
	v, ok := h.writableCase(w, r)
	if !ok {
		return
	}
	h.render(w, r, http.StatusOK, "service_form", h.serviceForm(r, v, app.ServiceInput{Referred: h.app.Today().String()}))
}

func serviceInput(r *http.Request) app.ServiceInput {
	return app.ServiceInput{Pathway: value(r, "pathway"), Provider: value(r, "provider"), Referred: value(r, "referred"), Reason: value(r, "reason"),
		Outcome: value(r, "outcome"), OutcomeOn: value(r, "outcome_on"), OutcomeNote: value(r, "outcome_note")}
}

func (h *Handler) referToService(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	if err := parseForm(r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	in := serviceInput(r)
	s, err := h.app.ReferToService(r.Context(), a, id, in)
	if err != nil {
		if st := httpx.Status(err); st >= 500 || st == http.StatusNotFound {
			h.failed(w, r, err)
			return
		}
		v, verr := h.app.ViewCase(r.Context(), a, id)
		if verr != nil {
			h.failed(w, r, verr)
			return
		}
		h.refused(w, r, err, "service_form", h.serviceForm(r, v, in))
		return
	}
	http.Redirect(w, r, "/service-referrals/"+s.ID+"?done=saved", http.StatusSeeOther)
}

type servicePage struct {
	caseBase
	View     *app.ServiceView
	Form     app.ServiceInput
	Outcomes []hub.ServiceOutcome
}

func (h *Handler) servicePageData(r *http.Request, v *app.ServiceView, in app.ServiceInput) *servicePage {
	p := &servicePage{caseBase: caseBase{h.page(r, "Service referral", "/cases")}, View: v, Form: in, Outcomes: hub.ServiceOutcomes}
	p.Back = "/cases/" + v.Case.ID
	return p
}

func (h *Handler) servicePage(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	v, err := h.app.ViewServiceReferral(r.Context(), a, id)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	s := v.Referral
	p := h.servicePageData(r, v, app.ServiceInput{Provider: s.Provider, Reason: s.Reason, Outcome: string(s.Outcome), OutcomeOn: s.OutcomeOn.String(), OutcomeNote: s.OutcomeNote})
	switch r.URL.Query().Get("done") {
	case "saved":
		p.Flash = "The service referral has been recorded."
	case "updated":
		p.Flash = "The outcome has been recorded."
	}
	h.render(w, r, http.StatusOK, "service_referral", p)
}

func (h *Handler) recordServiceOutcome(w http.ResponseWriter, r *http.Request) {
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
	in := serviceInput(r)
	if _, err := h.app.RecordServiceOutcome(r.Context(), a, id, version, in); err != nil {
		if st := httpx.Status(err); st >= 500 || st == http.StatusNotFound {
			h.failed(w, r, err)
			return
		}
		v, verr := h.app.ViewServiceReferral(r.Context(), a, id)
		if verr != nil {
			h.failed(w, r, verr)
			return
		}
		h.refused(w, r, err, "service_referral", h.servicePageData(r, v, in))
		return
	}
	http.Redirect(w, r, "/service-referrals/"+id+"?done=updated", http.StatusSeeOther)
}
