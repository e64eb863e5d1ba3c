package web

import (
	"net/http"
	"strconv"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/httpx"
	"github.com/safehub/safehub/internal/hub"
)

// Contexts (issue 4, part A): places and groups as subjects of referrals
// and assessments. The list of those in the actor's areas, creating and
// changing one, its page (members the actor may see, its referrals,
// assessments and cases), and adding members found by a person search
// (a POST, so no names go into URLs) or removing them.

func init() {
	featureRoutes = append(featureRoutes, (*Handler).contextRoutes)
	navEntries = append(navEntries, navEntry{"Places and groups", "/contexts", access.CaseRead, 16})
	pageNames = append(pageNames, "contexts", "context", "context_form")
	for k, v := range map[string]string{"kind": "The kind", "name": "The name", "description": "The description", "postcode": "The postcode",
		"latitude": "Latitude", "longitude": "Longitude", "person_id": "The person", "role": "The role", "from": "From", "to": "To", "member": "The member"} {
		if _, ok := fieldLabels[k]; !ok {
			fieldLabels[k] = v
		}
	}
}

func (h *Handler) contextRoutes() []httpx.Route {
	f := func(fn http.HandlerFunc) http.Handler { return fn }
	return []httpx.Route{
		{Pattern: "GET /contexts", Auth: httpx.Session, Action: access.CaseRead, Handler: f(h.contextList)},
		{Pattern: "GET /contexts/new", Auth: httpx.Session, Action: access.CaseWrite, Handler: f(h.newContextForm)},
		{Pattern: "POST /contexts", Auth: httpx.Session, Action: access.CaseWrite, Handler: f(h.createContext)},
		{Pattern: "GET /contexts/{id}", Auth: httpx.Session, Action: access.CaseRead, Handler: f(h.contextPage)},
		{Pattern: "GET /contexts/{id}/edit", Auth: httpx.Session, Action: access.CaseWrite, Handler: f(h.editContextForm)},
		{Pattern: "POST /contexts/{id}", Auth: httpx.Session, Action: access.CaseWrite, Handler: f(h.updateContext)},
		{Pattern: "POST /contexts/{id}/members/search", Auth: httpx.Session, Action: access.CaseWrite, Handler: f(h.searchMember)},
		{Pattern: "POST /contexts/{id}/members", Auth: httpx.Session, Action: access.CaseWrite, Handler: f(h.addMember)},
		{Pattern: "POST /contexts/{id}/members/remove", Auth: httpx.Session, Action: access.CaseWrite, Handler: f(h.removeMember)},
	}
}

type contextListPage struct {
	cwBase
	Name, Kind string
	Kinds      []hub.ContextKind
	List       *app.ContextList
	CanCreate  bool
}

// contextList lists contexts; the name filter is a place or group's name,
// never a person's, so it may be a query parameter.
func (h *Handler) contextList(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	q := r.URL.Query()
	p := &contextListPage{cwBase: cwBase{h.page(r, "Places and groups", "/contexts")}, Name: q.Get("name"), Kind: q.Get("kind"), Kinds: hub.ContextKinds,
		CanCreate: access.Can(a, access.CaseWrite)}
	list, err := h.app.Contexts(r.Context(), a, app.ContextQuery{Name: p.Name, Kind: p.Kind, Limit: 100})
	if err != nil {
		if httpx.Status(err) >= 500 {
			h.RenderError(w, r, err)
			return
		}
		p.SetError(err)
		p.List = &app.ContextList{}
		h.render(w, r, httpx.Status(err), "contexts", p)
		return
	}
	p.List = list
	h.render(w, r, http.StatusOK, "contexts", p)
}

type contextFormPage struct {
	cwBase
	Action  string
	Version int
	Form    app.ContextInput
	Areas   []*hub.Area
	Kinds   []hub.ContextKind
}

func (h *Handler) contextFormFor(r *http.Request, title, action string, in app.ContextInput, version int) (*contextFormPage, error) {
	a := httpx.ActorFrom(r.Context())
	areas, err := h.app.Areas(r.Context())
	if err != nil {
		return nil, err
	}
	f := &contextFormPage{cwBase: cwBase{h.page(r, title, "/contexts")}, Action: action, Version: version, Form: in, Kinds: hub.ContextKinds}
	for _, ar := range areas {
		if a.InArea(ar.ID) || ar.ID == in.AreaID {
			f.Areas = append(f.Areas, ar)
		}
	}
	return f, nil
}

func contextInput(r *http.Request) app.ContextInput {
	return app.ContextInput{AreaID: value(r, "area_id"), Kind: value(r, "kind"), Name: value(r, "name"), Description: value(r, "description"),
		Postcode: value(r, "postcode"), Latitude: value(r, "latitude"), Longitude: value(r, "longitude")}
}

func (h *Handler) newContextForm(w http.ResponseWriter, r *http.Request) {
	f, err := h.contextFormFor(r, "Add a place or group", "/contexts", app.ContextInput{Kind: string(hub.ContextLocation)}, 0)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	f.Back = "/contexts"
	h.render(w, r, http.StatusOK, "context_form", f)
}

func (h *Handler) createContext(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	if err := parseForm(r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	in := contextInput(r)
	c, err := h.app.CreateContext(r.Context(), a, in)
	if err != nil {
		h.refusedContextForm(w, r, "Add a place or group", "/contexts", in, 0, err)
		return
	}
	http.Redirect(w, r, "/contexts/"+c.ID+"?done=created", http.StatusSeeOther)
}

func (h *Handler) refusedContextForm(w http.ResponseWriter, r *http.Request, title, action string, in app.ContextInput, version int, err error) {
	if s := httpx.Status(err); s >= 500 || s == http.StatusNotFound {
		h.failed(w, r, err)
		return
	}
	f, ferr := h.contextFormFor(r, title, action, in, version)
	if ferr != nil {
		h.RenderError(w, r, ferr)
		return
	}
	f.SetError(err)
	h.render(w, r, httpx.Status(err), "context_form", f)
}

type contextPageData struct {
	cwBase
	View *app.ContextView
	// Search and Found are a member search's query and results.
	Search string
	Found  *app.SearchResult
	Member app.MemberInput
}

var contextDone = map[string]string{"created": "The place or group has been added.", "saved": "The changes have been saved.",
	"added": "The member has been added.", "removed": "The member has been removed."}

func (h *Handler) contextView(w http.ResponseWriter, r *http.Request, id string) (*contextPageData, bool) {
	v, err := h.app.ViewContext(r.Context(), httpx.ActorFrom(r.Context()), id)
	if err != nil {
		h.failed(w, r, err)
		return nil, false
	}
	p := &contextPageData{cwBase: cwBase{h.page(r, v.Context.Name, "/contexts")}, View: v, Member: app.MemberInput{Role: "member"}}
	p.Back = "/contexts"
	return p, true
}

func (h *Handler) contextPage(w http.ResponseWriter, r *http.Request) {
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	p, ok := h.contextView(w, r, id)
	if !ok {
		return
	}
	p.Flash = contextDone[r.URL.Query().Get("done")]
	h.render(w, r, http.StatusOK, "context", p)
}

func (h *Handler) editContextForm(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	v, err := h.app.ViewContext(r.Context(), a, id)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	if !v.CanEdit {
		h.notFound(w, r, "")
		return
	}
	c := v.Context
	in := app.ContextInput{AreaID: c.AreaID, Kind: string(c.Kind), Name: c.Name, Description: c.Description, Postcode: c.Postcode}
	if c.Latitude != 0 || c.Longitude != 0 {
		in.Latitude, in.Longitude = strconv.FormatFloat(c.Latitude, 'f', -1, 64), strconv.FormatFloat(c.Longitude, 'f', -1, 64)
	}
	f, err := h.contextFormFor(r, "Change "+c.Name, "/contexts/"+id, in, c.Version)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	f.Back = "/contexts/" + id
	h.render(w, r, http.StatusOK, "context_form", f)
}

// formVersionOf reads the hidden version field.
func formVersionOf(r *http.Request) (int, error) {
	v, err := strconv.Atoi(value(r, "version"))
	if err != nil || v < 1 {
		return 0, hub.Invalid("version", "is missing; reload the page")
	}
	return v, nil
}

// updateContext saves the details; the members are kept (they are changed
// one at a time on the context's page).
func (h *Handler) updateContext(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	if err := parseForm(r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	version, err := formVersionOf(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	in := contextInput(r)
	if _, err := h.app.UpdateContext(r.Context(), a, id, version, in); err != nil {
		h.refusedContextForm(w, r, "Change details", "/contexts/"+id, in, version, err)
		return
	}
	http.Redirect(w, r, "/contexts/"+id+"?done=saved", http.StatusSeeOther)
}

// searchMember finds persons to add as members: a POST, so names stay out
// of URLs.
func (h *Handler) searchMember(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	if err := parseForm(r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	p, ok := h.contextView(w, r, id)
	if !ok {
		return
	}
	p.Search = value(r, "q")
	res, err := h.app.SearchPersons(r.Context(), a, app.PersonQuery{Text: p.Search})
	if err != nil {
		if httpx.Status(err) >= 500 {
			h.RenderError(w, r, err)
			return
		}
		p.SetError(err)
		h.render(w, r, httpx.Status(err), "context", p)
		return
	}
	p.Found = res
	h.render(w, r, http.StatusOK, "context", p)
}

func (h *Handler) addMember(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	if err := parseForm(r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	version, err := formVersionOf(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	in := app.MemberInput{PersonID: value(r, "person_id"), Role: value(r, "role"), From: value(r, "from"), To: value(r, "to")}
	if _, err := h.app.AddContextMember(r.Context(), a, id, version, in); err != nil {
		h.refusedMember(w, r, id, in, err)
		return
	}
	http.Redirect(w, r, "/contexts/"+id+"?done=added", http.StatusSeeOther)
}

func (h *Handler) removeMember(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	if err := parseForm(r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	version, err := formVersionOf(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	index, err := strconv.Atoi(value(r, "index"))
	if err != nil || index < 0 {
		h.RenderError(w, r, hub.Invalid("member", "is not a member of this context"))
		return
	}
	if _, err := h.app.RemoveContextMember(r.Context(), a, id, version, index); err != nil {
		h.refusedMember(w, r, id, app.MemberInput{Role: "member"}, err)
		return
	}
	http.Redirect(w, r, "/contexts/"+id+"?done=removed", http.StatusSeeOther)
}

func (h *Handler) refusedMember(w http.ResponseWriter, r *http.Request, id string, in app.MemberInput, err error) {
	if s := httpx.Status(err); s >= 500 || s == http.StatusNotFound {
		h.failed(w, r, err)
		return
	}
	p, ok := h.contextView(w, r, id)
	if !ok {
		return
	}
	p.Member = in
	p.SetError(err)
	h.render(w, r, httpx.Status(err), "context", p)
}
