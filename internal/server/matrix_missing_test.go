package server_test

import (
	"context"
	"maps"
	"testing"
	"time"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/httpx"
	"github.com/safehub/safehub/internal/hub"
)

// The routes of missing episodes, return home interviews, Philomena
// profiles and NRM referrals (issue 4, part C) in the access matrix. The
// fixture is a child in 856 with a returned high-risk episode (so a return
// home interview is due and a repeat-missing prompt is open) and an NRM
// referral awaiting its reasonable-grounds decision. The empty forms and
// JSON bodies the matrix sends are refused (400) by those who get past the
// guard, so nothing changes. No matrix token holds the case scopes, so
// every API route refuses every token (403); the API's own tests cover
// the scopes.

var (
	missingReaders = roles(hub.RolePractitioner, hub.RolePolice, hub.RoleAnalyst, hub.RoleNurse, hub.RoleManager, hub.RoleAuditor)
	missingRecords = roles(hub.RolePractitioner, hub.RolePolice, hub.RoleManager)
)

var missingMatrix = map[string]expect{
	"GET /missing":                       {auth: httpx.Session, action: access.CaseRead, allow: missingReaders, ok: codes{200}},
	"GET /missing/new":                   {auth: httpx.Session, action: access.MissingRecord, allow: missingRecords, ok: codes{200}},
	"POST /missing/find":                 {auth: httpx.Session, action: access.MissingRecord, allow: missingRecords, ok: codes{400}},
	"GET /persons/{id}/missing/new":      {auth: httpx.Session, action: access.MissingRecord, allow: missingRecords, ok: codes{200}},
	"POST /persons/{id}/missing":         {auth: httpx.Session, action: access.MissingRecord, allow: missingRecords, ok: codes{400}},
	"GET /missing/{id}":                  {auth: httpx.Session, action: access.CaseRead, allow: missingReaders, ok: codes{200}},
	"POST /missing/{id}/risk":            {auth: httpx.Session, action: access.MissingRecord, allow: missingRecords, ok: codes{400}},
	"POST /missing/{id}/updates":         {auth: httpx.Session, action: access.MissingRecord, allow: missingRecords, ok: codes{400}},
	"POST /missing/{id}/philomena":       {auth: httpx.Session, action: access.MissingRecord, allow: missingRecords, ok: codes{400}},
	"GET /missing/{id}/return":           {auth: httpx.Session, action: access.MissingRecord, allow: missingRecords, ok: codes{200}},
	"POST /missing/{id}/return":          {auth: httpx.Session, action: access.MissingRecord, allow: missingRecords, ok: codes{400}},
	"POST /missing/prompts/{id}/resolve": {auth: httpx.Session, action: access.MissingRecord, allow: missingRecords, ok: codes{400}},
	"GET /missing/interviews":            {auth: httpx.Session, action: access.CaseRead, allow: missingReaders, ok: codes{200}},
	"GET /missing/{id}/rhi":              {auth: httpx.Session, action: access.MissingRecord, allow: missingRecords, ok: codes{200}},
	"POST /missing/{id}/rhi":             {auth: httpx.Session, action: access.MissingRecord, allow: missingRecords, ok: codes{400}},
	"POST /missing/{id}/rhi/allocate":    {auth: httpx.Session, action: access.MissingRecord, allow: missingRecords, ok: codes{400}},
	"GET /persons/{id}/philomena":        {auth: httpx.Session, action: access.CaseRead, allow: missingReaders, ok: codes{200}},
	"GET /persons/{id}/philomena/edit":   {auth: httpx.Session, action: access.MissingRecord, allow: missingRecords, ok: codes{200}},
	"POST /persons/{id}/philomena":       {auth: httpx.Session, action: access.MissingRecord, allow: missingRecords, ok: codes{400}},
	"GET /nrm":                           {auth: httpx.Session, action: access.CaseRead, allow: missingReaders, ok: codes{200}},
	"GET /persons/{id}/nrm/new":          {auth: httpx.Session, action: access.CaseWrite, allow: writers, ok: codes{200}},
	"POST /persons/{id}/nrm":             {auth: httpx.Session, action: access.CaseWrite, allow: writers, ok: codes{400}},
	"GET /nrm/{id}":                      {auth: httpx.Session, action: access.CaseRead, allow: missingReaders, ok: codes{200}},
	"POST /nrm/{id}/rg":                  {auth: httpx.Session, action: access.CaseWrite, allow: writers, ok: codes{400}},
	"POST /nrm/{id}/cg":                  {auth: httpx.Session, action: access.CaseWrite, allow: writers, ok: codes{400}},

	"POST /api/v1/missing-episodes":                      {auth: httpx.Token, action: access.MissingRecord},
	"GET /api/v1/missing-episodes":                       {auth: httpx.Token, action: access.CaseRead},
	"GET /api/v1/missing-episodes/{id}":                  {auth: httpx.Token, action: access.CaseRead},
	"POST /api/v1/missing-episodes/{id}/risk":            {auth: httpx.Token, action: access.MissingRecord},
	"POST /api/v1/missing-episodes/{id}/updates":         {auth: httpx.Token, action: access.MissingRecord},
	"POST /api/v1/missing-episodes/{id}/return":          {auth: httpx.Token, action: access.MissingRecord},
	"POST /api/v1/missing-episodes/{id}/philomena":       {auth: httpx.Token, action: access.MissingRecord},
	"PUT /api/v1/missing-episodes/{id}/return-interview": {auth: httpx.Token, action: access.MissingRecord},
	"GET /api/v1/return-interviews":                      {auth: httpx.Token, action: access.CaseRead},
	"POST /api/v1/missing-prompts/{id}/resolve":          {auth: httpx.Token, action: access.MissingRecord},
	"GET /api/v1/persons/{id}/philomena":                 {auth: httpx.Token, action: access.CaseRead},
	"POST /api/v1/persons/{id}/philomena":                {auth: httpx.Token, action: access.MissingRecord},
	"POST /api/v1/nrm-referrals":                         {auth: httpx.Token, action: access.CaseWrite},
	"GET /api/v1/nrm-referrals":                          {auth: httpx.Token, action: access.CaseRead},
	"GET /api/v1/nrm-referrals/{id}":                     {auth: httpx.Token, action: access.CaseRead},
	"POST /api/v1/nrm-referrals/{id}/rg-decision":        {auth: httpx.Token, action: access.CaseWrite},
	"POST /api/v1/nrm-referrals/{id}/cg-decision":        {auth: httpx.Token, action: access.CaseWrite},
}

func init() {
	maps.Copy(matrix, missingMatrix)
	fixtureSetups = append(fixtureSetups, func(t *testing.T, h *harness, fx *fixture) {
		ctx := context.Background()
		prac := h.RoleActor(hub.RolePractitioner)
		child := h.NewPerson(t, "856", app.PersonInput{GivenName: "Missing", FamilyName: "Matrix", DateOfBirth: "2012-03-04"})
		now := h.Clock.Now()
		ep, err := h.App.ReportMissing(ctx, prac, app.MissingReport{PersonID: child.ID, From: "home", LastSeenAt: now.Add(-5 * time.Hour), LastSeenPlace: "Matrix Park",
			ReportedAt: now.Add(-4 * time.Hour), ReportedBy: "parent", RiskLevel: "high"})
		if err != nil {
			t.Fatal(err)
		}
		if ep, err = h.App.RecordReturn(ctx, prac, ep.ID, ep.Version, app.MissingReturn{FoundAt: now.Add(-time.Hour), FoundPlace: "Home"}); err != nil {
			t.Fatal(err)
		}
		v, err := h.App.ViewMissingEpisode(ctx, prac, ep.ID)
		if err != nil || v.Interview == nil || len(v.Prompts) != 1 {
			t.Fatalf("missing fixture: %v, %+v", err, v)
		}
		n, err := h.App.ReferNRM(ctx, prac, child.ID, app.NRMInput{SubmittedAt: now.Add(-24 * time.Hour), FirstResponder: "police", ExploitationType: "criminal_county_lines"})
		if err != nil {
			t.Fatal(err)
		}
		fx.ids["/missing/"] = ep.ID
		fx.ids["/missing/prompts/"] = v.Prompts[0].ID
		fx.ids["/nrm/"] = n.ID
		fx.ids["/api/v1/missing-episodes/"] = ep.ID
		fx.ids["/api/v1/missing-prompts/"] = v.Prompts[0].ID
		fx.ids["/api/v1/nrm-referrals/"] = n.ID
	})
}
