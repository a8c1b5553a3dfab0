// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package wire

import "github.com/nym-go/nym/internal/clock"

// ConnClocker is implemented by a Dialer or Listener whose connections
// measure deadlines on a clock other than the wall clock, such as
// wiretest.Network's, which follows a test's fake clock.
type ConnClocker interface {
	// ConnClock returns the clock the connections' deadlines are measured
	// on.
	ConnClock() clock.Clock
}

// ConnClock returns the clock on which deadlines of connections made by v
// (a Dialer or Listener) are measured: v's own if it implements
// ConnClocker, otherwise the wall clock, which is what net.Conn deadlines
// on real sockets follow.
//
// Code that sets deadlines must compute them from this clock, not from a
// clock injected to time its own logic: a test may run a node on a fake
// clock over real TCP, and a deadline computed from a fake time in the past
// would make every read or write fail at once. The same holds for timers
// that bound a connection attempt.
func ConnClock(v any) clock.Clock {
	if c, ok := v.(ConnClocker); ok {
		if clk := c.ConnClock(); clk != nil {
			return clk
		}
	}
	return clock.Real()
}
