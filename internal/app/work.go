package app

import (
	"time"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/store"
)

// WorkItem is something due: a referral to decide, a return home interview
// to complete, a plan action, a review, an NRM decision to chase.
type WorkItem struct {
	// Kind is a short machine name ("referral_decision", "rhi", "plan_action").
	Kind  string
	Title string
	// SubjectID is the person (or context) the item concerns.
	SubjectID string
	// OwnerID is the user responsible, if allocated.
	OwnerID string
	AreaID  string
	Due     time.Time
	Link    string
}

// Overdue reports whether the item is past due at now.
func (w WorkItem) Overdue(now time.Time) bool { return !w.Due.IsZero() && now.After(w.Due) }

// workSources list a feature's open work items visible to actor (for "My
// work" and the team view). Feature files add theirs in init functions.
var workSources []func(a *App, tx *store.Tx, actor *access.Actor) ([]WorkItem, error)

// MyWork is the "My work" summary on a practitioner's home page.
type MyWork struct{}
