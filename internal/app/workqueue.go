package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
)

// Work queues (issue 4, part A): every feature lists its open, dated work
// items through workSources (referral decisions, assessment reviews, plan
// actions, return home interviews, NRM decisions, flag reviews …). "My
// work" shows a user the items allocated to them, overdue first, and the
// unallocated ones in their areas; the manager's team view shows the items
// of the manager's areas by worker, with overdue counts and the
// unallocated, and reassigns an item through its feature's reassigner.
// Both name children, so each look is one audit event.

// collectWork runs every work source for actor.
func (a *App) collectWork(tx *store.Tx, actor *access.Actor) ([]WorkItem, error) {
	var out []WorkItem
	for _, src := range workSources {
		items, err := src(a, tx, actor)
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
	}
	return out, nil
}

// sortWork orders items overdue first, then by due time (undated last),
// then by title.
func sortWork(items []WorkItem, now time.Time) {
	slices.SortStableFunc(items, func(x, y WorkItem) int {
		if ox, oy := x.Overdue(now), y.Overdue(now); ox != oy {
			if ox {
				return -1
			}
			return 1
		}
		switch {
		case x.Due.IsZero() != y.Due.IsZero():
			if x.Due.IsZero() {
				return 1
			}
			return -1
		case !x.Due.Equal(y.Due):
			return x.Due.Compare(y.Due)
		}
		return strings.Compare(x.Title, y.Title)
	})
}

// endOfLondonDay is midnight at the end of date d in London, in UTC: when
// something due "on" d becomes overdue.
func endOfLondonDay(d hub.Date) time.Time {
	return time.Date(d.Year, d.Month, d.Day+1, 0, 0, 0, 0, London).UTC()
}

// maxUnallocated bounds the unallocated items "My work" lists.
const maxUnallocated = 50

// MyWork returns the actor's work queue: the items allocated to them,
// overdue first then by due time, and the unallocated items in their areas.
func (a *App) MyWork(ctx context.Context, actor *access.Actor) (*MyWork, error) {
	if err := require(actor, access.CaseRead); err != nil {
		return nil, err
	}
	w := &MyWork{}
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		now := tx.Now()
		w.Now = now
		items, err := a.collectWork(tx, actor)
		if err != nil {
			return err
		}
		sortWork(items, now)
		endToday := endOfLondonDay(hub.DateOf(now.In(London)))
		for _, it := range items {
			switch {
			case it.OwnerID == actor.ID && actor.ID != "":
				w.Items = append(w.Items, it)
				if it.Overdue(now) {
					w.Overdue++
				} else if !it.Due.IsZero() && it.Due.Before(endToday) {
					w.DueToday++
				}
			case it.OwnerID == "" && actor.InArea(it.AreaID):
				w.UnallocatedTotal++
				if len(w.Unallocated) < maxUnallocated {
					w.Unallocated = append(w.Unallocated, it)
				}
			}
		}
		e := event(ctx, actor, hub.ActView, "work", actor.ID)
		e.Detail = fmt.Sprintf("my work: %d items, %d unallocated", len(w.Items), w.UnallocatedTotal)
		return tx.AppendAudit(e)
	})
	if err != nil {
		return nil, err
	}
	return w, nil
}

// WorkerLoad is one worker's items in the team view.
type WorkerLoad struct {
	UserID  string
	Name    string
	Items   []WorkItem
	Overdue int
}

// TeamWork is the manager's team view of an area (or all the manager's
// areas): every open item by worker, with overdue counts, the unallocated
// items, and who items can be given to.
type TeamWork struct {
	Now         time.Time
	AreaID      string
	Areas       []*hub.Area
	Workers     []WorkerLoad
	Unallocated []WorkItem
	Total       int
	Overdue     int
	// Assignees are the users who may be given items in these areas.
	Assignees []*hub.User
}

// TeamWork returns the team view of the actor's areas, or of one of them
// (areaID).
func (a *App) TeamWork(ctx context.Context, actor *access.Actor, areaID string) (*TeamWork, error) {
	if err := require(actor, access.TeamView); err != nil {
		return nil, err
	}
	if areaID != "" && !actor.InArea(areaID) {
		return nil, hub.Invalid("area", "is not one of your areas")
	}
	t := &TeamWork{AreaID: areaID}
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		now := tx.Now()
		t.Now = now
		areas := actor.AreaIDs
		if areaID != "" {
			areas = []string{areaID}
		}
		all, err := tx.Areas()
		if err != nil {
			return err
		}
		for _, ar := range all {
			if actor.InArea(ar.ID) {
				t.Areas = append(t.Areas, ar)
			}
		}
		items, err := a.collectWork(tx, actor)
		if err != nil {
			return err
		}
		sortWork(items, now)
		byOwner := map[string]int{}
		for _, it := range items {
			if !slices.Contains(areas, it.AreaID) {
				continue
			}
			t.Total++
			if it.Overdue(now) {
				t.Overdue++
			}
			if it.OwnerID == "" {
				t.Unallocated = append(t.Unallocated, it)
				continue
			}
			i, ok := byOwner[it.OwnerID]
			if !ok {
				i = len(t.Workers)
				byOwner[it.OwnerID] = i
				t.Workers = append(t.Workers, WorkerLoad{UserID: it.OwnerID})
			}
			t.Workers[i].Items = append(t.Workers[i].Items, it)
			if it.Overdue(now) {
				t.Workers[i].Overdue++
			}
		}
		us, err := tx.UsersInAreas(areas...)
		if err != nil {
			return err
		}
		names := map[string]string{}
		for _, u := range us {
			names[u.ID] = u.DisplayName
			if access.Can(&access.Actor{ID: u.ID, Roles: u.Roles, AreaIDs: u.AreaIDs}, access.CaseRead) {
				t.Assignees = append(t.Assignees, u)
			}
		}
		for i := range t.Workers {
			w := &t.Workers[i]
			if w.Name = names[w.UserID]; w.Name == "" {
				if u, err := tx.User(w.UserID); err == nil {
					w.Name = u.DisplayName
				} else {
					w.Name = "Unknown user"
				}
			}
		}
		slices.SortStableFunc(t.Workers, func(x, y WorkerLoad) int {
			if x.Overdue != y.Overdue {
				return y.Overdue - x.Overdue
			}
			return strings.Compare(x.Name, y.Name)
		})
		e := event(ctx, actor, hub.ActView, "work", "team")
		e.Detail = fmt.Sprintf("team view: %d items, %d overdue, %d unallocated", t.Total, t.Overdue, len(t.Unallocated))
		return tx.AppendAudit(e)
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// Reassignable reports whether work items of a kind can be reassigned:
// their feature registered a reassigner.
func Reassignable(kind string) bool {
	_, ok := workReassigners[kind]
	return ok
}

// ReassignWork gives a work item a new owner through the reassigner of the
// item's kind, as a manager in the team view does: it needs the team view
// and case writing, and the owning feature decides on the record (answering
// not found for one outside the manager's scope). The change is audited
// and the new owner told.
func (a *App) ReassignWork(ctx context.Context, actor *access.Actor, kind, objectID, newOwner string) error {
	if err := require(actor, access.TeamView); err != nil {
		return err
	}
	if err := require(actor, access.CaseWrite); err != nil {
		return err
	}
	re, ok := workReassigners[kind]
	if !ok {
		return hub.Invalid("kind", "is not a kind of work item that can be reassigned")
	}
	if !hub.ValidID(objectID) {
		return hub.Invalid("object_id", "is not a record identifier")
	}
	if !hub.ValidID(newOwner) {
		return hub.Invalid("owner", "choose who is to hold this item")
	}
	var denied bool
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		e := event(ctx, actor, hub.ActUpdate, kind, objectID)
		err := re(a, tx, actor, kind, objectID, newOwner)
		if errors.Is(err, hub.ErrNotFound) {
			denied = true
			e.Outcome, e.Detail = hub.OutcomeDenied, "reassignment: not found or not in scope"
			return tx.AppendAudit(e)
		}
		if err != nil {
			return err
		}
		e.Detail = "reassigned to user " + newOwner
		if err := tx.AppendAudit(e); err != nil {
			return err
		}
		if newOwner == actor.ID {
			return nil
		}
		return a.notify(tx, &hub.Notification{UserID: newOwner, Kind: "allocation", ObjectType: kind, ObjectID: objectID,
			Title: "A work item has been allocated to you", Body: "Allocated by " + actorName(tx, actor) + ". See My work.", Link: "/work"})
	})
	if err != nil {
		return err
	}
	if denied {
		return hub.NotFound(strings.ReplaceAll(kind, "_", " "))
	}
	return nil
}
