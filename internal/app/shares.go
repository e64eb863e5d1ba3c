package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
)

// Cross-border information sharing (issue 6). A share opens named parts of
// one child's record (or of one case) to another area, an agency or named
// users, for a purpose, under a lawful basis, until an expiry. The access
// policy reads shares (access.Decide); this file makes, approves, revokes,
// requests and lists them, and records what recipients add.

// ShareOption is an entry of a configured list: a code and its label.
type ShareOption struct {
	Code  string
	Label string
}

// ShareConfig configures sharing.
type ShareConfig struct {
	// Bases are the lawful bases a sharer picks from.
	Bases []hub.LawfulBasis
	// Purposes are the purposes a share or a request may name.
	Purposes []ShareOption
	// DefaultDays is the expiry when none is given; MaxDays the latest
	// expiry allowed (days from today).
	DefaultDays int
	MaxDays     int
	// ApprovalParts are the parts whose sharing needs a manager's
	// approval (a manager sharing approves their own share).
	ApprovalParts []hub.SharePart
	// ExpiringSoonDays is how near its expiry a share is listed as
	// expiring soon.
	ExpiringSoonDays int
}

// DefaultShareConfig returns the defaults: the lawful bases of
// domain.md §6.1, common purposes, 30 days by default and 90 at most, and
// case notes needing approval.
func DefaultShareConfig() ShareConfig {
	return ShareConfig{
		Bases: []hub.LawfulBasis{
			{Code: "safeguarding", Label: "Safeguarding of children and of individuals at risk", Reference: "UK GDPR Art 6(1)(e), Art 9(2)(g); DPA 2018 Sch 1 para 18"},
			{Code: "law-enforcement", Label: "Law enforcement processing: safeguarding", Reference: "DPA 2018 Part 3, s35 and Sch 8 para 4"},
			{Code: "ca2004-s11", Label: "Cooperation and the duty to safeguard", Reference: "Children Act 2004 s10 and s11; UK GDPR Art 6(1)(e)"},
			{Code: "ca1989-s47", Label: "Child protection enquiries", Reference: "Children Act 1989 s47; UK GDPR Art 6(1)(c)"},
			{Code: "cda1998-s115", Label: "Crime and disorder", Reference: "Crime and Disorder Act 1998 s115"},
			{Code: "msa2015-s52", Label: "Modern slavery: duty to notify", Reference: "Modern Slavery Act 2015 s52; UK GDPR Art 6(1)(c)"},
			{Code: "vital-interests", Label: "Vital interests (emergency only)", Reference: "UK GDPR Art 6(1)(d), Art 9(2)(c)"},
		},
		Purposes: []ShareOption{
			{Code: "joint_investigation", Label: "Joint investigation"},
			{Code: "strategy_discussion", Label: "Strategy discussion"},
			{Code: "mace", Label: "Multi-agency child exploitation (MACE) panel"},
			{Code: "missing_located", Label: "Missing child located out of area"},
			{Code: "return_interview", Label: "Return home interview out of area"},
			{Code: "joint_plan", Label: "Joint safeguarding plan"},
			{Code: "case_transfer", Label: "Transfer of the case"},
		},
		DefaultDays:      30,
		MaxDays:          90,
		ApprovalParts:    []hub.SharePart{hub.PartNotes},
		ExpiringSoonDays: 7,
	}
}

func (a *App) shareConfig() ShareConfig {
	c, d := a.cfg.Shares, DefaultShareConfig()
	if len(c.Bases) == 0 {
		c.Bases = d.Bases
	}
	if len(c.Purposes) == 0 {
		c.Purposes = d.Purposes
	}
	if c.DefaultDays <= 0 {
		c.DefaultDays = d.DefaultDays
	}
	if c.MaxDays <= 0 {
		c.MaxDays = d.MaxDays
	}
	if c.DefaultDays > c.MaxDays {
		c.DefaultDays = c.MaxDays
	}
	if c.ExpiringSoonDays <= 0 {
		c.ExpiringSoonDays = d.ExpiringSoonDays
	}
	if c.ApprovalParts == nil {
		c.ApprovalParts = d.ApprovalParts
	}
	return c
}

// ShareConfig returns the sharing configuration, for forms.
func (a *App) ShareConfig() ShareConfig { return a.shareConfig() }

// Basis returns the configured lawful basis with this code.
func (c ShareConfig) Basis(code string) (hub.LawfulBasis, bool) {
	for _, b := range c.Bases {
		if b.Code == code {
			return b, true
		}
	}
	return hub.LawfulBasis{}, false
}

// PurposeLabel returns the label of a purpose code (the code if unknown).
func (c ShareConfig) PurposeLabel(code string) string {
	for _, p := range c.Purposes {
		if p.Code == code {
			return p.Label
		}
	}
	return code
}

func (c ShareConfig) validPurpose(field, code string) error {
	for _, p := range c.Purposes {
		if p.Code == code {
			return nil
		}
	}
	if strings.TrimSpace(code) == "" {
		return hub.Invalid(field, "choose the purpose of sharing")
	}
	return hub.Invalid(field, "is not one of the configured purposes")
}

// ShareInput is a share as a form or API body gives it.
type ShareInput struct {
	// PersonID is the child; or CaseID the case (its subject is the child).
	PersonID string
	CaseID   string
	// RecipientKind is area, agency or users; RecipientIDs the ids.
	RecipientKind string
	RecipientIDs  []string
	Parts         []string
	Purpose       string
	Basis         string
	Necessity     string
	// Expires is a date (YYYY-MM-DD, London): the share ends at the end of
	// that day. Empty: the configured default.
	Expires    string
	Contribute bool
}

// shareTarget is what a share is of: the child, the case, and the record
// the owner side is decided on.
type shareTarget struct {
	Person *hub.Person
	Case   *hub.Case
	Info   *subjectInfo
	AreaID string
	Owner  string
}

func (a *App) loadShareTarget(tx *store.Tx, personID, caseID string) (*shareTarget, error) {
	t := &shareTarget{}
	switch {
	case caseID != "":
		if !hub.ValidID(caseID) {
			return nil, hub.NotFound("case")
		}
		c, err := tx.Case(caseID)
		if err != nil {
			return nil, err
		}
		info, err := a.loadSubject(tx, c.Subject)
		if err != nil {
			return nil, err
		}
		t.Case, t.Info, t.Person, t.AreaID, t.Owner = c, info, info.Person, c.AreaID, c.OwnerAgencyID
	case personID != "":
		if !hub.ValidID(personID) {
			return nil, hub.NotFound("person")
		}
		p, err := tx.Person(personID)
		if err != nil {
			return nil, err
		}
		t.Person, t.Info, t.AreaID, t.Owner = p, personSubject(p), p.AreaID, p.OwnerAgencyID
	default:
		return nil, hub.Invalid("person_id", "name the child (or the case) to share")
	}
	return t, nil
}

// ownDecision decides act on part of the target for actor by their own
// scope: a share or a break-glass grant does not count (what one reads
// under a share one may not pass on).
func (a *App) ownDecision(tx *store.Tx, actor *access.Actor, act access.Action, t *shareTarget, part hub.SharePart) bool {
	var rec *access.Record
	switch {
	case part == hub.PartIdentity && t.Person != nil:
		rec = access.PersonRecord(t.Person)
		act = access.PersonRead
	case part == hub.PartIdentity:
		return false
	case part.CaseBound() && t.Case != nil:
		rec = caseRecord(t.Case, t.Info).PartOf(part)
	case t.Person != nil:
		rec = access.PersonRecord(t.Person).PartOf(part)
	default:
		return false
	}
	d := a.decide(tx, actor, act, rec)
	return d.Allow && d.ViaShare == nil && !d.ViaBreakGlass
}

// canShare reports whether actor may share (or revoke, or answer requests
// for) the target: the function-level permission and the record in their
// own scope.
func (a *App) canShare(tx *store.Tx, actor *access.Actor, t *shareTarget) bool {
	if !access.Can(actor, access.ShareCreate) {
		return false
	}
	part := hub.PartIdentity
	if t.Person == nil {
		part = hub.PartCase
	}
	return a.ownDecision(tx, actor, access.CaseRead, t, part)
}

// CreateShare shares parts of a child's record (or of a case). The sharer
// must see every part shared in their own right; the recipient must be
// someone else; the basis and purpose come from the configured lists; the
// expiry lies between now and the configured maximum. Where a part needs
// approval and the sharer may not approve, the share waits for a manager.
// Recipients named individually are notified. Audited.
func (a *App) CreateShare(ctx context.Context, actor *access.Actor, in ShareInput) (*hub.Share, error) {
	if err := require(actor, access.ShareCreate); err != nil {
		return nil, err
	}
	var out *hub.Share
	denied := false
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		s, err := a.createShare(ctx, tx, actor, in, "")
		if errors.Is(err, errShareDenied) {
			// Commit the audited refusal; answer as if the record did not
			// exist.
			denied = true
			return nil
		}
		out = s
		return err
	})
	if err != nil {
		return nil, err
	}
	if denied {
		return nil, hub.NotFound("record")
	}
	return out, nil
}

// errShareDenied is createShare's answer when the record is not in the
// sharer's own scope; the refusal is already in the audit log.
var errShareDenied = errors.New("share: record not in the sharer's own scope")

func (a *App) createShare(ctx context.Context, tx *store.Tx, actor *access.Actor, in ShareInput, requestID string) (*hub.Share, error) {
	cfg := a.shareConfig()
	t, err := a.loadShareTarget(tx, strings.TrimSpace(in.PersonID), strings.TrimSpace(in.CaseID))
	if err != nil {
		return nil, err
	}
	if !a.canShare(tx, actor, t) {
		// Not in the sharer's own scope: as if it did not exist.
		e := event(ctx, actor, hub.ActShare, "share", "")
		e.SubjectID, e.Outcome, e.Detail = t.Info.Subject.ID, hub.OutcomeDenied, "record not in sharer's own scope"
		if err := tx.AppendAudit(e); err != nil {
			return nil, err
		}
		return nil, errShareDenied
	}
	parts, err := hub.ParseShareParts("parts", in.Parts)
	if err != nil {
		return nil, err
	}
	for _, p := range parts {
		if p == hub.PartIdentity && t.Person == nil {
			return nil, hub.Invalid("parts", "a context's case has no identity part; share the case summary, plan or notes")
		}
		if !a.ownDecision(tx, actor, access.CaseRead, t, p) {
			return nil, hub.Invalid("parts", "you cannot see the %s of this record yourself, so you cannot share it", strings.ToLower(p.Label()))
		}
	}
	s := &hub.Share{OwnerAreaID: t.AreaID, OwnerAgencyID: t.Owner, Parts: parts, Contribute: in.Contribute, RequestID: requestID,
		SharedBy: actor.ID, SharedByName: actorName(tx, actor)}
	if t.Person != nil {
		s.PersonID = t.Person.ID
	}
	if t.Case != nil {
		s.CaseID = t.Case.ID
	}
	if err := a.shareRecipients(tx, actor, s, t, in); err != nil {
		return nil, err
	}
	if err := cfg.validPurpose("purpose", in.Purpose); err != nil {
		return nil, err
	}
	s.Purpose = in.Purpose
	if _, ok := cfg.Basis(in.Basis); !ok {
		if strings.TrimSpace(in.Basis) == "" {
			return nil, hub.Invalid("basis", "choose the lawful basis for sharing")
		}
		return nil, hub.Invalid("basis", "is not one of the configured lawful bases")
	}
	s.BasisCode = in.Basis
	s.Necessity = strings.TrimSpace(in.Necessity)
	if err := hub.ValidateText("necessity", s.Necessity, 1, 2000); err != nil {
		return nil, hub.Invalid("necessity", "say why sharing is necessary and proportionate (up to 2,000 characters)")
	}
	if s.ExpiresAt, err = a.shareExpiry(cfg, in.Expires); err != nil {
		return nil, err
	}
	s.Status = hub.ShareActive
	needs := slices.ContainsFunc(parts, func(p hub.SharePart) bool { return slices.Contains(cfg.ApprovalParts, p) })
	if needs {
		if access.Can(actor, access.ShareApprove) {
			s.ApprovedBy, s.ApprovedAt = actor.ID, tx.Now()
		} else {
			s.Status = hub.SharePending
		}
	}
	if err := tx.CreateShare(s); err != nil {
		return nil, err
	}
	e := event(ctx, actor, hub.ActShare, "share", s.ID)
	e.SubjectID = s.PersonID
	e.Purpose = s.Purpose
	e.Detail = shareDetail(s)
	if err := tx.AppendAudit(e); err != nil {
		return nil, err
	}
	if s.Status == hub.ShareActive {
		return s, a.notifyRecipients(tx, s)
	}
	return s, a.notifyApprovers(tx, s)
}

// shareDetail is the audit detail of a share: what, with whom, why, until
// when. Ids and codes only: no personal data.
func shareDetail(s *hub.Share) string {
	return fmt.Sprintf("%s; parts %s; with %s %s; basis %s; until %s", s.Status, joinParts(s.Parts), s.RecipientKind,
		strings.Join(s.RecipientIDs, ","), s.BasisCode, s.ExpiresAt.UTC().Format(time.RFC3339))
}

func joinParts(ps []hub.SharePart) string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = string(p)
	}
	return strings.Join(out, ",")
}

// shareRecipients checks and fills the share's recipients.
func (a *App) shareRecipients(tx *store.Tx, actor *access.Actor, s *hub.Share, t *shareTarget, in ShareInput) error {
	kind := hub.RecipientKind(strings.TrimSpace(in.RecipientKind))
	if !kind.Valid() {
		return hub.Invalid("recipient_kind", "must be area, agency or users")
	}
	var ids []string
	for _, id := range in.RecipientIDs {
		if id = strings.TrimSpace(id); id != "" && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return hub.Invalid("recipient_ids", "choose whom to share with")
	}
	if len(ids) > 20 {
		return hub.Invalid("recipient_ids", "names too many recipients (at most 20)")
	}
	switch kind {
	case hub.RecipientArea:
		if len(ids) != 1 {
			return hub.Invalid("recipient_ids", "choose one area")
		}
		if !hub.ValidID(ids[0]) {
			return hub.Invalid("recipient_ids", "is not a known area")
		}
		if _, err := tx.Area(ids[0]); err != nil {
			return hub.Invalid("recipient_ids", "is not a known area")
		}
		if ids[0] == t.AreaID {
			return hub.Invalid("recipient_ids", "is the area that holds this record: its staff already work on it; share with another area, an agency or named users")
		}
	case hub.RecipientAgency:
		if len(ids) != 1 {
			return hub.Invalid("recipient_ids", "choose one agency")
		}
		if !hub.ValidID(ids[0]) {
			return hub.Invalid("recipient_ids", "is not a known agency")
		}
		if _, err := tx.Agency(ids[0]); err != nil {
			return hub.Invalid("recipient_ids", "is not a known agency")
		}
		if ids[0] == actor.AgencyID {
			return hub.Invalid("recipient_ids", "is your own agency; share with another area, an agency or named users")
		}
	case hub.RecipientUsers:
		for _, id := range ids {
			if id == actor.ID {
				return hub.Invalid("recipient_ids", "names you: you cannot share with yourself")
			}
			if !hub.ValidID(id) {
				return hub.Invalid("recipient_ids", "names someone who is not a user")
			}
			u, err := tx.User(id)
			if err != nil || u.Disabled {
				return hub.Invalid("recipient_ids", "names someone who is not an active user")
			}
		}
	}
	s.RecipientKind, s.RecipientIDs = kind, ids
	return nil
}

// shareExpiry reads an expiry date: the end of that London day, after now
// and no later than the configured maximum.
func (a *App) shareExpiry(cfg ShareConfig, text string) (time.Time, error) {
	today := a.Today()
	max := addDays(today, cfg.MaxDays)
	text = strings.TrimSpace(text)
	if text == "" {
		return hub.EndOfDay(addDays(today, cfg.DefaultDays), London), nil
	}
	d, err := hub.ParseDate("expires", text)
	if err != nil {
		return time.Time{}, err
	}
	if d.Before(today) {
		return time.Time{}, hub.Invalid("expires", "is in the past; a share must end in the future")
	}
	if max.Before(d) {
		return time.Time{}, hub.Invalid("expires", "is more than %d days away; the latest allowed is %s", cfg.MaxDays, max.String())
	}
	return hub.EndOfDay(d, London), nil
}

func addDays(d hub.Date, n int) hub.Date { return hub.DateOf(d.Time().AddDate(0, 0, n)) }

// recipientUsers returns the users a share names individually.
func recipientUsers(s *hub.Share) []string {
	if s.RecipientKind == hub.RecipientUsers {
		return s.RecipientIDs
	}
	return nil
}

func (a *App) notifyRecipients(tx *store.Tx, s *hub.Share) error {
	var ns []*hub.Notification
	for _, id := range recipientUsers(s) {
		ns = append(ns, &hub.Notification{UserID: id, Kind: "share", SubjectID: s.PersonID, ObjectType: "share", ObjectID: s.ID,
			Title: "A record has been shared with you", Body: "Shared by " + s.SharedByName + " until " + s.ExpiresAt.In(London).Format("2 January 2006") + ".",
			Link: "/shares/" + s.ID})
	}
	return a.notify(tx, ns...)
}

// notifyApprovers tells the managers of the owning area that a share
// waits for approval.
func (a *App) notifyApprovers(tx *store.Tx, s *hub.Share) error {
	ms, err := managersOf(tx, s.OwnerAreaID)
	if err != nil {
		return err
	}
	var ns []*hub.Notification
	for _, id := range ms {
		if id == s.SharedBy {
			continue
		}
		ns = append(ns, &hub.Notification{UserID: id, Kind: "share_approval", SubjectID: s.PersonID, ObjectType: "share", ObjectID: s.ID,
			Title: "A share waits for your approval", Body: "Made by " + s.SharedByName + ".", Link: "/shares/" + s.ID})
	}
	return a.notify(tx, ns...)
}

// shareFor loads a share and the side the actor is on: the owner's side
// (may share the record in their own right), a recipient, or an overseer
// of the owning area. Anyone else gets hub.ErrNotFound.
type shareSide struct {
	Share     *hub.Share
	Target    *shareTarget
	Owner     bool
	Recipient bool
	Overseer  bool
}

func (a *App) shareSide(tx *store.Tx, actor *access.Actor, id string) (*shareSide, error) {
	if !hub.ValidID(id) {
		return nil, hub.NotFound("share")
	}
	s, err := tx.Share(id)
	if err != nil {
		return nil, err
	}
	t, err := a.loadShareTarget(tx, s.PersonID, s.CaseID)
	if err != nil {
		return nil, err
	}
	side := &shareSide{Share: s, Target: t}
	side.Owner = a.canShare(tx, actor, t)
	side.Recipient = !actor.Machine && s.Names(actor.ID, actor.AgencyID, actor.AreaIDs)
	side.Overseer = access.Can(actor, access.ShareOversee) && (actor.InArea(s.OwnerAreaID) || actor.HasRole(hub.RoleAuditor))
	if !side.Owner && !side.Recipient && !side.Overseer {
		return nil, hub.NotFound("share")
	}
	return side, nil
}

// ShareView is a share as shown to its owner side, its recipients and
// overseers.
type ShareView struct {
	Share *hub.Share
	Now   time.Time
	// SubjectName is the child's (or context's) name, when the actor may
	// see it (owner side; a recipient whose share names identity).
	SubjectName   string
	SubjectLink   string
	OwnerArea     string
	OwnerAgency   string
	Recipients    []string
	Basis         hub.LawfulBasis
	PurposeLabel  string
	ApprovedBy    string
	RevokedBy     string
	Contributions []*hub.ShareContribution
	Agencies      map[string]string
	// What the actor may do.
	IsOwner       bool
	IsRecipient   bool
	CanRevoke     bool
	CanApprove    bool
	CanContribute bool
}

// State is the share's state now ("active", "expired" …).
func (v *ShareView) State() string { return v.Share.State(v.Now) }

// ViewShare returns a share, auditing the view. A recipient's first view
// is also recorded as the share's receipt.
func (a *App) ViewShare(ctx context.Context, actor *access.Actor, id string) (*ShareView, error) {
	var v *ShareView
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		side, err := a.shareSide(tx, actor, id)
		if errors.Is(err, hub.ErrNotFound) {
			e := event(ctx, actor, hub.ActView, "share", id)
			e.Outcome, e.Detail = hub.OutcomeDenied, "not a party to the share"
			return tx.AppendAudit(e)
		}
		if err != nil {
			return err
		}
		s := side.Share
		now := tx.Now()
		if side.Recipient && !side.Owner && s.Active(now) && s.ReceivedAt.IsZero() {
			s.ReceivedAt = now
			if err := tx.UpdateShareState(s); err != nil {
				return err
			}
			e := event(ctx, actor, hub.ActReceive, "share", s.ID)
			e.SubjectID, e.Purpose, e.Detail = s.PersonID, s.Purpose, "first opened by a recipient"
			if err := tx.AppendAudit(e); err != nil {
				return err
			}
		}
		e := event(ctx, actor, hub.ActView, "share", s.ID)
		e.SubjectID = s.PersonID
		if err := tx.AppendAudit(e); err != nil {
			return err
		}
		v, err = a.shareView(tx, actor, side)
		return err
	})
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, hub.NotFound("share")
	}
	return v, nil
}

func (a *App) shareView(tx *store.Tx, actor *access.Actor, side *shareSide) (*ShareView, error) {
	s, cfg, now := side.Share, a.shareConfig(), tx.Now()
	v := &ShareView{Share: s, Now: now, IsOwner: side.Owner, IsRecipient: side.Recipient}
	v.Basis, _ = cfg.Basis(s.BasisCode)
	if v.Basis.Code == "" {
		v.Basis = hub.LawfulBasis{Code: s.BasisCode, Label: s.BasisCode}
	}
	v.PurposeLabel = cfg.PurposeLabel(s.Purpose)
	if ar, err := tx.Area(s.OwnerAreaID); err == nil {
		v.OwnerArea = ar.Name
	}
	v.Agencies = agencyNames(tx)
	v.OwnerAgency = v.Agencies[s.OwnerAgencyID]
	seesName := side.Owner || side.Overseer || (side.Recipient && s.Active(now) && (s.Has(hub.PartIdentity) || side.Target.Person == nil))
	if seesName {
		v.SubjectName, v.SubjectLink = side.Target.Info.Name, side.Target.Info.Link
		if s.CaseID != "" && side.Target.Person == nil {
			v.SubjectLink = "/cases/" + s.CaseID
		}
	}
	for _, id := range s.RecipientIDs {
		v.Recipients = append(v.Recipients, a.recipientName(tx, s.RecipientKind, id, v.Agencies))
	}
	v.ApprovedBy, v.RevokedBy = a.userName(tx, s.ApprovedBy), a.userName(tx, s.RevokedBy)
	// Contributions: the owner side and overseers see them all; a
	// recipient sees their own agency's, and the others' while the share
	// is in force.
	cs, err := tx.ShareContributions([]string{s.ID}, "", "")
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		if side.Owner || side.Overseer || c.AgencyID == actor.AgencyID || s.Active(now) {
			v.Contributions = append(v.Contributions, c)
		}
	}
	v.CanRevoke = side.Owner && (s.Active(now) || s.Status == hub.SharePending)
	v.CanApprove = s.Status == hub.SharePending && access.Can(actor, access.ShareApprove) && side.Owner && s.SharedBy != actor.ID
	v.CanContribute = side.Recipient && s.Contribute && s.Active(now) && access.Can(actor, access.AssessContrib)
	return v, nil
}

func (a *App) recipientName(tx *store.Tx, kind hub.RecipientKind, id string, agencies map[string]string) string {
	switch kind {
	case hub.RecipientArea:
		if ar, err := tx.Area(id); err == nil {
			return ar.Name
		}
	case hub.RecipientAgency:
		if n := agencies[id]; n != "" {
			return n
		}
	case hub.RecipientUsers:
		if u, err := tx.User(id); err == nil {
			if n := agencies[u.AgencyID]; n != "" {
				return u.DisplayName + " (" + n + ")"
			}
			return u.DisplayName
		}
	}
	return "unknown"
}

// RevokeShare ends a share at once: the recipients lose access on their
// next request. What they contributed stays with their agency. Only the
// owner side may revoke (anyone who could make the share). Audited.
func (a *App) RevokeShare(ctx context.Context, actor *access.Actor, id, reason string) error {
	reason = strings.TrimSpace(reason)
	if err := hub.ValidateText("reason", reason, 1, 1000); err != nil {
		return hub.Invalid("reason", "say why the share is revoked (up to 1,000 characters)")
	}
	return a.db.Tx(ctx, func(tx *store.Tx) error {
		side, err := a.shareSide(tx, actor, id)
		if err != nil {
			return err
		}
		if !side.Owner {
			return hub.Errorf(hub.EForbidden, "only the area that shared this record can revoke the share")
		}
		s := side.Share
		if s.Status != hub.ShareActive && s.Status != hub.SharePending || s.Expired(tx.Now()) {
			return hub.Invalid("share", "has already ended (%s)", s.State(tx.Now()))
		}
		s.Status, s.RevokedBy, s.RevokedAt, s.EndReason = hub.ShareRevoked, actor.ID, tx.Now(), reason
		if err := tx.UpdateShareState(s); err != nil {
			return err
		}
		e := event(ctx, actor, hub.ActRevoke, "share", s.ID)
		e.SubjectID, e.Detail = s.PersonID, "share revoked"
		return tx.AppendAudit(e)
	})
}

// DecideShareApproval approves a pending share (it takes effect at once) or
// refuses it with a reason. The approver is a manager on the owner side
// other than the sharer.
func (a *App) DecideShareApproval(ctx context.Context, actor *access.Actor, id string, approve bool, reason string) error {
	if err := require(actor, access.ShareApprove); err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	if !approve {
		if err := hub.ValidateText("reason", reason, 1, 1000); err != nil {
			return hub.Invalid("reason", "say why the share is refused (up to 1,000 characters)")
		}
	}
	return a.db.Tx(ctx, func(tx *store.Tx) error {
		side, err := a.shareSide(tx, actor, id)
		if err != nil {
			return err
		}
		s := side.Share
		if !side.Owner {
			return hub.NotFound("share")
		}
		if s.Status != hub.SharePending {
			return hub.Invalid("share", "is not waiting for approval")
		}
		if s.SharedBy == actor.ID {
			return hub.Invalid("share", "was made by you; another manager must approve it")
		}
		action := hub.ActShareApprove
		if approve {
			s.Status, s.ApprovedBy, s.ApprovedAt = hub.ShareActive, actor.ID, tx.Now()
			if !tx.Now().Before(s.ExpiresAt) {
				return hub.Invalid("share", "expired before it was approved")
			}
		} else {
			action = hub.ActShareRefuse
			s.Status, s.EndReason, s.RevokedBy, s.RevokedAt = hub.ShareRefused, reason, actor.ID, tx.Now()
		}
		if err := tx.UpdateShareState(s); err != nil {
			return err
		}
		e := event(ctx, actor, action, "share", s.ID)
		e.SubjectID, e.Detail = s.PersonID, string(s.Status)
		if err := tx.AppendAudit(e); err != nil {
			return err
		}
		if approve {
			return a.notifyRecipients(tx, s)
		}
		return nil
	})
}

// ContributeToShare adds a recipient's contribution to a share that allows it:
// kept apart from the owner's record, attributed to its author and agency.
func (a *App) ContributeToShare(ctx context.Context, actor *access.Actor, shareID, body string) (*hub.ShareContribution, error) {
	// Contributing is adding an agency's view, as to a risk assessment.
	if err := require(actor, access.AssessContrib); err != nil {
		return nil, err
	}
	body = strings.TrimSpace(body)
	if err := hub.ValidateText("body", body, 1, 10000); err != nil {
		return nil, hub.Invalid("body", "write the contribution (up to 10,000 characters)")
	}
	var out *hub.ShareContribution
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		side, err := a.shareSide(tx, actor, shareID)
		if err != nil {
			return err
		}
		s := side.Share
		if !side.Recipient || !s.Active(tx.Now()) {
			return hub.NotFound("share")
		}
		if !s.Contribute {
			return hub.Errorf(hub.EForbidden, "this share does not allow contributions")
		}
		c := &hub.ShareContribution{ShareID: s.ID, PersonID: s.PersonID, AuthorID: actor.ID, AuthorName: actorName(tx, actor), AgencyID: actor.AgencyID, Body: body}
		if err := tx.CreateShareContribution(c); err != nil {
			return err
		}
		e := event(ctx, actor, hub.ActCreate, "share_contribution", c.ID)
		e.SubjectID, e.Detail = s.PersonID, "contribution to share "+s.ID
		out = c
		return tx.AppendAudit(e)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ShareSummary is one row of a list of shares.
type ShareSummary struct {
	Share        *hub.Share
	State        string
	SubjectName  string
	SubjectLink  string
	OwnerArea    string
	Recipients   []string
	BasisLabel   string
	PurposeLabel string
}

// ShareList is the shares one sees: received, made by one's areas, and
// (for overseers) the oversight lists.
type ShareList struct {
	Now      time.Time
	Received []*ShareSummary
	// Outgoing are the active and pending shares of the actor's areas'
	// records; ExpiringSoon those of them ending within the configured
	// days; Pending those waiting for approval.
	Outgoing     []*ShareSummary
	ExpiringSoon []*ShareSummary
	Pending      []*ShareSummary
	Requests     []*RequestSummary
	MyRequests   []*RequestSummary
	Oversight    bool
	SoonDays     int
}

// RequestSummary is a share request in a list.
type RequestSummary struct {
	Request     *hub.ShareRequest
	SubjectName string
	SubjectLink string
	OwnerArea   string
	Agency      string
	CanAnswer   bool
}

// Shares lists what the actor has received and, for those who share or
// oversee, their areas' shares and the requests waiting. Listing names
// children, so it is audited as a search.
func (a *App) Shares(ctx context.Context, actor *access.Actor) (*ShareList, error) {
	// Signed-in users have Home; API tokens never do (no scope grants it),
	// so a token lists its user's shares with case.read.
	if err := require(actor, access.Home); err != nil && !access.Can(actor, access.CaseRead) {
		return nil, err
	}
	cfg := a.shareConfig()
	out := &ShareList{SoonDays: cfg.ExpiringSoonDays}
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		now := tx.Now()
		out.Now = now
		agencies := agencyNames(tx)
		recv, err := tx.SharesReceived(actor.ID, actor.AgencyID, actor.AreaIDs, false, 200)
		if err != nil {
			return err
		}
		for _, s := range recv {
			out.Received = append(out.Received, a.shareSummary(tx, s, false, agencies))
		}
		owner := access.Can(actor, access.ShareCreate) || access.Can(actor, access.ShareOversee)
		out.Oversight = access.Can(actor, access.ShareOversee)
		if owner && len(actor.AreaIDs) > 0 {
			act, err := tx.FindShares(store.ShareFilter{AreaIDs: actor.AreaIDs, Status: "active", Limit: 500})
			if err != nil {
				return err
			}
			for _, s := range act {
				if sum := a.ownerSummary(tx, actor, s, agencies); sum != nil {
					out.Outgoing = append(out.Outgoing, sum)
				}
			}
			soon, err := tx.FindShares(store.ShareFilter{AreaIDs: actor.AreaIDs, ExpiringBefore: now.AddDate(0, 0, cfg.ExpiringSoonDays).UnixMicro(), Limit: 200})
			if err != nil {
				return err
			}
			for _, s := range soon {
				if sum := a.ownerSummary(tx, actor, s, agencies); sum != nil {
					out.ExpiringSoon = append(out.ExpiringSoon, sum)
				}
			}
			pend, err := tx.FindShares(store.ShareFilter{AreaIDs: actor.AreaIDs, Status: "pending", Limit: 200})
			if err != nil {
				return err
			}
			for _, s := range pend {
				if sum := a.ownerSummary(tx, actor, s, agencies); sum != nil {
					out.Pending = append(out.Pending, sum)
				}
			}
			if access.Can(actor, access.ShareCreate) {
				rs, err := tx.FindShareRequests(store.ShareRequestFilter{OwnerAreaIDs: actor.AreaIDs, Pending: true, Limit: 200})
				if err != nil {
					return err
				}
				for _, r := range rs {
					if sum := a.requestSummary(tx, actor, r); sum != nil && sum.CanAnswer {
						out.Requests = append(out.Requests, sum)
					}
				}
			}
		}
		mine, err := tx.FindShareRequests(store.ShareRequestFilter{RequesterID: actor.ID, Limit: 50})
		if err != nil {
			return err
		}
		for _, r := range mine {
			out.MyRequests = append(out.MyRequests, a.requestSummary(tx, actor, r))
		}
		e := event(ctx, actor, hub.ActSearch, "share", "")
		e.Detail = fmt.Sprintf("shares: %d received, %d outgoing, %d requests", len(out.Received), len(out.Outgoing), len(out.Requests))
		return tx.AppendAudit(e)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ownerSummary summarises a share of the actor's areas, or nil when the
// actor cannot see its record in their own right (a restricted child, say)
// and does not oversee shares.
func (a *App) ownerSummary(tx *store.Tx, actor *access.Actor, s *hub.Share, agencies map[string]string) *ShareSummary {
	t, err := a.loadShareTarget(tx, s.PersonID, s.CaseID)
	if err != nil {
		return nil
	}
	if !a.canShare(tx, actor, t) && !access.Can(actor, access.ShareOversee) {
		return nil
	}
	sum := a.shareSummary(tx, s, true, agencies)
	sum.SubjectName, sum.SubjectLink = t.Info.Name, t.Info.Link
	return sum
}

// shareSummary summarises s for a list; agencies are the agencies' names
// (agencyNames), read once per list.
func (a *App) shareSummary(tx *store.Tx, s *hub.Share, owner bool, agencies map[string]string) *ShareSummary {
	cfg := a.shareConfig()
	sum := &ShareSummary{Share: s, State: s.State(tx.Now()), PurposeLabel: cfg.PurposeLabel(s.Purpose)}
	if b, ok := cfg.Basis(s.BasisCode); ok {
		sum.BasisLabel = b.Label
	}
	if ar, err := tx.Area(s.OwnerAreaID); err == nil {
		sum.OwnerArea = ar.Name
	}
	for _, id := range s.RecipientIDs {
		sum.Recipients = append(sum.Recipients, a.recipientName(tx, s.RecipientKind, id, agencies))
	}
	if !owner && s.Has(hub.PartIdentity) && s.PersonID != "" {
		if p, err := tx.Person(s.PersonID); err == nil {
			sum.SubjectName, sum.SubjectLink = p.Name(), "/persons/"+p.ID
		}
	}
	if sum.SubjectName == "" {
		sum.SubjectName = "Shared record (identity not shared)"
	}
	return sum
}

// ShareRequestInput asks for a share.
type ShareRequestInput struct {
	PersonID string
	Parts    []string
	Purpose  string
	Reason   string
}

// RequestShare asks the area holding a child's record to share parts of
// it with the requester. The requester may know only that the record
// exists (a search found it held elsewhere); the owner's practitioners see
// the request on their work queue. Audited.
func (a *App) RequestShare(ctx context.Context, actor *access.Actor, in ShareRequestInput) (*hub.ShareRequest, error) {
	if err := require(actor, access.ShareRequest); err != nil {
		return nil, err
	}
	cfg := a.shareConfig()
	parts, err := hub.ParseShareParts("parts", in.Parts)
	if err != nil {
		return nil, err
	}
	if err := cfg.validPurpose("purpose", in.Purpose); err != nil {
		return nil, err
	}
	reason := strings.TrimSpace(in.Reason)
	if err := hub.ValidateText("reason", reason, 1, 2000); err != nil {
		return nil, hub.Invalid("reason", "say why you need the record (up to 2,000 characters)")
	}
	var out *hub.ShareRequest
	err = a.db.Tx(ctx, func(tx *store.Tx) error {
		if !hub.ValidID(in.PersonID) {
			return hub.NotFound("person")
		}
		p, err := tx.Person(in.PersonID)
		if err != nil {
			return err
		}
		// Restricted records are not discoverable, so not requestable.
		if p.Sensitivity == hub.SensitivityRestricted && !a.decide(tx, actor, access.PersonRead, access.PersonRecord(p)).Allow {
			return hub.NotFound("person")
		}
		if actor.InArea(p.AreaID) {
			return hub.Invalid("person_id", "is held by your own area; open the record instead")
		}
		pending, err := tx.FindShareRequests(store.ShareRequestFilter{RequesterID: actor.ID, PersonID: p.ID, Pending: true, Limit: 1})
		if err != nil {
			return err
		}
		if len(pending) > 0 {
			return hub.Invalid("person_id", "you already have a request waiting for this record")
		}
		r := &hub.ShareRequest{PersonID: p.ID, OwnerAreaID: p.AreaID, RequesterID: actor.ID, RequesterName: actorName(tx, actor),
			RequesterAgency: actor.AgencyID, Parts: parts, Purpose: in.Purpose, Reason: reason, Status: hub.RequestPending}
		if err := tx.CreateShareRequest(r); err != nil {
			return err
		}
		e := event(ctx, actor, hub.ActShareRequest, "share_request", r.ID)
		e.SubjectID, e.Purpose, e.Detail = p.ID, r.Purpose, "parts "+joinParts(parts)
		if err := tx.AppendAudit(e); err != nil {
			return err
		}
		out = r
		lead, err := a.CaseLead(tx, hub.Subject{Kind: hub.SubjectPerson, ID: p.ID})
		if err != nil || lead == "" {
			return err
		}
		return a.notify(tx, &hub.Notification{UserID: lead, Kind: "share_request", SubjectID: p.ID, ObjectType: "share_request", ObjectID: r.ID,
			Title: "Request to share a child's record", Body: "From " + r.RequesterName + ".", Link: "/share-requests/" + r.ID})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ShareRequestView is a request as its owner side and its requester see it.
type ShareRequestView struct {
	*RequestSummary
	PurposeLabel string
	Share        *hub.Share
	Config       ShareConfig
}

// ViewShareRequest returns a request to its requester or to someone who
// may answer it. Audited.
func (a *App) ViewShareRequest(ctx context.Context, actor *access.Actor, id string) (*ShareRequestView, error) {
	var v *ShareRequestView
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		r, err := a.requestFor(tx, actor, id)
		if err != nil {
			e := event(ctx, actor, hub.ActView, "share_request", id)
			e.Outcome, e.Detail = hub.OutcomeDenied, "not a party to the request"
			return tx.AppendAudit(e)
		}
		sum := a.requestSummary(tx, actor, r)
		v = &ShareRequestView{RequestSummary: sum, PurposeLabel: a.shareConfig().PurposeLabel(r.Purpose), Config: a.shareConfig()}
		if r.ShareID != "" {
			v.Share, _ = tx.Share(r.ShareID)
		}
		e := event(ctx, actor, hub.ActView, "share_request", r.ID)
		e.SubjectID = r.PersonID
		return tx.AppendAudit(e)
	})
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, hub.NotFound("share request")
	}
	return v, nil
}

// requestFor loads a request for its requester or someone who may answer
// it; anyone else gets hub.ErrNotFound.
func (a *App) requestFor(tx *store.Tx, actor *access.Actor, id string) (*hub.ShareRequest, error) {
	if !hub.ValidID(id) {
		return nil, hub.NotFound("share request")
	}
	r, err := tx.ShareRequest(id)
	if err != nil {
		return nil, err
	}
	if r.RequesterID == actor.ID {
		return r, nil
	}
	if t, err := a.loadShareTarget(tx, r.PersonID, ""); err == nil && a.canShare(tx, actor, t) {
		return r, nil
	}
	return nil, hub.NotFound("share request")
}

func (a *App) requestSummary(tx *store.Tx, actor *access.Actor, r *hub.ShareRequest) *RequestSummary {
	sum := &RequestSummary{Request: r}
	if ar, err := tx.Area(r.OwnerAreaID); err == nil {
		sum.OwnerArea = ar.Name
	}
	if ag, err := tx.Agency(r.RequesterAgency); err == nil {
		sum.Agency = ag.Name
	}
	if t, err := a.loadShareTarget(tx, r.PersonID, ""); err == nil && a.canShare(tx, actor, t) {
		sum.SubjectName, sum.SubjectLink = t.Info.Name, t.Info.Link
		sum.CanAnswer = r.Status == hub.RequestPending
	}
	if sum.SubjectName == "" {
		sum.SubjectName = "A record held by " + sum.OwnerArea
	}
	return sum
}

// GrantShareRequest answers a request by sharing with the requester: the
// parts, basis and expiry are the owner's choice (in), the recipient is the
// requester. Both the share and the answer are audited.
func (a *App) GrantShareRequest(ctx context.Context, actor *access.Actor, id string, in ShareInput) (*hub.Share, error) {
	if err := require(actor, access.ShareCreate); err != nil {
		return nil, err
	}
	var out *hub.Share
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		r, err := a.requestFor(tx, actor, id)
		if err != nil {
			return err
		}
		if r.RequesterID == actor.ID {
			return hub.Invalid("request", "is your own request; someone holding the record must answer it")
		}
		if r.Status != hub.RequestPending {
			return hub.Invalid("request", "has already been answered")
		}
		in.PersonID, in.CaseID = r.PersonID, ""
		in.RecipientKind, in.RecipientIDs = string(hub.RecipientUsers), []string{r.RequesterID}
		if in.Purpose == "" {
			in.Purpose = r.Purpose
		}
		s, err := a.createShare(ctx, tx, actor, in, r.ID)
		if errors.Is(err, errShareDenied) {
			return hub.NotFound("share request")
		}
		if err != nil {
			return err
		}
		r.Status, r.DecidedBy, r.ShareID = hub.RequestGranted, actor.ID, s.ID
		if err := tx.DecideShareRequest(r); err != nil {
			return err
		}
		out = s
		e := event(ctx, actor, hub.ActShareRequest, "share_request", r.ID)
		e.SubjectID, e.Detail = r.PersonID, "granted: share "+s.ID
		return tx.AppendAudit(e)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// RefuseShareRequest answers a request with a refusal and its reason; the
// requester is told. Audited.
func (a *App) RefuseShareRequest(ctx context.Context, actor *access.Actor, id, reason string) error {
	if err := require(actor, access.ShareCreate); err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	if err := hub.ValidateText("reason", reason, 1, 1000); err != nil {
		return hub.Invalid("reason", "say why the request is refused (up to 1,000 characters)")
	}
	return a.db.Tx(ctx, func(tx *store.Tx) error {
		r, err := a.requestFor(tx, actor, id)
		if err != nil {
			return err
		}
		if r.RequesterID == actor.ID {
			return hub.Invalid("request", "is your own request; someone holding the record must answer it")
		}
		if r.Status != hub.RequestPending {
			return hub.Invalid("request", "has already been answered")
		}
		r.Status, r.DecidedBy, r.RefuseReason = hub.RequestRefused, actor.ID, reason
		if err := tx.DecideShareRequest(r); err != nil {
			return err
		}
		e := event(ctx, actor, hub.ActShareRequest, "share_request", r.ID)
		e.SubjectID, e.Detail = r.PersonID, "refused"
		if err := tx.AppendAudit(e); err != nil {
			return err
		}
		return a.notify(tx, &hub.Notification{UserID: r.RequesterID, Kind: "share_request", ObjectType: "share_request", ObjectID: r.ID,
			Title: "Your request to share a record was refused", Body: "Reason: " + reason, Link: "/share-requests/" + r.ID})
	})
}

// ExpireShares records the expiry of shares whose expiry has passed, one
// audit event each (access already ended at the expiry instant: the policy
// checks it on every request). The deadline job calls it.
func (a *App) ExpireShares(ctx context.Context) (int, error) {
	n := 0
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		ss, err := tx.FindShares(store.ShareFilter{ExpiredUnlogged: true, Limit: 1000})
		if err != nil {
			return err
		}
		for _, s := range ss {
			s.ExpiryLogged = tx.Now()
			if err := tx.UpdateShareState(s); err != nil {
				return err
			}
			e := event(ctx, nil, hub.ActExpire, "share", s.ID)
			e.ActorName, e.SubjectID = "deadline job", s.PersonID
			e.Detail = "expired at " + s.ExpiresAt.UTC().Format(time.RFC3339)
			if err := tx.AppendAudit(e); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// SharedReads is the auditor's view of who read shared data: the audit
// events of reads made under shares of the actor's areas' records.
type SharedReads struct {
	Share  *ShareView
	Events []*hub.AuditEvent
}

// ShareAudit returns the audit trail of one share: its making, receipt,
// every read made under it, revocation and expiry. For overseers and the
// owner side.
func (a *App) ShareAudit(ctx context.Context, actor *access.Actor, id string) (*SharedReads, error) {
	if err := require(actor, access.ShareOversee); err != nil {
		return nil, err
	}
	var out *SharedReads
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		side, err := a.shareSide(tx, actor, id)
		if err != nil {
			return err
		}
		if !side.Overseer && !side.Owner {
			return hub.NotFound("share")
		}
		v, err := a.shareView(tx, actor, side)
		if err != nil {
			return err
		}
		out = &SharedReads{Share: v}
		evs, err := tx.FindAuditEvents(store.AuditFilter{ObjectType: "share", ObjectID: id, Limit: 500})
		if err != nil {
			return err
		}
		out.Events = append(out.Events, evs...)
		if side.Share.PersonID != "" {
			reads, err := tx.FindAuditEvents(store.AuditFilter{SubjectID: side.Share.PersonID, From: side.Share.CreatedAt, Limit: 2000})
			if err != nil {
				return err
			}
			marker := "under share " + id
			for _, ev := range reads {
				if strings.Contains(ev.Detail, marker) {
					out.Events = append(out.Events, ev)
				}
			}
		}
		slices.SortFunc(out.Events, func(x, y *hub.AuditEvent) int { return int(y.Index - x.Index) })
		e := event(ctx, actor, hub.ActView, "share_audit", id)
		e.SubjectID = side.Share.PersonID
		return tx.AppendAudit(e)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// PersonShares is the person page's sharing section: for the owner side,
// the child's shares and requests; for a recipient, the share they read
// under.
type PersonShares struct {
	// Via is the share the actor reads this record under, if any.
	Via      *ShareSummary
	Shares   []*ShareSummary
	Requests []*RequestSummary
	CanShare bool
	// Contributions the actor's agency made about this child under shares
	// (kept after the shares end).
	Contributions []*hub.ShareContribution
}

func init() {
	personLoaders = append(personLoaders, loadPersonShares)
	workSources = append(workSources, shareWork)
}

func loadPersonShares(a *App, tx *store.Tx, actor *access.Actor, p *hub.Person, v *PersonView) error {
	ps := &PersonShares{}
	t := &shareTarget{Person: p, Info: personSubject(p), AreaID: p.AreaID, Owner: p.OwnerAgencyID}
	ps.CanShare = a.canShare(tx, actor, t)
	if ps.CanShare || access.Can(actor, access.ShareOversee) && actor.InArea(p.AreaID) {
		ss, err := tx.FindShares(store.ShareFilter{PersonID: p.ID, Limit: 100})
		if err != nil {
			return err
		}
		if len(ss) > 0 {
			agencies := agencyNames(tx)
			for _, s := range ss {
				ps.Shares = append(ps.Shares, a.shareSummary(tx, s, true, agencies))
			}
		}
		rs, err := tx.FindShareRequests(store.ShareRequestFilter{PersonID: p.ID, Limit: 50})
		if err != nil {
			return err
		}
		for _, r := range rs {
			ps.Requests = append(ps.Requests, a.requestSummary(tx, actor, r))
		}
	}
	if v.ViaShare != nil {
		ps.Via = a.shareSummary(tx, v.ViaShare, false, agencyNames(tx))
	}
	if actor.AgencyID != "" && !actor.Machine {
		cs, err := tx.ShareContributions(nil, actor.AgencyID, p.ID)
		if err != nil {
			return err
		}
		ps.Contributions = cs
	}
	if ps.CanShare || len(ps.Shares) > 0 || ps.Via != nil || len(ps.Contributions) > 0 {
		v.Shares = ps
	}
	return nil
}

// shareWork puts waiting share requests and shares waiting for approval on
// the work queues of those who may answer them.
func shareWork(a *App, tx *store.Tx, actor *access.Actor) ([]WorkItem, error) {
	if len(actor.AreaIDs) == 0 || !access.Can(actor, access.ShareCreate) {
		return nil, nil
	}
	var out []WorkItem
	rs, err := tx.FindShareRequests(store.ShareRequestFilter{OwnerAreaIDs: actor.AreaIDs, Pending: true, Limit: 200})
	if err != nil {
		return nil, err
	}
	for _, r := range rs {
		t, err := a.loadShareTarget(tx, r.PersonID, "")
		if err != nil || !a.canShare(tx, actor, t) {
			continue
		}
		lead, _ := a.CaseLead(tx, hub.Subject{Kind: hub.SubjectPerson, ID: r.PersonID})
		out = append(out, WorkItem{Kind: "share_request", Title: "Answer a request to share " + t.Info.Name + "'s record (" + r.RequesterName + ")",
			ObjectID: r.ID, SubjectID: r.PersonID, OwnerID: lead, AreaID: r.OwnerAreaID, Due: r.CreatedAt.Add(24 * time.Hour), Link: "/share-requests/" + r.ID})
	}
	if access.Can(actor, access.ShareApprove) {
		ss, err := tx.FindShares(store.ShareFilter{AreaIDs: actor.AreaIDs, Status: "pending", Limit: 200})
		if err != nil {
			return nil, err
		}
		for _, s := range ss {
			if s.SharedBy == actor.ID {
				continue
			}
			out = append(out, WorkItem{Kind: "share_approval", Title: "Approve or refuse a share made by " + s.SharedByName,
				ObjectID: s.ID, SubjectID: s.PersonID, AreaID: s.OwnerAreaID, Due: s.CreatedAt.Add(24 * time.Hour), Link: "/shares/" + s.ID})
		}
	}
	return out, nil
}

// sharedPersonIDs returns the children whose identity is shared with the
// actor now.
func (a *App) sharedPersonIDs(tx *store.Tx, actor *access.Actor) ([]string, error) {
	if actor.Machine || actor.ID == "" {
		return nil, nil
	}
	ss, err := tx.SharesReceived(actor.ID, actor.AgencyID, actor.AreaIDs, false, 500)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, s := range ss {
		if s.PersonID != "" && s.Has(hub.PartIdentity) && !slices.Contains(ids, s.PersonID) {
			ids = append(ids, s.PersonID)
		}
	}
	return ids, nil
}

// Discovery says that a record matching a search is held elsewhere, and
// whom to contact: the holding area and agency, and the lead practitioner
// of the child's case if there is one. PersonID lets the searcher request a
// share; it discloses nothing.
type Discovery struct {
	PersonID string
	Area     string
	Agency   string
	Contact  string
	// Line is the hub's consultation line.
	Line string
	// Requested is set when the searcher already has a request waiting.
	Requested bool
}

// maxDiscoveries bounds the records held elsewhere one search reports.
const maxDiscoveries = 5

// discover finds records matching a precise search (an identifier, or a
// date of birth) that the actor cannot see, and reports only that they
// exist and whom to contact. Restricted records are never reported. Each
// discovery is audited.
func (a *App) discover(ctx context.Context, tx *store.Tx, actor *access.Actor, f store.PersonFilter, res *SearchResult) error {
	if actor.Machine || !access.Can(actor, access.ShareRequest) && !access.Can(actor, access.ShareCreate) {
		return nil
	}
	f.Scope = store.PersonScope{AllAreas: true}
	f.Limit, f.Offset = maxDiscoveries+len(res.Persons), 0
	ps, _, err := tx.FindPersons(f)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, p := range res.Persons {
		seen[p.ID] = true
	}
	fc := a.flagConfig()
	line := strings.TrimSpace(fc.ContactPhone + " " + fc.ContactHours)
	for _, p := range ps {
		if seen[p.ID] || len(res.Elsewhere) >= maxDiscoveries {
			continue
		}
		if a.decide(tx, actor, access.PersonRead, access.PersonRecord(p)).Allow {
			continue
		}
		d := &Discovery{PersonID: p.ID, Line: line}
		if ar, err := tx.Area(p.AreaID); err == nil {
			d.Area = ar.Name
		}
		if ag, err := tx.Agency(p.OwnerAgencyID); err == nil {
			d.Agency = ag.Name
		}
		if lead, err := a.CaseLead(tx, hub.Subject{Kind: hub.SubjectPerson, ID: p.ID}); err == nil && lead != "" {
			if u, err := tx.User(lead); err == nil {
				d.Contact = u.DisplayName
				if ag, err := tx.Agency(u.AgencyID); err == nil {
					d.Contact += ", " + ag.Name
				}
			}
		}
		if rs, err := tx.FindShareRequests(store.ShareRequestFilter{RequesterID: actor.ID, PersonID: p.ID, Pending: true, Limit: 1}); err == nil {
			d.Requested = len(rs) > 0
		}
		res.Elsewhere = append(res.Elsewhere, d)
		e := event(ctx, actor, hub.ActDiscover, "person", p.ID)
		e.SubjectID, e.Detail = p.ID, "record held elsewhere reported; content withheld"
		if err := tx.AppendAudit(e); err != nil {
			return err
		}
	}
	return nil
}

// markShare notes on a read's audit event that it was made under a share,
// so that the share's audit trail (ShareAudit) lists it.
func markShare(e *hub.AuditEvent, d access.Decision) {
	if d.ViaShare != nil {
		e.Detail = strings.TrimSpace(e.Detail + " read under share " + d.ViaShare.ID)
	}
}

// HiddenName is what a recipient whose share does not name the child's
// identity sees in place of the child's name.
const HiddenName = "Child (identity not shared)"

// identityHidden reports whether actor, allowed d on p's casework, reads it
// without being allowed to read who p is: d came from a share of some parts
// of the record that does not include identity. Callers then show
// maskedPerson(p) and HiddenName. Only reads under a share cost a decision.
func (a *App) identityHidden(tx *store.Tx, actor *access.Actor, d access.Decision, p *hub.Person) bool {
	return d.ViaShare != nil && p != nil && !a.decide(tx, actor, access.PersonRead, access.PersonRecord(p)).Allow
}

// maskedPerson is p without anything that identifies them: the id, area
// and owner stay (the record's place), the name reads HiddenName, and
// dates of birth, identifiers, addresses, phones and aliases are dropped.
func maskedPerson(p *hub.Person) *hub.Person {
	return &hub.Person{ID: p.ID, AreaID: p.AreaID, OwnerAgencyID: p.OwnerAgencyID, Sensitivity: p.Sensitivity, FamilyName: HiddenName,
		Synthetic: p.Synthetic, Version: p.Version, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
}

// agencyNames returns every agency's name by id, for pages that name
// several agencies (empty if they cannot be read: names are a courtesy).
func agencyNames(tx *store.Tx) map[string]string {
	out := map[string]string{}
	if ags, err := tx.Agencies(); err == nil {
		for _, ag := range ags {
			out[ag.ID] = ag.Name
		}
	}
	return out
}

// ShareUserChoices lists the people a share of a child's record (personID)
// or of a case (caseID) may name: active users whose roles work on cases,
// other than the actor, who cannot already read the record in their own
// right (by their areas, or as the case team), by name. Naming anyone
// else would open nothing. The actor must be able to read the record.
func (a *App) ShareUserChoices(ctx context.Context, actor *access.Actor, personID, caseID string) ([]CaseWorker, error) {
	if err := require(actor, access.CaseRead); err != nil {
		return nil, err
	}
	var out []CaseWorker
	err := a.db.Read(ctx, func(tx *store.Tx) error {
		var rec *access.Record
		act := access.PersonRead
		if caseID != "" {
			c, err := tx.Case(caseID)
			if err != nil {
				return err
			}
			info, err := a.loadSubject(tx, c.Subject)
			if err != nil {
				return err
			}
			rec, act = caseRecord(c, info), access.CaseRead
		} else {
			p, err := tx.Person(personID)
			if err != nil {
				return err
			}
			rec = access.PersonRecord(p)
		}
		// The caller has just shown the record (an audited read); this
		// check only keeps the list from being asked for blind. decide also
		// fills a person record's case team, which the filter below needs.
		if !a.decide(tx, actor, act, rec).Allow {
			return hub.NotFound("record")
		}
		now := tx.Now()
		var err error
		out, err = caseWorkers(tx, func(u *hub.User, ua *access.Actor) bool {
			return u.ID != actor.ID && !access.Decide(ua, act, rec, now).Allow
		})
		return err
	})
	return out, err
}
