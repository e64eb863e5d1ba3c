package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/httpx"
	"github.com/safehub/safehub/internal/hub"
)

// Health flags (issue 5) for the hub's own staff and scripts: read with
// person:read, change with person:write, within what the user's role
// grants (nurses and managers change flags). Health systems look flags up
// through the FHIR API instead.

func init() {
	featureRoutes = append(featureRoutes, (*Handler).flagRoutes)
}

func (h *Handler) flagRoutes() []httpx.Route {
	f := func(fn http.HandlerFunc) http.Handler { return fn }
	return []httpx.Route{
		{Pattern: "GET /api/v1/persons/{id}/flags", Auth: httpx.Token, Action: access.FlagRead, Handler: f(h.personFlags)},
		{Pattern: "POST /api/v1/persons/{id}/flags", Auth: httpx.Token, Action: access.FlagWrite, Handler: f(h.setFlag)},
		{Pattern: "GET /api/v1/flags/{id}", Auth: httpx.Token, Action: access.FlagRead, Handler: f(h.viewFlag)},
		{Pattern: "PUT /api/v1/flags/{id}", Auth: httpx.Token, Action: access.FlagWrite, Handler: f(h.updateFlag)},
		{Pattern: "POST /api/v1/flags/{id}/review", Auth: httpx.Token, Action: access.FlagWrite, Handler: f(h.reviewFlag)},
		{Pattern: "POST /api/v1/flags/{id}/end", Auth: httpx.Token, Action: access.FlagWrite, Handler: f(h.endFlag)},
		{Pattern: "POST /api/v1/flags/{id}/entered-in-error", Auth: httpx.Token, Action: access.FlagWrite, Handler: f(h.flagEnteredInError)},
	}
}

// FlagIn is a flag as a client sets or replaces it. Dates are YYYY-MM-DD;
// the server assigns ids, status, versions and times.
type FlagIn struct {
	Category     string `json:"category"`
	RiskLevel    string `json:"risk_level"`
	StartDate    string `json:"start_date"`
	ReviewDate   string `json:"review_date"`
	Reason       string `json:"reason"`
	Advice       string `json:"advice"`
	ContactPhone string `json:"contact_phone"`
	ContactHours string `json:"contact_hours"`
	LeadUserID   string `json:"lead_user_id"`
}

func (in FlagIn) input() app.FlagInput {
	return app.FlagInput{Category: in.Category, RiskLevel: in.RiskLevel, Start: in.StartDate, ReviewDue: in.ReviewDate, Reason: in.Reason,
		Advice: in.Advice, ContactPhone: in.ContactPhone, ContactHours: in.ContactHours, LeadUserID: in.LeadUserID}
}

// FlagOut is a flag as the API returns it. Reason, end reason and review
// prompt are present only for callers whose role may change flags.
type FlagOut struct {
	ID              string     `json:"id"`
	PersonID        string     `json:"person_id"`
	Version         int        `json:"version"`
	Status          string     `json:"status"`
	Category        string     `json:"category"`
	CategoryLabel   string     `json:"category_label"`
	RiskLevel       string     `json:"risk_level"`
	StartDate       string     `json:"start_date"`
	EndDate         string     `json:"end_date,omitempty"`
	ReviewDate      string     `json:"review_date,omitempty"`
	FlagReviewState string     `json:"review_state,omitempty"`
	Reason          *string    `json:"reason,omitempty"`
	EndReason       *string    `json:"end_reason,omitempty"`
	ReviewPrompt    *string    `json:"review_prompt,omitempty"`
	Advice          string     `json:"advice"`
	ContactPhone    string     `json:"contact_phone"`
	ContactHours    string     `json:"contact_hours"`
	LeadUserID      string     `json:"lead_user_id,omitempty"`
	ReviewedAt      *time.Time `json:"reviewed_at,omitempty"`
	ReviewedBy      string     `json:"reviewed_by,omitempty"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
}

func flagOut(f *hub.Flag, reasons bool, review app.FlagReviewState) FlagOut {
	o := FlagOut{ID: f.ID, PersonID: f.PersonID, Version: f.Version, Status: string(f.Status), Category: string(f.Category), CategoryLabel: f.Category.Label(),
		RiskLevel: string(f.RiskLevel), StartDate: f.Start.String(), EndDate: f.End.String(), ReviewDate: f.ReviewDue.String(), FlagReviewState: string(review),
		Advice: f.Advice, ContactPhone: f.ContactPhone, ContactHours: f.ContactHours, LeadUserID: f.LeadUserID, ReviewedBy: f.ReviewedBy,
		CreatedAt: f.CreatedAt, UpdatedAt: f.UpdatedAt}
	if !f.ReviewedAt.IsZero() {
		t := f.ReviewedAt
		o.ReviewedAt = &t
	}
	if reasons {
		r, e := f.Reason, f.EndReason
		o.Reason = &r
		if e != "" {
			o.EndReason = &e
		}
		if p := f.ReviewPrompt; p != "" {
			o.ReviewPrompt = &p
		}
	}
	return o
}

// FlagChangeOut is one version of a flag in its history.
type FlagChangeOut struct {
	Version    int       `json:"version"`
	Action     string    `json:"action"`
	ActorName  string    `json:"actor_name"`
	At         time.Time `json:"at"`
	Note       *string   `json:"note,omitempty"`
	Status     string    `json:"status"`
	Category   string    `json:"category"`
	RiskLevel  string    `json:"risk_level"`
	StartDate  string    `json:"start_date"`
	EndDate    string    `json:"end_date,omitempty"`
	ReviewDate string    `json:"review_date,omitempty"`
	Advice     string    `json:"advice"`
}

// FlagLookupOut is a health system's look-up that found a flag.
type FlagLookupOut struct {
	At           time.Time `json:"at"`
	FlagID       string    `json:"flag_id"`
	Client       string    `json:"client"`
	Setting      string    `json:"setting"`
	Practitioner string    `json:"practitioner,omitempty"`
}

func flagLookupsOut(ls []app.FlagLookupItem) []FlagLookupOut {
	out := []FlagLookupOut{}
	for _, l := range ls {
		out = append(out, FlagLookupOut{At: l.At, FlagID: l.FlagID, Client: l.Client, Setting: l.Setting, Practitioner: l.Practitioner})
	}
	return out
}

// FlagDetailOut is a flag with its history and latest look-ups.
type FlagDetailOut struct {
	Flag    FlagOut         `json:"flag"`
	History []FlagChangeOut `json:"history"`
	Lookups []FlagLookupOut `json:"lookups"`
}

// PersonFlagsOut is a child's flags, active first, and their latest
// look-ups.
type PersonFlagsOut struct {
	PersonID string          `json:"person_id"`
	Flags    []FlagOut       `json:"flags"`
	Lookups  []FlagLookupOut `json:"lookups"`
}

// FlagReviewIn is a review: what it found (note), the risk level now (empty:
// unchanged) and the next review date (empty: the usual interval).
type FlagReviewIn struct {
	Note       string `json:"note"`
	RiskLevel  string `json:"risk_level"`
	ReviewDate string `json:"review_date"`
}

// FlagEndIn ends a flag on end_date (empty: today) for end_reason.
type FlagEndIn struct {
	EndDate   string `json:"end_date"`
	EndReason string `json:"end_reason"`
}

// FlagErrorIn marks a flag entered in error, saying what was wrong.
type FlagErrorIn struct {
	EndReason string `json:"end_reason"`
}

func (h *Handler) personFlags(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	_, pf, err := h.app.PersonFlagList(r.Context(), httpx.MustActor(r), id)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	out := PersonFlagsOut{PersonID: id, Flags: []FlagOut{}, Lookups: flagLookupsOut(pf.Lookups)}
	for _, f := range pf.Active {
		out.Flags = append(out.Flags, flagOut(f, pf.CanSeeReason, pf.ReviewOf(f)))
	}
	for _, f := range pf.Past {
		out.Flags = append(out.Flags, flagOut(f, pf.CanSeeReason, ""))
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

func (h *Handler) viewFlag(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	v, err := h.app.ViewFlag(r.Context(), httpx.MustActor(r), id)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	out := FlagDetailOut{Flag: flagOut(v.Flag, v.CanSeeReason, v.Review), History: []FlagChangeOut{}, Lookups: flagLookupsOut(v.Lookups)}
	for _, c := range v.History {
		s := c.State
		co := FlagChangeOut{Version: c.Version, Action: c.Action, ActorName: c.ActorName, At: c.At, Status: string(s.Status), Category: string(s.Category),
			RiskLevel: string(s.RiskLevel), StartDate: s.Start.String(), EndDate: s.End.String(), ReviewDate: s.ReviewDue.String(), Advice: s.Advice}
		if v.CanSeeReason && c.Note != "" {
			n := c.Note
			co.Note = &n
		}
		out.History = append(out.History, co)
	}
	w.Header().Set("ETag", strconv.Quote(strconv.Itoa(v.Flag.Version)))
	httpx.WriteJSON(w, http.StatusOK, out)
}

// writeFlag answers a change with the flag as saved and its ETag.
func (h *Handler) writeFlag(w http.ResponseWriter, status int, f *hub.Flag) {
	w.Header().Set("ETag", strconv.Quote(strconv.Itoa(f.Version)))
	httpx.WriteJSON(w, status, flagOut(f, true, ""))
}

func (h *Handler) setFlag(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	var in FlagIn
	if err := decode(r, &in); err != nil {
		h.RenderError(w, r, err)
		return
	}
	f, err := h.app.SetFlag(r.Context(), httpx.MustActor(r), id, in.input())
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/flags/"+f.ID)
	h.writeFlag(w, http.StatusCreated, f)
}

// flagIfMatch reads the flag id and the If-Match version of a change.
func flagIfMatch(r *http.Request) (string, int, error) {
	id, err := pathID(r)
	if err != nil {
		return "", 0, err
	}
	im := r.Header.Get("If-Match")
	if im == "" {
		return "", 0, &hub.Error{Code: hub.EInvalid, Field: "If-Match", Message: "is required: send the ETag of the version you are changing"}
	}
	v, err := parseVersion(im)
	return id, v, err
}

func (h *Handler) updateFlag(w http.ResponseWriter, r *http.Request) {
	id, version, err := flagIfMatch(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	var in FlagIn
	if err := decode(r, &in); err != nil {
		h.RenderError(w, r, err)
		return
	}
	f, err := h.app.UpdateFlag(r.Context(), httpx.MustActor(r), id, version, in.input())
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	h.writeFlag(w, http.StatusOK, f)
}

func (h *Handler) reviewFlag(w http.ResponseWriter, r *http.Request) {
	id, version, err := flagIfMatch(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	var in FlagReviewIn
	if err := decode(r, &in); err != nil {
		h.RenderError(w, r, err)
		return
	}
	f, err := h.app.ReviewFlag(r.Context(), httpx.MustActor(r), id, version, app.FlagReview{NextReview: in.ReviewDate, RiskLevel: in.RiskLevel, Note: in.Note})
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	h.writeFlag(w, http.StatusOK, f)
}

func (h *Handler) endFlag(w http.ResponseWriter, r *http.Request) {
	id, version, err := flagIfMatch(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	var in FlagEndIn
	if err := decode(r, &in); err != nil {
		h.RenderError(w, r, err)
		return
	}
	f, err := h.app.EndFlag(r.Context(), httpx.MustActor(r), id, version, in.EndDate, in.EndReason)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	h.writeFlag(w, http.StatusOK, f)
}

func (h *Handler) flagEnteredInError(w http.ResponseWriter, r *http.Request) {
	id, version, err := flagIfMatch(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	var in FlagErrorIn
	if err := decode(r, &in); err != nil {
		h.RenderError(w, r, err)
		return
	}
	f, err := h.app.MarkFlagEnteredInError(r.Context(), httpx.MustActor(r), id, version, in.EndReason)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	h.writeFlag(w, http.StatusOK, f)
}
