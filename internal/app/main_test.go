package app_test

import (
	"context"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/apptest"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
	"github.com/safehub/safehub/internal/store/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

var ctx = context.Background()

// counts is what a refused or failed use case must leave unchanged.
type counts struct {
	Persons int
	Audit   int64
}

func countsOf(t testing.TB, e *apptest.Env) counts {
	t.Helper()
	var c counts
	err := e.Store.Read(ctx, func(tx *store.Tx) error {
		var err error
		if c.Persons, err = tx.CountPersons(); err != nil {
			return err
		}
		c.Audit, err = tx.AuditSize()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// newestEvents returns the n newest audit events, newest first.
func newestEvents(t testing.TB, e *apptest.Env, n int) []*hub.AuditEvent {
	t.Helper()
	var out []*hub.AuditEvent
	err := e.Store.Read(ctx, func(tx *store.Tx) error {
		var err error
		out, err = tx.FindAuditEvents(store.AuditFilter{Limit: n})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// wantEvent is the part of an audit event a test checks.
type wantEvent struct {
	ActorID    string
	Action     string
	ObjectType string
	ObjectID   string
	SubjectID  string
	Outcome    string
	Purpose    string
}

func eventOf(e *hub.AuditEvent) wantEvent {
	return wantEvent{ActorID: e.ActorID, Action: e.Action, ObjectType: e.ObjectType, ObjectID: e.ObjectID, SubjectID: e.SubjectID, Outcome: e.Outcome, Purpose: e.Purpose}
}

// oneEvent runs fn and checks that it wrote exactly one audit event and
// changed the number of persons by dPersons. It returns the event.
func oneEvent(t testing.TB, e *apptest.Env, dPersons int, fn func() error) *hub.AuditEvent {
	t.Helper()
	before := countsOf(t, e)
	if err := fn(); err != nil {
		t.Fatalf("use case failed: %v", err)
	}
	after := countsOf(t, e)
	if got := after.Audit - before.Audit; got != 1 {
		t.Fatalf("audit events written = %d, want 1", got)
	}
	if got := after.Persons - before.Persons; got != dPersons {
		t.Errorf("persons created = %d, want %d", got, dPersons)
	}
	ev := newestEvents(t, e, 1)[0]
	if ev.Index != before.Audit {
		t.Errorf("event index = %d, want %d", ev.Index, before.Audit)
	}
	return ev
}

// checkEvent compares the checked part of ev with want.
func checkEvent(t testing.TB, ev *hub.AuditEvent, want wantEvent) {
	t.Helper()
	if diff := cmp.Diff(want, eventOf(ev)); diff != "" {
		t.Errorf("audit event mismatch (-want +got):\n%s", diff)
	}
}

// refused runs fn, checks it failed with code and field, and that it wrote
// audit events as wantAudit says (0 for none) and no person.
func refused(t testing.TB, e *apptest.Env, code, field string, wantAudit int64, fn func() error) error {
	t.Helper()
	before := countsOf(t, e)
	err := fn()
	if got := hub.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
	if got := hub.ErrorField(err); got != field {
		t.Errorf("error field = %q (%v), want %q", got, err, field)
	}
	after := countsOf(t, e)
	if after.Persons != before.Persons {
		t.Errorf("persons changed from %d to %d on a refused call", before.Persons, after.Persons)
	}
	if got := after.Audit - before.Audit; got != wantAudit {
		t.Errorf("audit events written = %d, want %d", got, wantAudit)
	}
	return err
}

// person reads a person straight from the store.
func person(t testing.TB, e *apptest.Env, id string) *hub.Person {
	t.Helper()
	var p *hub.Person
	err := e.Store.Read(ctx, func(tx *store.Tx) error {
		var err error
		p, err = tx.Person(id)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// input turns a stored person back into input, for updates.
func input(p *hub.Person) app.PersonInput {
	in := app.PersonInput{AreaID: p.AreaID, GivenName: p.GivenName, FamilyName: p.FamilyName, DateOfBirth: p.DateOfBirth.String(),
		Sex: string(p.Sex), Gender: p.Gender, Ethnicity: p.Ethnicity, Language: p.Language,
		NHSNumber: p.Identifier(hub.IdentNHS), UPN: p.Identifier(hub.IdentUPN), Restricted: p.Sensitivity == hub.SensitivityRestricted}
	for _, a := range p.Addresses {
		in.Addresses = append(in.Addresses, app.AddressInput{Line1: a.Line1, Line2: a.Line2, Town: a.Town, Postcode: a.Postcode})
	}
	for _, ph := range p.Phones {
		in.Phones = append(in.Phones, app.PhoneInput{Number: ph.Number, Kind: ph.Kind})
	}
	return in
}
