package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/ident"
	"github.com/safehub/safehub/internal/store"
)

// PersonInput is a person record as a form or API body gives it: text as
// typed. NormalizePerson checks and normalises every part.
type PersonInput struct {
	AreaID       string
	GivenName    string
	FamilyName   string
	Aliases      []AliasInput
	DateOfBirth  string
	DOBEstimated bool
	// EstimatedAge, in whole years, stands in for an unknown date of birth
	// (an age-disputed young person): the date of birth is then estimated.
	EstimatedAge string
	Sex          string
	Gender       string
	Ethnicity    string
	Language     string
	Addresses    []AddressInput
	Phones       []PhoneInput
	NHSNumber    string
	UPN          string
	PNC          string
	LocalID      string
	Restricted   bool
	Synthetic    bool
}

// AliasInput is one alias as typed.
type AliasInput struct {
	GivenName, FamilyName, Kind string
}

// AddressInput is one address as typed.
type AddressInput struct {
	Line1, Line2, Town, Postcode, From, To string
}

// PhoneInput is one phone number as typed.
type PhoneInput struct {
	Number, Kind, From, To string
}

// MaxPersonParts is the most aliases, addresses or phones one person
// record may be given at once (the web form reads as many).
const MaxPersonParts = 20

// NormalizePerson turns input into a person record, validating and
// normalising each identifier, name, phone, postcode and date. The first
// problem found is returned, naming its field.
func NormalizePerson(in PersonInput, today hub.Date) (*hub.Person, error) {
	for _, l := range []struct {
		field string
		n     int
	}{{"aliases", len(in.Aliases)}, {"addresses", len(in.Addresses)}, {"phones", len(in.Phones)}} {
		if l.n > MaxPersonParts {
			return nil, hub.Invalid(l.field, "has more than %d entries", MaxPersonParts)
		}
	}
	p := &hub.Person{AreaID: in.AreaID, DOBEstimated: in.DOBEstimated, Synthetic: in.Synthetic, Sensitivity: hub.SensitivityNormal}
	var err error
	if p.GivenName, err = ident.Name("given_name", in.GivenName); err != nil {
		return nil, err
	}
	if p.FamilyName, err = ident.Name("family_name", in.FamilyName); err != nil {
		return nil, err
	}
	for i, al := range in.Aliases {
		g, err := ident.Name(fmt.Sprintf("aliases[%d].given_name", i), al.GivenName)
		if err != nil {
			return nil, err
		}
		f, err := ident.Name(fmt.Sprintf("aliases[%d].family_name", i), al.FamilyName)
		if err != nil {
			return nil, err
		}
		if g == "" && f == "" {
			continue
		}
		kind := strings.TrimSpace(al.Kind)
		if kind == "" {
			kind = "alias"
		}
		if !slices.Contains(hub.AliasKinds, kind) {
			return nil, hub.Invalid(fmt.Sprintf("aliases[%d].kind", i), "must be one of %s", strings.Join(hub.AliasKinds, ", "))
		}
		p.Aliases = append(p.Aliases, hub.Alias{GivenName: g, FamilyName: f, Kind: kind})
	}
	if s := strings.TrimSpace(in.DateOfBirth); s != "" {
		if p.DateOfBirth, err = ident.DateOfBirth(s, today); err != nil {
			return nil, err
		}
	}
	if s := strings.TrimSpace(in.EstimatedAge); s != "" {
		if !p.DateOfBirth.IsZero() {
			return nil, hub.Invalid("estimated_age", "give a date of birth or an estimated age, not both")
		}
		age, err := strconv.Atoi(s)
		if err != nil || age < 0 || age > 120 {
			return nil, hub.Invalid("estimated_age", "must be a whole number of years from 0 to 120")
		}
		// The estimate is the same day and month this many years ago (29
		// February falls back to the 28th).
		d := hub.Date{Year: today.Year - age, Month: today.Month, Day: today.Day}
		if d.Month == 2 && d.Day == 29 {
			d.Day = 28
		}
		p.DateOfBirth, p.DOBEstimated = d, true
	}
	p.Sex = hub.Sex(strings.TrimSpace(in.Sex))
	p.Gender, p.Ethnicity, p.Language = strings.TrimSpace(in.Gender), strings.TrimSpace(in.Ethnicity), strings.TrimSpace(in.Language)
	for i, ad := range in.Addresses {
		a := hub.Address{Line1: strings.TrimSpace(ad.Line1), Line2: strings.TrimSpace(ad.Line2), Town: strings.TrimSpace(ad.Town)}
		if a.Line1 == "" && a.Line2 == "" && a.Town == "" && strings.TrimSpace(ad.Postcode) == "" {
			continue
		}
		if s := strings.TrimSpace(ad.Postcode); s != "" {
			if a.Postcode, err = ident.Postcode(s); err != nil {
				return nil, renameField(err, fmt.Sprintf("addresses[%d].postcode", i))
			}
		}
		if a.From, err = optionalDate(fmt.Sprintf("addresses[%d].from", i), ad.From); err != nil {
			return nil, err
		}
		if a.To, err = optionalDate(fmt.Sprintf("addresses[%d].to", i), ad.To); err != nil {
			return nil, err
		}
		// hub.Person.Validate checks these too, but without saying which
		// address: here the error names the form field.
		for _, f := range []struct {
			name, v string
			max     int
		}{{"line1", a.Line1, 200}, {"line2", a.Line2, 200}, {"town", a.Town, 100}} {
			if err := hub.ValidateText(fmt.Sprintf("addresses[%d].%s", i, f.name), f.v, 0, f.max); err != nil {
				return nil, err
			}
		}
		if a.Line1 == "" && a.Postcode == "" {
			return nil, hub.Invalid(fmt.Sprintf("addresses[%d].line1", i), "is needed when there is no postcode")
		}
		if !a.From.IsZero() && !a.To.IsZero() && a.To.Before(a.From) {
			return nil, hub.Invalid(fmt.Sprintf("addresses[%d].to", i), "is before the date the address started")
		}
		p.Addresses = append(p.Addresses, a)
	}
	for i, ph := range in.Phones {
		if strings.TrimSpace(ph.Number) == "" {
			continue
		}
		n, err := ident.Phone(ph.Number)
		if err != nil {
			return nil, renameField(err, fmt.Sprintf("phones[%d].number", i))
		}
		kind := strings.TrimSpace(ph.Kind)
		if kind == "" {
			kind = "mobile"
			if !strings.HasPrefix(n, "+447") {
				kind = "landline"
			}
		}
		x := hub.Phone{Number: n, Kind: kind}
		if x.From, err = optionalDate(fmt.Sprintf("phones[%d].from", i), ph.From); err != nil {
			return nil, err
		}
		if x.To, err = optionalDate(fmt.Sprintf("phones[%d].to", i), ph.To); err != nil {
			return nil, err
		}
		if kind != "mobile" && kind != "landline" && kind != "other" {
			return nil, hub.Invalid(fmt.Sprintf("phones[%d].kind", i), "must be mobile, landline or other")
		}
		if !x.From.IsZero() && !x.To.IsZero() && x.To.Before(x.From) {
			return nil, hub.Invalid(fmt.Sprintf("phones[%d].to", i), "is before the date the phone was first used")
		}
		p.Phones = append(p.Phones, x)
	}
	ids := []struct {
		kind  hub.IdentifierKind
		value string
		parse func(string) (string, error)
	}{
		{hub.IdentNHS, in.NHSNumber, ident.NHSNumber},
		{hub.IdentUPN, in.UPN, ident.UPN},
		{hub.IdentPNC, in.PNC, ident.PNC},
		{hub.IdentLA, in.LocalID, ident.LocalID},
	}
	for _, id := range ids {
		if strings.TrimSpace(id.value) == "" {
			continue
		}
		v, err := id.parse(id.value)
		if err != nil {
			return nil, err
		}
		p.Identifiers = append(p.Identifiers, hub.Identifier{Kind: id.kind, Value: v})
	}
	if in.Restricted {
		p.Sensitivity = hub.SensitivityRestricted
	}
	return p, nil
}

func optionalDate(field, s string) (hub.Date, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return hub.Date{}, nil
	}
	return hub.ParseDate(field, s)
}

// inputFields are the input fields that hold each identifier, for the
// store's duplicate-identifier conflicts ("identifiers.nhs").
var inputFields = map[string]string{"identifiers.nhs": "nhs_number", "identifiers.upn": "upn", "identifiers.pnc": "pnc_id", "identifiers.la": "local_id"}

// inputField names an error after the input field it is about, so that
// forms can link to it and API clients find the field they sent.
func inputField(err error) error {
	var e *hub.Error
	if errors.As(err, &e) {
		if f, ok := inputFields[e.Field]; ok {
			c := *e
			c.Field = f
			return &c
		}
	}
	return err
}

// renameField gives a validation error the field name of the form it came
// from, e.g. "phones[1].number" rather than "phone".
func renameField(err error, field string) error {
	var e *hub.Error
	if errors.As(err, &e) && e.Code == hub.EInvalid {
		c := *e
		c.Field = field
		return &c
	}
	return err
}

// CreatePerson creates a person record in one of the actor's areas.
func (a *App) CreatePerson(ctx context.Context, actor *access.Actor, in PersonInput) (*hub.Person, error) {
	if err := require(actor, access.PersonCreate); err != nil {
		return nil, err
	}
	p, err := NormalizePerson(in, a.Today())
	if err != nil {
		return nil, err
	}
	p.OwnerAgencyID, p.CreatedBy = actor.AgencyID, actor.ID
	if err := p.Validate(a.Today()); err != nil {
		return nil, err
	}
	if !actor.InArea(p.AreaID) {
		return nil, hub.Invalid("area_id", "you can only create records in your own areas")
	}
	err = a.db.Tx(ctx, func(tx *store.Tx) error {
		if err := tx.CreatePerson(p); err != nil {
			return err
		}
		e := event(ctx, actor, hub.ActCreate, "person", p.ID)
		e.SubjectID = p.ID
		return tx.AppendAudit(e)
	})
	if err != nil {
		return nil, inputField(err)
	}
	return p, nil
}

// UpdatePerson replaces a person's record with in, if version is the
// version the actor saw and the actor may change the record.
func (a *App) UpdatePerson(ctx context.Context, actor *access.Actor, id string, version int, in PersonInput) (*hub.Person, error) {
	if err := require(actor, access.PersonUpdate); err != nil {
		return nil, err
	}
	next, err := NormalizePerson(in, a.Today())
	if err != nil {
		return nil, err
	}
	var denied bool
	err = a.db.Tx(ctx, func(tx *store.Tx) error {
		cur, err := tx.Person(id)
		if err != nil {
			return err
		}
		e := event(ctx, actor, hub.ActUpdate, "person", id)
		e.SubjectID = id
		d := a.decide(tx, actor, access.PersonUpdate, access.PersonRecord(cur))
		if !d.Allow {
			denied = true
			e.Outcome, e.Detail = hub.OutcomeDenied, d.Reason
			return tx.AppendAudit(e)
		}
		if cur.Version != version {
			return hub.Conflict("person")
		}
		if next.AreaID != cur.AreaID && !actor.InArea(next.AreaID) {
			return hub.Invalid("area_id", "you can only move a record into one of your own areas")
		}
		next.ID, next.Version = cur.ID, cur.Version
		next.OwnerAgencyID, next.CreatedBy, next.CreatedAt = cur.OwnerAgencyID, cur.CreatedBy, cur.CreatedAt
		next.Synthetic = cur.Synthetic
		if err := next.Validate(a.Today()); err != nil {
			return err
		}
		if err := tx.UpdatePerson(next); err != nil {
			return err
		}
		if cur.Identifier(hub.IdentNHS) != next.Identifier(hub.IdentNHS) {
			// The flag look-up index is keyed by NHS number.
			if err := tx.NotifyFlagChange(id); err != nil {
				return err
			}
		}
		return tx.AppendAudit(e)
	})
	if err != nil {
		return nil, inputField(err)
	}
	if denied {
		return nil, hub.NotFound("person")
	}
	return next, nil
}

// decide loads the actor's break-glass grants for the record and asks the
// policy. A person's team is the team of their active cases (teamOf): it is
// filled into r, once, so later decisions on r reuse it.
func (a *App) decide(tx *store.Tx, actor *access.Actor, act access.Action, r *access.Record) access.Decision {
	if r.Type == "person" && r.LeadID == "" && r.MemberIDs == nil {
		if lead, members, err := a.teamOf(tx, r.ID); err == nil {
			r.LeadID, r.MemberIDs = lead, members
			if r.MemberIDs == nil {
				r.MemberIDs = []string{}
			}
		}
	}
	if actor.ID != "" && !actor.Machine {
		if gs, err := tx.ActiveBreakGlass(actor.ID, r.Type, r.ID); err == nil {
			cp := *actor
			cp.BreakGlass = gs
			actor = &cp
		}
	}
	d := access.Decide(actor, act, r, tx.Now())
	if d.Allow || actor.Machine || !access.Shareable(act) || !access.Can(actor, act) || (r.PersonID == "" && r.CaseID == "" && r.Type != "case") {
		return d
	}
	// Only when nothing else opens the record: the shares naming the
	// actor for this child or case (issue 6).
	caseID := r.CaseID
	if r.Type == "case" && caseID == "" {
		caseID = r.ID
	}
	shares, err := tx.SharesNaming(actor.ID, actor.AgencyID, actor.AreaIDs, r.PersonID, caseID)
	if err != nil || len(shares) == 0 {
		return d
	}
	cp := *actor
	cp.Shares = shares
	return access.Decide(&cp, act, r, tx.Now())
}

// PersonView is a person's record as shown to an actor, with what the actor
// may do next.
type PersonView struct {
	Person *hub.Person
	Area   *hub.Area
	Owner  *hub.Agency
	// ViaBreakGlass is set when the actor is reading by breaking glass.
	ViaBreakGlass bool
	CanEdit       bool
	CanSeeAccess  bool
	// RecentAccess is the latest access to the record, for those who may
	// see who looked at it (auditors, managers, the lead practitioner).
	RecentAccess []*hub.AuditEvent
	// Feature sections, filled by personLoaders when the actor may see
	// them; nil otherwise.
	Flags    *PersonFlags
	Casework *PersonCasework
	// ViaShare is the share the actor reads the record under (issue 6);
	// Shares the record's sharing section.
	ViaShare *hub.Share
	Shares   *PersonShares
}

// personLoaders fill the feature sections of a person view, inside the
// view's transaction (so the one audited view covers them). Feature files
// add theirs in init functions.
var personLoaders []func(a *App, tx *store.Tx, actor *access.Actor, p *hub.Person, v *PersonView) error

// ViewPerson returns a person's record, auditing the view. A record the
// actor may not read answers hub.ErrNotFound (its existence is not
// revealed) and the denial is audited.
func (a *App) ViewPerson(ctx context.Context, actor *access.Actor, id string) (*PersonView, error) {
	if err := require(actor, access.PersonRead); err != nil {
		return nil, err
	}
	var v *PersonView
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		p, err := tx.Person(id)
		if err != nil {
			e := event(ctx, actor, hub.ActView, "person", id)
			e.Outcome, e.Detail = hub.OutcomeDenied, "no such record"
			return tx.AppendAudit(e)
		}
		rec := access.PersonRecord(p)
		d := a.decide(tx, actor, access.PersonRead, rec)
		e := event(ctx, actor, hub.ActView, "person", id)
		e.SubjectID = id
		if !d.Allow {
			e.Outcome, e.Detail = hub.OutcomeDenied, d.Reason
			return tx.AppendAudit(e)
		}
		if d.ViaBreakGlass {
			e.Action, e.Detail = hub.ActBreak, "read under break-glass"
		}
		if d.ViaShare != nil {
			e.Detail, e.Purpose = "read under share "+d.ViaShare.ID, d.ViaShare.Purpose
		}
		if err := tx.AppendAudit(e); err != nil {
			return err
		}
		v = &PersonView{Person: p, ViaBreakGlass: d.ViaBreakGlass, ViaShare: d.ViaShare}
		v.Area, _ = tx.Area(p.AreaID)
		v.Owner, _ = tx.Agency(p.OwnerAgencyID)
		v.CanEdit = a.decide(tx, actor, access.PersonUpdate, rec).Allow
		v.CanSeeAccess = access.Decide(actor, access.PersonAccessLog, rec, tx.Now()).Allow
		if v.CanSeeAccess {
			v.RecentAccess, err = tx.FindAuditEvents(store.AuditFilter{SubjectID: p.ID, Limit: 10})
			if err != nil {
				return err
			}
		}
		for _, load := range personLoaders {
			if err := load(a, tx, actor, p, v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, hub.NotFound("person")
	}
	return v, nil
}

// PersonQuery is a person search as typed.
type PersonQuery struct {
	// Text is free text: a name, an identifier (NHS number, UPN, PNC id) or
	// a date of birth, recognised by shape.
	Text        string
	DateOfBirth string
	Limit       int
	Offset      int
}

// SearchResult is a page of persons.
type SearchResult struct {
	Persons []*hub.Person
	Total   int
	// Elsewhere are records that match but are held outside the actor's
	// scope: that they exist and whom to contact, never their content
	// ("flag, don't tell"; issue 6).
	Elsewhere []*Discovery
	// Interpreted says how the query was read ("NHS number", "name and date
	// of birth").
	Interpreted string
}

// SearchPersons finds persons the actor may see. Identifiers typed in the
// text are recognised and matched exactly; other words match names by
// prefix. The search is audited with the kinds of criteria used and the
// number of results, never the terms themselves.
func (a *App) SearchPersons(ctx context.Context, actor *access.Actor, q PersonQuery) (*SearchResult, error) {
	if err := require(actor, access.PersonSearch); err != nil {
		return nil, err
	}
	f, interp, err := parseQuery(q, a.Today())
	if err != nil {
		return nil, err
	}
	f.Scope = store.PersonScope{AreaIDs: actor.AreaIDs, Restricted: access.SeesRestricted(actor)}
	f.Limit, f.Offset = q.Limit, q.Offset
	if f.Limit <= 0 || f.Limit > 100 {
		f.Limit = 25
	}
	if f.Offset < 0 || f.Offset > 10000 {
		return nil, hub.Invalid("offset", "must be between 0 and 10000")
	}
	res := &SearchResult{Interpreted: interp}
	err = a.db.Tx(ctx, func(tx *store.Tx) error {
		// Children whose identity is shared with the actor are found too
		// (issue 6).
		shared, err := a.sharedPersonIDs(tx, actor)
		if err != nil {
			return err
		}
		f.Scope.IDs = shared
		res.Persons, res.Total, err = tx.FindPersons(f)
		if err != nil {
			return err
		}
		e := event(ctx, actor, hub.ActSearch, "person", "")
		e.Detail = fmt.Sprintf("by %s; %d results", interp, res.Total)
		if err := tx.AppendAudit(e); err != nil {
			return err
		}
		if q.Offset == 0 && (!f.DateOfBirth.IsZero() || f.Identifier.Value != "") {
			return a.discover(ctx, tx, actor, f, res)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// parseQuery reads free text as identifiers, a date or name words.
func parseQuery(q PersonQuery, today hub.Date) (store.PersonFilter, string, error) {
	var f store.PersonFilter
	var kinds, words []string
	text := strings.TrimSpace(q.Text)
	if len([]rune(text)) > 200 {
		return f, "", hub.Invalid("q", "is too long; search by a name, a date of birth or one identifier")
	}
	if err := hub.ValidateText("q", text, 0, 200); err != nil {
		return f, "", err
	}
	if s := strings.TrimSpace(q.DateOfBirth); s != "" {
		d, err := hub.ParseDate("dob", s)
		if err != nil {
			return f, "", err
		}
		f.DateOfBirth = d
	}
	// A whole query that is an identifier (possibly with spaces, as NHS
	// numbers are written) is matched as one.
	if id, ok := asIdentifier(text); ok {
		f.Identifier = id
		kinds = append(kinds, id.Kind.Label())
		text = ""
	}
	for _, w := range strings.Fields(text) {
		if d, err := hub.ParseDate("q", w); err == nil && f.DateOfBirth.IsZero() {
			f.DateOfBirth = d
			continue
		}
		if id, ok := asIdentifier(w); ok && f.Identifier.Value == "" {
			f.Identifier = id
			kinds = append(kinds, id.Kind.Label())
			continue
		}
		if digits(w) {
			return f, "", hub.Invalid("q", "%q is not a valid NHS number, pupil number or PNC id", w)
		}
		words = append(words, w)
	}
	if len(words) > 0 {
		f.Name = strings.Join(words, " ")
		kinds = append([]string{"name"}, kinds...)
	}
	if !f.DateOfBirth.IsZero() {
		kinds = append(kinds, "date of birth")
	}
	if len(kinds) == 0 {
		return f, "", hub.Invalid("q", "give a name, a date of birth or an identifier to search for")
	}
	return f, strings.Join(kinds, " and "), nil
}

func asIdentifier(s string) (hub.Identifier, bool) {
	if s == "" {
		return hub.Identifier{}, false
	}
	compact := strings.NewReplacer(" ", "", "-", "").Replace(s)
	if len(compact) == 10 && digits(compact) {
		if v, err := ident.NHSNumber(compact); err == nil {
			return hub.Identifier{Kind: hub.IdentNHS, Value: v}, true
		}
		return hub.Identifier{}, false
	}
	if len(compact) == 13 {
		if v, err := ident.UPN(compact); err == nil {
			return hub.Identifier{Kind: hub.IdentUPN, Value: v}, true
		}
	}
	if strings.Contains(compact, "/") {
		if v, err := ident.PNC(compact); err == nil {
			return hub.Identifier{Kind: hub.IdentPNC, Value: v}, true
		}
	}
	return hub.Identifier{}, false
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// OpenByBreakingGlass gives the actor time-limited read access to a person
// outside their scope, with their reason recorded and flagged for the
// auditor. The reason must say why (at least 10 characters).
func (a *App) OpenByBreakingGlass(ctx context.Context, actor *access.Actor, personID, reason string) error {
	reason = strings.TrimSpace(reason)
	if err := hub.ValidateText("reason", reason, 10, 500); err != nil {
		return hub.Invalid("reason", "say why you need this record (at least 10 characters)")
	}
	var denied bool
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		p, err := tx.Person(personID)
		if err != nil {
			return err
		}
		e := event(ctx, actor, hub.ActBreak, "person", p.ID)
		e.SubjectID, e.Purpose = p.ID, reason
		if !access.MayBreakGlass(actor, access.PersonRecord(p), tx.Now()) {
			denied = true
			e.Outcome, e.Detail = hub.OutcomeDenied, "break-glass not allowed"
			return tx.AppendAudit(e)
		}
		g := &hub.BreakGlass{UserID: actor.ID, ObjectType: "person", ObjectID: p.ID, Reason: reason, ExpiresAt: tx.Now().Add(a.cfg.BreakGlassDuration)}
		if err := tx.CreateBreakGlass(g); err != nil {
			return err
		}
		e.Detail = "grant until " + g.ExpiresAt.In(London).Format("2 Jan 2006 15:04")
		return tx.AppendAudit(e)
	})
	if err != nil {
		return err
	}
	if denied {
		return hub.NotFound("person")
	}
	return nil
}

// CanBreakGlass reports whether the actor may break glass for a person it
// cannot otherwise read, without revealing anything else about the record.
// Surfaces use it to offer the break-glass form on a 404 page; the form is
// offered for any well-formed id, so its presence reveals nothing.
func (a *App) CanBreakGlass(actor *access.Actor) bool {
	return !actor.Token && access.Can(actor, access.BreakGlass)
}

// PersonAccessLog returns who looked at a person's record, newest first,
// for auditors and the record's lead practitioner. Reading it is audited.
func (a *App) PersonAccessLog(ctx context.Context, actor *access.Actor, personID string, limit int) ([]*hub.AuditEvent, error) {
	_, events, err := a.PersonAccessHistory(ctx, actor, personID, limit)
	return events, err
}

// PersonAccessHistory is PersonAccessLog with the person the log is about,
// for pages that name them.
func (a *App) PersonAccessHistory(ctx context.Context, actor *access.Actor, personID string, limit int) (*hub.Person, []*hub.AuditEvent, error) {
	var out []*hub.AuditEvent
	var person *hub.Person
	var denied bool
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		p, err := tx.Person(personID)
		if err != nil {
			return err
		}
		e := event(ctx, actor, hub.ActView, "access_log", p.ID)
		e.SubjectID = p.ID
		rec := access.PersonRecord(p)
		if d := a.decide(tx, actor, access.PersonAccessLog, rec); !d.Allow || !a.decide(tx, actor, access.PersonRead, rec).Allow {
			denied = true
			e.Outcome, e.Detail = hub.OutcomeDenied, d.Reason
			return tx.AppendAudit(e)
		}
		out, err = tx.FindAuditEvents(store.AuditFilter{SubjectID: p.ID, Limit: limit})
		if err != nil {
			return err
		}
		person = p
		return tx.AppendAudit(e)
	})
	if err != nil {
		return nil, nil, err
	}
	if denied {
		return nil, nil, hub.NotFound("person")
	}
	return person, out, nil
}
