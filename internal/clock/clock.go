// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package clock is the time source every timed component of the network
// takes as a dependency instead of calling the time package directly.
//
// Production code uses [Real]; tests use the manual fake in
// [github.com/nym-go/nym/internal/clock/clocktest], so that delays, deadlines
// and backoffs are driven by the test and nothing sleeps.
//
// The interface is deliberately small: the current time, a channel timer and
// a callback timer. Durations between two instants are plain arithmetic on the
// values Now returns (c.Now().Sub(t)).
package clock

import "time"

// Clock is a source of the current time and of timers.
//
// Implementations are safe for concurrent use.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// NewTimer returns a timer that sends the time on its channel once d has
	// elapsed. A timer with d <= 0 fires at once.
	NewTimer(d time.Duration) Timer
	// AfterFunc returns a timer that calls f in its own goroutine once d has
	// elapsed (the fake may call it on the goroutine that advances time; see
	// clocktest). The returned Timer's C method returns nil.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a single-shot timer created by a Clock. Its semantics are those
// of *time.Timer since Go 1.23: after Stop or Reset returns, no value
// prepared before the call is received from C.
type Timer interface {
	// C returns the channel on which the timer delivers its time, or nil for
	// a timer made by AfterFunc. The channel never changes for a timer.
	C() <-chan time.Time
	// Stop prevents the timer from firing. It returns true if the call
	// stopped the timer, false if the timer had already fired and its value
	// had been received (or its function started), or had been stopped.
	Stop() bool
	// Reset re-arms the timer to fire after d, discarding any value not yet
	// received. It returns true if the timer had been active (as Stop would).
	Reset(d time.Duration) bool
}

// Real returns the Clock backed by the time package.
func Real() Clock { return realClock{} }

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) NewTimer(d time.Duration) Timer { return realTimer{time.NewTimer(d)} }

func (realClock) AfterFunc(d time.Duration, f func()) Timer {
	return realTimer{time.AfterFunc(d, f)}
}

type realTimer struct{ t *time.Timer }

func (r realTimer) C() <-chan time.Time        { return r.t.C }
func (r realTimer) Stop() bool                 { return r.t.Stop() }
func (r realTimer) Reset(d time.Duration) bool { return r.t.Reset(d) }
