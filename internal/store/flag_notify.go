package store

import (
	"context"
	"sync"
)

// flagChannel is the PostgreSQL NOTIFY channel that tells every server
// sharing the database that a person's health flags changed.
const flagChannel = "safehub_flags"

// flagWatchers are this process's subscribers to flag changes.
type flagWatchers struct {
	mu  sync.Mutex
	fns []func(personID string)
}

// OnFlagChange registers fn to be called, after commit, with the person
// whose flags changed — for changes made by this process. On PostgreSQL,
// changes made by other servers arrive through ListenFlagChanges.
func (db *DB) OnFlagChange(fn func(personID string)) {
	db.flags.mu.Lock()
	defer db.flags.mu.Unlock()
	db.flags.fns = append(db.flags.fns, fn)
}

// NotifyFlagChange records, in the transaction, that personID's flags
// changed: this process's watchers are called after commit, and on
// PostgreSQL a NOTIFY (delivered only if the transaction commits) tells the
// other servers.
func (tx *Tx) NotifyFlagChange(personID string) error {
	if tx.db.engine == Postgres {
		if _, err := tx.exec(`SELECT pg_notify(?, ?)`, flagChannel, personID); err != nil {
			return err
		}
	}
	db := tx.db
	tx.AfterCommit(func() {
		db.flags.mu.Lock()
		fns := append([]func(string){}, db.flags.fns...)
		db.flags.mu.Unlock()
		for _, fn := range fns {
			fn(personID)
		}
	})
	return nil
}

// ListenFlagChanges calls fn with each person whose flags another server
// changed, until ctx ends. It is PostgreSQL only (SQLite has one server);
// on SQLite it returns at once.
//
// (Implemented by the FHIR look-up work; see flag_index.go.)
var listenFlagChanges func(ctx context.Context, db *DB, fn func(personID string)) error

// ListenFlagChanges: see the variable of the same name.
func (db *DB) ListenFlagChanges(ctx context.Context, fn func(personID string)) error {
	if db.engine != Postgres || listenFlagChanges == nil {
		return nil
	}
	return listenFlagChanges(ctx, db, fn)
}
