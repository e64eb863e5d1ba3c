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

// Casework part B's routes (issue 4) in the access matrix: cases, plan
// actions, meetings, notes and attachments, service referrals and the
// chronology. The fixture is an open case about a child in 856 led by the
// practitioner, with an action, a meeting, a note with a PDF attached and a
// service referral. The empty forms and JSON bodies the matrix sends are
// refused (400) by those who get past the guard, so nothing changes; the
// upload route refuses a form that is not multipart.
//
// No matrix token holds the case scopes (as part A's file says), so every
// case API route refuses every token with 403 here; internal/api's case
// tests cover the scopes and what the handlers answer.

var (
	caseReaders = roles(hub.RolePractitioner, hub.RolePolice, hub.RoleAnalyst, hub.RoleNurse, hub.RoleManager, hub.RoleAuditor)
	caseWriters = roles(hub.RolePractitioner, hub.RolePolice, hub.RoleManager)
)

var caseMatrix = map[string]expect{
	"GET /cases":                                {auth: httpx.Session, action: access.CaseRead, allow: caseReaders, ok: codes{200}},
	"GET /cases/new":                            {auth: httpx.Session, action: access.CaseWrite, allow: caseWriters, ok: codes{400}}, // no subject named
	"POST /cases":                               {auth: httpx.Session, action: access.CaseWrite, allow: caseWriters, ok: codes{400}},
	"GET /cases/{id}":                           {auth: httpx.Session, action: access.CaseRead, allow: caseReaders, ok: codes{200}},
	"GET /cases/{id}/edit":                      {auth: httpx.Session, action: access.CaseWrite, allow: caseWriters, ok: codes{200}},
	"POST /cases/{id}":                          {auth: httpx.Session, action: access.CaseWrite, allow: caseWriters, ok: codes{400}},
	"GET /cases/{id}/close":                     {auth: httpx.Session, action: access.CaseWrite, allow: caseWriters, ok: codes{200}},
	"POST /cases/{id}/close":                    {auth: httpx.Session, action: access.CaseWrite, allow: caseWriters, ok: codes{400}},
	"POST /cases/{id}/review":                   {auth: httpx.Session, action: access.CaseWrite, allow: caseWriters, ok: codes{400}},
	"GET /cases/{id}/actions/new":               {auth: httpx.Session, action: access.CaseWrite, allow: caseWriters, ok: codes{200}},
	"POST /cases/{id}/actions":                  {auth: httpx.Session, action: access.CaseWrite, allow: caseWriters, ok: codes{400}},
	"GET /plan-actions/{id}":                    {auth: httpx.Session, action: access.CaseRead, allow: caseReaders, ok: codes{200}},
	"POST /plan-actions/{id}":                   {auth: httpx.Session, action: access.CaseRead, allow: caseReaders, ok: codes{400}},
	"GET /cases/{id}/meetings/new":              {auth: httpx.Session, action: access.CaseWrite, allow: caseWriters, ok: codes{200}},
	"POST /cases/{id}/meetings":                 {auth: httpx.Session, action: access.CaseWrite, allow: caseWriters, ok: codes{400}},
	"GET /meetings/{id}":                        {auth: httpx.Session, action: access.CaseRead, allow: caseReaders, ok: codes{200}},
	"GET /cases/{id}/notes/new":                 {auth: httpx.Session, action: access.CaseWrite, allow: caseWriters, ok: codes{200}},
	"POST /cases/{id}/notes":                    {auth: httpx.Session, action: access.CaseWrite, allow: caseWriters, ok: codes{400}},
	"GET /notes/{id}":                           {auth: httpx.Session, action: access.CaseRead, allow: caseReaders, ok: codes{200}},
	"POST /notes/{id}/attachments":              {auth: httpx.Session, action: access.CaseWrite, allow: caseWriters, ok: codes{400}},
	"GET /attachments/{id}":                     {auth: httpx.Session, action: access.CaseRead, allow: caseReaders, ok: codes{200}},
	"GET /cases/{id}/services/new":              {auth: httpx.Session, action: access.CaseWrite, allow: caseWriters, ok: codes{200}},
	"POST /cases/{id}/services":                 {auth: httpx.Session, action: access.CaseWrite, allow: caseWriters, ok: codes{400}},
	"GET /service-referrals/{id}":               {auth: httpx.Session, action: access.CaseRead, allow: caseReaders, ok: codes{200}},
	"POST /service-referrals/{id}":              {auth: httpx.Session, action: access.CaseWrite, allow: caseWriters, ok: codes{400}},
	"GET /persons/{id}/chronology":              {auth: httpx.Session, action: access.CaseRead, allow: caseReaders, ok: codes{200}},
	"GET /api/v1/cases":                         {auth: httpx.Token, action: access.CaseRead},
	"POST /api/v1/cases":                        {auth: httpx.Token, action: access.CaseWrite},
	"GET /api/v1/cases/{id}":                    {auth: httpx.Token, action: access.CaseRead},
	"PUT /api/v1/cases/{id}":                    {auth: httpx.Token, action: access.CaseWrite},
	"POST /api/v1/cases/{id}/close":             {auth: httpx.Token, action: access.CaseWrite},
	"POST /api/v1/cases/{id}/review":            {auth: httpx.Token, action: access.CaseWrite},
	"POST /api/v1/cases/{id}/actions":           {auth: httpx.Token, action: access.CaseWrite},
	"GET /api/v1/plan-actions/{id}":             {auth: httpx.Token, action: access.CaseRead},
	"PUT /api/v1/plan-actions/{id}":             {auth: httpx.Token, action: access.CaseRead},
	"POST /api/v1/cases/{id}/meetings":          {auth: httpx.Token, action: access.CaseWrite},
	"GET /api/v1/meetings/{id}":                 {auth: httpx.Token, action: access.CaseRead},
	"POST /api/v1/cases/{id}/notes":             {auth: httpx.Token, action: access.CaseWrite},
	"GET /api/v1/notes/{id}":                    {auth: httpx.Token, action: access.CaseRead},
	"POST /api/v1/notes/{id}/attachments":       {auth: httpx.Token, action: access.CaseWrite},
	"GET /api/v1/attachments/{id}":              {auth: httpx.Token, action: access.CaseRead},
	"POST /api/v1/cases/{id}/service-referrals": {auth: httpx.Token, action: access.CaseWrite},
	"GET /api/v1/service-referrals/{id}":        {auth: httpx.Token, action: access.CaseRead},
	"PUT /api/v1/service-referrals/{id}":        {auth: httpx.Token, action: access.CaseWrite},
	"GET /api/v1/persons/{id}/chronology":       {auth: httpx.Token, action: access.CaseRead},
}

// matrixPDF is the fixture's attachment.
var matrixPDF = []byte("%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n")

func init() {
	maps.Copy(matrix, caseMatrix)
	fixtureSetups = append(fixtureSetups, func(t *testing.T, h *harness, fx *fixture) {
		ctx := context.Background()
		prac := h.RoleActor(hub.RolePractitioner)
		child := h.NewPerson(t, "856", app.PersonInput{GivenName: "Cased", FamilyName: "Matrix", DateOfBirth: "2012-07-08"})
		c, err := h.App.OpenCase(ctx, prac, app.CaseInput{SubjectKind: "person", SubjectID: child.ID, LeadID: prac.ID, Exploitation: []string{"cce"}, Summary: "Matrix fixture."})
		if err != nil {
			t.Fatal(err)
		}
		due := h.App.Today()
		a, err := h.App.AddPlanAction(ctx, prac, c.ID, app.ActionInput{What: "Matrix action", OwnerID: prac.ID, Due: due.String()})
		if err != nil {
			t.Fatal(err)
		}
		now := h.App.Now().In(app.London).Add(-time.Hour)
		m, err := h.App.RecordMeeting(ctx, prac, c.ID, app.MeetingInput{Kind: "professionals", Date: now.Format("2006-01-02"), Time: now.Format("15:04"),
			Attendees: []app.AttendeeInput{{UserID: prac.ID}}, Decisions: "Matrix decisions."})
		if err != nil {
			t.Fatal(err)
		}
		n, err := h.App.AddNote(ctx, prac, c.ID, app.NoteInput{Kind: "contact", Body: "Matrix note."})
		if err != nil {
			t.Fatal(err)
		}
		at, err := h.App.AddAttachment(ctx, prac, n.ID, "matrix.pdf", matrixPDF)
		if err != nil {
			t.Fatal(err)
		}
		s, err := h.App.ReferToService(ctx, prac, c.ID, app.ServiceInput{Pathway: h.App.ServicePathways()[0].Code})
		if err != nil {
			t.Fatal(err)
		}
		for prefix, id := range map[string]string{"/cases/": c.ID, "/plan-actions/": a.ID, "/meetings/": m.ID, "/notes/": n.ID, "/attachments/": at.ID, "/service-referrals/": s.ID} {
			fx.ids[prefix] = id
			fx.ids["/api/v1"+prefix] = id
		}
	})
}
