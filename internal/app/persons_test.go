package app_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/apptest"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
	"github.com/safehub/safehub/internal/store/storetest"
)

// TestAuditOneEventPerUseCase runs each use case once and checks that it
// wrote exactly one audit event naming the actor, action, object, subject
// and outcome (security.md AUD-01).
func TestAuditOneEventPerUseCase(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		prac, mgr, aud, adm := e.RoleActor(hub.RolePractitioner), e.RoleActor(hub.RoleManager), e.RoleActor(hub.RoleAuditor), e.RoleActor(hub.RoleAdmin)
		rutland := e.Actor(e.NewUser(t, "rutland.practitioner", hub.AgencySocialCare, []hub.Role{hub.RolePractitioner}, "857"))

		var p *hub.Person
		ev := oneEvent(t, e, 1, func() (err error) {
			p, err = e.App.CreatePerson(ctx, prac, app.PersonInput{AreaID: e.Areas["856"].ID, GivenName: "Amelia", FamilyName: "Khan", DateOfBirth: "2011-03-02", NHSNumber: "943 476 5919"})
			return err
		})
		checkEvent(t, ev, wantEvent{ActorID: prac.ID, Action: hub.ActCreate, ObjectType: "person", ObjectID: p.ID, SubjectID: p.ID, Outcome: hub.OutcomeSuccess})
		if ev.AgencyID != prac.AgencyID || ev.Role != string(hub.RolePractitioner) || ev.ActorName != prac.Name {
			t.Errorf("create event actor = %q/%q/%q, want %q/%q/%q", ev.ActorName, ev.AgencyID, ev.Role, prac.Name, prac.AgencyID, hub.RolePractitioner)
		}
		if !ev.Time.Equal(e.Clock.Now().Truncate(time.Microsecond)) {
			t.Errorf("create event time = %v, want the clock's %v", ev.Time, e.Clock.Now())
		}

		ev = oneEvent(t, e, 0, func() error { _, err := e.App.ViewPerson(ctx, prac, p.ID); return err })
		checkEvent(t, ev, wantEvent{ActorID: prac.ID, Action: hub.ActView, ObjectType: "person", ObjectID: p.ID, SubjectID: p.ID, Outcome: hub.OutcomeSuccess})

		ev = oneEvent(t, e, 0, func() error {
			_, err := e.App.SearchPersons(ctx, prac, app.PersonQuery{Text: "Khan"})
			return err
		})
		checkEvent(t, ev, wantEvent{ActorID: prac.ID, Action: hub.ActSearch, ObjectType: "person", Outcome: hub.OutcomeSuccess})
		if ev.Detail != "by name; 1 results" || strings.Contains(ev.Detail, "Khan") {
			t.Errorf("search event detail = %q, want the kind of search and the count, never the terms", ev.Detail)
		}

		ev = oneEvent(t, e, 0, func() error {
			in := input(p)
			in.Language = "Urdu"
			_, err := e.App.UpdatePerson(ctx, prac, p.ID, 1, in)
			return err
		})
		checkEvent(t, ev, wantEvent{ActorID: prac.ID, Action: hub.ActUpdate, ObjectType: "person", ObjectID: p.ID, SubjectID: p.ID, Outcome: hub.OutcomeSuccess})

		ev = oneEvent(t, e, 0, func() error { _, err := e.App.PersonAccessLog(ctx, mgr, p.ID, 50); return err })
		checkEvent(t, ev, wantEvent{ActorID: mgr.ID, Action: hub.ActView, ObjectType: "access_log", ObjectID: p.ID, SubjectID: p.ID, Outcome: hub.OutcomeSuccess})

		const reason = "Child reported missing in Rutland tonight"
		ev = oneEvent(t, e, 0, func() error { return e.App.OpenByBreakingGlass(ctx, rutland, p.ID, reason) })
		checkEvent(t, ev, wantEvent{ActorID: rutland.ID, Action: hub.ActBreak, ObjectType: "person", ObjectID: p.ID, SubjectID: p.ID, Outcome: hub.OutcomeSuccess, Purpose: reason})

		ev = oneEvent(t, e, 0, func() error { _, err := e.App.ViewPerson(ctx, rutland, p.ID); return err })
		checkEvent(t, ev, wantEvent{ActorID: rutland.ID, Action: hub.ActBreak, ObjectType: "person", ObjectID: p.ID, SubjectID: p.ID, Outcome: hub.OutcomeSuccess})

		var grants []app.BreakGlassGrant
		ev = oneEvent(t, e, 0, func() (err error) { grants, err = e.App.BreakGlassGrants(ctx, aud, true); return err })
		checkEvent(t, ev, wantEvent{ActorID: aud.ID, Action: hub.ActView, ObjectType: "break_glass", Outcome: hub.OutcomeSuccess})
		if len(grants) != 1 {
			t.Fatalf("BreakGlassGrants = %d grants, want 1", len(grants))
		}

		ev = oneEvent(t, e, 0, func() error { return e.App.ReviewBreakGlass(ctx, aud, grants[0].ID) })
		checkEvent(t, ev, wantEvent{ActorID: aud.ID, Action: hub.ActUpdate, ObjectType: "break_glass", ObjectID: grants[0].ID, Outcome: hub.OutcomeSuccess})

		ev = oneEvent(t, e, 0, func() error { _, err := e.App.AuditEvents(ctx, aud, store.AuditFilter{}); return err })
		checkEvent(t, ev, wantEvent{ActorID: aud.ID, Action: hub.ActView, ObjectType: "audit_log", Outcome: hub.OutcomeSuccess})

		var u *hub.User
		ev = oneEvent(t, e, 0, func() (err error) {
			u, err = e.App.CreateUser(ctx, adm, app.NewUser{Username: "new.worker", DisplayName: "New Worker", AgencyID: e.Agencies[hub.AgencyPolice].ID,
				AreaIDs: []string{e.Areas["856"].ID}, Roles: []hub.Role{hub.RolePolice}, Password: apptest.Password})
			return err
		})
		checkEvent(t, ev, wantEvent{ActorID: adm.ID, Action: hub.ActCreate, ObjectType: "user", ObjectID: u.ID, Outcome: hub.OutcomeSuccess})

		ev = oneEvent(t, e, 0, func() error {
			name := "Newer Worker"
			_, err := e.App.UpdateUser(ctx, adm, u.ID, app.UserChange{Version: u.Version, DisplayName: &name})
			return err
		})
		checkEvent(t, ev, wantEvent{ActorID: adm.ID, Action: hub.ActUpdate, ObjectType: "user", ObjectID: u.ID, Outcome: hub.OutcomeSuccess})

		var login *app.Login
		ev = oneEvent(t, e, 0, func() (err error) { login, err = e.App.SignIn(ctx, "new.worker", apptest.Password); return err })
		checkEvent(t, ev, wantEvent{ActorID: u.ID, Action: hub.ActLogin, ObjectType: "user", ObjectID: u.ID, Outcome: hub.OutcomeSuccess})

		ev = oneEvent(t, e, 0, func() error {
			_, err := e.App.SignIn(ctx, "new.worker", "not the password at all")
			if !errors.Is(err, hub.ErrUnauthorized) {
				t.Errorf("SignIn(wrong password) = %v, want unauthorized", err)
			}
			return nil
		})
		checkEvent(t, ev, wantEvent{ActorID: u.ID, Action: hub.ActLogin, ObjectType: "user", ObjectID: u.ID, Outcome: hub.OutcomeFailure})

		pr, err := e.App.Authenticate(ctx, login.Token)
		if err != nil {
			t.Fatal(err)
		}
		ev = oneEvent(t, e, 0, func() error {
			return e.App.ChangePassword(ctx, pr, apptest.Password, "a-brand-new-long-passphrase", false)
		})
		checkEvent(t, ev, wantEvent{ActorID: u.ID, Action: hub.ActUpdate, ObjectType: "user", ObjectID: u.ID, Outcome: hub.OutcomeSuccess})

		ev = oneEvent(t, e, 0, func() error { _, err := e.App.EndOtherSessions(ctx, pr); return err })
		checkEvent(t, ev, wantEvent{ActorID: u.ID, Action: hub.ActLogout, ObjectType: "user", ObjectID: u.ID, Outcome: hub.OutcomeSuccess})

		ev = oneEvent(t, e, 0, func() error { return e.App.SignOut(ctx, pr) })
		checkEvent(t, ev, wantEvent{ActorID: u.ID, Action: hub.ActLogout, ObjectType: "user", ObjectID: u.ID, Outcome: hub.OutcomeSuccess})

		ev = oneEvent(t, e, 0, func() error {
			disabled := true
			_, err := e.App.UpdateUser(ctx, adm, u.ID, app.UserChange{Disabled: &disabled})
			return err
		})
		checkEvent(t, ev, wantEvent{ActorID: adm.ID, Action: hub.ActDisable, ObjectType: "user", ObjectID: u.ID, Outcome: hub.OutcomeSuccess})

		var c *hub.APIClient
		ev = oneEvent(t, e, 0, func() (err error) {
			c, _, err = e.App.CreateAPIClient(ctx, adm, app.NewAPIClient{Name: "ED", AgencyID: e.Agencies[hub.AgencyHealth].ID, Scopes: []hub.Scope{hub.ScopeFlagRead}})
			return err
		})
		checkEvent(t, ev, wantEvent{ActorID: adm.ID, Action: hub.ActCreate, ObjectType: "api_client", ObjectID: c.ID, Outcome: hub.OutcomeSuccess})

		ev = oneEvent(t, e, 0, func() error { return e.App.RevokeAPIClient(ctx, adm, c.ID) })
		checkEvent(t, ev, wantEvent{ActorID: adm.ID, Action: hub.ActRevoke, ObjectType: "api_client", ObjectID: c.ID, Outcome: hub.OutcomeSuccess})

		ag := &hub.Agency{Name: "Another Charity", Kind: hub.AgencyVoluntary}
		ev = oneEvent(t, e, 0, func() error { return e.App.CreateAgency(ctx, adm, ag) })
		checkEvent(t, ev, wantEvent{ActorID: adm.ID, Action: hub.ActCreate, ObjectType: "agency", ObjectID: ag.ID, Outcome: hub.OutcomeSuccess})

		ag.Name = "Another Charity Renamed"
		ev = oneEvent(t, e, 0, func() error { return e.App.UpdateAgency(ctx, adm, ag) })
		checkEvent(t, ev, wantEvent{ActorID: adm.ID, Action: hub.ActUpdate, ObjectType: "agency", ObjectID: ag.ID, Outcome: hub.OutcomeSuccess})

		ar := &hub.Area{Code: "858", Name: "Somewhere Else"}
		ev = oneEvent(t, e, 0, func() error { return e.App.CreateArea(ctx, adm, ar) })
		checkEvent(t, ev, wantEvent{ActorID: adm.ID, Action: hub.ActCreate, ObjectType: "area", ObjectID: ar.ID, Outcome: hub.OutcomeSuccess})
	})
}

// TestViewPersonOutOfArea checks that a record outside the actor's areas
// answers not found, exactly as a missing one does, and that the refusal is
// audited (SEC-22, AUD-02).
func TestViewPersonOutOfArea(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		prac := e.RoleActor(hub.RolePractitioner)
		p := e.NewPerson(t, "855", app.PersonInput{GivenName: "Leo", FamilyName: "Shire"})

		var notFound error
		ev := oneEvent(t, e, 0, func() error {
			_, notFound = e.App.ViewPerson(ctx, prac, p.ID)
			return nil
		})
		if !errors.Is(notFound, hub.ErrNotFound) {
			t.Fatalf("ViewPerson(out of area) = %v, want not found", notFound)
		}
		checkEvent(t, ev, wantEvent{ActorID: prac.ID, Action: hub.ActView, ObjectType: "person", ObjectID: p.ID, SubjectID: p.ID, Outcome: hub.OutcomeDenied})
		if ev.Detail != "record outside actor's areas" {
			t.Errorf("denied event detail = %q", ev.Detail)
		}

		missing := hub.NewID()
		var missingErr error
		ev = oneEvent(t, e, 0, func() error {
			_, missingErr = e.App.ViewPerson(ctx, prac, missing)
			return nil
		})
		checkEvent(t, ev, wantEvent{ActorID: prac.ID, Action: hub.ActView, ObjectType: "person", ObjectID: missing, Outcome: hub.OutcomeDenied})
		if hub.ErrorMessage(missingErr) != hub.ErrorMessage(notFound) || hub.ErrorCode(missingErr) != hub.ErrorCode(notFound) {
			t.Errorf("missing record error %v differs from out-of-area error %v: existence leaks", missingErr, notFound)
		}

		// Nor may the practitioner change it: not found, denial audited,
		// record unchanged.
		in := input(p)
		in.GivenName = "Changed"
		ev = oneEvent(t, e, 0, func() error {
			_, err := e.App.UpdatePerson(ctx, prac, p.ID, p.Version, in)
			if !errors.Is(err, hub.ErrNotFound) {
				t.Errorf("UpdatePerson(out of area) = %v, want not found", err)
			}
			return nil
		})
		checkEvent(t, ev, wantEvent{ActorID: prac.ID, Action: hub.ActUpdate, ObjectType: "person", ObjectID: p.ID, SubjectID: p.ID, Outcome: hub.OutcomeDenied})
		if got := person(t, e, p.ID); got.GivenName != "Leo" || got.Version != p.Version {
			t.Errorf("after a refused update the person is %q version %d", got.GivenName, got.Version)
		}
	})
}

// TestRestrictedPerson checks that a restricted record is hidden from
// practitioners in search and view but visible to managers and auditors in
// the area.
func TestRestrictedPerson(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		open := e.NewPerson(t, "856", app.PersonInput{GivenName: "Ruby", FamilyName: "Quill", DateOfBirth: "2010-05-05"})
		hidden := e.NewPerson(t, "856", app.PersonInput{GivenName: "Rosa", FamilyName: "Quill", DateOfBirth: "2010-05-05", Restricted: true})
		if hidden.Sensitivity != hub.SensitivityRestricted {
			t.Fatalf("restricted person has sensitivity %q", hidden.Sensitivity)
		}
		ids := func(r *app.SearchResult) []string {
			var out []string
			for _, p := range r.Persons {
				out = append(out, p.ID)
			}
			return out
		}
		for _, tc := range []struct {
			role    hub.Role
			sees    bool
			results []string
		}{
			{hub.RolePractitioner, false, []string{open.ID}},
			{hub.RolePolice, false, []string{open.ID}},
			{hub.RoleManager, true, []string{open.ID, hidden.ID}},
			{hub.RoleAuditor, true, []string{open.ID, hidden.ID}},
		} {
			t.Run(string(tc.role), func(t *testing.T) {
				a := e.RoleActor(tc.role)
				res, err := e.App.SearchPersons(ctx, a, app.PersonQuery{Text: "Quill"})
				if err != nil {
					t.Fatal(err)
				}
				// Same family name: ordered by given name, Rosa before Ruby.
				want := tc.results
				if tc.sees {
					want = []string{hidden.ID, open.ID}
				}
				if diff := cmp.Diff(want, ids(res)); diff != "" || res.Total != len(want) {
					t.Errorf("search results (total %d) (-want +got):\n%s", res.Total, diff)
				}
				before := countsOf(t, e)
				v, err := e.App.ViewPerson(ctx, a, hidden.ID)
				if tc.sees {
					if err != nil || v.Person.ID != hidden.ID {
						t.Errorf("ViewPerson(restricted) = %v, want the record", err)
					}
				} else if !errors.Is(err, hub.ErrNotFound) {
					t.Errorf("ViewPerson(restricted) = %v, want not found", err)
				}
				if got := countsOf(t, e).Audit - before.Audit; got != 1 {
					t.Errorf("view wrote %d audit events, want 1", got)
				}
				ev := newestEvents(t, e, 1)[0]
				wantOutcome := hub.OutcomeDenied
				if tc.sees {
					wantOutcome = hub.OutcomeSuccess
				}
				checkEvent(t, ev, wantEvent{ActorID: a.ID, Action: hub.ActView, ObjectType: "person", ObjectID: hidden.ID, SubjectID: hidden.ID, Outcome: wantOutcome})
			})
		}
	})
}

// TestBreakGlass checks the break-glass flow: a reason is required, the
// grant lets the actor read for BreakGlassDuration and then ends, it is
// listed for the auditor, and it never allows changes.
func TestBreakGlass(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		prac := e.RoleActor(hub.RolePractitioner) // Leicester (856)
		aud := e.RoleActor(hub.RoleAuditor)
		p := e.NewPerson(t, "857", app.PersonInput{GivenName: "Kai", FamilyName: "Oakham"})

		for _, reason := range []string{"", "   ", "urgent", "too short", strings.Repeat(" ", 20) + "abc"} {
			refused(t, e, hub.EInvalid, "reason", 0, func() error { return e.App.OpenByBreakingGlass(ctx, prac, p.ID, reason) })
		}
		if _, err := e.App.ViewPerson(ctx, prac, p.ID); !errors.Is(err, hub.ErrNotFound) {
			t.Fatalf("ViewPerson before breaking glass = %v, want not found", err)
		}

		// Roles without break-glass (analyst) and tokens are refused as not
		// found, and the refusal is audited.
		analyst := e.RoleActor(hub.RoleAnalyst)
		ev := oneEvent(t, e, 0, func() error {
			if err := e.App.OpenByBreakingGlass(ctx, analyst, p.ID, "Need to check an association urgently"); !errors.Is(err, hub.ErrNotFound) {
				t.Errorf("OpenByBreakingGlass(analyst) = %v, want not found", err)
			}
			return nil
		})
		checkEvent(t, ev, wantEvent{ActorID: analyst.ID, Action: hub.ActBreak, ObjectType: "person", ObjectID: p.ID, SubjectID: p.ID, Outcome: hub.OutcomeDenied, Purpose: "Need to check an association urgently"})
		tokenActor := *prac
		tokenActor.Token, tokenActor.Scopes = true, []hub.Scope{hub.ScopePersonRead}
		if err := e.App.OpenByBreakingGlass(ctx, &tokenActor, p.ID, "Scripted break-glass attempt"); !errors.Is(err, hub.ErrNotFound) {
			t.Errorf("OpenByBreakingGlass(token) = %v, want not found", err)
		}
		if e.App.CanBreakGlass(&tokenActor) || !e.App.CanBreakGlass(prac) || e.App.CanBreakGlass(analyst) {
			t.Errorf("CanBreakGlass: token %v, practitioner %v, analyst %v; want false, true, false",
				e.App.CanBreakGlass(&tokenActor), e.App.CanBreakGlass(prac), e.App.CanBreakGlass(analyst))
		}
		// A record the actor can already read needs no glass broken.
		own := e.NewPerson(t, "856", app.PersonInput{GivenName: "Own", FamilyName: "Area"})
		if err := e.App.OpenByBreakingGlass(ctx, prac, own.ID, "No need for this at all really"); !errors.Is(err, hub.ErrNotFound) {
			t.Errorf("OpenByBreakingGlass(readable record) = %v, want not found", err)
		}

		const reason = "Police report the child missing overnight"
		start := e.Clock.Now()
		if err := e.App.OpenByBreakingGlass(ctx, prac, p.ID, "  "+reason+"  "); err != nil {
			t.Fatal(err)
		}
		v, err := e.App.ViewPerson(ctx, prac, p.ID)
		if err != nil {
			t.Fatalf("ViewPerson after breaking glass = %v", err)
		}
		if !v.ViaBreakGlass || v.CanEdit || v.CanSeeAccess {
			t.Errorf("view under break-glass: ViaBreakGlass %v CanEdit %v CanSeeAccess %v, want true false false", v.ViaBreakGlass, v.CanEdit, v.CanSeeAccess)
		}
		ev = newestEvents(t, e, 1)[0]
		if ev.Action != hub.ActBreak || ev.Detail != "read under break-glass" || ev.Outcome != hub.OutcomeSuccess {
			t.Errorf("read under break-glass audited as %s/%s/%q", ev.Action, ev.Outcome, ev.Detail)
		}

		grants, err := e.App.BreakGlassGrants(ctx, aud, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(grants) != 1 {
			t.Fatalf("BreakGlassGrants = %d, want 1", len(grants))
		}
		g := grants[0]
		if g.UserID != prac.ID || g.Username != prac.Name || g.ObjectID != p.ID || g.Reason != reason || !g.ExpiresAt.Equal(start.Add(e.App.Config().BreakGlassDuration)) {
			t.Errorf("grant = %+v (username %q), want by %s for %s, reason %q, until %v", *g.BreakGlass, g.Username, prac.Name, p.ID, reason, start.Add(e.App.Config().BreakGlassDuration))
		}
		if _, err := e.App.BreakGlassGrants(ctx, prac, false); !errors.Is(err, hub.ErrForbidden) {
			t.Errorf("BreakGlassGrants(practitioner) = %v, want forbidden", err)
		}

		// Break-glass widens reading only.
		in := input(p)
		in.GivenName = "Changed"
		if _, err := e.App.UpdatePerson(ctx, prac, p.ID, p.Version, in); !errors.Is(err, hub.ErrNotFound) {
			t.Errorf("UpdatePerson under break-glass = %v, want not found", err)
		}
		if got := person(t, e, p.ID); got.GivenName != "Kai" || got.Version != 1 {
			t.Errorf("person changed under break-glass: %q version %d", got.GivenName, got.Version)
		}
		if _, err := e.App.PersonAccessLog(ctx, prac, p.ID, 10); !errors.Is(err, hub.ErrNotFound) {
			t.Errorf("PersonAccessLog under break-glass = %v, want not found", err)
		}
		// Search stays scoped to the actor's areas.
		res, err := e.App.SearchPersons(ctx, prac, app.PersonQuery{Text: "Oakham"})
		if err != nil || res.Total != 0 {
			t.Errorf("search under break-glass = %d results (%v), want 0", res.Total, err)
		}

		// Still open a second before the end, closed at the end.
		e.Clock.Advance(e.App.Config().BreakGlassDuration - time.Second)
		if _, err := e.App.ViewPerson(ctx, prac, p.ID); err != nil {
			t.Errorf("ViewPerson just before the grant ends = %v", err)
		}
		e.Clock.Advance(time.Second)
		if _, err := e.App.ViewPerson(ctx, prac, p.ID); !errors.Is(err, hub.ErrNotFound) {
			t.Errorf("ViewPerson after the grant ended = %v, want not found", err)
		}
		ev = newestEvents(t, e, 1)[0]
		checkEvent(t, ev, wantEvent{ActorID: prac.ID, Action: hub.ActView, ObjectType: "person", ObjectID: p.ID, SubjectID: p.ID, Outcome: hub.OutcomeDenied})

		// The auditor reviews it; it leaves the unreviewed list.
		if err := e.App.ReviewBreakGlass(ctx, aud, g.ID); err != nil {
			t.Fatal(err)
		}
		if gs, err := e.App.BreakGlassGrants(ctx, aud, true); err != nil || len(gs) != 0 {
			t.Errorf("unreviewed grants after review = %d (%v), want 0", len(gs), err)
		}
	})
}

// TestUpdatePersonStaleVersion checks optimistic concurrency: a save
// against an old version is refused as a conflict and changes nothing, not
// even the audit log (the transaction is rolled back whole).
func TestUpdatePersonStaleVersion(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		prac := e.RoleActor(hub.RolePractitioner)
		p := e.NewPerson(t, "856", app.PersonInput{GivenName: "Ivy", FamilyName: "Stone", NHSNumber: "9434765919"})

		first := input(p)
		first.Language = "Polish"
		saved, err := e.App.UpdatePerson(ctx, prac, p.ID, 1, first)
		if err != nil {
			t.Fatal(err)
		}
		if saved.Version != 2 {
			t.Fatalf("version after update = %d, want 2", saved.Version)
		}
		want := person(t, e, p.ID)

		second := input(p)
		second.Language = "Welsh"
		second.GivenName = "Ivor"
		err = refused(t, e, hub.EConflict, "", 0, func() error {
			_, err := e.App.UpdatePerson(ctx, prac, p.ID, 1, second)
			return err
		})
		if !errors.Is(err, hub.ErrConflict) {
			t.Errorf("UpdatePerson(stale) = %v, want errors.Is conflict", err)
		}
		if diff := cmp.Diff(want, person(t, e, p.ID)); diff != "" {
			t.Errorf("record changed by a stale save (-want +got):\n%s", diff)
		}
		// A version from the future is no better.
		refused(t, e, hub.EConflict, "", 0, func() error {
			_, err := e.App.UpdatePerson(ctx, prac, p.ID, 7, second)
			return err
		})
		// Invalid input is refused before anything is read or written.
		bad := input(p)
		bad.NHSNumber = "9434765918"
		refused(t, e, hub.EInvalid, "nhs_number", 0, func() error {
			_, err := e.App.UpdatePerson(ctx, prac, p.ID, 2, bad)
			return err
		})
		// A client cannot move a record out of its own areas.
		moved := input(p)
		moved.AreaID = e.Areas["857"].ID
		refused(t, e, hub.EInvalid, "area_id", 0, func() error {
			_, err := e.App.UpdatePerson(ctx, prac, p.ID, 2, moved)
			return err
		})
		if diff := cmp.Diff(want, person(t, e, p.ID)); diff != "" {
			t.Errorf("record changed by refused saves (-want +got):\n%s", diff)
		}
	})
}

// TestPersonAccessLog checks who may see who looked at a record: auditors
// and managers in the area; not practitioners, not managers elsewhere.
func TestPersonAccessLog(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		prac, mgr, aud := e.RoleActor(hub.RolePractitioner), e.RoleActor(hub.RoleManager), e.RoleActor(hub.RoleAuditor)
		p := e.NewPerson(t, "856", app.PersonInput{GivenName: "Noah", FamilyName: "Field"})
		other := e.NewPerson(t, "856", app.PersonInput{GivenName: "Other", FamilyName: "Child"})
		if _, err := e.App.ViewPerson(ctx, prac, p.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.App.ViewPerson(ctx, prac, other.ID); err != nil {
			t.Fatal(err)
		}
		rutMgr := e.Actor(e.NewUser(t, "rutland.manager", hub.AgencySocialCare, []hub.Role{hub.RoleManager}, "857"))
		if _, err := e.App.ViewPerson(ctx, rutMgr, p.ID); !errors.Is(err, hub.ErrNotFound) {
			t.Fatal(err)
		}

		type row struct{ Actor, Action, Object, Outcome string }
		for _, a := range []*access.Actor{aud, mgr} {
			t.Run(a.Name, func(t *testing.T) {
				evs := oneEventResult(t, e, func() ([]*hub.AuditEvent, error) { return e.App.PersonAccessLog(ctx, a, p.ID, 100) })
				var got []row
				for _, ev := range evs {
					if ev.SubjectID != p.ID {
						t.Errorf("access log of %s holds event %d about %q", p.ID, ev.Index, ev.SubjectID)
					}
					got = append(got, row{ev.ActorName, ev.Action, ev.ObjectType, ev.Outcome})
				}
				// Newest first; the view of the other child is not here; the
				// current read of the log is appended after it is read.
				want := []row{
					{"rutland.manager", hub.ActView, "person", hub.OutcomeDenied},
					{prac.Name, hub.ActView, "person", hub.OutcomeSuccess},
					{"test-setup", hub.ActCreate, "person", hub.OutcomeSuccess},
				}
				if a == mgr {
					want = append([]row{{aud.Name, hub.ActView, "access_log", hub.OutcomeSuccess}}, want...)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("access log (-want +got):\n%s", diff)
				}
			})
		}
		for _, a := range []*access.Actor{prac, rutMgr} {
			ev := oneEvent(t, e, 0, func() error {
				if _, err := e.App.PersonAccessLog(ctx, a, p.ID, 100); !errors.Is(err, hub.ErrNotFound) {
					t.Errorf("PersonAccessLog(%s) = %v, want not found", a.Name, err)
				}
				return nil
			})
			checkEvent(t, ev, wantEvent{ActorID: a.ID, Action: hub.ActView, ObjectType: "access_log", ObjectID: p.ID, SubjectID: p.ID, Outcome: hub.OutcomeDenied})
		}
		if _, err := e.App.PersonAccessLog(ctx, aud, hub.NewID(), 100); !errors.Is(err, hub.ErrNotFound) {
			t.Errorf("PersonAccessLog(missing) = %v, want not found", err)
		}
	})
}

// oneEventResult is oneEvent for a use case that returns audit events.
func oneEventResult(t *testing.T, e *apptest.Env, fn func() ([]*hub.AuditEvent, error)) []*hub.AuditEvent {
	t.Helper()
	var out []*hub.AuditEvent
	oneEvent(t, e, 0, func() (err error) { out, err = fn(); return err })
	return out
}

// TestSearchInterpretation checks how free text is read: identifiers by
// shape, dates, and names.
func TestSearchInterpretation(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		prac := e.RoleActor(hub.RolePractitioner)
		amelia := e.NewPerson(t, "856", app.PersonInput{GivenName: "Amelia", FamilyName: "Khan", DateOfBirth: "2011-03-02", NHSNumber: "9434765919", UPN: "K855400523017", PNC: "12/345G"})
		twin := e.NewPerson(t, "856", app.PersonInput{GivenName: "Amir", FamilyName: "Khan", DateOfBirth: "2011-03-02"})
		older := e.NewPerson(t, "856", app.PersonInput{GivenName: "Amelia", FamilyName: "Khan", DateOfBirth: "1980-01-01"})
		e.NewPerson(t, "855", app.PersonInput{GivenName: "Amelia", FamilyName: "Khan", DateOfBirth: "2011-03-02"}) // another area

		for _, tc := range []struct {
			name, q, dob string
			interp       string
			want         []string
		}{
			{"NHS number spaced", "943 476 5919", "", "NHS number", []string{amelia.ID}},
			{"NHS number hyphenated", "943-476-5919", "", "NHS number", []string{amelia.ID}},
			{"NHS number plain", "9434765919", "", "NHS number", []string{amelia.ID}},
			{"UPN", "K855400523017", "", "Unique pupil number", []string{amelia.ID}},
			{"UPN lower case", "k855400523017", "", "Unique pupil number", []string{amelia.ID}},
			{"PNC", "12/0000345G", "", "PNC id", []string{amelia.ID}},
			{"name and DOB", "Amelia Khan 2011-03-02", "", "name and date of birth", []string{amelia.ID}},
			{"name and DOB field", "amelia khan", "2011-03-02", "name and date of birth", []string{amelia.ID}},
			{"name", "Khan", "", "name", []string{older.ID, amelia.ID, twin.ID}},
			{"name prefix", "Am Kh", "", "name", []string{older.ID, amelia.ID, twin.ID}},
			{"date only", "2011-03-02", "", "date of birth", []string{amelia.ID, twin.ID}},
			{"name and NHS number", "Khan 9434765919", "", "name and NHS number", []string{amelia.ID}},
			{"unknown NHS number", "999 000 0018", "", "NHS number", nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res, err := e.App.SearchPersons(ctx, prac, app.PersonQuery{Text: tc.q, DateOfBirth: tc.dob})
				if err != nil {
					t.Fatalf("SearchPersons(%q) = %v", tc.q, err)
				}
				if res.Interpreted != tc.interp {
					t.Errorf("SearchPersons(%q).Interpreted = %q, want %q", tc.q, res.Interpreted, tc.interp)
				}
				var got []string
				for _, p := range res.Persons {
					got = append(got, p.ID)
				}
				if diff := cmp.Diff(tc.want, got); diff != "" || res.Total != len(tc.want) {
					t.Errorf("SearchPersons(%q) total %d (-want +got):\n%s", tc.q, res.Total, diff)
				}
			})
		}
		for _, tc := range []struct{ name, q, dob, field string }{
			{"bad NHS number", "9434765918", "", "q"},
			{"digits only", "12345", "", "q"},
			{"empty", "   ", "", "q"},
			{"bad date field", "Khan", "02/03/2011", "dob"},
			{"too long", strings.Repeat("a", 201), "", "q"},
			{"control character", "Khan\x00", "", "q"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				refused(t, e, hub.EInvalid, tc.field, 0, func() error {
					_, err := e.App.SearchPersons(ctx, prac, app.PersonQuery{Text: tc.q, DateOfBirth: tc.dob})
					return err
				})
			})
		}
	})
}

// TestCreatePerson checks creation's refusals: an area the actor does not
// work in, a role without the permission, an identifier already held.
func TestCreatePerson(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		prac := e.RoleActor(hub.RolePractitioner)
		in := app.PersonInput{AreaID: e.Areas["855"].ID, GivenName: "Zoë", FamilyName: "Ng", NHSNumber: "9434765919"}
		refused(t, e, hub.EInvalid, "area_id", 0, func() error { _, err := e.App.CreatePerson(ctx, prac, in); return err })
		in.AreaID = ""
		refused(t, e, hub.EInvalid, "area_id", 0, func() error { _, err := e.App.CreatePerson(ctx, prac, in); return err })
		in.AreaID = e.Areas["856"].ID
		for _, r := range []hub.Role{hub.RoleAnalyst, hub.RoleNurse, hub.RoleEducation, hub.RoleAdmin, hub.RoleAuditor, hub.RolePartner} {
			refused(t, e, hub.EForbidden, "", 0, func() error { _, err := e.App.CreatePerson(ctx, e.RoleActor(r), in); return err })
		}
		p, err := e.App.CreatePerson(ctx, prac, in)
		if err != nil {
			t.Fatal(err)
		}
		if p.OwnerAgencyID != prac.AgencyID || p.CreatedBy != prac.ID || p.Version != 1 || p.Synthetic {
			t.Errorf("created person owner %q by %q version %d synthetic %v", p.OwnerAgencyID, p.CreatedBy, p.Version, p.Synthetic)
		}
		// The same NHS number again: a conflict naming the input field,
		// nothing written.
		in.GivenName = "Zoe"
		refused(t, e, hub.EConflict, "nhs_number", 0, func() error { _, err := e.App.CreatePerson(ctx, prac, in); return err })
	})
}
