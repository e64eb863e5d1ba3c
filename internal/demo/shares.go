package demo

import (
	"context"
	"fmt"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
)

// seedShares makes the demo's cross-border share (issue 6): the manager
// shares a Leicester child's identity, case summary, plan and missing
// history with Leicestershire, so that cal.county (who works in
// Leicestershire only) sees those parts, marked as shared, and nothing else
// of the child. A partnership without a Leicester case gets no share.
func seedShares(ctx context.Context, a *app.App, p *Partnership) error {
	var manager *hub.User
	var cs []*hub.Case
	err := a.DB().Read(ctx, func(tx *store.Tx) error {
		var err error
		if manager, err = tx.UserByUsername("mo.manager"); err != nil {
			return err
		}
		cs, _, err = tx.FindCases(store.CaseFilter{AreaIDs: []string{p.AreaIDs["856"]}, Statuses: []hub.CaseStatus{hub.CaseOpen}, Limit: 20})
		return err
	})
	if err != nil {
		return err
	}
	actor := &access.Actor{ID: manager.ID, Name: manager.Username, AgencyID: manager.AgencyID, Roles: manager.Roles, AreaIDs: manager.AreaIDs}
	for _, c := range cs {
		if c.Subject.Kind != hub.SubjectPerson {
			continue
		}
		_, err := a.CreateShare(ctx, actor, app.ShareInput{
			CaseID: c.ID, RecipientKind: string(hub.RecipientArea), RecipientIDs: []string{p.AreaIDs["855"]},
			Parts:   []string{string(hub.PartIdentity), string(hub.PartCase), string(hub.PartPlan), string(hub.PartMissing)},
			Purpose: "missing_located", Basis: "safeguarding", Contribute: true,
			Necessity: "Demo share (synthetic): the child keeps turning up in Loughborough; the county's team joins the plan.",
		})
		if err != nil {
			return fmt.Errorf("share case %s: %w", c.ID, err)
		}
		return nil
	}
	return nil
}
