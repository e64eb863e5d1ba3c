package app

import (
	"context"
	"testing"
	"time"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/auth"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
	"github.com/safehub/safehub/internal/store/storetest"
)

// TestFlagWorkAndChronology checks the flag feature's "My work" items and
// chronology entries, which other features' pages list.
func TestFlagWorkAndChronology(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		clock := storetest.NewClock(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
		st := storetest.Open(t, engine, storetest.Options{Clock: clock})
		cfg := DefaultConfig()
		cfg.PasswordParams = auth.MinimumParams
		a, err := New(st.DB, cfg, clock, nil)
		if err != nil {
			t.Fatal(err)
		}
		admin := System("test")
		area := &hub.Area{Code: "856", Name: "Leicester"}
		if err := a.CreateArea(ctx, admin, area); err != nil {
			t.Fatal(err)
		}
		ag := &hub.Agency{Name: "Health", Kind: hub.AgencyHealth}
		if err := a.CreateAgency(ctx, admin, ag); err != nil {
			t.Fatal(err)
		}
		lead, err := a.CreateUser(ctx, admin, NewUser{Username: "pat", DisplayName: "Pat Practitioner", AgencyID: ag.ID, AreaIDs: []string{area.ID}, Roles: []hub.Role{hub.RolePractitioner}, Password: "correct-tolerable-orchard-lamp"})
		if err != nil {
			t.Fatal(err)
		}
		nurse := &access.Actor{ID: "nurse", Name: "nina", AgencyID: ag.ID, Roles: []hub.Role{hub.RoleNurse}, AreaIDs: []string{area.ID}}
		police := &access.Actor{ID: "police", Name: "paul", AgencyID: ag.ID, Roles: []hub.Role{hub.RolePolice}, AreaIDs: []string{area.ID}}
		setter := &access.Actor{ID: "setup", Name: "setup", AgencyID: ag.ID, Roles: []hub.Role{hub.RoleManager}, AreaIDs: []string{area.ID}}
		p, err := a.CreatePerson(ctx, setter, PersonInput{AreaID: area.ID, GivenName: "Maya", FamilyName: "Flagg", DateOfBirth: "2012-05-01", Synthetic: true})
		if err != nil {
			t.Fatal(err)
		}
		f, err := a.SetFlag(ctx, nurse, p.ID, FlagInput{Category: "cse-risk", RiskLevel: "high", Start: "2026-11-20", ReviewDue: "2026-12-01", Reason: "internal reason",
			Advice: "Call the hub.", ContactPhone: "0116 496 0000", ContactHours: "Always", LeadUserID: lead.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.ReviewFlag(ctx, nurse, f.ID, 1, FlagReview{Note: "secret note", NextReview: "2026-12-05"}); err != nil {
			t.Fatal(err)
		}
		var work []WorkItem
		var nurseChron, policeChron []ChronologyEntry
		err = st.Read(ctx, func(tx *store.Tx) error {
			if work, err = flagWork(a, tx, nurse); err != nil {
				return err
			}
			if none, err := flagWork(a, tx, police); err != nil || len(none) != 0 {
				t.Errorf("police work items = %v, %v", none, err)
			}
			if nurseChron, err = flagChronology(a, tx, nurse, p); err != nil {
				return err
			}
			policeChron, err = flagChronology(a, tx, police, p)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(work) != 1 || work[0].Kind != "flag_review" || work[0].Link != "/flags/"+f.ID || work[0].SubjectID != p.ID ||
			!work[0].Due.Equal(time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)) || work[0].Overdue(clock.Now()) {
			t.Errorf("work items %+v", work)
		}
		if len(nurseChron) != 2 || nurseChron[0].Title != "Health flag reviewed: CSE risk (high risk); next review 5 December 2026" ||
			nurseChron[0].Detail != "By nina: secret note" || nurseChron[1].Title != "Health flag set: CSE risk (high risk)" {
			t.Errorf("nurse's chronology %+v", nurseChron)
		}
		if len(policeChron) != 2 || policeChron[0].Detail != "By nina" {
			t.Errorf("police chronology shows notes: %+v", policeChron)
		}
	})
}
