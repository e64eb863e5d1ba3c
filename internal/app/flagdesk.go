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
// recovery service (from the configured list), auditing its creation
// (ObjectType "flag_referral"). Casework's service referrals should take
// this over once they exist.
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
	if !slices.Contains(a.flagConfig().Services, r.Service) {
		return nil, hub.Invalid("service", "is not one of the services configured for referrals")
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
	if s := strings.TrimSpace(in.Outcome); s != "" {
		r.Outcome = hub.FlagReferralOutcome(s)
		if !r.Outcome.Valid() {
			return nil, hub.Invalid("outcome", "must be one of awaiting, accepted, declined, did-not-engage, completed")
		}
	}
	if r.Outcome != hub.ReferralAwaiting {
		r.OutcomeOn = today
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

// RecordFlagReferralOutcome records the outcome of a referral, if version is
// the version the actor saw. It returns the referral (with its flag id).
func (a *App) RecordFlagReferralOutcome(ctx context.Context, actor *access.Actor, referralID string, version int, outcome, note string) (*hub.FlagReferral, error) {
	if err := require(actor, access.FlagWrite); err != nil {
		return nil, err
	}
	if !hub.ValidID(referralID) {
		return nil, hub.Invalid("id", "is not a record identifier")
	}
	o := hub.FlagReferralOutcome(strings.TrimSpace(outcome))
	if !o.Valid() {
		return nil, hub.Invalid("outcome", "must be one of awaiting, accepted, declined, did-not-engage, completed")
	}
	note = strings.TrimSpace(note)
	if err := hub.ValidateNote("note", note, hub.MaxFlagNote); err != nil {
		return nil, err
	}
	var out *hub.FlagReferral
	var denied bool
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		e := event(ctx, actor, hub.ActUpdate, "flag_referral", referralID)
		r, err := tx.FlagReferral(referralID)
		var p *hub.Person
		if err == nil {
			p, err = tx.Person(r.PersonID)
		}
		if hub.ErrorCode(err) == hub.ENotFound {
			denied = true
			e.Outcome, e.Detail = hub.OutcomeDenied, "no such referral"
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
		e.Detail = "flag " + f.ID
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
	case hub.FlagActEnd:
		return fmt.Sprintf("Health flag ended: %s", c)
	case hub.FlagActEnteredInError:
		return fmt.Sprintf("Health flag withdrawn as entered in error: %s", c)
	}
	return fmt.Sprintf("Health flag changed: %s (%s risk)", c, h.State.RiskLevel)
}
