package auth

import (
	"container/list"
	"sync"
	"time"
)

// Throttle policy. See Throttle.
const (
	ThrottleFreeFailures = 5                // failures allowed before any delay
	ThrottleWindow       = 15 * time.Minute // quiet time after which a key is forgotten
	ThrottleMaxDelay     = 15 * time.Minute // the longest delay between attempts
	throttleBaseDelay    = time.Second      // the first delay; each further failure doubles it
	throttleMaxKeys      = 100_000          // keys remembered at most
)

// Throttle slows down password and MFA guessing with a progressive delay
// per key. Callers use keys such as "user:<name>", "ip:<addr>" and
// "mfa:<user-id>", call Allow before checking a credential, and report the
// outcome with Failure or Success.
//
// The policy: the first 5 failures for a key are free. After that the next
// attempt must wait 1 s after the last failure, then 2 s, 4 s and so on,
// doubling up to 15 minutes. A key is forgotten once 15 minutes pass
// without a failure after its current delay has run out (so a key at the
// 15-minute cap stays throttled until 30 minutes after its last failure,
// which keeps the cap from resetting the count the moment it expires); for
// a key with no delay yet, that is simply 15 minutes without a failure. At
// the cap one guess per 15 minutes is possible, so the 10^6 TOTP codes or a
// 15-character password are out of reach, and SEC-08's 429 comes on the
// sixth attempt in quick succession.
//
// There is deliberately no permanent lockout (security.md row 22, ASVS
// 6.3.1): an attacker who knows a username could otherwise lock its owner
// out at will. Delay is enough because every account also needs a second
// factor, itself throttled under its own "mfa:" key, so guessing the
// password alone gains nothing. Key "user:" throttling lets an attacker slow
// a user down, never stop them: the delay ends, and Success clears it.
//
// Memory is bounded: at most 100,000 keys are remembered, and when a new key
// arrives at the limit the key with the oldest last failure is dropped.
// Allow never adds a key. The state is in memory only, so a restart or a
// second server process starts afresh; that is acceptable for a delay
// (it is not a lockout), but a multi-process deployment that wants one
// shared view needs a shared store.
//
// A Throttle is safe for concurrent use.
type Throttle struct {
	clock   func() time.Time
	maxKeys int

	mu      sync.Mutex
	entries map[string]*list.Element // values are *throttleEntry
	order   *list.List               // least recently failed first
}

type throttleEntry struct {
	key      string
	failures int
	last     time.Time // of the last failure
}

// NewThrottle returns an empty Throttle reading the time from clock, or from
// time.Now if clock is nil.
func NewThrottle(clock func() time.Time) *Throttle {
	if clock == nil {
		clock = time.Now
	}
	return &Throttle{
		clock:   clock,
		maxKeys: throttleMaxKeys,
		entries: make(map[string]*list.Element),
		order:   list.New(),
	}
}

// Allow reports whether an attempt for key may go ahead now and, if not,
// how long the caller must wait (for a Retry-After header).
func (t *Throttle) Allow(key string) (ok bool, retryAfter time.Duration) {
	now := t.clock()
	t.mu.Lock()
	defer t.mu.Unlock()
	el, found := t.entries[key]
	if !found {
		return true, 0
	}
	e := el.Value.(*throttleEntry)
	if e.expired(now) {
		t.remove(el)
		return true, 0
	}
	if wait := e.last.Add(e.delay()).Sub(now); wait > 0 {
		return false, wait
	}
	return true, 0
}

// Failure records a failed attempt for key.
func (t *Throttle) Failure(key string) {
	now := t.clock()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.pruneExpired(now)
	if el, found := t.entries[key]; found {
		e := el.Value.(*throttleEntry)
		if e.expired(now) {
			e.failures = 0
		}
		e.failures++
		e.last = now
		t.order.MoveToBack(el)
		return
	}
	for t.order.Len() >= t.maxKeys {
		t.remove(t.order.Front())
	}
	t.entries[key] = t.order.PushBack(&throttleEntry{key: key, failures: 1, last: now})
}

// Success forgets key's failures.
func (t *Throttle) Success(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if el, found := t.entries[key]; found {
		t.remove(el)
	}
}

// pruneExpired drops expired keys from the front of the list, which holds
// the oldest failures. It stops at the first live key, so its cost is paid
// once per key over the key's life.
func (t *Throttle) pruneExpired(now time.Time) {
	for el := t.order.Front(); el != nil && el.Value.(*throttleEntry).expired(now); el = t.order.Front() {
		t.remove(el)
	}
}

func (t *Throttle) remove(el *list.Element) {
	delete(t.entries, el.Value.(*throttleEntry).key)
	t.order.Remove(el)
}

// len returns the number of keys remembered, for tests.
func (t *Throttle) len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.order.Len()
}

// delay is how long after its last failure the key must wait.
func (e *throttleEntry) delay() time.Duration {
	n := e.failures - ThrottleFreeFailures // 0 after the fifth failure
	switch {
	case n < 0:
		return 0
	case n >= 20: // far past the cap; avoid shifting into overflow
		return ThrottleMaxDelay
	}
	return min(throttleBaseDelay<<n, ThrottleMaxDelay)
}

// expired reports whether the key is to be forgotten: ThrottleWindow has
// passed since its delay ran out.
func (e *throttleEntry) expired(now time.Time) bool {
	return !now.Before(e.last.Add(e.delay() + ThrottleWindow))
}
