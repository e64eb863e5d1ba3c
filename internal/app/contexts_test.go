package app_test

import (
	"testing"

	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/apptest"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store/storetest"
)

func TestContexts(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		prac, mgr := e.RoleActor(hub.RolePractitioner), e.RoleActor(hub.RoleManager)
		a := e.NewPerson(t, "856", app.PersonInput{GivenName: "Ali", FamilyName: "One"})
		b := e.NewPerson(t, "856", app.PersonInput{GivenName: "Bea", FamilyName: "Two"})
		secret := e.NewPerson(t, "856", app.PersonInput{GivenName: "Cee", FamilyName: "Restricted", Restricted: true})
		far := e.NewPerson(t, "855", app.PersonInput{GivenName: "Dee", FamilyName: "Far"})
		in := app.ContextInput{AreaID: e.Areas["856"].ID, Kind: "peer_group", Name: "Abbey Park group", Description: "Meets at the skate park after school.",
			Postcode: "le1 5ab", Latitude: "52.6446", Longitude: "-1.1334",
			Members: []app.MemberInput{{PersonID: a.ID, Role: "leader", From: "2026-01-01"}, {PersonID: b.ID}}}

		var c *hub.Context
		ev := oneEvent(t, e, 0, func() (err error) { c, err = e.App.CreateContext(ctx, prac, in); return err })
		checkEvent(t, ev, wantEvent{ActorID: prac.ID, Action: hub.ActCreate, ObjectType: "context", ObjectID: c.ID, Outcome: hub.OutcomeSuccess})
		if c.Postcode != "LE1 5AB" || len(c.Members) != 2 || c.Members[1].Role != "member" || c.Members[0].From != (hub.Date{Year: 2026, Month: 1, Day: 1}) {
			t.Errorf("created = %+v", c)
		}

		// The manager adds a restricted child; the practitioner sees two
		// members and one hidden, and a change by the practitioner keeps it.
		c, err := e.App.AddContextMember(ctx, mgr, c.ID, c.Version, app.MemberInput{PersonID: secret.ID, Role: "member"})
		if err != nil {
			t.Fatal(err)
		}
		var v *app.ContextView
		ev = oneEvent(t, e, 0, func() (err error) { v, err = e.App.ViewContext(ctx, prac, c.ID); return err })
		checkEvent(t, ev, wantEvent{ActorID: prac.ID, Action: hub.ActView, ObjectType: "context", ObjectID: c.ID, Outcome: hub.OutcomeSuccess})
		if len(v.Members) != 2 || v.Hidden != 1 || v.Members[0].Name != "Ali One" || !v.CanEdit || !v.CanRefer {
			t.Errorf("practitioner's view: %d members, %d hidden, %+v", len(v.Members), v.Hidden, v.Members)
		}
		upd := in
		upd.Name, upd.Members = "Abbey Park peer group", []app.MemberInput{{PersonID: b.ID, Role: "member"}}
		c, err = e.App.UpdateContext(ctx, prac, c.ID, c.Version, upd)
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Members) != 2 || c.Members[0].PersonID != secret.ID || c.Members[1].PersonID != b.ID || c.Name != "Abbey Park peer group" {
			t.Errorf("after the practitioner's update members = %+v", c.Members)
		}
		// The hidden member cannot be removed by who cannot see it.
		unchanged(t, e, hub.EInvalid, "member", 0, func() error { _, err := e.App.RemoveContextMember(ctx, prac, c.ID, c.Version, 0); return err })
		if c, err = e.App.RemoveContextMember(ctx, prac, c.ID, c.Version, 1); err != nil || len(c.Members) != 1 {
			t.Fatalf("remove = %+v, %v", c, err)
		}
		// Details only (nil members) keeps the members.
		upd.Members = nil
		if c, err = e.App.UpdateContext(ctx, mgr, c.ID, c.Version, upd); err != nil || len(c.Members) != 1 {
			t.Fatalf("details-only update = %+v, %v", c, err)
		}

		tests := []struct {
			name   string
			change func(*app.ContextInput)
			field  string
		}{
			{"kind", func(in *app.ContextInput) { in.Kind = "castle" }, "kind"},
			{"no name", func(in *app.ContextInput) { in.Name = " " }, "name"},
			{"postcode", func(in *app.ContextInput) { in.Postcode = "NOT A CODE" }, "postcode"},
			{"latitude", func(in *app.ContextInput) { in.Latitude = "91" }, "latitude"},
			{"longitude", func(in *app.ContextInput) { in.Longitude = "east" }, "longitude"},
			{"one coordinate", func(in *app.ContextInput) { in.Longitude = "" }, "latitude"},
			{"another area", func(in *app.ContextInput) { in.AreaID = e.Areas["855"].ID }, "area_id"},
			{"unknown member", func(in *app.ContextInput) { in.Members = []app.MemberInput{{PersonID: hub.NewID()}} }, "members[0].person_id"},
			{"member out of area", func(in *app.ContextInput) { in.Members = []app.MemberInput{{PersonID: a.ID}, {PersonID: far.ID}} }, "members[1].person_id"},
			{"member restricted", func(in *app.ContextInput) { in.Members = []app.MemberInput{{PersonID: secret.ID}} }, "members[0].person_id"},
			{"member dates", func(in *app.ContextInput) {
				in.Members = []app.MemberInput{{PersonID: a.ID, From: "2026-02-01", To: "2026-01-01"}}
			}, "members[0].to"},
			{"member date", func(in *app.ContextInput) { in.Members = []app.MemberInput{{PersonID: a.ID, From: "2026-02-30"}} }, "members[0].from"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				bad := in
				tt.change(&bad)
				unchanged(t, e, hub.EInvalid, tt.field, 0, func() error { _, err := e.App.CreateContext(ctx, prac, bad); return err })
			})
		}

		// Another area's context: not found for reading and changing.
		farActor := e.Actor(e.NewUser(t, "leics.ctx", hub.AgencySocialCare, []hub.Role{hub.RolePractitioner}, "855"))
		fc, err := e.App.CreateContext(ctx, farActor, app.ContextInput{AreaID: e.Areas["855"].ID, Kind: "location", Name: "Station"})
		if err != nil {
			t.Fatal(err)
		}
		unchanged(t, e, hub.ENotFound, "", 1, func() error { _, err := e.App.ViewContext(ctx, prac, fc.ID); return err })
		unchanged(t, e, hub.ENotFound, "", 1, func() error {
			_, err := e.App.UpdateContext(ctx, prac, fc.ID, 1, app.ContextInput{AreaID: e.Areas["856"].ID, Kind: "location", Name: "Mine now"})
			return err
		})
		unchanged(t, e, hub.ENotFound, "", 1, func() error { _, err := e.App.RecordReferral(ctx, prac, contextReferral(fc)); return err })
		list, err := e.App.Contexts(ctx, prac, app.ContextQuery{})
		if err != nil || list.Total != 1 || list.Items[0].ID != c.ID {
			t.Errorf("Contexts() = %+v, %v", list, err)
		}
		if l, _ := e.App.Contexts(ctx, prac, app.ContextQuery{Name: "ABBEY"}); l.Total != 1 {
			t.Errorf("name filter found %d", l.Total)
		}
		if l, _ := e.App.Contexts(ctx, prac, app.ContextQuery{Name: "%"}); l.Total != 0 {
			t.Errorf("a %% in the name filter matched %d (LIKE not escaped)", l.Total)
		}

		// A referral and an assessment about the context show on its page.
		if _, err := e.App.RecordReferral(ctx, prac, contextReferral(c)); err != nil {
			t.Fatal(err)
		}
		if _, err := e.App.StartAssessment(ctx, prac, hub.Subject{Kind: hub.SubjectContext, ID: c.ID}, ""); err != nil {
			t.Fatal(err)
		}
		if v, _ = e.App.ViewContext(ctx, prac, c.ID); len(v.Referrals) != 1 || len(v.Assessments) != 1 {
			t.Errorf("context page lists %d referrals, %d assessments", len(v.Referrals), len(v.Assessments))
		}
		// The person page lists the contexts the child belongs to.
		pv, err := e.App.ViewPerson(ctx, mgr, secret.ID)
		if err != nil || len(pv.Casework.Referrals.Contexts) != 1 {
			t.Errorf("person page contexts = %+v, %v", pv.Casework, err)
		}
	})
}

func contextReferral(c *hub.Context) app.ReferralInput {
	return app.ReferralInput{SubjectKind: "context", SubjectID: c.ID, ReferrerName: "PC Jones", ReferrerOrg: "British Transport Police",
		Concerns: "Older youths gathering with children late at night.", Indicators: []string{"hotspot_presence"}, Urgency: "urgent"}
}
