package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/demo"
	"github.com/safehub/safehub/internal/fhir"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
	"github.com/safehub/safehub/internal/store/pgtest"
)

// TestHelperServe is not a test of its own: TestLookupDurable runs the test
// binary again with SAFEHUB_TEST_SERVE_CHILD=1 to get a real `safehub
// serve` process it can kill.
func TestHelperServe(t *testing.T) {
	if os.Getenv("SAFEHUB_TEST_SERVE_CHILD") != "1" {
		t.Skip("the serving child process of TestLookupDurable")
	}
	e := &env{stdout: os.Stdout, stderr: os.Stderr, stdin: strings.NewReader(""), getenv: os.Getenv}
	os.Exit(run(context.Background(), e, []string{"serve"}))
}

// lookupWorld fills h's database with a child with a flag and a health
// client, and returns the client's token and the child.
func lookupWorld(t *testing.T, h *hubFixture, nhs string) (string, *hub.Person) {
	t.Helper()
	ctx := context.Background()
	db, a := h.open(t)
	defer db.Close()
	p, err := demo.EnsurePartnership(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	area := p.AreaIDs["856"]
	council := p.AgencyIDs[demo.Agencies[1].Name]
	lead, err := a.CreateUser(ctx, app.System("test"), app.NewUser{Username: "lead.practitioner", DisplayName: "Lead Practitioner", AgencyID: council,
		Roles: []hub.Role{hub.RolePractitioner}, AreaIDs: []string{area}, Password: "correct-tolerable-orchard-lamp"})
	if err != nil {
		t.Fatal(err)
	}
	manager := &access.Actor{Name: "setup", AgencyID: council, Roles: []hub.Role{hub.RoleManager}, AreaIDs: []string{area}}
	child, err := a.CreatePerson(ctx, manager, app.PersonInput{AreaID: area, GivenName: "Durable", FamilyName: "Child", DateOfBirth: "2012-05-06", NHSNumber: nhs, Synthetic: true})
	if err != nil {
		t.Fatal(err)
	}
	nurse := &access.Actor{ID: lead.ID, Name: "nurse", AgencyID: council, Roles: []hub.Role{hub.RoleNurse}, AreaIDs: []string{area}}
	if _, err := a.SetFlag(ctx, nurse, child.ID, app.FlagInput{Category: string(hub.FlagCSE), RiskLevel: "high", Start: a.Today().String(),
		Reason: "test", Advice: "Call the hub.", ContactPhone: "0116 454 1004", ContactHours: "24 hours", LeadUserID: lead.ID}); err != nil {
		t.Fatal(err)
	}
	_, tok, err := a.CreateAPIClient(ctx, app.System("test"), app.NewAPIClient{Name: "LRI ED", Setting: "Leicester Royal Infirmary ED",
		AgencyID: p.AgencyIDs[demo.Agencies[2].Name], Scopes: []hub.Scope{hub.ScopeFlagRead}})
	if err != nil {
		t.Fatal(err)
	}
	return tok, child
}

// TestLookupDurable: the look-up's audit event is durable before the
// answer is sent. A real server process (this test binary, serving) answers
// a look-up with 200 and is killed with SIGKILL at once; the reopened
// database holds the event and its audit log verifies.
func TestLookupDurable(t *testing.T) {
	t.Parallel()
	h := newHub(t, pgtest.EngineSQLite)
	const nhs = "9990000018"
	tok, child := lookupWorld(t, h, nhs)

	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperServe$", "-test.count=1")
	cmd.Env = append(os.Environ(), "SAFEHUB_TEST_SERVE_CHILD=1",
		"SAFEHUB_DB="+h.dsn, "SAFEHUB_AUDIT_KEY_FILE="+h.keyFile, "SAFEHUB_CHECKPOINT_FILE="+h.cpFile,
		"SAFEHUB_ADDR=127.0.0.1:0", "SAFEHUB_LOG_FORMAT=json", "SAFEHUB_LOG_LEVEL=info")
	stderr := &syncBuffer{}
	cmd.Stderr, cmd.Stdout = stderr, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	re := regexp.MustCompile(`"msg":"serving","url":"(http://127\.0\.0\.1:\d+)"`)
	var base string
	for deadline := time.Now().Add(time.Minute); base == ""; {
		if m := re.FindStringSubmatch(stderr.String()); m != nil {
			base = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("the server did not start:\n%s", stderr)
		} else {
			time.Sleep(20 * time.Millisecond)
		}
	}

	req, err := http.NewRequest(http.MethodPost, base+"/fhir/Flag/_search", strings.NewReader(url.Values{fhir.ParamIdentifier: {fhir.SystemNHSNumber + "|" + nhs}}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	// Killed the moment the answer is in: nothing the server does after
	// sending it can matter.
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `"total":1`) {
		t.Fatalf("look-up: %d %s", res.StatusCode, body)
	}
	if strings.Contains(stderr.String(), nhs) {
		t.Errorf("the server's log contains the NHS number:\n%s", stderr)
	}

	db, _ := h.open(t)
	defer db.Close()
	var events []*hub.AuditEvent
	err = db.Read(context.Background(), func(tx *store.Tx) error {
		var err error
		events, err = tx.FindAuditEvents(store.AuditFilter{Action: hub.ActFlagLookup})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 || events[0].SubjectID != child.ID || !strings.Contains(events[0].Detail, "setting: Leicester Royal Infirmary ED") {
		t.Fatalf("look-up events after the kill: %+v", events)
	}
	h.cli().runOK(t, "audit", "verify")
}

var (
	demoToken = regexp.MustCompile(`Bearer (shk_[A-Za-z0-9_-]+)'`)
	demoNHS   = regexp.MustCompile(`nhs-number\|(\d{10})'`)
)

// TestDemoHealthClient: `safehub demo` prints a health client's token and a
// flagged child's NHS number that work with the printed curl command, and
// prints the same token after a restart.
func TestDemoHealthClient(t *testing.T) {
	t.Parallel()
	data := filepath.Join(t.TempDir(), "demo")
	b := start(t, nil, "demo", "--data", data, "--addr", "127.0.0.1:0")
	base := b.waitFor(t, b.stdout, demoURL)
	tok := b.waitFor(t, b.stdout, demoToken)
	nhs := b.waitFor(t, b.stdout, demoNHS)
	if !strings.Contains(b.stdout.String(), "curl -s -X POST "+base+"/fhir/Flag/_search") {
		t.Errorf("demo does not print the curl command:\n%s", b.stdout)
	}
	req, err := http.NewRequest(http.MethodPost, base+"/fhir/Flag/_search", strings.NewReader(url.Values{fhir.ParamIdentifier: {fhir.SystemNHSNumber + "|" + nhs}}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var bundle fhir.Bundle
	err = json.NewDecoder(res.Body).Decode(&bundle)
	res.Body.Close()
	if err != nil || res.StatusCode != http.StatusOK || bundle.Total == nil || *bundle.Total < 1 {
		t.Fatalf("the printed look-up: %d %+v %v", res.StatusCode, bundle, err)
	}
	if fi, err := os.Stat(filepath.Join(data, "health-client.token")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("token file: %v %v", fi, err)
	}
	if code := b.stop(t); code != 0 {
		t.Fatalf("demo: exit %d\n%s", code, b.stderr)
	}
	b = start(t, nil, "demo", "--data", data, "--addr", "127.0.0.1:0")
	if again := b.waitFor(t, b.stdout, demoToken); again != tok {
		t.Errorf("after a restart the demo prints another token")
	}
	if again := b.waitFor(t, b.stdout, demoNHS); again != nhs {
		t.Errorf("after a restart the demo prints NHS number %s, before %s", again, nhs)
	}
}
