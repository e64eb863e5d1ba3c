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
	// ObjectID is the record the item is about (the referral, the plan
	// action …): with Kind it identifies the item, for reassignment
	// (workReassigners) and for the deadline job's one notice per item.
	ObjectID string
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
// work", the team view and the deadline job): those in the actor's areas
// (or allocated to the actor) whose titles the actor may see. They run in a
// read-only transaction and must not write. Feature files add theirs in
// init functions.
var workSources []func(a *App, tx *store.Tx, actor *access.Actor) ([]WorkItem, error)

// workReassigners give a work item a new owner, keyed by WorkItem.Kind:
// each feature registers one for the kinds of item it lists, in an init
// function. It runs inside the reassignment's transaction, must check
// that the record is in scope for actor (answering hub.NotFound, having
// written nothing, when it is not) and that newOwner may hold it (see
// App.CheckAssignee), then save the new owner. The caller checks the
// function-level permission, audits the change and tells the new owner.
var workReassigners = map[string]func(a *App, tx *store.Tx, actor *access.Actor, itemKind, objectID, newOwner string) error{}

// MyWork is a user's work queue ("My work", and its summary on the home
// page): the items allocated to them, overdue first then by due time, and
// the unallocated items in their areas that they may pick up.
type MyWork struct {
	Now         time.Time
	Items       []WorkItem
	Overdue     int
	DueToday    int
	Unallocated []WorkItem
	// UnallocatedTotal counts every unallocated item; Unallocated holds
	// the first of them.
	UnallocatedTotal int
}
