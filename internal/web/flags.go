package web

import (
	"net/http"
	"strconv"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/httpx"
	"github.com/safehub/safehub/internal/hub"
)

// Health flags (issue 5): the nurse's desk, setting a flag from a child's
// page, a flag with its history, and the forms to review, change, end or
// withdraw it and to record consultations and referrals. Each form posts
// the version it was shown in a hidden field; a stale one comes back with
// the conflict message.

func init() {
	featureRoutes = append(featureRoutes, (*Handler).flagRoutes)
	navEntries = append(navEntries, navEntry{"Health flags", "/flags", access.FlagDesk, 20})
	pageNames = append(pageNames, "flags_desk", "flags_form", "flags_flag", "flags_review", "flags_end", "flags_withdraw", "flags_consultation", "flags_referral")
	homeLoaders = append(homeLoaders, func(h *Handler, r *http.Request, p *homePage) error {
		a := httpx.ActorFrom(r.Context())
		if !access.Can(a, access.FlagDesk) {
			return nil
		}
		d, err := h.app.FlagDeskSummary(r.Context(), a)
		if err != nil {
			return err
		}
		p.FlagDesk = d
		return nil
	})
}

func (h *Handler) flagRoutes() []httpx.Route {
	f := func(fn http.HandlerFunc) http.Handler { return fn }
	return []httpx.Route{
		{Pattern: "GET /flags", Auth: httpx.Session, Action: access.FlagDesk, Handler: f(h.flagDesk)},
		{Pattern: "GET /persons/{id}/flags/new", Auth: httpx.Session, Action: access.FlagWrite, Handler: f(h.newFlagForm)},
		{Pattern: "POST /persons/{id}/flags", Auth: httpx.Session, Action: access.FlagWrite, Handler: f(h.setFlag)},
		{Pattern: "GET /flags/{id}", Auth: httpx.Session, Action: access.FlagRead, Handler: f(h.viewFlag)},
		{Pattern: "GET /flags/{id}/edit", Auth: httpx.Session, Action: access.FlagWrite, Handler: f(h.flagActionForm("edit"))},
		{Pattern: "POST /flags/{id}", Auth: httpx.Session, Action: access.FlagWrite, Handler: f(h.updateFlag)},
		{Pattern: "GET /flags/{id}/review", Auth: httpx.Session, Action: access.FlagWrite, Handler: f(h.flagActionForm("review"))},
		{Pattern: "POST /flags/{id}/review", Auth: httpx.Session, Action: access.FlagWrite, Handler: f(h.flagAction("review"))},
		{Pattern: "GET /flags/{id}/end", Auth: httpx.Session, Action: access.FlagWrite, Handler: f(h.flagActionForm("end"))},
		{Pattern: "POST /flags/{id}/end", Auth: httpx.Session, Action: access.FlagWrite, Handler: f(h.flagAction("end"))},
		{Pattern: "GET /flags/{id}/entered-in-error", Auth: httpx.Session, Action: access.FlagWrite, Handler: f(h.flagActionForm("withdraw"))},
		{Pattern: "POST /flags/{id}/entered-in-error", Auth: httpx.Session, Action: access.FlagWrite, Handler: f(h.flagAction("withdraw"))},
		{Pattern: "GET /flags/{id}/consultations/new", Auth: httpx.Session, Action: access.FlagWrite, Handler: f(h.flagActionForm("consultation"))},
		{Pattern: "POST /flags/{id}/consultations", Auth: httpx.Session, Action: access.FlagWrite, Handler: f(h.flagAction("consultation"))},
		{Pattern: "GET /flags/{id}/referrals/new", Auth: httpx.Session, Action: access.FlagWrite, Handler: f(h.flagActionForm("referral"))},
		{Pattern: "POST /flags/{id}/referrals", Auth: httpx.Session, Action: access.FlagWrite, Handler: f(h.flagAction("referral"))},
		{Pattern: "POST /flag-referrals/{id}/outcome", Auth: httpx.Session, Action: access.FlagWrite, Handler: f(h.flagReferralOutcome)},
	}
}

// flagBase is what every flag page shares: the layout's data and a helper
// describing one form field for the "flag-input" templates.
type flagBase struct {
	Page
}

// flagFieldArgs describes one form field for the partial templates.
type flagFieldArgs struct {
	Name, Label, Hint, Value, Width string
	Err                             *FieldError
}

// Field describes the form field name with its label, hint, value and
// width class, and its error if the form was refused.
func (b *flagBase) Field(name, label, hint, value, width string) flagFieldArgs {
	return flagFieldArgs{Name: name, Label: label, Hint: hint, Value: value, Width: width, Err: b.FieldError(name)}
}

// RiskSelect describes the risk-level select for the "flag-risk-select"
// template; optional adds a "no change" choice.
func (b *flagBase) RiskSelect(label, value string, optional bool) map[string]any {
	return map[string]any{"Page": &b.Page, "Label": label, "Value": value, "Optional": optional, "Risks": hub.FlagRiskLevels}
}

// flagFieldLabels name the flag forms' fields in error messages ("Advice
// for health staff is 412 characters long …"). They are the flag pages'
// own, whatever other features call fields of the same name.
var flagFieldLabels = map[string]string{
	"category": "Category", "risk_level": "Risk level", "start_date": "Start date", "review_date": "Review date", "reason": "The reason",
	"advice": "Advice for health staff", "contact_phone": "Contact phone", "contact_hours": "Contact hours",
	"lead_user_id": "Lead practitioner", "end_date": "End date", "end_reason": "The reason", "note": "The note",
	"consulted_on": "Date of the call", "caller": "Caller", "setting": "Setting", "service": "Service",
	"referred_on": "Date of referral", "outcome": "Outcome",
}

// setFlagError records err on the page: a field's error with the flag
// forms' label for it, and errors about a flag's state (its status) as
// sentences of their own.
func (b *flagBase) setFlagError(err error) {
	field := hub.ErrorField(err)
	if field == "status" {
		b.Errors = append(b.Errors, FieldError{Message: capitalise(hub.ErrorMessage(err))})
		return
	}
	if label, ok := flagFieldLabels[field]; ok {
		b.Errors = append(b.Errors, FieldError{Field: field, Message: capitalise(label + " " + hub.ErrorMessage(err))})
		return
	}
	b.SetError(err)
}

type flagDeskPage struct {
	flagBase
	Desk *app.FlagDesk
}

func (h *Handler) flagDesk(w http.ResponseWriter, r *http.Request) {
	d, err := h.app.FlagDesk(r.Context(), httpx.ActorFrom(r.Context()))
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	p := &flagDeskPage{flagBase: flagBase{h.page(r, "Health flags", "/flags")}, Desk: d}
	h.render(w, r, http.StatusOK, "flags_desk", p)
}

// flagFormPage sets or changes a flag.
type flagFormPage struct {
	flagBase
	Person     *hub.Person
	Action     string
	Version    int
	Editing    bool
	Form       app.FlagInput
	Categories []hub.FlagCategory
	Risks      []hub.RiskLevel
	Leads      []app.FlagLeadOption
	MaxAdvice  int
}

func (h *Handler) flagForm(r *http.Request, title string, p *hub.Person, in app.FlagInput) (*flagFormPage, error) {
	leads, err := h.app.FlagLeads(r.Context(), httpx.ActorFrom(r.Context()), p.AreaID)
	if err != nil {
		return nil, err
	}
	f := &flagFormPage{flagBase: flagBase{h.page(r, title, "/persons")}, Person: p, Form: in, Categories: h.app.FlagCategories(),
		Risks: hub.FlagRiskLevels, Leads: leads, MaxAdvice: hub.MaxFlagAdvice}
	return f, nil
}

func (h *Handler) newFlagForm(w http.ResponseWriter, r *http.Request) {
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	v, err := h.app.ViewPerson(r.Context(), httpx.ActorFrom(r.Context()), id)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	if v.Flags == nil || !v.Flags.CanSet {
		h.notFound(w, r, "")
		return
	}
	f, err := h.flagForm(r, "Set a health flag", v.Person, h.app.FlagDefaults())
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	f.Action, f.Back = "/persons/"+id+"/flags", "/persons/"+id
	h.render(w, r, http.StatusOK, "flags_form", f)
}

// flagInput reads the set-or-change form.
func flagInput(r *http.Request) app.FlagInput {
	return app.FlagInput{Category: value(r, "category"), RiskLevel: value(r, "risk_level"), Start: value(r, "start_date"), ReviewDue: value(r, "review_date"),
		Reason: value(r, "reason"), Advice: value(r, "advice"), ContactPhone: value(r, "contact_phone"), ContactHours: value(r, "contact_hours"),
		LeadUserID: value(r, "lead_user_id")}
}

func (h *Handler) setFlag(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	if err := parseForm(r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	in := flagInput(r)
	fl, err := h.app.SetFlag(r.Context(), a, id, in)
	if err == nil {
		http.Redirect(w, r, "/flags/"+fl.ID+"?done=set", http.StatusSeeOther)
		return
	}
	if s := httpx.Status(err); s >= 500 || s == http.StatusNotFound {
		h.failed(w, r, err)
		return
	}
	v, verr := h.app.ViewPerson(r.Context(), a, id)
	if verr != nil {
		h.failed(w, r, verr)
		return
	}
	f, ferr := h.flagForm(r, "Set a health flag", v.Person, in)
	if ferr != nil {
		h.RenderError(w, r, ferr)
		return
	}
	f.Action, f.Back = "/persons/"+id+"/flags", "/persons/"+id
	f.setFlagError(err)
	h.render(w, r, httpx.Status(err), "flags_form", f)
}

// flagPage shows a flag with its history.
type flagPage struct {
	flagBase
	View     *app.FlagView
	Outcomes []hub.FlagReferralOutcome
	// CaseOutcomes are casework's, for referrals kept on the child's case.
	CaseOutcomes []hub.ServiceOutcome
}

// flagDone are the confirmations shown after a change, by the done
// parameter of the redirect.
var flagDone = map[string]string{
	"set": "Flag set", "update": "Flag changed", "review": "Review recorded", "end": "Flag ended",
	"withdraw": "Flag marked as entered in error", "consultation": "Consultation recorded", "referral": "Referral recorded", "outcome": "Referral outcome recorded",
}

func (h *Handler) viewFlag(w http.ResponseWriter, r *http.Request) {
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	p, err := h.flagPage(r, id)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	p.Flash = flagDone[r.URL.Query().Get("done")]
	h.render(w, r, http.StatusOK, "flags_flag", p)
}

func (h *Handler) flagPage(r *http.Request, id string) (*flagPage, error) {
	v, err := h.app.ViewFlag(r.Context(), httpx.ActorFrom(r.Context()), id)
	if err != nil {
		return nil, err
	}
	p := &flagPage{flagBase: flagBase{h.page(r, v.Flag.Category.Label()+" flag: "+v.Person.Name(), "/flags")}, View: v, Outcomes: hub.FlagReferralOutcomes, CaseOutcomes: hub.ServiceOutcomes}
	p.Back = "/persons/" + v.Person.ID
	return p, nil
}

// flagActionPage holds the small forms on a flag: review, end, withdraw,
// consultation and referral.
type flagActionPage struct {
	flagBase
	View    *app.FlagView
	Kind    string
	Version int
	Form    flagActionForm
	Risks   []hub.RiskLevel
	// Services and Outcomes are the referral form's choices: the case
	// service pathways and casework's outcomes when the child has an
	// active case (View.ReferralCaseID), the flag services and referral
	// outcomes otherwise.
	Services []option
	Outcomes []option
}

// option is a choice in a select.
type option struct{ Value, Label string }

// flagActionForm is every small form's fields, as typed.
type flagActionForm struct {
	ReviewDate, RiskLevel, Note, EndDate, Reason string
	On, Caller, Setting                          string
	Service, ReferredOn, Outcome                 string
}

var flagActionTitles = map[string]string{
	"review": "Review the flag", "end": "End the flag", "withdraw": "Mark the flag as entered in error",
	"consultation": "Record a consultation", "referral": "Refer to a service",
}

var flagActionTemplates = map[string]string{
	"review": "flags_review", "end": "flags_end", "withdraw": "flags_withdraw", "consultation": "flags_consultation", "referral": "flags_referral",
}

// flagActionForm serves the form for kind: "edit" (the set-a-flag form
// filled with the flag) or one of the small forms.
func (h *Handler) flagActionForm(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := h.pathID(w, r)
		if !ok {
			return
		}
		v, err := h.app.ViewFlag(r.Context(), httpx.ActorFrom(r.Context()), id)
		if err != nil {
			h.failed(w, r, err)
			return
		}
		if !v.CanWrite {
			if v.Flag.Terminal() {
				http.Redirect(w, r, "/flags/"+id, http.StatusSeeOther)
				return
			}
			h.notFound(w, r, "")
			return
		}
		if kind == "edit" {
			f := v.Flag
			in := app.FlagInput{Category: string(f.Category), RiskLevel: string(f.RiskLevel), Start: f.Start.String(), ReviewDue: f.ReviewDue.String(),
				Reason: f.Reason, Advice: f.Advice, ContactPhone: f.ContactPhone, ContactHours: f.ContactHours, LeadUserID: f.LeadUserID}
			p, err := h.flagForm(r, "Change the flag", v.Person, in)
			if err != nil {
				h.RenderError(w, r, err)
				return
			}
			p.Action, p.Version, p.Editing, p.Back = "/flags/"+id, f.Version, true, "/flags/"+id
			h.render(w, r, http.StatusOK, "flags_form", p)
			return
		}
		p := h.flagActionPageFor(r, kind, v)
		p.Version = v.Flag.Version
		p.Form.ReviewDate = h.app.FlagDefaults().ReviewDue
		p.Form.RiskLevel = string(v.Flag.RiskLevel)
		p.Form.EndDate, p.Form.On, p.Form.ReferredOn = h.app.Today().String(), h.app.Today().String(), h.app.Today().String()
		p.Form.Outcome = string(hub.ReferralAwaiting)
		if v.ReferralCaseID != "" {
			p.Form.Outcome = string(hub.ServicePending)
		}
		h.render(w, r, http.StatusOK, flagActionTemplates[kind], p)
	}
}

func (h *Handler) flagActionPageFor(r *http.Request, kind string, v *app.FlagView) *flagActionPage {
	p := &flagActionPage{flagBase: flagBase{h.page(r, flagActionTitles[kind], "/flags")}, View: v, Kind: kind, Risks: hub.FlagRiskLevels}
	if v.ReferralCaseID != "" {
		for _, pw := range h.app.Config().Cases.ServicePathways {
			p.Services = append(p.Services, option{pw.Code, pw.Label + " (" + pw.Provider + ")"})
		}
		for _, o := range hub.ServiceOutcomes {
			p.Outcomes = append(p.Outcomes, option{string(o), o.Label()})
		}
	} else {
		for _, s := range h.app.FlagServices() {
			p.Services = append(p.Services, option{s, s})
		}
		for _, o := range hub.FlagReferralOutcomes {
			p.Outcomes = append(p.Outcomes, option{string(o), o.Label()})
		}
	}
	p.Back = "/flags/" + v.Flag.ID
	return p
}

// flagFormVersion reads the hidden version field.
func flagFormVersion(r *http.Request) (int, error) {
	v, err := strconv.Atoi(value(r, "version"))
	if err != nil || v < 1 {
		return 0, hub.Invalid("version", "is missing; reload the page")
	}
	return v, nil
}

func (h *Handler) updateFlag(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	if err := parseForm(r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	version, err := flagFormVersion(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	in := flagInput(r)
	if _, err = h.app.UpdateFlag(r.Context(), a, id, version, in); err == nil {
		http.Redirect(w, r, "/flags/"+id+"?done=update", http.StatusSeeOther)
		return
	}
	if s := httpx.Status(err); s >= 500 || s == http.StatusNotFound {
		h.failed(w, r, err)
		return
	}
	v, verr := h.app.ViewFlag(r.Context(), a, id)
	if verr != nil {
		h.failed(w, r, verr)
		return
	}
	p, ferr := h.flagForm(r, "Change the flag", v.Person, in)
	if ferr != nil {
		h.RenderError(w, r, ferr)
		return
	}
	p.Action, p.Version, p.Editing, p.Back = "/flags/"+id, version, true, "/flags/"+id
	p.setFlagError(err)
	h.render(w, r, httpx.Status(err), "flags_form", p)
}

// flagAction handles the small forms' posts.
func (h *Handler) flagAction(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a := httpx.ActorFrom(r.Context())
		ctx := r.Context()
		id, ok := h.pathID(w, r)
		if !ok {
			return
		}
		if err := parseForm(r); err != nil {
			h.RenderError(w, r, err)
			return
		}
		form := flagActionForm{ReviewDate: value(r, "review_date"), RiskLevel: value(r, "risk_level"), Note: value(r, "note"), EndDate: value(r, "end_date"),
			Reason: value(r, "end_reason"), On: value(r, "consulted_on"), Caller: value(r, "caller"), Setting: value(r, "setting"),
			Service: value(r, "service"), ReferredOn: value(r, "referred_on"), Outcome: value(r, "outcome")}
		version := 0
		if kind == "review" || kind == "end" || kind == "withdraw" {
			var err error
			if version, err = flagFormVersion(r); err != nil {
				h.RenderError(w, r, err)
				return
			}
		}
		var err error
		switch kind {
		case "review":
			_, err = h.app.ReviewFlag(ctx, a, id, version, app.FlagReview{NextReview: form.ReviewDate, RiskLevel: form.RiskLevel, Note: form.Note})
		case "end":
			_, err = h.app.EndFlag(ctx, a, id, version, form.EndDate, form.Reason)
		case "withdraw":
			_, err = h.app.MarkFlagEnteredInError(ctx, a, id, version, form.Reason)
		case "consultation":
			_, err = h.app.RecordConsultation(ctx, a, id, app.FlagConsultationInput{On: form.On, Caller: form.Caller, Setting: form.Setting, Note: form.Note})
		case "referral":
			_, err = h.app.RecordFlagReferral(ctx, a, id, app.FlagReferralInput{Service: form.Service, ReferredOn: form.ReferredOn, Outcome: form.Outcome, Note: form.Note})
		}
		if err == nil {
			http.Redirect(w, r, "/flags/"+id+"?done="+kind, http.StatusSeeOther)
			return
		}
		if s := httpx.Status(err); s >= 500 || s == http.StatusNotFound {
			h.failed(w, r, err)
			return
		}
		v, verr := h.app.ViewFlag(ctx, a, id)
		if verr != nil {
			h.failed(w, r, verr)
			return
		}
		p := h.flagActionPageFor(r, kind, v)
		p.Version, p.Form = version, form
		p.setFlagError(err)
		h.render(w, r, httpx.Status(err), flagActionTemplates[kind], p)
	}
}

// referralOutcome records a referral's outcome from the flag page.
func (h *Handler) flagReferralOutcome(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	if err := parseForm(r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	version, err := flagFormVersion(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	ref, err := h.app.RecordFlagReferralOutcome(r.Context(), a, id, version, value(r, "outcome"), value(r, "note"))
	if err != nil {
		h.failed(w, r, err)
		return
	}
	http.Redirect(w, r, "/flags/"+ref.FlagID+"?done=outcome", http.StatusSeeOther)
}
