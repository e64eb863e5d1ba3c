package web

import (
	"net/http"
	"time"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/httpx"
	"github.com/safehub/safehub/internal/hub"
)

// Work queues (issue 4, part A): "My work" for everyone who works on
// casework, and the manager's team view with reassignment.

func init() {
	featureRoutes = append(featureRoutes, (*Handler).workRoutes)
	navEntries = append(navEntries,
		navEntry{"My work", "/work", access.CaseRead, 5},
		navEntry{"Team", "/team", access.TeamView, 30})
	pageNames = append(pageNames, "work", "team")
	fieldLabels["owner"] = "The new owner"
	fieldLabels["object_id"] = "The work item"
	homeLoaders = append(homeLoaders, func(h *Handler, r *http.Request, p *homePage) error {
		a := httpx.ActorFrom(r.Context())
		if !access.Can(a, access.CaseRead) {
			return nil
		}
		w, err := h.app.MyWork(r.Context(), a)
		if err != nil {
			return err
		}
		p.Work = w
		return nil
	})
}

func (h *Handler) workRoutes() []httpx.Route {
	f := func(fn http.HandlerFunc) http.Handler { return fn }
	return []httpx.Route{
		{Pattern: "GET /work", Auth: httpx.Session, Action: access.CaseRead, Handler: f(h.myWork)},
		{Pattern: "GET /team", Auth: httpx.Session, Action: access.TeamView, Handler: f(h.teamWork)},
		{Pattern: "POST /team/reassign", Auth: httpx.Session, Action: access.TeamView, Handler: f(h.reassign)},
	}
}

type workPage struct {
	cwBase
	Work *app.MyWork
	// Shown is the first maxWorkShown of the user's items.
	Shown *app.MyWork
}

// maxWorkShown bounds the items "My work" lists: a caseload beyond it is
// worked from the top (overdue first).
const maxWorkShown = 200

func (h *Handler) myWork(w http.ResponseWriter, r *http.Request) {
	mw, err := h.app.MyWork(r.Context(), httpx.ActorFrom(r.Context()))
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	shown := *mw
	if len(shown.Items) > maxWorkShown {
		shown.Items = shown.Items[:maxWorkShown]
	}
	h.render(w, r, http.StatusOK, "work", &workPage{cwBase: cwBase{h.page(r, "My work", "/work")}, Work: mw, Shown: &shown})
}

type teamPage struct {
	cwBase
	Team *app.TeamWork
	// CanReassign offers reassignment (it also needs case writing).
	CanReassign bool
}

// teamRows is one table of the team view, for the "cw-team-items"
// template.
type teamRows struct {
	Items       []app.WorkItem
	Now         time.Time
	CanReassign bool
	Assignees   []*hub.User
}

// Reassignable reports whether items of a kind can be reassigned (their
// feature registered a reassigner).
func (teamRows) Reassignable(kind string) bool { return app.Reassignable(kind) }

// Rows describes items as one table of the page.
func (p *teamPage) Rows(items []app.WorkItem) teamRows {
	return teamRows{Items: items, Now: p.Team.Now, CanReassign: p.CanReassign, Assignees: p.Team.Assignees}
}

// First returns at most n of items, so that a worker with hundreds of
// items does not make the page unusable.
func (p *teamPage) First(items []app.WorkItem, n int) []app.WorkItem {
	if len(items) > n {
		return items[:n]
	}
	return items
}

var teamDone = map[string]string{"reassigned": "The item has been reassigned, and its new owner told."}

func (h *Handler) teamWork(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	area := r.URL.Query().Get("area")
	if area != "" && !hub.ValidID(area) {
		h.RenderError(w, r, hub.Invalid("area", "is not an area"))
		return
	}
	t, err := h.app.TeamWork(r.Context(), a, area)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	p := &teamPage{cwBase: cwBase{h.page(r, "Team", "/team")}, Team: t, CanReassign: access.Can(a, access.CaseWrite)}
	p.Flash = teamDone[r.URL.Query().Get("done")]
	h.render(w, r, http.StatusOK, "team", p)
}

func (h *Handler) reassign(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	if err := parseForm(r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	err := h.app.ReassignWork(r.Context(), a, value(r, "kind"), value(r, "object_id"), value(r, "owner"))
	if err != nil {
		if st := httpx.Status(err); st >= 500 || st == http.StatusNotFound || st == http.StatusForbidden {
			h.failed(w, r, err)
			return
		}
		t, terr := h.app.TeamWork(r.Context(), a, "")
		if terr != nil {
			h.RenderError(w, r, terr)
			return
		}
		p := &teamPage{cwBase: cwBase{h.page(r, "Team", "/team")}, Team: t, CanReassign: access.Can(a, access.CaseWrite)}
		p.SetError(err)
		h.render(w, r, httpx.Status(err), "team", p)
		return
	}
	http.Redirect(w, r, "/team?done=reassigned", http.StatusSeeOther)
}
