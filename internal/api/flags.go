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
		{Pattern: "POST /api/v1/flags/{id}/consultations", Auth: httpx.Token, Action: access.FlagWrite, Handler: f(h.recordConsultation)},
		{Pattern: "POST /api/v1/flags/{id}/referrals", Auth: httpx.Token, Action: access.FlagWrite, Handler: f(h.recordFlagReferral)},
		{Pattern: "POST /api/v1/flag-referrals/{id}/outcome", Auth: httpx.Token, Action: access.FlagWrite, Handler: f(h.flagReferralOutcome)},
		{Pattern: "GET /api/v1/flag-desk", Auth: httpx.Token, Action: access.FlagDesk, Handler: f(h.flagDesk)},
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

// FlagDetailOut is a flag with its history and latest look-ups, and, for
// those who may see them, its consultations and referrals. ReferralCaseID,
// for those who may change the flag, is the child's active case: a
// referral then goes on that case's plan, naming one of the case service
// pathways, with casework's outcomes.
type FlagDetailOut struct {
	Flag           FlagOut               `json:"flag"`
	History        []FlagChangeOut       `json:"history"`
	Lookups        []FlagLookupOut       `json:"lookups"`
	Consultations  []FlagConsultationOut `json:"consultations,omitempty"`
	Referrals      []FlagReferralOut     `json:"referrals,omitempty"`
	ReferralCaseID string                `json:"referral_case_id,omitempty"`
}

// FlagConsultationIn is a consultation call answered about a flag:
// consulted_on (YYYY-MM-DD, empty: today), who called, from where, and
// what was advised.
type FlagConsultationIn struct {
	ConsultedOn string `json:"consulted_on"`
	Caller      string `json:"caller"`
	Setting     string `json:"setting"`
	Note        string `json:"note"`
}

// FlagConsultationOut is a recorded consultation.
type FlagConsultationOut struct {
	ID          string    `json:"id"`
	FlagID      string    `json:"flag_id"`
	PersonID    string    `json:"person_id"`
	ConsultedOn string    `json:"consulted_on"`
	Caller      string    `json:"caller"`
	Setting     string    `json:"setting"`
	Note        string    `json:"note"`
	RecordedBy  string    `json:"recorded_by"`
	CreatedAt   time.Time `json:"created_at"`
}

func consultationOut(c *hub.FlagConsultation) FlagConsultationOut {
	return FlagConsultationOut{ID: c.ID, FlagID: c.FlagID, PersonID: c.PersonID, ConsultedOn: c.On.String(), Caller: c.Caller, Setting: c.Setting, Note: c.Note,
		RecordedBy: c.RecordedByName, CreatedAt: c.CreatedAt}
}

// FlagReferralIn refers a flagged child to a service: with an active case,
// service is a case service pathway's code and outcome one of casework's
// (pending, accepted, engaged, completed, declined, not_engaged,
// withdrawn); without, service is one of the configured flag services and
// outcome one of awaiting, accepted, declined, did-not-engage, completed.
// Empty outcome: awaiting (pending); empty referred_on: today.
type FlagReferralIn struct {
	Service    string `json:"service"`
	ReferredOn string `json:"referred_on"`
	Outcome    string `json:"outcome"`
	Note       string `json:"note"`
}

// FlagReferralOutcomeIn records a referral's outcome (send If-Match with
// the referral's version).
type FlagReferralOutcomeIn struct {
	Outcome string `json:"outcome"`
	Note    string `json:"note"`
}

// FlagReferralOut is a referral made from a flag. CaseID is set when it
// is the child's case's service referral (casework's record).
type FlagReferralOut struct {
	ID         string `json:"id"`
	FlagID     string `json:"flag_id"`
	PersonID   string `json:"person_id"`
	Service    string `json:"service"`
	ReferredOn string `json:"referred_on"`
	Outcome    string `json:"outcome"`
	OutcomeOn  string `json:"outcome_on,omitempty"`
	Note       string `json:"note,omitempty"`
	CaseID     string `json:"case_id,omitempty"`
	Version    int    `json:"version"`
}

func flagReferralOut(r *hub.FlagReferral) FlagReferralOut {
	o := FlagReferralOut{ID: r.ID, FlagID: r.FlagID, PersonID: r.PersonID, Service: r.Service, ReferredOn: r.ReferredOn.String(), Outcome: string(r.Outcome),
		OutcomeOn: r.OutcomeOn.String(), Note: r.Note, CaseID: r.CaseID, Version: r.Version}
	if r.CaseID != "" {
		o.Outcome = string(r.CaseOutcome)
	}
	return o
}

// FlagDeskItemOut is a flag in a desk list.
type FlagDeskItemOut struct {
	Flag       FlagOut `json:"flag"`
	ChildName  string  `json:"child_name"`
	TurnsAdult string  `json:"turns_adult,omitempty"`
}

// FlagDeskLookupOut is a recent look-up on the desk.
type FlagDeskLookupOut struct {
	Lookup    FlagLookupOut `json:"lookup"`
	PersonID  string        `json:"person_id"`
	Category  string        `json:"category"`
	ChildName string        `json:"child_name"`
}

// FlagDeskConsultationOut and FlagDeskReferralOut are the desk's
// consultations and referrals awaiting an outcome, with their children.
type FlagDeskConsultationOut struct {
	Consultation FlagConsultationOut `json:"consultation"`
	Category     string              `json:"category"`
	ChildName    string              `json:"child_name"`
}

// FlagDeskReferralOut is a referral awaiting an outcome on the desk.
type FlagDeskReferralOut struct {
	Referral  FlagReferralOut `json:"referral"`
	Category  string          `json:"category"`
	ChildName string          `json:"child_name"`
}

// FlagDeskOut is the specialist nurse's desk for the caller's areas:
// flags overdue for review and due soon, children turning 18, the last
// day's look-ups, the last 30 days' consultations, and referrals awaiting
// an outcome.
type FlagDeskOut struct {
	Today         string                    `json:"today"`
	Overdue       []FlagDeskItemOut         `json:"overdue"`
	DueSoon       []FlagDeskItemOut         `json:"due_soon"`
	TurningAdult  []FlagDeskItemOut         `json:"turning_adult"`
	LookupsSince  time.Time                 `json:"lookups_since"`
	Lookups       []FlagDeskLookupOut       `json:"lookups"`
	Consultations []FlagDeskConsultationOut `json:"consultations"`
	Referrals     []FlagDeskReferralOut     `json:"referrals"`
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
	for _, c := range v.Consultations {
		out.Consultations = append(out.Consultations, consultationOut(c))
	}
	for _, r := range v.Referrals {
		out.Referrals = append(out.Referrals, flagReferralOut(r))
	}
	out.ReferralCaseID = v.ReferralCaseID
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

func (h *Handler) recordConsultation(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	var in FlagConsultationIn
	if err := decode(r, &in); err != nil {
		h.RenderError(w, r, err)
		return
	}
	c, err := h.app.RecordConsultation(r.Context(), httpx.MustActor(r), id, app.FlagConsultationInput{On: in.ConsultedOn, Caller: in.Caller, Setting: in.Setting, Note: in.Note})
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, consultationOut(c))
}

func (h *Handler) recordFlagReferral(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	var in FlagReferralIn
	if err := decode(r, &in); err != nil {
		h.RenderError(w, r, err)
		return
	}
	ref, err := h.app.RecordFlagReferral(r.Context(), httpx.MustActor(r), id, app.FlagReferralInput{Service: in.Service, ReferredOn: in.ReferredOn, Outcome: in.Outcome, Note: in.Note})
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	w.Header().Set("ETag", strconv.Quote(strconv.Itoa(ref.Version)))
	httpx.WriteJSON(w, http.StatusCreated, flagReferralOut(ref))
}

func (h *Handler) flagReferralOutcome(w http.ResponseWriter, r *http.Request) {
	id, version, err := flagIfMatch(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	var in FlagReferralOutcomeIn
	if err := decode(r, &in); err != nil {
		h.RenderError(w, r, err)
		return
	}
	ref, err := h.app.RecordFlagReferralOutcome(r.Context(), httpx.MustActor(r), id, version, in.Outcome, in.Note)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	w.Header().Set("ETag", strconv.Quote(strconv.Itoa(ref.Version)))
	httpx.WriteJSON(w, http.StatusOK, flagReferralOut(ref))
}

func (h *Handler) flagDesk(w http.ResponseWriter, r *http.Request) {
	d, err := h.app.FlagDesk(r.Context(), httpx.MustActor(r))
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	items := func(fs []app.FlagItem) []FlagDeskItemOut {
		out := []FlagDeskItemOut{}
		for _, it := range fs {
			out = append(out, FlagDeskItemOut{Flag: flagOut(it.Flag, false, ""), ChildName: it.ChildName, TurnsAdult: it.TurnsAdult.String()})
		}
		return out
	}
	out := FlagDeskOut{Today: d.Today.String(), Overdue: items(d.Overdue), DueSoon: items(d.DueSoon), TurningAdult: items(d.TurningAdult), LookupsSince: d.Since,
		Lookups: []FlagDeskLookupOut{}, Consultations: []FlagDeskConsultationOut{}, Referrals: []FlagDeskReferralOut{}}
	for _, l := range d.Lookups {
		out.Lookups = append(out.Lookups, FlagDeskLookupOut{Lookup: FlagLookupOut{At: l.At, FlagID: l.FlagID, Client: l.Client, Setting: l.Setting, Practitioner: l.Practitioner},
			PersonID: l.PersonID, Category: string(l.Category), ChildName: l.ChildName})
	}
	for _, c := range d.Consultations {
		out.Consultations = append(out.Consultations, FlagDeskConsultationOut{Consultation: consultationOut(c.Consultation), Category: string(c.Category), ChildName: c.ChildName})
	}
	for _, rf := range d.Referrals {
		out.Referrals = append(out.Referrals, FlagDeskReferralOut{Referral: flagReferralOut(rf.Referral), Category: string(rf.Category), ChildName: rf.ChildName})
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}
