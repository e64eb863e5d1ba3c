package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
)

// The specialist nurse's desk: flags whose review is due or overdue, flags
// of children who are or are about to be 18 (listed for ending), the last
// day's look-ups, recent consultations and referrals awaiting an outcome,
// in the actor's areas.

// FlagDesk is the specialist nurse's summary. The lists are filled by
// FlagDesk (an audited read); the counts alone by FlagDeskSummary (for the
// home page, not audited as it names no one).
type FlagDesk struct {
	Today         hub.Date
	Overdue       []FlagItem
	DueSoon       []FlagItem
	TurningAdult  []FlagItem
	Lookups       []FlagLookupItem
	Consultations []FlagConsultationItem
	Referrals     []FlagReferralItem

	OverdueCount, DueSoonCount, TurningAdultCount, LookupCount, AwaitingCount int
	// Since is the start of the look-up window (24 hours ago).
	Since time.Time
}

// FlagItem is a flag in a desk list, with its child.
type FlagItem struct {
	Flag        *hub.Flag
	ChildName   string
	DateOfBirth hub.Date
	// TurnsAdult is the child's 18th birthday, when known.
	TurnsAdult hub.Date
}

// FlagConsultationItem is a consultation in the desk's list.
type FlagConsultationItem struct {
	Consultation *hub.FlagConsultation
	Category     hub.FlagCategory
	ChildName    string
}

// FlagReferralItem is a referral in the desk's list.
type FlagReferralItem struct {
	Referral  *hub.FlagReferral
	Category  hub.FlagCategory
	ChildName string
}

// flagDeskScope is the part of the partnership actor's desk covers: its
// areas, restricted children only for roles that read them in their
// areas.
func flagDeskScope(actor *access.Actor) *store.FlagScope {
	return &store.FlagScope{AreaIDs: actor.AreaIDs, Restricted: access.SeesRestricted(actor)}
}

// flagDeskAllows checks each listed child against the policy as well as the
// scope the query applied (they agree; this keeps the one policy the
// judge).
func flagDeskAllows(actor *access.Actor, areaID, ownerAgencyID, personID string, c store.FlagChild, now time.Time) bool {
	rec := &access.Record{Type: "person", ID: personID, AreaID: areaID, OwnerAgencyID: ownerAgencyID, Sensitivity: c.Sensitivity}
	return access.Decide(actor, access.FlagRead, rec, now).Allow
}

// FlagDesk returns the nurse's desk for the actor's areas, auditing one
// view (ObjectType "flag_desk").
func (a *App) FlagDesk(ctx context.Context, actor *access.Actor) (*FlagDesk, error) {
	return a.flagDesk(ctx, actor, true)
}

// FlagDeskSummary returns the desk's counts only, for the home page. It
// names no child and is not audited.
func (a *App) FlagDeskSummary(ctx context.Context, actor *access.Actor) (*FlagDesk, error) {
	return a.flagDesk(ctx, actor, false)
}

func (a *App) flagDesk(ctx context.Context, actor *access.Actor, lists bool) (*FlagDesk, error) {
	if err := require(actor, access.FlagDesk); err != nil {
		return nil, err
	}
	cfg := a.flagConfig()
	today := a.Today()
	d := &FlagDesk{Today: today, Since: a.Now().Add(-24 * time.Hour)}
	scope := flagDeskScope(actor)
	load := func(tx *store.Tx) error {
		now := tx.Now()
		due, _, err := tx.FindFlags(store.FlagFilter{Scope: scope, Statuses: []hub.FlagStatus{hub.FlagActive}, ReviewDueBy: flagAddDays(today, cfg.DueSoonDays), Limit: 500})
		if err != nil {
			return err
		}
		for _, l := range due {
			if !flagDeskAllows(actor, l.Flag.AreaID, l.Flag.OwnerAgencyID, l.Flag.PersonID, l.Child, now) {
				continue
			}
			it := flagItem(l)
			if l.Flag.ReviewDue.Before(today) {
				d.Overdue = append(d.Overdue, it)
			} else {
				d.DueSoon = append(d.DueSoon, it)
			}
		}
		// Children who turn 18 within the warning window, or have.
		born := hub.DateOf(flagAddDays(today, cfg.DueSoonDays).Time().AddDate(-18, 0, 0))
		adults, _, err := tx.FindFlags(store.FlagFilter{Scope: scope, Statuses: []hub.FlagStatus{hub.FlagActive}, BornBy: born, Limit: 500})
		if err != nil {
			return err
		}
		for _, l := range adults {
			if flagDeskAllows(actor, l.Flag.AreaID, l.Flag.OwnerAgencyID, l.Flag.PersonID, l.Child, now) {
				d.TurningAdult = append(d.TurningAdult, flagItem(l))
			}
		}
		slices.SortStableFunc(d.TurningAdult, func(x, y FlagItem) int { return x.TurnsAdult.Time().Compare(y.TurnsAdult.Time()) })
		lk, err := tx.FlagLookups(store.FlagLookupFilter{Scope: scope, Since: d.Since, Limit: 500})
		if err != nil {
			return err
		}
		for _, l := range lk {
			if flagDeskAllows(actor, l.AreaID, "", l.Event.SubjectID, l.Child, now) {
				d.Lookups = append(d.Lookups, flagLookupItem(l))
			}
		}
		cs, err := tx.FlagConsultations(store.FlagConsultationFilter{Scope: scope, Since: flagAddDays(today, -30), Limit: 200})
		if err != nil {
			return err
		}
		for _, c := range cs {
			if flagDeskAllows(actor, c.Consultation.AreaID, "", c.Consultation.PersonID, c.Child, now) {
				d.Consultations = append(d.Consultations, FlagConsultationItem{Consultation: c.Consultation, Category: c.Category, ChildName: c.Child.Name()})
			}
		}
		rs, err := tx.FlagReferrals(store.FlagReferralFilter{Scope: scope, Awaiting: true, Limit: 200})
		if err != nil {
			return err
		}
		for _, r := range rs {
			if flagDeskAllows(actor, r.Referral.AreaID, "", r.Referral.PersonID, r.Child, now) {
				d.Referrals = append(d.Referrals, FlagReferralItem{Referral: r.Referral, Category: r.Category, ChildName: r.Child.Name()})
			}
		}
		ss, err := tx.PendingFlagServiceReferrals(*scope, 200)
		if err != nil {
			return err
		}
		plans := a.casePlans(tx, actor)
		for _, s := range ss {
			if !flagDeskAllows(actor, s.AreaID, "", s.PersonID, s.Child, now) {
				continue
			}
			readable, err := plans.readable(s.Referral.CaseID)
			if err != nil {
				return err
			}
			if readable {
				d.Referrals = append(d.Referrals, FlagReferralItem{Referral: a.serviceAsFlagReferral(s.Referral, s.PersonID), Category: s.Category, ChildName: s.Child.Name()})
			}
		}
		if !seesFlagReasons(actor) {
			// Notes are for those who may change flags, as on the flag's
			// page.
			for _, c := range d.Consultations {
				c.Consultation.Note = ""
			}
			for _, r := range d.Referrals {
				r.Referral.Note = ""
			}
		}
		slices.SortStableFunc(d.Referrals, func(x, y FlagReferralItem) int {
			return y.Referral.ReferredOn.Time().Compare(x.Referral.ReferredOn.Time())
		})
		d.OverdueCount, d.DueSoonCount, d.TurningAdultCount = len(d.Overdue), len(d.DueSoon), len(d.TurningAdult)
		d.LookupCount, d.AwaitingCount = len(d.Lookups), len(d.Referrals)
		if !lists {
			return nil
		}
		e := event(ctx, actor, hub.ActView, "flag_desk", "")
		e.Detail = fmt.Sprintf("%d overdue, %d due, %d turning 18, %d look-ups", d.OverdueCount, d.DueSoonCount, d.TurningAdultCount, d.LookupCount)
		return tx.AppendAudit(e)
	}
	var err error
	if lists {
		err = a.db.Tx(ctx, load)
	} else {
		err = a.db.Read(ctx, load)
	}
	if err != nil {
		return nil, err
	}
	if !lists {
		c := *d
		d = &FlagDesk{Today: c.Today, Since: c.Since, OverdueCount: c.OverdueCount, DueSoonCount: c.DueSoonCount,
			TurningAdultCount: c.TurningAdultCount, LookupCount: c.LookupCount, AwaitingCount: c.AwaitingCount}
	}
	return d, nil
}

func flagItem(l *store.FlagListing) FlagItem {
	it := FlagItem{Flag: l.Flag, ChildName: l.Child.Name(), DateOfBirth: l.Child.DateOfBirth}
	if !l.Child.DateOfBirth.IsZero() {
		it.TurnsAdult = eighteenthBirthday(l.Child.DateOfBirth)
	}
	return it
}

// FlagConsultationInput is a consultation as typed.
type FlagConsultationInput struct {
	On      string // the date of the call; empty means today
	Caller  string
	Setting string
	Note    string
}

// RecordConsultation records a consultation call answered about a flag,
// auditing its creation (ObjectType "flag_consultation").
func (a *App) RecordConsultation(ctx context.Context, actor *access.Actor, flagID string, in FlagConsultationInput) (*hub.FlagConsultation, error) {
	if err := require(actor, access.FlagWrite); err != nil {
		return nil, err
	}
	today := a.Today()
	c := &hub.FlagConsultation{On: today}
	if s := strings.TrimSpace(in.On); s != "" {
		d, err := hub.ParseDate("consulted_on", s)
		if err != nil {
			return nil, err
		}
		if d.After(today) {
			return nil, hub.Invalid("consulted_on", "is in the future")
		}
		c.On = d
	}
	c.Caller = strings.Join(strings.Fields(in.Caller), " ")
	if err := hub.ValidateText("caller", c.Caller, 1, 200); err != nil {
		return nil, err
	}
	c.Setting = strings.Join(strings.Fields(in.Setting), " ")
	if err := hub.ValidateText("setting", c.Setting, 1, 200); err != nil {
		return nil, err
	}
	c.Note = strings.TrimSpace(in.Note)
	if err := hub.ValidateNote("note", c.Note, hub.MaxFlagNote); err != nil {
		return nil, err
	}
	err := a.onFlag(ctx, actor, flagID, hub.ActCreate, "flag_consultation", func(tx *store.Tx, f *hub.Flag, e *hub.AuditEvent) error {
		if f.Terminal() {
			return hub.Invalid("status", "this flag was marked entered in error")
		}
		if c.On.Before(f.Start) {
			return hub.Invalid("consulted_on", "is before the flag's start date (%s)", f.Start.Display())
		}
		c.FlagID, c.PersonID, c.AreaID = f.ID, f.PersonID, f.AreaID
		c.RecordedBy, c.RecordedByName = actor.ID, flagActorName(tx, actor)
		if err := tx.CreateFlagConsultation(c); err != nil {
			return err
		}
		e.ObjectID = c.ID
		return nil
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// FlagReferralInput is a referral to a service as typed.
type FlagReferralInput struct {
	Service    string
	ReferredOn string // empty means today
	Outcome    string // empty means awaiting
	Note       string
}

// RecordFlagReferral records a referral of a flagged child to a support or
// recovery service. When the child has an active case, the referral is
// the case's service referral (casework's record, on the case's plan and
// chronology), made from the flag: in.Service is then one of the case
// service pathways' codes and in.Outcome one of casework's outcomes, and
// its creation is audited as a "service_referral". Otherwise it is kept
// with the flag: in.Service is one of the configured flag services and
// in.Outcome one of the flag referral outcomes ("flag_referral").
func (a *App) RecordFlagReferral(ctx context.Context, actor *access.Actor, flagID string, in FlagReferralInput) (*hub.FlagReferral, error) {
	if err := require(actor, access.FlagWrite); err != nil {
		return nil, err
	}
	today := a.Today()
	r := &hub.FlagReferral{ReferredOn: today, Outcome: hub.ReferralAwaiting}
	r.Service = strings.TrimSpace(in.Service)
	if r.Service == "" {
		return nil, hub.Invalid("service", "is required: choose the service the child is referred to")
	}
	if s := strings.TrimSpace(in.ReferredOn); s != "" {
		d, err := hub.ParseDate("referred_on", s)
		if err != nil {
			return nil, err
		}
		if d.After(today) {
			return nil, hub.Invalid("referred_on", "is in the future")
		}
		r.ReferredOn = d
	}
	r.Note = strings.TrimSpace(in.Note)
	if err := hub.ValidateNote("note", r.Note, hub.MaxFlagNote); err != nil {
		return nil, err
	}
	err := a.onFlag(ctx, actor, flagID, hub.ActCreate, "flag_referral", func(tx *store.Tx, f *hub.Flag, e *hub.AuditEvent) error {
		if f.Terminal() {
			return hub.Invalid("status", "this flag was marked entered in error")
		}
		if r.ReferredOn.Before(f.Start) {
			return hub.Invalid("referred_on", "is before the flag's start date (%s)", f.Start.Display())
		}
		c, err := activeCaseOf(tx, f.PersonID)
		if err != nil {
			return err
		}
		if c != nil {
			s, err := a.flagServiceReferral(tx, actor, f, c, r, strings.TrimSpace(in.Outcome))
			if err != nil {
				return err
			}
			*r = *a.serviceAsFlagReferral(s, f.PersonID)
			e.ObjectType, e.ObjectID, e.Detail = "service_referral", s.ID, fmt.Sprintf("pathway %s for case %s", s.Pathway, c.ID)
			return nil
		}
		if !slices.Contains(a.flagConfig().Services, r.Service) {
			return hub.Invalid("service", "is not one of the services configured for referrals")
		}
		if o := strings.TrimSpace(in.Outcome); o != "" {
			r.Outcome = hub.FlagReferralOutcome(o)
			if !r.Outcome.Valid() {
				return hub.Invalid("outcome", "must be one of awaiting, accepted, declined, did-not-engage, completed")
			}
		}
		if r.Outcome != hub.ReferralAwaiting {
			r.OutcomeOn = today
		}
		r.FlagID, r.PersonID, r.AreaID = f.ID, f.PersonID, f.AreaID
		r.RecordedBy, r.RecordedByName = actor.ID, flagActorName(tx, actor)
		if err := tx.CreateFlagReferral(r); err != nil {
			return err
		}
		e.ObjectID = r.ID
		return nil
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// activeCaseOf returns the child's active case, or nil.
func activeCaseOf(tx *store.Tx, personID string) (*hub.Case, error) {
	c, err := tx.ActiveCase(hub.Subject{Kind: hub.SubjectPerson, ID: personID})
	if hub.ErrorCode(err) == hub.ENotFound {
		return nil, nil
	}
	return c, err
}

// casePlanReadable reports whether actor may read case c's plan (where its
// service referrals are), as the case's own pages would decide.
func (a *App) casePlanReadable(tx *store.Tx, actor *access.Actor, c *hub.Case) (bool, error) {
	info, err := a.loadSubject(tx, c.Subject)
	if err != nil {
		return false, err
	}
	return a.decide(tx, actor, access.CaseRead, caseRecord(c, info).PartOf(hub.PartPlan)).Allow, nil
}

// casePlans remembers, within one transaction, whether an actor may read
// each case's plan.
type casePlans struct {
	a     *App
	tx    *store.Tx
	actor *access.Actor
	seen  map[string]bool
}

func (a *App) casePlans(tx *store.Tx, actor *access.Actor) *casePlans {
	return &casePlans{a: a, tx: tx, actor: actor, seen: map[string]bool{}}
}

// readable reports whether the actor may read the plan of the case with
// this id.
func (cp *casePlans) readable(caseID string) (bool, error) {
	if ok, seen := cp.seen[caseID]; seen {
		return ok, nil
	}
	c, err := cp.tx.Case(caseID)
	if err != nil {
		return false, err
	}
	ok, err := cp.a.casePlanReadable(cp.tx, cp.actor, c)
	cp.seen[caseID] = ok
	return ok, err
}

// errCaseUnreadable refuses a referral from a flag onto a case the actor
// may not read.
var errCaseUnreadable = hub.Errorf(hub.EForbidden, "the child has an active case you may not read, so the referral belongs on it: ask the case's lead practitioner to record it there")

// flagServiceFields maps casework's field names to the flag referral's.
var flagServiceFields = map[string]string{"referred": "referred_on", "reason": "note", "outcome_note": "note", "provider": "service"}

// asFlagFields renames the field a casework refusal names to the flag
// form's.
func asFlagFields(err error) error {
	if to, ok := flagServiceFields[hub.ErrorField(err)]; ok {
		return hub.Invalid(to, "%s", hub.ErrorMessage(err))
	}
	return err
}

// flagServiceReferral records r, made from flag f, as case c's service
// referral. r.Service is a pathway code and outcome one of casework's.
// The actor must be able to read the case's plan.
func (a *App) flagServiceReferral(tx *store.Tx, actor *access.Actor, f *hub.Flag, c *hub.Case, r *hub.FlagReferral, outcome string) (*hub.ServiceReferral, error) {
	if ok, err := a.casePlanReadable(tx, actor, c); err != nil {
		return nil, err
	} else if !ok {
		return nil, errCaseUnreadable
	}
	if outcome == string(hub.ReferralAwaiting) {
		outcome = string(hub.ServicePending) // the form's default before it knew of the case
	}
	if outcome != "" && !hub.ServiceOutcome(outcome).Valid() {
		return nil, hub.Invalid("outcome", "must be one of casework's outcomes: %s", serviceOutcomeList())
	}
	s, err := a.normalizeService(ServiceInput{Pathway: r.Service, Referred: r.ReferredOn.String(), Reason: r.Note, Outcome: outcome})
	if err != nil {
		if hub.ErrorField(err) == "pathway" {
			return nil, hub.Invalid("service", "choose one of the case's service pathways: the child has an active case, so the referral goes on its plan")
		}
		return nil, asFlagFields(err)
	}
	if s.Referred.Before(hub.DateOf(c.OpenedAt.In(London))) {
		return nil, hub.Invalid("referred_on", "is before the child's case was opened (%s)", hub.DateOf(c.OpenedAt.In(London)).Display())
	}
	s.CaseID, s.AreaID, s.FlagID, s.CreatedBy = c.ID, c.AreaID, f.ID, actor.ID
	if err := tx.CreateServiceReferrals(s); err != nil {
		return nil, err
	}
	return s, nil
}

func serviceOutcomeList() string {
	out := make([]string, len(hub.ServiceOutcomes))
	for i, o := range hub.ServiceOutcomes {
		out[i] = string(o)
	}
	return strings.Join(out, ", ")
}

// serviceAsFlagReferral shows a case's service referral made from a flag
// as the flag's pages list referrals.
func (a *App) serviceAsFlagReferral(s *hub.ServiceReferral, personID string) *hub.FlagReferral {
	note := s.Reason
	if s.OutcomeNote != "" {
		note = strings.TrimSpace(note + "\n" + s.OutcomeNote)
	}
	return &hub.FlagReferral{ID: s.ID, FlagID: s.FlagID, PersonID: personID, AreaID: s.AreaID, Service: a.PathwayLabel(s.Pathway) + " (" + s.Provider + ")",
		ReferredOn: s.Referred, OutcomeOn: s.OutcomeOn, Note: note, RecordedBy: s.CreatedBy, Version: s.Version, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt,
		CaseID: s.CaseID, CaseOutcome: s.Outcome}
}

// RecordFlagReferralOutcome records the outcome of a referral made from a
// flag, if version is the version the actor saw: one of the flag referral
// outcomes for a referral kept with the flag, one of casework's for a
// case's service referral made from the flag. It returns the referral
// (with its flag id).
func (a *App) RecordFlagReferralOutcome(ctx context.Context, actor *access.Actor, referralID string, version int, outcome, note string) (*hub.FlagReferral, error) {
	if err := require(actor, access.FlagWrite); err != nil {
		return nil, err
	}
	if !hub.ValidID(referralID) {
		return nil, hub.Invalid("id", "is not a record identifier")
	}
	outcome = strings.TrimSpace(outcome)
	note = strings.TrimSpace(note)
	if err := hub.ValidateNote("note", note, hub.MaxFlagNote); err != nil {
		return nil, err
	}
	var out *hub.FlagReferral
	var denied bool
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		e := event(ctx, actor, hub.ActUpdate, "flag_referral", referralID)
		deny := func(reason string) error {
			denied = true
			e.Outcome, e.Detail = hub.OutcomeDenied, reason
			return tx.AppendAudit(e)
		}
		r, err := tx.FlagReferral(referralID)
		var s *hub.ServiceReferral
		if hub.ErrorCode(err) == hub.ENotFound {
			// A case's service referral made from a flag?
			e.ObjectType = "service_referral"
			if s, err = tx.ServiceReferral(referralID); err == nil && s.FlagID == "" {
				return deny("no such referral")
			}
		}
		var f *hub.Flag
		var p *hub.Person
		if err == nil && s != nil {
			f, p, err = a.flagAndChild(tx, s.FlagID)
		} else if err == nil {
			p, err = tx.Person(r.PersonID)
		}
		if hub.ErrorCode(err) == hub.ENotFound {
			return deny("no such referral")
		}
		if err != nil {
			return err
		}
		e.SubjectID = p.ID
		if d := a.flagDecision(tx, actor, access.FlagWrite, p); !d.Allow {
			return deny(d.Reason)
		}
		if s != nil {
			c, err := tx.Case(s.CaseID)
			if err != nil {
				return err
			}
			if ok, err := a.casePlanReadable(tx, actor, c); err != nil {
				return err
			} else if !ok {
				return deny("the referral is on a case the actor may not read")
			}
			if !c.Status.Active() {
				return hub.Invalid("case", "the case is closed: the referral's outcome can no longer be changed")
			}
			o := hub.ServiceOutcome(outcome)
			if !o.Valid() {
				return hub.Invalid("outcome", "must be one of casework's outcomes: %s", serviceOutcomeList())
			}
			if s.Version != version {
				return hub.Conflict("referral")
			}
			s.Outcome, s.OutcomeOn = o, hub.Date{}
			if o != hub.ServicePending {
				s.OutcomeOn = a.Today()
			}
			if note != "" {
				// Added to what casework recorded, not in its place.
				s.OutcomeNote = strings.TrimSpace(s.OutcomeNote + "\n" + note)
			}
			if err := s.Validate(a.Today()); err != nil {
				return asFlagFields(err)
			}
			if err := tx.UpdateServiceReferral(s); err != nil {
				return err
			}
			out = a.serviceAsFlagReferral(s, f.PersonID)
			e.Detail = fmt.Sprintf("outcome %s; flag %s; case %s", o, f.ID, s.CaseID)
			return tx.AppendAudit(e)
		}
		o := hub.FlagReferralOutcome(outcome)
		if !o.Valid() {
			return hub.Invalid("outcome", "must be one of awaiting, accepted, declined, did-not-engage, completed")
		}
		if r.Version != version {
			return hub.Conflict("referral")
		}
		r.Outcome = o
		r.OutcomeOn = hub.Date{}
		if o != hub.ReferralAwaiting {
			r.OutcomeOn = a.Today()
		}
		if note != "" {
			r.Note = note
		}
		if err := tx.UpdateFlagReferral(r); err != nil {
			return err
		}
		out = r
		e.Detail = "outcome " + string(o)
		return tx.AppendAudit(e)
	})
	if err != nil {
		return nil, err
	}
	if denied {
		return nil, hub.NotFound("referral")
	}
	return out, nil
}

// onFlag runs fn on a flag the actor may change, in one transaction with
// one audit event (action, objectType; fn sets its ObjectID). A flag the
// actor may not change answers not found, and the refusal is audited.
func (a *App) onFlag(ctx context.Context, actor *access.Actor, flagID, action, objectType string, fn func(tx *store.Tx, f *hub.Flag, e *hub.AuditEvent) error) error {
	if !hub.ValidID(flagID) {
		return hub.Invalid("id", "is not a record identifier")
	}
	var denied bool
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		e := event(ctx, actor, action, objectType, "")
		f, p, err := a.flagAndChild(tx, flagID)
		if hub.ErrorCode(err) == hub.ENotFound {
			denied = true
			e.Outcome, e.Detail = hub.OutcomeDenied, "no such flag"
			return tx.AppendAudit(e)
		}
		if err != nil {
			return err
		}
		e.SubjectID = p.ID
		if d := a.flagDecision(tx, actor, access.FlagWrite, p); !d.Allow {
			denied = true
			e.Outcome, e.Detail = hub.OutcomeDenied, d.Reason
			return tx.AppendAudit(e)
		}
		if err := fn(tx, f, e); err != nil {
			return err
		}
		if e.Detail == "" {
			e.Detail = "flag " + f.ID
		} else {
			e.Detail = "flag " + f.ID + "; " + e.Detail
		}
		return tx.AppendAudit(e)
	})
	if err != nil {
		return err
	}
	if denied {
		return hub.NotFound("flag")
	}
	return nil
}

func init() {
	workSources = append(workSources, flagWork)
	chronologySources = append(chronologySources, flagChronology)
}

// flagWork lists, for "My work", the flags in the actor's areas whose
// review is due or overdue, for those who keep the desk.
func flagWork(a *App, tx *store.Tx, actor *access.Actor) ([]WorkItem, error) {
	if !access.Can(actor, access.FlagDesk) {
		return nil, nil
	}
	today := a.Today()
	ls, _, err := tx.FindFlags(store.FlagFilter{Scope: flagDeskScope(actor), Statuses: []hub.FlagStatus{hub.FlagActive},
		ReviewDueBy: flagAddDays(today, a.flagConfig().DueSoonDays), Limit: 200})
	if err != nil {
		return nil, err
	}
	var out []WorkItem
	for _, l := range ls {
		f := l.Flag
		if !flagDeskAllows(actor, f.AreaID, f.OwnerAgencyID, f.PersonID, l.Child, tx.Now()) {
			continue
		}
		// Due by the end of the review day.
		out = append(out, WorkItem{Kind: "flag_review", Title: fmt.Sprintf("Review %s's health flag (%s)", l.Child.Name(), f.Category.Label()),
			SubjectID: f.PersonID, AreaID: f.AreaID, Due: flagLondonMidnight(flagAddDays(f.ReviewDue, 1)), Link: "/flags/" + f.ID})
	}
	return out, nil
}

// flagChronology lists, for the child's chronology, each time a flag was
// set, reviewed, changed, ended or withdrawn, as the actor may see it (the
// notes only for those who see flags' reasons).
func flagChronology(a *App, tx *store.Tx, actor *access.Actor, p *hub.Person) ([]ChronologyEntry, error) {
	if !access.Can(actor, access.FlagRead) || !a.flagDecision(tx, actor, access.FlagRead, p).Allow {
		return nil, nil
	}
	ls, _, err := tx.FindFlags(store.FlagFilter{PersonID: p.ID, Limit: 500})
	if err != nil {
		return nil, err
	}
	reasons := seesFlagReasons(actor)
	var out []ChronologyEntry
	for _, l := range ls {
		hs, err := tx.FlagHistory(l.Flag.ID)
		if err != nil {
			return nil, err
		}
		for _, h := range hs {
			en := ChronologyEntry{At: h.At, Kind: "flag", Title: flagChronologyTitle(h), Detail: "By " + h.ActorName, Link: "/flags/" + h.FlagID}
			if reasons && h.Note != "" {
				en.Detail += ": " + h.Note
			}
			out = append(out, en)
		}
	}
	return out, nil
}

// flagLondonMidnight is the start of date d in Europe/London.
func flagLondonMidnight(d hub.Date) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, London).UTC()
}

func flagChronologyTitle(h *hub.FlagChange) string {
	c := h.State.Category.Label()
	switch h.Action {
	case hub.FlagActSet, hub.FlagActImport:
		return fmt.Sprintf("Health flag set: %s (%s risk)", c, h.State.RiskLevel)
	case hub.FlagActReview:
		return fmt.Sprintf("Health flag reviewed: %s (%s risk); next review %s", c, h.State.RiskLevel, h.State.ReviewDue.Display())
	case hub.FlagActReviewPrompted:
		return fmt.Sprintf("Health flag review brought forward: %s", c)
	case hub.FlagActLeadChanged:
		return fmt.Sprintf("Health flag's lead practitioner changed with the case: %s", c)
	case hub.FlagActEnd:
		return fmt.Sprintf("Health flag ended: %s", c)
	case hub.FlagActEnteredInError:
		return fmt.Sprintf("Health flag withdrawn as entered in error: %s", c)
	}
	return fmt.Sprintf("Health flag changed: %s (%s risk)", c, h.State.RiskLevel)
}
