package web

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/httpx"
	"github.com/safehub/safehub/internal/hub"
)

type homePage struct {
	Page
	AgencyName string
	Roles      []hub.Role
	Areas      []string
	CanSearch  bool
	// Feature summaries, filled by homeLoaders when the principal may see
	// them.
	Work     *app.MyWork
	FlagDesk *app.FlagDesk
}

// homeLoaders fill the home page's feature summaries. Feature files add
// theirs in init functions.
var homeLoaders []func(h *Handler, r *http.Request, p *homePage) error

func (h *Handler) home(w http.ResponseWriter, r *http.Request) {
	pr := httpx.PrincipalFrom(r.Context())
	p := homePage{Page: h.page(r, "Home", "/"), AgencyName: pr.Agency.Name, Roles: pr.User.Roles, CanSearch: access.Can(pr.Actor, access.PersonSearch)}
	areas, err := h.app.Areas(r.Context())
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	for _, a := range areas {
		if pr.Actor.InArea(a.ID) {
			p.Areas = append(p.Areas, a.Name)
		}
	}
	for _, load := range homeLoaders {
		if err := load(h, r, &p); err != nil {
			h.RenderError(w, r, err)
			return
		}
	}
	h.render(w, r, http.StatusOK, "home", p)
}

type searchPage struct {
	Page
	Query     string
	DOB       string
	Result    *app.SearchResult
	CanCreate bool
}

func (h *Handler) searchForm(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	h.render(w, r, http.StatusOK, "persons_search", searchPage{Page: h.page(r, "Find a person", "/persons"), CanCreate: access.Can(a, access.PersonCreate)})
}

// search runs a person search. It is a POST so that names and identifiers
// never appear in URLs, browser history or proxy logs.
func (h *Handler) search(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	p := searchPage{Page: h.page(r, "Find a person", "/persons"), CanCreate: access.Can(a, access.PersonCreate)}
	if err := parseForm(r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	p.Query, p.DOB = value(r, "q"), value(r, "dob")
	res, err := h.app.SearchPersons(r.Context(), a, app.PersonQuery{Text: p.Query, DateOfBirth: p.DOB})
	if err != nil {
		if httpx.Status(err) >= 500 {
			h.RenderError(w, r, err)
			return
		}
		p.SetError(err)
		h.render(w, r, httpx.Status(err), "persons_search", p)
		return
	}
	p.Result = res
	h.render(w, r, http.StatusOK, "persons_search", p)
}

type personPage struct {
	Page
	View         *app.PersonView
	IsChild      bool
	Age          int
	Placeholders []string
}

func (h *Handler) person(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	v, err := h.app.ViewPerson(r.Context(), a, id)
	if err != nil {
		if httpx.Status(err) == http.StatusNotFound {
			h.notFound(w, r, id)
			return
		}
		h.RenderError(w, r, err)
		return
	}
	today := h.app.Today()
	p := personPage{Page: h.page(r, v.Person.Name(), "/persons"), View: v, IsChild: v.Person.IsChild(today), Age: v.Person.Age(today)}
	// Feature sections (cases, referrals, missing episodes, flags) show
	// themselves when the actor may see them; what is still to come is
	// shown as such.
	p.Placeholders = append(p.Placeholders, "Links and associations")
	p.Back = "/persons"
	h.render(w, r, http.StatusOK, "person", p)
}

// personForm is the add/change form. Form holds the values as typed so a
// refused form comes back as the person left it.
type personForm struct {
	Page
	Action      string
	Version     int
	Form        app.PersonInput
	Areas       []*hub.Area
	AliasKinds  []string
	CanRestrict bool
}

// Input describes one text input for the "text-input" template.
func (f *personForm) Input(name, label, hint, value, width string) map[string]any {
	return map[string]any{"Page": &f.Page, "Name": name, "Label": label, "Hint": hint, "Value": value, "Width": width}
}

func (h *Handler) formPage(r *http.Request, title, action string, in app.PersonInput, version int) (*personForm, error) {
	a := httpx.ActorFrom(r.Context())
	areas, err := h.app.Areas(r.Context())
	if err != nil {
		return nil, err
	}
	f := &personForm{Page: h.page(r, title, "/persons"), Action: action, Version: version, Form: in, AliasKinds: hub.AliasKinds, CanRestrict: access.SeesRestricted(a)}
	for _, ar := range areas {
		if a.InArea(ar.ID) || ar.ID == in.AreaID {
			f.Areas = append(f.Areas, ar)
		}
	}
	// Always offer one empty row more than is filled in.
	f.Form.Aliases = append(f.Form.Aliases, app.AliasInput{Kind: "alias"})
	f.Form.Addresses = append(f.Form.Addresses, app.AddressInput{})
	f.Form.Phones = append(f.Form.Phones, app.PhoneInput{})
	return f, nil
}

func (h *Handler) newPersonForm(w http.ResponseWriter, r *http.Request) {
	f, err := h.formPage(r, "Add a person", "/persons", app.PersonInput{}, 0)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	f.Back = "/persons"
	h.render(w, r, http.StatusOK, "person_form", f)
}

func (h *Handler) createPerson(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	if err := parseForm(r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	in := personInput(r)
	p, err := h.app.CreatePerson(r.Context(), a, in)
	if err != nil {
		h.refusedForm(w, r, "Add a person", "/persons", in, 0, err)
		return
	}
	http.Redirect(w, r, "/persons/"+p.ID, http.StatusSeeOther)
}

func (h *Handler) refusedForm(w http.ResponseWriter, r *http.Request, title, action string, in app.PersonInput, version int, err error) {
	if s := httpx.Status(err); s >= 500 || s == http.StatusNotFound {
		h.failed(w, r, err)
		return
	}
	// Trim the blank rows the form added; formPage adds one back.
	in.Aliases = trimBlank(in.Aliases, func(x app.AliasInput) bool { return x.GivenName == "" && x.FamilyName == "" })
	in.Addresses = trimBlank(in.Addresses, func(x app.AddressInput) bool { return x == app.AddressInput{} })
	in.Phones = trimBlank(in.Phones, func(x app.PhoneInput) bool { return x.Number == "" })
	f, ferr := h.formPage(r, title, action, in, version)
	if ferr != nil {
		h.RenderError(w, r, ferr)
		return
	}
	f.SetError(err)
	h.render(w, r, httpx.Status(err), "person_form", f)
}

func trimBlank[T any](xs []T, blank func(T) bool) []T {
	var out []T
	for _, x := range xs {
		if !blank(x) {
			out = append(out, x)
		}
	}
	return out
}

func (h *Handler) editPersonForm(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	v, err := h.app.ViewPerson(r.Context(), a, id)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	if !v.CanEdit {
		h.notFound(w, r, "")
		return
	}
	f, err := h.formPage(r, "Change "+v.Person.Name(), "/persons/"+id, inputOf(v.Person), v.Person.Version)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	f.Back = "/persons/" + id
	h.render(w, r, http.StatusOK, "person_form", f)
}

func (h *Handler) updatePerson(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	if err := parseForm(r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	version, err := strconv.Atoi(value(r, "version"))
	if err != nil || version < 1 {
		h.RenderError(w, r, hub.Invalid("version", "is missing; reload the page"))
		return
	}
	in := personInput(r)
	if _, err := h.app.UpdatePerson(r.Context(), a, id, version, in); err != nil {
		h.refusedForm(w, r, "Change details", "/persons/"+id, in, version, err)
		return
	}
	http.Redirect(w, r, "/persons/"+id, http.StatusSeeOther)
}

// personInput reads the person form.
func personInput(r *http.Request) app.PersonInput {
	in := app.PersonInput{
		AreaID: value(r, "area_id"), GivenName: value(r, "given_name"), FamilyName: value(r, "family_name"),
		DateOfBirth: value(r, "date_of_birth"), DOBEstimated: checked(r, "dob_estimated"), EstimatedAge: value(r, "estimated_age"), Sex: value(r, "sex"),
		Gender: value(r, "gender"), Ethnicity: value(r, "ethnicity"), Language: value(r, "language"),
		NHSNumber: value(r, "nhs_number"), UPN: value(r, "upn"), PNC: value(r, "pnc_id"), LocalID: value(r, "local_id"),
		Restricted: checked(r, "restricted"),
	}
	for i := 0; i < 20; i++ {
		k := fmt.Sprintf("aliases[%d].", i)
		if _, ok := r.PostForm[k+"given_name"]; !ok {
			break
		}
		in.Aliases = append(in.Aliases, app.AliasInput{GivenName: value(r, k+"given_name"), FamilyName: value(r, k+"family_name"), Kind: value(r, k+"kind")})
	}
	for i := 0; i < 20; i++ {
		k := fmt.Sprintf("addresses[%d].", i)
		if _, ok := r.PostForm[k+"line1"]; !ok {
			break
		}
		in.Addresses = append(in.Addresses, app.AddressInput{Line1: value(r, k+"line1"), Line2: value(r, k+"line2"), Town: value(r, k+"town"),
			Postcode: value(r, k+"postcode"), From: value(r, k+"from"), To: value(r, k+"to")})
	}
	for i := 0; i < 20; i++ {
		k := fmt.Sprintf("phones[%d].", i)
		if _, ok := r.PostForm[k+"number"]; !ok {
			break
		}
		in.Phones = append(in.Phones, app.PhoneInput{Number: value(r, k+"number"), Kind: value(r, k+"kind"), From: value(r, k+"from"), To: value(r, k+"to")})
	}
	return in
}

// inputOf turns a stored person back into form input.
func inputOf(p *hub.Person) app.PersonInput {
	in := app.PersonInput{AreaID: p.AreaID, GivenName: p.GivenName, FamilyName: p.FamilyName, DateOfBirth: p.DateOfBirth.String(),
		DOBEstimated: p.DOBEstimated, Sex: string(p.Sex), Gender: p.Gender, Ethnicity: p.Ethnicity, Language: p.Language,
		NHSNumber: p.Identifier(hub.IdentNHS), UPN: p.Identifier(hub.IdentUPN), PNC: p.Identifier(hub.IdentPNC), LocalID: p.Identifier(hub.IdentLA),
		Restricted: p.Sensitivity == hub.SensitivityRestricted}
	for _, a := range p.Aliases {
		in.Aliases = append(in.Aliases, app.AliasInput{GivenName: a.GivenName, FamilyName: a.FamilyName, Kind: a.Kind})
	}
	for _, a := range p.Addresses {
		in.Addresses = append(in.Addresses, app.AddressInput{Line1: a.Line1, Line2: a.Line2, Town: a.Town, Postcode: a.Postcode, From: a.From.String(), To: a.To.String()})
	}
	for _, ph := range p.Phones {
		in.Phones = append(in.Phones, app.PhoneInput{Number: ph.Number, Kind: ph.Kind, From: ph.From.String(), To: ph.To.String()})
	}
	return in
}

type accessPage struct {
	Page
	PersonName string
	Events     []*hub.AuditEvent
}

func (h *Handler) personAccess(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	person, events, err := h.app.PersonAccessHistory(r.Context(), a, id, 200)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	p := accessPage{Page: h.page(r, "Who has looked at this record", "/persons"), PersonName: person.Name(), Events: events}
	p.Back = "/persons/" + id
	h.render(w, r, http.StatusOK, "person_access", p)
}

func (h *Handler) breakGlass(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	if err := parseForm(r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	if err := h.app.OpenByBreakingGlass(r.Context(), a, id, value(r, "reason")); err != nil {
		h.failed(w, r, err)
		return
	}
	http.Redirect(w, r, "/persons/"+id, http.StatusSeeOther)
}
