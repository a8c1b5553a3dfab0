// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package mixnode_test

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/logtest"
	"github.com/nym-go/nym/internal/mixnode"
	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/wire"
	"github.com/nym-go/nym/internal/wire/wiretest"
)

// TestShutdownWithQueuedPackets cancels a node that holds packets in its
// delay queue: Run returns promptly, logs what was queued and counts it,
// and every goroutine is gone (leaktest, in newMemHarness).
func TestShutdownWithQueuedPackets(t *testing.T) {
	h, m, gw, _ := pair(t, mixnode.Config{})
	route := []sphinx.Hop{m.hop(time.Second), gw.hop(0)}
	const count = 5
	var pkts [][]byte
	for range count {
		pkts = append(pkts, h.packet(route, []byte("held")))
	}
	send(t, h.dial(m), pkts...)
	waitFor(t, "the packets to be held", func() bool { return m.Stats().Queued.Delayed == count })

	start := time.Now()
	if err := m.stop(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Run took %v to return", d)
	}
	st := m.Stats()
	if st.Dropped[mixnode.DropShutdown] != count || st.Queued.Delayed != 0 || st.Connections != 0 {
		t.Errorf("stats after shutdown: %+v", st)
	}
	if log := h.log.String(); !strings.Contains(log, "mix node stopped") || !strings.Contains(log, "queued_delayed=5") {
		t.Errorf("log lacks the shutdown summary:\n%s", log)
	}
	if err := m.Send(gw.addr, sphinx.Regular, make([]byte, sphinx.Regular.PacketSize())); err == nil {
		t.Error("Send after Run returned succeeded")
	}
}

// TestShutdownStalledNextHop stops a node whose next hop accepted a
// connection and never reads from it, so the forwarder's write is blocked:
// Run still returns within ShutdownGrace. It runs on the real clock.
func TestShutdownStalledNextHop(t *testing.T) {
	leaktest.Check(t)
	nw := wiretest.NewNetwork(wiretest.Config{BufferSize: 16 << 10})
	defer nw.Close()
	ln, err := nw.Listen("10.0.1.1:1789")
	if err != nil {
		t.Fatal(err)
	}
	stalled, err := nw.Listen("10.0.2.1:1789") // accepts (backlog) but nobody reads
	if err != nil {
		t.Fatal(err)
	}
	defer stalled.Close()
	logs := &logtest.Buffer{}
	n, err := mixnode.New(mixnode.Config{ShutdownGrace: 200 * time.Millisecond},
		mixnode.Deps{Listener: ln, Dialer: nw.Dialer(), Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()

	to := nodeAddr(t, "10.0.2.1:1789")
	pkt := make([]byte, sphinx.Regular.PacketSize())
	for range 50 {
		if err := n.Send(to, sphinx.Regular, pkt); err != nil {
			t.Fatal(err)
		}
	}
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	if err := nw.WaitBlocked(wctx, 1); err != nil {
		t.Fatalf("the forwarder's write never blocked: %v", err)
	}
	start := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return within 5 s")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Run took %v to return, want about ShutdownGrace (200ms)", d)
	}
	st := n.Stats()
	if lost := st.Dropped[mixnode.DropShutdown]; lost == 0 || lost+st.Sent["10.0.2.1:1789"] != 50 {
		t.Errorf("stats: %+v", st)
	}
}

// TestIdleForwarderReaped checks that a forwarder unused for
// IdleForwarder closes its connection and is forgotten, keeping its Sent
// count, and that a new packet to the hop makes a new one.
func TestIdleForwarderReaped(t *testing.T) {
	h, m, gw, got := pair(t, mixnode.Config{IdleForwarder: time.Minute})
	route := []sphinx.Hop{m.hop(0), gw.hop(0)}
	c := h.dial(m)
	send(t, c, h.packet(route, []byte("first")))
	expect(t, got, "first")
	waitFor(t, "the gateway's inbound connection", func() bool { return gw.Stats().Connections == 1 })
	// Let the flush return before moving the clock past its deadline
	// (wiretest reports a write whose deadline passes as it completes as
	// failed).
	waitFor(t, "Sent to count the packet", func() bool { return m.Stats().Sent[gw.Addr().String()] == 1 })
	// The first tick sees the packet sent since the start; the second one
	// sees nothing new and reaps.
	reaped := func() bool { return gw.Stats().Connections == 0 }
	for i := 0; !reaped(); i++ {
		if i > 2 {
			t.Fatal("the idle forwarder was not reaped")
		}
		h.waitArmed("the idle tick", h.fake.Now().Add(time.Minute), reaped)
		h.fake.Advance(time.Minute)
		waitFor(t, "the idle tick to be handled", func() bool {
			return reaped() || slices.Contains(h.fake.Deadlines(), h.fake.Now().Add(time.Minute))
		})
	}
	if st := m.Stats(); st.Sent[gw.Addr().String()] != 1 || st.Queued.Forwarding != 0 {
		t.Errorf("stats after reaping: %+v\n%s", st, h.log)
	}
	send(t, c, h.packet(route, []byte("second")))
	expect(t, got, "second")
	waitFor(t, "Sent to count both packets", func() bool { return m.Stats().Sent[gw.Addr().String()] == 2 })
}

func TestConfigValidate(t *testing.T) {
	for _, cfg := range []mixnode.Config{
		{MaxDelay: -1}, {Workers: -1}, {ForwardQueue: -2}, {ShutdownGrace: 5 * time.Second},
		{Backoff: wire.Backoff{Max: time.Second}}, // Initial 0 would redial in a busy loop
		{MaxHeldBytes: -1}, {NextHops: 7}, {MaxForwarders: -1}, {FrameTimeout: -1},
	} {
		if err := cfg.Validate(); err == nil {
			t.Errorf("Validate(%+v) = nil, want an error", cfg)
		}
	}
	var cfg mixnode.Config
	if err := cfg.Validate(); err != nil || cfg.MaxDelay != 10*time.Second || cfg.Workers < 1 || cfg.ForwardQueue != 2000 {
		t.Errorf("defaults: %+v, %v", cfg, err)
	}
	if _, err := mixnode.New(mixnode.Config{}, mixnode.Deps{}); err == nil {
		t.Error("New without a listener succeeded")
	}
}

// TestSendBeforeRun checks that packets given to Send before Run wait in
// the forwarder's queue and leave once Run starts.
func TestSendBeforeRun(t *testing.T) {
	h := newMemHarness(t)
	final, got := sink(t, h.clk)
	gw := h.start("10.0.9.1:1789", mixnode.Config{}, final)
	ln := h.listen("10.0.1.1:1789")
	key, _ := sphinx.GenerateKey(h.rng)
	n, err := mixnode.New(mixnode.Config{}, mixnode.Deps{Key: key, Listener: ln, Dialer: h.dialer, Clock: h.clk})
	if err != nil {
		t.Fatal(err)
	}
	// A packet whose first hop is the gateway, handed over as a gateway
	// injects a client's packet.
	if err := n.Send(gw.addr, sphinx.Regular, h.packet([]sphinx.Hop{gw.hop(0)}, []byte("early"))); err != nil {
		t.Fatal(err)
	}
	if st := n.Stats(); st.Queued.Forwarding != 1 {
		t.Fatalf("queued before Run: %+v", st.Queued)
	}
	ctx, cancel := context.WithCancel(h.ctx)
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	expect(t, got, "early")
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := n.Run(context.Background()); err == nil {
		t.Error("a second Run succeeded")
	}
}
