package store

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/safehub/safehub/internal/hub"
	"modernc.org/sqlite"
)

// SQLite extended result codes (sqlite3.h).
const (
	sqliteBusy             = 5
	sqliteLocked           = 6
	sqliteFull             = 13
	sqliteConstraintUnique = 2067
	sqliteConstraintPK     = 1555
	sqliteConstraintFK     = 787
	sqliteBusySnapshot     = 517
)

// translate turns driver errors into hub errors at the store's edge, keeping
// the driver error in the chain (for logs) but never in the message a user
// sees.
func (db *DB) translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return hub.ErrNotFound
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqliteConstraintUnique, sqliteConstraintPK:
			return &wrapped{hub.Errorf(hub.EConflict, "a record with the same key already exists"), err}
		case sqliteConstraintFK:
			return &wrapped{errMissingReference, err}
		case sqliteFull:
			return &wrapped{hub.Errorf(hub.EUnavailable, "the database is full; nothing was saved"), err}
		case sqliteBusy, sqliteLocked, sqliteBusySnapshot:
			return &wrapped{hub.Errorf(hub.EUnavailable, "the database is busy; try again"), err}
		}
		return err
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			return &wrapped{hub.Errorf(hub.EConflict, "a record with the same key already exists"), err}
		case "53100", "53200":
			return &wrapped{hub.Errorf(hub.EUnavailable, "the database is full; nothing was saved"), err}
		case "23503":
			return &wrapped{errMissingReference, err}
		case "22021", "22P05":
			// Text PostgreSQL cannot hold, such as a NUL byte, which SQLite
			// stores: refuse the input rather than fail with 500.
			return &wrapped{hub.Errorf(hub.EInvalid, "the text contains a character that cannot be stored"), err}
		case "40001", "40P01":
			return &wrapped{&hub.Error{Code: hub.EConflict, Message: "a concurrent change got in the way; try again"}, retryable{err}}
		}
	}
	return err
}

// errMissingReference is a foreign key violation: the record refers to an
// agency, area, user or person that does not exist.
var errMissingReference = hub.Errorf(hub.EInvalid, "the record refers to another record that does not exist")

// wrapped is a domain error that keeps the driver error for logging.
type wrapped struct {
	domain *hub.Error
	cause  error
}

func (w *wrapped) Error() string { return fmt.Sprintf("%v (%v)", w.domain, w.cause) }

// Unwrap exposes both the domain error (for errors.Is/As with hub errors)
// and the driver error.
func (w *wrapped) Unwrap() []error { return []error{w.domain, w.cause} }

type retryable struct{ error }

func (r retryable) Unwrap() error { return r.error }

func isRetryable(err error) bool {
	var r retryable
	return errors.As(err, &r)
}
