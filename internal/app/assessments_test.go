package app_test

import (
	"strings"
	"testing"
	"time"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/apptest"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
	"github.com/safehub/safehub/internal/store/storetest"
)

// notificationsOf returns a user's notifications, newest first.
func notificationsOf(t testing.TB, e *apptest.Env, userID string) []*hub.Notification {
	t.Helper()
	var out []*hub.Notification
	err := e.Store.Read(ctx, func(tx *store.Tx) error {
		var err error
		out, _, err = tx.FindNotifications(store.NotificationFilter{UserID: userID, Limit: 100})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestAssessmentCycle: agencies contribute separately; the union is
// scored; the level needs a reason when it differs from the suggestion;
// setting it completes the cycle, sets the review date and tells the
// managers of the area (no case lead known); a review is a new cycle; the
// history keeps every change; each step is one audit event.
func TestAssessmentCycle(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		prac, police, nurse, edu, mgr := e.RoleActor(hub.RolePractitioner), e.RoleActor(hub.RolePolice), e.RoleActor(hub.RoleNurse), e.RoleActor(hub.RoleEducation), e.RoleActor(hub.RoleManager)
		child := e.NewPerson(t, "856", app.PersonInput{GivenName: "Kai", FamilyName: "Reed", DateOfBirth: "2011-02-03"})
		s := hub.Subject{Kind: hub.SubjectPerson, ID: child.ID}
		ref, err := e.App.RecordReferral(ctx, police, validReferral(child))
		if err != nil {
			t.Fatal(err)
		}

		var x *hub.Assessment
		ev := oneEvent(t, e, 0, func() (err error) { x, err = e.App.StartAssessment(ctx, prac, s, ref.ID); return err })
		checkEvent(t, ev, wantEvent{ActorID: prac.ID, Action: hub.ActCreate, ObjectType: "assessment", ObjectID: x.ID, SubjectID: child.ID, Outcome: hub.OutcomeSuccess})
		if x.Cycle != 1 || !x.Latest || x.Status != hub.AssessmentOpen || x.ReferralID != ref.ID {
			t.Errorf("started = %+v", x)
		}
		unchanged(t, e, hub.EConflict, "", 0, func() error { _, err := e.App.StartAssessment(ctx, prac, s, ""); return err })
		other := e.NewPerson(t, "856", app.PersonInput{GivenName: "Other"})
		unchanged(t, e, hub.EInvalid, "referral_id", 0, func() error {
			_, err := e.App.StartAssessment(ctx, prac, hub.Subject{Kind: hub.SubjectPerson, ID: other.ID}, ref.ID)
			return err
		})

		// Nobody has contributed: no level yet.
		unchanged(t, e, hub.EInvalid, "level", 0, func() error {
			_, err := e.App.SetAssessmentLevel(ctx, prac, x.ID, x.Version, app.LevelInput{Level: "none"})
			return err
		})

		contribute := func(a *access.Actor, codes ...string) *hub.Assessment {
			t.Helper()
			var out *hub.Assessment
			ev := oneEvent(t, e, 0, func() (err error) {
				out, err = e.App.Contribute(ctx, a, x.ID, app.ContributionInput{Indicators: codes, Evidence: "seen by " + a.Name})
				return err
			})
			checkEvent(t, ev, wantEvent{ActorID: a.ID, Action: hub.ActUpdate, ObjectType: "assessment", ObjectID: x.ID, SubjectID: child.ID, Outcome: hub.OutcomeSuccess})
			return out
		}
		contribute(police, "drugs_or_cash_found", "arrest_out_of_area", "missing_repeat")
		contribute(nurse, "sexual_health", "missing_repeat")
		contribute(edu, "exclusion")
		// Police change their mind: their earlier contribution is replaced.
		x = contribute(police, "drugs_or_cash_found", "missing_repeat")
		// drugs 4 + missing 3 + sexual health 3 + exclusion 2 = 12: medium.
		if x.Score != 12 || x.Suggested != hub.RiskMedium || len(x.Contributions) != 3 {
			t.Errorf("score %d, suggested %s, %d contributions; want 12, medium, 3", x.Score, x.Suggested, len(x.Contributions))
		}
		if c := x.Contribution(e.Agencies[hub.AgencyPolice].ID); c == nil || len(c.Indicators) != 2 || c.AgencyKind != hub.AgencyPolice || c.AuthorID != police.ID {
			t.Errorf("police contribution = %+v", c)
		}

		unchanged(t, e, hub.EInvalid, "indicators", 0, func() error {
			_, err := e.App.Contribute(ctx, police, x.ID, app.ContributionInput{Indicators: []string{"telepathy"}})
			return err
		})
		unchanged(t, e, hub.EInvalid, "indicators", 0, func() error { _, err := e.App.Contribute(ctx, police, x.ID, app.ContributionInput{}); return err })
		unchanged(t, e, hub.EInvalid, "evidence", 0, func() error {
			_, err := e.App.Contribute(ctx, police, x.ID, app.ContributionInput{Evidence: strings.Repeat("x", hub.MaxEvidence+1)})
			return err
		})
		// Education may contribute but not read the whole assessment, nor
		// set the level.
		unchanged(t, e, hub.EForbidden, "", 0, func() error { _, err := e.App.ViewAssessment(ctx, edu, x.ID); return err })
		f, err := e.App.ContributionFormFor(ctx, edu, x.ID)
		if err != nil || len(f.Assessment.Contributions) != 1 || f.Current == nil || f.Current.AgencyID != edu.AgencyID {
			t.Errorf("education's contribution form shows %+v, %v; want its own contribution only", f, err)
		}

		// A different level needs a reason; the same one does not.
		unchanged(t, e, hub.EInvalid, "reason", 0, func() error {
			_, err := e.App.SetAssessmentLevel(ctx, prac, x.ID, x.Version, app.LevelInput{Level: "high"})
			return err
		})
		unchanged(t, e, hub.EInvalid, "level", 0, func() error {
			_, err := e.App.SetAssessmentLevel(ctx, prac, x.ID, x.Version, app.LevelInput{Level: "extreme", Reason: "x"})
			return err
		})
		unchanged(t, e, hub.EConflict, "", 0, func() error {
			_, err := e.App.SetAssessmentLevel(ctx, prac, x.ID, x.Version-1, app.LevelInput{Level: "medium"})
			return err
		})
		ev = oneEvent(t, e, 0, func() (err error) {
			x, err = e.App.SetAssessmentLevel(ctx, prac, x.ID, x.Version, app.LevelInput{Level: "high", Reason: "Arrested out of area twice in a month."})
			return err
		})
		checkEvent(t, ev, wantEvent{ActorID: prac.ID, Action: hub.ActUpdate, ObjectType: "assessment", ObjectID: x.ID, SubjectID: child.ID, Outcome: hub.OutcomeSuccess})
		if x.Status != hub.AssessmentCompleted || x.Level != hub.RiskHigh || x.AssessedBy != prac.ID || x.ReviewerID != prac.ID {
			t.Errorf("completed = %+v", x)
		}
		if want := (hub.Date{Year: 2026, Month: 12, Day: 25}); x.ReviewDue != want {
			t.Errorf("review due %s, want %s (28 days after a high level)", x.ReviewDue, want)
		}
		ns := notificationsOf(t, e, mgr.ID)
		if len(ns) != 1 || ns[0].Kind != "risk_change" || ns[0].SubjectID != child.ID || !strings.Contains(ns[0].Title, "from none to high") {
			t.Errorf("manager's notifications = %+v", ns)
		}
		if got := notificationsOf(t, e, prac.ID); len(got) != 0 {
			t.Errorf("the assessor was told of their own change: %+v", got)
		}
		// Contributions are closed once completed.
		unchanged(t, e, hub.EConflict, "", 0, func() error {
			_, err := e.App.Contribute(ctx, police, x.ID, app.ContributionInput{Indicators: []string{"weapons"}})
			return err
		})

		v, err := e.App.ViewAssessment(ctx, mgr, x.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(v.History) != 6 || v.History[0].Action != "start" || v.History[5].Action != "level" || len(v.AllContributions) != 4 || len(v.Seen) != 4 {
			t.Errorf("history %d entries, %d contributions ever, %d indicators seen; want 6, 4, 4", len(v.History), len(v.AllContributions), len(v.Seen))
		}
		if !v.CanReview || v.CanContribute {
			t.Errorf("view can review %v, contribute %v", v.CanReview, v.CanContribute)
		}

		// The review: cycle 2 is the latest; the level moves back to
		// medium, and the managers hear of it.
		e.Clock.Advance(24 * time.Hour)
		y, err := e.App.StartAssessment(ctx, prac, s, "")
		if err != nil || y.Cycle != 2 {
			t.Fatalf("review = %+v, %v", y, err)
		}
		if _, err := e.App.Contribute(ctx, police, y.ID, app.ContributionInput{Indicators: []string{"missing_repeat", "older_associates", "multiple_phones"}}); err != nil {
			t.Fatal(err)
		}
		y, _ = e.App.Contribute(ctx, edu, y.ID, app.ContributionInput{Evidence: "Attending well now."})
		unchanged(t, e, hub.EConflict, "", 0, func() error {
			_, err := e.App.SetAssessmentLevel(ctx, prac, x.ID, x.Version, app.LevelInput{Level: "medium", Reason: "old cycle"})
			return err
		})
		if y, err = e.App.SetAssessmentLevel(ctx, prac, y.ID, y.Version, app.LevelInput{Level: "medium"}); err != nil {
			t.Fatal(err)
		}
		if ns := notificationsOf(t, e, mgr.ID); len(ns) != 2 || !strings.Contains(ns[0].Title, "from high to medium") {
			t.Errorf("after the review, manager's notifications = %+v", ns)
		}
		list, err := e.App.AssessmentsOf(ctx, prac, s)
		if err != nil || len(list) != 2 || list[0].Cycle != 2 || !list[0].Latest || list[1].Latest {
			t.Errorf("AssessmentsOf = %+v, %v", list, err)
		}
	})
}

// TestAssessmentAccess: another area's subject, or a restricted child,
// answers not found; roles get what the policy gives.
func TestAssessmentAccess(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		prac, analyst, partner := e.RoleActor(hub.RolePractitioner), e.RoleActor(hub.RoleAnalyst), e.RoleActor(hub.RolePartner)
		farActor := e.Actor(e.NewUser(t, "leics.worker", hub.AgencySocialCare, []hub.Role{hub.RolePractitioner}, "855"))
		far := e.NewPerson(t, "855", app.PersonInput{GivenName: "Far"})
		fs := hub.Subject{Kind: hub.SubjectPerson, ID: far.ID}
		x, err := e.App.StartAssessment(ctx, farActor, fs, "")
		if err != nil {
			t.Fatal(err)
		}
		unchanged(t, e, hub.ENotFound, "", 1, func() error { _, err := e.App.StartAssessment(ctx, prac, fs, ""); return err })
		unchanged(t, e, hub.ENotFound, "", 1, func() error { _, err := e.App.ViewAssessment(ctx, prac, x.ID); return err })
		unchanged(t, e, hub.ENotFound, "", 1, func() error {
			_, err := e.App.Contribute(ctx, prac, x.ID, app.ContributionInput{Indicators: []string{"weapons"}})
			return err
		})
		unchanged(t, e, hub.ENotFound, "", 1, func() error { _, err := e.App.AssessmentsOf(ctx, prac, fs); return err })
		unchanged(t, e, hub.ENotFound, "", 1, func() error { _, err := e.App.ViewAssessment(ctx, prac, hub.NewID()); return err })

		here := e.NewPerson(t, "856", app.PersonInput{GivenName: "Here"})
		hs := hub.Subject{Kind: hub.SubjectPerson, ID: here.ID}
		unchanged(t, e, hub.EForbidden, "", 0, func() error { _, err := e.App.StartAssessment(ctx, analyst, hs, ""); return err })
		unchanged(t, e, hub.EForbidden, "", 0, func() error { _, err := e.App.StartAssessment(ctx, partner, hs, ""); return err })
		y, err := e.App.StartAssessment(ctx, prac, hs, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.App.ViewAssessment(ctx, analyst, y.ID); err != nil {
			t.Errorf("analyst reads an assessment: %v", err)
		}
		unchanged(t, e, hub.EForbidden, "", 0, func() error {
			_, err := e.App.Contribute(ctx, analyst, y.ID, app.ContributionInput{Indicators: []string{"weapons"}})
			return err
		})
		unchanged(t, e, hub.EInvalid, "subject_kind", 0, func() error {
			_, err := e.App.StartAssessment(ctx, prac, hub.Subject{Kind: "planet", ID: here.ID}, "")
			return err
		})
	})
}
