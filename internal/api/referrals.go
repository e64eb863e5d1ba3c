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

// Casework part A (issue 4) through the JSON API: referrals and their
// decisions, combined risk assessments and agencies' contributions,
// contexts (places and groups), the screening tool, "My work" and the
// team view. Casework needs a personal token with the case:read and
// case:write scopes (and a role that allows the action).

func init() {
	featureRoutes = append(featureRoutes, (*Handler).referralRoutes)
}

func (h *Handler) referralRoutes() []httpx.Route {
	f := func(fn http.HandlerFunc) http.Handler { return fn }
	return []httpx.Route{
		{Pattern: "GET /api/v1/screening-tool", Auth: httpx.Token, Handler: f(h.screeningTool)},
		{Pattern: "POST /api/v1/referrals", Auth: httpx.Token, Action: access.ReferralCreate, Handler: f(h.createReferral)},
		{Pattern: "GET /api/v1/referrals", Auth: httpx.Token, Action: access.CaseRead, Handler: f(h.referrals)},
		{Pattern: "GET /api/v1/referrals/{id}", Auth: httpx.Token, Action: access.CaseRead, Handler: f(h.referral)},
		{Pattern: "POST /api/v1/referrals/{id}/decision", Auth: httpx.Token, Action: access.ReferralDecide, Handler: f(h.decideReferral)},
		{Pattern: "POST /api/v1/assessments", Auth: httpx.Token, Action: access.CaseWrite, Handler: f(h.startAssessment)},
		{Pattern: "GET /api/v1/assessments", Auth: httpx.Token, Action: access.CaseRead, Handler: f(h.assessments)},
		{Pattern: "GET /api/v1/assessments/{id}", Auth: httpx.Token, Action: access.CaseRead, Handler: f(h.assessment)},
		{Pattern: "POST /api/v1/assessments/{id}/contributions", Auth: httpx.Token, Action: access.AssessContrib, Handler: f(h.contribute)},
		{Pattern: "POST /api/v1/assessments/{id}/level", Auth: httpx.Token, Action: access.CaseWrite, Handler: f(h.setLevel)},
		{Pattern: "POST /api/v1/contexts", Auth: httpx.Token, Action: access.CaseWrite, Handler: f(h.createContext)},
		{Pattern: "GET /api/v1/contexts", Auth: httpx.Token, Action: access.CaseRead, Handler: f(h.contexts)},
		{Pattern: "GET /api/v1/contexts/{id}", Auth: httpx.Token, Action: access.CaseRead, Handler: f(h.context)},
		{Pattern: "PUT /api/v1/contexts/{id}", Auth: httpx.Token, Action: access.CaseWrite, Handler: f(h.updateContext)},
		{Pattern: "GET /api/v1/work", Auth: httpx.Token, Action: access.CaseRead, Handler: f(h.myWork)},
		{Pattern: "GET /api/v1/team/work", Auth: httpx.Token, Action: access.TeamView, Handler: f(h.teamWork)},
		{Pattern: "POST /api/v1/team/work/reassign", Auth: httpx.Token, Action: access.TeamView, Handler: f(h.reassign)},
	}
}

// IndicatorDTO is one indicator of the screening tool.
type IndicatorDTO struct {
	Code   string `json:"code"`
	Label  string `json:"label"`
	Domain string `json:"domain"`
	Weight int    `json:"weight"`
}

// ThresholdsDTO are the screening tool's thresholds.
type ThresholdsDTO struct {
	Low    int `json:"low"`
	Medium int `json:"medium"`
	High   int `json:"high"`
}

// ScreeningToolOut is the configured screening tool.
type ScreeningToolOut struct {
	Indicators []IndicatorDTO `json:"indicators"`
	Thresholds ThresholdsDTO  `json:"thresholds"`
}

func (h *Handler) screeningTool(w http.ResponseWriter, r *http.Request) {
	t := h.app.Screening()
	out := ScreeningToolOut{Indicators: []IndicatorDTO{}}
	for _, in := range t.Indicators() {
		out.Indicators = append(out.Indicators, IndicatorDTO{in.Code, in.Label, in.Domain, in.Weight})
	}
	th := t.Thresholds()
	out.Thresholds = ThresholdsDTO{th.Low, th.Medium, th.High}
	httpx.WriteJSON(w, http.StatusOK, out)
}

// ReferralIn is a referral as a client records it. received_at is an RFC
// 3339 instant (default: now).
type ReferralIn struct {
	SubjectKind      string   `json:"subject_kind"`
	SubjectID        string   `json:"subject_id"`
	ReferrerName     string   `json:"referrer_name"`
	ReferrerRole     string   `json:"referrer_role"`
	ReferrerAgencyID string   `json:"referrer_agency_id"`
	ReferrerOrg      string   `json:"referrer_org"`
	ReceivedAt       string   `json:"received_at"`
	Concerns         string   `json:"concerns"`
	Indicators       []string `json:"indicators"`
	Urgency          string   `json:"urgency"`
	AllocatedTo      string   `json:"allocated_to"`
}

// ReferralOut is a referral as the API returns it.
type ReferralOut struct {
	ID               string     `json:"id"`
	Version          int        `json:"version"`
	SubjectKind      string     `json:"subject_kind"`
	SubjectID        string     `json:"subject_id"`
	AreaID           string     `json:"area_id"`
	OwnerAgencyID    string     `json:"owner_agency_id"`
	ReferrerName     string     `json:"referrer_name"`
	ReferrerRole     string     `json:"referrer_role,omitempty"`
	ReferrerAgencyID string     `json:"referrer_agency_id,omitempty"`
	ReferrerOrg      string     `json:"referrer_org,omitempty"`
	ReceivedAt       time.Time  `json:"received_at"`
	Concerns         string     `json:"concerns"`
	Indicators       []string   `json:"indicators"`
	Urgency          string     `json:"urgency"`
	DecisionDue      time.Time  `json:"decision_due"`
	Overdue          bool       `json:"overdue"`
	Decision         string     `json:"decision,omitempty"`
	DecisionReason   string     `json:"decision_reason,omitempty"`
	DecidedBy        string     `json:"decided_by,omitempty"`
	DecidedByName    string     `json:"decided_by_name,omitempty"`
	DecidedAt        *time.Time `json:"decided_at,omitempty"`
	CaseID           string     `json:"case_id,omitempty"`
	AllocatedTo      string     `json:"allocated_to,omitempty"`
	CreatedAt        time.Time  `json:"created_at"`
	UpdatedAt        time.Time  `json:"updated_at"`
}

func referralOut(r *hub.Referral, now time.Time) ReferralOut {
	o := ReferralOut{ID: r.ID, Version: r.Version, SubjectKind: string(r.Subject.Kind), SubjectID: r.Subject.ID, AreaID: r.AreaID, OwnerAgencyID: r.OwnerAgencyID,
		ReferrerName: r.ReferrerName, ReferrerRole: r.ReferrerRole, ReferrerAgencyID: r.ReferrerAgencyID, ReferrerOrg: r.ReferrerOrg, ReceivedAt: r.ReceivedAt,
		Concerns: r.Concerns, Indicators: nonNilCodes(r.Indicators), Urgency: string(r.Urgency), DecisionDue: r.DecisionDue, Overdue: r.Overdue(now),
		Decision: string(r.Decision), DecisionReason: r.DecisionReason, DecidedBy: r.DecidedBy, DecidedByName: r.DecidedByName, DecidedAt: optTime(r.DecidedAt),
		CaseID: r.CaseID, AllocatedTo: r.AllocatedTo, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	return o
}

func nonNilCodes(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// parseInstant reads an RFC 3339 instant; empty is the zero time.
func parseInstant(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, hub.Invalid(field, "must be an RFC 3339 time such as 2026-11-27T09:30:00Z")
	}
	return t.UTC(), nil
}

// ifMatch reads the version in the If-Match header, which is required.
func ifMatch(r *http.Request) (int, error) {
	im := r.Header.Get("If-Match")
	if im == "" {
		return 0, &hub.Error{Code: hub.EInvalid, Field: "If-Match", Message: "is required: send the ETag of the version you are changing"}
	}
	return parseVersion(im)
}

func setVersionTag(w http.ResponseWriter, version int) {
	w.Header().Set("ETag", strconv.Quote(strconv.Itoa(version)))
}

func (h *Handler) createReferral(w http.ResponseWriter, r *http.Request) {
	var in ReferralIn
	if err := decode(r, &in); err != nil {
		h.RenderError(w, r, err)
		return
	}
	received, err := parseInstant("received_at", in.ReceivedAt)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	ref, err := h.app.RecordReferral(r.Context(), httpx.MustActor(r), app.ReferralInput{SubjectKind: in.SubjectKind, SubjectID: in.SubjectID,
		ReferrerName: in.ReferrerName, ReferrerRole: in.ReferrerRole, ReferrerAgencyID: in.ReferrerAgencyID, ReferrerOrg: in.ReferrerOrg, ReceivedAt: received,
		Concerns: in.Concerns, Indicators: in.Indicators, Urgency: in.Urgency, AllocatedTo: in.AllocatedTo})
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/referrals/"+ref.ID)
	setVersionTag(w, ref.Version)
	httpx.WriteJSON(w, http.StatusCreated, referralOut(ref, h.app.Now()))
}

// ReferralListOut is a page of referrals.
type ReferralListOut struct {
	Total     int           `json:"total"`
	Referrals []ReferralOut `json:"referrals"`
}

// referrals lists referrals: in the caller's areas (undecided=true for
// those awaiting a decision), or one subject's (subject_kind and
// subject_id, record identifiers, never names).
func (h *Handler) referrals(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	for k, vs := range q {
		if len(vs) > 1 {
			h.RenderError(w, r, hub.Invalid(k, "was given more than once"))
			return
		}
	}
	rq := app.ReferralQuery{Undecided: q.Get("undecided") == "true"}
	if k, id := q.Get("subject_kind"), q.Get("subject_id"); k != "" || id != "" {
		s := hub.Subject{Kind: hub.SubjectKind(k), ID: id}
		if !s.Valid() {
			h.RenderError(w, r, hub.Invalid("subject_id", "give subject_kind (person or context) and subject_id (a record identifier) together"))
			return
		}
		rq.Subject = &s
	}
	var err error
	if rq.Limit, rq.Offset, err = pageOf(q, 0); err != nil {
		h.RenderError(w, r, err)
		return
	}
	list, err := h.app.Referrals(r.Context(), httpx.MustActor(r), rq)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	now := h.app.Now()
	out := ReferralListOut{Total: list.Total, Referrals: []ReferralOut{}}
	for _, it := range list.Items {
		out.Referrals = append(out.Referrals, referralOut(it.Referral, now))
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

func (h *Handler) referral(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	v, err := h.app.ViewReferral(r.Context(), httpx.MustActor(r), id)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	setVersionTag(w, v.Referral.Version)
	httpx.WriteJSON(w, http.StatusOK, referralOut(v.Referral, h.app.Now()))
}

// DecisionIn is a decision on a referral. exploitation (at least one
// type) and lead_id (default: the caller) are for "open_case", which opens
// the hub case.
type DecisionIn struct {
	Decision     string   `json:"decision"`
	Reason       string   `json:"reason"`
	Exploitation []string `json:"exploitation"`
	LeadID       string   `json:"lead_id"`
}

func (h *Handler) decideReferral(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	version, err := ifMatch(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	var in DecisionIn
	if err := decode(r, &in); err != nil {
		h.RenderError(w, r, err)
		return
	}
	ref, err := h.app.DecideReferral(r.Context(), httpx.MustActor(r), id, version, app.DecisionInput{Decision: in.Decision, Reason: in.Reason, Exploitation: in.Exploitation, LeadID: in.LeadID})
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	setVersionTag(w, ref.Version)
	httpx.WriteJSON(w, http.StatusOK, referralOut(ref, h.app.Now()))
}

// AssessmentIn starts an assessment cycle.
type AssessmentIn struct {
	SubjectKind string `json:"subject_kind"`
	SubjectID   string `json:"subject_id"`
	ReferralID  string `json:"referral_id"`
}

// ContributionOut is one agency's contribution.
type ContributionOut struct {
	Seq        int       `json:"seq"`
	AgencyID   string    `json:"agency_id"`
	AgencyName string    `json:"agency_name"`
	AgencyKind string    `json:"agency_kind"`
	AuthorID   string    `json:"author_id,omitempty"`
	AuthorName string    `json:"author_name"`
	Indicators []string  `json:"indicators"`
	Evidence   string    `json:"evidence"`
	At         time.Time `json:"at"`
}

// AssessmentOut is an assessment as the API returns it.
type AssessmentOut struct {
	ID             string            `json:"id"`
	Version        int               `json:"version"`
	SubjectKind    string            `json:"subject_kind"`
	SubjectID      string            `json:"subject_id"`
	AreaID         string            `json:"area_id"`
	ReferralID     string            `json:"referral_id,omitempty"`
	Cycle          int               `json:"cycle"`
	Latest         bool              `json:"latest"`
	Status         string            `json:"status"`
	Contributions  []ContributionOut `json:"contributions"`
	Indicators     []string          `json:"indicators"`
	Score          int               `json:"score"`
	Suggested      string            `json:"suggested"`
	Level          string            `json:"level,omitempty"`
	LevelReason    string            `json:"level_reason,omitempty"`
	AssessedBy     string            `json:"assessed_by,omitempty"`
	AssessedByName string            `json:"assessed_by_name,omitempty"`
	AssessedAt     *time.Time        `json:"assessed_at,omitempty"`
	ReviewDue      string            `json:"review_due,omitempty"`
	ReviewerID     string            `json:"reviewer_id,omitempty"`
	CreatedAt      time.Time         `json:"created_at"`
	UpdatedAt      time.Time         `json:"updated_at"`
}

func assessmentOut(x *hub.Assessment) AssessmentOut {
	o := AssessmentOut{ID: x.ID, Version: x.Version, SubjectKind: string(x.Subject.Kind), SubjectID: x.Subject.ID, AreaID: x.AreaID, ReferralID: x.ReferralID,
		Cycle: x.Cycle, Latest: x.Latest, Status: string(x.Status), Contributions: []ContributionOut{}, Indicators: nonNilCodes(x.Indicators), Score: x.Score,
		Suggested: string(x.Suggested), Level: string(x.Level), LevelReason: x.LevelReason, AssessedBy: x.AssessedBy, AssessedByName: x.AssessedByName,
		AssessedAt: optTime(x.AssessedAt), ReviewDue: x.ReviewDue.String(), ReviewerID: x.ReviewerID, CreatedAt: x.CreatedAt, UpdatedAt: x.UpdatedAt}
	for _, c := range x.Contributions {
		o.Contributions = append(o.Contributions, ContributionOut{c.Seq, c.AgencyID, c.AgencyName, string(c.AgencyKind), c.AuthorID, c.AuthorName, nonNilCodes(c.Indicators), c.Evidence, c.At})
	}
	return o
}

func (h *Handler) startAssessment(w http.ResponseWriter, r *http.Request) {
	var in AssessmentIn
	if err := decode(r, &in); err != nil {
		h.RenderError(w, r, err)
		return
	}
	x, err := h.app.StartAssessment(r.Context(), httpx.MustActor(r), hub.Subject{Kind: hub.SubjectKind(in.SubjectKind), ID: in.SubjectID}, in.ReferralID)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/assessments/"+x.ID)
	setVersionTag(w, x.Version)
	httpx.WriteJSON(w, http.StatusCreated, assessmentOut(x))
}

// AssessmentListOut lists a subject's assessments.
type AssessmentListOut struct {
	Assessments []AssessmentOut `json:"assessments"`
}

// assessments lists one subject's assessments (subject_kind, subject_id).
func (h *Handler) assessments(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s := hub.Subject{Kind: hub.SubjectKind(q.Get("subject_kind")), ID: q.Get("subject_id")}
	if len(q["subject_kind"]) > 1 || len(q["subject_id"]) > 1 || !s.Valid() {
		h.RenderError(w, r, hub.Invalid("subject_id", "give subject_kind (person or context) and subject_id (a record identifier), once each"))
		return
	}
	xs, err := h.app.AssessmentsOf(r.Context(), httpx.MustActor(r), s)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	out := AssessmentListOut{Assessments: []AssessmentOut{}}
	for _, x := range xs {
		out.Assessments = append(out.Assessments, assessmentOut(x))
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

func (h *Handler) assessment(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	v, err := h.app.ViewAssessment(r.Context(), httpx.MustActor(r), id)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	setVersionTag(w, v.Assessment.Version)
	httpx.WriteJSON(w, http.StatusOK, assessmentOut(v.Assessment))
}

// ContributionIn is the caller's agency's contribution.
type ContributionIn struct {
	Indicators []string `json:"indicators"`
	Evidence   string   `json:"evidence"`
}

// ContributionResult is what a contributor gets back: the new score, not
// the other agencies' contributions (reading those needs case:read and a
// role that reads casework).
type ContributionResult struct {
	AssessmentID string `json:"assessment_id"`
	Version      int    `json:"version"`
	Score        int    `json:"score"`
	Suggested    string `json:"suggested"`
}

func (h *Handler) contribute(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	var in ContributionIn
	if err := decode(r, &in); err != nil {
		h.RenderError(w, r, err)
		return
	}
	x, err := h.app.Contribute(r.Context(), httpx.MustActor(r), id, app.ContributionInput{Indicators: in.Indicators, Evidence: in.Evidence})
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	setVersionTag(w, x.Version)
	httpx.WriteJSON(w, http.StatusOK, ContributionResult{AssessmentID: x.ID, Version: x.Version, Score: x.Score, Suggested: string(x.Suggested)})
}

// LevelIn is a practitioner's judgement of an assessment.
type LevelIn struct {
	Level  string `json:"level"`
	Reason string `json:"reason"`
}

func (h *Handler) setLevel(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	version, err := ifMatch(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	var in LevelIn
	if err := decode(r, &in); err != nil {
		h.RenderError(w, r, err)
		return
	}
	x, err := h.app.SetAssessmentLevel(r.Context(), httpx.MustActor(r), id, version, app.LevelInput{Level: in.Level, Reason: in.Reason})
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	setVersionTag(w, x.Version)
	httpx.WriteJSON(w, http.StatusOK, assessmentOut(x))
}

// MemberDTO is a context member as sent and returned (name only on output).
type MemberDTO struct {
	PersonID string `json:"person_id"`
	Role     string `json:"role"`
	From     string `json:"from"`
	To       string `json:"to"`
}

// ContextIn is a context as a client sends it. latitude and longitude are
// decimal degrees. On PUT, members replaces the members the caller may
// see (omit it to keep them); members the caller may not see are kept.
type ContextIn struct {
	AreaID      string      `json:"area_id"`
	Kind        string      `json:"kind"`
	Name        string      `json:"name"`
	Description string      `json:"description"`
	Postcode    string      `json:"postcode"`
	Latitude    *float64    `json:"latitude"`
	Longitude   *float64    `json:"longitude"`
	Members     []MemberDTO `json:"members"`
}

func (in ContextIn) input() app.ContextInput {
	out := app.ContextInput{AreaID: in.AreaID, Kind: in.Kind, Name: in.Name, Description: in.Description, Postcode: in.Postcode}
	if in.Latitude != nil {
		out.Latitude = strconv.FormatFloat(*in.Latitude, 'f', -1, 64)
	}
	if in.Longitude != nil {
		out.Longitude = strconv.FormatFloat(*in.Longitude, 'f', -1, 64)
	}
	if in.Members != nil {
		out.Members = []app.MemberInput{}
		for _, m := range in.Members {
			out.Members = append(out.Members, app.MemberInput{PersonID: m.PersonID, Role: m.Role, From: m.From, To: m.To})
		}
	}
	return out
}

// ContextMemberOut is a member the caller may see.
type ContextMemberOut struct {
	PersonID string `json:"person_id"`
	Name     string `json:"name"`
	Role     string `json:"role"`
	From     string `json:"from,omitempty"`
	To       string `json:"to,omitempty"`
}

// ContextOut is a context as the API returns it.
type ContextOut struct {
	ID            string             `json:"id"`
	Version       int                `json:"version"`
	AreaID        string             `json:"area_id"`
	OwnerAgencyID string             `json:"owner_agency_id"`
	Kind          string             `json:"kind"`
	Name          string             `json:"name"`
	Description   string             `json:"description,omitempty"`
	Postcode      string             `json:"postcode,omitempty"`
	Latitude      *float64           `json:"latitude,omitempty"`
	Longitude     *float64           `json:"longitude,omitempty"`
	Members       []ContextMemberOut `json:"members"`
	HiddenMembers int                `json:"hidden_members"`
	CreatedAt     time.Time          `json:"created_at"`
	UpdatedAt     time.Time          `json:"updated_at"`
}

func contextOut(c *hub.Context) ContextOut {
	o := ContextOut{ID: c.ID, Version: c.Version, AreaID: c.AreaID, OwnerAgencyID: c.OwnerAgencyID, Kind: string(c.Kind), Name: c.Name, Description: c.Description,
		Postcode: c.Postcode, Members: []ContextMemberOut{}, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
	if c.Latitude != 0 || c.Longitude != 0 {
		lat, lon := c.Latitude, c.Longitude
		o.Latitude, o.Longitude = &lat, &lon
	}
	return o
}

func (h *Handler) createContext(w http.ResponseWriter, r *http.Request) {
	var in ContextIn
	if err := decode(r, &in); err != nil {
		h.RenderError(w, r, err)
		return
	}
	c, err := h.app.CreateContext(r.Context(), httpx.MustActor(r), in.input())
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	h.writeContext(w, r, c.ID, http.StatusCreated)
}

// writeContext answers with the context as the caller may see it (a read,
// audited as such).
func (h *Handler) writeContext(w http.ResponseWriter, r *http.Request, id string, status int) {
	v, err := h.app.ViewContext(r.Context(), httpx.MustActor(r), id)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	o := contextOut(v.Context)
	for _, m := range v.Members {
		o.Members = append(o.Members, ContextMemberOut{PersonID: m.PersonID, Name: m.Name, Role: m.Role, From: m.From.String(), To: m.To.String()})
	}
	o.HiddenMembers = v.Hidden
	if status == http.StatusCreated {
		w.Header().Set("Location", "/api/v1/contexts/"+id)
	}
	setVersionTag(w, v.Context.Version)
	httpx.WriteJSON(w, status, o)
}

func (h *Handler) context(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	h.writeContext(w, r, id, http.StatusOK)
}

func (h *Handler) updateContext(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	version, err := ifMatch(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	var in ContextIn
	if err := decode(r, &in); err != nil {
		h.RenderError(w, r, err)
		return
	}
	if _, err := h.app.UpdateContext(r.Context(), httpx.MustActor(r), id, version, in.input()); err != nil {
		h.RenderError(w, r, err)
		return
	}
	h.writeContext(w, r, id, http.StatusOK)
}

// ContextListOut is a page of contexts (members counted, not named).
type ContextListOut struct {
	Total    int          `json:"total"`
	Contexts []ContextOut `json:"contexts"`
}

// contexts lists the contexts in the caller's areas; name filters by a
// place or group's name (never a person's).
func (h *Handler) contexts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	for k, vs := range q {
		if len(vs) > 1 {
			h.RenderError(w, r, hub.Invalid(k, "was given more than once"))
			return
		}
	}
	limit, offset, err := pageOf(q, 100)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	list, err := h.app.Contexts(r.Context(), httpx.MustActor(r), app.ContextQuery{Name: q.Get("name"), Kind: q.Get("kind"), Limit: limit, Offset: offset})
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	out := ContextListOut{Total: list.Total, Contexts: []ContextOut{}}
	for _, c := range list.Items {
		o := contextOut(c)
		o.HiddenMembers = len(c.Members)
		out.Contexts = append(out.Contexts, o)
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

// WorkItemOut is one work item.
type WorkItemOut struct {
	Kind      string     `json:"kind"`
	Title     string     `json:"title"`
	ObjectID  string     `json:"object_id,omitempty"`
	SubjectID string     `json:"subject_id,omitempty"`
	OwnerID   string     `json:"owner_id,omitempty"`
	AreaID    string     `json:"area_id"`
	Due       *time.Time `json:"due,omitempty"`
	Overdue   bool       `json:"overdue"`
	Link      string     `json:"link"`
}

func workItems(items []app.WorkItem, now time.Time) []WorkItemOut {
	out := []WorkItemOut{}
	for _, it := range items {
		out = append(out, WorkItemOut{it.Kind, it.Title, it.ObjectID, it.SubjectID, it.OwnerID, it.AreaID, optTime(it.Due), it.Overdue(now), it.Link})
	}
	return out
}

// WorkOut is the caller's work queue.
type WorkOut struct {
	Items            []WorkItemOut `json:"items"`
	Overdue          int           `json:"overdue"`
	DueToday         int           `json:"due_today"`
	Unallocated      []WorkItemOut `json:"unallocated"`
	UnallocatedTotal int           `json:"unallocated_total"`
}

func (h *Handler) myWork(w http.ResponseWriter, r *http.Request) {
	mw, err := h.app.MyWork(r.Context(), httpx.MustActor(r))
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, WorkOut{Items: workItems(mw.Items, mw.Now), Overdue: mw.Overdue, DueToday: mw.DueToday,
		Unallocated: workItems(mw.Unallocated, mw.Now), UnallocatedTotal: mw.UnallocatedTotal})
}

// WorkerOut is one worker's items in the team view.
type WorkerOut struct {
	UserID  string        `json:"user_id"`
	Name    string        `json:"name"`
	Overdue int           `json:"overdue"`
	Items   []WorkItemOut `json:"items"`
}

// TeamOut is the manager's team view.
type TeamOut struct {
	Total       int           `json:"total"`
	Overdue     int           `json:"overdue"`
	Workers     []WorkerOut   `json:"workers"`
	Unallocated []WorkItemOut `json:"unallocated"`
}

func (h *Handler) teamWork(w http.ResponseWriter, r *http.Request) {
	area := r.URL.Query().Get("area_id")
	if area != "" && !hub.ValidID(area) {
		h.RenderError(w, r, hub.Invalid("area_id", "is not an area"))
		return
	}
	t, err := h.app.TeamWork(r.Context(), httpx.MustActor(r), area)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	out := TeamOut{Total: t.Total, Overdue: t.Overdue, Workers: []WorkerOut{}, Unallocated: workItems(t.Unallocated, t.Now)}
	for _, wl := range t.Workers {
		out.Workers = append(out.Workers, WorkerOut{UserID: wl.UserID, Name: wl.Name, Overdue: wl.Overdue, Items: workItems(wl.Items, t.Now)})
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

// ReassignIn gives a work item a new owner.
type ReassignIn struct {
	Kind     string `json:"kind"`
	ObjectID string `json:"object_id"`
	Owner    string `json:"owner"`
}

func (h *Handler) reassign(w http.ResponseWriter, r *http.Request) {
	var in ReassignIn
	if err := decode(r, &in); err != nil {
		h.RenderError(w, r, err)
		return
	}
	if err := h.app.ReassignWork(r.Context(), httpx.MustActor(r), in.Kind, in.ObjectID, in.Owner); err != nil {
		h.RenderError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
