// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package wire

import (
	"context"
	"fmt"
	"net"
	"time"
)

// Dialer opens connections to other nodes. Nodes depend on this interface
// rather than on the net package; TCPDialer is the real one and
// wiretest.Network an in-memory one.
type Dialer interface {
	// DialContext connects to addr ("host:port"). Cancelling ctx abandons
	// the attempt.
	DialContext(ctx context.Context, addr string) (net.Conn, error)
}

// Listener accepts connections from other nodes; net.Listener is the real
// one (from net.Listen("tcp", addr)) and wiretest.Network.Listen an
// in-memory one.
type Listener = net.Listener

// TCPDialer is the Dialer over TCP.
type TCPDialer struct {
	// Dialer carries the options; its zero value is fine. The connect
	// timeout is the caller's, through the context.
	Dialer net.Dialer
}

// DialContext connects to addr over TCP.
func (d TCPDialer) DialContext(ctx context.Context, addr string) (net.Conn, error) {
	c, err := d.Dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("wire: dial %s: %w", addr, err)
	}
	return c, nil
}

// Defaults of the connection model; docs/protocol/wire.md explains them.
const (
	// DefaultConnectTimeout bounds one connection attempt to a next hop.
	DefaultConnectTimeout = 1500 * time.Millisecond
	// DefaultQueueLen is how many packets wait for one next hop; when the
	// queue is full, new packets for that hop are dropped (drop-tail).
	DefaultQueueLen = 2000
)

// DefaultBackoff is the reconnect schedule to a next hop: 100 ms after the
// first failure, doubling to at most 5 s (docs/protocol/wire.md §3).
var DefaultBackoff = Backoff{Initial: 100 * time.Millisecond, Max: 5 * time.Second}

// Backoff is an exponential reconnect schedule without jitter.
type Backoff struct {
	Initial time.Duration // wait after the first failure
	Max     time.Duration // longest wait
}

// Delay returns how long to wait after the given number of consecutive
// failures (1 for the first): Initial·2^(failures-1), at most Max. Zero or
// fewer failures mean no wait. A connection that succeeds resets the count.
func (b Backoff) Delay(failures int) time.Duration {
	if failures <= 0 || b.Initial <= 0 {
		return 0
	}
	limit := max(b.Max, b.Initial)
	d := b.Initial
	for i := 1; i < failures; i++ {
		if d > limit/2 {
			return limit // doubling would pass the limit (or overflow)
		}
		d *= 2
	}
	return min(d, limit)
}
