// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package faults

import (
	"context"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/clientapi"
	"github.com/nym-go/nym/internal/leaktest"
)

// cutFor is how long the layers stay partitioned.
const cutFor = 8 * time.Second

// TestLayerPartition: every link from layer 1 to layer 2 is cut (each
// layer-1 mix node's debug fault switch, localnet's SetFault, makes it drop
// every packet it forwards, and layer-1 nodes forward only to layer 2: a
// black hole, the TCP connections stay up). The 30 messages client-1 sends
// during the cut do not arrive within cutFor; once the cut heals, all
// arrive, once each, with nothing restarted: client-1 retransmits them.
func TestLayerPartition(t *testing.T) {
	leaktest.Check(t)
	lc := startLayerCut(t, cutFor)
	nw, layer1 := lc.nw, lc.nw.layer(1)
	cut := func(drop bool) {
		for _, id := range layer1 {
			if err := nw.SetFault(lc.ctx, id, drop); err != nil {
				t.Fatal(err)
			}
		}
	}
	cut(true)
	healed := false
	defer func() {
		if !healed {
			cut(false)
		}
	}()
	cutAt := time.Now()
	during := lc.sendDuringCut(t, cutAt, cutFor, "the cut")
	cut(false)
	healed = true
	healAt := time.Now()
	t.Logf("layers 1 and 2 cut (%v) for %v: none of the %d messages sent meanwhile arrived",
		layer1, healAt.Sub(cutAt).Round(time.Millisecond), len(during))
	lc.rx.waitAll(t, lc.e, lc.sent, hangBound)
	t.Logf("healed: all %d messages arrived %v later, once each, nothing restarted",
		len(during), time.Since(healAt).Round(time.Millisecond))
}

// layerCut is the traffic of a test that cuts layer 1 from layer 2:
// client-1 sends to client-2 over a running network.
type layerCut struct {
	nw *network
	// ctx bounds the test: the cut plus 3 hangBound.
	ctx context.Context
	// conn is client-1's API connection, to client-2's address.
	conn *clientapi.Conn
	to   string
	// sent reads client-1's connection, rx client-2's.
	sent, rx *receiver
	// e holds the messages client-2 must receive.
	e *expect
}

// startLayerCut starts a network whose context lasts cut plus 3 hangBound,
// and returns once 10 warm-up messages from client-1 reached client-2.
func startLayerCut(t *testing.T, cut time.Duration) *layerCut {
	t.Helper()
	nw := startNet(t, faultConfig())
	a, b := nw.info.Clients[0], nw.info.Clients[1]
	ctx, cancel := context.WithTimeout(context.Background(), cut+3*hangBound)
	t.Cleanup(cancel)
	connA, connB := dial(t, ctx, a), dial(t, ctx, b)
	lc := &layerCut{nw: nw, ctx: ctx, conn: connA, to: b.Address, sent: receive(t, connA), rx: receive(t, connB), e: newExpect()}
	warm := messages(t, "before", 10)
	lc.e.add(warm)
	if err := <-sendAll(ctx, connA, b.Address, warm); err != nil {
		t.Fatal(err)
	}
	lc.rx.waitAll(t, lc.e, lc.sent, hangBound)
	return lc
}

// sendDuringCut sends 30 messages from client-1 and checks that none
// reaches client-2 until cut has passed since cutAt; what names the cut in
// the failure. It returns the messages sent.
func (lc *layerCut) sendDuringCut(t *testing.T, cutAt time.Time, cut time.Duration, what string) [][]byte {
	t.Helper()
	during := messages(t, "during", 30)
	lc.e.add(during)
	if err := <-sendAll(lc.ctx, lc.conn, lc.to, during); err != nil {
		t.Fatal(err)
	}
	wait := time.NewTimer(cut - time.Since(cutAt))
	defer wait.Stop()
	for {
		select {
		case m := <-lc.rx.got:
			t.Fatalf("a message crossed %s between layers 1 and 2: %q", what, shorten(m))
		case err := <-lc.rx.errc:
			t.Fatal(err)
		case err := <-lc.sent.errc:
			t.Fatalf("sender during the cut: %v", err)
		case <-wait.C:
			return during
		}
	}
}

// layer returns the ids of the network's mix nodes in layer.
func (nw *network) layer(layer int) []string {
	var ids []string
	for _, n := range nw.info.Nodes {
		if n.Layer == layer {
			ids = append(ids, n.ID)
		}
	}
	return ids
}
