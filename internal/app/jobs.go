package app

import (
	"context"
	"fmt"
	"time"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
)

// The deadline job (issue 4, part A) computes every open work item of
// every feature and tells the owner of each item that has become overdue,
// once per item and due time: the notices sent are recorded
// (work_notices), so a restart, a second run or a second server never
// repeats one. Overdue items nobody holds are summed up for the managers
// of their area, one notification per manager per run.

// DeadlineRun says what one run of the deadline job found and did.
type DeadlineRun struct {
	Open    int
	Overdue int
	// Notified counts the items newly told about; Notifications the
	// notifications written (an unallocated item's notice goes to every
	// manager of its area, in one digest per manager).
	Notified      int
	Notifications int
	// SharesExpired counts shares whose expiry this run recorded.
	SharesExpired int
	Took          time.Duration
}

// jobActor is who the deadline job acts as: a manager in every area, so
// the sources list every item (restricted records included). It has no
// user id and is never shown anything.
func jobActor(areas []*hub.Area) *access.Actor {
	a := &access.Actor{Name: "deadline-job", Roles: []hub.Role{hub.RoleManager}}
	for _, ar := range areas {
		a.AreaIDs = append(a.AreaIDs, ar.ID)
	}
	return a
}

// RunDeadlines runs the deadline job once: it reads every open item (in a
// read-only transaction, so practitioners' writes are not held up), then in
// one transaction records and sends the notices of the overdue items not
// told about yet. It writes one audit event when it sent anything.
func (a *App) RunDeadlines(ctx context.Context) (*DeadlineRun, error) {
	start := time.Now()
	run := &DeadlineRun{}
	var err error
	if run.SharesExpired, err = a.ExpireShares(ctx); err != nil {
		return nil, fmt.Errorf("deadline job: expire shares: %w", err)
	}
	var overdue []WorkItem
	err = a.db.Read(ctx, func(tx *store.Tx) error {
		areas, err := tx.Areas()
		if err != nil {
			return err
		}
		items, err := a.collectWork(tx, jobActor(areas))
		if err != nil {
			return err
		}
		now := tx.Now()
		seen := map[string]bool{}
		for _, it := range items {
			key := it.Kind + "\x00" + noticeObject(it)
			if seen[key] {
				continue
			}
			seen[key] = true
			run.Open++
			if it.Overdue(now) {
				overdue = append(overdue, it)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("deadline job: read work items: %w", err)
	}
	run.Overdue = len(overdue)
	if len(overdue) == 0 {
		run.Took = time.Since(start)
		return run, nil
	}
	err = a.db.Tx(ctx, func(tx *store.Tx) error {
		run.Notified, run.Notifications = 0, 0
		var ns []*hub.Notification
		managers := map[string][]string{} // area → its managers
		digest := map[string][]WorkItem{} // manager → unallocated overdue items
		var digestOrder []string          // managers in first-seen order
		for _, it := range overdue {
			fresh, err := tx.RecordWorkNotice(it.Kind, noticeObject(it), it.Due)
			if err != nil {
				return err
			}
			if !fresh {
				continue
			}
			run.Notified++
			if it.OwnerID != "" {
				ns = append(ns, &hub.Notification{UserID: it.OwnerID, Kind: "deadline", SubjectID: it.SubjectID, ObjectType: it.Kind, ObjectID: it.ObjectID,
					Title: "Overdue: " + it.Title, Body: "It was due " + it.Due.In(London).Format("2 Jan 2006 15:04") + ".", Link: it.Link})
				continue
			}
			ms, ok := managers[it.AreaID]
			if !ok {
				if ms, err = managersOf(tx, it.AreaID); err != nil {
					return err
				}
				managers[it.AreaID] = ms
			}
			for _, m := range ms {
				if _, ok := digest[m]; !ok {
					digestOrder = append(digestOrder, m)
				}
				digest[m] = append(digest[m], it)
			}
		}
		for _, m := range digestOrder {
			items := digest[m]
			n := &hub.Notification{UserID: m, Kind: "deadline", ObjectType: "work", Link: "/team",
				Title: fmt.Sprintf("%d unallocated work items are overdue in your areas", len(items)), Body: "Allocate them in the team view."}
			if len(items) == 1 {
				n.Title, n.SubjectID, n.ObjectType, n.ObjectID = "Overdue and unallocated: "+items[0].Title, items[0].SubjectID, items[0].Kind, items[0].ObjectID
			}
			ns = append(ns, n)
		}
		if run.Notified == 0 {
			return nil
		}
		run.Notifications = len(ns)
		if err := a.notify(tx, ns...); err != nil {
			return err
		}
		e := event(ctx, &access.Actor{Name: "deadline-job"}, hub.ActCreate, "work_notice", "")
		e.Detail = fmt.Sprintf("%d overdue items newly notified; %d notifications", run.Notified, run.Notifications)
		return tx.AppendAudit(e)
	})
	if err != nil {
		return nil, fmt.Errorf("deadline job: send notices: %w", err)
	}
	run.Took = time.Since(start)
	return run, nil
}

// noticeObject identifies an item's record for its notice: its ObjectID,
// or its link for a source that sets none.
func noticeObject(it WorkItem) string {
	if it.ObjectID != "" {
		return it.ObjectID
	}
	return it.Link
}

// RunDeadlineJob runs the deadline job now and then every interval (the
// configured DeadlineJobEvery when interval is 0) until ctx is done. A
// failed run is logged and the next one tried as usual. Servers start it
// (cmd/safehub serve and demo).
func (a *App) RunDeadlineJob(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = a.referralConfig().DeadlineJobEvery
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		run, err := a.RunDeadlines(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			a.log.Warn("deadline job failed", "err", err)
		case err == nil && run.Notified > 0:
			a.log.Info("deadline job", "open", run.Open, "overdue", run.Overdue, "notified", run.Notified, "took", run.Took.Round(time.Millisecond))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
