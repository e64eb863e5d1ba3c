package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/deadline"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
)

// MissingConfig holds the local rules of missing episodes, return home
// interviews and NRM referrals (issue 4, part C). Zero fields take the
// defaults.
type MissingConfig struct {
	// RepeatCount episodes within RepeatWindow (default 3 in 90 days), or
	// any high-risk episode when RepeatOnHighRisk, raise a prompt for a
	// strategy discussion or a repeat-missing review (domain.md §3.3:
	// LOCAL; some areas use 2 in 30 days). Children missing education do
	// not count.
	RepeatCount      int
	RepeatWindow     time.Duration
	RepeatOnHighRisk bool
	// ReviewWorkingDays is when a repeat-missing review falls due after the
	// prompt (default 5 working days); StrategyWorkingDays when a strategy
	// discussion after a high-risk episode does (default 1).
	ReviewWorkingDays   int
	StrategyWorkingDays int
	// RHIHours is how long after the return a return home interview is due
	// (statutory: 72 hours).
	RHIHours int
	// NRMDecisionWorkingDays is the reasonable-grounds target (about 5
	// working days); NRMRecoveryDays the recovery period after a positive
	// decision (at least 30 calendar days).
	NRMDecisionWorkingDays int
	NRMRecoveryDays        int
	// PhilomenaReviewMonths is how long a Philomena profile stands before
	// its review is due (LOCAL; default 3 months).
	PhilomenaReviewMonths int
}

// DefaultMissingConfig returns the defaults.
func DefaultMissingConfig() MissingConfig {
	return MissingConfig{RepeatCount: 3, RepeatWindow: 90 * 24 * time.Hour, RepeatOnHighRisk: true, ReviewWorkingDays: 5, StrategyWorkingDays: 1,
		RHIHours: 72, NRMDecisionWorkingDays: 5, NRMRecoveryDays: hub.MinRecoveryDays, PhilomenaReviewMonths: 3}
}

// missingRules returns the configured rules with defaults for zero fields.
func (a *App) missingRules() MissingConfig {
	c, d := a.cfg.Missing, DefaultMissingConfig()
	if c == (MissingConfig{}) {
		return d
	}
	for _, f := range []struct{ v, def *int }{{&c.RepeatCount, &d.RepeatCount}, {&c.ReviewWorkingDays, &d.ReviewWorkingDays}, {&c.StrategyWorkingDays, &d.StrategyWorkingDays},
		{&c.RHIHours, &d.RHIHours}, {&c.NRMDecisionWorkingDays, &d.NRMDecisionWorkingDays}, {&c.PhilomenaReviewMonths, &d.PhilomenaReviewMonths}} {
		if *f.v <= 0 {
			*f.v = *f.def
		}
	}
	if c.RepeatWindow <= 0 {
		c.RepeatWindow = d.RepeatWindow
	}
	if c.NRMRecoveryDays < hub.MinRecoveryDays {
		c.NRMRecoveryDays = hub.MinRecoveryDays
	}
	return c
}

// RepeatRule is the repeat-missing rule as configured, for pages that
// explain it.
func (a *App) RepeatRule() MissingConfig { return a.missingRules() }

// calendar is the working-day calendar deadlines use.
var calendar = deadline.EnglandWales()

// PersonMissing is the missing-episodes part of a person view.
type PersonMissing struct {
	Episodes []*hub.MissingEpisode
	// Interviews holds each returned episode's return home interview, by
	// episode id.
	Interviews map[string]*hub.ReturnInterview
	// Prompts are the open repeat-missing prompts.
	Prompts []*hub.MissingPrompt
	// Philomena is the latest version of the child's Philomena profile, or
	// nil.
	Philomena *hub.PhilomenaProfile
	// Recent counts police-recorded episodes in the repeat-missing window
	// up to now; Rule is the rule.
	Recent int
	Rule   MissingConfig
	// CanRecord says the viewer may report the child missing and record
	// returns and interviews.
	CanRecord bool
	// Open is the child's open episode, if any.
	Open *hub.MissingEpisode
}

// WindowDays is the repeat-missing rule's window in days.
func (m *PersonMissing) WindowDays() int { return int(m.Rule.RepeatWindow / (24 * time.Hour)) }

// PersonNRM is the modern-slavery (NRM) part of a person view.
type PersonNRM struct {
	Referrals []*NRMView
	CanRefer  bool
}

func init() {
	personLoaders = append(personLoaders, loadPersonMissing, loadPersonNRM)
	chronologySources = append(chronologySources, missingChronology)
	workSources = append(workSources, missingWork)
	workReassigners["rhi"] = reassignInterview
}

// decideCasework decides act on the missing and NRM records of person p:
// they are in the child's area, as sensitive as the child, and the team of
// the child's active cases may see them wherever they work (decide fills
// the team in). A break-glass grant on the person opens their casework for
// reading too (the grant is for the child's whole record), never for
// changing it.
func (a *App) decideCasework(tx *store.Tx, actor *access.Actor, act access.Action, p *hub.Person) access.Decision {
	rec := access.PersonRecord(p).PartOf(hub.PartMissing)
	d := a.decide(tx, actor, act, rec)
	if d.Allow || act != access.CaseRead || !access.Can(actor, act) {
		return d
	}
	if g := a.decide(tx, actor, access.PersonRead, rec); g.ViaBreakGlass {
		return g
	}
	return d
}

// casefileScope is the scope of lists and work items for actor: persons in
// their areas (restricted ones only for roles that see them).
func casefileScope(actor *access.Actor) store.CasefileScope {
	return store.CasefileScope{AreaIDs: actor.AreaIDs, Restricted: access.SeesRestricted(actor)}
}

func loadPersonMissing(a *App, tx *store.Tx, actor *access.Actor, p *hub.Person, v *PersonView) error {
	if !a.decideCasework(tx, actor, access.CaseRead, p).Allow {
		return nil
	}
	rules := a.missingRules()
	m := &PersonMissing{Interviews: map[string]*hub.ReturnInterview{}, Rule: rules}
	var err error
	if m.Episodes, err = tx.PersonEpisodes(p.ID); err != nil {
		return err
	}
	rhis, err := tx.PersonInterviews(p.ID)
	if err != nil {
		return err
	}
	for _, r := range rhis {
		m.Interviews[r.EpisodeID] = r
	}
	prompts, err := tx.PersonPrompts(p.ID)
	if err != nil {
		return err
	}
	for _, pr := range prompts {
		if pr.Open() {
			m.Prompts = append(m.Prompts, pr)
		}
	}
	if f, err := tx.PhilomenaVersion(p.ID, 0); err == nil {
		m.Philomena = f
	} else if hub.ErrorCode(err) != hub.ENotFound {
		return err
	}
	now := tx.Now()
	for _, e := range m.Episodes {
		if e.Type.Police() && !e.LastSeenAt.Before(now.Add(-rules.RepeatWindow)) {
			m.Recent++
		}
		if e.Open() && m.Open == nil {
			m.Open = e
		}
	}
	m.CanRecord = a.decideCasework(tx, actor, access.MissingRecord, p).Allow
	v.casework().Missing = m
	return nil
}

// ParseLondonTime reads a date (YYYY-MM-DD) and a time of day (HH:MM,
// also H:MM, HH.MM or HHMM) as typed into a form, as Europe/London wall
// time, and returns the instant in UTC. A time in the hour the clocks skip
// is moved forward by the hour; a time in the hour that repeats is the
// first of the two. The errors name dateField or timeField.
func ParseLondonTime(dateField, timeField, date, clock string) (time.Time, error) {
	date, clock = strings.TrimSpace(date), strings.TrimSpace(clock)
	if date == "" {
		return time.Time{}, hub.Invalid(dateField, "is required")
	}
	d, err := hub.ParseDate(dateField, date)
	if err != nil {
		return time.Time{}, err
	}
	if d.Year < 1900 || d.Year > 9999 {
		return time.Time{}, hub.Invalid(dateField, "is not a plausible date")
	}
	if clock == "" {
		return time.Time{}, hub.Invalid(timeField, "is required: give the time as HH:MM, for example 21:30")
	}
	h, m, ok := parseClock(clock)
	if !ok {
		return time.Time{}, hub.Invalid(timeField, "must be a 24-hour time written HH:MM, for example 21:30")
	}
	t := time.Date(d.Year, d.Month, d.Day, h, m, 0, 0, London)
	// In the hour that repeats when the clocks go back, time.Date may give
	// either; the earlier (summer time) is the one meant first.
	if e := t.Add(-time.Hour).In(London); e.Hour() == h && e.Minute() == m && e.Day() == d.Day {
		t = e
	}
	return t.UTC(), nil
}

func parseClock(s string) (h, m int, ok bool) {
	var hs, ms string
	switch {
	case strings.ContainsAny(s, ":."):
		i := strings.IndexAny(s, ":.")
		hs, ms = s[:i], s[i+1:]
	case len(s) == 4:
		hs, ms = s[:2], s[2:]
	default:
		return 0, 0, false
	}
	if len(hs) < 1 || len(hs) > 2 || len(ms) != 2 {
		return 0, 0, false
	}
	for _, part := range []string{hs, ms} {
		for i := 0; i < len(part); i++ {
			if part[i] < '0' || part[i] > '9' {
				return 0, 0, false
			}
		}
	}
	h, m = atoi2(hs), atoi2(ms)
	if h > 23 || m > 59 {
		return 0, 0, false
	}
	return h, m, true
}

func atoi2(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// MissingReport is a missing report as the intake form or the API gives
// it. Times are instants; the surfaces parse them.
type MissingReport struct {
	PersonID      string
	Type          string
	From          string
	LastSeenAt    time.Time
	LastSeenPlace string
	// ReportedAt defaults to now.
	ReportedAt      time.Time
	ReportedBy      string
	ReporterDetail  string
	PoliceReference string
	RiskLevel       string
	Circumstances   string
	Clothing        string
	StepsTaken      string
	// IncludePhilomena pulls the child's latest Philomena profile into
	// the report.
	IncludePhilomena bool
}

func (in MissingReport) episode() *hub.MissingEpisode {
	typ := hub.EpisodeType(strings.TrimSpace(in.Type))
	if typ == "" {
		typ = hub.EpisodeMissing
	}
	return &hub.MissingEpisode{PersonID: in.PersonID, Type: typ, From: hub.MissingFrom(strings.TrimSpace(in.From)),
		LastSeenAt: in.LastSeenAt.UTC(), LastSeenPlace: strings.TrimSpace(in.LastSeenPlace), ReportedAt: in.ReportedAt.UTC(),
		ReportedBy: strings.TrimSpace(in.ReportedBy), ReporterDetail: strings.TrimSpace(in.ReporterDetail),
		PoliceReference: strings.TrimSpace(in.PoliceReference), RiskLevel: hub.PoliceRisk(strings.TrimSpace(in.RiskLevel)),
		Circumstances: strings.TrimSpace(in.Circumstances), Clothing: strings.TrimSpace(in.Clothing), StepsTaken: strings.TrimSpace(in.StepsTaken)}
}

// checkChild refuses an episode for someone who was not a child when last
// seen (V-DOB): missing episodes are recorded for under-18s.
func checkChild(p *hub.Person, lastSeen time.Time) error {
	if !p.IsChild(hub.DateOf(lastSeen.In(London))) {
		return hub.Invalid("person_id", "was 18 or over when last seen: missing episodes are recorded for children")
	}
	return nil
}

// checkOverlap refuses an episode that shares time with another of the
// child's episodes.
func checkOverlap(tx *store.Tx, e *hub.MissingEpisode) error {
	others, err := tx.OverlappingEpisodes(e.PersonID, e.LastSeenAt, e.ReturnedAt, e.ID)
	if err != nil {
		return err
	}
	if len(others) == 0 {
		return nil
	}
	return overlapError(others[0])
}

// overlapError says which of the child's episodes a new one overlaps.
func overlapError(o *hub.MissingEpisode) error {
	if o.Open() {
		return hub.Invalid("last_seen_at", "overlaps the child's open episode (last seen %s): record that return first", o.LastSeenAt.In(London).Format("2 Jan 2006 15:04"))
	}
	return hub.Invalid("last_seen_at", "overlaps the child's episode from %s to %s", o.LastSeenAt.In(London).Format("2 Jan 2006 15:04"), o.ReturnedAt.In(London).Format("2 Jan 2006 15:04"))
}

// ReportMissing records a missing report: the fast intake of the
// out-of-hours line. The police risk level must be graded (except for a
// child missing education); the first grading starts the risk history.
// The episode may not overlap another of the child's. The repeat-missing
// rule is evaluated and may raise a prompt. One audit event.
func (a *App) ReportMissing(ctx context.Context, actor *access.Actor, in MissingReport) (*hub.MissingEpisode, error) {
	if err := require(actor, access.MissingRecord); err != nil {
		return nil, err
	}
	if !hub.ValidID(in.PersonID) {
		return nil, hub.Invalid("person_id", "choose the child")
	}
	e := in.episode()
	if e.ReportedAt.IsZero() {
		e.ReportedAt = a.Now().Truncate(time.Minute)
		if e.ReportedAt.Before(e.LastSeenAt) {
			e.ReportedAt = e.LastSeenAt
		}
	}
	if err := e.Validate(a.Now()); err != nil {
		return nil, err
	}
	var denied bool
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		p, err := tx.Person(in.PersonID)
		if err != nil {
			return a.auditMissing(ctx, tx, actor, hub.ActCreate, "missing_episode", "", "", &denied, "no such person")
		}
		if d := a.decideCasework(tx, actor, access.MissingRecord, p); !d.Allow {
			return a.auditMissing(ctx, tx, actor, hub.ActCreate, "missing_episode", "", p.ID, &denied, d.Reason)
		}
		if err := checkChild(p, e.LastSeenAt); err != nil {
			return err
		}
		if err := tx.LockPerson(p.ID); err != nil {
			return err
		}
		if err := checkOverlap(tx, e); err != nil {
			return err
		}
		if in.IncludePhilomena {
			f, err := tx.PhilomenaVersion(p.ID, 0)
			if err != nil {
				if hub.ErrorCode(err) == hub.ENotFound {
					return hub.Invalid("include_philomena", "the child has no Philomena profile to pull in")
				}
				return err
			}
			e.PhilomenaVersion = f.Version
		}
		e.CreatedBy = actor.ID
		if e.Type.Police() {
			e.RiskHistory = []hub.RiskChange{{ActorID: actor.ID, ActorName: actor.Name, To: e.RiskLevel, Rationale: "graded at the report"}}
		}
		if err := tx.CreateMissingEpisodes([]*hub.MissingEpisode{e}); err != nil {
			return err
		}
		e.AreaID, e.OwnerAgencyID, e.Sensitivity, e.PersonName = p.AreaID, p.OwnerAgencyID, p.Sensitivity, p.Name()
		ev := event(ctx, actor, hub.ActCreate, "missing_episode", e.ID)
		ev.SubjectID = p.ID
		if err := tx.AppendAudit(ev); err != nil {
			return err
		}
		_, err = a.evaluateRepeat(tx, p, e)
		return err
	})
	if err != nil {
		return nil, err
	}
	if denied {
		return nil, hub.NotFound("person")
	}
	return e, nil
}

// auditMissing writes the audit event of a refused action (the record is
// not one the actor may know of) and marks it denied.
func (a *App) auditMissing(ctx context.Context, tx *store.Tx, actor *access.Actor, action, objectType, objectID, subjectID string, denied *bool, reason string) error {
	*denied = true
	ev := event(ctx, actor, action, objectType, objectID)
	ev.SubjectID = subjectID
	ev.Outcome, ev.Detail = hub.OutcomeDenied, reason
	return tx.AppendAudit(ev)
}

// evaluateRepeat applies the repeat-missing rule to episode e of child p:
// enough police-recorded episodes in the window up to e's last sighting,
// or (when the rule says so) a high-risk grading, raises a prompt for a
// strategy discussion or a repeat-missing review, unless one is already
// open, and notifies the lead practitioner (or the area's managers). It
// reports whether it raised a prompt.
func (a *App) evaluateRepeat(tx *store.Tx, p *hub.Person, e *hub.MissingEpisode) (bool, error) {
	if !e.Type.Police() {
		return false, nil
	}
	rules := a.missingRules()
	n, err := tx.CountPoliceEpisodes(p.ID, e.LastSeenAt.Add(-rules.RepeatWindow), e.LastSeenAt)
	if err != nil {
		return false, err
	}
	fire, high, reason := RepeatMissingFires(rules, n, e.RiskLevel)
	if !fire {
		return false, nil
	}
	prompts, err := tx.PersonPrompts(p.ID)
	if err != nil {
		return false, err
	}
	for _, pr := range prompts {
		// One open prompt at a time, except that a high-risk episode
		// raises its own prompt for a strategy discussion.
		if pr.Open() && (pr.HighRisk || !high) {
			return false, nil
		}
	}
	days := rules.ReviewWorkingDays
	if high {
		days = rules.StrategyWorkingDays
	}
	m := &hub.MissingPrompt{PersonID: p.ID, AreaID: p.AreaID, PersonName: p.Name(), EpisodeID: e.ID, Reason: reason, HighRisk: high, Episodes: n,
		DueAt: calendar.AddWorkingDays(tx.Now(), days)}
	if err := tx.CreateMissingPrompt(m); err != nil {
		return false, err
	}
	what := "a repeat-missing review"
	if high {
		what = "a strategy discussion"
	}
	return true, a.notifyLead(tx, p, &hub.Notification{Kind: "repeat_missing", SubjectID: p.ID, ObjectType: "missing_episode", ObjectID: e.ID,
		Title: fmt.Sprintf("%s: %s", p.Name(), reason),
		Body:  fmt.Sprintf("%s has met the repeat-missing rule (%s). Arrange %s by %s.", p.Name(), reason, what, m.DueAt.In(London).Format("2 Jan 2006 15:04")),
		Link:  "/missing/" + e.ID})
}

// RepeatMissingFires applies the repeat-missing rule: count police-recorded
// episodes in the window (including the one just recorded) at risk level.
// It says whether the rule fires, whether because of high risk, and why.
func RepeatMissingFires(rules MissingConfig, count int, risk hub.PoliceRisk) (fire, highRisk bool, reason string) {
	if rules.RepeatOnHighRisk && risk == hub.PoliceRiskHigh {
		return true, true, "high-risk missing episode"
	}
	if rules.RepeatCount > 0 && count >= rules.RepeatCount {
		return true, false, fmt.Sprintf("%d missing episodes in %d days", count, int(rules.RepeatWindow/(24*time.Hour)))
	}
	return false, false, ""
}

// notifyLead notifies the child's lead practitioner, or, when the child
// has none, the managers of the child's area.
func (a *App) notifyLead(tx *store.Tx, p *hub.Person, n *hub.Notification) error {
	var to []string
	lead, err := a.leadPractitioner(tx, p.ID)
	if err != nil {
		return err
	}
	if lead != "" {
		to = append(to, lead)
	} else {
		ms, err := tx.AreaManagers(p.AreaID, hub.RoleManager)
		if err != nil {
			return err
		}
		for _, u := range ms {
			to = append(to, u.ID)
		}
	}
	var ns []*hub.Notification
	for _, id := range to {
		c := *n
		c.UserID = id
		ns = append(ns, &c)
	}
	return a.notify(tx, ns...)
}

// leadPractitioner returns the user id of the lead practitioner of the
// child's active case, or "" when the child has none.
func (a *App) leadPractitioner(tx *store.Tx, personID string) (string, error) {
	return a.CaseLead(tx, hub.Subject{Kind: hub.SubjectPerson, ID: personID})
}

// EpisodeView is a missing episode as shown to an actor.
type EpisodeView struct {
	Episode *hub.MissingEpisode
	// Interview is the return home interview, once the child has returned
	// from a police-recorded episode.
	Interview *hub.ReturnInterview
	Prompts   []*hub.MissingPrompt
	// Philomena is the profile version pulled into the report; Latest is
	// the child's latest version (to offer pulling it in).
	Philomena *hub.PhilomenaProfile
	Latest    int
	// FoundWith are the persons the child was found with that the actor
	// may see, by id.
	FoundWith map[string]string
	CanRecord bool
	// Duration is how long the child was (or has been) missing.
	Duration time.Duration
	Now      time.Time
}

// episodeFor reads an episode and its child and decides act on it. A
// denial (or a missing record) is audited as action and reported as
// denied, so the caller answers not-found.
func (a *App) episodeFor(ctx context.Context, tx *store.Tx, actor *access.Actor, act access.Action, action, id string, denied *bool) (*hub.MissingEpisode, *hub.Person, access.Decision, error) {
	var d access.Decision
	e, err := tx.MissingEpisode(id)
	if err != nil {
		if hub.ErrorCode(err) == hub.ENotFound {
			return nil, nil, d, a.auditMissing(ctx, tx, actor, action, "missing_episode", id, "", denied, "no such record")
		}
		return nil, nil, d, err
	}
	p, err := tx.Person(e.PersonID)
	if err != nil {
		return nil, nil, d, err
	}
	if d = a.decideCasework(tx, actor, act, p); !d.Allow {
		return nil, nil, d, a.auditMissing(ctx, tx, actor, action, "missing_episode", id, p.ID, denied, d.Reason)
	}
	if a.identityHidden(tx, actor, d, p) {
		e.PersonName, p = HiddenName, maskedPerson(p)
	}
	return e, p, d, nil
}

// ViewMissingEpisode returns an episode with its risk history, updates,
// return home interview, prompts and pulled-in Philomena profile. The view
// is audited; an episode the actor may not see answers not-found.
func (a *App) ViewMissingEpisode(ctx context.Context, actor *access.Actor, id string) (*EpisodeView, error) {
	if err := require(actor, access.CaseRead); err != nil {
		return nil, err
	}
	if !hub.ValidID(id) {
		return nil, hub.NotFound("missing episode")
	}
	var v *EpisodeView
	var denied bool
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		e, p, d, err := a.episodeFor(ctx, tx, actor, access.CaseRead, hub.ActView, id, &denied)
		if err != nil || denied {
			return err
		}
		v, err = a.episodeView(tx, actor, e, p)
		if err != nil {
			return err
		}
		if e.PersonName == HiddenName {
			for _, m := range v.Prompts {
				m.PersonName = HiddenName
			}
			if v.Interview != nil {
				v.Interview.PersonName = HiddenName
			}
		}
		ev := event(ctx, actor, hub.ActView, "missing_episode", id)
		ev.SubjectID = p.ID
		markShare(ev, d)
		return tx.AppendAudit(ev)
	})
	if err != nil {
		return nil, err
	}
	if denied {
		return nil, hub.NotFound("missing episode")
	}
	return v, nil
}

func (a *App) episodeView(tx *store.Tx, actor *access.Actor, e *hub.MissingEpisode, p *hub.Person) (*EpisodeView, error) {
	v := &EpisodeView{Episode: e, Now: tx.Now(), Duration: e.Duration(tx.Now()), FoundWith: map[string]string{}}
	if r, err := tx.EpisodeInterview(e.ID); err == nil {
		v.Interview = r
	} else if hub.ErrorCode(err) != hub.ENotFound {
		return nil, err
	}
	prompts, err := tx.PersonPrompts(p.ID)
	if err != nil {
		return nil, err
	}
	for _, pr := range prompts {
		if pr.EpisodeID == e.ID || pr.Open() {
			v.Prompts = append(v.Prompts, pr)
		}
	}
	if e.PhilomenaVersion > 0 {
		if v.Philomena, err = tx.PhilomenaVersion(p.ID, e.PhilomenaVersion); err != nil {
			return nil, err
		}
	}
	if f, err := tx.PhilomenaVersion(p.ID, 0); err == nil {
		v.Latest = f.Version
	} else if hub.ErrorCode(err) != hub.ENotFound {
		return nil, err
	}
	for _, id := range e.FoundWithIDs {
		o, err := tx.Person(id)
		if err != nil {
			continue
		}
		if access.Decide(actor, access.PersonRead, access.PersonRecord(o), tx.Now()).Allow {
			v.FoundWith[id] = o.Name()
		}
	}
	v.CanRecord = a.decideCasework(tx, actor, access.MissingRecord, p).Allow
	return v, nil
}

// changeEpisode runs a change to an episode: it reads the episode, decides
// MissingRecord, checks the version, lets fn change it, validates, saves
// and audits one update. An episode the actor may not change answers
// not-found.
func (a *App) changeEpisode(ctx context.Context, actor *access.Actor, id string, version int, fn func(tx *store.Tx, e *hub.MissingEpisode, p *hub.Person) error) (*hub.MissingEpisode, error) {
	if err := require(actor, access.MissingRecord); err != nil {
		return nil, err
	}
	if !hub.ValidID(id) {
		return nil, hub.NotFound("missing episode")
	}
	var out *hub.MissingEpisode
	var denied bool
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		e, p, _, err := a.episodeFor(ctx, tx, actor, access.MissingRecord, hub.ActUpdate, id, &denied)
		if err != nil || denied {
			return err
		}
		if e.Version != version {
			return hub.Conflict("missing episode")
		}
		if err := tx.LockPerson(p.ID); err != nil {
			return err
		}
		if err := fn(tx, e, p); err != nil {
			return err
		}
		if err := e.Validate(tx.Now()); err != nil {
			return err
		}
		if err := tx.UpdateMissingEpisode(e); err != nil {
			return err
		}
		ev := event(ctx, actor, hub.ActUpdate, "missing_episode", id)
		ev.SubjectID = p.ID
		if err := tx.AppendAudit(ev); err != nil {
			return err
		}
		out = e
		return nil
	})
	if err != nil {
		return nil, err
	}
	if denied {
		return nil, hub.NotFound("missing episode")
	}
	return out, nil
}

// ChangeMissingRisk regrades the police risk of an open episode, keeping
// the change in the risk history with who, when and why, and notifies the
// lead practitioner (or, for a rise to high with no lead, the area's
// managers). A rise to high applies the repeat-missing rule's high-risk
// trigger.
func (a *App) ChangeMissingRisk(ctx context.Context, actor *access.Actor, id string, version int, level, rationale string) (*hub.MissingEpisode, error) {
	to := hub.PoliceRisk(strings.TrimSpace(level))
	rationale = strings.TrimSpace(rationale)
	if !to.Valid() {
		return nil, hub.Invalid("police_risk_level", "must be very_low, low, medium or high")
	}
	if err := hub.ValidateNote("rationale", rationale, 1000); err != nil {
		return nil, err
	}
	if rationale == "" {
		return nil, hub.Invalid("rationale", "is required: say why the risk has changed and who supplied the information")
	}
	return a.changeEpisode(ctx, actor, id, version, func(tx *store.Tx, e *hub.MissingEpisode, p *hub.Person) error {
		if !e.Type.Police() {
			return hub.Invalid("police_risk_level", "a child missing education is not graded for risk")
		}
		if !e.Open() {
			return hub.Invalid("police_risk_level", "the child has returned; the episode's grading is closed")
		}
		if e.RiskLevel == to {
			return hub.Invalid("police_risk_level", "is already %s", to.Label())
		}
		from := e.RiskLevel
		e.RiskLevel = to
		if err := tx.AddRiskChange(&hub.RiskChange{EpisodeID: e.ID, ActorID: actor.ID, ActorName: actor.Name, From: from, To: to, Rationale: rationale}); err != nil {
			return err
		}
		prompted := false
		if to == hub.PoliceRiskHigh {
			var err error
			if prompted, err = a.evaluateRepeat(tx, p, e); err != nil {
				return err
			}
		}
		n := &hub.Notification{Kind: "risk_change", SubjectID: p.ID, ObjectType: "missing_episode", ObjectID: e.ID,
			Title: fmt.Sprintf("%s: missing risk now %s", p.Name(), strings.ToLower(to.Label())),
			Body:  fmt.Sprintf("The police risk grading of %s's missing episode changed from %s to %s.", p.Name(), strings.ToLower(from.Label()), strings.ToLower(to.Label())),
			Link:  "/missing/" + e.ID}
		// The lead hears of every change; without a lead, the area's
		// managers hear of a rise to high (unless the prompt told them).
		lead, err := a.leadPractitioner(tx, p.ID)
		if err != nil {
			return err
		}
		if lead != "" || to == hub.PoliceRiskHigh && !prompted {
			return a.notifyLead(tx, p, n)
		}
		return nil
	})
}

// AddMissingUpdate records new information on an episode: a sighting, a
// call, an enquiry made, with who supplied it.
func (a *App) AddMissingUpdate(ctx context.Context, actor *access.Actor, id string, version int, source, text string) (*hub.MissingEpisode, error) {
	source, text = strings.TrimSpace(source), strings.TrimSpace(text)
	if err := hub.ValidateText("source", source, 0, hub.MaxShortLen); err != nil {
		return nil, err
	}
	if err := hub.ValidateNote("update", text, hub.MaxNoteLen); err != nil {
		return nil, err
	}
	if text == "" {
		return nil, hub.Invalid("update", "is required: say what is new")
	}
	return a.changeEpisode(ctx, actor, id, version, func(tx *store.Tx, e *hub.MissingEpisode, p *hub.Person) error {
		return tx.AddEpisodeUpdate(&hub.EpisodeUpdate{EpisodeID: e.ID, ActorID: actor.ID, ActorName: actor.Name, Source: source, Text: text})
	})
}

// MissingReturn is the found-and-returned part of an episode as given.
type MissingReturn struct {
	FoundAt      time.Time
	FoundPlace   string
	FoundBy      string
	FoundWith    string
	FoundWithIDs []string
	OutOfArea    bool
	Condition    string
	ReturnedAt   time.Time
	ReturnedTo   string
}

// RecordReturn records that the child was found and has returned: where,
// by whom, with whom, in what condition. For a police-recorded episode it
// opens the return home interview, due RHIHours (72) after the return.
func (a *App) RecordReturn(ctx context.Context, actor *access.Actor, id string, version int, in MissingReturn) (*hub.MissingEpisode, error) {
	if in.FoundAt.IsZero() {
		return nil, hub.Invalid("found_at", "is required")
	}
	if in.ReturnedAt.IsZero() {
		in.ReturnedAt = in.FoundAt
	}
	return a.changeEpisode(ctx, actor, id, version, func(tx *store.Tx, e *hub.MissingEpisode, p *hub.Person) error {
		if !e.Open() {
			return hub.Invalid("returned_at", "the return is already recorded")
		}
		e.FoundAt, e.FoundPlace, e.FoundBy = in.FoundAt.UTC(), strings.TrimSpace(in.FoundPlace), strings.TrimSpace(in.FoundBy)
		e.FoundWith, e.FoundWithIDs, e.OutOfArea = strings.TrimSpace(in.FoundWith), in.FoundWithIDs, in.OutOfArea
		e.Condition, e.ReturnedAt, e.ReturnedTo = strings.TrimSpace(in.Condition), in.ReturnedAt.UTC(), strings.TrimSpace(in.ReturnedTo)
		if err := e.Validate(tx.Now()); err != nil {
			return err
		}
		if err := checkOverlap(tx, e); err != nil {
			return renameField(err, "returned_at")
		}
		if !e.Type.Police() {
			return nil
		}
		return tx.CreateReturnInterviews([]*hub.ReturnInterview{{EpisodeID: e.ID, PersonID: p.ID, Status: hub.RHIDue,
			DueAt: deadline.AddHours(e.ReturnedAt, a.missingRules().RHIHours), CreatedBy: actor.ID}})
	})
}

// PullPhilomena pulls the child's latest Philomena profile into a missing
// report (one click): the report names the version, which stays as it was
// even when the profile changes later.
func (a *App) PullPhilomena(ctx context.Context, actor *access.Actor, id string, version int) (*hub.MissingEpisode, error) {
	return a.changeEpisode(ctx, actor, id, version, func(tx *store.Tx, e *hub.MissingEpisode, p *hub.Person) error {
		f, err := tx.PhilomenaVersion(p.ID, 0)
		if hub.ErrorCode(err) == hub.ENotFound {
			return hub.Invalid("philomena", "the child has no Philomena profile to pull in")
		}
		if err != nil {
			return err
		}
		if e.PhilomenaVersion == f.Version {
			return hub.Invalid("philomena", "version %d of the profile is already in this report", f.Version)
		}
		e.PhilomenaVersion = f.Version
		return nil
	})
}

// ResolveMissingPrompt closes a repeat-missing prompt with what was done:
// a strategy discussion, a repeat-missing review, or a reasoned decision
// that none is needed.
func (a *App) ResolveMissingPrompt(ctx context.Context, actor *access.Actor, id string, version int, resolution, note string) (*hub.MissingPrompt, error) {
	if err := require(actor, access.MissingRecord); err != nil {
		return nil, err
	}
	resolution, note = strings.TrimSpace(resolution), strings.TrimSpace(note)
	if !slices.Contains(hub.PromptResolutions, resolution) {
		return nil, hub.Invalid("resolution", "must be strategy_discussion, repeat_missing_review or not_needed")
	}
	if err := hub.ValidateNote("note", note, 2000); err != nil {
		return nil, err
	}
	if resolution == "not_needed" && note == "" {
		return nil, hub.Invalid("note", "is required: say why no discussion or review is needed")
	}
	if !hub.ValidID(id) {
		return nil, hub.NotFound("repeat-missing prompt")
	}
	var out *hub.MissingPrompt
	var denied bool
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		m, err := tx.MissingPrompt(id)
		if err != nil {
			if hub.ErrorCode(err) == hub.ENotFound {
				return a.auditMissing(ctx, tx, actor, hub.ActUpdate, "missing_prompt", id, "", &denied, "no such record")
			}
			return err
		}
		p, err := tx.Person(m.PersonID)
		if err != nil {
			return err
		}
		if d := a.decideCasework(tx, actor, access.MissingRecord, p); !d.Allow {
			return a.auditMissing(ctx, tx, actor, hub.ActUpdate, "missing_prompt", id, p.ID, &denied, d.Reason)
		}
		if m.Version != version {
			return hub.Conflict("repeat-missing prompt")
		}
		if !m.Open() {
			return hub.Invalid("resolution", "this prompt is already closed")
		}
		m.ResolvedAt, m.ResolvedBy, m.Resolution, m.Note = tx.Now(), actor.Name, resolution, note
		if err := tx.ResolveMissingPrompt(m); err != nil {
			return err
		}
		ev := event(ctx, actor, hub.ActUpdate, "missing_prompt", id)
		ev.SubjectID = p.ID
		if err := tx.AppendAudit(ev); err != nil {
			return err
		}
		out = m
		return nil
	})
	if err != nil {
		return nil, err
	}
	if denied {
		return nil, hub.NotFound("repeat-missing prompt")
	}
	return out, nil
}

// MissingQuery is a list of episodes as asked for.
type MissingQuery struct {
	Status string // "open", "closed" or "" (all)
	Type   string
	AreaID string
	// PersonID narrows the list to one child's episodes.
	PersonID string
	Limit    int
	Offset   int
}

// MissingList is a page of episodes.
type MissingList struct {
	Episodes []*hub.MissingEpisode
	Total    int
}

// MissingEpisodes lists the episodes of children the actor may see, latest
// first. The list names children, so it is audited (one event, with the
// count).
func (a *App) MissingEpisodes(ctx context.Context, actor *access.Actor, q MissingQuery) (*MissingList, error) {
	if err := require(actor, access.CaseRead); err != nil {
		return nil, err
	}
	f := store.EpisodeFilter{Scope: casefileScope(actor), Status: q.Status, Limit: q.Limit, Offset: q.Offset}
	switch q.Status {
	case "", "open", "closed":
	default:
		return nil, hub.Invalid("status", "must be open, closed or blank")
	}
	if q.Type != "" {
		f.Type = hub.EpisodeType(q.Type)
		if !f.Type.Valid() {
			return nil, hub.Invalid("type", "must be missing, away_without_authorisation or missing_education")
		}
	}
	if q.AreaID != "" {
		if !actor.InArea(q.AreaID) {
			return nil, hub.Invalid("area", "is not one of your areas")
		}
		f.AreaID = q.AreaID
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	if f.Offset < 0 || f.Offset > 100000 {
		return nil, hub.Invalid("offset", "must be between 0 and 100000")
	}
	if q.PersonID != "" && !hub.ValidID(q.PersonID) {
		return nil, hub.Invalid("person_id", "is not a record identifier")
	}
	out := &MissingList{}
	var denied bool
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		ev := event(ctx, actor, hub.ActSearch, "missing_episode", "")
		hidden := false
		if q.PersonID != "" {
			// One child's episodes: a read of that child's record, in the
			// same scope as any other (a team member reads it wherever
			// they work).
			p, err := tx.Person(q.PersonID)
			if err != nil {
				denied, ev.Outcome, ev.Detail = true, hub.OutcomeDenied, "no such record"
				return tx.AppendAudit(ev)
			}
			ev.SubjectID = p.ID
			d := a.decideCasework(tx, actor, access.CaseRead, p)
			if !d.Allow {
				denied, ev.Outcome, ev.Detail = true, hub.OutcomeDenied, d.Reason
				return tx.AppendAudit(ev)
			}
			hidden = a.identityHidden(tx, actor, d, p)
			f.Scope, f.PersonID = store.CasefileScope{PersonIDs: []string{p.ID}}, p.ID
		}
		var err error
		if out.Episodes, out.Total, err = tx.FindMissingEpisodes(f); err != nil {
			return err
		}
		if hidden {
			for _, e := range out.Episodes {
				e.PersonName = HiddenName
			}
		}
		ev.Detail = fmt.Sprintf("list %s; %d results", orAll(q.Status), out.Total)
		return tx.AppendAudit(ev)
	})
	if err != nil {
		return nil, err
	}
	if denied {
		return nil, hub.NotFound("person")
	}
	return out, nil
}

func orAll(s string) string {
	if s == "" {
		return "all"
	}
	return s
}

// MissingIntake is what the intake form shows about the chosen child.
type MissingIntake struct {
	Person *hub.Person
	// Philomena is the child's latest profile, if any, to pull in.
	Philomena *hub.PhilomenaProfile
	// Open is the child's open episode, if any: a new report would overlap
	// it.
	Open *hub.MissingEpisode
}

// StartMissingReport reads what the intake form needs about a child. It is
// a read of the child's record, audited.
func (a *App) StartMissingReport(ctx context.Context, actor *access.Actor, personID string) (*MissingIntake, error) {
	if err := require(actor, access.MissingRecord); err != nil {
		return nil, err
	}
	if !hub.ValidID(personID) {
		return nil, hub.NotFound("person")
	}
	var out *MissingIntake
	var denied bool
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		p, err := tx.Person(personID)
		if err != nil {
			return a.auditMissing(ctx, tx, actor, hub.ActView, "person", personID, "", &denied, "no such record")
		}
		if d := a.decideCasework(tx, actor, access.MissingRecord, p); !d.Allow {
			return a.auditMissing(ctx, tx, actor, hub.ActView, "person", personID, p.ID, &denied, d.Reason)
		}
		out = &MissingIntake{Person: p}
		if f, err := tx.PhilomenaVersion(p.ID, 0); err == nil {
			out.Philomena = f
		} else if hub.ErrorCode(err) != hub.ENotFound {
			return err
		}
		open, err := tx.OverlappingEpisodes(p.ID, tx.Now(), time.Time{}, "")
		if err != nil {
			return err
		}
		for _, e := range open {
			if e.Open() {
				out.Open = e
			}
		}
		ev := event(ctx, actor, hub.ActView, "person", p.ID)
		ev.SubjectID, ev.Detail = p.ID, "missing report form"
		return tx.AppendAudit(ev)
	})
	if err != nil {
		return nil, err
	}
	if denied {
		return nil, hub.NotFound("person")
	}
	return out, nil
}

// missingChronology adds a child's missing episodes (reported, regraded,
// returned) and return home interviews to their chronology.
func missingChronology(a *App, tx *store.Tx, actor *access.Actor, p *hub.Person) ([]ChronologyEntry, error) {
	if !a.decideCasework(tx, actor, access.CaseRead, p).Allow {
		return nil, nil
	}
	eps, err := tx.PersonEpisodes(p.ID)
	if err != nil {
		return nil, err
	}
	var out []ChronologyEntry
	for _, e := range eps {
		link := "/missing/" + e.ID
		title := fmt.Sprintf("%s from %s", e.Type.Label(), strings.ToLower(e.From.Label()))
		if e.RiskLevel != "" {
			title += fmt.Sprintf(" (police risk %s)", strings.ToLower(e.RiskLevel.Label()))
		}
		out = append(out, ChronologyEntry{At: e.LastSeenAt, Kind: "missing", Title: title, Detail: "Last seen: " + e.LastSeenPlace, Link: link})
		if !e.ReturnedAt.IsZero() {
			d := fmt.Sprintf("Found at %s", e.FoundPlace)
			if e.OutOfArea {
				d += " (out of area)"
			}
			out = append(out, ChronologyEntry{At: e.ReturnedAt, Kind: "missing", Title: "Returned after " + FormatDuration(e.Duration(tx.Now())), Detail: d, Link: link})
		}
	}
	rhis, err := tx.PersonInterviews(p.ID)
	if err != nil {
		return nil, err
	}
	for _, r := range rhis {
		if r.Status.Open() {
			continue
		}
		title := "Return home interview " + strings.ToLower(r.Status.Label())
		if r.Status == hub.RHICompleted && !r.WithinDue() {
			title += " (after 72 hours)"
		}
		out = append(out, ChronologyEntry{At: r.CompletedAt, Kind: "rhi", Title: title, Detail: r.Interviewer, Link: "/missing/" + r.EpisodeID})
	}
	nrms, err := tx.PersonNRMReferrals(p.ID)
	if err != nil {
		return nil, err
	}
	for _, n := range nrms {
		link := "/nrm/" + n.ID
		title := "NRM referral submitted"
		if n.Kind == hub.NRMDutyToNotify {
			title = "Duty to Notify submitted"
		}
		out = append(out, ChronologyEntry{At: n.SubmittedAt, Kind: "nrm", Title: title, Detail: "First responder: " + n.FirstResponder, Link: link})
		if !n.RGDecidedOn.IsZero() {
			out = append(out, ChronologyEntry{At: londonNoon(n.RGDecidedOn), Kind: "nrm", Title: "NRM reasonable-grounds decision: " + string(n.RG), Link: link})
		}
		if !n.CGDecidedOn.IsZero() {
			out = append(out, ChronologyEntry{At: londonNoon(n.CGDecidedOn), Kind: "nrm", Title: "NRM conclusive-grounds decision: " + strings.ReplaceAll(string(n.CG), "_", " "), Link: link})
		}
	}
	return out, nil
}

// londonNoon places a decision date at noon London time, for ordering.
func londonNoon(d hub.Date) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, London).UTC()
}

// FormatDuration says a duration the way staff do: "3 days 4 hours",
// "5 hours 20 minutes", "40 minutes".
func FormatDuration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	days, hours, mins := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	plural := func(n int, unit string) string {
		if n == 1 {
			return "1 " + unit
		}
		return fmt.Sprintf("%d %ss", n, unit)
	}
	switch {
	case days > 0 && hours > 0:
		return plural(days, "day") + " " + plural(hours, "hour")
	case days > 0:
		return plural(days, "day")
	case hours > 0 && mins > 0:
		return plural(hours, "hour") + " " + plural(mins, "minute")
	case hours > 0:
		return plural(hours, "hour")
	}
	return plural(mins, "minute")
}

// missingWork lists the actor's visible open missing work: return home
// interviews to hold, repeat-missing prompts to act on and NRM decisions
// awaited past their target.
func missingWork(a *App, tx *store.Tx, actor *access.Actor) ([]WorkItem, error) {
	if !access.Can(actor, access.CaseRead) {
		return nil, nil
	}
	scope := casefileScope(actor)
	var out []WorkItem
	rhis, _, err := tx.FindReturnInterviews(store.RHIFilter{Scope: scope, Status: "open", Limit: 5000})
	if err != nil {
		return nil, err
	}
	for _, r := range rhis {
		out = append(out, WorkItem{Kind: "rhi", ObjectID: r.ID, Title: "Return home interview: " + r.PersonName, SubjectID: r.PersonID, OwnerID: r.AllocatedTo,
			AreaID: r.AreaID, Due: r.DueAt, Link: "/missing/" + r.EpisodeID})
	}
	prompts, err := tx.OpenMissingPrompts(scope, 5000)
	if err != nil {
		return nil, err
	}
	for _, m := range prompts {
		what := "repeat-missing review"
		if m.HighRisk {
			what = "strategy discussion"
		}
		lead, err := a.leadPractitioner(tx, m.PersonID)
		if err != nil {
			return nil, err
		}
		out = append(out, WorkItem{Kind: "repeat_missing", ObjectID: m.ID, Title: fmt.Sprintf("Hold a %s: %s (%s)", what, m.PersonName, m.Reason), SubjectID: m.PersonID,
			OwnerID: lead, AreaID: m.AreaID, Due: m.DueAt, Link: "/missing/" + m.EpisodeID})
	}
	nrms, _, err := tx.FindNRMReferrals(store.NRMFilter{Scope: scope, Status: "rg_pending", Limit: 5000})
	if err != nil {
		return nil, err
	}
	for _, n := range nrms {
		out = append(out, WorkItem{Kind: "nrm_rg", ObjectID: n.ID, Title: "NRM reasonable-grounds decision awaited: " + n.PersonName, SubjectID: n.PersonID, OwnerID: n.CreatedBy,
			AreaID: n.AreaID, Due: n.RGTargetAt, Link: "/nrm/" + n.ID})
	}
	return out, nil
}
