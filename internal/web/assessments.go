package web

import (
	"net/http"
	"strconv"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/httpx"
	"github.com/safehub/safehub/internal/hub"
)

// The combined risk assessment (issue 4, part A): starting one from a
// child's or a context's page (or a referral), the assessment with each
// agency's contribution, the screening tool's reading and the history, an
// agency's contribution form, and setting the level.

func init() {
	featureRoutes = append(featureRoutes, (*Handler).assessmentRoutes)
	pageNames = append(pageNames, "assessment", "assessment_contribute")
	for k, v := range map[string]string{"evidence": "The evidence", "level": "The level", "referral_id": "The referral"} {
		fieldLabels[k] = v
	}
}

func (h *Handler) assessmentRoutes() []httpx.Route {
	f := func(fn http.HandlerFunc) http.Handler { return fn }
	return []httpx.Route{
		{Pattern: "POST /persons/{id}/assessments", Auth: httpx.Session, Action: access.CaseWrite, Handler: f(h.startAssessment(hub.SubjectPerson))},
		{Pattern: "POST /contexts/{id}/assessments", Auth: httpx.Session, Action: access.CaseWrite, Handler: f(h.startAssessment(hub.SubjectContext))},
		{Pattern: "GET /assessments/{id}", Auth: httpx.Session, Action: access.CaseRead, Handler: f(h.assessment)},
		{Pattern: "GET /assessments/{id}/contribute", Auth: httpx.Session, Action: access.AssessContrib, Handler: f(h.contributionForm)},
		{Pattern: "POST /assessments/{id}/contributions", Auth: httpx.Session, Action: access.AssessContrib, Handler: f(h.contribute)},
		{Pattern: "POST /assessments/{id}/level", Auth: httpx.Session, Action: access.CaseWrite, Handler: f(h.setLevel)},
	}
}

func (h *Handler) startAssessment(kind hub.SubjectKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a := httpx.ActorFrom(r.Context())
		id, ok := h.pathID(w, r)
		if !ok {
			return
		}
		if err := parseForm(r); err != nil {
			h.RenderError(w, r, err)
			return
		}
		x, err := h.app.StartAssessment(r.Context(), a, subjectOf(kind, id), value(r, "referral_id"))
		if err != nil {
			h.failed(w, r, err)
			return
		}
		if access.Can(a, access.AssessContrib) {
			http.Redirect(w, r, "/assessments/"+x.ID+"/contribute", http.StatusSeeOther)
			return
		}
		http.Redirect(w, r, "/assessments/"+x.ID, http.StatusSeeOther)
	}
}

type assessmentPage struct {
	cwBase
	View   *app.AssessmentView
	Levels []hub.RiskLevel
	Level  string
	Reason string
}

var assessmentDone = map[string]string{"contributed": "Your agency's contribution has been saved.", "level": "The risk level has been set."}

func (h *Handler) assessment(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	v, err := h.app.ViewAssessment(r.Context(), a, id)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	p := h.assessmentPageFor(r, v)
	p.Flash = assessmentDone[r.URL.Query().Get("done")]
	h.render(w, r, http.StatusOK, "assessment", p)
}

func (h *Handler) assessmentPageFor(r *http.Request, v *app.AssessmentView) *assessmentPage {
	p := &assessmentPage{cwBase: cwBase{h.page(r, "Combined risk assessment: "+v.SubjectName, "/referrals")}, View: v, Levels: hub.RiskLevels, Level: string(v.Assessment.Suggested)}
	if v.Assessment.Level != "" {
		p.Level = string(v.Assessment.Level)
	}
	p.Back = v.SubjectLink
	return p
}

type contributionPage struct {
	cwBase
	Form       *app.ContributionForm
	Indicators []string
	Evidence   string
}

// Checked reports whether indicator code is ticked.
func (p *contributionPage) Checked(code string) bool {
	for _, c := range p.Indicators {
		if c == code {
			return true
		}
	}
	return false
}

func (h *Handler) contributionForm(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	f, err := h.app.ContributionFormFor(r.Context(), a, id)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	p := &contributionPage{cwBase: cwBase{h.page(r, "Your agency's contribution", "/referrals")}, Form: f}
	if c := f.Current; c != nil {
		p.Indicators, p.Evidence = c.Indicators, c.Evidence
	}
	p.Back = "/assessments/" + id
	p.Flash = assessmentDone[r.URL.Query().Get("done")]
	h.render(w, r, http.StatusOK, "assessment_contribute", p)
}

func (h *Handler) contribute(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	if err := parseForm(r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	in := app.ContributionInput{Indicators: indicatorsOf(r), Evidence: value(r, "evidence")}
	if _, err := h.app.Contribute(r.Context(), a, id, in); err != nil {
		if st := httpx.Status(err); st >= 500 || st == http.StatusNotFound {
			h.failed(w, r, err)
			return
		}
		f, ferr := h.app.ContributionFormFor(r.Context(), a, id)
		if ferr != nil {
			h.failed(w, r, ferr)
			return
		}
		p := &contributionPage{cwBase: cwBase{h.page(r, "Your agency's contribution", "/referrals")}, Form: f, Indicators: in.Indicators, Evidence: in.Evidence}
		p.Back = "/assessments/" + id
		p.SetError(err)
		h.render(w, r, httpx.Status(err), "assessment_contribute", p)
		return
	}
	if access.Can(a, access.CaseRead) {
		http.Redirect(w, r, "/assessments/"+id+"?done=contributed", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/assessments/"+id+"/contribute?done=contributed", http.StatusSeeOther)
}

func (h *Handler) setLevel(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	if err := parseForm(r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	version, err := strconv.Atoi(value(r, "version"))
	if err != nil || version < 1 {
		h.RenderError(w, r, hub.Invalid("version", "is missing; reload the page"))
		return
	}
	in := app.LevelInput{Level: value(r, "level"), Reason: value(r, "reason")}
	if _, err := h.app.SetAssessmentLevel(r.Context(), a, id, version, in); err != nil {
		if st := httpx.Status(err); st >= 500 || st == http.StatusNotFound {
			h.failed(w, r, err)
			return
		}
		v, verr := h.app.ViewAssessment(r.Context(), a, id)
		if verr != nil {
			h.failed(w, r, verr)
			return
		}
		p := h.assessmentPageFor(r, v)
		p.Level, p.Reason = in.Level, in.Reason
		p.SetError(err)
		h.render(w, r, httpx.Status(err), "assessment", p)
		return
	}
	http.Redirect(w, r, "/assessments/"+id+"?done=level", http.StatusSeeOther)
}
