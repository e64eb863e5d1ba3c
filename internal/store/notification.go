package store

import (
	"github.com/safehub/safehub/internal/hub"
)

// CreateNotifications inserts notifications, setting IDs and times.
func (tx *Tx) CreateNotifications(ns ...*hub.Notification) error {
	rows := make([][]any, 0, len(ns))
	for _, n := range ns {
		if n.ID == "" {
			n.ID = hub.NewID()
		}
		if n.CreatedAt.IsZero() {
			n.CreatedAt = tx.now
		}
		rows = append(rows, []any{n.ID, n.UserID, n.Kind, n.SubjectID, n.ObjectType, n.ObjectID, n.Title, n.Body, n.Link, micros(n.CreatedAt), micros(n.ReadAt)})
	}
	return tx.insertRows(`INSERT INTO notifications (id, user_id, kind, subject_id, object_type, object_id, title, body, link, created_at, read_at) VALUES `, rows)
}

// NotificationFilter selects a user's notifications.
type NotificationFilter struct {
	UserID     string
	UnreadOnly bool
	Kind       string
	Limit      int
	Offset     int
}

// FindNotifications returns a user's notifications, newest first, and the
// total that match.
func (tx *Tx) FindNotifications(f NotificationFilter) ([]*hub.Notification, int, error) {
	q := `SELECT id, user_id, kind, subject_id, object_type, object_id, title, body, link, created_at, read_at, COUNT(*) OVER () FROM notifications WHERE user_id = ?`
	args := []any{f.UserID}
	if f.UnreadOnly {
		q += ` AND read_at = 0`
	}
	if f.Kind != "" {
		q += ` AND kind = ?`
		args = append(args, f.Kind)
	}
	q += ` ORDER BY created_at DESC, id` + limitOffset(f.Limit, f.Offset, 200)
	rows, err := tx.query(q, args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*hub.Notification
	total := 0
	for rows.Next() {
		n := &hub.Notification{}
		var c, r int64
		if err := rows.Scan(&n.ID, &n.UserID, &n.Kind, &n.SubjectID, &n.ObjectType, &n.ObjectID, &n.Title, &n.Body, &n.Link, &c, &r, &total); err != nil {
			return nil, 0, err
		}
		n.CreatedAt, n.ReadAt = fromMicros(c), fromMicros(r)
		out = append(out, n)
	}
	return out, total, rows.Err()
}

// UnreadNotifications counts a user's unread notifications.
func (tx *Tx) UnreadNotifications(userID string) (int, error) {
	var n int
	err := tx.queryRow(`SELECT COUNT(*) FROM notifications WHERE user_id = ? AND read_at = 0`, userID).Scan(&n)
	return n, tx.db.translate(err)
}

// MarkNotificationsRead marks the user's notifications read: those with the
// given ids, or all of them when ids is empty. It returns how many changed.
func (tx *Tx) MarkNotificationsRead(userID string, ids ...string) (int64, error) {
	q := `UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at = 0`
	args := []any{micros(tx.now), userID}
	if len(ids) > 0 {
		q += ` AND id IN (?` + repeatPlaceholders(len(ids)-1) + `)`
		for _, id := range ids {
			args = append(args, id)
		}
	}
	r, err := tx.exec(q, args...)
	if err != nil {
		return 0, err
	}
	return r.RowsAffected()
}

func repeatPlaceholders(n int) string {
	b := make([]byte, 0, 3*n)
	for i := 0; i < n; i++ {
		b = append(b, ", ?"...)
	}
	return string(b)
}
