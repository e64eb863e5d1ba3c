package server_test

import (
	"context"
	"maps"
	"testing"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/httpx"
	"github.com/safehub/safehub/internal/hub"
)

// The web routes of cross-border sharing (issue 6) in the access matrix.
// The fixture is a child in 856 shared by the practitioner with Rutland
// (857), and a request from a Rutland practitioner for the matrix child.
// Every matrix principal works in 856, so none is a recipient: the share's
// page opens to its owner side (those who may share the record in their
// own right) and to overseers of 856, and answers 404 to everyone else.
// The empty forms the matrix sends are refused (400) by those who get past
// the guard, so nothing changes: the approve button meets an active share,
// which is not waiting for approval.

var (
	shareReaders    = roles(hub.RolePractitioner, hub.RolePolice, hub.RoleAnalyst, hub.RoleNurse, hub.RoleEducation, hub.RoleManager, hub.RoleAuditor, hub.RolePartner)
	sharers         = roles(hub.RolePractitioner, hub.RolePolice, hub.RoleManager)
	shareRequesters = roles(hub.RolePractitioner, hub.RolePolice, hub.RoleNurse, hub.RoleManager)
	shareOverseers  = roles(hub.RoleManager, hub.RoleAuditor)
	shareApprovers  = roles(hub.RoleManager)
	// shareContributors hold assessment.contribute.
	shareContributors = roles(hub.RolePractitioner, hub.RolePolice, hub.RoleNurse, hub.RoleEducation, hub.RoleManager)
)

// shareSide are the principals on the owner side of the fixture share, or
// overseeing it: its page opens to them.
var shareSide = map[string]codes{string(hub.RolePractitioner): {200}, string(hub.RolePolice): {200}, string(hub.RoleManager): {200}, string(hub.RoleAuditor): {200}}

var shareMatrix = map[string]expect{
	"GET /shares":                 {auth: httpx.Session, action: access.PersonRead, allow: shareReaders, ok: codes{200}},
	"GET /persons/{id}/share/new": {auth: httpx.Session, action: access.ShareCreate, allow: sharers, ok: codes{200}},
	"POST /persons/{id}/shares":   {auth: httpx.Session, action: access.ShareCreate, allow: sharers, ok: codes{400}},
	"GET /cases/{id}/share/new":   {auth: httpx.Session, action: access.ShareCreate, allow: sharers, ok: codes{200}},
	"POST /cases/{id}/shares":     {auth: httpx.Session, action: access.ShareCreate, allow: sharers, ok: codes{400}},
	"GET /shares/{id}":            {auth: httpx.Session, action: access.PersonRead, allow: shareReaders, ok: codes{404}, okFor: shareSide},
	"GET /shares/{id}/audit":      {auth: httpx.Session, action: access.ShareOversee, allow: shareOverseers, ok: codes{200}},
	"POST /shares/{id}/revoke":    {auth: httpx.Session, action: access.ShareCreate, allow: sharers, ok: codes{400}},
	"POST /shares/{id}/approve":   {auth: httpx.Session, action: access.ShareApprove, allow: shareApprovers, ok: codes{400}},
	"POST /shares/{id}/refuse":    {auth: httpx.Session, action: access.ShareApprove, allow: shareApprovers, ok: codes{400}},
	// Contributing is adding an agency's view (as to a risk assessment).
	// The empty contribution is refused on the share's page, which only
	// its parties see.
	"POST /shares/{id}/contributions": {auth: httpx.Session, action: access.AssessContrib, allow: shareContributors, ok: codes{404},
		okFor: map[string]codes{string(hub.RolePractitioner): {400}, string(hub.RolePolice): {400}, string(hub.RoleManager): {400}}},
	// Without the record found by a search, there is nothing to ask for.
	"GET /share-requests/new":          {auth: httpx.Session, action: access.ShareRequest, allow: shareRequesters, ok: codes{400}},
	"POST /share-requests":             {auth: httpx.Session, action: access.ShareRequest, allow: shareRequesters, ok: codes{400}},
	"GET /share-requests/{id}":         {auth: httpx.Session, action: access.ShareRequest, allow: shareRequesters, ok: codes{200}, okFor: map[string]codes{string(hub.RoleNurse): {404}}},
	"POST /share-requests/{id}/grant":  {auth: httpx.Session, action: access.ShareCreate, allow: sharers, ok: codes{400}},
	"POST /share-requests/{id}/refuse": {auth: httpx.Session, action: access.ShareCreate, allow: sharers, ok: codes{400}},
}

func init() {
	maps.Copy(matrix, shareMatrix)
	fixtureSetups = append(fixtureSetups, func(t *testing.T, h *harness, fx *fixture) {
		ctx := context.Background()
		prac := h.RoleActor(hub.RolePractitioner)
		child := h.NewPerson(t, "856", app.PersonInput{GivenName: "Shared", FamilyName: "Matrix", DateOfBirth: "2012-09-10"})
		s, err := h.App.CreateShare(ctx, prac, app.ShareInput{PersonID: child.ID, RecipientKind: "area", RecipientIDs: []string{h.Areas["857"].ID},
			Parts: []string{"identity", "missing"}, Purpose: "missing_located", Basis: "safeguarding", Necessity: "Matrix fixture: located out of area."})
		if err != nil {
			t.Fatal(err)
		}
		asker := h.NewUser(t, "matrix.rutland", hub.AgencySocialCare, []hub.Role{hub.RolePractitioner}, "857")
		r, err := h.App.RequestShare(ctx, h.Actor(asker), app.ShareRequestInput{PersonID: child.ID, Parts: []string{"identity"}, Purpose: "joint_investigation",
			Reason: "Matrix fixture: seen with a Rutland child."})
		if err != nil {
			t.Fatal(err)
		}
		fx.ids["/shares/"] = s.ID
		fx.ids["/share-requests/"] = r.ID
	})
}
