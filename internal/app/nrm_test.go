package app_test

import (
	"strings"
	"testing"
	"time"

	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/apptest"
	"github.com/safehub/safehub/internal/deadline"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store/storetest"
)

func TestNRMReferral(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		police := e.RoleActor(hub.RolePolice)
		child := e.NewPerson(t, "856", app.PersonInput{GivenName: "Kai", FamilyName: "Runner", DateOfBirth: "2010-04-04"})
		// Submitted on the Friday before the late May bank holiday 2026
		// (Monday 25 May): five working days run to Monday 1 June.
		submitted := london(2026, 5, 22, 15, 0)
		var n *hub.NRMReferral
		ev := oneEvent(t, e, 0, func() (err error) {
			n, err = e.App.ReferNRM(ctx, police, child.ID, app.NRMInput{SubmittedAt: submitted, FirstResponder: "police", ResponderOfficer: "DC Shah",
				ExploitationType: "criminal_county_lines", Reference: "NRM-DEMO-1", ICTG: "regional_practice_coordinator"})
			return err
		})
		checkEvent(t, ev, wantEvent{ActorID: police.ID, Action: hub.ActCreate, ObjectType: "nrm_referral", ObjectID: n.ID, SubjectID: child.ID, Outcome: hub.OutcomeSuccess})
		if !n.Child || n.Consent != hub.ConsentNotRequired || n.Kind != hub.NRMReferralKind {
			t.Errorf("child referral = kind %s, child %v, consent %s", n.Kind, n.Child, n.Consent)
		}
		if want := london(2026, 6, 1, 15, 0); !n.RGTargetAt.Equal(want) || !n.RGTargetAt.Equal(deadline.EnglandWales().AddWorkingDays(submitted, 5)) {
			t.Errorf("RG target %v, want %v (five working days, skipping the bank holiday)", n.RGTargetAt.In(app.London), want.In(app.London))
		}
		v, err := e.App.ViewNRM(ctx, police, n.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !v.Wait.RGOverdue || v.Wait.DaysSinceSubmission != 189 || v.Wait.RGDaysOverdue == 0 {
			t.Errorf("waiting = %+v, want overdue, 189 days since submission", v.Wait)
		}

		// Decisions: the CG must wait the recovery period.
		if _, err := e.App.RecordCGDecision(ctx, police, n.ID, n.Version, app.NRMDecision{Decision: "victim_modern_slavery", DecidedOn: "2026-09-01"}); hub.ErrorField(err) != "cg_decision" {
			t.Errorf("CG before RG: %v, want refused on cg_decision", err)
		}
		if _, err := e.App.RecordRGDecision(ctx, police, n.ID, n.Version, app.NRMDecision{Decision: "positive", DecidedOn: "2026-05-21"}); hub.ErrorField(err) != "rg_decided_on" {
			t.Errorf("RG before submission: %v, want refused", err)
		}
		if _, err := e.App.RecordRGDecision(ctx, police, n.ID, n.Version, app.NRMDecision{Decision: "positive", DecidedOn: "2026-12-01"}); hub.ErrorField(err) != "rg_decided_on" {
			t.Errorf("RG in the future: %v, want refused", err)
		}
		if _, err := e.App.RecordRGDecision(ctx, police, n.ID, n.Version, app.NRMDecision{Decision: "maybe", DecidedOn: "2026-06-10"}); hub.ErrorField(err) != "rg_decision" {
			t.Errorf("unknown RG: %v, want refused", err)
		}
		if n, err = e.App.RecordRGDecision(ctx, police, n.ID, n.Version, app.NRMDecision{Decision: "positive", DecidedOn: "2026-06-10"}); err != nil {
			t.Fatal(err)
		}
		if n.RecoveryEnds.String() != "2026-07-10" {
			t.Errorf("recovery ends %s, want 2026-07-10", n.RecoveryEnds)
		}
		before := missingCountsOf(t, e)
		if _, err := e.App.RecordCGDecision(ctx, police, n.ID, n.Version, app.NRMDecision{Decision: "victim_modern_slavery", DecidedOn: "2026-07-09"}); hub.ErrorField(err) != "cg_decided_on" || !strings.Contains(err.Error(), "recovery period") {
			t.Errorf("CG within the recovery period: %v, want refused on cg_decided_on", err)
		}
		if after := missingCountsOf(t, e); after != before {
			t.Errorf("refused decision changed counts: %+v → %+v", before, after)
		}
		if n, err = e.App.RecordCGDecision(ctx, police, n.ID, n.Version, app.NRMDecision{Decision: "victim_modern_slavery", DecidedOn: "2026-07-10", Outcome: "Recognised"}); err != nil {
			t.Fatalf("CG on the day the recovery period ends: %v", err)
		}
		if w := app.NRMWaiting(n, e.Clock.Now()); w.RGOverdue || w.CGWaitDays != 30 || w.RGWorkingDays != 12 {
			t.Errorf("waiting after decisions = %+v, want CG after 30 days, RG after 12 working days", w)
		}
	})
}

// TestNRMConsent: V-NRM. A child needs no consent; an adult consents to
// the NRM or, declining, is notified under the Duty to Notify; the Duty to
// Notify is for adults who decline only.
func TestNRMConsent(t *testing.T) {
	e := apptest.New(t, storetest.Engines()[0], apptest.Options{})
	police := e.RoleActor(hub.RolePolice)
	child := e.NewPerson(t, "856", app.PersonInput{GivenName: "Young", FamilyName: "One", DateOfBirth: "2012-01-01"})
	adult := e.NewPerson(t, "856", app.PersonInput{GivenName: "Cuckooed", FamilyName: "Tenant", DateOfBirth: "1970-01-01"})
	unknown := e.NewPerson(t, "856", app.PersonInput{GivenName: "No", FamilyName: "Birthday"})
	yes, no := true, false
	base := app.NRMInput{SubmittedAt: e.Clock.Now().Add(-24 * time.Hour), FirstResponder: "local_authority", ExploitationType: "criminal_county_lines"}
	tests := []struct {
		name   string
		person *hub.Person
		edit   func(in *app.NRMInput)
		field  string
		kind   hub.NRMKind
	}{
		{"child, no consent needed", child, func(in *app.NRMInput) {}, "", hub.NRMReferralKind},
		{"child with consent given", child, func(in *app.NRMInput) { in.Consent = "given" }, "consent", ""},
		{"child as duty to notify", child, func(in *app.NRMInput) { in.Kind = "dtn" }, "kind", ""},
		{"adult who consents", adult, func(in *app.NRMInput) { in.Consent = "given" }, "", hub.NRMReferralKind},
		{"adult who declines", adult, func(in *app.NRMInput) { in.Consent = "declined" }, "", hub.NRMDutyToNotify},
		{"adult declining but referred", adult, func(in *app.NRMInput) { in.Consent, in.Kind = "declined", "nrm" }, "kind", ""},
		{"adult consenting but notified", adult, func(in *app.NRMInput) { in.Consent, in.Kind = "given", "dtn" }, "kind", ""},
		{"adult without consent", adult, func(in *app.NRMInput) {}, "consent", ""},
		{"adult with consent not required", adult, func(in *app.NRMInput) { in.Consent = "not_required" }, "consent", ""},
		{"adult with a guardian", adult, func(in *app.NRMInput) { in.Consent, in.ICTG = "given", "direct_worker" }, "ictg", ""},
		{"age unknown, not said", unknown, func(in *app.NRMInput) {}, "is_child", ""},
		{"age unknown, said child", unknown, func(in *app.NRMInput) { in.Child = &yes }, "", hub.NRMReferralKind},
		{"adult said to be a child", adult, func(in *app.NRMInput) { in.Child, in.Consent = &yes, "" }, "is_child", ""},
		{"child said to be adult", child, func(in *app.NRMInput) { in.Child, in.Consent = &no, "given" }, "is_child", ""},
		{"unknown first responder", child, func(in *app.NRMInput) { in.FirstResponder = "neighbour" }, "first_responder", ""},
		{"unknown exploitation", child, func(in *app.NRMInput) { in.ExploitationType = "cuckooing" }, "exploitation_type", ""},
		{"submitted in the future", child, func(in *app.NRMInput) { in.SubmittedAt = e.Clock.Now().Add(time.Hour) }, "submitted_at", ""},
		{"not submitted", child, func(in *app.NRMInput) { in.SubmittedAt = time.Time{} }, "submitted_at", ""},
		{"oversized notes", child, func(in *app.NRMInput) { in.Notes = strings.Repeat("n", hub.MaxNoteLen+1) }, "notes", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := base
			tt.edit(&in)
			before := missingCountsOf(t, e)
			n, err := e.App.ReferNRM(ctx, police, tt.person.ID, in)
			if tt.field != "" {
				if hub.ErrorCode(err) != hub.EInvalid || hub.ErrorField(err) != tt.field {
					t.Errorf("ReferNRM = %v, want invalid %s", err, tt.field)
				}
				if after := missingCountsOf(t, e); after != before {
					t.Errorf("counts changed: %+v → %+v", before, after)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if n.Kind != tt.kind {
				t.Errorf("kind = %s, want %s", n.Kind, tt.kind)
			}
			if n.Kind == hub.NRMDutyToNotify {
				if !n.RGTargetAt.IsZero() {
					t.Errorf("a Duty to Notify has an RG target")
				}
				if _, err := e.App.RecordRGDecision(ctx, police, n.ID, n.Version, app.NRMDecision{Decision: "positive", DecidedOn: "2026-11-26"}); hub.ErrorField(err) != "rg_decision" {
					t.Errorf("decision on a Duty to Notify: %v, want refused", err)
				}
			}
		})
	}
	list, err := e.App.NRMReferrals(ctx, e.RoleActor(hub.RoleManager), app.NRMQuery{})
	if err != nil || list.Total != 4 || list.RGPending != 3 {
		t.Errorf("manager's NRM list: total %d, RG pending %d, %v; want 4, 3", list.Total, list.RGPending, err)
	}
	if _, err := e.App.NRMReferrals(ctx, e.RoleActor(hub.RoleEducation), app.NRMQuery{}); hub.ErrorCode(err) != hub.EForbidden {
		t.Errorf("education's NRM list: %v, want forbidden", err)
	}
	if _, err := e.App.ReferNRM(ctx, e.RoleActor(hub.RoleNurse), child.ID, base); hub.ErrorCode(err) != hub.EForbidden {
		t.Errorf("nurse referring: %v, want forbidden", err)
	}
}
