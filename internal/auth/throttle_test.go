package auth

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newThrottle(tb testing.TB) (*Throttle, *fakeClock) {
	tb.Helper()
	c := &fakeClock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	return NewThrottle(c.Now), c
}

func mustAllow(tb testing.TB, th *Throttle, key string) {
	tb.Helper()
	if ok, wait := th.Allow(key); !ok {
		tb.Fatalf("Allow(%q) = false, %v, want true", key, wait)
	}
}

// SEC-08: five free failures, then a doubling delay capped at 15 minutes.
func TestThrottleProgressiveDelay(t *testing.T) {
	t.Parallel()
	th, clock := newThrottle(t)
	const key = "mfa:42"
	for range 5 {
		mustAllow(t, th, key)
		th.Failure(key)
	}
	wantDelays := []time.Duration{
		1 * time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second,
		32 * time.Second, 64 * time.Second, 128 * time.Second, 256 * time.Second, 512 * time.Second,
		15 * time.Minute, 15 * time.Minute, 15 * time.Minute,
	}
	for i, want := range wantDelays {
		ok, wait := th.Allow(key)
		if ok || wait != want {
			t.Fatalf("after %d failures: Allow = %v, %v, want false, %v", 5+i, ok, wait, want)
		}
		clock.Advance(want - time.Millisecond)
		if ok, wait := th.Allow(key); ok || wait != time.Millisecond {
			t.Fatalf("after %d failures, 1 ms early: Allow = %v, %v, want false, 1ms", 5+i, ok, wait)
		}
		clock.Advance(time.Millisecond)
		mustAllow(t, th, key)
		th.Failure(key)
	}
	// Other keys are unaffected.
	mustAllow(t, th, "mfa:43")
}

func TestThrottleSuccessResets(t *testing.T) {
	t.Parallel()
	th, clock := newThrottle(t)
	const key = "user:jsmith"
	for range 7 {
		th.Failure(key)
	}
	if ok, _ := th.Allow(key); ok {
		t.Fatal("Allow after 7 failures = true, want false")
	}
	clock.Advance(4 * time.Second)
	mustAllow(t, th, key)
	th.Success(key)
	for range 5 {
		mustAllow(t, th, key)
		th.Failure(key)
	}
	if ok, wait := th.Allow(key); ok || wait != time.Second {
		t.Errorf("after Success and 5 failures: Allow = %v, %v, want false, 1s", ok, wait)
	}
	if got := th.len(); got != 1 {
		t.Errorf("len = %d, want 1", got)
	}
	th.Success(key)
	th.Success("user:unknown")
	if got := th.len(); got != 0 {
		t.Errorf("len after Success = %d, want 0", got)
	}
}

func TestThrottleExpiry(t *testing.T) {
	t.Parallel()
	th, clock := newThrottle(t)

	// Failures 14 minutes apart never expire, so they accumulate...
	const key = "ip:192.0.2.1"
	for range 5 {
		th.Failure(key)
		clock.Advance(14 * time.Minute)
	}
	// ...and the sixth is delayed as if they had come together.
	th.Failure(key)
	if ok, wait := th.Allow(key); ok || wait != 2*time.Second {
		t.Fatalf("after 6 failures 14 minutes apart: Allow = %v, %v, want false, 2s", ok, wait)
	}

	// Four failures, then 15 quiet minutes: forgotten.
	const k2 = "ip:192.0.2.2"
	for range 4 {
		th.Failure(k2)
	}
	clock.Advance(15*time.Minute - time.Second)
	th.Failure(k2) // the fifth, still in time
	th.Failure(k2) // the sixth: delayed
	if ok, _ := th.Allow(k2); ok {
		t.Fatal("Allow after 6 failures = true, want false")
	}
	clock.Advance(2*time.Second + 15*time.Minute)
	th.Failure(k2) // counts as the first again
	for range 4 {
		th.Failure(k2)
	}
	if ok, wait := th.Allow(k2); ok || wait != time.Second {
		t.Errorf("after expiry and 5 failures: Allow = %v, %v, want false, 1s", ok, wait)
	}

	// At the cap, a key stays remembered for the delay plus the window.
	const k3 = "user:target"
	for range 30 {
		th.Failure(k3)
	}
	clock.Advance(15 * time.Minute)
	mustAllow(t, th, k3)
	th.Failure(k3)
	clock.Advance(15*time.Minute + 15*time.Minute - time.Second)
	th.Failure(k3)
	if ok, wait := th.Allow(k3); ok || wait != 15*time.Minute {
		t.Errorf("at the cap, failing again before expiry: Allow = %v, %v, want false, 15m", ok, wait)
	}
	clock.Advance(30 * time.Minute)
	mustAllow(t, th, k3)
	if got := th.len(); got != 0 {
		t.Errorf("len after everything expired = %d, want 0", got)
	}
}

func TestThrottleBounded(t *testing.T) {
	t.Parallel()
	th, clock := newThrottle(t)
	const n = throttleMaxKeys + 100
	for i := range n {
		th.Failure(fmt.Sprintf("ip:%d", i))
		if i%1000 == 0 {
			clock.Advance(time.Millisecond)
		}
	}
	if got := th.len(); got != throttleMaxKeys {
		t.Errorf("len = %d after %d keys, want %d", got, n, throttleMaxKeys)
	}
	th.mu.Lock()
	_, oldest := th.entries["ip:0"]
	_, newest := th.entries[fmt.Sprintf("ip:%d", n-1)]
	th.mu.Unlock()
	if oldest || !newest {
		t.Errorf("oldest kept %v, newest kept %v; want false, true", oldest, newest)
	}
	// Allow on unknown keys adds nothing.
	for i := range 1000 {
		th.Allow(fmt.Sprintf("user:%d", i))
	}
	if got := th.len(); got != throttleMaxKeys {
		t.Errorf("len = %d after Allow on new keys, want %d", got, throttleMaxKeys)
	}
	// Expired keys are dropped as new failures arrive.
	clock.Advance(ThrottleWindow)
	th.Failure("user:new")
	if got := th.len(); got != 1 {
		t.Errorf("len = %d after all keys expired, want 1", got)
	}
}

func TestThrottleConcurrent(t *testing.T) {
	t.Parallel()
	th := NewThrottle(nil)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 1000 {
				key := fmt.Sprintf("user:%d", i%50)
				if ok, _ := th.Allow(key); ok {
					th.Failure(key)
				}
				if i%97 == g {
					th.Success(key)
				}
			}
		})
	}
	wg.Wait()
	if got := th.len(); got > 50 {
		t.Errorf("len = %d, want at most 50", got)
	}
}
