// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package delayq_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/clock/clocktest"
	"github.com/nym-go/nym/internal/delayq"
	"github.com/nym-go/nym/internal/leaktest"
)

// bound is how long a test waits for something that must happen promptly;
// reaching it is a failure, not a timing assumption.
const bound = 10 * time.Second

type harness[T any] struct {
	t      *testing.T
	clk    *clocktest.Fake
	out    chan T
	s      *delayq.Scheduler[T]
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
}

// start runs a Scheduler on a fake clock until the test ends, checking that
// Run returns and leaves no goroutine behind.
func start[T any](t *testing.T, cfg delayq.Config, outCap int) *harness[T] {
	t.Helper()
	leaktest.Check(t)
	h := &harness[T]{t: t, clk: clocktest.NewFake(epoch), out: make(chan T, outCap), done: make(chan error, 1)}
	s, err := delayq.New(cfg, delayq.Deps[T]{Clock: h.clk, Out: h.out})
	if err != nil {
		t.Fatal(err)
	}
	h.s = s
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() { h.done <- s.Run(ctx) }()
	t.Cleanup(func() { h.stop() })
	return h
}

// stop cancels Run and waits for it to return; later calls do nothing.
func (h *harness[T]) stop() {
	h.t.Helper()
	h.once.Do(func() {
		h.cancel()
		select {
		case err := <-h.done:
			if err != nil {
				h.t.Errorf("Run returned %v", err)
			}
		case <-time.After(bound):
			h.t.Fatal("Run did not return after cancel")
		}
	})
}

// recv receives n values, failing the test if they do not come within bound.
func (h *harness[T]) recv(n int) []T {
	h.t.Helper()
	var got []T
	for range n {
		select {
		case v := <-h.out:
			got = append(got, v)
		case <-time.After(bound):
			h.t.Fatalf("received %d of %d values, then nothing", len(got), n)
		}
	}
	return got
}

func (h *harness[T]) expectNothing() {
	h.t.Helper()
	select {
	case v := <-h.out:
		h.t.Fatalf("unexpected value %v", v)
	default:
	}
}

func (h *harness[T]) schedule(v T, d time.Duration) {
	h.t.Helper()
	if err := h.s.Schedule(v, d); err != nil {
		h.t.Fatalf("Schedule(%v, %v): %v", v, d, err)
	}
}

func TestReleasedAtTheirTimeInOrder(t *testing.T) {
	h := start[string](t, delayq.Config{}, 0)
	h.schedule("c", 30*time.Millisecond)
	h.schedule("a", 10*time.Millisecond)
	h.schedule("b", 20*time.Millisecond)
	h.schedule("a2", 10*time.Millisecond)

	// Schedule arms the timer before it returns, for the earliest value.
	if got := h.clk.Deadlines(); len(got) != 1 || !got[0].Equal(at(10)) {
		t.Fatalf("armed timers = %v, want one at +10ms", got)
	}
	h.clk.Advance(10*time.Millisecond - time.Nanosecond)
	h.expectNothing()
	h.clk.Advance(time.Nanosecond)
	if got := h.recv(2); !slices.Equal(got, []string{"a", "a2"}) {
		t.Fatalf("at +10ms got %v, want [a a2]", got)
	}
	// Run re-arms before it sends, so the next deadline is already set.
	if got := h.clk.Deadlines(); len(got) != 1 || !got[0].Equal(at(20)) {
		t.Fatalf("armed timers = %v, want one at +20ms", got)
	}
	h.clk.Advance(25 * time.Millisecond)
	if got := h.recv(2); !slices.Equal(got, []string{"b", "c"}) {
		t.Fatalf("after +45ms got %v, want [b c]", got)
	}
	h.stop() // Released is counted after each send returns
	if st := h.s.Stats(); st.Scheduled != 4 || st.Released != 4 || st.Queued != 0 {
		t.Fatalf("Stats = %+v", st)
	}
	if h.clk.Timers() != 0 {
		t.Fatalf("%d timers armed with nothing queued", h.clk.Timers())
	}
}

func TestZeroAndPastDelaysGoOutAtOnce(t *testing.T) {
	h := start[int](t, delayq.Config{}, 0)
	h.schedule(1, time.Second)
	h.schedule(2, 0)
	h.schedule(3, -time.Hour)
	if got := h.recv(2); !slices.Equal(got, []int{2, 3}) {
		t.Fatalf("got %v, want [2 3] without advancing the clock", got)
	}
	h.clk.Advance(time.Second)
	if got := h.recv(1); got[0] != 1 {
		t.Fatalf("got %v, want [1]", got)
	}
}

func TestDelayCap(t *testing.T) {
	h := start[int](t, delayq.Config{}, 1)
	h.schedule(1, delayq.DefaultMaxDelay) // the cap itself is allowed
	if err := h.s.Schedule(2, delayq.DefaultMaxDelay+time.Nanosecond); !errors.Is(err, delayq.ErrDelayOverCap) {
		t.Fatalf("Schedule over the cap: err = %v, want ErrDelayOverCap", err)
	}
	st := h.s.Stats()
	if st.DroppedOverCap != 1 || st.Scheduled != 1 || st.Queued != 1 {
		t.Fatalf("Stats = %+v", st)
	}
	h.clk.Advance(delayq.DefaultMaxDelay)
	h.recv(1)

	h2 := start[int](t, delayq.Config{MaxDelay: time.Second}, 1)
	if err := h2.s.Schedule(1, 2*time.Second); !errors.Is(err, delayq.ErrDelayOverCap) {
		t.Fatalf("configured cap not enforced: %v", err)
	}
}

func TestCapacityDropsNewest(t *testing.T) {
	h := start[int](t, delayq.Config{Capacity: 3}, 10)
	for i := range 3 {
		h.schedule(i, time.Second)
	}
	if err := h.s.Schedule(99, 0); !errors.Is(err, delayq.ErrFull) {
		t.Fatalf("Schedule into a full queue: err = %v, want ErrFull", err)
	}
	if st := h.s.Stats(); st.DroppedFull != 1 || st.Queued != 3 {
		t.Fatalf("Stats = %+v", st)
	}
	h.clk.Advance(time.Second)
	if got := h.recv(3); !slices.Equal(got, []int{0, 1, 2}) {
		t.Fatalf("got %v", got)
	}
	h.schedule(4, 0) // room again once released
	h.recv(1)
}

// TestScheduleDoesNotBlockOnFullOutput checks the output policy: Run waits
// for the consumer, Schedule keeps accepting up to Capacity.
func TestScheduleDoesNotBlockOnFullOutput(t *testing.T) {
	h := start[int](t, delayq.Config{Capacity: 100}, 0) // unbuffered, nobody receiving yet
	for i := range 100 {
		h.schedule(i, 0)
	}
	// Values Run has taken off the heap but not sent still count.
	if err := h.s.Schedule(100, 0); !errors.Is(err, delayq.ErrFull) {
		t.Fatalf("err = %v, want ErrFull", err)
	}
	if st := h.s.Stats(); st.Queued != 100 {
		t.Fatalf("Queued = %d, want 100", st.Queued)
	}
	got := h.recv(100)
	for i, v := range got {
		if v != i {
			t.Fatalf("value %d is %d: order broken while output was blocked", i, v)
		}
	}
}

func TestShutdownReportsQueued(t *testing.T) {
	h := start[int](t, delayq.Config{}, 0)
	for i := range 5 {
		h.schedule(i, time.Duration(i+1)*time.Second)
	}
	h.schedule(100, 0) // due, but nobody receives: Run is stuck sending it
	h.stop()
	st := h.s.Stats()
	if st.DroppedShutdown != 6 || st.Queued != 0 || st.Released != 0 {
		t.Fatalf("Stats after shutdown = %+v, want 6 dropped at shutdown", st)
	}
	if err := h.s.Schedule(7, 0); !errors.Is(err, delayq.ErrStopped) {
		t.Fatalf("Schedule after Run returned: err = %v, want ErrStopped", err)
	}
	if st := h.s.Stats(); st.DroppedShutdown != 7 {
		t.Fatalf("DroppedShutdown = %d, want 7", st.DroppedShutdown)
	}
	if h.clk.Timers() != 0 {
		t.Fatalf("%d timers still armed after shutdown", h.clk.Timers())
	}
	if err := h.s.Run(context.Background()); err == nil {
		t.Fatal("second Run returned nil")
	}
}

// TestRandomScheduleAgainstModel schedules values with random delays from
// several goroutines and steps the clock 1 ms at a time. At each step
// exactly the values whose release time has passed must come out, in
// nondecreasing release order.
func TestRandomScheduleAgainstModel(t *testing.T) {
	h := start[int](t, delayq.Config{}, 0)
	const producers, each = 4, 200
	release := make([]time.Time, producers*each)
	var wg sync.WaitGroup
	for p := range producers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(p), 7))
			for i := range each {
				id := p*each + i
				d := time.Duration(rng.IntN(100)) * time.Millisecond
				release[id] = epoch.Add(d) // the clock does not move while producing
				h.schedule(id, d)
			}
		})
	}
	wg.Wait()

	var last time.Time
	seen := 0
	for step := range 101 {
		now := at(step)
		h.clk.Set(now)
		due := 0
		for _, r := range release {
			if !r.After(now) {
				due++
			}
		}
		for _, id := range h.recv(due - seen) {
			if release[id].After(now) {
				t.Fatalf("value %d released at %v, before its time %v", id, now, release[id])
			}
			if release[id].Before(last) {
				t.Fatalf("value %d (release %v) came after one released at %v", id, release[id], last)
			}
			last = release[id]
		}
		seen = due
	}
	h.stop()
	if st := h.s.Stats(); st.Released != producers*each {
		t.Fatalf("Released = %d, want %d", st.Released, producers*each)
	}
}

func TestNewValidates(t *testing.T) {
	out := make(chan int)
	for _, tt := range []struct {
		name string
		cfg  delayq.Config
		deps delayq.Deps[int]
	}{
		{"no out", delayq.Config{}, delayq.Deps[int]{}},
		{"negative cap", delayq.Config{MaxDelay: -1}, delayq.Deps[int]{Out: out}},
		{"negative capacity", delayq.Config{Capacity: -1}, delayq.Deps[int]{Out: out}},
	} {
		if _, err := delayq.New(tt.cfg, tt.deps); err == nil {
			t.Errorf("%s: New returned no error", tt.name)
		}
	}
}

// TestScheduleAtReleasesExactly checks that ScheduleAt releases at the
// given instant even when the clock has moved since the caller chose it,
// measures the cap from the clock's present, and sends past times at once.
func TestScheduleAtReleasesExactly(t *testing.T) {
	h := start[string](t, delayq.Config{MaxDelay: time.Second}, 0)
	recv := epoch                        // the caller's reading of the clock
	h.clk.Advance(300 * time.Nanosecond) // time spent before scheduling
	if err := h.s.ScheduleAt("a", recv.Add(10*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if got := h.clk.Deadlines(); len(got) != 1 || !got[0].Equal(at(10)) {
		t.Fatalf("armed timers = %v, want one at exactly +10ms", got)
	}
	h.clk.Set(at(10).Add(-time.Nanosecond))
	h.expectNothing()
	h.clk.Set(at(10))
	if got := h.recv(1); got[0] != "a" {
		t.Fatalf("got %v, want [a]", got)
	}

	// The cap is measured from the clock's present, not from the caller's.
	now := h.clk.Now()
	if err := h.s.ScheduleAt("over", now.Add(time.Second+time.Nanosecond)); !errors.Is(err, delayq.ErrDelayOverCap) {
		t.Fatalf("ScheduleAt over the cap: err = %v, want ErrDelayOverCap", err)
	}
	if err := h.s.ScheduleAt("cap", now.Add(time.Second)); err != nil {
		t.Fatalf("ScheduleAt at the cap: %v", err)
	}
	if err := h.s.ScheduleAt("past", now.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got := h.recv(1); got[0] != "past" {
		t.Fatalf("got %v, want [past] without advancing the clock", got)
	}
	h.clk.Advance(time.Second)
	if got := h.recv(1); got[0] != "cap" {
		t.Fatalf("got %v, want [cap]", got)
	}
	h.stop()
	if st := h.s.Stats(); st.Scheduled != 3 || st.Released != 3 || st.DroppedOverCap != 1 {
		t.Fatalf("Stats = %+v", st)
	}
	if err := h.s.ScheduleAt("late", epoch); !errors.Is(err, delayq.ErrStopped) {
		t.Fatalf("ScheduleAt after Run returned: err = %v, want ErrStopped", err)
	}
}
