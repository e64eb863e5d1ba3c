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

// Philomena profiles (issue 4, part C).

func init() {
	featureRoutes = append(featureRoutes, func(h *Handler) []httpx.Route {
		f := func(fn http.HandlerFunc) http.Handler { return fn }
		return []httpx.Route{
			{Pattern: "GET /persons/{id}/philomena", Auth: httpx.Session, Action: access.CaseRead, Handler: f(h.philomena)},
			{Pattern: "GET /persons/{id}/philomena/edit", Auth: httpx.Session, Action: access.MissingRecord, Handler: f(h.philomenaForm)},
			{Pattern: "POST /persons/{id}/philomena", Auth: httpx.Session, Action: access.MissingRecord, Handler: f(h.philomenaSave)},
		}
	})
	pageNames = append(pageNames, "philomena", "philomena_form")
	for k, v := range map[string]string{
		"photo_reference": "Where the photo is held", "associates": "Friends and associates",
		"phones_social": "Phones and social media", "vulnerabilities": "Vulnerabilities and medical needs",
		"prior_missing": "Previous missing history",
	} {
		if _, ok := fieldLabels[k]; !ok {
			fieldLabels[k] = v
		}
	}
}

type philomenaPage struct {
	Page
	View *app.PhilomenaView
}

func (h *Handler) philomena(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	v, err := h.app.ViewPhilomena(r.Context(), a, id)
	if err != nil {
		if httpx.Status(err) == http.StatusNotFound {
			h.notFound(w, r, id)
			return
		}
		h.RenderError(w, r, err)
		return
	}
	p := &philomenaPage{Page: h.page(r, "Philomena profile: "+v.Person.Name(), "/persons"), View: v}
	p.Back = "/persons/" + id
	if r.URL.Query().Get("done") == "saved" {
		p.Flash = "Philomena profile saved"
	}
	h.render(w, r, http.StatusOK, "philomena", p)
}

type philomenaFormPage struct {
	missingForm
	Person  *hub.Person
	Version int
}

func (h *Handler) philomenaForm(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	v, err := h.app.ViewPhilomena(r.Context(), a, id)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	if !v.CanEdit {
		h.notFound(w, r, "")
		return
	}
	form := url.Values{"version": {"0"}}
	if len(v.Versions) > 0 {
		form = philomenaValues(app.PhilomenaInputOf(v.Versions[0]))
		form.Set("version", strconv.Itoa(v.Versions[0].Version))
	}
	p := &philomenaFormPage{missingForm: missingForm{Page: h.page(r, "Philomena profile: "+v.Person.Name(), "/persons"), Form: form}, Person: v.Person}
	p.Back = "/persons/" + id + "/philomena"
	h.render(w, r, http.StatusOK, "philomena_form", p)
}

func philomenaValues(in app.PhilomenaInput) url.Values {
	return url.Values{"placement": {in.Placement}, "description": {in.Description}, "photo_reference": {in.PhotoReference}, "associates": {in.Associates},
		"places": {in.Places}, "phones_social": {in.PhonesSocial}, "vulnerabilities": {in.Vulnerabilities}, "finance": {in.Finance},
		"transport": {in.Transport}, "prior_missing": {in.PriorMissing}}
}

func (h *Handler) philomenaSave(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	if err := parseForm(r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	in := app.PhilomenaInput{Placement: value(r, "placement"), Description: value(r, "description"), PhotoReference: value(r, "photo_reference"),
		Associates: value(r, "associates"), Places: value(r, "places"), PhonesSocial: value(r, "phones_social"), Vulnerabilities: value(r, "vulnerabilities"),
		Finance: value(r, "finance"), Transport: value(r, "transport"), PriorMissing: value(r, "prior_missing")}
	based, err := strconv.Atoi(value(r, "version"))
	if err != nil {
		err = hub.Invalid("version", "is missing; reload the page and try again")
	} else {
		_, err = h.app.SavePhilomena(r.Context(), a, id, based, in)
	}
	if err != nil {
		if s := httpx.Status(err); s >= 500 || s == http.StatusNotFound || s == http.StatusForbidden {
			h.failed(w, r, err)
			return
		}
		v, verr := h.app.ViewPhilomena(r.Context(), a, id)
		if verr != nil {
			h.failed(w, r, verr)
			return
		}
		p := &philomenaFormPage{missingForm: missingForm{Page: h.page(r, "Philomena profile: "+v.Person.Name(), "/persons"), Form: r.PostForm}, Person: v.Person}
		p.Back = "/persons/" + id + "/philomena"
		missingSetError(&p.Page, err)
		h.render(w, r, httpx.Status(err), "philomena_form", p)
		return
	}
	http.Redirect(w, r, "/persons/"+id+"/philomena?done=saved", http.StatusSeeOther)
}
