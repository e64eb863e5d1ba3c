package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/httpx"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/risk"
)

// Referrals (issue 4, part A): the list of referrals awaiting a decision,
// recording a referral about a child or a context (from its page), a
// referral with its decision form. Forms post the version they were shown;
// a stale one comes back with the conflict message.

func init() {
	featureRoutes = append(featureRoutes, (*Handler).referralRoutes)
	navEntries = append(navEntries, navEntry{"Referrals", "/referrals", access.CaseRead, 14})
	pageNames = append(pageNames, "referrals", "referral", "referral_new")
	for k, v := range map[string]string{
		"subject_kind": "What the referral is about", "subject_id": "What the referral is about", "referrer_name": "The referrer's name",
		"referrer_role": "The referrer's role", "referrer_agency_id": "The referrer's agency", "referrer_org": "The referrer's organisation",
		"received_date": "Date received", "received_time": "Time received", "received_at": "When it was received", "concerns": "The concerns",
		"indicators": "Indicators", "urgency": "Urgency", "decision": "The decision", "decision_reason": "The reason for the decision",
		"allocated_to": "Allocated to", "exploitation": "The type of exploitation",
	} {
		fieldLabels[k] = v
	}
}

func (h *Handler) referralRoutes() []httpx.Route {
	f := func(fn http.HandlerFunc) http.Handler { return fn }
	return []httpx.Route{
		{Pattern: "GET /referrals", Auth: httpx.Session, Action: access.CaseRead, Handler: f(h.referralList)},
		{Pattern: "GET /persons/{id}/referrals/new", Auth: httpx.Session, Action: access.ReferralCreate, Handler: f(h.newReferralForm(hub.SubjectPerson))},
		{Pattern: "POST /persons/{id}/referrals", Auth: httpx.Session, Action: access.ReferralCreate, Handler: f(h.createReferral(hub.SubjectPerson))},
		{Pattern: "GET /contexts/{id}/referrals/new", Auth: httpx.Session, Action: access.ReferralCreate, Handler: f(h.newReferralForm(hub.SubjectContext))},
		{Pattern: "POST /contexts/{id}/referrals", Auth: httpx.Session, Action: access.ReferralCreate, Handler: f(h.createReferral(hub.SubjectContext))},
		{Pattern: "GET /referrals/{id}", Auth: httpx.Session, Action: access.CaseRead, Handler: f(h.referral)},
		{Pattern: "POST /referrals/{id}/decision", Auth: httpx.Session, Action: access.ReferralDecide, Handler: f(h.decideReferral)},
	}
}

// cwBase is what casework pages share: the layout's data and a helper
// describing one form field for the "cw-input" and "cw-textarea" partials.
type cwBase struct {
	Page
}

// cwField describes one form field for the partial templates.
type cwField struct {
	Name, Label, Hint, Value, Width string
	Err                             *FieldError
}

// Field describes the form field name with its label, hint, value and
// width class, and its error if the form was refused.
func (b *cwBase) Field(name, label, hint, value, width string) cwField {
	return cwField{Name: name, Label: label, Hint: hint, Value: value, Width: width, Err: b.FieldError(name)}
}

// Lines splits free text into its lines, for showing them as typed.
func (cwBase) Lines(s string) []string {
	return strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
}

type referralListPage struct {
	cwBase
	All    bool
	List   *app.ReferralList
	Offset int
	Next   int
	Now    time.Time
}

func (h *Handler) referralList(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	q := r.URL.Query()
	offset, _ := strconv.Atoi(q.Get("offset"))
	if offset < 0 || offset > 100000 {
		offset = 0
	}
	all := q.Get("all") == "1"
	list, err := h.app.Referrals(r.Context(), a, app.ReferralQuery{Undecided: !all, Limit: 50, Offset: offset})
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	p := &referralListPage{cwBase: cwBase{h.page(r, "Referrals", "/referrals")}, All: all, List: list, Offset: offset, Now: h.app.Now()}
	if offset+50 < list.Total && len(list.Items) > 0 {
		p.Next = offset + 50
	}
	h.render(w, r, http.StatusOK, "referrals", p)
}

// referralForm records a referral. Form holds the values as typed so a
// refused form comes back as it was left.
type referralForm struct {
	cwBase
	Action      string
	SubjectName string
	SubjectLink string
	Form        referralFields
	Agencies    []*hub.Agency
	Domains     []risk.Domain
	Urgencies   []hub.Urgency
}

// referralFields are the form's values as typed.
type referralFields struct {
	ReferrerName, ReferrerRole, ReferrerAgencyID, ReferrerOrg string
	ReceivedDate, ReceivedTime, Concerns, Urgency             string
	Indicators                                                []string
}

// Checked reports whether indicator code was ticked.
func (f referralFields) Checked(code string) bool {
	for _, c := range f.Indicators {
		if c == code {
			return true
		}
	}
	return false
}

func subjectOf(kind hub.SubjectKind, id string) hub.Subject { return hub.Subject{Kind: kind, ID: id} }

func (h *Handler) referralFormPage(r *http.Request, s hub.Subject, name string, in referralFields) (*referralForm, error) {
	ags, err := h.app.Agencies(r.Context())
	if err != nil {
		return nil, err
	}
	path := "/persons/"
	if s.Kind == hub.SubjectContext {
		path = "/contexts/"
	}
	f := &referralForm{cwBase: cwBase{h.page(r, "Record a referral", "/referrals")}, Action: path + s.ID + "/referrals", SubjectName: name, SubjectLink: path + s.ID,
		Form: in, Agencies: ags, Domains: h.app.Screening().Domains(), Urgencies: hub.Urgencies}
	f.Back = f.SubjectLink
	return f, nil
}

func (h *Handler) newReferralForm(kind hub.SubjectKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a := httpx.ActorFrom(r.Context())
		id, ok := h.pathID(w, r)
		if !ok {
			return
		}
		s := subjectOf(kind, id)
		name, err := h.app.SubjectName(r.Context(), a, access.ReferralCreate, s)
		if err != nil {
			h.failed(w, r, err)
			return
		}
		now := h.app.Now().In(app.London)
		in := referralFields{ReceivedDate: now.Format("2006-01-02"), ReceivedTime: now.Format("15:04"), Urgency: string(hub.UrgencyRoutine)}
		if pr := httpx.PrincipalFrom(r.Context()); pr != nil {
			in.ReferrerName, in.ReferrerAgencyID = pr.User.DisplayName, pr.User.AgencyID
		}
		f, err := h.referralFormPage(r, s, name, in)
		if err != nil {
			h.RenderError(w, r, err)
			return
		}
		h.render(w, r, http.StatusOK, "referral_new", f)
	}
}

func (h *Handler) createReferral(kind hub.SubjectKind) http.HandlerFunc {
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
		s := subjectOf(kind, id)
		in := referralFields{ReferrerName: value(r, "referrer_name"), ReferrerRole: value(r, "referrer_role"), ReferrerAgencyID: value(r, "referrer_agency_id"),
			ReferrerOrg: value(r, "referrer_org"), ReceivedDate: value(r, "received_date"), ReceivedTime: value(r, "received_time"),
			Concerns: value(r, "concerns"), Urgency: value(r, "urgency"), Indicators: indicatorsOf(r)}
		ref, err := h.recordReferral(r, a, s, in)
		if err != nil {
			if st := httpx.Status(err); st >= 500 || st == http.StatusNotFound || st == http.StatusForbidden {
				h.failed(w, r, err)
				return
			}
			name, nerr := h.app.SubjectName(r.Context(), a, access.ReferralCreate, s)
			if nerr != nil {
				h.failed(w, r, nerr)
				return
			}
			f, ferr := h.referralFormPage(r, s, name, in)
			if ferr != nil {
				h.RenderError(w, r, ferr)
				return
			}
			f.SetError(err)
			h.render(w, r, httpx.Status(err), "referral_new", f)
			return
		}
		if access.Can(a, access.CaseRead) {
			http.Redirect(w, r, "/referrals/"+ref.ID+"?done=recorded", http.StatusSeeOther)
			return
		}
		// Those who may refer but not read casework go back to the subject.
		http.Redirect(w, r, subjectPath(s)+"?done=referred", http.StatusSeeOther)
	}
}

func subjectPath(s hub.Subject) string {
	if s.Kind == hub.SubjectContext {
		return "/contexts/" + s.ID
	}
	return "/persons/" + s.ID
}

func (h *Handler) recordReferral(r *http.Request, a *access.Actor, s hub.Subject, in referralFields) (*hub.Referral, error) {
	received, err := app.ParseLondonTime("received_date", "received_time", in.ReceivedDate, in.ReceivedTime)
	if err != nil {
		return nil, err
	}
	org := strings.TrimSpace(in.ReferrerOrg)
	agency := in.ReferrerAgencyID
	if agency == "outside" {
		agency = ""
	} else if agency != "" {
		org = ""
	}
	ref, err := h.app.RecordReferral(r.Context(), a, app.ReferralInput{SubjectKind: string(s.Kind), SubjectID: s.ID, ReferrerName: in.ReferrerName, ReferrerRole: in.ReferrerRole,
		ReferrerAgencyID: agency, ReferrerOrg: org, ReceivedAt: received, Concerns: in.Concerns, Indicators: in.Indicators, Urgency: in.Urgency})
	if hub.ErrorField(err) == "received_at" {
		// The form has a date and a time for it: point at the date.
		err = &hub.Error{Code: hub.ErrorCode(err), Field: "received_date", Message: hub.ErrorMessage(err)}
	}
	return ref, err
}

// indicatorsOf reads the ticked indicator checkboxes ("indicator_<code>").
func indicatorsOf(r *http.Request) []string {
	var out []string
	for k := range r.PostForm {
		if code, ok := strings.CutPrefix(k, "indicator_"); ok && checked(r, k) {
			out = append(out, code)
		}
	}
	return out
}

type referralPage struct {
	cwBase
	View      *app.ReferralView
	Decisions []hub.ReferralDecision
	Decision  string
	Reason    string
	// Exploitations are offered for "open a hub case"; Exploitation holds
	// those ticked.
	Exploitations []hub.ExploitationType
	Exploitation  []string
}

// Ticked reports whether exploitation type x was ticked.
func (p *referralPage) Ticked(x hub.ExploitationType) bool {
	for _, t := range p.Exploitation {
		if t == string(x) {
			return true
		}
	}
	return false
}

var referralDone = map[string]string{"recorded": "The referral has been recorded.", "decided": "The decision has been recorded."}

func (h *Handler) referral(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	v, err := h.app.ViewReferral(r.Context(), a, id)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	p := &referralPage{cwBase: cwBase{h.page(r, "Referral about "+v.SubjectName, "/referrals")}, View: v, Decisions: hub.ReferralDecisions, Exploitations: hub.Exploitations}
	p.Flash = referralDone[r.URL.Query().Get("done")]
	p.Back = "/referrals"
	h.render(w, r, http.StatusOK, "referral", p)
}

func (h *Handler) decideReferral(w http.ResponseWriter, r *http.Request) {
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
	in := app.DecisionInput{Decision: value(r, "decision"), Reason: value(r, "decision_reason")}
	for _, x := range hub.Exploitations {
		if checked(r, "exploitation_"+string(x)) {
			in.Exploitation = append(in.Exploitation, string(x))
		}
	}
	if _, err := h.app.DecideReferral(r.Context(), a, id, version, in); err != nil {
		if st := httpx.Status(err); st >= 500 || st == http.StatusNotFound {
			h.failed(w, r, err)
			return
		}
		v, verr := h.app.ViewReferral(r.Context(), a, id)
		if verr != nil {
			h.failed(w, r, verr)
			return
		}
		p := &referralPage{cwBase: cwBase{h.page(r, "Referral about "+v.SubjectName, "/referrals")}, View: v, Decisions: hub.ReferralDecisions, Decision: in.Decision, Reason: in.Reason,
			Exploitations: hub.Exploitations, Exploitation: in.Exploitation}
		p.Back = "/referrals"
		p.SetError(err)
		h.render(w, r, httpx.Status(err), "referral", p)
		return
	}
	http.Redirect(w, r, "/referrals/"+id+"?done=decided", http.StatusSeeOther)
}
