package web

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/httpx"
	"github.com/safehub/safehub/internal/hub"
)

// Return home interviews (issue 4, part C).

func init() {
	featureRoutes = append(featureRoutes, func(h *Handler) []httpx.Route {
		f := func(fn http.HandlerFunc) http.Handler { return fn }
		return []httpx.Route{
			{Pattern: "GET /missing/interviews", Auth: httpx.Session, Action: access.CaseRead, Handler: f(h.rhiList)},
			{Pattern: "GET /missing/{id}/rhi", Auth: httpx.Session, Action: access.MissingRecord, Handler: f(h.rhiForm)},
			{Pattern: "POST /missing/{id}/rhi", Auth: httpx.Session, Action: access.MissingRecord, Handler: f(h.rhiRecord)},
			{Pattern: "POST /missing/{id}/rhi/allocate", Auth: httpx.Session, Action: access.MissingRecord, Handler: f(h.rhiAllocate)},
		}
	})
	pageNames = append(pageNames, "rhi_form", "rhi_list")
	for k, v := range map[string]string{
		"offered_date": "Date offered", "offered_time": "Time offered", "completed_date": "Date held, declined or closed",
		"completed_time": "Time held, declined or closed", "interviewer_kind": "Interviewer's role",
		"not_independent_reason": "Why the interviewer is not independent", "declined_reason": "Why it was declined", "push_factors": "Push factors",
		"pull_factors": "Pull factors", "disclosures": "Disclosures", "people_named": "People named", "places_named": "Places named",
		"shared_with": "Shared with", "allocated_to": "Allocated to",
	} {
		if _, ok := fieldLabels[k]; !ok {
			fieldLabels[k] = v
		}
	}
}

type rhiFormPage struct {
	missingForm
	View *app.EpisodeView
}

func (h *Handler) rhiForm(w http.ResponseWriter, r *http.Request) {
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	h.renderRHI(w, r, id, http.StatusOK, nil, nil)
}

func (h *Handler) renderRHI(w http.ResponseWriter, r *http.Request, id string, status int, form url.Values, err error) {
	a := httpx.ActorFrom(r.Context())
	v, verr := h.app.ViewMissingEpisode(r.Context(), a, id)
	if verr != nil {
		h.failed(w, r, verr)
		return
	}
	if !v.CanRecord || v.Interview == nil {
		h.notFound(w, r, "")
		return
	}
	if form == nil {
		form = interviewForm(v.Interview, h.app.Now())
	}
	p := &rhiFormPage{missingForm: missingForm{Page: h.page(r, "Return home interview: "+v.Episode.PersonName, "/missing"), Form: form}, View: v}
	p.Back = "/missing/" + id
	if err != nil {
		missingSetError(&p.Page, err)
	}
	h.render(w, r, status, "rhi_form", p)
}

// interviewForm fills the form from the interview as it stands.
func interviewForm(rhi *hub.ReturnInterview, now time.Time) url.Values {
	f := url.Values{"version": {strconv.Itoa(rhi.Version)}, "status": {string(rhi.Status)}, "interviewer": {rhi.Interviewer},
		"interviewer_kind": {rhi.InterviewerKind}, "not_independent_reason": {rhi.NotIndependentReason}, "declined_reason": {rhi.DeclinedReason},
		"push_factors": {rhi.PushFactors}, "pull_factors": {rhi.PullFactors}, "disclosures": {rhi.Disclosures}, "people_named": {rhi.PeopleNamed},
		"places_named": {rhi.PlacesNamed}, "shared_with": {rhi.SharedWith}}
	if rhi.Status == hub.RHIDue {
		f.Set("status", "completed")
		f.Set("interviewer_kind", "independent_provider")
		f.Set("independent", "yes")
	} else if rhi.Independent {
		f.Set("independent", "yes")
	}
	for _, t := range []struct {
		at         time.Time
		date, time string
	}{{rhi.OfferedAt, "offered_date", "offered_time"}, {rhi.CompletedAt, "completed_date", "completed_time"}} {
		if !t.at.IsZero() {
			f.Set(t.date, t.at.In(app.London).Format("2006-01-02"))
			f.Set(t.time, t.at.In(app.London).Format("15:04"))
		}
	}
	if rhi.CompletedAt.IsZero() {
		f.Set("completed_date", now.In(app.London).Format("2006-01-02"))
	}
	return f
}

func (h *Handler) rhiRecord(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	if err := parseForm(r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	in := app.InterviewInput{Status: value(r, "status"), Interviewer: value(r, "interviewer"), InterviewerKind: value(r, "interviewer_kind"),
		Independent: checked(r, "independent"), NotIndependentReason: value(r, "not_independent_reason"), DeclinedReason: value(r, "declined_reason"),
		PushFactors: value(r, "push_factors"), PullFactors: value(r, "pull_factors"), Disclosures: value(r, "disclosures"),
		PeopleNamed: value(r, "people_named"), PlacesNamed: value(r, "places_named"), SharedWith: value(r, "shared_with")}
	version, err := missingVersion(r)
	if err == nil {
		in.OfferedAt, err = missingTime(r, "offered_date", "offered_time")
	}
	if err == nil && in.Status != string(hub.RHIOffered) {
		in.CompletedAt, err = missingTime(r, "completed_date", "completed_time")
	}
	if err == nil {
		_, err = h.app.RecordInterview(r.Context(), a, id, version, in)
	}
	if err != nil {
		if s := httpx.Status(err); s >= 500 || s == http.StatusNotFound || s == http.StatusForbidden {
			h.failed(w, r, err)
			return
		}
		h.renderRHI(w, r, id, httpx.Status(err), r.PostForm, err)
		return
	}
	http.Redirect(w, r, "/missing/"+id+"?done=rhi", http.StatusSeeOther)
}

func (h *Handler) rhiAllocate(w http.ResponseWriter, r *http.Request) {
	h.episodeChange(w, r, "allocated", func(id string, version int) error {
		_, err := h.app.AllocateInterview(r.Context(), httpx.ActorFrom(r.Context()), id, version, value(r, "allocated_to"))
		return err
	})
}

type rhiListPage struct {
	missingForm
	List   *app.InterviewList
	Status string
	Mine   bool
	Next   int
}

// rhiList is the managers' list of return home interviews: overdue first
// by default, filterable by status and to one's own.
func (h *Handler) rhiList(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	q := r.URL.Query()
	p := &rhiListPage{missingForm: missingForm{Page: h.page(r, "Return home interviews", "/missing"), Form: q}, Status: q.Get("status"), Mine: q.Get("mine") == "1"}
	if !q.Has("status") {
		p.Status = "overdue"
		p.Form.Set("status", "overdue")
	}
	p.Back = "/missing"
	offset, _ := strconv.Atoi(q.Get("offset"))
	list, err := h.app.ReturnInterviews(r.Context(), a, app.InterviewQuery{Status: p.Status, Mine: p.Mine, Limit: 50, Offset: offset})
	if err != nil {
		if httpx.Status(err) >= 500 {
			h.RenderError(w, r, err)
			return
		}
		p.SetError(err)
		p.List = &app.InterviewList{}
		h.render(w, r, httpx.Status(err), "rhi_list", p)
		return
	}
	p.List = list
	if offset+len(list.Interviews) < list.Total {
		p.Next = offset + len(list.Interviews)
	}
	h.render(w, r, http.StatusOK, "rhi_list", p)
}
