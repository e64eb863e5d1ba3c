package fhir_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/safehub/safehub/internal/fhir"
	"github.com/safehub/safehub/internal/fhir/fhirtest"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/ident"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var now = time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC)

func testFlag() *hub.Flag {
	return &hub.Flag{
		ID: "0b6f8f0e-3c55-4d1e-9a57-4f1a2b3c4d5e", PersonID: "person-1", AreaID: "area-1", OwnerAgencyID: "agency-1",
		Status: hub.FlagActive, Category: hub.FlagCSE, RiskLevel: hub.RiskHigh,
		Start: hub.Date{Year: 2026, Month: 10, Day: 1}, ReviewDue: hub.Date{Year: 2027, Month: 1, Day: 1},
		Reason:       "SECRET-REASON seen with older men in cars near the bus station",
		Advice:       "Child at risk of exploitation. Call the hub before discharge.",
		ContactPhone: "0116 454 1004", ContactHours: "24 hours",
		LeadUserID: "user-1", EndReason: "SECRET-END-REASON",
		Version: 3, CreatedAt: now.Add(-48 * time.Hour), UpdatedAt: now.Add(-time.Hour),
	}
}

func marshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run go test -update if the change is meant):\n%s", name, got)
	}
}

// TestResources: each resource Safehub returns matches its golden file and
// conforms to the R4 rules.
func TestResources(t *testing.T) {
	f := testFlag()
	ended := testFlag()
	ended.ID, ended.Status, ended.Category, ended.End = "1c2d3e4f-0000-4000-8000-000000000001", hub.FlagInactive, hub.FlagMissing, hub.Date{Year: 2026, Month: 11, Day: 20}
	ended.ContactHours = ""
	other := testFlag()
	other.ID, other.Category, other.ContactPhone = "2c2d3e4f-0000-4000-8000-000000000002", hub.FlagCategory("online-harm"), ""
	noNHS := testFlag()
	noNHS.ID, noNHS.Status = "3c2d3e4f-0000-4000-8000-000000000003", hub.FlagEnteredInError
	base := "https://hub.example/fhir"
	tests := []struct {
		name string
		v    any
	}{
		{"flag.json", fhir.NewFlag(f, "9434765919", "Leicester City Council Children's Social Care")},
		{"flag_ended.json", fhir.NewFlag(ended, "9434765919", "Leicester City Council Children's Social Care")},
		{"flag_configured_category.json", fhir.NewFlag(other, "9434765919", "Rutland County Council")},
		{"flag_no_nhs_number.json", fhir.NewFlag(noNHS, "", "Rutland County Council")},
		{"bundle.json", fhir.NewSearchSet(base, "5f0e6a1b-1111-4222-8333-444455556666", now, []*fhir.Flag{fhir.NewFlag(f, "9434765919", "Leicester City Council Children's Social Care")}, 1)},
		{"bundle_empty.json", fhir.NewSearchSet(base+"/", "5f0e6a1b-1111-4222-8333-444455556667", now, nil, 0)},
		{"bundle_count0.json", fhir.NewSearchSet(base, "5f0e6a1b-1111-4222-8333-444455556668", now, nil, 2)},
		{"outcome.json", fhir.NewOutcome(fhir.SeverityError, fhir.IssueValue, "patient:identifier: the NHS number is not valid: the check digit is wrong")},
		{"capability.json", fhir.NewCapabilityStatement(base, "test", now)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := marshal(t, tt.v)
			golden(t, tt.name, b)
			if err := fhirtest.Check(b); err != nil {
				t.Errorf("not conformant:\n%v", err)
			}
		})
	}
}

// TestFlagMinimal (SEC-24): a Flag carries no reason, end reason, risk
// level, lead practitioner, person id or area, and names the child only by
// NHS number.
func TestFlagMinimal(t *testing.T) {
	f := testFlag()
	b := marshal(t, fhir.NewFlag(f, "9434765919", "Agency"))
	for _, secret := range []string{"SECRET", f.PersonID, f.AreaID, f.OwnerAgencyID, f.LeadUserID, string(f.RiskLevel), "2027-01-01", `"text": {`} {
		if bytes.Contains(b, []byte(secret)) {
			t.Errorf("the Flag contains %q:\n%s", secret, b)
		}
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	subj := got["subject"].(map[string]any)
	if len(subj) != 2 || subj["type"] != "Patient" {
		t.Errorf("subject = %v, want a Patient by identifier only", subj)
	}
	for _, want := range []string{f.Advice, f.ContactPhone, f.ContactHours, "At risk of child sexual exploitation"} {
		if !strings.Contains(got["code"].(map[string]any)["text"].(string), want) {
			t.Errorf("code.text lacks %q", want)
		}
	}
}

// TestCheckerCatches: the conformance checker refuses what breaks the R4
// rules it checks, so that a passing check means something.
func TestCheckerCatches(t *testing.T) {
	good := string(marshal(t, fhir.NewFlag(testFlag(), "9434765919", "Agency")))
	bundle := string(marshal(t, fhir.NewSearchSet("https://h/fhir", "b1", now, []*fhir.Flag{fhir.NewFlag(testFlag(), "9434765919", "A")}, 1)))
	tests := []struct {
		name, json, want string
	}{
		{"bad status", strings.Replace(good, `"status": "active"`, `"status": "current"`, 1), "value set"},
		{"no subject", strings.Replace(good, `"subject"`, `"subjekt"`, 1), "subject"},
		{"bad category", strings.Replace(good, `"code": "safety"`, `"code": "danger"`, 1), "value set"},
		{"period backwards", strings.Replace(good, `"start": "2026-10-01"`, `"start": "2026-10-01", "end": "2025-01-01"`, 1), "per-1"},
		{"bad date", strings.Replace(good, `"start": "2026-10-01"`, `"start": "01/10/2026"`, 1), "dateTime"},
		{"no profile", strings.Replace(good, fhir.ProfileUKCoreFlag, "https://example.org/x", 1), "UK Core"},
		{"empty string", strings.Replace(good, `"display": "Safety"`, `"display": ""`, 1), "empty"},
		{"bad instant", strings.Replace(good, `.000Z`, ``, 1), "instant"},
		{"bad bundle type", strings.Replace(bundle, `"type": "searchset"`, `"type": "search"`, 1), "value set"},
		{"searchset without total", strings.Replace(bundle, `"total": 1,`, ``, 1), "total"},
		{"collection with total", strings.Replace(bundle, `"type": "searchset"`, `"type": "collection"`, 1), "bdl-1"},
		{"bad search mode", strings.Replace(bundle, `"mode": "match"`, `"mode": "hit"`, 1), "value set"},
		{"relative fullUrl", strings.Replace(bundle, `"fullUrl": "https://h/fhir/`, `"fullUrl": "`, 1), "absolute"},
		{"bad issue code", `{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"bad-nhs"}]}`, "value set"},
		{"bad severity", `{"resourceType":"OperationOutcome","issue":[{"severity":"critical","code":"value"}]}`, "value set"},
		{"no issues", `{"resourceType":"OperationOutcome"}`, "issue"},
		{"unknown resource", `{"resourceType":"Patient"}`, "resourceType"},
	}
	for _, tt := range tests {
		err := fhirtest.Check([]byte(tt.json))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Check = %v, want a problem mentioning %q", tt.name, err, tt.want)
		}
	}
}

func form(kv ...string) string {
	v := url.Values{}
	for i := 0; i < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v.Encode()
}

const nhsSys = fhir.SystemNHSNumber + "|"

// TestParseFlagSearch covers every row of security.md's catalogue (d) that
// applies to the look-up (12, 20, 24): each refusal is an error naming the
// parameter with the right issue type, never an empty search.
func TestParseFlagSearch(t *testing.T) {
	ok := []struct {
		name, raw string
		want      fhir.FlagSearch
	}{
		{"canonical", form(fhir.ParamIdentifier, nhsSys+"9434765919"), fhir.FlagSearch{NHSNumber: "9434765919", Count: fhir.MaxCount}},
		{"spaces", form(fhir.ParamIdentifier, nhsSys+"943 476 5919"), fhir.FlagSearch{NHSNumber: "9434765919", Count: fhir.MaxCount}},
		{"hyphens", form(fhir.ParamIdentifier, nhsSys+"943-476-5919"), fhir.FlagSearch{NHSNumber: "9434765919", Count: fhir.MaxCount}},
		{"unescaped bar", "patient:identifier=https://fhir.nhs.uk/Id/nhs-number|9434765919", fhir.FlagSearch{NHSNumber: "9434765919", Count: fhir.MaxCount}},
		{"count", form(fhir.ParamIdentifier, nhsSys+"9434765919", "_count", "5"), fhir.FlagSearch{NHSNumber: "9434765919", Count: 5}},
		{"count 0", form(fhir.ParamIdentifier, nhsSys+"9434765919", "_count", "0"), fhir.FlagSearch{NHSNumber: "9434765919", Count: 0}},
		{"format", form(fhir.ParamIdentifier, nhsSys+"9434765919", "_format", "json"), fhir.FlagSearch{NHSNumber: "9434765919", Count: fhir.MaxCount}},
	}
	for _, tt := range ok {
		got, err := fhir.ParseFlagSearch(tt.raw)
		if err != nil || *got != tt.want {
			t.Errorf("%s: ParseFlagSearch(%q) = %+v, %v; want %+v", tt.name, tt.raw, got, err, tt.want)
		}
	}
	bad := []struct {
		name, raw, param, issue string
	}{
		{"empty", "", fhir.ParamIdentifier, fhir.IssueRequired},
		{"wrong check digit", form(fhir.ParamIdentifier, nhsSys+"9434765918"), fhir.ParamIdentifier, fhir.IssueValue},
		{"check value 10", form(fhir.ParamIdentifier, nhsSys+"1234567890"), fhir.ParamIdentifier, fhir.IssueValue},
		{"9 digits", form(fhir.ParamIdentifier, nhsSys+"943476591"), fhir.ParamIdentifier, fhir.IssueValue},
		{"11 digits", form(fhir.ParamIdentifier, nhsSys+"94347659190"), fhir.ParamIdentifier, fhir.IssueValue},
		{"letters", form(fhir.ParamIdentifier, nhsSys+"94347659A9"), fhir.ParamIdentifier, fhir.IssueValue},
		{"all zeros", form(fhir.ParamIdentifier, nhsSys+"0000000000"), fhir.ParamIdentifier, fhir.IssueValue},
		{"full-width digits", form(fhir.ParamIdentifier, nhsSys+"９４３４７６５９１９"), fhir.ParamIdentifier, fhir.IssueValue},
		{"no value", form(fhir.ParamIdentifier, nhsSys), fhir.ParamIdentifier, fhir.IssueValue},
		{"empty parameter", form(fhir.ParamIdentifier, ""), fhir.ParamIdentifier, fhir.IssueRequired},
		{"missing system", form(fhir.ParamIdentifier, "9434765919"), fhir.ParamIdentifier, fhir.IssueRequired},
		{"empty system", form(fhir.ParamIdentifier, "|9434765919"), fhir.ParamIdentifier, fhir.IssueRequired},
		{"other system", form(fhir.ParamIdentifier, "https://fhir.nhs.uk/Id/ods-organization-code|9434765919"), fhir.ParamIdentifier, fhir.IssueNotSupported},
		{"system case", form(fhir.ParamIdentifier, "HTTPS://fhir.nhs.uk/Id/nhs-number|9434765919"), fhir.ParamIdentifier, fhir.IssueNotSupported},
		{"two identifiers OR", form(fhir.ParamIdentifier, nhsSys+"9434765919,"+nhsSys+"9990000018"), fhir.ParamIdentifier, fhir.IssueNotSupported},
		{"two identifiers AND", form(fhir.ParamIdentifier, nhsSys+"9434765919", fhir.ParamIdentifier, nhsSys+"9990000018"), fhir.ParamIdentifier, fhir.IssueNotSupported},
		{"repeated same", form(fhir.ParamIdentifier, nhsSys+"9434765919", fhir.ParamIdentifier, nhsSys+"9434765919"), fhir.ParamIdentifier, fhir.IssueNotSupported},
		{"repeated count", form(fhir.ParamIdentifier, nhsSys+"9434765919", "_count", "1", "_count", "2"), "_count", fhir.IssueInvalid},
		{"count too big", form(fhir.ParamIdentifier, nhsSys+"9434765919", "_count", "100000"), "_count", fhir.IssueValue},
		{"count 21", form(fhir.ParamIdentifier, nhsSys+"9434765919", "_count", "21"), "_count", fhir.IssueValue},
		{"count negative", form(fhir.ParamIdentifier, nhsSys+"9434765919", "_count", "-1"), "_count", fhir.IssueValue},
		{"count plus", form(fhir.ParamIdentifier, nhsSys+"9434765919", "_count", "+5"), "_count", fhir.IssueValue},
		{"count overflow", form(fhir.ParamIdentifier, nhsSys+"9434765919", "_count", "99999999999999999999"), "_count", fhir.IssueValue},
		{"include", form(fhir.ParamIdentifier, nhsSys+"9434765919", "_include", "*"), "_include", fhir.IssueNotSupported},
		{"revinclude", form(fhir.ParamIdentifier, nhsSys+"9434765919", "_revinclude", "*"), "_revinclude", fhir.IssueNotSupported},
		{"summary", form(fhir.ParamIdentifier, nhsSys+"9434765919", "_summary", "count"), "_summary", fhir.IssueNotSupported},
		{"xml", form(fhir.ParamIdentifier, nhsSys+"9434765919", "_format", "xml"), "_format", fhir.IssueNotSupported},
		{"unknown", form(fhir.ParamIdentifier, nhsSys+"9434765919", "name", "Smith"), "name", fhir.IssueNotSupported},
		{"status", form(fhir.ParamIdentifier, nhsSys+"9434765919", "status", "active"), "status", fhir.IssueNotSupported},
		{"contains modifier", form("identifier:contains", "943"), "identifier:contains", fhir.IssueNotSupported},
		{"other modifier", form("patient:missing", "true"), "patient:missing", fhir.IssueNotSupported},
		{"flag identifier", form("identifier", nhsSys+"9434765919"), "identifier", fhir.IssueNotSupported},
		{"chain", form("patient.identifier", nhsSys+"9434765919"), "patient.identifier", fhir.IssueNotSupported},
		{"plain patient", form("patient", "9434765919"), "patient", fhir.IssueNotSupported},
		{"subject modifier", form("subject:identifier", nhsSys+"9434765919"), "subject:identifier", fhir.IssueNotSupported},
		{"case", form("Patient:identifier", nhsSys+"9434765919"), "Patient:identifier", fhir.IssueNotSupported},
		{"bad escape", "patient:identifier=%zz", "", fhir.IssueStructure},
		{"semicolon", "patient:identifier=" + url.QueryEscape(nhsSys+"9434765919") + ";_count=1", "", fhir.IssueStructure},
		{"invalid UTF-8", "patient:identifier=%ff%fe", fhir.ParamIdentifier, fhir.IssueStructure},
		{"nameless", "=1&" + form(fhir.ParamIdentifier, nhsSys+"9434765919"), "", fhir.IssueStructure},
		{"control in name", form("a\x00b", "1"), "", fhir.IssueStructure},
		{"bidi in name", form("a\u202eb", "1"), "", fhir.IssueStructure},
	}
	for _, tt := range bad {
		got, err := fhir.ParseFlagSearch(tt.raw)
		var se *fhir.SearchError
		if !errors.As(err, &se) {
			t.Errorf("%s: ParseFlagSearch(%q) = %+v, %v; want a SearchError", tt.name, tt.raw, got, err)
			continue
		}
		if se.Param != tt.param || se.Issue != tt.issue {
			t.Errorf("%s: refused with param %q issue %q (%v); want %q %q", tt.name, se.Param, se.Issue, err, tt.param, tt.issue)
		}
		if hub.ErrorCode(err) != hub.EInvalid {
			t.Errorf("%s: code %q, want invalid", tt.name, hub.ErrorCode(err))
		}
		if strings.Contains(err.Error(), "9434765919") || strings.Contains(err.Error(), "943 476") {
			t.Errorf("%s: the error echoes the NHS number: %v", tt.name, err)
		}
	}
	long := form(fhir.ParamIdentifier, nhsSys+"9434765919", "x", strings.Repeat("a", fhir.MaxSearchBytes))
	if _, err := fhir.ParseFlagSearch(long); hub.ErrorCode(err) != hub.ETooLarge {
		t.Errorf("an oversized search = %v, want too large", err)
	}
}

func TestParsePractitioner(t *testing.T) {
	for _, ok := range []string{"", "Dr A Khan, ED registrar", "  Nurse Zoë Ł  ", strings.Repeat("é", fhir.MaxPractitioner)} {
		if _, err := fhir.ParsePractitioner(ok); err != nil {
			t.Errorf("ParsePractitioner(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"a\nb", "a\x00", "a\u202eb", "a\u200bb", strings.Repeat("x", fhir.MaxPractitioner+1), "\xff"} {
		if _, err := fhir.ParsePractitioner(bad); hub.ErrorField(err) != fhir.PractitionerHeader {
			t.Errorf("ParsePractitioner(%q) = %v, want refused naming the header", bad, err)
		}
	}
}

// FuzzParseFlagSearch: no panics; an accepted search holds a valid,
// canonical NHS number and a count within the cap; every refusal is a
// SearchError with a known issue type that does not echo the number.
func FuzzParseFlagSearch(f *testing.F) {
	for _, s := range []string{
		"", "patient:identifier=https://fhir.nhs.uk/Id/nhs-number|9434765919",
		"patient:identifier=https%3A%2F%2Ffhir.nhs.uk%2FId%2Fnhs-number%7C9434765919&_count=3",
		"patient:identifier=https://fhir.nhs.uk/Id/nhs-number|943%20476%205919&_format=json",
		"patient:identifier=https://fhir.nhs.uk/Id/nhs-number|%EF%BC%99",
		"patient.identifier=x", "identifier:contains=1", "_count=100000", "_include=*", "a=1&a=2", "%", ";", "=&=",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		s, err := fhir.ParseFlagSearch(raw)
		if err == nil {
			if canon, err := ident.NHSNumber(s.NHSNumber); err != nil || canon != s.NHSNumber {
				t.Fatalf("accepted %q with NHS number %q (%v)", raw, s.NHSNumber, err)
			}
			if s.Count < 0 || s.Count > fhir.MaxCount {
				t.Fatalf("accepted %q with count %d", raw, s.Count)
			}
			return
		}
		var se *fhir.SearchError
		if !errors.As(err, &se) {
			t.Fatalf("refused %q with %T %v", raw, err, err)
		}
		known := false
		for _, c := range fhirtest.IssueTypes {
			known = known || c == se.Issue
		}
		if !known {
			t.Fatalf("issue type %q is not in the R4 value set", se.Issue)
		}
		if c := hub.ErrorCode(err); c != hub.EInvalid && c != hub.ETooLarge {
			t.Fatalf("refused %q with code %q", raw, c)
		}
	})
}
