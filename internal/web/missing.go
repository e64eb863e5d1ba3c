package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/httpx"
	"github.com/safehub/safehub/internal/hub"
)

// Missing episodes, return home interviews, repeat-missing prompts,
// Philomena profiles and NRM referrals (issue 4, part C).

func init() {
	featureRoutes = append(featureRoutes, func(h *Handler) []httpx.Route {
		f := func(fn http.HandlerFunc) http.Handler { return fn }
		return []httpx.Route{
			{Pattern: "GET /missing", Auth: httpx.Session, Action: access.CaseRead, Handler: f(h.missingList)},
			{Pattern: "GET /missing/new", Auth: httpx.Session, Action: access.MissingRecord, Handler: f(h.missingFind)},
			{Pattern: "POST /missing/find", Auth: httpx.Session, Action: access.MissingRecord, Handler: f(h.missingFindChild)},
			{Pattern: "GET /persons/{id}/missing/new", Auth: httpx.Session, Action: access.MissingRecord, Handler: f(h.missingIntake)},
			{Pattern: "POST /persons/{id}/missing", Auth: httpx.Session, Action: access.MissingRecord, Handler: f(h.missingReport)},
			{Pattern: "GET /missing/{id}", Auth: httpx.Session, Action: access.CaseRead, Handler: f(h.missingEpisode)},
			{Pattern: "POST /missing/{id}/risk", Auth: httpx.Session, Action: access.MissingRecord, Handler: f(h.missingRisk)},
			{Pattern: "POST /missing/{id}/updates", Auth: httpx.Session, Action: access.MissingRecord, Handler: f(h.missingUpdate)},
			{Pattern: "POST /missing/{id}/philomena", Auth: httpx.Session, Action: access.MissingRecord, Handler: f(h.missingPullPhilomena)},
			{Pattern: "GET /missing/{id}/return", Auth: httpx.Session, Action: access.MissingRecord, Handler: f(h.missingReturnForm)},
			{Pattern: "POST /missing/{id}/return", Auth: httpx.Session, Action: access.MissingRecord, Handler: f(h.missingReturn)},
			{Pattern: "POST /missing/prompts/{id}/resolve", Auth: httpx.Session, Action: access.MissingRecord, Handler: f(h.missingResolvePrompt)},
		}
	})
	navEntries = append(navEntries, navEntry{"Missing", "/missing", access.CaseRead, 40})
	pageNames = append(pageNames, "missing_list", "missing_find", "missing_form", "missing_episode", "missing_return")
	for k, v := range map[string]string{
		"last_seen_date": "Date last seen", "last_seen_time": "Time last seen", "last_seen_place": "Where last seen",
		"reported_date": "Date reported", "reported_time": "Time reported", "reported_by": "Reported by", "reporter_detail": "Reporter's name and contact",
		"police_reference": "Police reference", "police_risk_level": "Police risk level", "missing_from": "Missing from",
		"circumstances": "Circumstances", "clothing": "Clothing", "steps_taken": "Steps taken", "include_philomena": "The Philomena profile",
		"found_date": "Date found", "found_time": "Time found", "found_place": "Where found", "found_by": "Found by", "found_with": "Found with",
		"returned_date": "Date returned", "returned_time": "Time returned", "returned_to": "Returned to",
		"philomena": "The Philomena profile",
	} {
		if _, ok := fieldLabels[k]; !ok {
			fieldLabels[k] = v
		}
	}
}

// missingForm is what the missing forms share: the values as typed, and
// helpers that describe inputs for the partial templates.
type missingForm struct {
	Page
	Form url.Values
}

// missingOption is one choice of radios or a select: "value|Label|Hint".
type missingOption struct{ Value, Label, Hint string }

func missingOptions(opts []string) []missingOption {
	out := make([]missingOption, 0, len(opts))
	for _, o := range opts {
		parts := strings.SplitN(o, "|", 3)
		for len(parts) < 3 {
			parts = append(parts, "")
		}
		if parts[1] == "" {
			parts[1] = parts[0]
		}
		out = append(out, missingOption{parts[0], parts[1], parts[2]})
	}
	return out
}

// Text describes a text input.
func (f *missingForm) Text(name, label, hint, width string) map[string]any {
	return map[string]any{"Page": &f.Page, "Name": name, "Label": label, "Hint": hint, "Value": f.Form.Get(name), "Width": width}
}

// Area describes a textarea.
func (f *missingForm) Area(name, label, hint string, rows int) map[string]any {
	return map[string]any{"Page": &f.Page, "Name": name, "Label": label, "Hint": hint, "Value": f.Form.Get(name), "Rows": rows}
}

// Radios describes radios; each option is "value|Label|Hint".
func (f *missingForm) Radios(name, legend, hint string, opts ...string) map[string]any {
	return map[string]any{"Page": &f.Page, "Name": name, "Label": legend, "Hint": hint, "Value": f.Form.Get(name), "Options": missingOptions(opts)}
}

// Select describes a select; each option is "value|Label".
func (f *missingForm) Select(name, label, hint string, opts ...string) map[string]any {
	return map[string]any{"Page": &f.Page, "Name": name, "Label": label, "Hint": hint, "Value": f.Form.Get(name), "Options": missingOptions(opts)}
}

// Check describes one checkbox (value "yes").
func (f *missingForm) Check(name, label, hint string) map[string]any {
	return map[string]any{"Page": &f.Page, "Name": name, "Label": label, "Hint": hint, "Checked": f.Form.Get(name) == "yes"}
}

// Dur formats a duration the way staff say it.
func (f *missingForm) Dur(d time.Duration) string { return app.FormatDuration(d) }

// missingFields are the form fields the app's errors about instants stand for.
var missingFields = map[string]string{
	"last_seen_at": "last_seen_date", "reported_at": "reported_date", "found_at": "found_date", "returned_at": "returned_date",
	"offered_at": "offered_date", "completed_at": "completed_date", "submitted_at": "submitted_date",
}

// setFormError records err on the page against the form field it is about.
func missingSetError(p *Page, err error) {
	if f, ok := missingFields[hub.ErrorField(err)]; ok {
		var e *hub.Error
		if errors.As(err, &e) {
			c := *e
			c.Field = f
			err = &c
		}
	}
	p.SetError(err)
}

// formVersion reads the version field of a form.
func missingVersion(r *http.Request) (int, error) {
	v, err := strconv.Atoi(value(r, "version"))
	if err != nil || v < 1 {
		return 0, hub.Invalid("version", "is missing; reload the page and try again")
	}
	return v, nil
}

// optionalTime reads a date and time pair that may both be left blank.
func missingTime(r *http.Request, dateField, timeField string) (time.Time, error) {
	if strings.TrimSpace(value(r, dateField)) == "" && strings.TrimSpace(value(r, timeField)) == "" {
		return time.Time{}, nil
	}
	return app.ParseLondonTime(dateField, timeField, value(r, dateField), value(r, timeField))
}

type missingListPage struct {
	missingForm
	List      *app.MissingList
	Status    string
	Type      string
	CanRecord bool
	Now       time.Time
}

func (h *Handler) missingList(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	q := r.URL.Query()
	p := &missingListPage{missingForm: missingForm{Page: h.page(r, "Missing children", "/missing"), Form: q}, Status: q.Get("status"), Type: q.Get("type"),
		CanRecord: access.Can(a, access.MissingRecord), Now: h.app.Now()}
	if !q.Has("status") {
		p.Status = "open"
		p.Form.Set("status", "open")
	}
	offset, _ := strconv.Atoi(q.Get("offset"))
	list, err := h.app.MissingEpisodes(r.Context(), a, app.MissingQuery{Status: p.Status, Type: p.Type, Limit: 50, Offset: offset})
	if err != nil {
		if httpx.Status(err) >= 500 {
			h.RenderError(w, r, err)
			return
		}
		p.SetError(err)
		p.List = &app.MissingList{}
		h.render(w, r, httpx.Status(err), "missing_list", p)
		return
	}
	p.List = list
	h.render(w, r, http.StatusOK, "missing_list", p)
}

type missingFindPage struct {
	Page
	Query  string
	Result *app.SearchResult
}

// missingFind is the intake's first step: find the child.
func (h *Handler) missingFind(w http.ResponseWriter, r *http.Request) {
	p := &missingFindPage{Page: h.page(r, "Report a child missing", "/missing")}
	p.Back = "/missing"
	h.render(w, r, http.StatusOK, "missing_find", p)
}

// missingFindChild searches for the child by a POST, so that names and
// identifiers never appear in URLs.
func (h *Handler) missingFindChild(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	p := &missingFindPage{Page: h.page(r, "Report a child missing", "/missing")}
	p.Back = "/missing"
	if err := parseForm(r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	p.Query = value(r, "q")
	res, err := h.app.SearchPersons(r.Context(), a, app.PersonQuery{Text: p.Query, Limit: 20})
	if err != nil {
		if httpx.Status(err) >= 500 {
			h.RenderError(w, r, err)
			return
		}
		p.SetError(err)
		h.render(w, r, httpx.Status(err), "missing_find", p)
		return
	}
	p.Result = res
	h.render(w, r, http.StatusOK, "missing_find", p)
}

type missingFormPage struct {
	missingForm
	Intake *app.MissingIntake
	Action string
}

// missingIntake is the fast intake form for a chosen child.
func (h *Handler) missingIntake(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	in, err := h.app.StartMissingReport(r.Context(), a, id)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	today := h.app.Now().In(app.London)
	form := url.Values{"type": {"missing"}, "missing_from": {"home"}, "last_seen_date": {today.Format("2006-01-02")}, "reported_by": {"parent"}}
	if in.Philomena != nil {
		form.Set("missing_from", "care")
		form.Set("reported_by", "residential_home")
		form.Set("include_philomena", "yes")
	}
	h.renderIntake(w, r, http.StatusOK, in, form, nil)
}

func (h *Handler) renderIntake(w http.ResponseWriter, r *http.Request, status int, in *app.MissingIntake, form url.Values, err error) {
	p := &missingFormPage{missingForm: missingForm{Page: h.page(r, "Report "+in.Person.Name()+" missing", "/missing"), Form: form}, Intake: in,
		Action: "/persons/" + in.Person.ID + "/missing"}
	p.Back = "/persons/" + in.Person.ID
	if err != nil {
		missingSetError(&p.Page, err)
	}
	h.render(w, r, status, "missing_form", p)
}

func (h *Handler) missingReport(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	if err := parseForm(r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	rep := app.MissingReport{PersonID: id, Type: value(r, "type"), From: value(r, "missing_from"), LastSeenPlace: value(r, "last_seen_place"),
		ReportedBy: value(r, "reported_by"), ReporterDetail: value(r, "reporter_detail"), PoliceReference: value(r, "police_reference"),
		RiskLevel: value(r, "police_risk_level"), Circumstances: value(r, "circumstances"), Clothing: value(r, "clothing"), StepsTaken: value(r, "steps_taken"),
		IncludePhilomena: checked(r, "include_philomena")}
	var err error
	rep.LastSeenAt, err = app.ParseLondonTime("last_seen_date", "last_seen_time", value(r, "last_seen_date"), value(r, "last_seen_time"))
	if err == nil {
		rep.ReportedAt, err = missingTime(r, "reported_date", "reported_time")
	}
	var ep *hub.MissingEpisode
	if err == nil {
		ep, err = h.app.ReportMissing(r.Context(), a, rep)
	}
	if err != nil {
		if s := httpx.Status(err); s >= 500 || s == http.StatusNotFound || s == http.StatusForbidden {
			h.failed(w, r, err)
			return
		}
		in, ierr := h.app.StartMissingReport(r.Context(), a, id)
		if ierr != nil {
			h.failed(w, r, ierr)
			return
		}
		h.renderIntake(w, r, httpx.Status(err), in, r.PostForm, err)
		return
	}
	http.Redirect(w, r, "/missing/"+ep.ID, http.StatusSeeOther)
}

type missingEpisodePage struct {
	missingForm
	View *app.EpisodeView
	// Levels are the risk levels to regrade to.
	Levels []hub.PoliceRisk
}

func (h *Handler) missingEpisode(w http.ResponseWriter, r *http.Request) {
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	h.renderEpisode(w, r, id, http.StatusOK, nil, nil)
}

// renderEpisode shows an episode, with err (if any) against the form that
// was refused.
func (h *Handler) renderEpisode(w http.ResponseWriter, r *http.Request, id string, status int, form url.Values, err error) {
	a := httpx.ActorFrom(r.Context())
	v, verr := h.app.ViewMissingEpisode(r.Context(), a, id)
	if verr != nil {
		h.failed(w, r, verr)
		return
	}
	if form == nil {
		form = url.Values{}
	}
	p := &missingEpisodePage{missingForm: missingForm{Page: h.page(r, v.Episode.Type.Label()+": "+v.Episode.PersonName, "/missing"), Form: form}, View: v, Levels: hub.PoliceRisks}
	p.Back = "/persons/" + v.Episode.PersonID
	if err != nil {
		missingSetError(&p.Page, err)
	}
	if f := r.URL.Query().Get("done"); f != "" && err == nil {
		p.Flash = missingFlashes[f]
	}
	h.render(w, r, status, "missing_episode", p)
}

// missingFlashes are the success messages after a change, by the "done" query
// parameter of the redirect.
var missingFlashes = map[string]string{
	"reported": "Missing report recorded", "risk": "Police risk level changed", "update": "Update added", "philomena": "Philomena profile pulled into the report",
	"returned": "Return recorded; the return home interview is due within 72 hours", "rhi": "Return home interview recorded", "allocated": "Interview allocated",
	"prompt": "Prompt closed",
}

// episodeChange runs a change from a form on the episode page: on success
// it redirects back to the episode with a flash; a refusal shows the page
// again with the error.
func (h *Handler) episodeChange(w http.ResponseWriter, r *http.Request, done string, fn func(id string, version int) error) {
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	if err := parseForm(r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	version, err := missingVersion(r)
	if err == nil {
		err = fn(id, version)
	}
	if err != nil {
		if s := httpx.Status(err); s >= 500 || s == http.StatusNotFound || s == http.StatusForbidden {
			h.failed(w, r, err)
			return
		}
		h.renderEpisode(w, r, id, httpx.Status(err), r.PostForm, err)
		return
	}
	http.Redirect(w, r, "/missing/"+id+"?done="+done, http.StatusSeeOther)
}

func (h *Handler) missingRisk(w http.ResponseWriter, r *http.Request) {
	h.episodeChange(w, r, "risk", func(id string, version int) error {
		_, err := h.app.ChangeMissingRisk(r.Context(), httpx.ActorFrom(r.Context()), id, version, value(r, "police_risk_level"), value(r, "rationale"))
		return err
	})
}

func (h *Handler) missingUpdate(w http.ResponseWriter, r *http.Request) {
	h.episodeChange(w, r, "update", func(id string, version int) error {
		_, err := h.app.AddMissingUpdate(r.Context(), httpx.ActorFrom(r.Context()), id, version, value(r, "source"), value(r, "update"))
		return err
	})
}

func (h *Handler) missingPullPhilomena(w http.ResponseWriter, r *http.Request) {
	h.episodeChange(w, r, "philomena", func(id string, version int) error {
		_, err := h.app.PullPhilomena(r.Context(), httpx.ActorFrom(r.Context()), id, version)
		return err
	})
}

type missingReturnPage struct {
	missingForm
	View *app.EpisodeView
}

func (h *Handler) missingReturnForm(w http.ResponseWriter, r *http.Request) {
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	now := h.app.Now().In(app.London)
	h.renderReturn(w, r, id, http.StatusOK, url.Values{"found_date": {now.Format("2006-01-02")}, "returned_to": {"Home"}}, nil)
}

func (h *Handler) renderReturn(w http.ResponseWriter, r *http.Request, id string, status int, form url.Values, err error) {
	a := httpx.ActorFrom(r.Context())
	v, verr := h.app.ViewMissingEpisode(r.Context(), a, id)
	if verr != nil {
		h.failed(w, r, verr)
		return
	}
	if !v.CanRecord {
		h.notFound(w, r, "")
		return
	}
	p := &missingReturnPage{missingForm: missingForm{Page: h.page(r, "Record the return of "+v.Episode.PersonName, "/missing"), Form: form}, View: v}
	p.Back = "/missing/" + id
	if err != nil {
		missingSetError(&p.Page, err)
	}
	h.render(w, r, status, "missing_return", p)
}

func (h *Handler) missingReturn(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	if err := parseForm(r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	in := app.MissingReturn{FoundPlace: value(r, "found_place"), FoundBy: value(r, "found_by"), FoundWith: value(r, "found_with"),
		OutOfArea: checked(r, "out_of_area"), Condition: value(r, "condition"), ReturnedTo: value(r, "returned_to")}
	version, err := missingVersion(r)
	if err == nil {
		in.FoundAt, err = app.ParseLondonTime("found_date", "found_time", value(r, "found_date"), value(r, "found_time"))
	}
	if err == nil {
		in.ReturnedAt, err = missingTime(r, "returned_date", "returned_time")
	}
	if err == nil {
		_, err = h.app.RecordReturn(r.Context(), a, id, version, in)
	}
	if err != nil {
		if s := httpx.Status(err); s >= 500 || s == http.StatusNotFound || s == http.StatusForbidden {
			h.failed(w, r, err)
			return
		}
		h.renderReturn(w, r, id, httpx.Status(err), r.PostForm, err)
		return
	}
	http.Redirect(w, r, "/missing/"+id+"?done=returned", http.StatusSeeOther)
}

func (h *Handler) missingResolvePrompt(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	if err := parseForm(r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	version, err := missingVersion(r)
	var m *hub.MissingPrompt
	if err == nil {
		m, err = h.app.ResolveMissingPrompt(r.Context(), a, id, version, value(r, "resolution"), value(r, "note"))
	}
	if err != nil {
		if s := httpx.Status(err); s >= 500 || s == http.StatusNotFound || s == http.StatusForbidden {
			h.failed(w, r, err)
			return
		}
		// The prompt's episode is where the form was; show it again there.
		if ep := value(r, "episode_id"); hub.ValidID(ep) {
			h.renderEpisode(w, r, ep, httpx.Status(err), r.PostForm, err)
			return
		}
		h.RenderError(w, r, err)
		return
	}
	http.Redirect(w, r, "/missing/"+m.EpisodeID+"?done=prompt", http.StatusSeeOther)
}
