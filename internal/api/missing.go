package api

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/httpx"
	"github.com/safehub/safehub/internal/hub"
)

// Missing episodes, return home interviews, repeat-missing prompts and
// Philomena profiles (issue 4, part C) through the JSON API. Times are
// RFC 3339 strings; changes to an episode, an interview or a prompt carry
// the version read in If-Match.

func init() {
	featureRoutes = append(featureRoutes, (*Handler).missingRoutes)
}

func (h *Handler) missingRoutes() []httpx.Route {
	f := func(fn http.HandlerFunc) http.Handler { return fn }
	return []httpx.Route{
		{Pattern: "POST /api/v1/missing-episodes", Auth: httpx.Token, Action: access.MissingRecord, Handler: f(h.reportMissing)},
		{Pattern: "GET /api/v1/missing-episodes", Auth: httpx.Token, Action: access.CaseRead, Handler: f(h.listMissing)},
		{Pattern: "GET /api/v1/missing-episodes/{id}", Auth: httpx.Token, Action: access.CaseRead, Handler: f(h.viewMissing)},
		{Pattern: "POST /api/v1/missing-episodes/{id}/risk", Auth: httpx.Token, Action: access.MissingRecord, Handler: f(h.missingRisk)},
		{Pattern: "POST /api/v1/missing-episodes/{id}/updates", Auth: httpx.Token, Action: access.MissingRecord, Handler: f(h.missingUpdate)},
		{Pattern: "POST /api/v1/missing-episodes/{id}/return", Auth: httpx.Token, Action: access.MissingRecord, Handler: f(h.missingReturn)},
		{Pattern: "POST /api/v1/missing-episodes/{id}/philomena", Auth: httpx.Token, Action: access.MissingRecord, Handler: f(h.missingPullPhilomena)},
		{Pattern: "PUT /api/v1/missing-episodes/{id}/return-interview", Auth: httpx.Token, Action: access.MissingRecord, Handler: f(h.recordInterview)},
		{Pattern: "GET /api/v1/return-interviews", Auth: httpx.Token, Action: access.CaseRead, Handler: f(h.listInterviews)},
		{Pattern: "POST /api/v1/missing-prompts/{id}/resolve", Auth: httpx.Token, Action: access.MissingRecord, Handler: f(h.resolvePrompt)},
		{Pattern: "GET /api/v1/persons/{id}/philomena", Auth: httpx.Token, Action: access.CaseRead, Handler: f(h.viewPhilomena)},
		{Pattern: "POST /api/v1/persons/{id}/philomena", Auth: httpx.Token, Action: access.MissingRecord, Handler: f(h.savePhilomena)},
	}
}

// missingInstant reads an RFC 3339 time; blank is the zero time.
func missingInstant(field, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, hub.Invalid(field, "must be a time written RFC 3339, for example 2026-11-27T21:30:00Z")
	}
	if t.Year() < 1900 || t.Year() > 9999 {
		return time.Time{}, hub.Invalid(field, "is not a plausible time")
	}
	return t.UTC(), nil
}

// missingVersion reads the If-Match version a change is made against.
func missingVersion(r *http.Request) (int, error) {
	im := r.Header.Get("If-Match")
	if im == "" {
		return 0, &hub.Error{Code: hub.EInvalid, Field: "If-Match", Message: "is required: send the ETag of the version you are changing"}
	}
	return parseVersion(im)
}

func missingTimePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// MissingReportIn is a missing report: the out-of-hours line's one call.
type MissingReportIn struct {
	PersonID         string `json:"person_id"`
	Type             string `json:"type"`
	MissingFrom      string `json:"missing_from"`
	LastSeenAt       string `json:"last_seen_at"`
	LastSeenPlace    string `json:"last_seen_place"`
	ReportedAt       string `json:"reported_at"`
	ReportedBy       string `json:"reported_by"`
	ReporterDetail   string `json:"reporter_detail"`
	PoliceReference  string `json:"police_reference"`
	PoliceRiskLevel  string `json:"police_risk_level"`
	Circumstances    string `json:"circumstances"`
	Clothing         string `json:"clothing"`
	StepsTaken       string `json:"steps_taken"`
	IncludePhilomena bool   `json:"include_philomena"`
}

// RiskChangeOut is one police risk grading.
type RiskChangeOut struct {
	At        time.Time `json:"at"`
	ActorID   string    `json:"actor_id"`
	ActorName string    `json:"actor_name"`
	From      string    `json:"from,omitempty"`
	To        string    `json:"to"`
	Rationale string    `json:"rationale"`
}

// EpisodeUpdateOut is one update on an episode.
type EpisodeUpdateOut struct {
	At        time.Time `json:"at"`
	ActorID   string    `json:"actor_id"`
	ActorName string    `json:"actor_name"`
	Source    string    `json:"source,omitempty"`
	Text      string    `json:"text"`
}

// EpisodeOut is a missing episode. Read on its own it carries its risk
// history, updates, return home interview, prompts and the Philomena
// profile pulled into it; in lists they are left out.
type EpisodeOut struct {
	ID               string             `json:"id"`
	Version          int                `json:"version"`
	PersonID         string             `json:"person_id"`
	PersonName       string             `json:"person_name"`
	AreaID           string             `json:"area_id"`
	Type             string             `json:"type"`
	MissingFrom      string             `json:"missing_from"`
	LastSeenAt       time.Time          `json:"last_seen_at"`
	LastSeenPlace    string             `json:"last_seen_place"`
	ReportedAt       time.Time          `json:"reported_at"`
	ReportedBy       string             `json:"reported_by"`
	ReporterDetail   string             `json:"reporter_detail"`
	PoliceReference  string             `json:"police_reference"`
	PoliceRiskLevel  string             `json:"police_risk_level"`
	Circumstances    string             `json:"circumstances"`
	Clothing         string             `json:"clothing"`
	StepsTaken       string             `json:"steps_taken"`
	Open             bool               `json:"open"`
	FoundAt          *time.Time         `json:"found_at,omitempty"`
	FoundPlace       string             `json:"found_place,omitempty"`
	FoundBy          string             `json:"found_by,omitempty"`
	FoundWith        string             `json:"found_with,omitempty"`
	OutOfArea        bool               `json:"out_of_area"`
	Condition        string             `json:"condition,omitempty"`
	ReturnedAt       *time.Time         `json:"returned_at,omitempty"`
	ReturnedTo       string             `json:"returned_to,omitempty"`
	DurationMinutes  int                `json:"duration_minutes"`
	PhilomenaVersion int                `json:"philomena_version,omitempty"`
	CreatedAt        time.Time          `json:"created_at"`
	UpdatedAt        time.Time          `json:"updated_at"`
	RiskHistory      []RiskChangeOut    `json:"risk_history,omitempty"`
	Updates          []EpisodeUpdateOut `json:"updates,omitempty"`
	ReturnInterview  *InterviewOut      `json:"return_interview,omitempty"`
	Prompts          []PromptOut        `json:"prompts,omitempty"`
	Philomena        *PhilomenaOut      `json:"philomena,omitempty"`
	CanRecord        *bool              `json:"can_record,omitempty"`
}

func episodeOut(e *hub.MissingEpisode, now time.Time) EpisodeOut {
	return EpisodeOut{ID: e.ID, Version: e.Version, PersonID: e.PersonID, PersonName: e.PersonName, AreaID: e.AreaID, Type: string(e.Type), MissingFrom: string(e.From),
		LastSeenAt: e.LastSeenAt, LastSeenPlace: e.LastSeenPlace, ReportedAt: e.ReportedAt, ReportedBy: e.ReportedBy, ReporterDetail: e.ReporterDetail,
		PoliceReference: e.PoliceReference, PoliceRiskLevel: string(e.RiskLevel), Circumstances: e.Circumstances, Clothing: e.Clothing, StepsTaken: e.StepsTaken,
		Open: e.Open(), FoundAt: missingTimePtr(e.FoundAt), FoundPlace: e.FoundPlace, FoundBy: e.FoundBy, FoundWith: e.FoundWith, OutOfArea: e.OutOfArea,
		Condition: e.Condition, ReturnedAt: missingTimePtr(e.ReturnedAt), ReturnedTo: e.ReturnedTo, DurationMinutes: int(e.Duration(now) / time.Minute),
		PhilomenaVersion: e.PhilomenaVersion, CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt}
}

func episodeViewOut(v *app.EpisodeView) EpisodeOut {
	o := episodeOut(v.Episode, v.Now)
	for _, rc := range v.Episode.RiskHistory {
		o.RiskHistory = append(o.RiskHistory, RiskChangeOut{At: rc.At, ActorID: rc.ActorID, ActorName: rc.ActorName, From: string(rc.From), To: string(rc.To), Rationale: rc.Rationale})
	}
	for _, u := range v.Episode.Updates {
		o.Updates = append(o.Updates, EpisodeUpdateOut{At: u.At, ActorID: u.ActorID, ActorName: u.ActorName, Source: u.Source, Text: u.Text})
	}
	if v.Interview != nil {
		i := interviewOut(v.Interview, v.Now)
		o.ReturnInterview = &i
	}
	for _, m := range v.Prompts {
		o.Prompts = append(o.Prompts, promptOut(m))
	}
	if v.Philomena != nil {
		f := philomenaOut(v.Philomena)
		o.Philomena = &f
	}
	can := v.CanRecord
	o.CanRecord = &can
	return o
}

// EpisodeList is a page of episodes.
type EpisodeList struct {
	Total    int          `json:"total"`
	Episodes []EpisodeOut `json:"episodes"`
}

func (h *Handler) reportMissing(w http.ResponseWriter, r *http.Request) {
	var in MissingReportIn
	if err := decode(r, &in); err != nil {
		h.RenderError(w, r, err)
		return
	}
	rep := app.MissingReport{PersonID: in.PersonID, Type: in.Type, From: in.MissingFrom, LastSeenPlace: in.LastSeenPlace, ReportedBy: in.ReportedBy,
		ReporterDetail: in.ReporterDetail, PoliceReference: in.PoliceReference, RiskLevel: in.PoliceRiskLevel, Circumstances: in.Circumstances,
		Clothing: in.Clothing, StepsTaken: in.StepsTaken, IncludePhilomena: in.IncludePhilomena}
	var err error
	if rep.LastSeenAt, err = missingInstant("last_seen_at", in.LastSeenAt); err == nil && rep.LastSeenAt.IsZero() {
		err = hub.Invalid("last_seen_at", "is required")
	}
	if err == nil {
		rep.ReportedAt, err = missingInstant("reported_at", in.ReportedAt)
	}
	var e *hub.MissingEpisode
	if err == nil {
		e, err = h.app.ReportMissing(r.Context(), httpx.MustActor(r), rep)
	}
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/missing-episodes/"+e.ID)
	w.Header().Set("ETag", strconv.Quote(strconv.Itoa(e.Version)))
	httpx.WriteJSON(w, http.StatusCreated, episodeOut(e, h.app.Now()))
}

func (h *Handler) listMissing(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, offset, err := pageOf(q, 0)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	list, err := h.app.MissingEpisodes(r.Context(), httpx.MustActor(r), app.MissingQuery{Status: q.Get("status"), Type: q.Get("type"), AreaID: q.Get("area_id"), PersonID: q.Get("person_id"), Limit: limit, Offset: offset})
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	out := EpisodeList{Total: list.Total, Episodes: []EpisodeOut{}}
	now := h.app.Now()
	for _, e := range list.Episodes {
		out.Episodes = append(out.Episodes, episodeOut(e, now))
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

func (h *Handler) viewMissing(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	h.writeEpisode(w, r, id, http.StatusOK)
}

// writeEpisode answers with the episode as it now stands (an audited
// read).
func (h *Handler) writeEpisode(w http.ResponseWriter, r *http.Request, id string, status int) {
	v, err := h.app.ViewMissingEpisode(r.Context(), httpx.MustActor(r), id)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	w.Header().Set("ETag", strconv.Quote(strconv.Itoa(v.Episode.Version)))
	httpx.WriteJSON(w, status, episodeViewOut(v))
}

// episodeChange decodes a change's body into in, reads If-Match and runs
// fn; it answers with the changed episode.
func (h *Handler) episodeChange(w http.ResponseWriter, r *http.Request, in any, fn func(id string, version int) (*hub.MissingEpisode, error)) {
	id, err := pathID(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	version, err := missingVersion(r)
	if err == nil && in != nil {
		err = decode(r, in)
	}
	var e *hub.MissingEpisode
	if err == nil {
		e, err = fn(id, version)
	}
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	w.Header().Set("ETag", strconv.Quote(strconv.Itoa(e.Version)))
	httpx.WriteJSON(w, http.StatusOK, episodeOut(e, h.app.Now()))
}

// RiskChangeIn regrades an episode's police risk.
type RiskChangeIn struct {
	PoliceRiskLevel string `json:"police_risk_level"`
	Rationale       string `json:"rationale"`
}

func (h *Handler) missingRisk(w http.ResponseWriter, r *http.Request) {
	var in RiskChangeIn
	h.episodeChange(w, r, &in, func(id string, version int) (*hub.MissingEpisode, error) {
		return h.app.ChangeMissingRisk(r.Context(), httpx.MustActor(r), id, version, in.PoliceRiskLevel, in.Rationale)
	})
}

// EpisodeUpdateIn is new information on an episode.
type EpisodeUpdateIn struct {
	Source string `json:"source"`
	Text   string `json:"text"`
}

func (h *Handler) missingUpdate(w http.ResponseWriter, r *http.Request) {
	var in EpisodeUpdateIn
	h.episodeChange(w, r, &in, func(id string, version int) (*hub.MissingEpisode, error) {
		e, err := h.app.AddMissingUpdate(r.Context(), httpx.MustActor(r), id, version, in.Source, in.Text)
		if hub.ErrorField(err) == "update" {
			err = missingRename(err, "text")
		}
		return e, err
	})
}

// ReturnIn records that the child was found and returned.
type ReturnIn struct {
	FoundAt      string   `json:"found_at"`
	FoundPlace   string   `json:"found_place"`
	FoundBy      string   `json:"found_by"`
	FoundWith    string   `json:"found_with"`
	FoundWithIDs []string `json:"found_with_ids"`
	OutOfArea    bool     `json:"out_of_area"`
	Condition    string   `json:"condition"`
	ReturnedAt   string   `json:"returned_at"`
	ReturnedTo   string   `json:"returned_to"`
}

func (h *Handler) missingReturn(w http.ResponseWriter, r *http.Request) {
	var in ReturnIn
	h.episodeChange(w, r, &in, func(id string, version int) (*hub.MissingEpisode, error) {
		ret := app.MissingReturn{FoundPlace: in.FoundPlace, FoundBy: in.FoundBy, FoundWith: in.FoundWith, FoundWithIDs: in.FoundWithIDs,
			OutOfArea: in.OutOfArea, Condition: in.Condition, ReturnedTo: in.ReturnedTo}
		var err error
		if ret.FoundAt, err = missingInstant("found_at", in.FoundAt); err != nil {
			return nil, err
		}
		if ret.ReturnedAt, err = missingInstant("returned_at", in.ReturnedAt); err != nil {
			return nil, err
		}
		return h.app.RecordReturn(r.Context(), httpx.MustActor(r), id, version, ret)
	})
}

func (h *Handler) missingPullPhilomena(w http.ResponseWriter, r *http.Request) {
	h.episodeChange(w, r, nil, func(id string, version int) (*hub.MissingEpisode, error) {
		return h.app.PullPhilomena(r.Context(), httpx.MustActor(r), id, version)
	})
}

// InterviewIn records a return home interview's progress.
type InterviewIn struct {
	Status               string `json:"status"`
	OfferedAt            string `json:"offered_at"`
	CompletedAt          string `json:"completed_at"`
	Interviewer          string `json:"interviewer"`
	InterviewerKind      string `json:"interviewer_kind"`
	Independent          bool   `json:"independent"`
	NotIndependentReason string `json:"not_independent_reason"`
	DeclinedReason       string `json:"declined_reason"`
	PushFactors          string `json:"push_factors"`
	PullFactors          string `json:"pull_factors"`
	Disclosures          string `json:"disclosures"`
	PeopleNamed          string `json:"people_named"`
	PlacesNamed          string `json:"places_named"`
	SharedWith           string `json:"shared_with"`
}

// InterviewOut is a return home interview.
type InterviewOut struct {
	ID                   string     `json:"id"`
	Version              int        `json:"version"`
	EpisodeID            string     `json:"episode_id"`
	PersonID             string     `json:"person_id"`
	PersonName           string     `json:"person_name"`
	DueAt                time.Time  `json:"due_at"`
	Overdue              bool       `json:"overdue"`
	Status               string     `json:"status"`
	AllocatedTo          string     `json:"allocated_to,omitempty"`
	OfferedAt            *time.Time `json:"offered_at,omitempty"`
	CompletedAt          *time.Time `json:"completed_at,omitempty"`
	WithinDue            bool       `json:"within_due"`
	Interviewer          string     `json:"interviewer,omitempty"`
	InterviewerKind      string     `json:"interviewer_kind,omitempty"`
	Independent          bool       `json:"independent"`
	NotIndependentReason string     `json:"not_independent_reason,omitempty"`
	DeclinedReason       string     `json:"declined_reason,omitempty"`
	PushFactors          string     `json:"push_factors,omitempty"`
	PullFactors          string     `json:"pull_factors,omitempty"`
	Disclosures          string     `json:"disclosures,omitempty"`
	PeopleNamed          string     `json:"people_named,omitempty"`
	PlacesNamed          string     `json:"places_named,omitempty"`
	SharedWith           string     `json:"shared_with,omitempty"`
}

func interviewOut(i *hub.ReturnInterview, now time.Time) InterviewOut {
	return InterviewOut{ID: i.ID, Version: i.Version, EpisodeID: i.EpisodeID, PersonID: i.PersonID, PersonName: i.PersonName, DueAt: i.DueAt, Overdue: i.Overdue(now),
		Status: string(i.Status), AllocatedTo: i.AllocatedTo, OfferedAt: missingTimePtr(i.OfferedAt), CompletedAt: missingTimePtr(i.CompletedAt), WithinDue: i.WithinDue(),
		Interviewer: i.Interviewer, InterviewerKind: i.InterviewerKind, Independent: i.Independent, NotIndependentReason: i.NotIndependentReason,
		DeclinedReason: i.DeclinedReason, PushFactors: i.PushFactors, PullFactors: i.PullFactors, Disclosures: i.Disclosures, PeopleNamed: i.PeopleNamed,
		PlacesNamed: i.PlacesNamed, SharedWith: i.SharedWith}
}

func (h *Handler) recordInterview(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	version, err := missingVersion(r)
	var in InterviewIn
	if err == nil {
		err = decode(r, &in)
	}
	ii := app.InterviewInput{Status: in.Status, Interviewer: in.Interviewer, InterviewerKind: in.InterviewerKind, Independent: in.Independent,
		NotIndependentReason: in.NotIndependentReason, DeclinedReason: in.DeclinedReason, PushFactors: in.PushFactors, PullFactors: in.PullFactors,
		Disclosures: in.Disclosures, PeopleNamed: in.PeopleNamed, PlacesNamed: in.PlacesNamed, SharedWith: in.SharedWith}
	if err == nil {
		ii.OfferedAt, err = missingInstant("offered_at", in.OfferedAt)
	}
	if err == nil {
		ii.CompletedAt, err = missingInstant("completed_at", in.CompletedAt)
	}
	var rhi *hub.ReturnInterview
	if err == nil {
		rhi, err = h.app.RecordInterview(r.Context(), httpx.MustActor(r), id, version, ii)
	}
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	w.Header().Set("ETag", strconv.Quote(strconv.Itoa(rhi.Version)))
	httpx.WriteJSON(w, http.StatusOK, interviewOut(rhi, h.app.Now()))
}

// InterviewList is a page of return home interviews with the counts
// managers watch.
type InterviewList struct {
	Total      int            `json:"total"`
	Open       int            `json:"open"`
	Overdue    int            `json:"overdue"`
	Interviews []InterviewOut `json:"interviews"`
}

func (h *Handler) listInterviews(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, offset, err := pageOf(q, 0)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	mine := false
	switch q.Get("mine") {
	case "", "false":
	case "true":
		mine = true
	default:
		h.RenderError(w, r, hub.Invalid("mine", "must be true or false"))
		return
	}
	list, err := h.app.ReturnInterviews(r.Context(), httpx.MustActor(r), app.InterviewQuery{Status: q.Get("status"), AreaID: q.Get("area_id"), Mine: mine, Limit: limit, Offset: offset})
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	out := InterviewList{Total: list.Total, Open: list.Open, Overdue: list.Overdue, Interviews: []InterviewOut{}}
	for _, i := range list.Interviews {
		out.Interviews = append(out.Interviews, interviewOut(i, list.Now))
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

// PromptOut is a repeat-missing prompt.
type PromptOut struct {
	ID         string     `json:"id"`
	Version    int        `json:"version"`
	PersonID   string     `json:"person_id"`
	EpisodeID  string     `json:"episode_id"`
	Reason     string     `json:"reason"`
	HighRisk   bool       `json:"high_risk"`
	Episodes   int        `json:"episodes"`
	DueAt      time.Time  `json:"due_at"`
	CreatedAt  time.Time  `json:"created_at"`
	ResolvedAt *time.Time `json:"resolved_at,omitempty"`
	ResolvedBy string     `json:"resolved_by,omitempty"`
	Resolution string     `json:"resolution,omitempty"`
	Note       string     `json:"note,omitempty"`
}

func promptOut(m *hub.MissingPrompt) PromptOut {
	return PromptOut{ID: m.ID, Version: m.Version, PersonID: m.PersonID, EpisodeID: m.EpisodeID, Reason: m.Reason, HighRisk: m.HighRisk, Episodes: m.Episodes,
		DueAt: m.DueAt, CreatedAt: m.CreatedAt, ResolvedAt: missingTimePtr(m.ResolvedAt), ResolvedBy: m.ResolvedBy, Resolution: m.Resolution, Note: m.Note}
}

// PromptResolveIn closes a repeat-missing prompt with what was done.
type PromptResolveIn struct {
	Resolution string `json:"resolution"`
	Note       string `json:"note"`
}

func (h *Handler) resolvePrompt(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	version, err := missingVersion(r)
	var in PromptResolveIn
	if err == nil {
		err = decode(r, &in)
	}
	var m *hub.MissingPrompt
	if err == nil {
		m, err = h.app.ResolveMissingPrompt(r.Context(), httpx.MustActor(r), id, version, in.Resolution, in.Note)
	}
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	w.Header().Set("ETag", strconv.Quote(strconv.Itoa(m.Version)))
	httpx.WriteJSON(w, http.StatusOK, promptOut(m))
}

// PhilomenaIn is a new version of a child's Philomena profile.
// BasedOnVersion is the version it was started from (0 for the first).
type PhilomenaIn struct {
	BasedOnVersion  int    `json:"based_on_version"`
	Placement       string `json:"placement"`
	Description     string `json:"description"`
	PhotoReference  string `json:"photo_reference"`
	Associates      string `json:"associates"`
	Places          string `json:"places"`
	PhonesSocial    string `json:"phones_social"`
	Vulnerabilities string `json:"vulnerabilities"`
	Finance         string `json:"finance"`
	Transport       string `json:"transport"`
	PriorMissing    string `json:"prior_missing"`
}

// PhilomenaOut is one version of a Philomena profile.
type PhilomenaOut struct {
	PersonID        string    `json:"person_id"`
	Version         int       `json:"version"`
	Placement       string    `json:"placement"`
	Description     string    `json:"description"`
	PhotoReference  string    `json:"photo_reference"`
	Associates      string    `json:"associates"`
	Places          string    `json:"places"`
	PhonesSocial    string    `json:"phones_social"`
	Vulnerabilities string    `json:"vulnerabilities"`
	Finance         string    `json:"finance"`
	Transport       string    `json:"transport"`
	PriorMissing    string    `json:"prior_missing"`
	ReviewedAt      time.Time `json:"reviewed_at"`
	ReviewedBy      string    `json:"reviewed_by"`
	ReviewerName    string    `json:"reviewer_name"`
	ReviewDue       string    `json:"review_due"`
}

func philomenaOut(f *hub.PhilomenaProfile) PhilomenaOut {
	return PhilomenaOut{PersonID: f.PersonID, Version: f.Version, Placement: f.Placement, Description: f.Description, PhotoReference: f.PhotoReference,
		Associates: f.Associates, Places: f.Places, PhonesSocial: f.PhonesSocial, Vulnerabilities: f.Vulnerabilities, Finance: f.Finance, Transport: f.Transport,
		PriorMissing: f.PriorMissing, ReviewedAt: f.ReviewedAt, ReviewedBy: f.ReviewedBy, ReviewerName: f.ReviewerName, ReviewDue: f.ReviewDue.String()}
}

// PhilomenaVersions is a child's profile, latest version first.
type PhilomenaVersions struct {
	PersonID      string         `json:"person_id"`
	ReviewOverdue bool           `json:"review_overdue"`
	Versions      []PhilomenaOut `json:"versions"`
}

func (h *Handler) viewPhilomena(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	v, err := h.app.ViewPhilomena(r.Context(), httpx.MustActor(r), id)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	out := PhilomenaVersions{PersonID: id, ReviewOverdue: v.ReviewOverdue, Versions: []PhilomenaOut{}}
	for _, f := range v.Versions {
		out.Versions = append(out.Versions, philomenaOut(f))
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

func (h *Handler) savePhilomena(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	var in PhilomenaIn
	if err := decode(r, &in); err != nil {
		h.RenderError(w, r, err)
		return
	}
	f, err := h.app.SavePhilomena(r.Context(), httpx.MustActor(r), id, in.BasedOnVersion, app.PhilomenaInput{Placement: in.Placement, Description: in.Description,
		PhotoReference: in.PhotoReference, Associates: in.Associates, Places: in.Places, PhonesSocial: in.PhonesSocial, Vulnerabilities: in.Vulnerabilities,
		Finance: in.Finance, Transport: in.Transport, PriorMissing: in.PriorMissing})
	if err != nil {
		if hub.ErrorField(err) == "version" {
			err = missingRename(err, "based_on_version")
		}
		h.RenderError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, philomenaOut(f))
}

// missingRename gives a validation error the API's name for its field.
func missingRename(err error, field string) error {
	var e *hub.Error
	if errors.As(err, &e) {
		c := *e
		c.Field = field
		return &c
	}
	return err
}
