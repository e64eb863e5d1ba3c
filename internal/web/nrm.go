package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/httpx"
	"github.com/safehub/safehub/internal/hub"
)

// NRM referrals and Duty to Notify notifications (issue 4, part C).

func init() {
	featureRoutes = append(featureRoutes, func(h *Handler) []httpx.Route {
		f := func(fn http.HandlerFunc) http.Handler { return fn }
		return []httpx.Route{
			{Pattern: "GET /nrm", Auth: httpx.Session, Action: access.CaseRead, Handler: f(h.nrmList)},
			{Pattern: "GET /persons/{id}/nrm/new", Auth: httpx.Session, Action: access.CaseWrite, Handler: f(h.nrmNew)},
			{Pattern: "POST /persons/{id}/nrm", Auth: httpx.Session, Action: access.CaseWrite, Handler: f(h.nrmCreate)},
			{Pattern: "GET /nrm/{id}", Auth: httpx.Session, Action: access.CaseRead, Handler: f(h.nrmView)},
			{Pattern: "POST /nrm/{id}/rg", Auth: httpx.Session, Action: access.CaseWrite, Handler: f(h.nrmRG)},
			{Pattern: "POST /nrm/{id}/cg", Auth: httpx.Session, Action: access.CaseWrite, Handler: f(h.nrmCG)},
		}
	})
	navEntries = append(navEntries, navEntry{"NRM", "/nrm", access.CaseRead, 45})
	pageNames = append(pageNames, "nrm_list", "nrm_form", "nrm")
	for k, v := range map[string]string{
		"submitted_date": "Date submitted", "submitted_time": "Time submitted", "first_responder": "First responder organisation",
		"responder_officer": "Officer",
		"is_child":          "Under 18", "ictg": "Independent Child Trafficking Guardian",
		"rg_decision": "The reasonable-grounds decision", "rg_decided_on": "Date of the reasonable-grounds decision",
		"cg_decision": "The conclusive-grounds decision", "cg_decided_on": "Date of the conclusive-grounds decision",
	} {
		if _, ok := fieldLabels[k]; !ok {
			fieldLabels[k] = v
		}
	}
}

type nrmListPage struct {
	missingForm
	List   *app.NRMList
	Status string
}

func (h *Handler) nrmList(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	q := r.URL.Query()
	p := &nrmListPage{missingForm: missingForm{Page: h.page(r, "NRM referrals", "/nrm"), Form: q}, Status: q.Get("status")}
	offset, _ := strconv.Atoi(q.Get("offset"))
	list, err := h.app.NRMReferrals(r.Context(), a, app.NRMQuery{Status: p.Status, Limit: 50, Offset: offset})
	if err != nil {
		if httpx.Status(err) >= 500 {
			h.RenderError(w, r, err)
			return
		}
		p.SetError(err)
		p.List = &app.NRMList{}
		h.render(w, r, httpx.Status(err), "nrm_list", p)
		return
	}
	p.List = list
	h.render(w, r, http.StatusOK, "nrm_list", p)
}

type nrmFormPage struct {
	missingForm
	Person *hub.Person
	Child  bool
}

func (h *Handler) nrmNew(w http.ResponseWriter, r *http.Request) {
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	h.renderNRMForm(w, r, id, http.StatusOK, url.Values{"submitted_date": {h.app.Now().In(app.London).Format("2006-01-02")}, "first_responder": {"police"}}, nil)
}

func (h *Handler) renderNRMForm(w http.ResponseWriter, r *http.Request, id string, status int, form url.Values, err error) {
	a := httpx.ActorFrom(r.Context())
	v, verr := h.app.ViewPerson(r.Context(), a, id)
	if verr != nil {
		h.failed(w, r, verr)
		return
	}
	if v.Casework == nil || v.Casework.NRM == nil || !v.Casework.NRM.CanRefer {
		h.notFound(w, r, "")
		return
	}
	p := &nrmFormPage{missingForm: missingForm{Page: h.page(r, "NRM referral: "+v.Person.Name(), "/nrm"), Form: form}, Person: v.Person,
		Child: v.Person.IsChild(h.app.Today())}
	p.Back = "/persons/" + id
	if err != nil {
		missingSetError(&p.Page, err)
	}
	h.render(w, r, status, "nrm_form", p)
}

func (h *Handler) nrmCreate(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	if err := parseForm(r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	in := app.NRMInput{Kind: value(r, "kind"), Consent: value(r, "consent"), FirstResponder: value(r, "first_responder"),
		ResponderOfficer: value(r, "responder_officer"), ExploitationType: value(r, "exploitation_type"), Reference: value(r, "reference"),
		ICTG: value(r, "ictg"), Notes: value(r, "notes")}
	switch value(r, "is_child") {
	case "yes":
		t := true
		in.Child = &t
	case "no":
		f := false
		in.Child = &f
	}
	// A time left blank is noon, or now for a referral submitted today.
	date, clock := value(r, "submitted_date"), value(r, "submitted_time")
	now := h.app.Now().In(app.London)
	if clock == "" {
		clock = "12:00"
		if date == now.Format("2006-01-02") {
			clock = now.Format("15:04")
		}
	}
	var n *hub.NRMReferral
	var err error
	in.SubmittedAt, err = app.ParseLondonTime("submitted_date", "submitted_time", date, clock)
	if err == nil {
		n, err = h.app.ReferNRM(r.Context(), a, id, in)
	}
	if err != nil {
		if s := httpx.Status(err); s >= 500 || s == http.StatusNotFound || s == http.StatusForbidden {
			h.failed(w, r, err)
			return
		}
		h.renderNRMForm(w, r, id, httpx.Status(err), r.PostForm, err)
		return
	}
	http.Redirect(w, r, "/nrm/"+n.ID+"?done=referred", http.StatusSeeOther)
}

type nrmPage struct {
	missingForm
	View *app.NRMView
}

func (h *Handler) nrmView(w http.ResponseWriter, r *http.Request) {
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	h.renderNRM(w, r, id, http.StatusOK, nil, nil)
}

func (h *Handler) renderNRM(w http.ResponseWriter, r *http.Request, id string, status int, form url.Values, err error) {
	a := httpx.ActorFrom(r.Context())
	v, verr := h.app.ViewNRM(r.Context(), a, id)
	if verr != nil {
		h.failed(w, r, verr)
		return
	}
	if form == nil {
		today := h.app.Now().In(app.London).Format("2006-01-02")
		form = url.Values{"rg_decided_on": {today}, "cg_decided_on": {today}}
	}
	title := "NRM referral: "
	if v.Referral.Kind == hub.NRMDutyToNotify {
		title = "Duty to Notify: "
	}
	p := &nrmPage{missingForm: missingForm{Page: h.page(r, title+v.Referral.PersonName, "/nrm"), Form: form}, View: v}
	p.Back = "/persons/" + v.Referral.PersonID
	if err != nil {
		missingSetError(&p.Page, err)
	}
	switch r.URL.Query().Get("done") {
	case "referred":
		p.Flash = "Referral recorded"
	case "decision":
		p.Flash = "Decision recorded"
	}
	h.render(w, r, status, "nrm", p)
}

func (h *Handler) nrmDecision(w http.ResponseWriter, r *http.Request, fn func(id string, version int, d app.NRMDecision) error, prefix string) {
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	if err := parseForm(r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	version, err := missingVersion(r)
	if err == nil {
		err = fn(id, version, app.NRMDecision{Decision: value(r, prefix+"_decision"), DecidedOn: value(r, prefix+"_decided_on"), Outcome: value(r, "outcome")})
	}
	if err != nil {
		if s := httpx.Status(err); s >= 500 || s == http.StatusNotFound || s == http.StatusForbidden {
			h.failed(w, r, err)
			return
		}
		h.renderNRM(w, r, id, httpx.Status(err), r.PostForm, err)
		return
	}
	http.Redirect(w, r, "/nrm/"+id+"?done=decision", http.StatusSeeOther)
}

func (h *Handler) nrmRG(w http.ResponseWriter, r *http.Request) {
	h.nrmDecision(w, r, func(id string, version int, d app.NRMDecision) error {
		_, err := h.app.RecordRGDecision(r.Context(), httpx.ActorFrom(r.Context()), id, version, d)
		return err
	}, "rg")
}

func (h *Handler) nrmCG(w http.ResponseWriter, r *http.Request) {
	h.nrmDecision(w, r, func(id string, version int, d app.NRMDecision) error {
		_, err := h.app.RecordCGDecision(r.Context(), httpx.ActorFrom(r.Context()), id, version, d)
		return err
	}, "cg")
}
