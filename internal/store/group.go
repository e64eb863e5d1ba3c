package store

import (
	"context"
	"sync"
	"time"

	"github.com/safehub/safehub/internal/hub"
)

// Group commit: many small writes that must each be durable before their
// caller goes on (the audit event of a health flag look-up, written before
// the answer is sent) share one transaction and so one fsync. Callers hand
// their write function to DB.Group; one writer goroutine collects what has
// queued, runs every function in one transaction and commits once, then
// releases every caller. Under load the batches grow by themselves: while
// one commits, the next queues. A batch that fails is retried item by item,
// so that one bad item fails only its own caller.

// GroupOptions tune group commit. Zero values take the defaults.
type GroupOptions struct {
	// MaxBatch is the most items one transaction holds (default 256).
	MaxBatch int
	// MaxWait is how long the writer waits for more items once it has
	// taken what was queued, when the batch is not full (default 0: a
	// batch is whatever queued while the previous one committed, which
	// adds no latency when the store is idle).
	MaxWait time.Duration
	// QueueSize bounds the items waiting for the writer (default 4096).
	// Callers beyond it wait for room (back-pressure) or their context.
	QueueSize int
}

type groupCommit struct {
	mu      sync.RWMutex // senders hold it for reading; closeGroup for writing
	opts    GroupOptions
	started bool
	closed  bool
	queue   chan *groupItem
	stopped chan struct{}
	stats   GroupStats // guarded by statsMu
	statsMu sync.Mutex
}

// GroupStats count the group writer's work, for benchmarks and metrics.
type GroupStats struct {
	// Batches is the number of shared transactions committed or tried;
	// Items the functions they held; Alone the items run again alone
	// after their batch failed.
	Batches, Items, Alone int64
}

// GroupStats returns the counts so far.
func (db *DB) GroupStats() GroupStats {
	db.group.statsMu.Lock()
	defer db.group.statsMu.Unlock()
	return db.group.stats
}

type groupItem struct {
	ctx  context.Context
	fn   func(tx *Tx) error
	done chan error
	// after holds the item's after-commit functions, run by its caller.
	after []func()
}

// errGroupClosed answers writes offered after the store began to close.
var errGroupClosed = hub.Errorf(hub.EUnavailable, "the service is shutting down; try again shortly")

// SetGroupOptions sets the group-commit options. Call it before the first
// DB.Group; later calls are ignored.
func (db *DB) SetGroupOptions(o GroupOptions) {
	g := &db.group
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.started {
		g.opts = o
	}
}

// Group runs fn inside a transaction shared with other callers' functions
// and returns once that transaction has committed (fn's writes are durable)
// or failed. fn must be small, must not keep the transaction or anything
// read through it, and may be run twice (alone, when its batch failed, or
// when PostgreSQL asks for a retry), so it must have no effects outside the
// transaction. Its after-commit functions (Tx.AfterCommit) run in the
// caller's goroutine before Group returns, as with DB.Tx.
//
// When the queue is full Group waits for room; if ctx ends first it returns
// ctx's error and fn does not run. If ctx ends while fn waits in a batch,
// Group returns ctx's error at once, and fn may still commit.
func (db *DB) Group(ctx context.Context, fn func(tx *Tx) error) error {
	g := &db.group
	it := &groupItem{ctx: ctx, fn: fn, done: make(chan error, 1)}
	g.mu.RLock()
	if g.closed {
		g.mu.RUnlock()
		return errGroupClosed
	}
	if !g.started {
		g.mu.RUnlock()
		db.startGroup()
		g.mu.RLock()
		if g.closed {
			g.mu.RUnlock()
			return errGroupClosed
		}
	}
	select {
	case g.queue <- it:
		g.mu.RUnlock()
	case <-ctx.Done():
		g.mu.RUnlock()
		return ctx.Err()
	}
	select {
	case err := <-it.done:
		if err == nil {
			for _, f := range it.after {
				f()
			}
		}
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (db *DB) startGroup() {
	g := &db.group
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.started || g.closed {
		return
	}
	if g.opts.MaxBatch <= 0 {
		g.opts.MaxBatch = 256
	}
	if g.opts.QueueSize <= 0 {
		g.opts.QueueSize = 4096
	}
	g.queue = make(chan *groupItem, g.opts.QueueSize)
	g.stopped = make(chan struct{})
	g.started = true
	go db.groupWriter(g.queue, g.opts)
}

// closeGroup refuses new items, lets the writer commit what is queued and
// waits for it to stop.
func (db *DB) closeGroup() {
	g := &db.group
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return
	}
	g.closed = true
	started := g.started
	if started {
		// No sender holds the read lock now, so none can send on the
		// closed channel.
		close(g.queue)
	}
	g.mu.Unlock()
	if started {
		<-g.stopped
	}
}

// groupWriter is the one writer: it takes the first waiting item, adds
// whatever else is queued (up to MaxBatch, waiting up to MaxWait for more)
// and commits them together, until the queue is closed and drained.
func (db *DB) groupWriter(queue chan *groupItem, o GroupOptions) {
	defer close(db.group.stopped)
	batch := make([]*groupItem, 0, o.MaxBatch)
	var timer *time.Timer
	for first := range queue {
		batch = append(batch[:0], first)
	fill:
		for len(batch) < o.MaxBatch {
			select {
			case it, ok := <-queue:
				if !ok {
					break fill
				}
				batch = append(batch, it)
				continue
			default:
			}
			if o.MaxWait <= 0 {
				break
			}
			if timer == nil {
				timer = time.NewTimer(o.MaxWait)
			} else {
				timer.Reset(o.MaxWait)
			}
			select {
			case it, ok := <-queue:
				timer.Stop()
				if !ok {
					break fill
				}
				batch = append(batch, it)
			case <-timer.C:
				break fill
			}
		}
		db.commitBatch(batch)
		clear(batch)
	}
}

// commitBatch runs the batch's functions in one transaction. If that
// fails, each item is run again alone, so that only the items that fail by
// themselves fail.
func (db *DB) commitBatch(batch []*groupItem) {
	live := make([]*groupItem, 0, len(batch))
	for _, it := range batch {
		if err := it.ctx.Err(); err != nil {
			it.done <- err // the caller has gone; do not write for it
			continue
		}
		live = append(live, it)
	}
	if len(live) == 0 {
		return
	}
	g := &db.group
	g.statsMu.Lock()
	g.stats.Batches++
	g.stats.Items += int64(len(live))
	g.statsMu.Unlock()
	ctx := context.Background()
	err := db.run(ctx, nil, func(tx *Tx) error {
		for _, it := range live {
			if err := it.run(tx); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		for _, it := range live {
			it.done <- nil
		}
		return
	}
	if len(live) == 1 {
		live[0].done <- err
		return
	}
	g.statsMu.Lock()
	g.stats.Alone += int64(len(live))
	g.statsMu.Unlock()
	for _, it := range live {
		it.done <- db.run(ctx, nil, it.run)
	}
}

// run runs the item's function in tx and takes its after-commit functions
// out of the transaction, for its caller to run.
func (it *groupItem) run(tx *Tx) error {
	n := len(tx.after)
	if err := it.fn(tx); err != nil {
		return err
	}
	it.after = append(it.after[:0], tx.after[n:]...)
	tx.after = tx.after[:n]
	return nil
}

// GroupQueued returns the number of items waiting for the writer.
func (db *DB) GroupQueued() int {
	g := &db.group
	g.mu.RLock()
	defer g.mu.RUnlock()
	if !g.started || g.closed {
		return 0
	}
	return len(g.queue)
}
