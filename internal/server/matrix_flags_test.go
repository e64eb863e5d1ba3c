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

// The health flags' routes (issue 5, part 1) in the access matrix. The
// fixture is an active flag on a child in 856 with a referral awaiting an
// outcome; the empty forms and JSON bodies the matrix sends are refused
// (400) by those who get past the guard, so nothing changes.

var (
	flagReaders = roles(hub.RolePractitioner, hub.RolePolice, hub.RoleNurse, hub.RoleManager, hub.RoleAuditor)
	flagWriters = roles(hub.RoleNurse, hub.RoleManager)
	// Flags come with person:read for roles that read them; no matrix
	// token may change them (the practitioner's role may not, the
	// manager's token lacks person:write, machine clients never may).
	flagReadTokens = []string{userToken, managerToken}
)

var flagMatrix = map[string]expect{
	"GET /flags":                        {auth: httpx.Session, action: access.FlagDesk, allow: flagWriters, ok: codes{200}},
	"GET /persons/{id}/flags/new":       {auth: httpx.Session, action: access.FlagWrite, allow: flagWriters, ok: codes{200}},
	"POST /persons/{id}/flags":          {auth: httpx.Session, action: access.FlagWrite, allow: flagWriters, ok: codes{400}},
	"GET /flags/{id}":                   {auth: httpx.Session, action: access.FlagRead, allow: flagReaders, ok: codes{200}},
	"GET /flags/{id}/edit":              {auth: httpx.Session, action: access.FlagWrite, allow: flagWriters, ok: codes{200}},
	"POST /flags/{id}":                  {auth: httpx.Session, action: access.FlagWrite, allow: flagWriters, ok: codes{400}},
	"GET /flags/{id}/review":            {auth: httpx.Session, action: access.FlagWrite, allow: flagWriters, ok: codes{200}},
	"POST /flags/{id}/review":           {auth: httpx.Session, action: access.FlagWrite, allow: flagWriters, ok: codes{400}},
	"GET /flags/{id}/end":               {auth: httpx.Session, action: access.FlagWrite, allow: flagWriters, ok: codes{200}},
	"POST /flags/{id}/end":              {auth: httpx.Session, action: access.FlagWrite, allow: flagWriters, ok: codes{400}},
	"GET /flags/{id}/entered-in-error":  {auth: httpx.Session, action: access.FlagWrite, allow: flagWriters, ok: codes{200}},
	"POST /flags/{id}/entered-in-error": {auth: httpx.Session, action: access.FlagWrite, allow: flagWriters, ok: codes{400}},
	"GET /flags/{id}/consultations/new": {auth: httpx.Session, action: access.FlagWrite, allow: flagWriters, ok: codes{200}},
	"POST /flags/{id}/consultations":    {auth: httpx.Session, action: access.FlagWrite, allow: flagWriters, ok: codes{400}},
	"GET /flags/{id}/referrals/new":     {auth: httpx.Session, action: access.FlagWrite, allow: flagWriters, ok: codes{200}},
	"POST /flags/{id}/referrals":        {auth: httpx.Session, action: access.FlagWrite, allow: flagWriters, ok: codes{400}},
	"POST /flag-referrals/{id}/outcome": {auth: httpx.Session, action: access.FlagWrite, allow: flagWriters, ok: codes{400}},

	"GET /api/v1/persons/{id}/flags":           {auth: httpx.Token, action: access.FlagRead, allow: flagReadTokens, ok: codes{200}},
	"POST /api/v1/persons/{id}/flags":          {auth: httpx.Token, action: access.FlagWrite},
	"GET /api/v1/flags/{id}":                   {auth: httpx.Token, action: access.FlagRead, allow: flagReadTokens, ok: codes{200}},
	"PUT /api/v1/flags/{id}":                   {auth: httpx.Token, action: access.FlagWrite},
	"POST /api/v1/flags/{id}/review":           {auth: httpx.Token, action: access.FlagWrite},
	"POST /api/v1/flags/{id}/end":              {auth: httpx.Token, action: access.FlagWrite},
	"POST /api/v1/flags/{id}/entered-in-error": {auth: httpx.Token, action: access.FlagWrite},
	"POST /api/v1/flags/{id}/consultations":    {auth: httpx.Token, action: access.FlagWrite},
	"POST /api/v1/flags/{id}/referrals":        {auth: httpx.Token, action: access.FlagWrite},
	"POST /api/v1/flag-referrals/{id}/outcome": {auth: httpx.Token, action: access.FlagWrite},
	// The desk: the manager's token (person:read) with a role that keeps
	// one; the practitioner's role has none.
	"GET /api/v1/flag-desk": {auth: httpx.Token, action: access.FlagDesk, allow: []string{managerToken}, ok: codes{200}},
}

func init() {
	maps.Copy(matrix, flagMatrix)
	fixtureSetups = append(fixtureSetups, func(t *testing.T, h *harness, fx *fixture) {
		ctx := context.Background()
		child := h.NewPerson(t, "856", app.PersonInput{GivenName: "Flagged", FamilyName: "Matrix", DateOfBirth: "2013-02-03"})
		f, err := h.App.SetFlag(ctx, h.RoleActor(hub.RoleNurse), child.ID, app.FlagInput{Category: "cse-risk", RiskLevel: "high", Start: "2026-11-01",
			Reason: "Matrix fixture.", Advice: "Call the hub before discharge.", ContactPhone: "0116 496 0000", ContactHours: "Always", LeadUserID: h.Users[hub.RolePractitioner].ID})
		if err != nil {
			t.Fatal(err)
		}
		r, err := h.App.RecordFlagReferral(ctx, h.RoleActor(hub.RoleNurse), f.ID, app.FlagReferralInput{Service: h.App.FlagServices()[0]})
		if err != nil {
			t.Fatal(err)
		}
		fx.ids["/flags/"] = f.ID
		fx.ids["/api/v1/flags/"] = f.ID
		fx.ids["/flag-referrals/"] = r.ID
		fx.ids["/api/v1/flag-referrals/"] = r.ID
	})
}
