package app_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/apptest"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
	"github.com/safehub/safehub/internal/store/storetest"
)

type recordingSender struct {
	mu   sync.Mutex
	sent []string
}

func (s *recordingSender) Send(ctx context.Context, to *hub.User, n *hub.Notification) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent = append(s.sent, to.Username+":"+n.Kind)
	return nil
}

// TestNotifications: notifications stored for a user are listed newest
// first (the listing audited), counted as unread until marked read, and
// handed to the sender after commit.
func TestNotifications(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		ctx := context.Background()
		sender := &recordingSender{}
		e.App.SetSender(sender)
		u := e.Users[hub.RolePractitioner]
		other := e.Users[hub.RolePolice]
		err := e.Store.Tx(ctx, func(tx *store.Tx) error {
			return tx.CreateNotifications(
				&hub.Notification{UserID: u.ID, Kind: "flag_lookup", Title: "first"},
				&hub.Notification{UserID: other.ID, Kind: "flag_lookup", Title: "not yours"},
			)
		})
		if err != nil {
			t.Fatal(err)
		}
		e.Clock.Advance(time.Minute)
		if err := app.NotifyForTest(e.App, ctx, &hub.Notification{UserID: u.ID, Kind: "deadline", Title: "second"}); err != nil {
			t.Fatal(err)
		}
		e.App.WaitDeliveries()
		if len(sender.sent) != 1 || sender.sent[0] != u.Username+":deadline" {
			t.Errorf("sender got %v, want the one notification made through the app", sender.sent)
		}
		p := principalOf(t, e, u)
		n, err := e.App.UnreadCount(ctx, p)
		if err != nil || n != 2 {
			t.Errorf("UnreadCount() = %d, %v; want 2", n, err)
		}
		before := auditSize(t, e)
		page, err := e.App.Notifications(ctx, p, false, 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := auditSize(t, e) - before; got != 1 {
			t.Errorf("listing notifications wrote %d audit events, want 1", got)
		}
		if page.Total != 2 || page.Items[0].Title != "second" || page.Items[1].Title != "first" {
			t.Errorf("Notifications() = %d items %v, want second then first", page.Total, page.Items)
		}
		if _, err := e.App.MarkNotificationsRead(ctx, p, page.Items[0].ID); err != nil {
			t.Fatal(err)
		}
		if n, _ := e.App.UnreadCount(ctx, p); n != 1 {
			t.Errorf("after marking one read, UnreadCount() = %d, want 1", n)
		}
		if _, err := e.App.MarkNotificationsRead(ctx, p, "not-an-id"); hub.ErrorField(err) != "id" {
			t.Errorf("MarkNotificationsRead(bad id) = %v, want refused naming id", err)
		}
		if _, err := e.App.MarkNotificationsRead(ctx, p); err != nil {
			t.Fatal(err)
		}
		if n, _ := e.App.UnreadCount(ctx, p); n != 0 {
			t.Errorf("after marking all read, UnreadCount() = %d, want 0", n)
		}
		po := principalOf(t, e, other)
		if n, _ := e.App.UnreadCount(ctx, po); n != 1 {
			t.Errorf("the other user's unread count = %d, want 1 (untouched)", n)
		}
	})
}

func auditSize(t *testing.T, e *apptest.Env) int64 {
	t.Helper()
	var n int64
	if err := e.Store.Read(context.Background(), func(tx *store.Tx) error {
		var err error
		n, err = tx.AuditSize()
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return n
}
