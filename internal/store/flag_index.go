package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/safehub/safehub/internal/hub"
)

// Queries for the health flag look-up index (app/flaglookup.go): the active
// flags of children who have an NHS number, with that number. The index
// never needs a flag's reason or end reason, so they are not read.

const indexedFlagColumns = `f.id, f.person_id, f.area_id, f.owner_agency_id, f.status, f.category, f.risk_level, f.start_date, f.end_date, f.review_due, f.advice, f.contact_phone, f.contact_hours, f.lead_user_id, f.version, f.created_at, f.updated_at`

func scanIndexedFlag(s interface{ Scan(...any) error }, nhs any) (*hub.Flag, error) {
	f := &hub.Flag{}
	var status, category, risk, start, end, review string
	var c, u int64
	if err := s.Scan(&f.ID, &f.PersonID, &f.AreaID, &f.OwnerAgencyID, &status, &category, &risk, &start, &end, &review,
		&f.Advice, &f.ContactPhone, &f.ContactHours, &f.LeadUserID, &f.Version, &c, &u, nhs); err != nil {
		return nil, err
	}
	f.Status, f.Category, f.RiskLevel = hub.FlagStatus(status), hub.FlagCategory(category), hub.RiskLevel(risk)
	f.Start, f.End, f.ReviewDue = parseDateText(start), parseDateText(end), parseDateText(review)
	f.CreatedAt, f.UpdatedAt = fromMicros(c), fromMicros(u)
	return f, nil
}

// ActiveFlagsWithNHS calls fn with every active flag (status active,
// whatever its dates) of a child with an NHS number, and that number; with
// personID set, only that child's. Flags of children without an NHS number
// cannot be looked up and are not listed.
func (tx *Tx) ActiveFlagsWithNHS(personID string, fn func(f *hub.Flag, nhs string) error) error {
	q := `SELECT ` + indexedFlagColumns + `, i.value FROM flags f JOIN person_identifiers i ON i.person_id = f.person_id AND i.kind = 'nhs' WHERE f.status = 'active'`
	var args []any
	if personID != "" {
		q += ` AND f.person_id = ?`
		args = append(args, personID)
	}
	rows, err := tx.query(q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var nhs string
		f, err := scanIndexedFlag(rows, &nhs)
		if err != nil {
			return err
		}
		if err := fn(f, nhs); err != nil {
			return err
		}
	}
	return rows.Err()
}

// FlagWithNHS returns a flag in any status (without its reason or end
// reason) and its child's NHS number, "" when the child has none; a missing
// flag is hub.ErrNotFound.
func (tx *Tx) FlagWithNHS(id string) (*hub.Flag, string, error) {
	var nhs *string
	row := tx.queryRow(`SELECT `+indexedFlagColumns+`, i.value FROM flags f LEFT JOIN person_identifiers i ON i.person_id = f.person_id AND i.kind = 'nhs' WHERE f.id = ?`, id)
	f, err := scanIndexedFlag(row, &nhs)
	if err != nil {
		return nil, "", tx.db.translate(err)
	}
	if nhs == nil {
		return f, "", nil
	}
	return f, *nhs, nil
}

// PersonName returns a person's given and family names, for a notification
// that names the child; a missing person is hub.ErrNotFound.
func (tx *Tx) PersonName(id string) (given, family string, err error) {
	err = tx.queryRow(`SELECT given_name, family_name FROM persons WHERE id = ?`, id).Scan(&given, &family)
	return given, family, tx.db.translate(err)
}

// The PostgreSQL side of ListenFlagChanges: a dedicated connection (outside
// the pool, with the pool's settings) that LISTENs on the flag channel and
// hands each notified person to fn. When the connection breaks it
// reconnects with a growing pause (up to 5 s); notifications sent while it
// was away are lost, so after every successful LISTEN, the first included,
// fn is called with "" meaning "anything may have changed: rebuild".
func init() { listenFlagChanges = listenPostgres }

// listenPause bounds the pause between reconnections.
const listenPause = 5 * time.Second

func listenPostgres(ctx context.Context, db *DB, fn func(personID string)) error {
	cfg, err := db.pgConfig(ctx)
	if err != nil {
		return err
	}
	pause := 50 * time.Millisecond
	for {
		listening, err := listenOnce(ctx, cfg, fn)
		if ctx.Err() != nil {
			return nil
		}
		if listening {
			pause = 50 * time.Millisecond
		}
		_ = err // the connection broke or could not be made: try again
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(pause):
		}
		pause = min(2*pause, listenPause)
	}
}

// listenOnce connects, listens and delivers notifications until the
// connection fails or ctx ends. It reports whether LISTEN succeeded.
func listenOnce(ctx context.Context, cfg *pgx.ConnConfig, fn func(personID string)) (bool, error) {
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	conn, err := pgx.ConnectConfig(cctx, cfg.Copy())
	cancel()
	if err != nil {
		return false, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, `LISTEN `+flagChannel); err != nil {
		return false, err
	}
	fn("")
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return true, err
		}
		if n != nil && n.Channel == flagChannel && n.Payload != "" {
			fn(n.Payload)
		}
	}
}

// pgConfig returns the connection settings of the pool's connections, to
// open a dedicated one with.
func (db *DB) pgConfig(ctx context.Context) (*pgx.ConnConfig, error) {
	c, err := db.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	var cfg *pgx.ConnConfig
	err = c.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("postgres connection is a %T, not a pgx connection", dc)
		}
		cfg = sc.Conn().Config().Copy()
		// The copy carries the pooled connection's notification handler,
		// which would buffer our notifications on that connection.
		cfg.OnNotification = nil
		return nil
	})
	if errors.Is(err, driver.ErrBadConn) {
		return nil, err
	}
	return cfg, err
}

// ChildWithNHS returns a person born after bornAfter who has an NHS number,
// and that number (the first by id), for the demo to flag; hub.ErrNotFound
// when there is none.
func (tx *Tx) ChildWithNHS(bornAfter hub.Date) (personID, nhs string, err error) {
	err = tx.queryRow(`SELECT p.id, i.value FROM persons p JOIN person_identifiers i ON i.person_id = p.id AND i.kind = 'nhs'
		WHERE p.date_of_birth > ? ORDER BY p.id LIMIT 1`, dateText(bornAfter)).Scan(&personID, &nhs)
	return personID, nhs, tx.db.translate(err)
}
