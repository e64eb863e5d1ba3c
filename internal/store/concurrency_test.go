package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
	"github.com/safehub/safehub/internal/store/storetest"
)

// retryable reports whether err is one a caller may retry: a concurrent
// change or a busy database.
func retryable(err error) bool {
	code := hub.ErrorCode(err)
	return code == hub.EConflict || code == hub.EUnavailable
}

// TestAuditConcurrentAppends has 8 goroutines append 50 events each, one per
// transaction, at the same time: every append succeeds (after retries, if
// the store asks for them), and the log has exactly 400 contiguous entries
// and verifies.
func TestAuditConcurrentAppends(t *testing.T) {
	const workers, each = 8, 50
	storetest.Run(t, func(t *testing.T, engine string) {
		db := storetest.Open(t, engine, storetest.Options{CheckpointEvery: 64})
		ctx := context.Background()
		var retries atomic.Int64
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		start := make(chan struct{})
		for g := range workers {
			wg.Go(func() {
				<-start
				for k := range each {
					e := &hub.AuditEvent{ActorID: fmt.Sprintf("worker-%d", g), Action: hub.ActView, Detail: fmt.Sprintf("%d/%d", g, k)}
					for attempt := 0; ; attempt++ {
						err := db.Tx(ctx, func(tx *store.Tx) error { return tx.AppendAudit(e) })
						if err == nil {
							break
						}
						if !retryable(err) || attempt == 20 {
							errs <- fmt.Errorf("worker %d, event %d: %w", g, k, err)
							return
						}
						retries.Add(1)
					}
				}
			})
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if n := retries.Load(); n > 0 {
			t.Logf("%d appends retried", n)
		}

		const n = workers * each
		if size := get(t, db, (*store.Tx).AuditSize); size != n {
			t.Errorf("AuditSize() = %d, want %d", size, n)
		}
		stored := loadEvents(t, db, 0)
		var idx []int64
		details := map[string]int{}
		for _, s := range stored {
			idx = append(idx, s.event.Index)
			details[s.event.Detail]++
		}
		if !slices.Equal(idx, seq(0, n)) {
			t.Errorf("stored indexes are not 0..%d: %v", n-1, idx)
		}
		for g := range workers {
			for k := range each {
				if c := details[fmt.Sprintf("%d/%d", g, k)]; c != 1 {
					t.Errorf("event %d/%d stored %d times, want once", g, k, c)
				}
			}
		}
		if rep := verify(t, db, db.Published.Notes()); !rep.OK() || rep.Entries != n {
			t.Errorf("VerifyAudit() = %d entries, first bad %d, %v; want %d, OK", rep.Entries, rep.FirstBad, rep.Problems, n)
		}
	})
}

// TestLostUpdate checks REL-08 at the store: 20 goroutines save a change to
// the same person against the same version; exactly one succeeds, the rest
// get hub.ErrConflict, and the stored person is the winner's. Three rounds,
// each from the version the last left.
func TestLostUpdate(t *testing.T) {
	const workers, rounds = 20, 3
	storetest.Run(t, func(t *testing.T, engine string) {
		db, _ := openStore(t, engine)
		w := seedWorld(t, db)
		ctx := context.Background()
		p := fullPerson(w)
		mustTx(t, db, func(tx *store.Tx) error { return tx.CreatePerson(p) })

		for round := range rounds {
			base := get(t, db, func(tx *store.Tx) (*hub.Person, error) { return tx.Person(p.ID) })
			if base.Version != round+1 {
				t.Fatalf("round %d starts at version %d, want %d", round, base.Version, round+1)
			}
			var wg sync.WaitGroup
			start := make(chan struct{})
			results := make([]error, workers)
			saved := make([]*hub.Person, workers)
			for g := range workers {
				wg.Go(func() {
					edit := *base
					edit.GivenName = fmt.Sprintf("Round%dWorker%d", round, g)
					edit.Aliases = []hub.Alias{{GivenName: edit.GivenName, Kind: "alias"}}
					<-start
					results[g] = db.Tx(ctx, func(tx *store.Tx) error {
						e := edit // a retried transaction starts again from the same version
						if err := tx.UpdatePerson(&e); err != nil {
							return err
						}
						saved[g] = &e
						return nil
					})
				})
			}
			close(start)
			wg.Wait()

			winner := -1
			for g, err := range results {
				switch {
				case err == nil && winner >= 0:
					t.Errorf("round %d: workers %d and %d both saved version %d", round, winner, g, base.Version)
				case err == nil:
					winner = g
				case !errors.Is(err, hub.ErrConflict):
					t.Errorf("round %d, worker %d: UpdatePerson = %v, want nil or hub.ErrConflict", round, g, err)
				}
			}
			if winner < 0 {
				t.Fatalf("round %d: no worker saved version %d", round, base.Version)
			}
			got := get(t, db, func(tx *store.Tx) (*hub.Person, error) { return tx.Person(p.ID) })
			want := saved[winner]
			if got.GivenName != want.GivenName || got.Version != base.Version+1 || len(got.Aliases) != 1 || got.Aliases[0].GivenName != want.GivenName {
				t.Errorf("round %d: stored %q version %d aliases %v, want the winner's %q version %d", round, got.GivenName, got.Version, got.Aliases, want.GivenName, base.Version+1)
			}
		}
	})
}
