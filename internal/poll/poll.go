// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package poll waits, in tests, for a condition that only real sockets,
// processes or goroutines on other sides of a connection can make true.
//
// It is for effects no clock injection can reach: a packet crossing
// loopback, a child command printing a line, a server counting a
// connection. Anything that waits for a timer is driven instead by
// clocktest.Fake or runs in a testing/synctest bubble, and never polls.
//
// The poll interval starts at a millisecond and doubles up to MaxInterval,
// so a condition that is already true, or soon becomes so, costs almost
// nothing, while a long wait does not spin.
package poll

import (
	"testing"
	"time"
)

// MaxInterval is the longest pause between two evaluations of a condition.
const MaxInterval = 50 * time.Millisecond

// Try evaluates cond until it returns true or within has passed, and
// reports whether it did. cond is evaluated at least once, and once more
// at the deadline, so a slow machine gets the full time.
func Try(within time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(within)
	for wait := time.Millisecond; ; wait = min(2*wait, MaxInterval) {
		if cond() {
			return true
		}
		left := time.Until(deadline)
		if left <= 0 {
			return false
		}
		time.Sleep(min(wait, left)) // polling real I/O, not waiting for a timer
	}
}

// Until waits like Try and fails tb with a message naming what was
// awaited if cond is still false after within. Call it from the test's
// own goroutine: it stops the test with tb.Fatalf.
func Until(tb testing.TB, what string, within time.Duration, cond func() bool) {
	tb.Helper()
	start := time.Now()
	if !Try(within, cond) {
		tb.Fatalf("poll: still waiting after %v (limit %v) for %s", time.Since(start).Round(time.Millisecond), within, what)
	}
}
