// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package clocktest_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/clock/clocktest"
	"github.com/nym-go/nym/internal/leaktest"
)

var epoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// received returns the value waiting in c, if any, without blocking.
func received(c <-chan time.Time) (time.Time, bool) {
	select {
	case v := <-c:
		return v, true
	default:
		return time.Time{}, false
	}
}

func TestAdvanceAndSet(t *testing.T) {
	f := clocktest.NewFake(epoch)
	if got := f.Now(); !got.Equal(epoch) {
		t.Fatalf("Now = %v, want %v", got, epoch)
	}
	f.Advance(3 * time.Second)
	if got, want := f.Now(), epoch.Add(3*time.Second); !got.Equal(want) {
		t.Fatalf("after Advance Now = %v, want %v", got, want)
	}
	f.Advance(-time.Hour)
	f.Set(epoch)
	if got, want := f.Now(), epoch.Add(3*time.Second); !got.Equal(want) {
		t.Fatalf("time moved backwards: Now = %v, want %v", got, want)
	}
	f.Set(epoch.Add(time.Minute))
	if got, want := f.Now(), epoch.Add(time.Minute); !got.Equal(want) {
		t.Fatalf("after Set Now = %v, want %v", got, want)
	}
}

func TestTimersFireInDeadlineOrder(t *testing.T) {
	f := clocktest.NewFake(epoch)
	var order []string
	var nows []time.Duration
	record := func(name string) func() {
		return func() {
			order = append(order, name)
			nows = append(nows, f.Now().Sub(epoch))
		}
	}
	f.AfterFunc(3*time.Second, record("c"))
	f.AfterFunc(1*time.Second, record("a1"))
	f.AfterFunc(2*time.Second, record("b"))
	f.AfterFunc(1*time.Second, record("a2")) // same deadline: armed later, fires later
	f.AfterFunc(5*time.Second, record("late"))
	if got, want := f.Deadlines(), []time.Time{
		epoch.Add(time.Second), epoch.Add(time.Second), epoch.Add(2 * time.Second),
		epoch.Add(3 * time.Second), epoch.Add(5 * time.Second),
	}; !slices.Equal(got, want) {
		t.Fatalf("Deadlines = %v, want %v", got, want)
	}

	f.Advance(4 * time.Second)
	if want := []string{"a1", "a2", "b", "c"}; !slices.Equal(order, want) {
		t.Fatalf("fired %v, want %v", order, want)
	}
	// Each function observes Now equal to its own deadline.
	if want := []time.Duration{time.Second, time.Second, 2 * time.Second, 3 * time.Second}; !slices.Equal(nows, want) {
		t.Fatalf("Now inside functions = %v, want %v", nows, want)
	}
	if got := f.Timers(); got != 1 {
		t.Fatalf("Timers = %d, want 1 (the 5s one)", got)
	}
}

func TestChannelTimerFiresExactlyAtDeadline(t *testing.T) {
	f := clocktest.NewFake(epoch)
	tm := f.NewTimer(time.Second)
	f.Advance(time.Second - time.Nanosecond)
	if v, ok := received(tm.C()); ok {
		t.Fatalf("fired early with %v", v)
	}
	f.Advance(time.Nanosecond)
	v, ok := received(tm.C())
	if !ok || !v.Equal(epoch.Add(time.Second)) {
		t.Fatalf("got (%v, %v), want the deadline %v", v, ok, epoch.Add(time.Second))
	}
	f.Advance(time.Hour)
	if v, ok := received(tm.C()); ok {
		t.Fatalf("single-shot timer fired twice (%v)", v)
	}
}

func TestTimersArmedByCallbacksFireInSameAdvance(t *testing.T) {
	f := clocktest.NewFake(epoch)
	var second time.Time
	f.AfterFunc(time.Second, func() {
		f.AfterFunc(time.Second, func() { second = f.Now() })
	})
	f.Advance(2 * time.Second)
	if want := epoch.Add(2 * time.Second); !second.Equal(want) {
		t.Fatalf("chained timer fired at %v, want %v", second, want)
	}
}

func TestNonPositiveDurationsFireAtOnce(t *testing.T) {
	f := clocktest.NewFake(epoch)
	for _, d := range []time.Duration{0, -time.Second} {
		tm := f.NewTimer(d)
		if v, ok := received(tm.C()); !ok || !v.Equal(epoch) {
			t.Errorf("NewTimer(%v): got (%v, %v), want a value of %v before any Advance", d, v, ok, epoch)
		}
		if tm.Stop() {
			t.Errorf("NewTimer(%v): Stop after the value was received = true", d)
		}
	}

	tm := f.NewTimer(time.Hour)
	if !tm.Reset(0) {
		t.Error("Reset of an armed timer = false")
	}
	if _, ok := received(tm.C()); !ok {
		t.Error("Reset(0) did not fire at once")
	}
	if f.Timers() != 0 {
		t.Errorf("Timers = %d after the only timer fired", f.Timers())
	}

	ran := make(chan time.Time, 1)
	f.AfterFunc(0, func() { ran <- f.Now() })
	select {
	case v := <-ran:
		if !v.Equal(epoch) {
			t.Errorf("AfterFunc(0) saw Now = %v", v)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("AfterFunc(0) never ran")
	}
}

func TestStop(t *testing.T) {
	f := clocktest.NewFake(epoch)

	armed := f.NewTimer(time.Second)
	if !armed.Stop() {
		t.Error("Stop of an armed timer = false")
	}
	if armed.Stop() {
		t.Error("second Stop = true")
	}
	f.Advance(time.Hour)
	if _, ok := received(armed.C()); ok {
		t.Error("stopped timer fired")
	}

	// Fired but not received: Stop reports true and discards the value,
	// like *time.Timer since Go 1.23.
	unreceived := f.NewTimer(time.Second)
	f.Advance(time.Second)
	if !unreceived.Stop() {
		t.Error("Stop of a fired, unreceived timer = false")
	}
	if _, ok := received(unreceived.C()); ok {
		t.Error("stale value received after Stop")
	}

	consumed := f.NewTimer(time.Second)
	f.Advance(time.Second)
	<-consumed.C()
	if consumed.Stop() {
		t.Error("Stop after the value was received = true")
	}

	fn := f.AfterFunc(time.Second, func() { t.Error("stopped AfterFunc ran") })
	if !fn.Stop() {
		t.Error("Stop of an armed AfterFunc = false")
	}
	if fn.C() != nil {
		t.Error("AfterFunc timer has a channel")
	}
	f.Advance(time.Hour)
}

func TestReset(t *testing.T) {
	f := clocktest.NewFake(epoch)
	tm := f.NewTimer(time.Second)
	if !tm.Reset(3 * time.Second) {
		t.Error("Reset of an armed timer = false")
	}
	f.Advance(2 * time.Second)
	if _, ok := received(tm.C()); ok {
		t.Fatal("fired at the old deadline")
	}
	// Reset is relative to the current time, not to the original arming.
	if !tm.Reset(2 * time.Second) {
		t.Error("Reset of an armed timer = false")
	}
	f.Advance(time.Second)
	if _, ok := received(tm.C()); ok {
		t.Fatal("fired before the new deadline")
	}
	f.Advance(time.Second)
	if v, ok := received(tm.C()); !ok || !v.Equal(epoch.Add(4*time.Second)) {
		t.Fatalf("got (%v, %v), want %v", v, ok, epoch.Add(4*time.Second))
	}

	// Fired and not received: Reset discards the stale value and reports true.
	tm.Reset(time.Second)
	f.Advance(time.Second)
	if !tm.Reset(time.Second) {
		t.Error("Reset of a fired, unreceived timer = false")
	}
	if _, ok := received(tm.C()); ok {
		t.Error("stale value received after Reset")
	}
	f.Advance(time.Second)
	if _, ok := received(tm.C()); !ok {
		t.Error("re-armed timer did not fire")
	}
	if tm.Reset(time.Second) {
		t.Error("Reset after the value was received = true")
	}
}

func TestWaitForTimers(t *testing.T) {
	leaktest.Check(t)
	f := clocktest.NewFake(epoch)

	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if err := f.WaitForTimers(cancelled, 1); err == nil {
		t.Fatal("WaitForTimers with no timers and a done context returned nil")
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	fired := make(chan time.Time)
	go func() {
		tm := f.NewTimer(time.Minute)
		fired <- <-tm.C()
	}()
	if err := f.WaitForTimers(ctx, 1); err != nil {
		t.Fatal(err)
	}
	f.Advance(time.Minute)
	if v := <-fired; !v.Equal(epoch.Add(time.Minute)) {
		t.Fatalf("worker's timer delivered %v", v)
	}
}

// TestConcurrentUse runs arming, stopping, resetting and advancing from many
// goroutines at once; run with -race.
func TestConcurrentUse(t *testing.T) {
	leaktest.Check(t)
	f := clocktest.NewFake(epoch)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	const workers = 32
	var wg, stopped sync.WaitGroup
	got := make([]time.Time, workers)
	stopped.Add(workers)
	for i := range workers {
		wg.Go(func() {
			// A timer that is reset and stopped a few times before the one
			// the worker waits on is armed.
			scratch := f.NewTimer(time.Duration(i+1) * time.Millisecond)
			scratch.Reset(time.Hour)
			scratch.Stop()
			stopped.Done()
			tm := f.NewTimer(time.Duration(i+1) * time.Millisecond)
			select {
			case got[i] = <-tm.C():
			case <-ctx.Done(): // reported below as a wrong time
			}
		})
	}
	// Count armed timers only once every scratch timer is stopped: counting
	// a scratch timer instead of a worker's real one would let the clock
	// advance before that real timer is armed.
	stopped.Wait()
	if err := f.WaitForTimers(ctx, workers); err != nil {
		t.Fatal(err)
	}
	for range workers {
		f.Advance(time.Millisecond)
	}
	wg.Wait()
	for i, v := range got {
		if want := epoch.Add(time.Duration(i+1) * time.Millisecond); !v.Equal(want) {
			t.Errorf("worker %d got %v, want %v", i, v, want)
		}
	}
}
