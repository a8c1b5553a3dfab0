// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package mixnode_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/mixnode"
	"github.com/nym-go/nym/internal/sphinx"
)

// pair starts a mix node and a gateway after it on the in-memory network.
func pair(t *testing.T, cfg mixnode.Config) (*harness, *tnode, *tnode, chan delivery) {
	h := newMemHarness(t)
	final, got := sink(t, h.clk)
	m := h.start("10.0.1.1:1789", cfg, nil)
	gw := h.start("10.0.9.1:1789", mixnode.Config{}, final)
	return h, m, gw, got
}

// expect waits for one delivery with the given plaintext.
func expect(t *testing.T, got chan delivery, plaintext string) {
	t.Helper()
	select {
	case d := <-got:
		if string(d.plaintext) != plaintext {
			t.Fatalf("delivered %q, want %q", d.plaintext, plaintext)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("%q not delivered", plaintext)
	}
}

func TestDrops(t *testing.T) {
	t.Run("replay", func(t *testing.T) {
		h, m, gw, got := pair(t, mixnode.Config{})
		p := h.packet([]sphinx.Hop{m.hop(0), gw.hop(0)}, []byte("once"))
		c := h.dial(m)
		send(t, c, p, p)
		waitFor(t, "the replay to be counted", func() bool { return dropped(m, mixnode.DropReplay) == 1 })
		expect(t, got, "once")
		send(t, c, p) // still a replay, on the same connection
		waitFor(t, "the second replay to be counted", func() bool { return dropped(m, mixnode.DropReplay) == 2 })
	})
	t.Run("bad MAC, random bytes, then a good packet on the same connection", func(t *testing.T) {
		h, m, gw, got := pair(t, mixnode.Config{})
		route := []sphinx.Hop{m.hop(0), gw.hop(0)}
		bad := h.packet(route, []byte("tampered"))
		bad[sphinx.GroupElementSize+sphinx.MACSize+7] ^= 1 // a bit of β
		random := make([]byte, sphinx.Regular.PacketSize())
		h.rng.Read(random)
		c := h.dial(m)
		send(t, c, bad, random, h.packet(route, []byte("good")))
		expect(t, got, "good")
		// Unwrap workers run in parallel, so "good" may be delivered before
		// the two bad packets are counted.
		waitFor(t, "the bad packets to be counted", func() bool {
			d := m.Stats().Dropped
			return d[mixnode.DropBadMAC]+d[mixnode.DropMalformed] == 2
		})
		st := m.Stats()
		if st.Dropped[mixnode.DropBadMAC] < 1 {
			t.Errorf("drops = %v, want 1 bad_mac and the random packet as bad_mac or malformed", st.Dropped)
		}
		if st.ClosedConns != 0 || st.Connections != 1 {
			t.Errorf("connections: %+v", st)
		}
	})
	t.Run("garbage frame closes only its connection", func(t *testing.T) {
		h, m, gw, got := pair(t, mixnode.Config{})
		route := []sphinx.Hop{m.hop(0), gw.hop(0)}
		good, bad := h.dial(m), h.dial(m)
		send(t, good, h.packet(route, []byte("before")))
		expect(t, got, "before")
		if _, err := bad.Write([]byte("GET / HTTP/1.1\r\n\r\n")); err != nil {
			t.Fatal(err)
		}
		// The node closes the bad connection: its reads see EOF.
		if _, err := io.ReadAll(bad); err != nil {
			t.Fatalf("reading the closed connection: %v", err)
		}
		send(t, good, h.packet(route, []byte("after")))
		expect(t, got, "after")
		if st := m.Stats(); st.ClosedConns != 1 || st.Connections != 1 {
			t.Errorf("connections: %+v", st)
		}
	})
	t.Run("delay over the cap", func(t *testing.T) {
		h, m, gw, got := pair(t, mixnode.Config{MaxDelay: time.Second})
		c := h.dial(m)
		send(t, c, h.packet([]sphinx.Hop{m.hop(time.Second + time.Nanosecond), gw.hop(0)}, []byte("late")))
		waitFor(t, "too_late", func() bool { return dropped(m, mixnode.DropTooLate) == 1 })
		send(t, c, h.packet([]sphinx.Hop{m.hop(time.Second), gw.hop(0)}, []byte("at the cap")))
		waitFor(t, "the packet at the cap to be held", func() bool { return m.Stats().Queued.Delayed == 1 })
		h.fake.Advance(time.Second)
		expect(t, got, "at the cap")
	})
	t.Run("final hop at a mix node", func(t *testing.T) {
		h, m, _, _ := pair(t, mixnode.Config{})
		send(t, h.dial(m), h.packet([]sphinx.Hop{m.hop(0)}, []byte("not for a mix")))
		waitFor(t, "final_hop", func() bool { return dropped(m, mixnode.DropFinalHop) == 1 })
	})
	t.Run("delay queue full", func(t *testing.T) {
		h, m, gw, _ := pair(t, mixnode.Config{DelayCapacity: 2})
		route := []sphinx.Hop{m.hop(time.Second), gw.hop(0)}
		send(t, h.dial(m), h.packet(route, []byte("1")), h.packet(route, []byte("2")), h.packet(route, []byte("3")))
		waitFor(t, "queue_full", func() bool { return dropped(m, mixnode.DropQueueFull) == 1 })
		if st := m.Stats(); st.Queued.Delayed != 2 {
			t.Errorf("delayed = %d, want 2", st.Queued.Delayed)
		}
	})
}

// TestUnreachableNextHop checks that a next hop that refuses connections
// neither blocks packets to other next hops nor holds more than its queue,
// and that its queue is delivered in order once it comes up.
func TestUnreachableNextHop(t *testing.T) {
	const queue = 4
	h, m, gw, got := pair(t, mixnode.Config{ForwardQueue: queue, Workers: 1}) // one worker keeps the order
	downAddr := "10.0.8.1:1789"
	downKey, _ := sphinx.GenerateKey(h.rng)
	down := sphinx.Hop{Address: nodeAddr(t, downAddr), PublicKey: downKey.Public()}

	c := h.dial(m)
	for i := range 10 {
		send(t, c, h.packet([]sphinx.Hop{m.hop(0), down}, fmt.Appendf(nil, "down %d", i)))
		if i%3 == 0 {
			pt := fmt.Sprintf("up %d", i)
			send(t, c, h.packet([]sphinx.Hop{m.hop(0), gw.hop(0)}, []byte(pt)))
			expect(t, got, pt)
		}
	}
	waitFor(t, "the unreachable drops", func() bool { return dropped(m, mixnode.DropUnreachable) == 10-queue })
	if st := m.Stats(); st.Queued.Forwarding != queue || st.Dropped[mixnode.DropQueueFull] != 0 {
		t.Fatalf("stats: %+v", st)
	}

	// Send finds the same queue full.
	if err := m.Send(down.Address, sphinx.Regular, make([]byte, sphinx.Regular.PacketSize())); !errors.Is(err, mixnode.ErrUnreachable) {
		t.Fatalf("Send to the full queue: %v, want ErrUnreachable", err)
	}

	// The hop comes up (as a gateway with downKey); the forwarder redials
	// after its backoff and sends its queue in order.
	final, got2 := sink(t, h.clk)
	ln := h.listen(downAddr)
	// One worker, so that the receiver keeps the order it reads in.
	n, err := mixnode.New(mixnode.Config{Workers: 1}, mixnode.Deps{Key: downKey, Listener: ln, Dialer: h.dialer, Clock: h.clk, Final: final})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(h.ctx)
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	// The forwarder is backing off (its delays double from 100 ms); move
	// the clock to each redial until one succeeds.
	delivered := func() bool { return len(got2) == queue }
	for i := 0; !delivered(); i++ {
		if i > 20 {
			t.Fatalf("%d of %d queued packets delivered after the hop came up", len(got2), queue)
		}
		var next time.Time
		waitFor(t, "the forwarder's redial timer", func() bool {
			for _, d := range h.fake.Deadlines() {
				// The backoff timer is the earliest within 30 s (idle ticks and deadlines are later).
				if d.Sub(h.fake.Now()) <= 30*time.Second && (next.IsZero() || d.Before(next)) {
					next = d
				}
			}
			return delivered() || !next.IsZero()
		})
		if delivered() {
			break
		}
		h.fake.Set(next)
		waitFor(t, "the redial", func() bool { return delivered() || !slices.Contains(h.fake.Deadlines(), next) })
	}
	for i := range queue {
		if d := <-got2; !bytes.Equal(d.plaintext, fmt.Appendf(nil, "down %d", i)) {
			t.Fatalf("delivered %q, want %q", d.plaintext, fmt.Sprintf("down %d", i))
		}
	}
}

// TestMaxConns checks that a connection beyond Config.MaxConns is closed
// at once and counted, and that the open one keeps working.
func TestMaxConns(t *testing.T) {
	h, m, gw, got := pair(t, mixnode.Config{MaxConns: 1})
	first := h.dial(m)
	waitFor(t, "the first connection", func() bool { return m.Stats().Connections == 1 })
	second := h.dial(m)
	if _, err := io.ReadAll(second); err != nil {
		t.Fatalf("reading the refused connection: %v", err)
	}
	if st := m.Stats(); st.RefusedConns != 1 || st.Connections != 1 {
		t.Fatalf("stats: %+v", st)
	}
	send(t, first, h.packet([]sphinx.Hop{m.hop(0), gw.hop(0)}, []byte("still served")))
	expect(t, got, "still served")
}
