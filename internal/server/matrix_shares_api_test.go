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

// The JSON API routes of cross-border sharing (issue 6) in the access
// matrix. The fixture is a child in 856 shared by the practitioner with
// Leicestershire (855), and a request for that child from a Leicestershire
// practitioner. Only the case-scoped token holds the share actions its
// user's role grants (share.create and share.request; the practitioner
// neither approves nor oversees): the empty JSON bodies the matrix sends
// are refused (400) before anything changes. Reading routes check
// case.read and adding a contribution assessment.contribute, which the
// case-scoped token passes; what the handler then says is internal/api's
// tests' business.

var shareAPIMatrix = map[string]expect{
	"POST /api/v1/shares":                    {auth: httpx.Token, action: access.ShareCreate, allow: []string{caseToken}, ok: codes{400}},
	"GET /api/v1/shares":                     {auth: httpx.Token, action: access.CaseRead},
	"GET /api/v1/shares/{id}":                {auth: httpx.Token, action: access.CaseRead},
	"POST /api/v1/shares/{id}/revoke":        {auth: httpx.Token, action: access.ShareCreate, allow: []string{caseToken}, ok: codes{400}},
	"POST /api/v1/shares/{id}/approve":       {auth: httpx.Token, action: access.ShareApprove},
	"POST /api/v1/shares/{id}/refuse":        {auth: httpx.Token, action: access.ShareApprove},
	"POST /api/v1/shares/{id}/contributions": {auth: httpx.Token, action: access.AssessContrib},
	"GET /api/v1/shares/{id}/audit":          {auth: httpx.Token, action: access.ShareOversee},
	"POST /api/v1/share-requests":            {auth: httpx.Token, action: access.ShareRequest, allow: []string{caseToken}, ok: codes{400}},
	"GET /api/v1/share-requests/{id}":        {auth: httpx.Token, action: access.CaseRead},
	// Answering a request needs the child's record in the answerer's own
	// scope, and reading a person needs person:read, which the case-scoped
	// token lacks: the request is not found. (The refusal's missing reason
	// is checked first.)
	"POST /api/v1/share-requests/{id}/grant":  {auth: httpx.Token, action: access.ShareCreate, allow: []string{caseToken}, ok: codes{404}},
	"POST /api/v1/share-requests/{id}/refuse": {auth: httpx.Token, action: access.ShareCreate, allow: []string{caseToken}, ok: codes{400}},
	"GET /api/v1/share-config":                {auth: httpx.Token, action: access.CaseRead},
}

func init() {
	maps.Copy(matrix, shareAPIMatrix)
	fixtureSetups = append(fixtureSetups, func(t *testing.T, h *harness, fx *fixture) {
		ctx := context.Background()
		child := h.NewPerson(t, "856", app.PersonInput{GivenName: "Shared", FamilyName: "Api", DateOfBirth: "2013-01-02"})
		s, err := h.App.CreateShare(ctx, h.RoleActor(hub.RolePractitioner), app.ShareInput{PersonID: child.ID, RecipientKind: "area", RecipientIDs: []string{h.Areas["855"].ID},
			Parts: []string{"identity", "missing"}, Purpose: "missing_located", Basis: "safeguarding", Necessity: "API matrix fixture: located out of area."})
		if err != nil {
			t.Fatal(err)
		}
		asker := h.NewUser(t, "matrix.api.county", hub.AgencySocialCare, []hub.Role{hub.RolePractitioner}, "855")
		r, err := h.App.RequestShare(ctx, h.Actor(asker), app.ShareRequestInput{PersonID: child.ID, Parts: []string{"identity"}, Purpose: "joint_investigation",
			Reason: "API matrix fixture: seen with a county child."})
		if err != nil {
			t.Fatal(err)
		}
		fx.ids["/api/v1/shares/"] = s.ID
		fx.ids["/api/v1/share-requests/"] = r.ID
	})
}
