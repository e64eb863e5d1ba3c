package access

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/safehub/safehub/internal/hub"
)

// roleGrants is the documented function-level matrix (DESIGN.md, "Security
// model"), written out again here rather than read from grants, so that a
// change to the policy has to be made twice: once on purpose in access.go
// and once here.
var roleGrants = map[hub.Role][]Action{
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

const (
	area856 = "00000000-0000-4000-8000-000000000856"
	area855 = "00000000-0000-4000-8000-000000000855"
	userID  = "00000000-0000-4000-8000-0000000000a1"
	otherID = "00000000-0000-4000-8000-0000000000a2"
	recID   = "00000000-0000-4000-8000-0000000000b1"
	rec2ID  = "00000000-0000-4000-8000-0000000000b2"
)

var now = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)

func user(roles ...hub.Role) *Actor {
	return &Actor{ID: userID, Name: "u", AgencyID: "ag", Roles: roles, AreaIDs: []string{area856}}
}

func TestCanEveryRoleAndAction(t *testing.T) {
	if len(roleGrants) != len(hub.Roles) {
		t.Fatalf("test matrix covers %d roles, hub.Roles has %d", len(roleGrants), len(hub.Roles))
	}
	for _, r := range hub.Roles {
		want, ok := roleGrants[r]
		if !ok {
			t.Errorf("role %s has no row in the test matrix", r)
			continue
		}
		for _, act := range Actions {
			t.Run(fmt.Sprintf("%s/%s", r, act), func(t *testing.T) {
				a := user(r)
				if got, want := Can(a, act), slices.Contains(want, act); got != want {
					t.Errorf("Can(%s, %s) = %v, want %v", r, act, got, want)
				}
				// Decide with no record is the function-level answer.
				if got, want := Decide(a, act, nil, now).Allow, slices.Contains(want, act); got != want {
					t.Errorf("Decide(%s, %s, nil) = %v, want %v", r, act, got, want)
				}
			})
		}
	}
}

func TestCanNobodyLooksUpFlagsByRole(t *testing.T) {
	all := user(hub.Roles...)
	if Can(all, FlagLookup) {
		t.Error("Can(every role, flag.lookup) = true, want false: flag look-ups are for machine clients")
	}
}

func TestCanMultipleRolesUnion(t *testing.T) {
	a := user(hub.RoleAnalyst, hub.RoleAuditor)
	for _, act := range []Action{PersonRead, AuditRead, PersonAccessLog} {
		if !Can(a, act) {
			t.Errorf("Can(analyst+auditor, %s) = false, want true", act)
		}
	}
	if Can(a, PersonUpdate) {
		t.Error("Can(analyst+auditor, person.update) = true, want false")
	}
}

func TestCanNilAndEmpty(t *testing.T) {
	for _, act := range Actions {
		if Can(nil, act) {
			t.Errorf("Can(nil, %s) = true", act)
		}
		if Can(&Actor{ID: userID}, act) {
			t.Errorf("Can(no roles, %s) = true", act)
		}
		if Can(&Actor{ID: userID, Roles: []hub.Role{"superuser"}}, act) {
			t.Errorf("Can(unknown role, %s) = true", act)
		}
		if d := Decide(nil, act, &Record{Type: "person", ID: recID, AreaID: area856}, now); d.Allow {
			t.Errorf("Decide(nil, %s, record) allowed: %s", act, d.Reason)
		}
		if d := Decide(nil, act, nil, now); d.Allow {
			t.Errorf("Decide(nil, %s, nil) allowed: %s", act, d.Reason)
		}
	}
}

func TestCanTokens(t *testing.T) {
	tests := []struct {
		name  string
		actor *Actor
		allow []Action
	}{
		{
			name:  "personal token, practitioner, person:read",
			actor: &Actor{ID: userID, Roles: []hub.Role{hub.RolePractitioner}, Token: true, Scopes: []hub.Scope{hub.ScopePersonRead}},
			allow: []Action{PersonSearch, PersonRead, FlagRead},
		},
		{
			name:  "personal token, practitioner, person:read+write",
			actor: &Actor{ID: userID, Roles: []hub.Role{hub.RolePractitioner}, Token: true, Scopes: []hub.Scope{hub.ScopePersonRead, hub.ScopePersonWrite}},
			allow: []Action{PersonSearch, PersonRead, PersonCreate, PersonUpdate, FlagRead},
		},
		{
			// The intersection: the scope grants write, the role does not.
			name:  "personal token, analyst, person:read+write",
			actor: &Actor{ID: userID, Roles: []hub.Role{hub.RoleAnalyst}, Token: true, Scopes: []hub.Scope{hub.ScopePersonRead, hub.ScopePersonWrite}},
			allow: []Action{PersonSearch, PersonRead},
		},
		{
			// The access log comes with person:read for roles that have it.
			name:  "personal token, manager, person:read",
			actor: &Actor{ID: userID, Roles: []hub.Role{hub.RoleManager}, Token: true, Scopes: []hub.Scope{hub.ScopePersonRead}},
			allow: []Action{PersonSearch, PersonRead, PersonAccessLog, FlagRead, FlagDesk},
		},
		{
			name:  "personal token, auditor, every scope",
			actor: &Actor{ID: userID, Roles: []hub.Role{hub.RoleAuditor}, Token: true, Scopes: hub.Scopes},
			allow: []Action{PersonSearch, PersonRead, PersonAccessLog, CaseRead, FlagRead, ShareOversee},
		},
		{
			name:  "personal token, practitioner, case:read",
			actor: &Actor{ID: userID, Roles: []hub.Role{hub.RolePractitioner}, Token: true, Scopes: []hub.Scope{hub.ScopeCaseRead}},
			allow: []Action{CaseRead},
		},
		{
			name:  "personal token, practitioner, case:read+write",
			actor: &Actor{ID: userID, Roles: []hub.Role{hub.RolePractitioner}, Token: true, Scopes: []hub.Scope{hub.ScopeCaseRead, hub.ScopeCaseWrite}},
			allow: []Action{CaseRead, ReferralCreate, ReferralDecide, AssessContrib, CaseWrite, MissingRecord, ShareCreate, ShareRequest},
		},
		{
			// The team view comes with case:read for roles that have it.
			name:  "personal token, manager, case:read",
			actor: &Actor{ID: userID, Roles: []hub.Role{hub.RoleManager}, Token: true, Scopes: []hub.Scope{hub.ScopeCaseRead}},
			allow: []Action{CaseRead, TeamView, ShareOversee},
		},
		{
			// The intersection: education may refer and contribute, not read cases.
			name:  "personal token, education, case:read+write",
			actor: &Actor{ID: userID, Roles: []hub.Role{hub.RoleEducation}, Token: true, Scopes: []hub.Scope{hub.ScopeCaseRead, hub.ScopeCaseWrite}},
			allow: []Action{ReferralCreate, AssessContrib},
		},
		{
			// A child's health flags come with the person scopes, within
			// what the role grants (issue 5): the nurse reads and changes
			// flags, never persons.
			name:  "personal token, nurse, person:read+write",
			actor: &Actor{ID: userID, Roles: []hub.Role{hub.RoleNurse}, Token: true, Scopes: []hub.Scope{hub.ScopePersonRead, hub.ScopePersonWrite}},
			allow: []Action{PersonSearch, PersonRead, FlagRead, FlagWrite, FlagDesk},
		},
		{
			name:  "personal token, admin, every scope",
			actor: &Actor{ID: userID, Roles: []hub.Role{hub.RoleAdmin}, Token: true, Scopes: hub.Scopes},
			allow: nil,
		},
		{
			name:  "personal token, practitioner, flag:read only",
			actor: &Actor{ID: userID, Roles: []hub.Role{hub.RolePractitioner}, Token: true, Scopes: []hub.Scope{hub.ScopeFlagRead}},
			allow: nil,
		},
		{
			name:  "personal token, no scopes",
			actor: &Actor{ID: userID, Roles: []hub.Role{hub.RoleManager}, Token: true},
			allow: nil,
		},
		{
			name:  "machine client, flag:read",
			actor: &Actor{ID: "client", Machine: true, Token: true, Scopes: []hub.Scope{hub.ScopeFlagRead}},
			allow: []Action{FlagLookup},
		},
		{
			// No access log, though person:read carries it for people.
			name:  "machine client, person:read+write",
			actor: &Actor{ID: "client", Machine: true, Token: true, Scopes: []hub.Scope{hub.ScopePersonRead, hub.ScopePersonWrite}},
			allow: []Action{PersonSearch, PersonRead, PersonCreate, PersonUpdate},
		},
		{
			name:  "machine client, every scope",
			actor: &Actor{ID: "client", Machine: true, Token: true, Scopes: hub.Scopes},
			allow: []Action{PersonSearch, PersonRead, PersonCreate, PersonUpdate, FlagLookup},
		},
		{
			name:  "machine client, no scopes",
			actor: &Actor{ID: "client", Machine: true, Token: true},
			allow: nil,
		},
		{
			// A machine actor is bounded by its scopes even if a caller
			// forgets to mark it as a token.
			name:  "machine client without Token flag",
			actor: &Actor{ID: "client", Machine: true, Scopes: []hub.Scope{hub.ScopeFlagRead}},
			allow: []Action{FlagLookup},
		},
		{
			// Roles on a machine actor grant nothing beyond its scopes.
			name:  "machine client with roles",
			actor: &Actor{ID: "client", Machine: true, Token: true, Roles: []hub.Role{hub.RoleAdmin, hub.RoleManager}, Scopes: []hub.Scope{hub.ScopePersonRead}},
			allow: []Action{PersonSearch, PersonRead},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, act := range Actions {
				if got, want := Can(tt.actor, act), slices.Contains(tt.allow, act); got != want {
					t.Errorf("Can(%s) = %v, want %v", act, got, want)
				}
			}
		})
	}
}

func TestDecideRecord(t *testing.T) {
	inArea := &Record{Type: "person", ID: recID, AreaID: area856}
	outArea := &Record{Type: "person", ID: recID, AreaID: area855}
	restricted := &Record{Type: "person", ID: recID, AreaID: area856, Sensitivity: hub.SensitivityRestricted}
	restrictedOut := &Record{Type: "person", ID: recID, AreaID: area855, Sensitivity: hub.SensitivityRestricted}
	noArea := &Record{Type: "person", ID: recID}
	led := &Record{Type: "person", ID: recID, AreaID: area855, LeadID: userID}
	member := &Record{Type: "person", ID: recID, AreaID: area855, MemberIDs: []string{otherID, userID}}
	restrictedLed := &Record{Type: "person", ID: recID, AreaID: area856, Sensitivity: hub.SensitivityRestricted, LeadID: userID}
	restrictedMember := &Record{Type: "person", ID: recID, AreaID: area855, Sensitivity: hub.SensitivityRestricted, MemberIDs: []string{userID}}
	otherTeam := &Record{Type: "person", ID: recID, AreaID: area855, LeadID: otherID, MemberIDs: []string{otherID}}

	grant := func(uid, typ, id string, created, expires time.Time) *hub.BreakGlass {
		return &hub.BreakGlass{ID: "g", UserID: uid, ObjectType: typ, ObjectID: id, CreatedAt: created, ExpiresAt: expires}
	}
	withGlass := func(a *Actor, gs ...*hub.BreakGlass) *Actor { a.BreakGlass = gs; return a }
	active := grant(userID, "person", recID, now.Add(-time.Hour), now.Add(3*time.Hour))

	tests := []struct {
		name   string
		actor  *Actor
		act    Action
		rec    *Record
		allow  bool
		glass  bool
		reason string // a substring of the decision's reason
	}{
		// Area scope.
		{"practitioner reads in area", user(hub.RolePractitioner), PersonRead, inArea, true, false, "area"},
		{"practitioner updates in area", user(hub.RolePractitioner), PersonUpdate, inArea, true, false, "area"},
		{"practitioner reads out of area", user(hub.RolePractitioner), PersonRead, outArea, false, false, "outside"},
		{"practitioner updates out of area", user(hub.RolePractitioner), PersonUpdate, outArea, false, false, "outside"},
		{"manager reads out of area", user(hub.RoleManager), PersonRead, outArea, false, false, "outside"},
		{"auditor reads out of area", user(hub.RoleAuditor), PersonRead, outArea, false, false, "outside"},
		{"record without area", user(hub.RoleManager), PersonRead, noArea, false, false, "outside"},
		{"actor without areas", &Actor{ID: userID, Roles: []hub.Role{hub.RoleManager}}, PersonRead, inArea, false, false, "outside"},
		{"analyst updates in area (role lacks it)", user(hub.RoleAnalyst), PersonUpdate, inArea, false, false, "role"},
		{"admin reads in area (role lacks it)", user(hub.RoleAdmin), PersonRead, inArea, false, false, "role"},
		{"auditor updates in area (role lacks it)", user(hub.RoleAuditor), PersonUpdate, inArea, false, false, "role"},

		// Restricted records in the area.
		{"manager reads restricted in area", user(hub.RoleManager), PersonRead, restricted, true, false, "restricted"},
		{"auditor reads restricted in area", user(hub.RoleAuditor), PersonRead, restricted, true, false, "restricted"},
		{"manager updates restricted in area", user(hub.RoleManager), PersonUpdate, restricted, true, false, "restricted"},
		{"practitioner reads restricted in area", user(hub.RolePractitioner), PersonRead, restricted, false, false, "restricted"},
		{"police reads restricted in area", user(hub.RolePolice), PersonRead, restricted, false, false, "restricted"},
		{"analyst reads restricted in area", user(hub.RoleAnalyst), PersonRead, restricted, false, false, "restricted"},
		{"nurse reads restricted in area", user(hub.RoleNurse), PersonRead, restricted, false, false, "restricted"},
		{"education reads restricted in area", user(hub.RoleEducation), PersonRead, restricted, false, false, "restricted"},
		{"partner reads restricted in area", user(hub.RolePartner), PersonRead, restricted, false, false, "restricted"},
		{"manager reads restricted out of area", user(hub.RoleManager), PersonRead, restrictedOut, false, false, "outside"},
		{"auditor reads restricted out of area", user(hub.RoleAuditor), PersonRead, restrictedOut, false, false, "outside"},

		// The record's team.
		{"lead reads out of area", user(hub.RolePractitioner), PersonRead, led, true, false, "team"},
		{"lead updates out of area", user(hub.RolePractitioner), PersonUpdate, led, true, false, "team"},
		{"member reads out of area", user(hub.RolePractitioner), PersonRead, member, true, false, "team"},
		{"lead reads restricted", user(hub.RolePractitioner), PersonRead, restrictedLed, true, false, "team"},
		{"member reads restricted out of area", user(hub.RoleNurse), PersonRead, restrictedMember, true, false, "team"},
		{"other team's record", user(hub.RolePractitioner), PersonRead, otherTeam, false, false, "outside"},
		{"team member still needs the role", user(hub.RoleAnalyst), PersonUpdate, member, false, false, "role"},
		{"team member without id", &Actor{Roles: []hub.Role{hub.RolePractitioner}}, PersonRead, &Record{Type: "person", ID: recID, AreaID: area855, MemberIDs: []string{""}}, false, false, "outside"},

		// Break-glass.
		{"break-glass active", withGlass(user(hub.RolePractitioner), active), PersonRead, outArea, true, true, "break-glass"},
		{"break-glass active, restricted in area", withGlass(user(hub.RolePractitioner), active), PersonRead, restricted, true, true, "break-glass"},
		{"break-glass active, restricted out of area", withGlass(user(hub.RoleNurse), active), PersonRead, restrictedOut, true, true, "break-glass"},
		{"break-glass expired", withGlass(user(hub.RolePractitioner), grant(userID, "person", recID, now.Add(-5*time.Hour), now.Add(-time.Hour))), PersonRead, outArea, false, false, "outside"},
		{"break-glass expires exactly now", withGlass(user(hub.RolePractitioner), grant(userID, "person", recID, now.Add(-4*time.Hour), now)), PersonRead, outArea, false, false, "outside"},
		{"break-glass not yet started", withGlass(user(hub.RolePractitioner), grant(userID, "person", recID, now.Add(time.Minute), now.Add(time.Hour))), PersonRead, outArea, false, false, "outside"},
		{"break-glass for another record", withGlass(user(hub.RolePractitioner), grant(userID, "person", rec2ID, now.Add(-time.Hour), now.Add(time.Hour))), PersonRead, outArea, false, false, "outside"},
		{"break-glass for another record type", withGlass(user(hub.RolePractitioner), grant(userID, "case", recID, now.Add(-time.Hour), now.Add(time.Hour))), PersonRead, outArea, false, false, "outside"},
		{"break-glass of another user", withGlass(user(hub.RolePractitioner), grant(otherID, "person", recID, now.Add(-time.Hour), now.Add(time.Hour))), PersonRead, outArea, false, false, "outside"},
		{"break-glass does not allow updates", withGlass(user(hub.RolePractitioner), active), PersonUpdate, outArea, false, false, "outside"},
		{"break-glass does not allow updates of restricted", withGlass(user(hub.RolePractitioner), active), PersonUpdate, restricted, false, false, "restricted"},
		{"break-glass does not allow the access log", withGlass(user(hub.RoleManager), active), PersonAccessLog, outArea, false, false, "outside"},
		{"break-glass does not grant a missing role", withGlass(user(hub.RoleAdmin), active), PersonRead, outArea, false, false, "role"},

		// Tokens.
		{"personal token reads in area", &Actor{ID: userID, Roles: []hub.Role{hub.RolePractitioner}, AreaIDs: []string{area856}, Token: true, Scopes: []hub.Scope{hub.ScopePersonRead}}, PersonRead, inArea, true, false, "area"},
		{"personal token without write scope updates", &Actor{ID: userID, Roles: []hub.Role{hub.RolePractitioner}, AreaIDs: []string{area856}, Token: true, Scopes: []hub.Scope{hub.ScopePersonRead}}, PersonUpdate, inArea, false, false, "role"},
		{"personal token reads out of area", &Actor{ID: userID, Roles: []hub.Role{hub.RolePractitioner}, AreaIDs: []string{area856}, Token: true, Scopes: []hub.Scope{hub.ScopePersonRead}}, PersonRead, outArea, false, false, "outside"},
		{"machine client reads (no areas)", &Actor{ID: "client", Machine: true, Token: true, Scopes: []hub.Scope{hub.ScopePersonRead}}, PersonRead, inArea, false, false, "outside"},
		{"machine client without scope", &Actor{ID: "client", Machine: true, Token: true, AreaIDs: []string{area856}, Scopes: []hub.Scope{hub.ScopeFlagRead}}, PersonRead, inArea, false, false, "role"},

		// The lead practitioner's access log.
		{"lead sees access log", user(hub.RolePractitioner), PersonAccessLog, led, true, false, "lead"},
		{"lead with any role sees access log", user(hub.RolePartner), PersonAccessLog, restrictedLed, true, false, "lead"},
		{"member does not see access log", user(hub.RolePractitioner), PersonAccessLog, member, false, false, "role"},
		{"practitioner in area does not see access log", user(hub.RolePractitioner), PersonAccessLog, inArea, false, false, "role"},
		{"manager sees access log in area", user(hub.RoleManager), PersonAccessLog, inArea, true, false, "area"},
		{"auditor sees access log in area", user(hub.RoleAuditor), PersonAccessLog, inArea, true, false, "area"},
		{"auditor sees restricted access log in area", user(hub.RoleAuditor), PersonAccessLog, restricted, true, false, "restricted"},
		{"auditor does not see access log out of area", user(hub.RoleAuditor), PersonAccessLog, outArea, false, false, "outside"},
		{"manager's personal token sees access log in area", &Actor{ID: userID, Roles: []hub.Role{hub.RoleManager}, AreaIDs: []string{area856}, Token: true, Scopes: []hub.Scope{hub.ScopePersonRead}}, PersonAccessLog, inArea, true, false, "area"},
		{"machine client does not see access log", &Actor{ID: "client", Machine: true, Token: true, AreaIDs: []string{area856}, Scopes: hub.Scopes}, PersonAccessLog, inArea, false, false, "role"},
		{"lead's personal token does not see access log", &Actor{ID: userID, Roles: []hub.Role{hub.RolePractitioner}, Token: true, Scopes: hub.Scopes}, PersonAccessLog, led, false, false, "role"},
		{"empty lead id does not match an actor without id", &Actor{Roles: []hub.Role{hub.RolePractitioner}}, PersonAccessLog, &Record{Type: "person", ID: recID}, false, false, "role"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Decide(tt.actor, tt.act, tt.rec, now)
			if d.Allow != tt.allow || d.ViaBreakGlass != tt.glass {
				t.Errorf("Decide(%s) = {Allow: %v, ViaBreakGlass: %v, Reason: %q}, want {Allow: %v, ViaBreakGlass: %v}", tt.act, d.Allow, d.ViaBreakGlass, d.Reason, tt.allow, tt.glass)
			}
			if d.Reason == "" || !strings.Contains(d.Reason, tt.reason) {
				t.Errorf("Decide(%s).Reason = %q, want it to mention %q", tt.act, d.Reason, tt.reason)
			}
		})
	}
}

// TestDecideEveryRoleInArea checks the record-level answer for every role
// and action against the function-level matrix: a normal record in the
// actor's area adds no restriction beyond the role.
func TestDecideEveryRoleInArea(t *testing.T) {
	rec := &Record{Type: "person", ID: recID, AreaID: area856}
	out := &Record{Type: "person", ID: recID, AreaID: area855}
	for _, r := range hub.Roles {
		for _, act := range Actions {
			a := user(r)
			want := slices.Contains(roleGrants[r], act)
			if got := Decide(a, act, rec, now).Allow; got != want {
				t.Errorf("Decide(%s, %s, in area) = %v, want %v", r, act, got, want)
			}
			if got := Decide(a, act, out, now).Allow; got {
				t.Errorf("Decide(%s, %s, out of area) = true, want false", r, act)
			}
		}
	}
}

func TestMayBreakGlass(t *testing.T) {
	outArea := &Record{Type: "person", ID: recID, AreaID: area855}
	inArea := &Record{Type: "person", ID: recID, AreaID: area856}
	restricted := &Record{Type: "person", ID: recID, AreaID: area856, Sensitivity: hub.SensitivityRestricted}
	breakers := []hub.Role{hub.RolePractitioner, hub.RolePolice, hub.RoleNurse, hub.RoleManager}
	for _, r := range hub.Roles {
		want := slices.Contains(breakers, r)
		if got := MayBreakGlass(user(r), outArea, now); got != want {
			t.Errorf("MayBreakGlass(%s, out of area) = %v, want %v", r, got, want)
		}
		// A record the actor can already read needs no break-glass.
		if MayBreakGlass(user(r), inArea, now) {
			t.Errorf("MayBreakGlass(%s, in area) = true, want false", r)
		}
	}
	if !MayBreakGlass(user(hub.RolePractitioner), restricted, now) {
		t.Error("MayBreakGlass(practitioner, restricted in area) = false, want true")
	}
	if MayBreakGlass(user(hub.RoleManager), restricted, now) {
		t.Error("MayBreakGlass(manager, restricted in area) = true, want false (already readable)")
	}
	tok := &Actor{ID: userID, Roles: []hub.Role{hub.RolePractitioner}, Token: true, Scopes: hub.Scopes}
	if MayBreakGlass(tok, outArea, now) {
		t.Error("MayBreakGlass(personal token) = true, want false")
	}
	machine := &Actor{ID: "client", Machine: true, Token: true, Scopes: hub.Scopes}
	if MayBreakGlass(machine, outArea, now) {
		t.Error("MayBreakGlass(machine client) = true, want false")
	}
	if MayBreakGlass(nil, outArea, now) {
		t.Error("MayBreakGlass(nil) = true, want false")
	}
	// A live grant already allows reading, so another is not offered.
	a := user(hub.RolePractitioner)
	a.BreakGlass = []*hub.BreakGlass{{UserID: userID, ObjectType: "person", ObjectID: recID, CreatedAt: now.Add(-time.Minute), ExpiresAt: now.Add(time.Hour)}}
	if MayBreakGlass(a, outArea, now) {
		t.Error("MayBreakGlass(with an active grant) = true, want false")
	}
}

func TestSeesRestricted(t *testing.T) {
	for _, r := range hub.Roles {
		want := r == hub.RoleManager || r == hub.RoleAuditor
		if got := SeesRestricted(user(r)); got != want {
			t.Errorf("SeesRestricted(%s) = %v, want %v", r, got, want)
		}
	}
	if !SeesRestricted(user(hub.RolePartner, hub.RoleAuditor)) {
		t.Error("SeesRestricted(partner+auditor) = false, want true")
	}
	if SeesRestricted(nil) {
		t.Error("SeesRestricted(nil) = true, want false")
	}
	if SeesRestricted(&Actor{ID: "client", Machine: true, Token: true, Scopes: hub.Scopes}) {
		t.Error("SeesRestricted(machine client) = true, want false")
	}
}

func TestActorHelpers(t *testing.T) {
	a := user(hub.RoleNurse, hub.RolePartner)
	if !a.HasRole(hub.RolePartner) || a.HasRole(hub.RoleAdmin) {
		t.Errorf("HasRole wrong for %v", a.Roles)
	}
	if a.Role() != string(hub.RoleNurse) {
		t.Errorf("Role() = %q, want %q", a.Role(), hub.RoleNurse)
	}
	if got := (&Actor{}).Role(); got != "" {
		t.Errorf("Role() of no roles = %q, want empty", got)
	}
	if got := (&Actor{Machine: true, Roles: []hub.Role{hub.RoleAdmin}}).Role(); got != "machine" {
		t.Errorf("Role() of machine = %q, want machine", got)
	}
	if !a.InArea(area856) || a.InArea(area855) || a.InArea("") {
		t.Errorf("InArea wrong for %v", a.AreaIDs)
	}
}

func TestPersonRecord(t *testing.T) {
	p := &hub.Person{ID: recID, AreaID: area856, OwnerAgencyID: "ag", Sensitivity: hub.SensitivityRestricted}
	r := PersonRecord(p)
	if r.Type != "person" || r.ID != recID || r.AreaID != area856 || r.OwnerAgencyID != "ag" || r.Sensitivity != hub.SensitivityRestricted {
		t.Errorf("PersonRecord(%+v) = %+v", p, r)
	}
}

// TestDecideShares checks what a share opens: the parts it names, for the
// recipients it names, until it expires or is revoked; reading only; and
// for a share made from a case, that case's case-bound parts only.
func TestDecideShares(t *testing.T) {
	const caseA, caseB = "00000000-0000-4000-8000-0000000000c1", "00000000-0000-4000-8000-0000000000c2"
	person := &Record{Type: "person", ID: recID, AreaID: area855, PersonID: recID}
	share := func(mod func(s *hub.Share)) *hub.Share {
		s := &hub.Share{ID: "s1", PersonID: recID, RecipientKind: hub.RecipientArea, RecipientIDs: []string{area856},
			Parts: []hub.SharePart{hub.PartIdentity, hub.PartMissing, hub.PartCase}, Status: hub.ShareActive, ExpiresAt: now.Add(time.Hour)}
		if mod != nil {
			mod(s)
		}
		return s
	}
	withShares := func(a *Actor, ss ...*hub.Share) *Actor { a.Shares = ss; return a }
	caseRec := func(id string, part hub.SharePart) *Record {
		return &Record{Type: "case", ID: id, AreaID: area855, PersonID: recID, CaseID: id, Part: part}
	}
	tests := []struct {
		name  string
		actor *Actor
		act   Action
		rec   *Record
		allow bool
	}{
		{"no share: out of area", user(hub.RolePractitioner), PersonRead, person, false},
		{"identity shared with the actor's area", withShares(user(hub.RolePractitioner), share(nil)), PersonRead, person, true},
		{"missing part shared", withShares(user(hub.RolePractitioner), share(nil)), CaseRead, person.PartOf(hub.PartMissing), true},
		{"notes not shared", withShares(user(hub.RolePractitioner), share(nil)), CaseRead, person.PartOf(hub.PartNotes), false},
		{"case read with no part named", withShares(user(hub.RolePractitioner), share(nil)), CaseRead, person, false},
		{"shares never open changes", withShares(user(hub.RolePractitioner), share(nil)), PersonUpdate, person, false},
		{"shares never open case writes", withShares(user(hub.RolePractitioner), share(nil)), CaseWrite, person.PartOf(hub.PartMissing), false},
		{"role must still grant the action", withShares(user(hub.RolePartner), share(nil)), CaseRead, person.PartOf(hub.PartMissing), false},
		{"expired", withShares(user(hub.RolePractitioner), share(func(s *hub.Share) { s.ExpiresAt = now })), PersonRead, person, false},
		{"revoked", withShares(user(hub.RolePractitioner), share(func(s *hub.Share) { s.Status = hub.ShareRevoked })), PersonRead, person, false},
		{"pending approval", withShares(user(hub.RolePractitioner), share(func(s *hub.Share) { s.Status = hub.SharePending })), PersonRead, person, false},
		{"another area's share", withShares(user(hub.RolePractitioner), share(func(s *hub.Share) { s.RecipientIDs = []string{area855} })), PersonRead, person, false},
		{"another child's share", withShares(user(hub.RolePractitioner), share(func(s *hub.Share) { s.PersonID = rec2ID })), PersonRead, person, false},
		{"shared with the actor's agency", withShares(user(hub.RolePractitioner), share(func(s *hub.Share) {
			s.RecipientKind, s.RecipientIDs = hub.RecipientAgency, []string{"ag"}
		})), PersonRead, person, true},
		{"shared with the actor by name", withShares(user(hub.RolePractitioner), share(func(s *hub.Share) {
			s.RecipientKind, s.RecipientIDs = hub.RecipientUsers, []string{userID}
		})), PersonRead, person, true},
		{"shared with someone else by name", withShares(user(hub.RolePractitioner), share(func(s *hub.Share) {
			s.RecipientKind, s.RecipientIDs = hub.RecipientUsers, []string{otherID}
		})), PersonRead, person, false},
		{"person share opens every case's summary", withShares(user(hub.RolePractitioner), share(nil)), CaseRead, caseRec(caseB, hub.PartCase), true},
		{"case share opens its own case", withShares(user(hub.RolePractitioner), share(func(s *hub.Share) { s.CaseID = caseA })), CaseRead, caseRec(caseA, hub.PartCase), true},
		{"case share does not open another case", withShares(user(hub.RolePractitioner), share(func(s *hub.Share) { s.CaseID = caseA })), CaseRead, caseRec(caseB, hub.PartCase), false},
		{"case share opens the child's missing history", withShares(user(hub.RolePractitioner), share(func(s *hub.Share) { s.CaseID = caseA })), CaseRead, person.PartOf(hub.PartMissing), true},
		{"machine clients hold no shares", withShares(&Actor{ID: "c", Machine: true, Token: true, AreaIDs: []string{area856}, Scopes: hub.Scopes}, share(nil)), PersonRead, person, false},
		{"restricted record opened by a share", withShares(user(hub.RolePractitioner), share(nil)), PersonRead, &Record{Type: "person", ID: recID, AreaID: area855, PersonID: recID, Sensitivity: hub.SensitivityRestricted}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Decide(tt.actor, tt.act, tt.rec, now)
			if d.Allow != tt.allow {
				t.Fatalf("Decide = %+v, want Allow %v", d, tt.allow)
			}
			if d.Allow && d.ViaShare == nil {
				t.Errorf("allowed without naming the share: %+v", d)
			}
		})
	}
}
