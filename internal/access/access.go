// Package access is Safehub's one authorisation policy: may this actor
// perform this action on this record? It decides from the actor's roles,
// agency and areas, the record's area and sensitivity, the actor's place on
// the record's team, and break-glass grants. Everything not granted is
// denied.
//
// It is pure: values in, a decision out. The app package loads what the
// decision needs, asks, and audits the answer.
package access

import (
	"slices"
	"time"

	"github.com/safehub/safehub/internal/hub"
)

// Action is something an actor may do. Function-level actions (Can) gate
// routes; record-level decisions (Decide) add the record's scope.
type Action string

// Actions.
const (
	Home            Action = "home"              // the signed-in home page
	Account         Action = "account"           // one's own account: password, MFA, sessions
	PersonSearch    Action = "person.search"     // search persons
	PersonRead      Action = "person.read"       // read a person's record
	PersonCreate    Action = "person.create"     // create a person
	PersonUpdate    Action = "person.update"     // change a person's record
	PersonAccessLog Action = "person.access_log" // see who looked at a person's record
	BreakGlass      Action = "break_glass"       // open a record outside one's scope, with a reason
	UserAdmin       Action = "user.admin"        // manage users, agencies and areas
	ClientAdmin     Action = "client.admin"      // manage machine clients
	AuditRead       Action = "audit.read"        // read the audit log and break-glass list
	FlagLookup      Action = "flag.lookup"       // FHIR flag look-up (machine clients)
	Notifications   Action = "notifications"     // one's own in-app notifications

	// Health flags (issue 5).
	FlagRead  Action = "flag.read"  // see a child's health flags and their history
	FlagWrite Action = "flag.write" // set, review, change and end flags
	FlagDesk  Action = "flag.desk"  // the nurse's desk: flags due for review, recent look-ups

	// Casework (issue 4).
	ReferralCreate Action = "referral.create"       // record a referral
	ReferralDecide Action = "referral.decide"       // decide on a referral
	AssessContrib  Action = "assessment.contribute" // add an agency's contribution to a risk assessment
	CaseRead       Action = "case.read"             // read cases, plans, meetings, chronology, missing episodes, NRM
	CaseWrite      Action = "case.write"            // open and work cases, plans, meetings, notes
	MissingRecord  Action = "missing.record"        // record missing reports, returns and return home interviews
	TeamView       Action = "team.view"             // the manager's team view: allocation, overdue counts, reassignment

	// Cross-border sharing (issue 6). Reading what is shared needs no
	// action of its own: a share widens PersonRead and CaseRead.
	ShareCreate  Action = "share.create"  // share parts of a child's record one can see; answer requests
	ShareRequest Action = "share.request" // ask another area for a share
	ShareApprove Action = "share.approve" // approve shares that need approval
	ShareOversee Action = "share.oversee" // the list of active shares, expiring shares, reads of shared data
)

// Actions lists every action, for tests and documentation.
var Actions = []Action{Home, Account, PersonSearch, PersonRead, PersonCreate, PersonUpdate, PersonAccessLog, BreakGlass, UserAdmin, ClientAdmin, AuditRead, FlagLookup,
	Notifications, FlagRead, FlagWrite, FlagDesk, ReferralCreate, ReferralDecide, AssessContrib, CaseRead, CaseWrite, MissingRecord, TeamView,
	ShareCreate, ShareRequest, ShareApprove, ShareOversee}

// grants says which actions each role holds. Administrators manage accounts
// but see no case content; auditors see the audit log and who looked at a
// record, and may find the record to answer that question.
var grants = map[hub.Role][]Action{
	hub.RolePractitioner: {Home, Account, Notifications, PersonSearch, PersonRead, PersonCreate, PersonUpdate, BreakGlass,
		FlagRead, ReferralCreate, ReferralDecide, AssessContrib, CaseRead, CaseWrite, MissingRecord, ShareCreate, ShareRequest},
	hub.RolePolice: {Home, Account, Notifications, PersonSearch, PersonRead, PersonCreate, PersonUpdate, BreakGlass,
		FlagRead, ReferralCreate, ReferralDecide, AssessContrib, CaseRead, CaseWrite, MissingRecord, ShareCreate, ShareRequest},
	hub.RoleAnalyst: {Home, Account, Notifications, PersonSearch, PersonRead, CaseRead},
	hub.RoleNurse: {Home, Account, Notifications, PersonSearch, PersonRead, BreakGlass,
		FlagRead, FlagWrite, FlagDesk, ReferralCreate, AssessContrib, CaseRead, ShareRequest},
	hub.RoleEducation: {Home, Account, Notifications, PersonSearch, PersonRead, ReferralCreate, AssessContrib},
	hub.RoleManager: {Home, Account, Notifications, PersonSearch, PersonRead, PersonCreate, PersonUpdate, PersonAccessLog, BreakGlass,
		FlagRead, FlagWrite, FlagDesk, ReferralCreate, ReferralDecide, AssessContrib, CaseRead, CaseWrite, MissingRecord, TeamView,
		ShareCreate, ShareRequest, ShareApprove, ShareOversee},
	hub.RoleAdmin:   {Home, Account, Notifications, UserAdmin, ClientAdmin},
	hub.RoleAuditor: {Home, Account, Notifications, PersonSearch, PersonRead, PersonAccessLog, AuditRead, FlagRead, CaseRead, ShareOversee},
	hub.RolePartner: {Home, Account, Notifications, PersonSearch, PersonRead},
}

// scopeGrants says which actions each API scope allows. A personal token
// holds the intersection of its user's roles and its scopes.
var scopeGrants = map[hub.Scope][]Action{
	hub.ScopeFlagRead:    {FlagLookup},
	hub.ScopePersonRead:  {PersonSearch, PersonRead, PersonAccessLog, FlagRead, FlagDesk}, // the access log still needs a role that grants it (auditor, manager)
	hub.ScopePersonWrite: {PersonCreate, PersonUpdate, FlagWrite},                         // a child's health flags are part of their record (issue 5)
	// Casework (issue 4): the team view is reading; reassigning through it
	// also needs case.write, which the use case checks.
	hub.ScopeCaseRead:  {CaseRead, TeamView, ShareOversee},
	hub.ScopeCaseWrite: {ReferralCreate, ReferralDecide, AssessContrib, CaseWrite, MissingRecord, ShareCreate, ShareRequest, ShareApprove},
}

// machineActions bound what a machine client may do whatever its scopes:
// it acts for no person, so it has no access log, administration or
// break-glass of its own.
var machineActions = []Action{PersonSearch, PersonRead, PersonCreate, PersonUpdate, FlagLookup}

// restrictedReaders may read restricted records in their areas without
// being on the record's team.
var restrictedReaders = []hub.Role{hub.RoleManager, hub.RoleAuditor}

// Actor is who is asking: a signed-in user, a personal token acting for a
// user, or a machine client.
type Actor struct {
	ID         string
	Name       string
	AgencyID   string
	AgencyKind hub.AgencyKind
	Roles      []hub.Role
	AreaIDs    []string
	// Machine is set for machine clients (no user); Scopes then bound what
	// they may do. For personal tokens Scopes is set and Machine is not.
	Machine bool
	Scopes  []hub.Scope
	// Token is set when the request came with a bearer token (personal or
	// machine): Scopes then apply.
	Token bool
	// BreakGlass holds the actor's active grants for the record in question.
	BreakGlass []*hub.BreakGlass
	// Shares holds the shares naming the actor (their user, agency or
	// areas) that concern the record in question (issue 6).
	Shares []*hub.Share
}

// HasRole reports whether the actor holds role r.
func (a *Actor) HasRole(r hub.Role) bool { return slices.Contains(a.Roles, r) }

// Role returns the actor's first role, for audit records.
func (a *Actor) Role() string {
	if a.Machine {
		return "machine"
	}
	if len(a.Roles) == 0 {
		return ""
	}
	return string(a.Roles[0])
}

// InArea reports whether the actor works in area id.
func (a *Actor) InArea(id string) bool { return slices.Contains(a.AreaIDs, id) }

// Can reports whether the actor's roles (and, for tokens, scopes) grant
// action act at all, whatever the record. Routes check it first.
func Can(a *Actor, act Action) bool {
	if a == nil {
		return false
	}
	byRole := false
	for _, r := range a.Roles {
		if slices.Contains(grants[r], act) {
			byRole = true
			break
		}
	}
	if a.Machine {
		// Machine clients have no roles; their scopes decide, within what
		// any machine may do.
		byRole = slices.Contains(machineActions, act)
	}
	if !byRole {
		return false
	}
	if !a.Token && !a.Machine {
		return true
	}
	for _, s := range a.Scopes {
		if slices.Contains(scopeGrants[s], act) {
			return true
		}
	}
	return false
}

// Record is what the decision needs to know about the record acted on.
type Record struct {
	Type          string
	ID            string
	AreaID        string
	OwnerAgencyID string
	Sensitivity   hub.Sensitivity
	// LeadID and MemberIDs are the record's lead practitioner and team.
	LeadID    string
	MemberIDs []string
	// Part is the part of a child's record acted on, for shares (issue 6):
	// a share opens only the parts it names. Reading a person with no part
	// set reads their identity; any other action with no part set is
	// never opened by a share.
	Part hub.SharePart
	// PersonID is the child the record belongs to and CaseID the case, if
	// any: a share names one child, or one case.
	PersonID string
	CaseID   string
}

// PersonRecord describes a person for a decision.
func PersonRecord(p *hub.Person) *Record {
	return &Record{Type: "person", ID: p.ID, AreaID: p.AreaID, OwnerAgencyID: p.OwnerAgencyID, Sensitivity: p.Sensitivity, PersonID: p.ID}
}

// PartOf returns a copy of r concerning part p of the child's record.
func (r *Record) PartOf(p hub.SharePart) *Record {
	cp := *r
	cp.Part = p
	return &cp
}

// Decision is the policy's answer.
type Decision struct {
	Allow bool
	// ViaBreakGlass is set when only a break-glass grant allowed it.
	ViaBreakGlass bool
	// ViaShare is the share that allowed it, when only a share did.
	ViaShare *hub.Share
	// Reason says why, for the audit log (never shown to the actor when
	// denied: a denied read answers "not found").
	Reason string
}

// Decide says whether actor a may perform act on record r at time now.
// The record's lead practitioner may always see its access log. Otherwise
// access needs the action (Can), and the record in scope: in one of the
// actor's areas, or the actor on its team, or an active break-glass grant.
// Restricted records additionally need a restricted-reader role in the
// area, team membership, or break-glass.
func Decide(a *Actor, act Action, r *Record, now time.Time) Decision {
	// The lead practitioner sees who looked at their child's record whatever
	// their role.
	if act == PersonAccessLog && r != nil && a != nil && !a.Token && a.ID != "" && r.LeadID == a.ID {
		return Decision{Allow: true, Reason: "lead practitioner"}
	}
	if !Can(a, act) {
		return Decision{Reason: "role does not grant " + string(act)}
	}
	if r == nil {
		return Decision{Allow: true, Reason: "function-level action"}
	}
	onTeam := a.ID != "" && (r.LeadID == a.ID || slices.Contains(r.MemberIDs, a.ID))
	inArea := r.AreaID != "" && a.InArea(r.AreaID)
	glass := false
	for _, g := range a.BreakGlass {
		if g.UserID == a.ID && g.ObjectType == r.Type && g.ObjectID == r.ID && g.Active(now) {
			glass = true
			break
		}
	}
	// Break-glass widens reading only; changes still need normal scope.
	if glass && act != PersonRead {
		glass = false
	}
	switch {
	case onTeam:
		return Decision{Allow: true, Reason: "on the record's team"}
	case inArea && r.Sensitivity != hub.SensitivityRestricted:
		return Decision{Allow: true, Reason: "record in actor's area"}
	case inArea && hasAny(a.Roles, restrictedReaders):
		return Decision{Allow: true, Reason: "restricted record in area; role may read restricted records"}
	case glass:
		return Decision{Allow: true, ViaBreakGlass: true, Reason: "break-glass grant"}
	}
	if s := shareFor(a, act, r, now); s != nil {
		return Decision{Allow: true, ViaShare: s, Reason: "shared under share " + s.ID}
	}
	if inArea {
		return Decision{Reason: "restricted record; actor not on its team"}
	}
	return Decision{Reason: "record outside actor's areas"}
}

// Shareable reports whether a share can ever open act: shares open
// reading, never changing (recipients' contributions are their own
// records).
func Shareable(act Action) bool { return act == PersonRead || act == CaseRead }

// shareFor returns the actor's share that opens act on r at now, or nil.
// Machine clients hold no shares (personal tokens act for their user,
// within their scopes).
func shareFor(a *Actor, act Action, r *Record, now time.Time) *hub.Share {
	if a.Machine || !Shareable(act) {
		return nil
	}
	part := r.Part
	if part == "" && act == PersonRead {
		part = hub.PartIdentity
	}
	if part == "" {
		return nil
	}
	caseID := r.CaseID
	if r.Type == "case" && caseID == "" {
		caseID = r.ID
	}
	for _, s := range a.Shares {
		if s.Names(a.ID, a.AgencyID, a.AreaIDs) && s.Opens(part, r.PersonID, caseID, now) {
			return s
		}
	}
	return nil
}

// MayBreakGlass reports whether a may open record r by breaking glass: the
// role must allow break-glass and reading, and the record must be one the
// actor cannot already read.
func MayBreakGlass(a *Actor, r *Record, now time.Time) bool {
	if a == nil || a.Token || !Can(a, BreakGlass) || !Can(a, PersonRead) {
		return false
	}
	return !Decide(a, PersonRead, r, now).Allow
}

// SeesRestricted reports whether a may see restricted records in its areas
// without being on their team (used to scope searches).
func SeesRestricted(a *Actor) bool { return a != nil && hasAny(a.Roles, restrictedReaders) }

func hasAny(have, want []hub.Role) bool {
	for _, r := range have {
		if slices.Contains(want, r) {
			return true
		}
	}
	return false
}
