// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package mixnode_test

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/clock/clocktest"
	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/mixnode"
	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/wire"
)

// TestChainInMemory sends packets through three mix nodes (one per layer)
// to a gateway on the in-memory network, moving a fake clock: nothing
// arrives before the sum of the per-hop delays, and everything arrives at
// that instant with its plaintext intact.
func TestChainInMemory(t *testing.T) {
	h := newMemHarness(t)
	final, got := sink(t, h.clk)
	m1 := h.start("10.0.1.1:1789", mixnode.Config{}, nil)
	m2 := h.start("10.0.2.1:1789", mixnode.Config{}, nil)
	m3 := h.start("10.0.3.1:1789", mixnode.Config{}, nil)
	gw := h.start("10.0.4.1:1789", mixnode.Config{}, final)
	d1, d2, d3 := 30*time.Millisecond, 50*time.Millisecond, 20*time.Millisecond
	route := []sphinx.Hop{m1.hop(d1), m2.hop(d2), m3.hop(d3), gw.hop(0)}

	const count = 20
	var pkts [][]byte
	want := map[string]bool{}
	for i := range count {
		pt := fmt.Appendf(nil, "packet %d", i)
		want[string(pt)] = true
		pkts = append(pkts, h.packet(route, pt))
	}
	send(t, h.dial(m1), pkts...)

	// Each node holds every packet for its delay, measured from when it
	// read it; then the next one has them.
	for i, step := range []struct {
		n     *tnode
		delay time.Duration
	}{{m1, d1}, {m2, d2}, {m3, d3}} {
		waitFor(t, fmt.Sprintf("mix %d to hold %d packets", i+1, count), func() bool {
			return step.n.Stats().Queued.Delayed == count
		})
		h.fake.Advance(step.delay - time.Nanosecond)
		if st := step.n.Stats(); st.Queued.Delayed != count || len(st.Sent) != 0 || len(got) != 0 {
			t.Fatalf("mix %d released packets before its delay: %+v", i+1, st)
		}
		h.fake.Advance(time.Nanosecond)
	}
	total := d1 + d2 + d3
	for range count {
		select {
		case d := <-got:
			if !want[string(d.plaintext)] {
				t.Fatalf("unexpected or duplicate plaintext %q", d.plaintext)
			}
			delete(want, string(d.plaintext))
			if !d.at.Equal(t0.Add(total)) {
				t.Errorf("delivered at +%v, want +%v", d.at.Sub(t0), total)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("only %d of %d packets delivered", count-len(want), count)
		}
	}
	for i, n := range []*tnode{m1, m2, m3} {
		// Sent is counted after the flush that delivered the packets.
		waitFor(t, fmt.Sprintf("mix %d to count its packets sent", i+1), func() bool { return sum(n.Stats().Sent) == count })
		if st := n.Stats(); st.Received != count || sum(st.Dropped) != 0 {
			t.Errorf("mix %d stats: %+v", i+1, st)
		}
	}
	waitFor(t, "the gateway to count its deliveries", func() bool { return gw.Stats().Delivered == count })
}

// TestChainTCP does the same over loopback TCP with the real clock and
// zero delays.
func TestChainTCP(t *testing.T) {
	h := newTCPHarness(t)
	final, got := sink(t, h.clk)
	m1 := h.start("", mixnode.Config{}, nil)
	m2 := h.start("", mixnode.Config{}, nil)
	m3 := h.start("", mixnode.Config{}, nil)
	gw := h.start("", mixnode.Config{}, final)
	route := []sphinx.Hop{m1.hop(0), m2.hop(0), m3.hop(0), gw.hop(0)}

	const count = 50
	var pkts [][]byte
	for i := range count {
		pkts = append(pkts, h.packet(route, fmt.Appendf(nil, "packet %d", i)))
	}
	send(t, h.dial(m1), pkts...)
	seen := map[string]bool{}
	for range count {
		select {
		case d := <-got:
			if !bytes.HasPrefix(d.plaintext, []byte("packet ")) || seen[string(d.plaintext)] {
				t.Fatalf("unexpected or duplicate plaintext %q", d.plaintext)
			}
			seen[string(d.plaintext)] = true
		case <-time.After(10 * time.Second):
			t.Fatalf("only %d of %d packets delivered", len(seen), count)
		}
	}
	for i, n := range []*tnode{m1, m2, m3} {
		st := n.Stats()
		next := []*tnode{m2, m3, gw}[i].Addr().String()
		waitFor(t, fmt.Sprintf("mix %d to count its packets sent", i+1), func() bool { return n.Stats().Sent[next] == count })
		if sum(st.Dropped) != 0 {
			t.Errorf("mix %d stats: %+v", i+1, st)
		}
	}
}

func sum[K comparable](m map[K]uint64) uint64 {
	var s uint64
	for _, v := range m {
		s += v
	}
	return s
}

// TestChainTCPFakeClock sends packets through three mix nodes over
// loopback TCP on a fake clock that starts in the past, with non-zero
// delays: nothing arrives before d1+d2+d3, everything does after. Write
// and read deadlines must come from the connections' clock (the wall
// clock for TCP), or every write would time out at once.
func TestChainTCPFakeClock(t *testing.T) {
	leaktest.Check(t)
	start := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	fake := clocktest.NewFake(start)
	h := newHarness(t, fake, fake, nil, wire.TCPDialer{})
	final, got := sink(t, fake)
	m1 := h.start("", mixnode.Config{}, nil)
	m2 := h.start("", mixnode.Config{}, nil)
	m3 := h.start("", mixnode.Config{}, nil)
	gw := h.start("", mixnode.Config{}, final)
	d1, d2, d3 := 30*time.Millisecond, 50*time.Millisecond, 20*time.Millisecond
	route := []sphinx.Hop{m1.hop(d1), m2.hop(d2), m3.hop(d3), gw.hop(0)}

	const count = 20
	var pkts [][]byte
	for i := range count {
		pkts = append(pkts, h.packet(route, fmt.Appendf(nil, "packet %d", i)))
	}
	send(t, h.dial(m1), pkts...)
	for i, step := range []struct {
		n     *tnode
		delay time.Duration
	}{{m1, d1}, {m2, d2}, {m3, d3}} {
		// Bounded polling: TCP delivery takes real time.
		waitFor(t, fmt.Sprintf("mix %d to hold %d packets", i+1, count), func() bool {
			return step.n.Stats().Queued.Delayed == count
		})
		fake.Advance(step.delay - time.Nanosecond)
		if st := step.n.Stats(); st.Queued.Delayed != count || len(got) != 0 {
			t.Fatalf("mix %d released packets before its delay: %+v", i+1, st)
		}
		fake.Advance(time.Nanosecond)
	}
	total := d1 + d2 + d3
	for range count {
		select {
		case d := <-got:
			if !d.at.Equal(start.Add(total)) {
				t.Errorf("delivered at +%v, want +%v", d.at.Sub(start), total)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("not every packet delivered: %+v", m3.Stats())
		}
	}
	for i, n := range []*tnode{m1, m2, m3} {
		if st := n.Stats(); sum(st.Dropped) != 0 {
			t.Errorf("mix %d stats: %+v", i+1, st)
		}
	}
}
