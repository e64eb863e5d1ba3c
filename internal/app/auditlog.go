package app

import (
	"context"
	"fmt"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
)

// AuditEvents returns audit events for the auditor's viewer. Reading the
// audit log is itself audited.
func (a *App) AuditEvents(ctx context.Context, actor *access.Actor, f store.AuditFilter) ([]*hub.AuditEvent, error) {
	if err := require(actor, access.AuditRead); err != nil {
		return nil, err
	}
	var out []*hub.AuditEvent
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		var err error
		if out, err = tx.FindAuditEvents(f); err != nil {
			return err
		}
		e := event(ctx, actor, hub.ActView, "audit_log", "")
		e.Detail = fmt.Sprintf("%d events", len(out))
		return tx.AppendAudit(e)
	})
	return out, err
}

// BreakGlassGrant is a grant with the names the auditor needs.
type BreakGlassGrant struct {
	*hub.BreakGlass
	Username string
}

// BreakGlassGrants lists break-glass grants for the auditor, newest first.
func (a *App) BreakGlassGrants(ctx context.Context, actor *access.Actor, unreviewed bool) ([]BreakGlassGrant, error) {
	if err := require(actor, access.AuditRead); err != nil {
		return nil, err
	}
	var out []BreakGlassGrant
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		gs, err := tx.FindBreakGlass(store.BreakGlassFilter{Unreviewed: unreviewed, Limit: 200})
		if err != nil {
			return err
		}
		names := map[string]string{}
		for _, g := range gs {
			if _, ok := names[g.UserID]; !ok {
				if u, err := tx.User(g.UserID); err == nil {
					names[g.UserID] = u.Username
				}
			}
			out = append(out, BreakGlassGrant{BreakGlass: g, Username: names[g.UserID]})
		}
		e := event(ctx, actor, hub.ActView, "break_glass", "")
		e.Detail = fmt.Sprintf("%d grants", len(out))
		return tx.AppendAudit(e)
	})
	return out, err
}

// ReviewBreakGlass records that the auditor has reviewed a grant.
func (a *App) ReviewBreakGlass(ctx context.Context, actor *access.Actor, id string) error {
	if err := require(actor, access.AuditRead); err != nil {
		return err
	}
	return a.db.Tx(ctx, func(tx *store.Tx) error {
		if err := tx.ReviewBreakGlass(id, actor.Name); err != nil {
			return err
		}
		return tx.AppendAudit(event(ctx, actor, hub.ActUpdate, "break_glass", id))
	})
}
