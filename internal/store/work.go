package store

import (
	"slices"
	"time"

	"github.com/safehub/safehub/internal/hub"
)

// RecordWorkNotice records that the owner of work item (kind, objectID)
// has been told it is overdue for the due time due. It reports whether
// this call recorded it; false means it had been recorded already (by
// this server or another), so the notice must not be sent again.
func (tx *Tx) RecordWorkNotice(kind, objectID string, due time.Time) (bool, error) {
	// Both engines support INSERT … ON CONFLICT DO NOTHING (SQLite ≥ 3.24).
	r, err := tx.exec(`INSERT INTO work_notices (kind, object_id, due, notified_at) VALUES (?, ?, ?, ?) ON CONFLICT (kind, object_id, due) DO NOTHING`,
		kind, objectID, micros(due), micros(tx.now))
	if err != nil {
		return false, err
	}
	n, err := r.RowsAffected()
	return n == 1, err
}

// CountWorkNotices returns the number of overdue notices recorded.
func (tx *Tx) CountWorkNotices() (int, error) {
	var n int
	err := tx.queryRow(`SELECT COUNT(*) FROM work_notices`).Scan(&n)
	return n, tx.db.translate(err)
}

// UsersInAreas returns the enabled users who work in any of the given
// areas (all enabled users when areaIDs is empty), by display name. Users
// are few (hundreds), and their areas are a list column, so the filter is
// applied here rather than in SQL.
func (tx *Tx) UsersInAreas(areaIDs ...string) ([]*hub.User, error) {
	rows, err := tx.query(`SELECT `+userColumns+` FROM users WHERE disabled = ? ORDER BY display_name, username`, false)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*hub.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		if len(areaIDs) == 0 || slices.ContainsFunc(u.AreaIDs, func(a string) bool { return slices.Contains(areaIDs, a) }) {
			out = append(out, u)
		}
	}
	return out, rows.Err()
}

// CountNotifications returns the number of notifications (of every user).
func (tx *Tx) CountNotifications() (int, error) {
	var n int
	err := tx.queryRow(`SELECT COUNT(*) FROM notifications`).Scan(&n)
	return n, tx.db.translate(err)
}
