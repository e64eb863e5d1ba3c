package web

import (
	"net/http"

	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/httpx"
)

// The child's chronology (issue 4, part B): one timeline merging every
// feature's entries in date order, filtered by kind and dates through the
// query string (kinds and dates only; never names), and laid out to print
// as a plain document.

type chronologyPage struct {
	caseBase
	Chronology *app.Chronology
	From, To   string
	// Filtered is set when a filter is applied.
	Filtered bool
}

// KindName names one entry's kind.
func (p *chronologyPage) KindName(kind string) string { return app.ChronologyKindName(kind) }

func (h *Handler) chronology(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	f := app.ChronologyFilter{Kinds: q["kind"], From: q.Get("from"), To: q.Get("to")}
	c, err := h.app.ChronologyOf(r.Context(), a, id, f)
	if err != nil {
		if httpx.Status(err) == http.StatusBadRequest {
			// A bad filter: show the whole chronology with the error.
			c, err2 := h.app.ChronologyOf(r.Context(), a, id, app.ChronologyFilter{})
			if err2 != nil {
				h.failed(w, r, err2)
				return
			}
			p := &chronologyPage{caseBase: caseBase{h.page(r, "Chronology of "+c.Person.Name(), "/persons")}, Chronology: c, From: f.From, To: f.To}
			p.Back = "/persons/" + id
			p.SetError(err)
			h.render(w, r, http.StatusBadRequest, "chronology", p)
			return
		}
		h.failed(w, r, err)
		return
	}
	p := &chronologyPage{caseBase: caseBase{h.page(r, "Chronology of "+c.Person.Name(), "/persons")}, Chronology: c, From: f.From, To: f.To,
		Filtered: len(f.Kinds) > 0 || f.From != "" || f.To != ""}
	p.Back = "/persons/" + id
	h.render(w, r, http.StatusOK, "chronology", p)
}
