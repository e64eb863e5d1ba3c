package app

import (
	"time"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
)

// ChronologyEntry is one dated event in a child's chronology: a referral,
// an assessment, a missing episode, a meeting, a flag, a case note.
type ChronologyEntry struct {
	At time.Time
	// Kind is a short machine name ("referral", "missing", "flag", "note").
	Kind string
	// Title is one line; Detail is optional further text.
	Title  string
	Detail string
	// Agency is the agency that recorded it, when known.
	Agency string
	// Link is a path within Safehub to the record.
	Link string
}

// chronologySources add a feature's entries to a child's chronology. Each
// runs in the chronology's transaction and must return only what actor may
// see. Feature files add theirs in init functions.
var chronologySources []func(a *App, tx *store.Tx, actor *access.Actor, p *hub.Person) ([]ChronologyEntry, error)
