package server_test

import (
	"context"
	"encoding/json"
	"maps"
	"strconv"
	"strings"
	"testing"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/apptest"
	"github.com/safehub/safehub/internal/fhir"
	"github.com/safehub/safehub/internal/fhir/fhirtest"
	"github.com/safehub/safehub/internal/httpx"
	"github.com/safehub/safehub/internal/hub"
)

// The FHIR API (issue 5): only a machine client holding flag:read gets
// past the guard; a personal token with flag:read does not (no role grants
// the look-up). The matrix's empty form and empty query are refused
// searches (400); {id} is a real flag. The CapabilityStatement is public.
var fhirMatrix = map[string]expect{
	"POST /fhir/Flag/_search": {auth: httpx.Token, action: access.FlagLookup, allow: []string{machineNoScope}, ok: codes{400}},
	"GET /fhir/Flag":          {auth: httpx.Token, action: access.FlagLookup, allow: []string{machineNoScope}, ok: codes{400}},
	"GET /fhir/Flag/{id}":     {auth: httpx.Token, action: access.FlagLookup, allow: []string{machineNoScope}, ok: codes{200}},
	"GET /fhir/metadata":      {auth: httpx.Public, ok: codes{200}},
}

func init() {
	maps.Copy(matrix, fhirMatrix)
	errorFormats["/fhir/"] = errorFormat{contentType: fhir.MediaType, check: checkOutcome}
	fixtureSetups = append(fixtureSetups, func(t *testing.T, h *harness, fx *fixture) {
		fx.ids["/fhir/Flag/"] = insertMatrixFlag(t, h, fx.person)
	})
}

// insertMatrixFlag writes an active flag on p with plain SQL.
func insertMatrixFlag(t *testing.T, h *harness, p *hub.Person) string {
	t.Helper()
	id := hub.NewID()
	q := `INSERT INTO flags (id, person_id, area_id, owner_agency_id, status, category, risk_level, start_date, review_due, advice, created_at, updated_at)
		VALUES (?, ?, ?, ?, 'active', 'cse-risk', 'high', '2026-01-01', '2027-01-01', 'Call the hub.', 1, 1)`
	if h.Store.Engine() == "postgres" {
		for i := 1; strings.Contains(q, "?"); i++ {
			q = strings.Replace(q, "?", "$"+strconv.Itoa(i), 1)
		}
	}
	if _, err := h.Store.SQL().ExecContext(context.Background(), q, id, p.ID, p.AreaID, p.OwnerAgencyID); err != nil {
		t.Fatal(err)
	}
	return id
}

// checkOutcome checks that an error is a conformant OperationOutcome whose
// issue type matches the error code.
func checkOutcome(t *testing.T, where string, res *apptest.Response, code string) {
	t.Helper()
	if err := fhirtest.Check([]byte(res.Body)); err != nil {
		t.Errorf("%s: error body is not a conformant resource: %v: %.200s", where, err, res.Body)
		return
	}
	var o fhir.OperationOutcome
	if err := json.Unmarshal([]byte(res.Body), &o); err != nil || o.ResourceType != "OperationOutcome" || len(o.Issue) != 1 {
		t.Errorf("%s: error body is not an OperationOutcome with one issue: %.200s", where, res.Body)
		return
	}
	want := map[string]string{hub.EUnauthorized: fhir.IssueLogin, hub.EForbidden: fhir.IssueForbidden}[code]
	if o.Issue[0].Code != want || o.Issue[0].Severity != fhir.SeverityError || o.Issue[0].Details == nil || o.Issue[0].Details.Text == "" {
		t.Errorf("%s: issue %+v, want an error of type %q with a message", where, o.Issue[0], want)
	}
}
