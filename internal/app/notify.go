package app

import (
	"context"
	"log/slog"

	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
)

// Sender delivers notifications outside Safehub (e-mail, say). It is
// called after the notification is committed; a failure is logged and the
// in-app notification stands.
type Sender interface {
	Send(ctx context.Context, to *hub.User, n *hub.Notification) error
}

// LogSender is the default Sender: it logs that a notification was sent,
// by kind and id, never its title or body (they name people).
type LogSender struct{ Log *slog.Logger }

// Send implements Sender.
func (s LogSender) Send(ctx context.Context, to *hub.User, n *hub.Notification) error {
	return s.SendTo(ctx, to.ID, n)
}

// SendTo implements idSender: the log needs only the recipient's id.
func (s LogSender) SendTo(ctx context.Context, userID string, n *hub.Notification) error {
	s.Log.Info("notification", "notification_id", n.ID, "kind", n.Kind, "user_id", userID)
	return nil
}

// idSender is a Sender that needs only the recipient's id, so delivery
// need not read the user (a database read per notification: a tenth of
// the flag look-up's CPU when every look-up matched).
type idSender interface {
	SendTo(ctx context.Context, userID string, n *hub.Notification) error
}

// SetSender replaces the notification sender (default: LogSender).
func (a *App) SetSender(s Sender) { a.sender = s }

// notify stores notifications in the transaction and hands them to the
// sender once it commits.
func (a *App) notify(tx *store.Tx, ns ...*hub.Notification) error {
	if len(ns) == 0 {
		return nil
	}
	if err := tx.CreateNotifications(ns...); err != nil {
		return err
	}
	sender, ctx := a.sender, context.WithoutCancel(tx.Context())
	// Delivery happens off the request path: a slow mailer must not slow
	// the answer (a health system waiting on a flag look-up, say).
	// WaitDeliveries waits for it.
	a.deliveries.Add(1)
	tx.AfterCommit(func() { go a.deliver(ctx, sender, ns) })
	tx.OnRollback(a.deliveries.Done)
	return nil
}

func (a *App) deliver(ctx context.Context, sender Sender, ns []*hub.Notification) {
	defer a.deliveries.Done()
	if ids, ok := sender.(idSender); ok {
		for _, n := range ns {
			if err := ids.SendTo(ctx, n.UserID, n); err != nil {
				a.log.Warn("notification not sent", "notification_id", n.ID, "err", err)
			}
		}
		return
	}
	for _, n := range ns {
		var u *hub.User
		err := a.db.Read(ctx, func(tx *store.Tx) error {
			var err error
			u, err = tx.User(n.UserID)
			return err
		})
		if err == nil {
			err = sender.Send(ctx, u, n)
		}
		if err != nil {
			a.log.Warn("notification not sent", "notification_id", n.ID, "err", err)
		}
	}
}

// WaitDeliveries waits until every notification committed so far has been
// handed to the sender (for tests and shutdown).
func (a *App) WaitDeliveries() { a.deliveries.Wait() }

// NotificationPage is a page of the principal's notifications.
type NotificationPage struct {
	Items  []*hub.Notification
	Total  int
	Unread int
}

// Notifications lists the principal's notifications, newest first. They
// name children, so reading them is audited.
func (a *App) Notifications(ctx context.Context, p *Principal, unreadOnly bool, limit, offset int) (*NotificationPage, error) {
	out := &NotificationPage{}
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		var err error
		out.Items, out.Total, err = tx.FindNotifications(store.NotificationFilter{UserID: p.User.ID, UnreadOnly: unreadOnly, Limit: limit, Offset: offset})
		if err != nil {
			return err
		}
		if out.Unread, err = tx.UnreadNotifications(p.User.ID); err != nil {
			return err
		}
		return tx.AppendAudit(event(ctx, p.Actor, hub.ActView, "notifications", p.User.ID))
	})
	return out, err
}

// UnreadCount is the number of the principal's unread notifications, for
// the navigation badge (a count only, so not audited).
func (a *App) UnreadCount(ctx context.Context, p *Principal) (int, error) {
	var n int
	err := a.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		n, err = tx.UnreadNotifications(p.User.ID)
		return err
	})
	return n, err
}

// MarkNotificationsRead marks some (or, with no ids, all) of the
// principal's notifications read.
func (a *App) MarkNotificationsRead(ctx context.Context, p *Principal, ids ...string) (int64, error) {
	for _, id := range ids {
		if !hub.ValidID(id) {
			return 0, hub.Invalid("id", "is not a notification identifier")
		}
	}
	var n int64
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		var err error
		n, err = tx.MarkNotificationsRead(p.User.ID, ids...)
		return err
	})
	return n, err
}
