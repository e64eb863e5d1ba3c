package demo

import (
	"context"
	"fmt"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/hub"
)

// The synthetic partnership's health flags (health_flags.csv), loaded
// after the persons through the flag import use case, as the hub's
// specialist nurse.

func init() { featureLoaders = append(featureLoaders, LoadFlags) }

// flagCodes maps the synthetic codes to flag categories.
var flagCodes = map[string]hub.FlagCategory{
	"CSE-RISK-HIGH":  hub.FlagCSE,
	"CCE-RISK-HIGH":  hub.FlagCCE,
	"MISSING-REPEAT": hub.FlagMissing,
}

// Demo flags' advice and consultation line (a Leicester drama number).
const (
	demoFlagAdvice  = "Child at risk of exploitation. Call the hub before discharge and do not discharge to an unknown adult."
	demoFlagPhone   = "0116 496 0000"
	demoFlagHours   = "Monday to Friday 9am to 5pm; out of hours, the emergency duty team on 0116 496 0999"
	demoFlagLead    = "pat.practitioner"
	flagImportBatch = 1000
)

// LoadFlags imports the health flags of the loaded persons, in batches
// (all-or-nothing each, validated and audited by app.ImportFlags). The
// lead practitioner is the demo practitioner when the demo users exist,
// otherwise none. Flags of persons not loaded are skipped.
func LoadFlags(ctx context.Context, a *app.App, p *Partnership, open Opener, loaded *Loaded) error {
	health := p.AgencyIDs[Agencies[2].Name]
	if health == "" {
		return fmt.Errorf("the demo partnership has no health agency")
	}
	var areas []string
	for _, id := range p.AreaIDs {
		areas = append(areas, id)
	}
	importer := &access.Actor{Name: "synth-load", AgencyID: health, Roles: []hub.Role{hub.RoleNurse}, AreaIDs: areas}
	lead := ""
	if u, err := a.UserByUsername(ctx, app.System("demo-seed"), demoFlagLead); err == nil && !u.Disabled {
		lead = u.ID
	}
	var batch []app.FlagImport
	var truth []string
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		rep, err := a.ImportFlags(ctx, importer, "synthetic partnership", batch)
		if err != nil {
			return err
		}
		if len(rep.Refused) > 0 {
			r := rep.Refused[0]
			return fmt.Errorf("synthetic flag of %s refused (%d refused in the batch): %w", truth[r.Row], len(rep.Refused), r.Err)
		}
		batch, truth = batch[:0], truth[:0]
		return nil
	}
	err := ReadCSV(open, "health_flags.csv", func(row map[string]string) error {
		personID := loaded.IDs[row["person_id"]]
		if personID == "" {
			return nil
		}
		cat, ok := flagCodes[row["code"]]
		if !ok {
			return fmt.Errorf("flag %s: unknown code %q", row["flag_id"], row["code"])
		}
		batch = append(batch, app.FlagImport{
			PersonID: personID,
			Status:   row["status"],
			End:      row["end"],
			FlagInput: app.FlagInput{
				Category: string(cat), RiskLevel: row["risk"], Start: row["start"], ReviewDue: row["review_due"],
				Reason:       "Synthetic flag of the generated partnership (" + row["flag_id"] + ", " + row["code"] + ").",
				Advice:       demoFlagAdvice,
				ContactPhone: demoFlagPhone, ContactHours: demoFlagHours, LeadUserID: lead,
			},
		})
		if row["status"] == string(hub.FlagInactive) {
			batch[len(batch)-1].EndReason = "Ended in the synthetic partnership's history."
		}
		truth = append(truth, row["person_id"])
		if len(batch) >= flagImportBatch {
			return flush()
		}
		return nil
	})
	if err != nil {
		return err
	}
	return flush()
}
