// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package faults

import (
	"context"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/localnet"
)

// transferSize is the number of messages of the kill tests' transfers.
const transferSize = 200

// hangBound bounds a wait for messages: a few seconds on a quiet machine,
// far more under -race on a loaded shared one.
const hangBound = 90 * time.Second

// TestKillMixNode: kill -9 a layer-2 mix node in the middle of a
// 200-message transfer from client-1 to client-2; every message arrives,
// once. Packets routed through the dead node are lost until the directory
// drops it (presence TTL 10 s) and the nodes and clients refetch the
// topology (1 s); their fragments are retransmitted on fresh routes.
func TestKillMixNode(t *testing.T) {
	cfg := execConfig(t)
	leaktest.Check(t)
	nw := startNet(t, cfg)
	a, b := nw.info.Clients[0], nw.info.Clients[1]
	ctx, cancel := context.WithTimeout(context.Background(), 2*hangBound)
	defer cancel()
	connA, connB := dial(t, ctx, a), dial(t, ctx, b)
	sent, rx := receive(t, connA), receive(t, connB)

	msgs := messages(t, "transfer", transferSize)
	e := newExpect()
	e.add(msgs)
	start := time.Now()
	sendErr := sendAll(ctx, connA, b.Address, msgs)
	rx.waitCount(t, e, transferSize/4, sent, hangBound)

	const victim = "mix-2-1"
	if err := nw.KillNode(victim); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	t.Logf("killed %s (kill -9) after %d of %d messages arrived, %v into the transfer",
		victim, len(e.arrived), len(msgs), killed.Sub(start).Round(time.Millisecond))
	dropped := waitTopology(t, nw.info, "the directory drops "+victim, 30*time.Second,
		func(in map[string]bool) bool { return !in[victim] })
	t.Logf("the directory dropped %s %v after the kill", victim, dropped.Round(100*time.Millisecond))

	rx.waitAll(t, e, sent, hangBound)
	if err := <-sendErr; err != nil {
		t.Fatal(err)
	}
	t.Logf("all %d messages arrived, once each, %v after the kill (%v in all)",
		len(msgs), time.Since(killed).Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
}

// TestKillGateway: kill -9 the recipient's gateway and start it again from
// its files; none of the messages is lost.
//
//   - Stored: with client-2 stopped, its gateway stores what arrives for it
//     and only then releases the SURB-acks, so client-1 does not resend
//     those messages. The gateway is killed once it has stored them all,
//     started again, then client-2: it receives them from the gateway's
//     inbox, which survived the crash.
//   - Live: the gateway is killed in the middle of a 200-message transfer
//     to the connected client-2 and started again 2 s later; what it had
//     acknowledged or stored survives, client-1 resends the rest, and
//     client-2 reconnects and receives every message once.
func TestKillGateway(t *testing.T) {
	cfg := execConfig(t)
	leaktest.Check(t)
	nw := startNet(t, cfg)
	a, b := nw.info.Clients[0], nw.info.Clients[1]
	gw := nw.node(t, b.Gateway)
	ctx, cancel := context.WithTimeout(context.Background(), 4*hangBound)
	defer cancel()
	connA := dial(t, ctx, a)
	sent := receive(t, connA)

	// Stored.
	if err := nw.StopClient(b.ID); err != nil {
		t.Fatal(err)
	}
	stored := messages(t, "stored", 30)
	if err := <-sendAll(ctx, connA, b.Address, stored); err != nil {
		t.Fatal(err)
	}
	waitCounter(t, ctx, gw, "stored", uint64(len(stored)))
	if err := nw.KillNode(gw.ID); err != nil {
		t.Fatal(err)
	}
	t.Logf("killed %s (kill -9) with %d messages for the stopped %s in its inbox", gw.ID, len(stored), b.ID)
	if err := nw.StartNode(ctx, gw.ID); err != nil {
		t.Fatal(err)
	}
	if err := nw.StartClient(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	connB := dial(t, ctx, b)
	rx := receive(t, connB)
	e := newExpect()
	e.add(stored)
	rx.waitAll(t, e, sent, hangBound)
	t.Logf("the restarted %s received all %d messages stored before the crash", b.ID, len(stored))

	// Live.
	msgs := messages(t, "live", transferSize)
	e.add(msgs)
	start := time.Now()
	sendErr := sendAll(ctx, connA, b.Address, msgs)
	rx.waitCount(t, e, len(stored)+transferSize/4, sent, hangBound)
	if err := nw.KillNode(gw.ID); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	t.Logf("killed %s (kill -9) after %d of %d messages arrived", gw.ID, len(e.arrived)-len(stored), len(msgs))
	select { // the gateway stays down for 2 s of real time while packets keep coming
	case <-time.After(2 * time.Second):
	case <-ctx.Done():
		t.Fatal(ctx.Err())
	}
	if err := nw.StartNode(ctx, gw.ID); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s started again %v after the kill", gw.ID, time.Since(killed).Round(time.Millisecond))
	rx.waitAll(t, e, sent, hangBound)
	if err := <-sendErr; err != nil {
		t.Fatal(err)
	}
	t.Logf("all %d messages arrived, once each, %v after the kill (%v in all)",
		len(msgs), time.Since(killed).Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
}

// waitCounter polls the gateway's counter until it reaches want.
func waitCounter(t *testing.T, ctx context.Context, gw localnet.NodeInfo, name string, want uint64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, hangBound)
	defer cancel()
	for {
		n, err := gatewayCounter(ctx, gw, name)
		if err == nil && n >= want {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("gateway %s %s = %d (error %v), want %d", gw.ID, name, n, err, want)
		case <-time.After(50 * time.Millisecond): // polling a real gateway's HTTP API
		}
	}
}
