package api

import (
	"net/http"
	"time"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/httpx"
	"github.com/safehub/safehub/internal/hub"
)

// Cross-border information sharing (issue 6) through the JSON API: shares of
// parts of a child's record (or of a case) with another area, an agency or
// named users, their approval, revocation, recipients' contributions and
// audit trail; requests for a share and their answers; and the sharing
// configuration, for clients building forms. A share or request the caller
// is no party to answers 404, as a record that does not exist. The child's
// name appears in a representation only for those who may see it (the
// owner side, overseers, and recipients of a share in force that names the
// identity part).

func init() {
	featureRoutes = append(featureRoutes, (*Handler).shareRoutes)
}

func (h *Handler) shareRoutes() []httpx.Route {
	f := func(fn http.HandlerFunc) http.Handler { return fn }
	return []httpx.Route{
		{Pattern: "POST /api/v1/shares", Auth: httpx.Token, Action: access.ShareCreate, Handler: f(h.createShare)},
		{Pattern: "GET /api/v1/shares", Auth: httpx.Token, Action: access.CaseRead, Handler: f(h.listShares)},
		{Pattern: "GET /api/v1/shares/{id}", Auth: httpx.Token, Action: access.CaseRead, Handler: f(h.viewShare)},
		{Pattern: "POST /api/v1/shares/{id}/revoke", Auth: httpx.Token, Action: access.ShareCreate, Handler: f(h.revokeShare)},
		{Pattern: "POST /api/v1/shares/{id}/approve", Auth: httpx.Token, Action: access.ShareApprove, Handler: f(h.approveShare)},
		{Pattern: "POST /api/v1/shares/{id}/refuse", Auth: httpx.Token, Action: access.ShareApprove, Handler: f(h.refuseShare)},
		{Pattern: "POST /api/v1/shares/{id}/contributions", Auth: httpx.Token, Action: access.AssessContrib, Handler: f(h.contributeToShare)},
		{Pattern: "GET /api/v1/shares/{id}/audit", Auth: httpx.Token, Action: access.ShareOversee, Handler: f(h.shareAudit)},
		{Pattern: "POST /api/v1/share-requests", Auth: httpx.Token, Action: access.ShareRequest, Handler: f(h.requestShare)},
		{Pattern: "GET /api/v1/share-requests/{id}", Auth: httpx.Token, Action: access.CaseRead, Handler: f(h.viewShareRequest)},
		{Pattern: "POST /api/v1/share-requests/{id}/grant", Auth: httpx.Token, Action: access.ShareCreate, Handler: f(h.grantShareRequest)},
		{Pattern: "POST /api/v1/share-requests/{id}/refuse", Auth: httpx.Token, Action: access.ShareCreate, Handler: f(h.refuseShareRequest)},
		{Pattern: "GET /api/v1/share-config", Auth: httpx.Token, Action: access.CaseRead, Handler: f(h.shareConfig)},
	}
}

// ShareIn is a share as a client makes it: of a child (person_id) or of a
// case (case_id); with an area, an agency (one id) or named users
// (recipient_kind area, agency or users); the parts opened; the purpose and
// lawful basis (codes from GET /api/v1/share-config); why sharing is
// necessary; and the last day it is in force (YYYY-MM-DD, London; blank is
// the configured default).
type ShareIn struct {
	PersonID      string   `json:"person_id"`
	CaseID        string   `json:"case_id"`
	RecipientKind string   `json:"recipient_kind"`
	RecipientIDs  []string `json:"recipient_ids"`
	Parts         []string `json:"parts"`
	Purpose       string   `json:"purpose"`
	Basis         string   `json:"basis"`
	Necessity     string   `json:"necessity"`
	Expires       string   `json:"expires"`
	Contribute    bool     `json:"contribute"`
}

func (in ShareIn) input() app.ShareInput {
	return app.ShareInput{PersonID: in.PersonID, CaseID: in.CaseID, RecipientKind: in.RecipientKind, RecipientIDs: in.RecipientIDs, Parts: in.Parts,
		Purpose: in.Purpose, Basis: in.Basis, Necessity: in.Necessity, Expires: in.Expires, Contribute: in.Contribute}
}

// ShareGrantIn answers a request with a share: the record and the
// recipient (the requester) come from the request; the purpose defaults
// to the request's.
type ShareGrantIn struct {
	Parts      []string `json:"parts"`
	Purpose    string   `json:"purpose"`
	Basis      string   `json:"basis"`
	Necessity  string   `json:"necessity"`
	Expires    string   `json:"expires"`
	Contribute bool     `json:"contribute"`
}

// ReasonIn is the reason for revoking or refusing.
type ReasonIn struct {
	Reason string `json:"reason"`
}

// ShareContributionIn is a recipient's contribution to a share.
type ShareContributionIn struct {
	Body string `json:"body"`
}

// ShareRequestIn asks the area holding a child's record for a share.
type ShareRequestIn struct {
	PersonID string   `json:"person_id"`
	Parts    []string `json:"parts"`
	Purpose  string   `json:"purpose"`
	Reason   string   `json:"reason"`
}

// BasisOut is a lawful basis with its statutory reference.
type BasisOut struct {
	Code      string `json:"code"`
	Label     string `json:"label"`
	Reference string `json:"reference"`
}

// OptionOut is an entry of a configured list.
type OptionOut struct {
	Code  string `json:"code"`
	Label string `json:"label"`
}

// ShareLinks says what the caller may do with a share.
type ShareLinks struct {
	IsOwner       bool `json:"is_owner"`
	IsRecipient   bool `json:"is_recipient"`
	CanRevoke     bool `json:"can_revoke"`
	CanApprove    bool `json:"can_approve"`
	CanContribute bool `json:"can_contribute"`
}

// ShareContributionOut is what a recipient added under a share, attributed.
type ShareContributionOut struct {
	ID         string    `json:"id"`
	ShareID    string    `json:"share_id"`
	PersonID   string    `json:"person_id,omitempty"`
	AuthorID   string    `json:"author_id"`
	AuthorName string    `json:"author_name"`
	AgencyID   string    `json:"agency_id"`
	Agency     string    `json:"agency,omitempty"`
	Body       string    `json:"body"`
	CreatedAt  time.Time `json:"created_at"`
}

// ShareOut is a share. Status is its state now: pending, active, revoked,
// refused or expired. SubjectName is given only to those who may see the
// child's identity; a share read on its own carries its contributions and
// what the caller may do (links); in lists they are left out.
type ShareOut struct {
	ID             string                 `json:"id"`
	PersonID       string                 `json:"person_id,omitempty"`
	CaseID         string                 `json:"case_id,omitempty"`
	SubjectName    string                 `json:"subject_name,omitempty"`
	OwnerAreaID    string                 `json:"owner_area_id"`
	OwnerArea      string                 `json:"owner_area,omitempty"`
	OwnerAgencyID  string                 `json:"owner_agency_id"`
	OwnerAgency    string                 `json:"owner_agency,omitempty"`
	RecipientKind  string                 `json:"recipient_kind"`
	RecipientIDs   []string               `json:"recipient_ids"`
	Recipients     []string               `json:"recipients,omitempty"`
	Parts          []string               `json:"parts"`
	Purpose        string                 `json:"purpose"`
	PurposeLabel   string                 `json:"purpose_label"`
	Basis          BasisOut               `json:"basis"`
	Necessity      string                 `json:"necessity"`
	Contribute     bool                   `json:"contribute"`
	Status         string                 `json:"status"`
	SharedBy       string                 `json:"shared_by"`
	SharedByName   string                 `json:"shared_by_name"`
	ApprovedBy     string                 `json:"approved_by,omitempty"`
	ApprovedByName string                 `json:"approved_by_name,omitempty"`
	ApprovedAt     *time.Time             `json:"approved_at,omitempty"`
	ExpiresAt      time.Time              `json:"expires_at"`
	RevokedBy      string                 `json:"revoked_by,omitempty"`
	RevokedByName  string                 `json:"revoked_by_name,omitempty"`
	RevokedAt      *time.Time             `json:"revoked_at,omitempty"`
	EndReason      string                 `json:"end_reason,omitempty"`
	RequestID      string                 `json:"request_id,omitempty"`
	ReceivedAt     *time.Time             `json:"received_at,omitempty"`
	CreatedAt      time.Time              `json:"created_at"`
	Contributions  []ShareContributionOut `json:"contributions,omitempty"`
	Links          *ShareLinks            `json:"links,omitempty"`
}

// shareOut is the share's own fields, with its basis and purpose from the
// configuration; no names (the callers add those the actor may see).
func (h *Handler) shareOut(s *hub.Share, now time.Time) ShareOut {
	cfg := h.app.ShareConfig()
	o := ShareOut{ID: s.ID, PersonID: s.PersonID, CaseID: s.CaseID, OwnerAreaID: s.OwnerAreaID, OwnerAgencyID: s.OwnerAgencyID,
		RecipientKind: string(s.RecipientKind), RecipientIDs: append([]string{}, s.RecipientIDs...), Parts: partNames(s.Parts),
		Purpose: s.Purpose, PurposeLabel: cfg.PurposeLabel(s.Purpose), Basis: BasisOut{Code: s.BasisCode, Label: s.BasisCode},
		Necessity: s.Necessity, Contribute: s.Contribute, Status: s.State(now), SharedBy: s.SharedBy, SharedByName: s.SharedByName,
		ApprovedBy: s.ApprovedBy, ApprovedAt: missingTimePtr(s.ApprovedAt), ExpiresAt: s.ExpiresAt, RevokedBy: s.RevokedBy,
		RevokedAt: missingTimePtr(s.RevokedAt), EndReason: s.EndReason, RequestID: s.RequestID, ReceivedAt: missingTimePtr(s.ReceivedAt),
		CreatedAt: s.CreatedAt}
	if b, ok := cfg.Basis(s.BasisCode); ok {
		o.Basis = BasisOut{Code: b.Code, Label: b.Label, Reference: b.Reference}
	}
	return o
}

func partNames(ps []hub.SharePart) []string {
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		out = append(out, string(p))
	}
	return out
}

// shareViewOut is a share read on its own.
func (h *Handler) shareViewOut(v *app.ShareView) ShareOut {
	o := h.shareOut(v.Share, v.Now)
	o.SubjectName, o.OwnerArea, o.OwnerAgency, o.Recipients = v.SubjectName, v.OwnerArea, v.OwnerAgency, v.Recipients
	if v.Basis.Code != "" {
		o.Basis = BasisOut{Code: v.Basis.Code, Label: v.Basis.Label, Reference: v.Basis.Reference}
	}
	o.ApprovedByName, o.RevokedByName = v.ApprovedBy, v.RevokedBy
	o.Contributions = []ShareContributionOut{}
	for _, c := range v.Contributions {
		o.Contributions = append(o.Contributions, ShareContributionOut{ID: c.ID, ShareID: c.ShareID, PersonID: c.PersonID, AuthorID: c.AuthorID,
			AuthorName: c.AuthorName, AgencyID: c.AgencyID, Agency: v.Agencies[c.AgencyID], Body: c.Body, CreatedAt: c.CreatedAt})
	}
	o.Links = &ShareLinks{IsOwner: v.IsOwner, IsRecipient: v.IsRecipient, CanRevoke: v.CanRevoke, CanApprove: v.CanApprove, CanContribute: v.CanContribute}
	return o
}

// shareSummaryOut is a share in a list. The list gives a name only where
// the actor may follow it to the record (a link); otherwise the name is a
// placeholder, left out here.
func (h *Handler) shareSummaryOut(s *app.ShareSummary, now time.Time) ShareOut {
	o := h.shareOut(s.Share, now)
	o.Status, o.OwnerArea, o.Recipients = s.State, s.OwnerArea, s.Recipients
	if s.SubjectLink != "" {
		o.SubjectName = s.SubjectName
	}
	return o
}

// ShareRequestOut is a request for a share. SubjectName is given only to
// those who may answer it; Share is the share that granted it.
type ShareRequestOut struct {
	ID              string     `json:"id"`
	PersonID        string     `json:"person_id"`
	SubjectName     string     `json:"subject_name,omitempty"`
	OwnerAreaID     string     `json:"owner_area_id"`
	OwnerArea       string     `json:"owner_area,omitempty"`
	RequesterID     string     `json:"requester_id"`
	RequesterName   string     `json:"requester_name"`
	RequesterAgency string     `json:"requester_agency_id"`
	Agency          string     `json:"requester_agency,omitempty"`
	Parts           []string   `json:"parts"`
	Purpose         string     `json:"purpose"`
	PurposeLabel    string     `json:"purpose_label"`
	Reason          string     `json:"reason"`
	Status          string     `json:"status"`
	DecidedBy       string     `json:"decided_by,omitempty"`
	DecidedAt       *time.Time `json:"decided_at,omitempty"`
	RefuseReason    string     `json:"refuse_reason,omitempty"`
	ShareID         string     `json:"share_id,omitempty"`
	CreatedAt       time.Time  `json:"created_at"`
	CanAnswer       bool       `json:"can_answer"`
	Share           *ShareOut  `json:"share,omitempty"`
}

func (h *Handler) requestOut(r *hub.ShareRequest) ShareRequestOut {
	return ShareRequestOut{ID: r.ID, PersonID: r.PersonID, OwnerAreaID: r.OwnerAreaID, RequesterID: r.RequesterID, RequesterName: r.RequesterName,
		RequesterAgency: r.RequesterAgency, Parts: partNames(r.Parts), Purpose: r.Purpose, PurposeLabel: h.app.ShareConfig().PurposeLabel(r.Purpose),
		Reason: r.Reason, Status: string(r.Status), DecidedBy: r.DecidedBy, DecidedAt: missingTimePtr(r.DecidedAt), RefuseReason: r.RefuseReason,
		ShareID: r.ShareID, CreatedAt: r.CreatedAt}
}

func (h *Handler) requestSummaryOut(s *app.RequestSummary) ShareRequestOut {
	o := h.requestOut(s.Request)
	o.OwnerArea, o.Agency, o.CanAnswer = s.OwnerArea, s.Agency, s.CanAnswer
	if s.SubjectLink != "" {
		o.SubjectName = s.SubjectName
	}
	return o
}

// ShareListOut is what the caller sees of sharing: shares received; for
// those who share or oversee, their areas' shares in force, those expiring
// soon, those waiting for approval and the requests waiting for an
// answer; and the caller's own requests.
type ShareListOut struct {
	Received         []ShareOut        `json:"received"`
	Outgoing         []ShareOut        `json:"outgoing"`
	ExpiringSoon     []ShareOut        `json:"expiring_soon"`
	Pending          []ShareOut        `json:"pending"`
	Requests         []ShareRequestOut `json:"requests"`
	MyRequests       []ShareRequestOut `json:"my_requests"`
	Oversight        bool              `json:"oversight"`
	ExpiringSoonDays int               `json:"expiring_soon_days"`
}

// ShareAuditEvent is one entry of a share's audit trail.
type ShareAuditEvent struct {
	Index      int64     `json:"index"`
	Time       time.Time `json:"time"`
	ActorID    string    `json:"actor_id"`
	ActorName  string    `json:"actor_name"`
	Role       string    `json:"role"`
	Action     string    `json:"action"`
	ObjectType string    `json:"object_type"`
	ObjectID   string    `json:"object_id"`
	Outcome    string    `json:"outcome"`
	Purpose    string    `json:"purpose,omitempty"`
	Detail     string    `json:"detail,omitempty"`
}

// ShareAuditOut is a share's audit trail: its making, receipt, every read
// made under it, revocation and expiry, latest first.
type ShareAuditOut struct {
	Share  ShareOut          `json:"share"`
	Events []ShareAuditEvent `json:"events"`
}

// ShareConfigOut is the sharing configuration, for forms: the lawful bases
// with their statutory references, the purposes, the parts of a record,
// those whose sharing needs a manager's approval, and the expiry bounds
// (in days, and as dates from today).
type ShareConfigOut struct {
	Bases            []BasisOut  `json:"bases"`
	Purposes         []OptionOut `json:"purposes"`
	Parts            []OptionOut `json:"parts"`
	ApprovalParts    []string    `json:"approval_parts"`
	DefaultDays      int         `json:"default_days"`
	MaxDays          int         `json:"max_days"`
	DefaultExpires   string      `json:"default_expires"`
	LatestExpires    string      `json:"latest_expires"`
	ExpiringSoonDays int         `json:"expiring_soon_days"`
}

func (h *Handler) createShare(w http.ResponseWriter, r *http.Request) {
	var in ShareIn
	if err := decode(r, &in); err != nil {
		h.RenderError(w, r, err)
		return
	}
	s, err := h.app.CreateShare(r.Context(), httpx.MustActor(r), in.input())
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/shares/"+s.ID)
	httpx.WriteJSON(w, http.StatusCreated, h.shareOut(s, h.app.Now()))
}

func (h *Handler) listShares(w http.ResponseWriter, r *http.Request) {
	l, err := h.app.Shares(r.Context(), httpx.MustActor(r))
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	out := ShareListOut{Received: []ShareOut{}, Outgoing: []ShareOut{}, ExpiringSoon: []ShareOut{}, Pending: []ShareOut{},
		Requests: []ShareRequestOut{}, MyRequests: []ShareRequestOut{}, Oversight: l.Oversight, ExpiringSoonDays: l.SoonDays}
	for _, list := range []struct {
		from []*app.ShareSummary
		to   *[]ShareOut
	}{{l.Received, &out.Received}, {l.Outgoing, &out.Outgoing}, {l.ExpiringSoon, &out.ExpiringSoon}, {l.Pending, &out.Pending}} {
		for _, s := range list.from {
			*list.to = append(*list.to, h.shareSummaryOut(s, l.Now))
		}
	}
	for _, s := range l.Requests {
		out.Requests = append(out.Requests, h.requestSummaryOut(s))
	}
	for _, s := range l.MyRequests {
		out.MyRequests = append(out.MyRequests, h.requestSummaryOut(s))
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

func (h *Handler) viewShare(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	v, err := h.app.ViewShare(r.Context(), httpx.MustActor(r), id)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, h.shareViewOut(v))
}

// shareChange decodes in (nil: the body must be empty or an empty object)
// and runs fn on the share at {id}, answering with the share as the caller
// now sees it.
func (h *Handler) shareChange(w http.ResponseWriter, r *http.Request, in any, fn func(id string) error) {
	id, err := pathID(r)
	if err == nil {
		err = decodeOptional(r, in)
	}
	if err == nil {
		err = fn(id)
	}
	var v *app.ShareView
	if err == nil {
		v, err = h.app.ViewShare(r.Context(), httpx.MustActor(r), id)
	}
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, h.shareViewOut(v))
}

// decodeOptional decodes a body into in; with in nil the body may be
// empty or an empty JSON object, nothing else.
func decodeOptional(r *http.Request, in any) error {
	if in != nil {
		return decode(r, in)
	}
	if r.ContentLength == 0 {
		return nil
	}
	return decode(r, &struct{}{})
}

func (h *Handler) revokeShare(w http.ResponseWriter, r *http.Request) {
	var in ReasonIn
	h.shareChange(w, r, &in, func(id string) error {
		return h.app.RevokeShare(r.Context(), httpx.MustActor(r), id, in.Reason)
	})
}

func (h *Handler) approveShare(w http.ResponseWriter, r *http.Request) {
	h.shareChange(w, r, nil, func(id string) error {
		return h.app.DecideShareApproval(r.Context(), httpx.MustActor(r), id, true, "")
	})
}

func (h *Handler) refuseShare(w http.ResponseWriter, r *http.Request) {
	var in ReasonIn
	h.shareChange(w, r, &in, func(id string) error {
		return h.app.DecideShareApproval(r.Context(), httpx.MustActor(r), id, false, in.Reason)
	})
}

func (h *Handler) contributeToShare(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var in ShareContributionIn
	if err == nil {
		err = decode(r, &in)
	}
	var c *hub.ShareContribution
	if err == nil {
		c, err = h.app.ContributeToShare(r.Context(), httpx.MustActor(r), id, in.Body)
	}
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, ShareContributionOut{ID: c.ID, ShareID: c.ShareID, PersonID: c.PersonID, AuthorID: c.AuthorID,
		AuthorName: c.AuthorName, AgencyID: c.AgencyID, Body: c.Body, CreatedAt: c.CreatedAt})
}

func (h *Handler) shareAudit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	a, err := h.app.ShareAudit(r.Context(), httpx.MustActor(r), id)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	out := ShareAuditOut{Share: h.shareViewOut(a.Share), Events: []ShareAuditEvent{}}
	for _, e := range a.Events {
		out.Events = append(out.Events, ShareAuditEvent{Index: e.Index, Time: e.Time, ActorID: e.ActorID, ActorName: e.ActorName, Role: e.Role,
			Action: e.Action, ObjectType: e.ObjectType, ObjectID: e.ObjectID, Outcome: e.Outcome, Purpose: e.Purpose, Detail: e.Detail})
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

func (h *Handler) requestShare(w http.ResponseWriter, r *http.Request) {
	var in ShareRequestIn
	if err := decode(r, &in); err != nil {
		h.RenderError(w, r, err)
		return
	}
	req, err := h.app.RequestShare(r.Context(), httpx.MustActor(r), app.ShareRequestInput{PersonID: in.PersonID, Parts: in.Parts, Purpose: in.Purpose, Reason: in.Reason})
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/share-requests/"+req.ID)
	httpx.WriteJSON(w, http.StatusCreated, h.requestOut(req))
}

func (h *Handler) viewShareRequest(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	v, err := h.app.ViewShareRequest(r.Context(), httpx.MustActor(r), id)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	o := h.requestSummaryOut(v.RequestSummary)
	if v.Share != nil {
		s := h.shareOut(v.Share, h.app.Now())
		o.Share = &s
	}
	httpx.WriteJSON(w, http.StatusOK, o)
}

func (h *Handler) grantShareRequest(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var in ShareGrantIn
	if err == nil {
		err = decode(r, &in)
	}
	var s *hub.Share
	if err == nil {
		s, err = h.app.GrantShareRequest(r.Context(), httpx.MustActor(r), id, app.ShareInput{Parts: in.Parts, Purpose: in.Purpose, Basis: in.Basis,
			Necessity: in.Necessity, Expires: in.Expires, Contribute: in.Contribute})
	}
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/shares/"+s.ID)
	httpx.WriteJSON(w, http.StatusCreated, h.shareOut(s, h.app.Now()))
}

func (h *Handler) refuseShareRequest(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var in ReasonIn
	if err == nil {
		err = decode(r, &in)
	}
	if err == nil {
		err = h.app.RefuseShareRequest(r.Context(), httpx.MustActor(r), id, in.Reason)
	}
	var v *app.ShareRequestView
	if err == nil {
		v, err = h.app.ViewShareRequest(r.Context(), httpx.MustActor(r), id)
	}
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, h.requestSummaryOut(v.RequestSummary))
}

func (h *Handler) shareConfig(w http.ResponseWriter, r *http.Request) {
	cfg := h.app.ShareConfig()
	today := h.app.Today().Time()
	out := ShareConfigOut{Bases: []BasisOut{}, Purposes: []OptionOut{}, Parts: []OptionOut{}, ApprovalParts: partNames(cfg.ApprovalParts),
		DefaultDays: cfg.DefaultDays, MaxDays: cfg.MaxDays, ExpiringSoonDays: cfg.ExpiringSoonDays,
		DefaultExpires: hub.DateOf(today.AddDate(0, 0, cfg.DefaultDays)).String(), LatestExpires: hub.DateOf(today.AddDate(0, 0, cfg.MaxDays)).String()}
	for _, b := range cfg.Bases {
		out.Bases = append(out.Bases, BasisOut{Code: b.Code, Label: b.Label, Reference: b.Reference})
	}
	for _, p := range cfg.Purposes {
		out.Purposes = append(out.Purposes, OptionOut{Code: p.Code, Label: p.Label})
	}
	for _, p := range hub.SharePartList {
		out.Parts = append(out.Parts, OptionOut{Code: string(p), Label: p.Label()})
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}
