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

// Casework part A's routes (issue 4) in the access matrix: referrals, the
// combined risk assessment, contexts and the work queues. The fixture is a
// referral about the matrix's child, an open assessment of that child (so
// a new one is refused, 409), and a context in 856 with its own open
// assessment. The empty forms and JSON bodies the matrix sends are refused
// by those who get past the guard, so nothing changes.
//
// No matrix token holds the case scopes (casework parts B and C document
// theirs the same way), so every casework API route refuses every token
// with 403 here; internal/api's referral tests cover the scopes and what
// the handlers answer.

var (
	cwReaders   = roles(hub.RolePractitioner, hub.RolePolice, hub.RoleAnalyst, hub.RoleNurse, hub.RoleManager, hub.RoleAuditor)
	cwWriters   = roles(hub.RolePractitioner, hub.RolePolice, hub.RoleManager)
	cwReferrers = roles(hub.RolePractitioner, hub.RolePolice, hub.RoleNurse, hub.RoleEducation, hub.RoleManager)
	cwDeciders  = roles(hub.RolePractitioner, hub.RolePolice, hub.RoleManager)
	cwManagers  = roles(hub.RoleManager)
)

var referralMatrix = map[string]expect{
	"GET /referrals":                       {auth: httpx.Session, action: access.CaseRead, allow: cwReaders, ok: codes{200}},
	"GET /persons/{id}/referrals/new":      {auth: httpx.Session, action: access.ReferralCreate, allow: cwReferrers, ok: codes{200}},
	"POST /persons/{id}/referrals":         {auth: httpx.Session, action: access.ReferralCreate, allow: cwReferrers, ok: codes{400}},
	"GET /contexts/{id}/referrals/new":     {auth: httpx.Session, action: access.ReferralCreate, allow: cwReferrers, ok: codes{200}},
	"POST /contexts/{id}/referrals":        {auth: httpx.Session, action: access.ReferralCreate, allow: cwReferrers, ok: codes{400}},
	"GET /referrals/{id}":                  {auth: httpx.Session, action: access.CaseRead, allow: cwReaders, ok: codes{200}},
	"POST /referrals/{id}/decision":        {auth: httpx.Session, action: access.ReferralDecide, allow: cwDeciders, ok: codes{400}},
	"POST /persons/{id}/assessments":       {auth: httpx.Session, action: access.CaseWrite, allow: cwWriters, ok: codes{409}},
	"POST /contexts/{id}/assessments":      {auth: httpx.Session, action: access.CaseWrite, allow: cwWriters, ok: codes{409}},
	"GET /assessments/{id}":                {auth: httpx.Session, action: access.CaseRead, allow: cwReaders, ok: codes{200}},
	"GET /assessments/{id}/contribute":     {auth: httpx.Session, action: access.AssessContrib, allow: cwReferrers, ok: codes{200}},
	"POST /assessments/{id}/contributions": {auth: httpx.Session, action: access.AssessContrib, allow: cwReferrers, ok: codes{400}},
	"POST /assessments/{id}/level":         {auth: httpx.Session, action: access.CaseWrite, allow: cwWriters, ok: codes{400}},
	"GET /contexts":                        {auth: httpx.Session, action: access.CaseRead, allow: cwReaders, ok: codes{200}},
	"GET /contexts/new":                    {auth: httpx.Session, action: access.CaseWrite, allow: cwWriters, ok: codes{200}},
	"POST /contexts":                       {auth: httpx.Session, action: access.CaseWrite, allow: cwWriters, ok: codes{400}},
	"GET /contexts/{id}":                   {auth: httpx.Session, action: access.CaseRead, allow: cwReaders, ok: codes{200}},
	"GET /contexts/{id}/edit":              {auth: httpx.Session, action: access.CaseWrite, allow: cwWriters, ok: codes{200}},
	"POST /contexts/{id}":                  {auth: httpx.Session, action: access.CaseWrite, allow: cwWriters, ok: codes{400}},
	"POST /contexts/{id}/members/search":   {auth: httpx.Session, action: access.CaseWrite, allow: cwWriters, ok: codes{400}},
	"POST /contexts/{id}/members":          {auth: httpx.Session, action: access.CaseWrite, allow: cwWriters, ok: codes{400}},
	"POST /contexts/{id}/members/remove":   {auth: httpx.Session, action: access.CaseWrite, allow: cwWriters, ok: codes{400}},
	"GET /work":                            {auth: httpx.Session, action: access.CaseRead, allow: cwReaders, ok: codes{200}},
	"GET /team":                            {auth: httpx.Session, action: access.TeamView, allow: cwManagers, ok: codes{200}},
	"POST /team/reassign":                  {auth: httpx.Session, action: access.TeamView, allow: cwManagers, ok: codes{400}},

	"GET /api/v1/screening-tool":                  {auth: httpx.Token, allow: validTokens, ok: codes{200}},
	"POST /api/v1/referrals":                      {auth: httpx.Token, action: access.ReferralCreate},
	"GET /api/v1/referrals":                       {auth: httpx.Token, action: access.CaseRead},
	"GET /api/v1/referrals/{id}":                  {auth: httpx.Token, action: access.CaseRead},
	"POST /api/v1/referrals/{id}/decision":        {auth: httpx.Token, action: access.ReferralDecide},
	"POST /api/v1/assessments":                    {auth: httpx.Token, action: access.CaseWrite},
	"GET /api/v1/assessments":                     {auth: httpx.Token, action: access.CaseRead},
	"GET /api/v1/assessments/{id}":                {auth: httpx.Token, action: access.CaseRead},
	"POST /api/v1/assessments/{id}/contributions": {auth: httpx.Token, action: access.AssessContrib},
	"POST /api/v1/assessments/{id}/level":         {auth: httpx.Token, action: access.CaseWrite},
	"POST /api/v1/contexts":                       {auth: httpx.Token, action: access.CaseWrite},
	"GET /api/v1/contexts":                        {auth: httpx.Token, action: access.CaseRead},
	"GET /api/v1/contexts/{id}":                   {auth: httpx.Token, action: access.CaseRead},
	"PUT /api/v1/contexts/{id}":                   {auth: httpx.Token, action: access.CaseWrite},
	"GET /api/v1/work":                            {auth: httpx.Token, action: access.CaseRead},
	"GET /api/v1/team/work":                       {auth: httpx.Token, action: access.TeamView},
	"POST /api/v1/team/work/reassign":             {auth: httpx.Token, action: access.TeamView},
}

func init() {
	maps.Copy(matrix, referralMatrix)
	fixtureSetups = append(fixtureSetups, func(t *testing.T, h *harness, fx *fixture) {
		ctx := context.Background()
		prac := h.RoleActor(hub.RolePractitioner)
		r, err := h.App.RecordReferral(ctx, prac, app.ReferralInput{SubjectKind: "person", SubjectID: fx.person.ID, ReferrerName: "Matrix referrer",
			ReferrerOrg: "Matrix school", Concerns: "Matrix fixture.", Indicators: []string{"missing_repeat"}})
		if err != nil {
			t.Fatal(err)
		}
		x, err := h.App.StartAssessment(ctx, prac, r.Subject, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		c, err := h.App.CreateContext(ctx, prac, app.ContextInput{AreaID: h.Areas["856"].ID, Kind: "location", Name: "Matrix park",
			Members: []app.MemberInput{{PersonID: fx.person.ID, Role: "member"}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.App.StartAssessment(ctx, prac, hub.Subject{Kind: hub.SubjectContext, ID: c.ID}, ""); err != nil {
			t.Fatal(err)
		}
		fx.ids["/referrals/"] = r.ID
		fx.ids["/api/v1/referrals/"] = r.ID
		fx.ids["/assessments/"] = x.ID
		fx.ids["/api/v1/assessments/"] = x.ID
		fx.ids["/contexts/"] = c.ID
		fx.ids["/api/v1/contexts/"] = c.ID
	})
}
