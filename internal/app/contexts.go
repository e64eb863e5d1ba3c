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

// Contexts (issue 4, part A; domain.md §5, contextual safeguarding): a
// place, a peer group, a school or an online space that is itself the
// subject of referrals, assessments and cases, with its members (children
// and adults, with their roles and when they were part of it).
//
// Access: access.CaseWrite to create and change a context in one of the
// actor's areas, access.CaseRead to read it (decided on the context's
// area). A member is shown by name only to those whose casework access
// (access.CaseRead) reaches that person's record; members an actor cannot
// see are counted, never named, and a change by that actor keeps them as
// they are.

// ContextInput is a context as a form or API body gives it.
type ContextInput struct {
	AreaID      string
	Kind        string
	Name        string
	Description string
	Postcode    string
	Latitude    string
	Longitude   string
	Members     []MemberInput
}

// MemberInput is a context member as typed.
type MemberInput struct {
	PersonID, Role, From, To string
}

// normalizeContext turns input into a context (without owner or members).
func normalizeContext(in ContextInput) (*hub.Context, error) {
	c := &hub.Context{AreaID: strings.TrimSpace(in.AreaID), Kind: hub.ContextKind(strings.TrimSpace(in.Kind)), Name: strings.TrimSpace(in.Name),
		Description: strings.TrimSpace(in.Description)}
	if !c.Kind.Valid() {
		return nil, hub.Invalid("kind", "choose a location, a peer group, a school or an online space")
	}
	if s := strings.TrimSpace(in.Postcode); s != "" {
		pc, err := ident.Postcode(s)
		if err != nil {
			return nil, renameField(err, "postcode")
		}
		c.Postcode = pc
	}
	var err error
	if c.Latitude, err = parseCoordinate("latitude", in.Latitude, 90); err != nil {
		return nil, err
	}
	if c.Longitude, err = parseCoordinate("longitude", in.Longitude, 180); err != nil {
		return nil, err
	}
	if len(in.Members) > hub.MaxContextMembers {
		return nil, hub.Invalid("members", "a context has at most %d members", hub.MaxContextMembers)
	}
	return c, nil
}

func parseCoordinate(field, s string, limit float64) (float64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < -limit || f > limit || f != f {
		return 0, hub.Invalid(field, "must be a number of degrees between -%g and %g", limit, limit)
	}
	return f, nil
}

// members checks member input: each a person within the actor's casework
// access, a role,
// dates in order. Errors name the member ("members[2].person_id").
func (a *App) members(tx *store.Tx, actor *access.Actor, in []MemberInput) ([]hub.ContextMember, error) {
	var ids []string
	for _, m := range in {
		ids = append(ids, strings.TrimSpace(m.PersonID))
	}
	ps, err := tx.PersonSummaries(slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return !hub.ValidID(id) }))
	if err != nil {
		return nil, err
	}
	out := make([]hub.ContextMember, 0, len(in))
	for i, m := range in {
		f := func(name string) string { return fmt.Sprintf("members[%d].%s", i, name) }
		p, ok := ps[ids[i]]
		if !ok || !access.Decide(actor, access.CaseRead, &access.Record{Type: "person", ID: p.ID, AreaID: p.AreaID, OwnerAgencyID: p.OwnerAgencyID, Sensitivity: p.Sensitivity}, tx.Now()).Allow {
			return nil, hub.Invalid(f("person_id"), "is not a person record you can see")
		}
		cm := hub.ContextMember{PersonID: p.ID, Role: strings.TrimSpace(m.Role)}
		if cm.Role == "" {
			cm.Role = "member"
		}
		if err := hub.ValidateText(f("role"), cm.Role, 1, 50); err != nil {
			return nil, err
		}
		if cm.From, err = optionalDate(f("from"), m.From); err != nil {
			return nil, err
		}
		if cm.To, err = optionalDate(f("to"), m.To); err != nil {
			return nil, err
		}
		if !cm.From.IsZero() && !cm.To.IsZero() && cm.To.Before(cm.From) {
			return nil, hub.Invalid(f("to"), "is before the date the membership started")
		}
		out = append(out, cm)
	}
	return out, nil
}

// CreateContext creates a context in one of the actor's areas.
func (a *App) CreateContext(ctx context.Context, actor *access.Actor, in ContextInput) (*hub.Context, error) {
	if err := require(actor, access.CaseWrite); err != nil {
		return nil, err
	}
	c, err := normalizeContext(in)
	if err != nil {
		return nil, err
	}
	if !actor.InArea(c.AreaID) {
		return nil, hub.Invalid("area_id", "you can only create records in your own areas")
	}
	c.OwnerAgencyID, c.CreatedBy = actor.AgencyID, actor.ID
	err = a.db.Tx(ctx, func(tx *store.Tx) error {
		if c.Members, err = a.members(tx, actor, in.Members); err != nil {
			return err
		}
		if err := c.Validate(); err != nil {
			return err
		}
		if err := tx.CreateContext(c, ""); err != nil {
			return err
		}
		e := event(ctx, actor, hub.ActCreate, "context", c.ID)
		e.Detail = fmt.Sprintf("%s; %d members", c.Kind, len(c.Members))
		return tx.AppendAudit(e)
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// changeContext loads a context the actor may change and applies fn to
// it, if version is the version the actor saw, then saves it. A context
// the actor may not change answers not found (audited).
func (a *App) changeContext(ctx context.Context, actor *access.Actor, id string, version int, detail string, fn func(tx *store.Tx, c *hub.Context) error) (*hub.Context, error) {
	if err := require(actor, access.CaseWrite); err != nil {
		return nil, err
	}
	var out *hub.Context
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		e := event(ctx, actor, hub.ActUpdate, "context", id)
		c, err := tx.ContextRecord(id)
		if errors.Is(err, hub.ErrNotFound) {
			e.Outcome, e.Detail = hub.OutcomeDenied, "no such record"
			return tx.AppendAudit(e)
		}
		if err != nil {
			return err
		}
		if d := a.decide(tx, actor, access.CaseWrite, contextRecord(c)); !d.Allow {
			e.Outcome, e.Detail = hub.OutcomeDenied, d.Reason
			return tx.AppendAudit(e)
		}
		if c.Version != version {
			return hub.Conflict("context")
		}
		if err := fn(tx, c); err != nil {
			return err
		}
		if err := c.Validate(); err != nil {
			return err
		}
		if err := tx.UpdateContext(c); err != nil {
			return err
		}
		e.Detail = detail
		out = c
		return tx.AppendAudit(e)
	})
	if err != nil {
		return nil, err
	}
	if out == nil {
		return nil, hub.NotFound("context")
	}
	return out, nil
}

// hiddenMembers returns the members of c the actor may not see.
func hiddenMembers(tx *store.Tx, actor *access.Actor, c *hub.Context) ([]hub.ContextMember, error) {
	vis, err := visibleMembers(tx, actor, c)
	if err != nil {
		return nil, err
	}
	var out []hub.ContextMember
	for i, m := range c.Members {
		if _, ok := vis[i]; !ok {
			out = append(out, m)
		}
	}
	return out, nil
}

// visibleMembers returns the names of the members of c (by index) whose
// person records the actor's casework access reaches.
func visibleMembers(tx *store.Tx, actor *access.Actor, c *hub.Context) (map[int]string, error) {
	ids := make([]string, len(c.Members))
	for i, m := range c.Members {
		ids[i] = m.PersonID
	}
	ps, err := tx.PersonSummaries(ids)
	if err != nil {
		return nil, err
	}
	out := map[int]string{}
	for i, m := range c.Members {
		p, ok := ps[m.PersonID]
		if ok && access.Decide(actor, access.CaseRead, &access.Record{Type: "person", ID: p.ID, AreaID: p.AreaID, OwnerAgencyID: p.OwnerAgencyID, Sensitivity: p.Sensitivity}, tx.Now()).Allow {
			out[i] = p.Name()
		}
	}
	return out, nil
}

// UpdateContext replaces a context's details and, when in.Members is not
// nil, its members (a nil list keeps them; an empty one removes those the
// actor may see). Members the actor may not see are kept whatever the
// input says; the area may move only into one of the actor's areas.
func (a *App) UpdateContext(ctx context.Context, actor *access.Actor, id string, version int, in ContextInput) (*hub.Context, error) {
	next, err := normalizeContext(in)
	if err != nil {
		return nil, err
	}
	return a.changeContext(ctx, actor, id, version, "details and members", func(tx *store.Tx, c *hub.Context) error {
		if next.AreaID != c.AreaID && !actor.InArea(next.AreaID) {
			return hub.Invalid("area_id", "you can only move a record into one of your own areas")
		}
		c.AreaID, c.Kind, c.Name, c.Description, c.Postcode, c.Latitude, c.Longitude = next.AreaID, next.Kind, next.Name, next.Description, next.Postcode, next.Latitude, next.Longitude
		if in.Members == nil {
			return nil
		}
		ms, err := a.members(tx, actor, in.Members)
		if err != nil {
			return err
		}
		hidden, err := hiddenMembers(tx, actor, c)
		if err != nil {
			return err
		}
		c.Members = append(hidden, ms...)
		return nil
	})
}

// AddContextMember adds a member to a context.
func (a *App) AddContextMember(ctx context.Context, actor *access.Actor, id string, version int, in MemberInput) (*hub.Context, error) {
	return a.changeContext(ctx, actor, id, version, "member added", func(tx *store.Tx, c *hub.Context) error {
		if len(c.Members) >= hub.MaxContextMembers {
			return hub.Invalid("members", "a context has at most %d members", hub.MaxContextMembers)
		}
		ms, err := a.members(tx, actor, []MemberInput{in})
		if err != nil {
			return renameField(err, strings.Replace(hub.ErrorField(err), "members[0].", "", 1))
		}
		c.Members = append(c.Members, ms[0])
		return nil
	})
}

// RemoveContextMember removes the member at index (as ViewContext lists
// them) from a context; a member the actor cannot see cannot be removed.
func (a *App) RemoveContextMember(ctx context.Context, actor *access.Actor, id string, version, index int) (*hub.Context, error) {
	return a.changeContext(ctx, actor, id, version, "member removed", func(tx *store.Tx, c *hub.Context) error {
		vis, err := visibleMembers(tx, actor, c)
		if err != nil {
			return err
		}
		if _, ok := vis[index]; !ok {
			return hub.Invalid("member", "is not a member of this context")
		}
		c.Members = slices.Delete(c.Members, index, index+1)
		return nil
	})
}

// ContextMemberView is a member as shown: only those the actor may see.
type ContextMemberView struct {
	// Index is the member's position, for removing it.
	Index    int
	PersonID string
	Name     string
	Role     string
	From, To hub.Date
}

// ContextView is a context as shown to an actor: its members the actor may
// see, and the referrals and assessments about it.
type ContextView struct {
	Context *hub.Context
	Area    *hub.Area
	Members []ContextMemberView
	// Hidden counts the members the actor may not see.
	Hidden      int
	Referrals   []*hub.Referral
	Assessments []*hub.Assessment
	CanEdit     bool
	CanRefer    bool
	CanAssess   bool
	// Cases are the cases about the context, filled by the cases feature
	// through contextLoaders when the actor may see them.
	Cases *PersonCases
}

// contextLoaders fill a context view's further sections (the cases about
// it), inside the view's transaction; features add theirs in init
// functions.
var contextLoaders []func(a *App, tx *store.Tx, actor *access.Actor, c *hub.Context, v *ContextView) error

// ViewContext returns a context the actor may read, auditing the view.
func (a *App) ViewContext(ctx context.Context, actor *access.Actor, id string) (*ContextView, error) {
	if err := require(actor, access.CaseRead); err != nil {
		return nil, err
	}
	var v *ContextView
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		e := event(ctx, actor, hub.ActView, "context", id)
		c, err := tx.ContextRecord(id)
		if errors.Is(err, hub.ErrNotFound) {
			e.Outcome, e.Detail = hub.OutcomeDenied, "no such record"
			return tx.AppendAudit(e)
		}
		if err != nil {
			return err
		}
		rec := contextRecord(c)
		if d := a.decide(tx, actor, access.CaseRead, rec); !d.Allow {
			e.Outcome, e.Detail = hub.OutcomeDenied, d.Reason
			return tx.AppendAudit(e)
		}
		v = &ContextView{Context: c}
		vis, err := visibleMembers(tx, actor, c)
		if err != nil {
			return err
		}
		for i, m := range c.Members {
			name, ok := vis[i]
			if !ok {
				v.Hidden++
				continue
			}
			v.Members = append(v.Members, ContextMemberView{Index: i, PersonID: m.PersonID, Name: name, Role: m.Role, From: m.From, To: m.To})
		}
		e.Detail = fmt.Sprintf("%d members shown", len(v.Members))
		if err := tx.AppendAudit(e); err != nil {
			return err
		}
		v.Area, _ = tx.Area(c.AreaID)
		s := &hub.Subject{Kind: hub.SubjectContext, ID: c.ID}
		if v.Referrals, _, err = tx.FindReferrals(store.ReferralListFilter{Subject: s, Limit: 50}); err != nil {
			return err
		}
		if v.Assessments, _, err = tx.FindAssessments(store.AssessmentFilter{Subject: s, Limit: 20}); err != nil {
			return err
		}
		v.CanEdit = a.decide(tx, actor, access.CaseWrite, rec).Allow
		v.CanAssess = v.CanEdit
		v.CanRefer = a.decide(tx, actor, access.ReferralCreate, rec).Allow
		for _, load := range contextLoaders {
			if err := load(a, tx, actor, c, v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, hub.NotFound("context")
	}
	return v, nil
}

// ContextQuery selects contexts to list.
type ContextQuery struct {
	Name   string
	Kind   string
	Limit  int
	Offset int
}

// ContextList is a page of contexts.
type ContextList struct {
	Items []*hub.Context
	Total int
}

// Contexts lists the contexts in the actor's areas, by name. Members are
// not named in lists (only counted), so the list is not audited.
func (a *App) Contexts(ctx context.Context, actor *access.Actor, q ContextQuery) (*ContextList, error) {
	if err := require(actor, access.CaseRead); err != nil {
		return nil, err
	}
	if err := hub.ValidateText("name", q.Name, 0, 200); err != nil {
		return nil, err
	}
	if k := hub.ContextKind(q.Kind); q.Kind != "" && !k.Valid() {
		return nil, hub.Invalid("kind", "must be location, peer_group, school or online")
	}
	if q.Limit <= 0 || q.Limit > 200 {
		q.Limit = 50
	}
	if q.Offset < 0 || q.Offset > 100000 {
		return nil, hub.Invalid("offset", "must be between 0 and 100000")
	}
	out := &ContextList{}
	err := a.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		out.Items, out.Total, err = tx.FindContexts(store.ContextFilter{AreaIDs: actor.AreaIDs, Kind: hub.ContextKind(q.Kind), Name: q.Name, Limit: q.Limit, Offset: q.Offset})
		return err
	})
	return out, err
}

// ContextImport is one context of a batch import (the synthetic
// partnership's hotspots and peer groups).
type ContextImport struct {
	Context     hub.Context
	ExternalRef string
}

// ImportContexts creates a batch of contexts with their members, all or
// nothing, as ImportReferrals does: every row is checked (fields valid,
// area one of the importer's, members existing persons, reference unique)
// and if any is refused nothing is written. One audit event per context.
func (a *App) ImportContexts(ctx context.Context, actor *access.Actor, source string, rows []ContextImport) (*ImportReport, error) {
	if err := require(actor, access.CaseWrite); err != nil {
		return nil, err
	}
	if len(rows) > MaxImportBatch {
		return nil, hub.Invalid("rows", "a batch holds at most %d records; split the import", MaxImportBatch)
	}
	if err := hub.ValidateText("source", source, 1, 200); err != nil {
		return nil, err
	}
	rep := &ImportReport{}
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		var ids []string
		for _, r := range rows {
			for _, m := range r.Context.Members {
				ids = append(ids, m.PersonID)
			}
		}
		ps, err := tx.PersonSummaries(ids)
		if err != nil {
			return err
		}
		refs := map[string]bool{}
		cs := make([]*hub.Context, 0, len(rows))
		for i, r := range rows {
			c := r.Context
			c.ID, c.OwnerAgencyID, c.CreatedBy = "", actor.AgencyID, actor.ID
			err := c.Validate()
			switch {
			case err != nil:
			case !actor.InArea(c.AreaID):
				err = hub.Invalid("area_id", "is not one of the importer's areas")
			case r.ExternalRef != "" && refs[r.ExternalRef]:
				err = hub.Invalid("external_ref", "%q is given twice", r.ExternalRef)
			default:
				for _, m := range c.Members {
					if _, ok := ps[m.PersonID]; !ok {
						err = hub.Invalid("members", "a member is not a person in Safehub")
						break
					}
				}
			}
			if err != nil {
				rep.Refused = append(rep.Refused, ImportError{Row: i, Err: err})
				continue
			}
			refs[r.ExternalRef] = true
			cs = append(cs, &c)
		}
		if len(rep.Refused) > 0 {
			return nil
		}
		for i, c := range cs {
			if err := tx.CreateContext(c, rows[i].ExternalRef); err != nil {
				return err
			}
			e := event(ctx, actor, hub.ActCreate, "context", c.ID)
			e.Detail = fmt.Sprintf("import: %s; %d members", source, len(c.Members))
			if err := tx.AppendAudit(e); err != nil {
				return err
			}
			rep.IDs = append(rep.IDs, c.ID)
		}
		rep.Created = len(cs)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return rep, nil
}
