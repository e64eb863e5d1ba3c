package web

import (
	"net/http"
	"strconv"

	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/httpx"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
)

type auditPage struct {
	Page
	Events []*hub.AuditEvent
	Filter store.AuditFilter
	Next   int64
}

// auditLog is the auditor's viewer. Filters are identifiers and action
// names, not personal data, so they may sit in the query string.
func (h *Handler) auditLog(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	q := r.URL.Query()
	f := store.AuditFilter{ActorID: q.Get("actor"), SubjectID: q.Get("subject"), Action: q.Get("action"), Limit: 100}
	for _, id := range []string{f.ActorID, f.SubjectID} {
		if id != "" && !hub.ValidID(id) {
			h.RenderError(w, r, hub.Invalid("id", "filters take record identifiers"))
			return
		}
	}
	if b := q.Get("before"); b != "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n < 0 {
			h.RenderError(w, r, hub.Invalid("before", "must be an entry number"))
			return
		}
		f.BeforeIndex = n
	}
	events, err := h.app.AuditEvents(r.Context(), a, f)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	p := auditPage{Page: h.page(r, "Audit log", "/audit"), Events: events, Filter: f}
	if len(events) == f.Limit {
		p.Next = events[len(events)-1].Index
	}
	h.render(w, r, http.StatusOK, "audit", p)
}

type breakGlassPage struct {
	Page
	Grants []app.BreakGlassGrant
}

func (h *Handler) auditBreakGlass(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	gs, err := h.app.BreakGlassGrants(r.Context(), a, false)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "audit_breakglass", breakGlassPage{Page: h.page(r, "Break-glass access", "/audit"), Grants: gs})
}

func (h *Handler) auditReviewBreakGlass(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	if err := h.app.ReviewBreakGlass(r.Context(), a, id); err != nil {
		h.failed(w, r, err)
		return
	}
	http.Redirect(w, r, "/audit/break-glass", http.StatusSeeOther)
}
