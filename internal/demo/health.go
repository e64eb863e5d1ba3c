package demo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
)

// HealthSetting is the demo health client's setting: an emergency
// department that looks flags up over FHIR.
const HealthSetting = "Leicester Royal Infirmary ED"

// HealthDemo is what a newcomer needs to try the FHIR API at once.
type HealthDemo struct {
	// Token is the demo health client's bearer token (scope flag:read).
	Token string
	// NHSNumber is a flagged demo child's NHS number ("" if none could be
	// found or flagged).
	NHSNumber string
}

// EnsureHealthClient creates the demo health client on first start, with
// scope flag:read, and keeps its token in tokenFile (mode 0600) so that
// later starts print it again; a token that no longer works (a new
// database beside an old file) is replaced. It also finds a child with an
// active flag and an NHS number — flagging one through the nurse's use
// case when the demo holds none — so the look-up answers something.
func EnsureHealthClient(ctx context.Context, a *app.App, tokenFile string) (*HealthDemo, error) {
	out := &HealthDemo{}
	if b, err := os.ReadFile(tokenFile); err == nil {
		tok := strings.TrimSpace(string(b))
		if _, _, err := a.AuthenticateToken(ctx, tok); err == nil {
			out.Token = tok
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read the demo health client's token: %w", err)
	}
	if out.Token == "" {
		p, err := EnsurePartnership(ctx, a)
		if err != nil {
			return nil, err
		}
		agency := p.AgencyIDs[Agencies[2].Name] // the NHS trust
		_, tok, err := a.CreateAPIClient(ctx, app.System("demo-seed"), app.NewAPIClient{
			Name: HealthSetting + " (demo)", Setting: HealthSetting, AgencyID: agency, Scopes: []hub.Scope{hub.ScopeFlagRead},
		})
		if err != nil {
			return nil, fmt.Errorf("create the demo health client: %w", err)
		}
		if err := os.WriteFile(tokenFile, []byte(tok+"\n"), 0o600); err != nil {
			return nil, fmt.Errorf("keep the demo health client's token: %w", err)
		}
		out.Token = tok
	}
	nhs, err := flaggedChild(ctx, a)
	if err != nil {
		return nil, err
	}
	out.NHSNumber = nhs
	return out, nil
}

var errFound = errors.New("found")

// flaggedChild returns the NHS number of a child with an active flag,
// setting a flag on one (as the demo nurse, with the demo practitioner as
// lead) when there is none.
func flaggedChild(ctx context.Context, a *app.App) (string, error) {
	today := a.Today()
	var nhs string
	err := a.DB().Read(ctx, func(tx *store.Tx) error {
		return tx.ActiveFlagsWithNHS("", func(f *hub.Flag, n string) error {
			if f.Active(today) {
				nhs = n
				return errFound
			}
			return nil
		})
	})
	if err != nil && !errors.Is(err, errFound) {
		return "", err
	}
	if nhs != "" {
		return nhs, nil
	}
	var personID string
	var nurse, lead *hub.User
	var nurseKind hub.AgencyKind
	err = a.DB().Read(ctx, func(tx *store.Tx) error {
		var err error
		// A child: born less than 16 years ago.
		if personID, nhs, err = tx.ChildWithNHS(hub.Date{Year: today.Year - 16, Month: today.Month, Day: min(today.Day, 28)}); err != nil {
			return err
		}
		if nurse, err = tx.UserByUsername(Accounts[3].Username); err != nil {
			return err
		}
		ag, err := tx.Agency(nurse.AgencyID)
		if err != nil {
			return err
		}
		nurseKind = ag.Kind
		lead, err = tx.UserByUsername(Accounts[0].Username)
		return err
	})
	if errors.Is(err, hub.ErrNotFound) {
		return "", nil // not the demo's seed: nothing to flag
	}
	if err != nil {
		return "", err
	}
	actor := &access.Actor{ID: nurse.ID, Name: nurse.Username, AgencyID: nurse.AgencyID, AgencyKind: nurseKind, Roles: nurse.Roles, AreaIDs: nurse.AreaIDs}
	_, err = a.SetFlag(ctx, actor, personID, app.FlagInput{
		Category: string(hub.FlagCCE), RiskLevel: string(hub.RiskHigh), Start: today.String(),
		Reason:       "Demo flag: found with cash and two phones far from home (synthetic).",
		Advice:       "Child at risk of exploitation. Call the hub before discharge.",
		ContactPhone: "0116 454 1004", ContactHours: "24 hours, every day", LeadUserID: lead.ID,
	})
	if err != nil {
		return "", fmt.Errorf("flag a demo child: %w", err)
	}
	return nhs, nil
}
