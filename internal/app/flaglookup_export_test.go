package app

import (
	"context"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
)

// FlagLookupChronologyForTest returns the chronology entries the look-up
// source gives actor for p.
func FlagLookupChronologyForTest(ctx context.Context, a *App, actor *access.Actor, p *hub.Person) ([]ChronologyEntry, error) {
	var out []ChronologyEntry
	err := a.db.Read(ctx, func(tx *store.Tx) error {
		for _, src := range chronologySources {
			es, err := src(a, tx, actor, p)
			if err != nil {
				return err
			}
			for _, e := range es {
				if e.Kind == FlagLookupKind {
					out = append(out, e)
				}
			}
		}
		return nil
	})
	return out, err
}
