package app

import (
	"context"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
)

// CaseWorkForTest lists part B's work items (plan actions and case
// reviews) visible to actor, as "My work" and the team view read them.
func CaseWorkForTest(a *App, ctx context.Context, actor *access.Actor) ([]WorkItem, error) {
	var out []WorkItem
	err := a.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		out, err = casePlanWork(a, tx, actor)
		return err
	})
	return out, err
}

// ReassignForTest reassigns a work item of kind through its registered
// reassigner, in one transaction.
func ReassignForTest(a *App, ctx context.Context, actor *access.Actor, kind, objectID, newOwner string) error {
	return a.db.Tx(ctx, func(tx *store.Tx) error { return workReassigners[kind](a, tx, actor, kind, objectID, newOwner) })
}

// TeamOfForTest returns a person's team from their active cases.
func TeamOfForTest(a *App, ctx context.Context, personID string) (lead string, members []string, err error) {
	err = a.db.Read(ctx, func(tx *store.Tx) error {
		lead, members, err = a.teamOf(tx, personID)
		return err
	})
	return lead, members, err
}

// CaseLeadForTest returns the lead of a subject's active case.
func CaseLeadForTest(a *App, ctx context.Context, s hub.Subject) (lead string, err error) {
	err = a.db.Read(ctx, func(tx *store.Tx) error {
		lead, err = a.CaseLead(tx, s)
		return err
	})
	return lead, err
}

// OpenCaseFromReferralForTest opens a case from a referral in a
// transaction of its own, as the referral use case does in its.
func OpenCaseFromReferralForTest(a *App, ctx context.Context, actor *access.Actor, in CaseFromReferral) (c *hub.Case, err error) {
	err = a.db.Tx(ctx, func(tx *store.Tx) error {
		c, err = a.OpenCaseFromReferral(tx, actor, in)
		return err
	})
	return c, err
}
