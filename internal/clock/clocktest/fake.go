// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package clocktest provides Fake, a manual clock.Clock for tests.
//
// Time stands still until the test calls Advance or Set; timers fire in
// deadline order as time passes them. A test that needs a component to have
// armed its timers before moving time calls WaitForTimers, so no test has to
// sleep to let a goroutine catch up.
package clocktest

import (
	"container/heap"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/nym-go/nym/internal/clock"
)

// Fake is a manual clock. The zero value is not usable; call NewFake.
//
// Firing rules:
//   - A channel timer whose duration is <= 0 (at NewTimer or Reset) fires at
//     once: its value is in the channel before the call returns.
//   - An AfterFunc timer whose duration is <= 0 starts its function in a new
//     goroutine before the call returns, as time.AfterFunc does.
//   - Advance and Set step the clock through every timer deadline up to the
//     target, in deadline order (ties in the order the timers were armed).
//     At each step Now returns that deadline; a channel timer receives its
//     deadline as the time value; an AfterFunc function is called on the
//     goroutine that called Advance or Set, with no lock held, and finishes
//     before the next timer fires. Timers armed by those functions fire in
//     the same call if their deadline is not after the target. Such a
//     function must not call Advance or Set itself (it would deadlock).
//   - Time never moves backwards: Set to an earlier time is a no-op.
//
// Fake is safe for concurrent use. Concurrent Advance and Set calls are
// serialized.
type Fake struct {
	stepMu sync.Mutex // serializes Advance and Set

	mu      sync.Mutex // guards the fields below
	now     time.Time
	armed   timerHeap
	seq     uint64
	changed chan struct{} // closed and replaced whenever len(armed) changes
}

var _ clock.Clock = (*Fake)(nil)

// NewFake returns a Fake whose Now is start.
func NewFake(start time.Time) *Fake {
	return &Fake{now: start, changed: make(chan struct{})}
}

// Now returns the fake's current time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// NewTimer returns a channel timer that fires when the fake's time reaches
// Now()+d. The channel has a buffer of one value.
func (f *Fake) NewTimer(d time.Duration) clock.Timer {
	t := &fakeTimer{f: f, c: make(chan time.Time, 1), index: -1}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.armLocked(t, d)
	return t
}

// AfterFunc returns a timer that calls fn when the fake's time reaches
// Now()+d; see Fake for which goroutine calls it.
func (f *Fake) AfterFunc(d time.Duration, fn func()) clock.Timer {
	t := &fakeTimer{f: f, fn: fn, index: -1}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.armLocked(t, d)
	return t
}

// Advance moves the fake's time forward by d, firing every timer due on the
// way. A negative d is a no-op.
func (f *Fake) Advance(d time.Duration) {
	f.stepMu.Lock()
	defer f.stepMu.Unlock()
	f.mu.Lock()
	target := f.now.Add(d)
	f.mu.Unlock()
	f.stepTo(target)
}

// Set moves the fake's time forward to t, firing every timer due on the way.
// A t before Now is a no-op.
func (f *Fake) Set(t time.Time) {
	f.stepMu.Lock()
	defer f.stepMu.Unlock()
	f.stepTo(t)
}

// Timers returns how many timers are armed (created or reset and neither
// fired nor stopped).
func (f *Fake) Timers() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.armed)
}

// Deadlines returns the deadlines of the armed timers in firing order.
func (f *Fake) Deadlines() []time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	h := append(timerHeap(nil), f.armed...)
	slices.SortFunc(h, func(a, b *fakeTimer) int {
		if h.less(a, b) {
			return -1
		}
		return 1
	})
	out := make([]time.Time, len(h))
	for i, t := range h {
		out[i] = t.when
	}
	return out
}

// WaitForTimers blocks until at least n timers are armed or ctx is done, and
// returns ctx's error in the latter case. Tests call it (with a bounded ctx)
// before Advance, to be sure the code under test has armed the timers the
// test is about to fire.
func (f *Fake) WaitForTimers(ctx context.Context, n int) error {
	for {
		f.mu.Lock()
		got, ch := len(f.armed), f.changed
		f.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("clocktest: waiting for %d timers, %d armed: %w", n, got, ctx.Err())
		}
	}
}

// stepTo fires due timers one by one up to target. The caller holds stepMu.
func (f *Fake) stepTo(target time.Time) {
	for {
		f.mu.Lock()
		if len(f.armed) == 0 || f.armed[0].when.After(target) {
			if target.After(f.now) {
				f.now = target
			}
			f.mu.Unlock()
			return
		}
		t := heap.Pop(&f.armed).(*fakeTimer)
		f.notifyLocked()
		if t.when.After(f.now) {
			f.now = t.when
		}
		if t.c != nil {
			t.c <- t.when // never blocks: an armed timer's buffer is empty
			f.mu.Unlock()
			continue
		}
		fn := t.fn
		f.mu.Unlock()
		fn()
	}
}

// armLocked arms t to fire after d, or fires it at once if d <= 0.
// The caller holds f.mu and t is not armed.
func (f *Fake) armLocked(t *fakeTimer, d time.Duration) {
	if d <= 0 {
		if t.c != nil {
			t.c <- f.now
		} else {
			go t.fn()
		}
		return
	}
	f.seq++
	t.when, t.seq = f.now.Add(d), f.seq
	heap.Push(&f.armed, t)
	f.notifyLocked()
}

func (f *Fake) notifyLocked() {
	close(f.changed)
	f.changed = make(chan struct{})
}

// stopLocked disarms t and discards an unreceived value; it reports whether
// either happened. The caller holds f.mu.
func (f *Fake) stopLocked(t *fakeTimer) bool {
	active := false
	if t.index >= 0 {
		heap.Remove(&f.armed, t.index)
		f.notifyLocked()
		active = true
	}
	if t.c != nil {
		select {
		case <-t.c:
			active = true
		default:
		}
	}
	return active
}

type fakeTimer struct {
	f  *Fake
	c  chan time.Time // nil for AfterFunc timers
	fn func()         // nil for channel timers

	// Guarded by f.mu.
	when  time.Time
	seq   uint64
	index int // position in f.armed, -1 when not armed
}

func (t *fakeTimer) C() <-chan time.Time {
	if t.c == nil {
		return nil
	}
	return t.c
}

func (t *fakeTimer) Stop() bool {
	t.f.mu.Lock()
	defer t.f.mu.Unlock()
	return t.f.stopLocked(t)
}

func (t *fakeTimer) Reset(d time.Duration) bool {
	t.f.mu.Lock()
	defer t.f.mu.Unlock()
	active := t.f.stopLocked(t)
	t.f.armLocked(t, d)
	return active
}

// timerHeap orders armed timers by deadline, then by arming order.
type timerHeap []*fakeTimer

func (h timerHeap) less(a, b *fakeTimer) bool {
	if !a.when.Equal(b.when) {
		return a.when.Before(b.when)
	}
	return a.seq < b.seq
}

func (h timerHeap) Len() int           { return len(h) }
func (h timerHeap) Less(i, j int) bool { return h.less(h[i], h[j]) }
func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}

func (h *timerHeap) Push(x any) {
	t := x.(*fakeTimer)
	t.index = len(*h)
	*h = append(*h, t)
}

func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	t.index = -1
	return t
}
