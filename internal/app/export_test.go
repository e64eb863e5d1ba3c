package app

import (
	"context"

	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
)

// NotifyForTest stores and sends notifications as use cases do.
func NotifyForTest(a *App, ctx context.Context, ns ...*hub.Notification) error {
	return a.db.Tx(ctx, func(tx *store.Tx) error { return a.notify(tx, ns...) })
}
