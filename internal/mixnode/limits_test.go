// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package mixnode_test

import (
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/mixnode"
	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/wire"
)

// waitArmed waits until a fake-clock timer is armed for at, so that an
// Advance to at fires it.
func (h *harness) waitArmed(what string, at time.Time, or func() bool) {
	h.t.Helper()
	waitFor(h.t, what, func() bool { return or() || slices.Contains(h.fake.Deadlines(), at) })
}

var regular = make([]byte, sphinx.Regular.PacketSize())

// TestMaxForwarders checks that a packet to a new next hop beyond
// MaxForwarders is dropped as too_many_hops while known hops still work.
func TestMaxForwarders(t *testing.T) {
	h, m, _, _ := pair(t, mixnode.Config{MaxForwarders: 2})
	for _, a := range []string{"10.0.7.1:1789", "10.0.7.2:1789"} {
		if err := m.Send(nodeAddr(t, a), sphinx.Regular, regular); err != nil {
			t.Fatal(err)
		}
	}
	err := m.Send(nodeAddr(t, "10.0.7.3:1789"), sphinx.Regular, regular)
	if !errors.Is(err, mixnode.ErrTooManyHops) {
		t.Fatalf("Send to a third next hop: %v, want ErrTooManyHops", err)
	}
	if err := m.Send(nodeAddr(t, "10.0.7.1:1789"), sphinx.Regular, regular); err != nil {
		t.Fatalf("Send to a known next hop: %v", err)
	}
	if st := m.Stats(); st.Dropped[mixnode.DropTooManyHops] != 1 || st.Queued.Forwarders != 2 {
		t.Fatalf("stats: %+v", st)
	}
	_ = h
}

// TestDeadHopForgotten checks that packets waiting for a next hop that
// never comes up are dropped as unreachable after StaleAfter, and that its
// forwarder then goes away, leaving no Sent entry.
func TestDeadHopForgotten(t *testing.T) {
	const stale = 2 * time.Second
	cfg := mixnode.Config{StaleAfter: stale, Backoff: wire.Backoff{Initial: time.Hour, Max: time.Hour}}
	h, m, _, _ := pair(t, cfg)
	dead := nodeAddr(t, "10.0.8.1:1789")
	for range 3 {
		if err := m.Send(dead, sphinx.Regular, regular); err != nil {
			t.Fatal(err)
		}
	}
	gone := func() bool { return m.Stats().Queued.Forwarders == 0 }
	for i := 0; !gone(); i++ {
		if i > 10 {
			t.Fatalf("the dead hop's forwarder is still there: %+v", m.Stats())
		}
		// The forwarder checks for stale packets every StaleAfter/2.
		h.waitArmed("the stale check", h.fake.Now().Add(stale/2), gone)
		h.fake.Advance(stale / 2)
	}
	st := m.Stats()
	if st.Dropped[mixnode.DropUnreachable] != 3 || st.Queued.Forwarding != 0 || len(st.Sent) != 0 || st.Queued.HeldBytes != 0 {
		t.Fatalf("stats: %+v", st)
	}
	if h.fake.Now().Sub(t0) > 2*stale {
		t.Errorf("forgotten after %v, want within %v", h.fake.Now().Sub(t0), 2*stale)
	}
}

// TestNextHopPolicy checks that packets to refused next hops are dropped
// as bad_next_hop and never dialled.
func TestNextHopPolicy(t *testing.T) {
	h, m, gw, got := pair(t, mixnode.Config{})
	for _, a := range []string{m.Addr().String(), "224.0.0.1:1789", "169.254.1.1:1789", "0.0.0.0:6379"} {
		if err := m.Send(nodeAddr(t, a), sphinx.Regular, regular); !errors.Is(err, mixnode.ErrBadNextHop) {
			t.Errorf("Send to %s: %v, want ErrBadNextHop", a, err)
		}
	}
	// The node listens on a private address, so (NextHopsAuto) private
	// next hops are allowed.
	send(t, h.dial(m), h.packet([]sphinx.Hop{m.hop(0), gw.hop(0)}, []byte("private ok")))
	expect(t, got, "private ok")
	if st := m.Stats(); st.Dropped[mixnode.DropBadNextHop] != 4 || st.Queued.Forwarders != 1 {
		t.Fatalf("stats: %+v", st)
	}

	pub := h.start("10.0.5.1:1789", mixnode.Config{NextHops: mixnode.NextHopsPublic}, nil)
	send(t, h.dial(pub), h.packet([]sphinx.Hop{pub.hop(0), gw.hop(0)}, []byte("refused")))
	waitFor(t, "the refused packet", func() bool { return dropped(pub, mixnode.DropBadNextHop) == 1 })
}

// TestMaxHeldBytes checks that the delay queue and forwarder queues
// together hold at most MaxHeldBytes of packets.
func TestMaxHeldBytes(t *testing.T) {
	size := int64(sphinx.Regular.PacketSize())
	h, m, gw, _ := pair(t, mixnode.Config{MaxHeldBytes: 3 * size})
	c := h.dial(m)
	for range 5 {
		send(t, c, h.packet([]sphinx.Hop{m.hop(time.Second), gw.hop(0)}, []byte("held")))
	}
	waitFor(t, "5 packets handled", func() bool {
		st := m.Stats()
		return st.Queued.Delayed+int(st.Dropped[mixnode.DropQueueFull]) == 5
	})
	if st := m.Stats(); st.Queued.Delayed != 3 || st.Queued.HeldBytes != 3*size {
		t.Fatalf("stats: %+v", st)
	}
	if err := m.Send(gw.addr, sphinx.Regular, regular); !errors.Is(err, mixnode.ErrQueueFull) {
		t.Fatalf("Send over the budget: %v, want ErrQueueFull", err)
	}
}

// TestInboundTimeouts checks that an inbound connection is closed when no
// frame starts within IdleConnTimeout, or a started frame does not finish
// within FrameTimeout.
func TestInboundTimeouts(t *testing.T) {
	cfg := mixnode.Config{IdleConnTimeout: time.Minute, FrameTimeout: time.Second}
	t.Run("idle", func(t *testing.T) {
		h, m, _, _ := pair(t, cfg)
		h.dial(m)
		closed := func() bool { return m.Stats().ClosedConns == 1 }
		h.waitArmed("the idle deadline", h.fake.Now().Add(time.Minute), closed)
		h.fake.Advance(time.Minute)
		waitFor(t, "the idle connection to close", func() bool { return closed() && m.Stats().Connections == 0 })
	})
	t.Run("frame", func(t *testing.T) {
		h, m, _, _ := pair(t, cfg)
		c := h.dial(m)
		if _, err := c.Write([]byte{wire.Version, byte(sphinx.Extended), 1, 2, 3}); err != nil {
			t.Fatal(err)
		}
		closed := func() bool { return m.Stats().ClosedConns == 1 }
		h.waitArmed("the frame deadline", h.fake.Now().Add(time.Second), closed)
		h.fake.Advance(time.Second)
		waitFor(t, "the stalled connection to close", func() bool { return closed() && m.Stats().Connections == 0 })
	})
}

// TestMaxConnsPerIPLoopback checks that loopback peers are exempt from
// MaxConnsPerIP by default and count, each loopback address on its own,
// with LimitLoopback.
func TestMaxConnsPerIPLoopback(t *testing.T) {
	dialFrom := func(t *testing.T, src string, m *tnode) net.Conn {
		t.Helper()
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 5 * time.Second}
		c, err := d.Dial("tcp", m.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	for _, limit := range []bool{false, true} {
		t.Run(fmt.Sprintf("LimitLoopback=%v", limit), func(t *testing.T) {
			h := newTCPHarness(t)
			m := h.start("", mixnode.Config{MaxConnsPerIP: 2, LimitLoopback: limit}, nil)
			for range 3 {
				dialFrom(t, "127.0.0.1", m)
			}
			other := dialFrom(t, "127.0.0.2", m)
			if !limit {
				waitFor(t, "4 connections", func() bool { return m.Stats().Connections == 4 })
				if st := m.Stats(); st.RefusedConns != 0 {
					t.Fatalf("loopback exempt, yet stats: %+v", st)
				}
				return
			}
			waitFor(t, "the third connection from 127.0.0.1 refused", func() bool {
				st := m.Stats()
				return st.RefusedConns == 1 && st.Connections == 3
			})
			// 127.0.0.2 has its own count: its connection stays open.
			other.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
			if _, err := other.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("the connection from 127.0.0.2: %v, want it open", err)
			}
		})
	}
}
