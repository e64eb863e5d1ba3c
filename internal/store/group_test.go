package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
	"github.com/safehub/safehub/internal/store/storetest"
)

// blockWriter queues an item that holds the group writer inside its
// transaction until release is called, so that the items queued meanwhile
// form the next batch together. It returns release and the item's result.
func blockWriter(t *testing.T, db *storetest.Store) (release func(), result <-chan error) {
	t.Helper()
	// entered has room for the signal, so that it is not lost when the
	// writer runs the item before this goroutine waits for it (the
	// function may run twice: the second signal is dropped).
	entered, hold := make(chan struct{}, 1), make(chan struct{})
	var once sync.Once
	release = func() { once.Do(func() { close(hold) }) }
	res := make(chan error, 1)
	go func() {
		res <- db.Group(context.Background(), func(tx *store.Tx) error {
			select {
			case entered <- struct{}{}:
			default:
			}
			<-hold
			return nil
		})
	}()
	select {
	case <-entered:
	case <-time.After(10 * time.Second):
		release() // let the writer go, so that closing the store cannot hang
		t.Fatal("the group writer did not start the blocking item")
	}
	return release, res
}

// TestGroupCommit: concurrent callers' writes share transactions, each is
// durable when its call returns, the log verifies, and after-commit
// functions run in the caller's goroutine before Group returns.
func TestGroupCommit(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		db, _ := openStore(t, engine)
		ctx := context.Background()
		release, first := blockWriter(t, db)
		const n = 100
		var wg sync.WaitGroup
		errs := make([]error, n)
		ran := make([]bool, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var mine bool
				errs[i] = db.Group(ctx, func(tx *store.Tx) error {
					tx.AfterCommit(func() { mine = true })
					return tx.AppendAudit(newEvent(i))
				})
				ran[i] = mine
			}()
		}
		// Let every caller queue behind the blocked writer.
		deadline := time.Now().Add(10 * time.Second)
		for db.GroupQueued() < n && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		release()
		wg.Wait()
		if err := <-first; err != nil {
			t.Fatal(err)
		}
		for i, err := range errs {
			if err != nil {
				t.Fatalf("item %d: %v", i, err)
			}
			if !ran[i] {
				t.Errorf("item %d: after-commit function had not run when Group returned", i)
			}
		}
		if got := queryInt(t, db, `SELECT COUNT(*) FROM audit_events`); got != n {
			t.Errorf("audit events = %d, want %d", got, n)
		}
		st := db.GroupStats()
		if st.Items != n+1 || st.Batches > 3 || st.Alone != 0 {
			t.Errorf("group stats %+v: want %d items in at most 3 batches, none alone", st, n+1)
		}
		if rep := verify(t, db, db.Published.Notes()); !rep.OK() {
			t.Errorf("audit log does not verify: %+v", rep)
		}
	})
}

// TestGroupCommitBadItem: an item that fails, by its own error or by a
// constraint the database enforces, fails alone; the others in its batch
// commit.
func TestGroupCommitBadItem(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		db, _ := openStore(t, engine)
		ctx := context.Background()
		release, first := blockWriter(t, db)
		errOwn := errors.New("own failure")
		type result struct {
			i   int
			err error
		}
		results := make(chan result, 6)
		for i := range 6 {
			go func() {
				err := db.Group(ctx, func(tx *store.Tx) error {
					switch i {
					case 2:
						return errOwn
					case 4:
						// A notification for a user who does not exist breaks
						// a foreign key.
						return tx.CreateNotifications(&hub.Notification{UserID: hub.NewID(), Kind: "test", Title: "x"})
					}
					return tx.AppendAudit(newEvent(i))
				})
				results <- result{i, err}
			}()
		}
		deadline := time.Now().Add(10 * time.Second)
		for db.GroupQueued() < 6 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		release()
		if err := <-first; err != nil {
			t.Fatal(err)
		}
		for range 6 {
			r := <-results
			switch r.i {
			case 2:
				if !errors.Is(r.err, errOwn) {
					t.Errorf("item 2: %v, want its own error", r.err)
				}
			case 4:
				if hub.ErrorCode(r.err) != hub.EInvalid {
					t.Errorf("item 4: %v, want the missing-reference error", r.err)
				}
			default:
				if r.err != nil {
					t.Errorf("item %d failed with its batch: %v", r.i, r.err)
				}
			}
		}
		if got := queryInt(t, db, `SELECT COUNT(*) FROM audit_events`); got != 4 {
			t.Errorf("audit events = %d, want 4", got)
		}
		if got := queryInt(t, db, `SELECT COUNT(*) FROM notifications`); got != 0 {
			t.Errorf("notifications = %d, want 0", got)
		}
		if st := db.GroupStats(); st.Alone != 6 {
			t.Errorf("items retried alone = %d, want 6", st.Alone)
		}
		if rep := verify(t, db, db.Published.Notes()); !rep.OK() {
			t.Errorf("audit log does not verify: %+v", rep)
		}
	})
}

// TestGroupCommitBackPressure: with the queue full, a caller waits for room
// and gives up when its context ends, without its function running; a
// caller whose context ends while it waits in a batch is answered at once.
func TestGroupCommitBackPressure(t *testing.T) {
	db, _ := openStore(t, firstEngine())
	db.SetGroupOptions(store.GroupOptions{QueueSize: 1})
	release, first := blockWriter(t, db)
	defer release()
	// One item fills the queue.
	queued := make(chan error, 1)
	go func() {
		queued <- db.Group(context.Background(), func(tx *store.Tx) error { return tx.AppendAudit(newEvent(1)) })
	}()
	deadline := time.Now().Add(10 * time.Second)
	for db.GroupQueued() < 1 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	ran := false
	err := db.Group(ctx, func(tx *store.Tx) error { ran = true; return nil })
	if !errors.Is(err, context.DeadlineExceeded) || ran {
		t.Errorf("Group on a full queue = %v (ran %v), want DeadlineExceeded without running", err, ran)
	}
	release()
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if err := <-queued; err != nil {
		t.Errorf("queued item: %v", err)
	}
}

// TestGroupCommitClose: closing the store commits what is queued; later
// writes are refused as unavailable.
func TestGroupCommitClose(t *testing.T) {
	db, _ := openStore(t, firstEngine())
	release, first := blockWriter(t, db)
	res := make(chan error, 3)
	for i := range 3 {
		go func() {
			res <- db.Group(context.Background(), func(tx *store.Tx) error { return tx.AppendAudit(newEvent(i)) })
		}()
	}
	deadline := time.Now().Add(10 * time.Second)
	for db.GroupQueued() < 3 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	closed := make(chan error, 1)
	go func() { closed <- db.Close() }()
	time.Sleep(20 * time.Millisecond)
	release()
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := <-res; err != nil {
			t.Errorf("queued item at close: %v", err)
		}
	}
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	err := db.Group(context.Background(), func(tx *store.Tx) error { return nil })
	if hub.ErrorCode(err) != hub.EUnavailable {
		t.Errorf("Group after Close = %v, want unavailable", err)
	}
	db2 := storetest.OpenDSN(t, db.DSN, storetest.Options{})
	if got := queryInt(t, db2, `SELECT COUNT(*) FROM audit_events`); got != 3 {
		t.Errorf("audit events after close = %d, want 3", got)
	}
}

func firstEngine() string { return storetest.Engines()[0] }
