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

// NRM referrals and Duty to Notify notifications (issue 4, part C) through
// the JSON API, with their waiting times.

func init() {
	featureRoutes = append(featureRoutes, (*Handler).nrmRoutes)
}

func (h *Handler) nrmRoutes() []httpx.Route {
	f := func(fn http.HandlerFunc) http.Handler { return fn }
	return []httpx.Route{
		{Pattern: "POST /api/v1/nrm-referrals", Auth: httpx.Token, Action: access.CaseWrite, Handler: f(h.referNRM)},
		{Pattern: "GET /api/v1/nrm-referrals", Auth: httpx.Token, Action: access.CaseRead, Handler: f(h.listNRM)},
		{Pattern: "GET /api/v1/nrm-referrals/{id}", Auth: httpx.Token, Action: access.CaseRead, Handler: f(h.viewNRM)},
		{Pattern: "POST /api/v1/nrm-referrals/{id}/rg-decision", Auth: httpx.Token, Action: access.CaseWrite, Handler: f(h.nrmRGDecision)},
		{Pattern: "POST /api/v1/nrm-referrals/{id}/cg-decision", Auth: httpx.Token, Action: access.CaseWrite, Handler: f(h.nrmCGDecision)},
	}
}

// NRMIn is an NRM referral or, for an adult who declines, a Duty to Notify.
type NRMIn struct {
	PersonID string `json:"person_id"`
	// Kind is "nrm" or "dtn"; blank derives it from age and consent.
	Kind    string `json:"kind"`
	Consent string `json:"consent"`
	// IsChild is needed only when the person's date of birth is not
	// recorded.
	IsChild          *bool  `json:"is_child"`
	SubmittedAt      string `json:"submitted_at"`
	FirstResponder   string `json:"first_responder"`
	ResponderOfficer string `json:"responder_officer"`
	ExploitationType string `json:"exploitation_type"`
	Reference        string `json:"reference"`
	ICTG             string `json:"ictg"`
	Notes            string `json:"notes"`
}

// NRMWaitOut is how long a referral has waited.
type NRMWaitOut struct {
	DaysSinceSubmission int  `json:"days_since_submission"`
	RGWorkingDays       int  `json:"rg_working_days"`
	RGOverdue           bool `json:"rg_overdue"`
	RGDaysOverdue       int  `json:"rg_working_days_overdue"`
	CGWaitDays          int  `json:"cg_wait_days"`
	RecoveryOver        bool `json:"recovery_period_over"`
}

// NRMOut is a referral with its decisions and waiting times.
type NRMOut struct {
	ID               string     `json:"id"`
	Version          int        `json:"version"`
	PersonID         string     `json:"person_id"`
	PersonName       string     `json:"person_name"`
	AreaID           string     `json:"area_id"`
	Kind             string     `json:"kind"`
	Child            bool       `json:"child"`
	Consent          string     `json:"consent"`
	SubmittedAt      time.Time  `json:"submitted_at"`
	FirstResponder   string     `json:"first_responder"`
	ResponderOfficer string     `json:"responder_officer"`
	ExploitationType string     `json:"exploitation_type"`
	Reference        string     `json:"reference"`
	RGTargetAt       *time.Time `json:"rg_target_at,omitempty"`
	RGDecision       string     `json:"rg_decision"`
	RGDecidedOn      string     `json:"rg_decided_on,omitempty"`
	RecoveryEnds     string     `json:"recovery_period_ends,omitempty"`
	CGDecision       string     `json:"cg_decision"`
	CGDecidedOn      string     `json:"cg_decided_on,omitempty"`
	Outcome          string     `json:"outcome"`
	ICTG             string     `json:"ictg"`
	Notes            string     `json:"notes"`
	Waiting          NRMWaitOut `json:"waiting"`
	CreatedAt        time.Time  `json:"created_at"`
	UpdatedAt        time.Time  `json:"updated_at"`
}

func nrmOut(v *app.NRMView) NRMOut {
	n, w := v.Referral, v.Wait
	return NRMOut{ID: n.ID, Version: n.Version, PersonID: n.PersonID, PersonName: n.PersonName, AreaID: n.AreaID, Kind: string(n.Kind), Child: n.Child,
		Consent: string(n.Consent), SubmittedAt: n.SubmittedAt, FirstResponder: n.FirstResponder, ResponderOfficer: n.ResponderOfficer,
		ExploitationType: n.ExploitationType, Reference: n.Reference, RGTargetAt: missingTimePtr(n.RGTargetAt), RGDecision: string(n.RG),
		RGDecidedOn: n.RGDecidedOn.String(), RecoveryEnds: n.RecoveryEnds.String(), CGDecision: string(n.CG), CGDecidedOn: n.CGDecidedOn.String(),
		Outcome: n.Outcome, ICTG: n.ICTG, Notes: n.Notes, CreatedAt: n.CreatedAt, UpdatedAt: n.UpdatedAt,
		Waiting: NRMWaitOut{DaysSinceSubmission: w.DaysSinceSubmission, RGWorkingDays: w.RGWorkingDays, RGOverdue: w.RGOverdue, RGDaysOverdue: w.RGDaysOverdue,
			CGWaitDays: w.CGWaitDays, RecoveryOver: w.RecoveryOver}}
}

// NRMList is a page of referrals, longest waiting first, with the counts
// managers watch.
type NRMList struct {
	Total     int      `json:"total"`
	RGOverdue int      `json:"rg_overdue"`
	RGPending int      `json:"rg_pending"`
	CGPending int      `json:"cg_pending"`
	Referrals []NRMOut `json:"referrals"`
}

func (h *Handler) referNRM(w http.ResponseWriter, r *http.Request) {
	var in NRMIn
	if err := decode(r, &in); err != nil {
		h.RenderError(w, r, err)
		return
	}
	sub, err := missingInstant("submitted_at", in.SubmittedAt)
	var n *hub.NRMReferral
	if err == nil {
		n, err = h.app.ReferNRM(r.Context(), httpx.MustActor(r), in.PersonID, app.NRMInput{Kind: in.Kind, Consent: in.Consent, Child: in.IsChild,
			SubmittedAt: sub, FirstResponder: in.FirstResponder, ResponderOfficer: in.ResponderOfficer, ExploitationType: in.ExploitationType,
			Reference: in.Reference, ICTG: in.ICTG, Notes: in.Notes})
	}
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/nrm-referrals/"+n.ID)
	w.Header().Set("ETag", strconv.Quote(strconv.Itoa(n.Version)))
	httpx.WriteJSON(w, http.StatusCreated, nrmOut(&app.NRMView{Referral: n, Wait: app.NRMWaiting(n, h.app.Now())}))
}

func (h *Handler) listNRM(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, offset, err := pageOf(q, 0)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	list, err := h.app.NRMReferrals(r.Context(), httpx.MustActor(r), app.NRMQuery{Status: q.Get("status"), AreaID: q.Get("area_id"), Limit: limit, Offset: offset})
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	out := NRMList{Total: list.Total, RGOverdue: list.RGOverdue, RGPending: list.RGPending, CGPending: list.CGPending, Referrals: []NRMOut{}}
	for _, v := range list.Referrals {
		out.Referrals = append(out.Referrals, nrmOut(v))
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

func (h *Handler) viewNRM(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	v, err := h.app.ViewNRM(r.Context(), httpx.MustActor(r), id)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	w.Header().Set("ETag", strconv.Quote(strconv.Itoa(v.Referral.Version)))
	httpx.WriteJSON(w, http.StatusOK, nrmOut(v))
}

// NRMDecisionIn is a decision on a referral: positive or negative for
// reasonable grounds; victim_modern_slavery, victim_trafficking or
// not_recognised for conclusive grounds; decided_on is YYYY-MM-DD.
type NRMDecisionIn struct {
	Decision  string `json:"decision"`
	DecidedOn string `json:"decided_on"`
	Outcome   string `json:"outcome"`
}

func (h *Handler) nrmDecide(w http.ResponseWriter, r *http.Request, prefix string, fn func(id string, version int, d app.NRMDecision) (*hub.NRMReferral, error)) {
	id, err := pathID(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	version, err := missingVersion(r)
	var in NRMDecisionIn
	if err == nil {
		err = decode(r, &in)
	}
	var n *hub.NRMReferral
	if err == nil {
		n, err = fn(id, version, app.NRMDecision{Decision: in.Decision, DecidedOn: in.DecidedOn, Outcome: in.Outcome})
	}
	if err != nil {
		// The app names its fields rg_decision, cg_decided_on …; the body's
		// are decision and decided_on.
		switch hub.ErrorField(err) {
		case prefix + "_decision":
			err = missingRename(err, "decision")
		case prefix + "_decided_on":
			err = missingRename(err, "decided_on")
		}
		h.RenderError(w, r, err)
		return
	}
	w.Header().Set("ETag", strconv.Quote(strconv.Itoa(n.Version)))
	httpx.WriteJSON(w, http.StatusOK, nrmOut(&app.NRMView{Referral: n, Wait: app.NRMWaiting(n, h.app.Now())}))
}

func (h *Handler) nrmRGDecision(w http.ResponseWriter, r *http.Request) {
	h.nrmDecide(w, r, "rg", func(id string, version int, d app.NRMDecision) (*hub.NRMReferral, error) {
		return h.app.RecordRGDecision(r.Context(), httpx.MustActor(r), id, version, d)
	})
}

func (h *Handler) nrmCGDecision(w http.ResponseWriter, r *http.Request) {
	h.nrmDecide(w, r, "cg", func(id string, version int, d app.NRMDecision) (*hub.NRMReferral, error) {
		return h.app.RecordCGDecision(r.Context(), httpx.MustActor(r), id, version, d)
	})
}
