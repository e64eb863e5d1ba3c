package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/ident"
	"github.com/safehub/safehub/internal/store"
)

// Health flags (issue 5, part 1): the "at risk" flag the hub's specialist
// nurse keeps on a child's health record. Setting, reviewing, changing,
// ending and marking a flag entered-in-error are use cases here; each is
// one transaction with one audit event (ObjectType "flag", SubjectID the
// child), and every change also writes a version of the flag's history
// and tells the look-up index (store.Tx.NotifyFlagChange, called by the
// store's flag methods).
//
// Access: access.FlagRead to see a child's flags, access.FlagWrite to
// change them, each decided on the child's person record (area,
// sensitivity, team; a break-glass grant on the person opens the flags for
// reading too). The reason, end reason and notes of a flag are internal:
// only actors whose role holds FlagWrite (nurse, manager) see them.

// FlagConfig configures health flags.
type FlagConfig struct {
	// ExtraCategories are categories a deployment adds to
	// hub.FlagCategories: lower-case codes such as "online-harm".
	ExtraCategories []hub.FlagCategory
	// ReviewMonths is the default interval, in calendar months, from a
	// flag's start or review to its next review (default 3).
	ReviewMonths int
	// DueSoonDays: a flag whose review falls due within this many days is
	// listed as due for review (default 14); past it, overdue.
	DueSoonDays int
	// Services are the support and recovery services a flagged child may be
	// referred to.
	Services []string
	// ContactPhone and ContactHours are the hub's consultation line and its
	// hours, offered on a new flag.
	ContactPhone string
	ContactHours string
}

// DefaultFlagConfig returns the defaults.
func DefaultFlagConfig() FlagConfig {
	return FlagConfig{
		ReviewMonths: 3,
		DueSoonDays:  14,
		Services: []string{
			"Child exploitation support service",
			"Sexual assault referral centre (SARC)",
			"Sexual health service",
			"Young people's drug and alcohol service",
			"Child and adolescent mental health services (CAMHS)",
			"Independent child trafficking guardian (ICTG)",
			"Youth work and mentoring",
		},
		ContactHours: "Monday to Friday, 9am to 5pm; out of hours, the emergency duty team",
	}
}

// Validate reports the first problem with the configuration.
func (c FlagConfig) Validate() error {
	for _, cat := range c.ExtraCategories {
		if !hub.ValidFlagCategoryCode(string(cat)) {
			return fmt.Errorf("flag category %q: use 1 to 40 lower-case letters, digits and hyphens", cat)
		}
	}
	if c.ReviewMonths < 0 || c.ReviewMonths > 12 {
		return fmt.Errorf("flag review interval %d months: give 1 to 12", c.ReviewMonths)
	}
	if c.DueSoonDays < 0 || c.DueSoonDays > 90 {
		return fmt.Errorf("flag review warning %d days: give 1 to 90", c.DueSoonDays)
	}
	for _, s := range c.Services {
		if err := hub.ValidateText("service", s, 1, 200); err != nil {
			return fmt.Errorf("flag referral service %q: %w", s, err)
		}
	}
	if c.ContactPhone != "" {
		if _, err := ident.Phone(c.ContactPhone); err != nil {
			return fmt.Errorf("flag contact phone: %w", err)
		}
	}
	return nil
}

// flagConfig returns the configuration with defaults for what is unset.
func (a *App) flagConfig() FlagConfig {
	c, d := a.cfg.Flags, DefaultFlagConfig()
	if c.ReviewMonths <= 0 {
		c.ReviewMonths = d.ReviewMonths
	}
	if c.DueSoonDays <= 0 {
		c.DueSoonDays = d.DueSoonDays
	}
	if len(c.Services) == 0 {
		c.Services = d.Services
	}
	if c.ContactHours == "" {
		c.ContactHours = d.ContactHours
	}
	return c
}

// FlagCategories lists the categories a flag may have: the built-in ones,
// then the configured others.
func (a *App) FlagCategories() []hub.FlagCategory { return a.flagConfig().categories() }

func (c FlagConfig) categories() []hub.FlagCategory {
	out := slices.Clone(hub.FlagCategories)
	for _, x := range c.ExtraCategories {
		if hub.ValidFlagCategoryCode(string(x)) && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// FlagServices lists the services a flagged child may be referred to.
func (a *App) FlagServices() []string { return a.flagConfig().Services }

// FlagDefaults are the values a new flag's form starts with.
func (a *App) FlagDefaults() FlagInput {
	c := a.flagConfig()
	today := a.Today()
	return FlagInput{Start: today.String(), ReviewDue: flagAddMonths(today, c.ReviewMonths).String(), ContactPhone: c.ContactPhone, ContactHours: c.ContactHours}
}

// FlagInput is a flag as a form or API body gives it: text as typed.
type FlagInput struct {
	Category  string
	RiskLevel string
	Start     string
	// ReviewDue may be empty: the review then falls due the configured
	// interval after the start (or today, if the start is earlier).
	ReviewDue    string
	Reason       string
	Advice       string
	ContactPhone string
	ContactHours string
	LeadUserID   string
}

// NormalizeFlag turns input into an active flag, validating each field.
// The first problem found is returned, naming its field (category,
// risk_level, start_date, review_date, reason, advice, contact_phone,
// contact_hours, lead_user_id). It does not check what needs the database
// (the child, the lead practitioner, other flags) nor what only applies to
// a change made now (see checkDates).
func NormalizeFlag(in FlagInput, cfg FlagConfig, today hub.Date) (*hub.Flag, error) {
	f := &hub.Flag{Status: hub.FlagActive}
	cat := strings.TrimSpace(in.Category)
	cats := cfg.categories()
	if cat == "" {
		return nil, hub.Invalid("category", "is required: choose what the flag warns of")
	}
	if !slices.Contains(cats, hub.FlagCategory(cat)) {
		return nil, hub.Invalid("category", "must be one of %s", joinFlagCategories(cats))
	}
	f.Category = hub.FlagCategory(cat)
	f.RiskLevel = hub.RiskLevel(strings.TrimSpace(in.RiskLevel))
	if !slices.Contains(hub.FlagRiskLevels, f.RiskLevel) {
		return nil, hub.Invalid("risk_level", "must be low, medium or high")
	}
	s := strings.TrimSpace(in.Start)
	if s == "" {
		return nil, hub.Invalid("start_date", "is required")
	}
	var err error
	if f.Start, err = hub.ParseDate("start_date", s); err != nil {
		return nil, err
	}
	if f.Start.After(today) {
		return nil, hub.Invalid("start_date", "is in the future: a flag starts today or earlier")
	}
	if f.Start.Before(hub.Date{Year: 2000, Month: 1, Day: 1}) {
		return nil, hub.Invalid("start_date", "is before 2000")
	}
	if s := strings.TrimSpace(in.ReviewDue); s != "" {
		if f.ReviewDue, err = hub.ParseDate("review_date", s); err != nil {
			return nil, err
		}
		if !f.ReviewDue.After(f.Start) {
			return nil, hub.Invalid("review_date", "must be after the start date")
		}
	} else {
		from := f.Start
		if from.Before(today) {
			from = today
		}
		f.ReviewDue = flagAddMonths(from, cfg.ReviewMonths)
	}
	f.Reason = strings.TrimSpace(in.Reason)
	if f.Reason == "" {
		return nil, hub.Invalid("reason", "is required: say why the child is flagged (this stays inside the hub)")
	}
	if err := hub.ValidateNote("reason", f.Reason, hub.MaxFlagNote); err != nil {
		return nil, err
	}
	// Advice is one short paragraph: line breaks typed in the form are
	// spaces.
	f.Advice = strings.Join(strings.Fields(in.Advice), " ")
	if f.Advice == "" {
		return nil, hub.Invalid("advice", "is required: say what health staff should do")
	}
	if n := utf8.RuneCountInString(f.Advice); n > hub.MaxFlagAdvice {
		return nil, hub.Invalid("advice", "is %d characters long; the limit is %d. Say what to do, not what the concern is", n, hub.MaxFlagAdvice)
	}
	if err := hub.ValidateText("advice", f.Advice, 1, hub.MaxFlagAdvice); err != nil {
		return nil, err
	}
	if strings.TrimSpace(in.ContactPhone) == "" {
		return nil, hub.Invalid("contact_phone", "is required: the hub's line health staff should call")
	}
	if f.ContactPhone, err = ident.Phone(in.ContactPhone); err != nil {
		return nil, renameField(err, "contact_phone")
	}
	f.ContactHours = strings.Join(strings.Fields(in.ContactHours), " ")
	if f.ContactHours == "" {
		return nil, hub.Invalid("contact_hours", "is required: say when the line is answered")
	}
	if err := hub.ValidateText("contact_hours", f.ContactHours, 1, 200); err != nil {
		return nil, err
	}
	f.LeadUserID = strings.TrimSpace(in.LeadUserID)
	if f.LeadUserID != "" && !hub.ValidID(f.LeadUserID) {
		return nil, hub.Invalid("lead_user_id", "is not a user")
	}
	if err := f.Validate(); err != nil {
		return nil, flagField(err)
	}
	return f, nil
}

// flagField renames hub.Flag.Validate's review_due field to the input's
// review_date.
func flagField(err error) error {
	if hub.ErrorField(err) == "review_due" {
		return renameField(err, "review_date")
	}
	return err
}

func joinFlagCategories(cs []hub.FlagCategory) string {
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = string(c)
	}
	return strings.Join(s, ", ")
}

// checkDates applies the rules for a review date chosen now: not in the
// past, and within a year.
func checkFlagReviewDate(d, today hub.Date) error {
	if d.Before(today) {
		return hub.Invalid("review_date", "is in the past")
	}
	if d.After(flagAddMonths(today, 12)) {
		return hub.Invalid("review_date", "is more than a year away: review a flag at least once a year")
	}
	return nil
}

func flagAddMonths(d hub.Date, n int) hub.Date { return hub.DateOf(d.Time().AddDate(0, n, 0)) }

func flagAddDays(d hub.Date, n int) hub.Date { return hub.DateOf(d.Time().AddDate(0, 0, n)) }

// eighteenthBirthday returns the date a person born on dob turns 18 (1 March for
// those born on 29 February).
func eighteenthBirthday(dob hub.Date) hub.Date { return hub.DateOf(dob.Time().AddDate(18, 0, 0)) }

// checkFlagChild refuses a flag starting on or after the person's 18th
// birthday. A person whose date of birth is unknown is taken to be a child,
// as hub.Person.IsChild does.
func checkFlagChild(p *hub.Person, start hub.Date) error {
	if p.DateOfBirth.IsZero() || p.DateOfBirth.AgeOn(start) < 18 {
		return nil
	}
	return hub.Invalid("start_date", "is on or after the person's 18th birthday: health flags are for children under 18 only")
}

// flagLeadRoles may be a flag's lead practitioner.
var flagLeadRoles = []hub.Role{hub.RolePractitioner, hub.RolePolice, hub.RoleNurse, hub.RoleManager}

// checkFlagLead checks that id names an active user who may lead on the
// child: a practitioner, police officer, nurse or manager working in the
// child's area.
func checkFlagLead(tx *store.Tx, id string, p *hub.Person) error {
	u, err := tx.User(id)
	if hub.ErrorCode(err) == hub.ENotFound {
		return hub.Invalid("lead_user_id", "is not a user")
	}
	if err != nil {
		return err
	}
	if u.Disabled || !slices.Contains(u.AreaIDs, p.AreaID) || !slices.ContainsFunc(flagLeadRoles, u.HasRole) {
		return hub.Invalid("lead_user_id", "must be a practitioner, police officer, nurse or manager working in the child's area")
	}
	return nil
}

// checkOneActiveFlag refuses a second active flag of a category for a child
// (except the flag being changed, self).
func checkOneActiveFlag(tx *store.Tx, personID string, cat hub.FlagCategory, self string) error {
	fs, _, err := tx.FindFlags(store.FlagFilter{PersonID: personID, Statuses: []hub.FlagStatus{hub.FlagActive}})
	if err != nil {
		return err
	}
	for _, l := range fs {
		if l.Flag.Category == cat && l.Flag.ID != self {
			return hub.Invalid("category", "this child already has an active %s flag: review or change that one instead", cat.Label())
		}
	}
	return nil
}

// FlagLeadOption is a user who may be a flag's lead practitioner.
type FlagLeadOption struct {
	ID   string
	Name string
	Role string
}

// FlagLeads lists the users who may lead on a flagged child in area
// areaID, for the flag forms, by name. It names staff, not children, so it
// is not audited.
func (a *App) FlagLeads(ctx context.Context, actor *access.Actor, areaID string) ([]FlagLeadOption, error) {
	if err := require(actor, access.FlagWrite); err != nil {
		return nil, err
	}
	var out []FlagLeadOption
	off := false
	err := a.db.Read(ctx, func(tx *store.Tx) error {
		us, _, err := tx.FindUsers(store.UserFilter{Disabled: &off, Limit: 1000})
		if err != nil {
			return err
		}
		for _, u := range us {
			i := slices.IndexFunc(flagLeadRoles, u.HasRole)
			if i < 0 || !slices.Contains(u.AreaIDs, areaID) {
				continue
			}
			out = append(out, FlagLeadOption{ID: u.ID, Name: u.DisplayName, Role: flagLeadRoles[i].Label()})
		}
		return nil
	})
	slices.SortFunc(out, func(x, y FlagLeadOption) int { return strings.Compare(x.Name, y.Name) })
	return out, err
}

// flagDecision decides whether actor may perform act (FlagRead or
// FlagWrite) on the flags of person p. A break-glass grant on the person
// opens its flags for reading: access.Decide widens only PersonRead, and
// the flags are part of the record the grant opened.
func (a *App) flagDecision(tx *store.Tx, actor *access.Actor, act access.Action, p *hub.Person) access.Decision {
	rec := access.PersonRecord(p)
	d := a.decide(tx, actor, act, rec)
	if d.Allow || act != access.FlagRead || !access.Can(actor, access.FlagRead) {
		return d
	}
	if pd := a.decide(tx, actor, access.PersonRead, rec); pd.Allow && pd.ViaBreakGlass {
		return pd
	}
	return d
}

// seesFlagReasons reports whether actor may see flags' reasons, end
// reasons and notes: those whose role may change flags.
func seesFlagReasons(actor *access.Actor) bool { return access.Can(actor, access.FlagWrite) }

// redactFlag clears what only FlagWrite holders see.
func redactFlag(f *hub.Flag) {
	f.Reason, f.EndReason, f.ReviewPrompt = "", "", ""
}

// flagActorName is the name a flag's history shows for actor: the user's
// display name where there is one.
func flagActorName(tx *store.Tx, actor *access.Actor) string {
	if actor.ID != "" && !actor.Machine {
		if u, err := tx.User(actor.ID); err == nil && u.DisplayName != "" {
			return u.DisplayName
		}
	}
	return actor.Name
}

func flagEdit(tx *store.Tx, actor *access.Actor, action, note string) store.FlagEdit {
	return store.FlagEdit{Action: action, ActorID: actor.ID, ActorName: flagActorName(tx, actor), Note: note}
}

// notifyFlagLead tells a newly named lead practitioner that they lead on the
// child's flag (unless they named themselves).
func (a *App) notifyFlagLead(tx *store.Tx, actor *access.Actor, f *hub.Flag, p *hub.Person) error {
	if f.LeadUserID == "" || f.LeadUserID == actor.ID {
		return nil
	}
	return a.notify(tx, &hub.Notification{
		UserID: f.LeadUserID, Kind: "flag_lead", SubjectID: p.ID, ObjectType: "flag", ObjectID: f.ID,
		Title: fmt.Sprintf("You are the lead practitioner on %s's health flag (%s)", p.Name(), f.Category.Label()),
		Body:  "You will be told each time a health service looks the flag up.",
		Link:  "/flags/" + f.ID,
	})
}

// SetFlag sets a flag on a child. The actor needs FlagWrite on the child's
// record; the child must be under 18 on the start date, have no other
// active flag of the category, and the lead practitioner must work in the
// child's area. A record the actor may not change answers not found, and
// the refusal is audited.
func (a *App) SetFlag(ctx context.Context, actor *access.Actor, personID string, in FlagInput) (*hub.Flag, error) {
	if err := require(actor, access.FlagWrite); err != nil {
		return nil, err
	}
	today := a.Today()
	f, err := NormalizeFlag(in, a.flagConfig(), today)
	if err != nil {
		return nil, err
	}
	if err := checkFlagReviewDate(f.ReviewDue, today); err != nil {
		return nil, err
	}
	if f.LeadUserID == "" {
		return nil, hub.Invalid("lead_user_id", "is required: choose who is told of every look-up")
	}
	var denied bool
	err = a.db.Tx(ctx, func(tx *store.Tx) error {
		e := event(ctx, actor, hub.ActCreate, "flag", "")
		e.SubjectID = personID
		p, err := tx.Person(personID)
		if hub.ErrorCode(err) == hub.ENotFound {
			denied = true
			e.Outcome, e.Detail = hub.OutcomeDenied, "no such person"
			return tx.AppendAudit(e)
		}
		if err != nil {
			return err
		}
		if d := a.flagDecision(tx, actor, access.FlagWrite, p); !d.Allow {
			denied = true
			e.Outcome, e.Detail = hub.OutcomeDenied, d.Reason
			return tx.AppendAudit(e)
		}
		if err := checkFlagChild(p, f.Start); err != nil {
			return err
		}
		if err := checkFlagLead(tx, f.LeadUserID, p); err != nil {
			return err
		}
		if err := checkOneActiveFlag(tx, p.ID, f.Category, ""); err != nil {
			return err
		}
		f.PersonID, f.AreaID, f.OwnerAgencyID, f.CreatedBy = p.ID, p.AreaID, p.OwnerAgencyID, actor.ID
		if err := tx.CreateFlag(f, flagEdit(tx, actor, hub.FlagActSet, "")); err != nil {
			return err
		}
		if err := a.notifyFlagLead(tx, actor, f, p); err != nil {
			return err
		}
		e.ObjectID = f.ID
		e.Detail = string(f.Category)
		return tx.AppendAudit(e)
	})
	if err != nil {
		return nil, err
	}
	if denied {
		return nil, hub.NotFound("person")
	}
	return f, nil
}

// changeFlag runs one change of an existing flag: it loads the flag and
// its child, checks FlagWrite, that the version is current and that the
// flag is not entered-in-error, lets change alter the flag, validates it
// and saves it with a history row, auditing one update event (detail: the
// history action). A flag the actor may not change answers not found.
func (a *App) changeFlag(ctx context.Context, actor *access.Actor, id string, version int, action string, change func(tx *store.Tx, f *hub.Flag, p *hub.Person) (note string, err error)) (*hub.Flag, error) {
	if err := require(actor, access.FlagWrite); err != nil {
		return nil, err
	}
	if !hub.ValidID(id) {
		return nil, hub.Invalid("id", "is not a record identifier")
	}
	var out *hub.Flag
	var denied bool
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		e := event(ctx, actor, hub.ActUpdate, "flag", id)
		e.Detail = action
		f, p, err := a.flagAndChild(tx, id)
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
		if f.Version != version {
			return hub.Conflict("flag")
		}
		if f.Terminal() {
			return hub.Invalid("status", "this flag was marked entered in error and can no longer be changed")
		}
		oldLead := f.LeadUserID
		note, err := change(tx, f, p)
		if err != nil {
			return err
		}
		if err := f.Validate(); err != nil {
			return flagField(err)
		}
		if err := tx.UpdateFlag(f, flagEdit(tx, actor, action, note)); err != nil {
			return err
		}
		if f.LeadUserID != oldLead && f.Status == hub.FlagActive {
			if err := a.notifyFlagLead(tx, actor, f, p); err != nil {
				return err
			}
		}
		out = f
		return tx.AppendAudit(e)
	})
	if err != nil {
		return nil, err
	}
	if denied {
		return nil, hub.NotFound("flag")
	}
	return out, nil
}

// flagAndChild loads a flag and the person it is on.
func (a *App) flagAndChild(tx *store.Tx, id string) (*hub.Flag, *hub.Person, error) {
	f, err := tx.Flag(id)
	if err != nil {
		return nil, nil, err
	}
	p, err := tx.Person(f.PersonID)
	if err != nil {
		return nil, nil, err
	}
	return f, p, nil
}

// UpdateFlag changes an active flag's category, risk level, dates, reason,
// advice and contact, if version is the version the actor saw.
func (a *App) UpdateFlag(ctx context.Context, actor *access.Actor, id string, version int, in FlagInput) (*hub.Flag, error) {
	today := a.Today()
	next, err := NormalizeFlag(in, a.flagConfig(), today)
	if err != nil {
		return nil, err
	}
	if next.LeadUserID == "" {
		return nil, hub.Invalid("lead_user_id", "is required: choose who is told of every look-up")
	}
	return a.changeFlag(ctx, actor, id, version, hub.FlagActUpdate, func(tx *store.Tx, f *hub.Flag, p *hub.Person) (string, error) {
		if f.Status != hub.FlagActive {
			return "", hub.Invalid("status", "this flag has ended; set a new flag instead of changing an ended one")
		}
		if next.ReviewDue != f.ReviewDue {
			if err := checkFlagReviewDate(next.ReviewDue, today); err != nil {
				return "", err
			}
		}
		if err := checkFlagChild(p, next.Start); err != nil {
			return "", err
		}
		if next.LeadUserID != f.LeadUserID {
			if err := checkFlagLead(tx, next.LeadUserID, p); err != nil {
				return "", err
			}
		}
		if next.Category != f.Category {
			if err := checkOneActiveFlag(tx, p.ID, next.Category, f.ID); err != nil {
				return "", err
			}
		}
		f.Category, f.RiskLevel, f.Start, f.ReviewDue = next.Category, next.RiskLevel, next.Start, next.ReviewDue
		f.Reason, f.Advice, f.ContactPhone, f.ContactHours, f.LeadUserID = next.Reason, next.Advice, next.ContactPhone, next.ContactHours, next.LeadUserID
		return "", nil
	})
}

// FlagReview is a review of a flag as typed.
type FlagReview struct {
	// NextReview is the next review date; empty means the configured
	// interval from today.
	NextReview string
	// RiskLevel, if given, is the level the review found.
	RiskLevel string
	// Note says what the review found (required; internal).
	Note string
}

// ReviewFlag records a review of an active flag: who reviewed it, when,
// what they found, and the next review date. A review prompted by a case
// ending clears the prompt.
func (a *App) ReviewFlag(ctx context.Context, actor *access.Actor, id string, version int, in FlagReview) (*hub.Flag, error) {
	today := a.Today()
	next := flagAddMonths(today, a.flagConfig().ReviewMonths)
	if s := strings.TrimSpace(in.NextReview); s != "" {
		d, err := hub.ParseDate("review_date", s)
		if err != nil {
			return nil, err
		}
		next = d
	}
	if err := checkFlagReviewDate(next, today); err != nil {
		return nil, err
	}
	if !next.After(today) {
		return nil, hub.Invalid("review_date", "must be after today")
	}
	var risk hub.RiskLevel
	if s := strings.TrimSpace(in.RiskLevel); s != "" {
		risk = hub.RiskLevel(s)
		if !slices.Contains(hub.FlagRiskLevels, risk) {
			return nil, hub.Invalid("risk_level", "must be low, medium or high")
		}
	}
	note := strings.TrimSpace(in.Note)
	if note == "" {
		return nil, hub.Invalid("note", "is required: say what the review found and why the flag stays")
	}
	if err := hub.ValidateNote("note", note, hub.MaxFlagNote); err != nil {
		return nil, err
	}
	return a.changeFlag(ctx, actor, id, version, hub.FlagActReview, func(tx *store.Tx, f *hub.Flag, p *hub.Person) (string, error) {
		if f.Status != hub.FlagActive {
			return "", hub.Invalid("status", "this flag has ended; only active flags are reviewed")
		}
		if !next.After(f.Start) {
			return "", hub.Invalid("review_date", "must be after the start date")
		}
		f.ReviewDue, f.ReviewedAt, f.ReviewedBy, f.ReviewPrompt = next, tx.Now(), actor.ID, ""
		if risk != "" {
			f.RiskLevel = risk
		}
		return note, nil
	})
}

// EndFlag ends an active flag on a date (empty: today), with a reason.
func (a *App) EndFlag(ctx context.Context, actor *access.Actor, id string, version int, endDate, reason string) (*hub.Flag, error) {
	today := a.Today()
	end := today
	if s := strings.TrimSpace(endDate); s != "" {
		d, err := hub.ParseDate("end_date", s)
		if err != nil {
			return nil, err
		}
		end = d
	}
	if end.After(today) {
		return nil, hub.Invalid("end_date", "is in the future: a flag ends today or earlier")
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, hub.Invalid("end_reason", "is required: say why the flag ends")
	}
	if err := hub.ValidateNote("end_reason", reason, hub.MaxFlagNote); err != nil {
		return nil, err
	}
	return a.changeFlag(ctx, actor, id, version, hub.FlagActEnd, func(tx *store.Tx, f *hub.Flag, p *hub.Person) (string, error) {
		if f.Status != hub.FlagActive {
			return "", hub.Invalid("status", "this flag has already ended")
		}
		if end.Before(f.Start) {
			return "", hub.Invalid("end_date", "is before the flag's start date (%s)", f.Start.Display())
		}
		f.Status, f.End, f.EndReason, f.ReviewPrompt = hub.FlagInactive, end, reason, ""
		return "", nil
	})
}

// MarkFlagEnteredInError marks a flag (active or ended) as one that should
// never have existed, with a reason. It is terminal: the flag can no longer
// change, and health systems are told it is not to be relied on.
func (a *App) MarkFlagEnteredInError(ctx context.Context, actor *access.Actor, id string, version int, reason string) (*hub.Flag, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, hub.Invalid("end_reason", "is required: say what was wrong")
	}
	if err := hub.ValidateNote("end_reason", reason, hub.MaxFlagNote); err != nil {
		return nil, err
	}
	return a.changeFlag(ctx, actor, id, version, hub.FlagActEnteredInError, func(tx *store.Tx, f *hub.Flag, p *hub.Person) (string, error) {
		f.Status, f.EndReason, f.ReviewPrompt = hub.FlagEnteredInError, reason, ""
		return "", nil
	})
}

// FlagView is a flag as an actor sees it, with its history and what the
// actor may do with it.
type FlagView struct {
	Flag    *hub.Flag
	Person  *hub.Person
	History []*hub.FlagChange
	// LeadName and ReviewerName are the display names of the lead
	// practitioner and the last reviewer.
	LeadName     string
	ReviewerName string
	// Lookups are the latest look-ups of the flag by health systems.
	Lookups []FlagLookupItem
	// Consultations and Referrals are listed for those who may change the
	// flag.
	Consultations []*hub.FlagConsultation
	Referrals     []*hub.FlagReferral
	// ReferralCaseID is the child's active case, when there is one: a
	// referral from the flag then goes on that case's plan, on one of the
	// case service pathways, with casework's outcomes. Set for those who
	// may change the flag.
	ReferralCaseID string
	Review         FlagReviewState
	// TurnsAdult is the child's 18th birthday, when known.
	TurnsAdult    hub.Date
	CanWrite      bool
	CanSeeReason  bool
	ViaBreakGlass bool
}

// FlagReviewState says where a flag's review stands.
type FlagReviewState string

// Review states.
const (
	FlagReviewNotDue  FlagReviewState = ""
	FlagReviewDueSoon FlagReviewState = "due"
	FlagReviewOverdue FlagReviewState = "overdue"
)

// reviewState returns the review state of f on today.
func (c FlagConfig) reviewState(f *hub.Flag, today hub.Date) FlagReviewState {
	switch {
	case f.Status != hub.FlagActive || f.ReviewDue.IsZero():
		return FlagReviewNotDue
	case f.ReviewDue.Before(today):
		return FlagReviewOverdue
	case !f.ReviewDue.After(flagAddDays(today, c.DueSoonDays)):
		return FlagReviewDueSoon
	}
	return FlagReviewNotDue
}

// ViewFlag returns a flag with its history, auditing the view. A flag the
// actor may not read answers not found, and the refusal is audited.
func (a *App) ViewFlag(ctx context.Context, actor *access.Actor, id string) (*FlagView, error) {
	if err := require(actor, access.FlagRead); err != nil {
		return nil, err
	}
	if !hub.ValidID(id) {
		return nil, hub.Invalid("id", "is not a record identifier")
	}
	var v *FlagView
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		e := event(ctx, actor, hub.ActView, "flag", id)
		f, p, err := a.flagAndChild(tx, id)
		if hub.ErrorCode(err) == hub.ENotFound {
			e.Outcome, e.Detail = hub.OutcomeDenied, "no such flag"
			return tx.AppendAudit(e)
		}
		if err != nil {
			return err
		}
		e.SubjectID = p.ID
		d := a.flagDecision(tx, actor, access.FlagRead, p)
		if !d.Allow {
			e.Outcome, e.Detail = hub.OutcomeDenied, d.Reason
			return tx.AppendAudit(e)
		}
		if d.ViaBreakGlass {
			e.Detail = "read under break-glass"
		}
		if err := tx.AppendAudit(e); err != nil {
			return err
		}
		cfg := a.flagConfig()
		v = &FlagView{Flag: f, Person: p, ViaBreakGlass: d.ViaBreakGlass, Review: cfg.reviewState(f, a.Today())}
		if !p.DateOfBirth.IsZero() {
			v.TurnsAdult = eighteenthBirthday(p.DateOfBirth)
		}
		v.CanWrite = !f.Terminal() && a.flagDecision(tx, actor, access.FlagWrite, p).Allow
		v.CanSeeReason = seesFlagReasons(actor)
		if v.History, err = tx.FlagHistory(f.ID); err != nil {
			return err
		}
		v.LeadName = flagUserName(tx, f.LeadUserID)
		v.ReviewerName = flagUserName(tx, f.ReviewedBy)
		ls, err := tx.FlagLookups(store.FlagLookupFilter{PersonID: p.ID, Limit: 50})
		if err != nil {
			return err
		}
		for _, l := range ls {
			if l.Event.ObjectID == f.ID {
				v.Lookups = append(v.Lookups, flagLookupItem(l))
			}
		}
		if v.CanSeeReason {
			cs, err := tx.FlagConsultations(store.FlagConsultationFilter{FlagID: f.ID, Limit: 200})
			if err != nil {
				return err
			}
			for _, c := range cs {
				v.Consultations = append(v.Consultations, c.Consultation)
			}
			rs, err := tx.FlagReferrals(store.FlagReferralFilter{FlagID: f.ID, Limit: 200})
			if err != nil {
				return err
			}
			for _, r := range rs {
				v.Referrals = append(v.Referrals, r.Referral)
			}
			// Referrals on a case show only to those who may read its
			// plan (not, say, to someone who broke glass on the child).
			ss, err := tx.FlagServiceReferrals(f.ID)
			if err != nil {
				return err
			}
			plans := a.casePlans(tx, actor)
			for _, s := range ss {
				ok, err := plans.readable(s.CaseID)
				if err != nil {
					return err
				}
				if ok {
					v.Referrals = append(v.Referrals, a.serviceAsFlagReferral(s, f.PersonID))
				}
			}
			slices.SortStableFunc(v.Referrals, func(x, y *hub.FlagReferral) int { return y.ReferredOn.Time().Compare(x.ReferredOn.Time()) })
			if v.CanWrite {
				c, err := activeCaseOf(tx, f.PersonID)
				if err != nil {
					return err
				}
				if c != nil {
					if ok, err := a.casePlanReadable(tx, actor, c); err != nil {
						return err
					} else if ok {
						v.ReferralCaseID = c.ID
					}
				}
			}
		} else {
			redactFlag(f)
			for _, c := range v.History {
				redactFlag(&c.State)
				c.Note = ""
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, hub.NotFound("flag")
	}
	return v, nil
}

// flagUserName returns a user's display name, or "" when there is none.
func flagUserName(tx *store.Tx, id string) string {
	if id == "" {
		return ""
	}
	u, err := tx.User(id)
	if err != nil {
		return ""
	}
	return u.DisplayName
}

// PersonFlags is the health-flags section of a person view (issue 5).
type PersonFlags struct {
	// Active are the flags in force; Past the ended and entered-in-error
	// ones, newest first.
	Active []*hub.Flag
	Past   []*hub.Flag
	// Review holds the review state of each active flag, by flag id.
	Review map[string]FlagReviewState
	// Lookups are the child's latest look-ups by health systems.
	Lookups []FlagLookupItem
	// CanSet is set when the actor may set a flag on this person (a child).
	CanSet       bool
	CanSeeReason bool
}

// ReviewOf returns the review state of flag f.
func (pf *PersonFlags) ReviewOf(f *hub.Flag) FlagReviewState { return pf.Review[f.ID] }

// personFlags loads a person's flags as actor may see them, or nil when the
// actor may not read them.
func (a *App) personFlags(tx *store.Tx, actor *access.Actor, p *hub.Person, lookups int) (*PersonFlags, error) {
	if !access.Can(actor, access.FlagRead) || !a.flagDecision(tx, actor, access.FlagRead, p).Allow {
		return nil, nil
	}
	today := a.Today()
	cfg := a.flagConfig()
	pf := &PersonFlags{Review: map[string]FlagReviewState{}, CanSeeReason: seesFlagReasons(actor)}
	pf.CanSet = p.IsChild(today) && a.flagDecision(tx, actor, access.FlagWrite, p).Allow
	ls, _, err := tx.FindFlags(store.FlagFilter{PersonID: p.ID, Limit: 500})
	if err != nil {
		return nil, err
	}
	for _, l := range ls {
		f := l.Flag
		if !pf.CanSeeReason {
			redactFlag(f)
		}
		if f.Status == hub.FlagActive {
			pf.Active = append(pf.Active, f)
			pf.Review[f.ID] = cfg.reviewState(f, today)
		} else {
			pf.Past = append(pf.Past, f)
		}
	}
	slices.SortStableFunc(pf.Past, func(x, y *hub.Flag) int { return y.UpdatedAt.Compare(x.UpdatedAt) })
	if len(ls) > 0 && lookups > 0 {
		lk, err := tx.FlagLookups(store.FlagLookupFilter{PersonID: p.ID, Limit: lookups})
		if err != nil {
			return nil, err
		}
		for _, l := range lk {
			pf.Lookups = append(pf.Lookups, flagLookupItem(l))
		}
	}
	return pf, nil
}

func init() {
	personLoaders = append(personLoaders, func(a *App, tx *store.Tx, actor *access.Actor, p *hub.Person, v *PersonView) error {
		pf, err := a.personFlags(tx, actor, p, 5)
		if err != nil {
			return err
		}
		v.Flags = pf
		return nil
	})
}

// PersonFlagList returns a child's flags for the API, auditing one view
// (ObjectType "flag", SubjectID the child). A person the actor may not
// read answers not found.
func (a *App) PersonFlagList(ctx context.Context, actor *access.Actor, personID string) (*hub.Person, *PersonFlags, error) {
	if err := require(actor, access.FlagRead); err != nil {
		return nil, nil, err
	}
	var pf *PersonFlags
	var person *hub.Person
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		e := event(ctx, actor, hub.ActView, "flag", "")
		e.SubjectID = personID
		p, err := tx.Person(personID)
		if hub.ErrorCode(err) == hub.ENotFound {
			e.Outcome, e.Detail = hub.OutcomeDenied, "no such person"
			return tx.AppendAudit(e)
		}
		if err != nil {
			return err
		}
		if pf, err = a.personFlags(tx, actor, p, 10); err != nil {
			return err
		}
		if pf == nil {
			e.Outcome, e.Detail = hub.OutcomeDenied, a.flagDecision(tx, actor, access.FlagRead, p).Reason
			return tx.AppendAudit(e)
		}
		person = p
		e.Detail = fmt.Sprintf("list: %d flags", len(pf.Active)+len(pf.Past))
		return tx.AppendAudit(e)
	})
	if err != nil {
		return nil, nil, err
	}
	if pf == nil {
		return nil, nil, hub.NotFound("person")
	}
	return person, pf, nil
}

// FlagLookupItem is a health system's look-up that found a flag.
type FlagLookupItem struct {
	At       time.Time
	FlagID   string
	PersonID string
	// Client is the machine client; Setting and Practitioner come from the
	// look-up's audit detail.
	Client       string
	Setting      string
	Practitioner string
	Category     hub.FlagCategory
	ChildName    string
}

func flagLookupItem(l *store.FlagLookup) FlagLookupItem {
	setting, practitioner := ParseLookupDetail(l.Event.Detail)
	if setting == "" {
		setting = l.Event.ActorName
	}
	return FlagLookupItem{At: l.Event.Time, FlagID: l.Event.ObjectID, PersonID: l.Event.SubjectID, Client: l.Event.ActorName,
		Setting: setting, Practitioner: practitioner, Category: l.Category, ChildName: l.Child.Name()}
}

// ParseLookupDetail reads the setting and practitioner from a look-up's
// audit detail, "setting: Leicester Royal Infirmary ED; practitioner: ED
// registrar" (either part may be missing; other parts are ignored).
func ParseLookupDetail(detail string) (setting, practitioner string) {
	for _, part := range strings.Split(detail, "; ") {
		k, v, ok := strings.Cut(part, ": ")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "setting":
			if setting == "" {
				setting = strings.TrimSpace(v)
			}
		case "practitioner":
			if practitioner == "" {
				practitioner = strings.TrimSpace(v)
			}
		}
	}
	return setting, practitioner
}

// PromptFlagReview brings forward the review of a child's active flags, for
// casework: when a case about the child ends, it calls this inside its own
// transaction (tx) with why ("case closed: …", at most 500 characters of
// plain text). Each active flag's review falls due today (the day after its
// start, for a flag set today) with why recorded as the prompt and in its
// history ("review_prompted", by Safehub), and the nurses working in the
// child's area are notified. It writes no audit event of its own: the
// caller's event records the change that prompted it, and the flag's
// history records the prompt. A child without active flags is left alone.
func (a *App) PromptFlagReview(ctx context.Context, tx *store.Tx, personID, why string) error {
	return a.promptFlagReview(tx, personID, why, nil)
}

// flagsFollowCaseLead moves a child's (a person subject's) active flags whose lead
// practitioner was the case's old lead to its new lead, in the
// transaction that changed the case, so that look-ups are told to whoever
// now leads the work. A new lead who may not lead a flag for this child
// (say, working in another area) leaves the flag as it was. Each move is
// recorded in the flag's history; the caller's audit event records the
// change that caused it.
func (a *App) flagsFollowCaseLead(tx *store.Tx, subject hub.Subject, oldLead, newLead string) error {
	if subject.Kind != hub.SubjectPerson || oldLead == "" || newLead == "" || oldLead == newLead {
		return nil
	}
	personID := subject.ID
	ls, _, err := tx.FindFlags(store.FlagFilter{PersonID: personID, Statuses: []hub.FlagStatus{hub.FlagActive}})
	if err != nil || len(ls) == 0 {
		return err
	}
	p, err := tx.Person(personID)
	if err != nil {
		return err
	}
	if err := checkFlagLead(tx, newLead, p); hub.ErrorCode(err) == hub.EInvalid {
		return nil
	} else if err != nil {
		return err
	}
	var ns []*hub.Notification
	for _, l := range ls {
		f := l.Flag
		if f.LeadUserID != oldLead {
			continue
		}
		f.LeadUserID = newLead
		if err := tx.UpdateFlag(f, store.FlagEdit{Action: hub.FlagActLeadChanged, ActorName: "Safehub", Note: "lead practitioner changed with the child's case"}); err != nil {
			return fmt.Errorf("move the lead of flag %s: %w", f.ID, err)
		}
		ns = append(ns, &hub.Notification{UserID: newLead, Kind: "flag_lead", SubjectID: p.ID, ObjectType: "flag", ObjectID: f.ID,
			Title: fmt.Sprintf("You now lead %s's health flag (%s)", p.Name(), f.Category.Label()),
			Body:  "You will be told each time a health service looks the flag up.",
			Link:  "/flags/" + f.ID})
	}
	return a.notify(tx, ns...)
}

// promptFlagReview is PromptFlagReview for the active flags keep accepts
// (all when keep is nil).
func (a *App) promptFlagReview(tx *store.Tx, personID, why string, keep func(*hub.Flag) bool) error {
	why = strings.Join(strings.Fields(why), " ")
	if err := hub.ValidateText("why", why, 1, 500); err != nil {
		return err
	}
	ls, _, err := tx.FindFlags(store.FlagFilter{PersonID: personID, Statuses: []hub.FlagStatus{hub.FlagActive}})
	if err != nil {
		return err
	}
	if keep != nil {
		ls = slices.DeleteFunc(ls, func(l *store.FlagListing) bool { return !keep(l.Flag) })
	}
	if len(ls) == 0 {
		return nil
	}
	p, err := tx.Person(personID)
	if err != nil {
		return err
	}
	nurses, err := flagNurses(tx, p.AreaID)
	if err != nil {
		return err
	}
	today := a.Today()
	for _, l := range ls {
		f := l.Flag
		due := today
		if !due.After(f.Start) {
			due = flagAddDays(f.Start, 1)
		}
		if f.ReviewDue.IsZero() || due.Before(f.ReviewDue) {
			f.ReviewDue = due
		}
		f.ReviewPrompt = why
		if err := tx.UpdateFlag(f, store.FlagEdit{Action: hub.FlagActReviewPrompted, ActorName: "Safehub", Note: why}); err != nil {
			return fmt.Errorf("prompt review of flag %s: %w", f.ID, err)
		}
		var ns []*hub.Notification
		for _, u := range nurses {
			ns = append(ns, &hub.Notification{
				UserID: u.ID, Kind: "flag_review", SubjectID: p.ID, ObjectType: "flag", ObjectID: f.ID,
				Title: fmt.Sprintf("Review %s's health flag (%s)", p.Name(), f.Category.Label()),
				Body:  "A review is due because: " + why,
				Link:  "/flags/" + f.ID,
			})
		}
		if err := a.notify(tx, ns...); err != nil {
			return err
		}
	}
	return nil
}

// flagNurses returns the active users with the nurse role working in area.
func flagNurses(tx *store.Tx, areaID string) ([]*hub.User, error) {
	off := false
	us, _, err := tx.FindUsers(store.UserFilter{Disabled: &off, Limit: 1000})
	if err != nil {
		return nil, err
	}
	var out []*hub.User
	for _, u := range us {
		if u.HasRole(hub.RoleNurse) && slices.Contains(u.AreaIDs, areaID) {
			out = append(out, u)
		}
	}
	return out, nil
}
