package demo

import (
	"context"
	"fmt"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
)

// flagPathways are the case service pathways the demo nurse refers a
// flagged child with an active case to, by the flag's category.
var flagPathways = map[hub.FlagCategory]string{
	hub.FlagCSE: "cse_support", hub.FlagCCE: "cce_mentoring", hub.FlagMissing: "missing_support", hub.FlagTrafficked: "ictg",
}

// seedFlagReferrals has the demo nurse refer a few flagged children to
// support services from their flags: on the child's case plan when the
// child has an active case, kept with the flag otherwise. Some have an
// outcome; the others await one, and the nurse's desk lists them.
func seedFlagReferrals(ctx context.Context, a *app.App) error {
	var nurse *hub.User
	var kind hub.AgencyKind
	var flags []*store.FlagListing
	active := map[string]bool{}
	err := a.DB().Read(ctx, func(tx *store.Tx) error {
		var err error
		if nurse, err = tx.UserByUsername("nina.nurse"); err != nil {
			return err
		}
		ag, err := tx.Agency(nurse.AgencyID)
		if err != nil {
			return err
		}
		kind = ag.Kind
		flags, _, err = tx.FindFlags(store.FlagFilter{Scope: &store.FlagScope{AreaIDs: nurse.AreaIDs}, Statuses: []hub.FlagStatus{hub.FlagActive}, Limit: 40})
		if err != nil {
			return err
		}
		for _, l := range flags {
			if _, err := tx.ActiveCase(hub.Subject{Kind: hub.SubjectPerson, ID: l.Flag.PersonID}); err == nil {
				active[l.Flag.ID] = true
			} else if hub.ErrorCode(err) != hub.ENotFound {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	actor := &access.Actor{ID: nurse.ID, Name: nurse.Username, AgencyID: nurse.AgencyID, AgencyKind: kind, Roles: nurse.Roles, AreaIDs: nurse.AreaIDs}
	services := a.FlagServices()
	onCase, withFlag := 0, 0
	for _, l := range flags {
		f := l.Flag
		in := app.FlagReferralInput{Note: "Discussed with the child's lead practitioner (synthetic)."}
		outcome := ""
		switch {
		case active[f.ID] && onCase < 4 && flagPathways[f.Category] != "":
			in.Service = flagPathways[f.Category]
			if onCase%2 == 0 {
				outcome = string(hub.ServiceEngaged)
			}
			onCase++
		case !active[f.ID] && withFlag < 3 && len(services) > 0:
			in.Service = services[withFlag%len(services)]
			if withFlag == 0 {
				outcome = string(hub.ReferralAccepted)
			}
			withFlag++
		default:
			continue
		}
		in.Outcome = outcome
		if _, err := a.RecordFlagReferral(ctx, actor, f.ID, in); err != nil {
			return fmt.Errorf("refer the child of flag %s: %w", f.ID, err)
		}
	}
	return nil
}
