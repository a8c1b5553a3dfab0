// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package faults

import (
	"context"
	"testing"
	"time"

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
	nw := startNet(t, faultConfig())
	a, b := nw.info.Clients[0], nw.info.Clients[1]
	ctx, cancel := context.WithTimeout(context.Background(), cutFor+3*hangBound)
	defer cancel()
	connA, connB := dial(t, ctx, a), dial(t, ctx, b)
	sent, rx := receive(t, connA), receive(t, connB)
	e := newExpect()

	warm := messages(t, "before", 10)
	e.add(warm)
	if err := <-sendAll(ctx, connA, b.Address, warm); err != nil {
		t.Fatal(err)
	}
	rx.waitAll(t, e, sent, hangBound)

	var layer1 []string
	for _, n := range nw.info.Nodes {
		if n.Layer == 1 {
			layer1 = append(layer1, n.ID)
		}
	}
	cut := func(drop bool) {
		for _, id := range layer1 {
			if err := nw.SetFault(ctx, id, drop); err != nil {
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
	during := messages(t, "during", 30)
	e.add(during)
	if err := <-sendAll(ctx, connA, b.Address, during); err != nil {
		t.Fatal(err)
	}
	wait := time.NewTimer(cutFor - time.Since(cutAt))
waitCut:
	for {
		select {
		case m := <-rx.got:
			t.Fatalf("a message crossed the cut between layers 1 and 2: %q", shorten(m))
		case err := <-rx.errc:
			t.Fatal(err)
		case err := <-sent.errc:
			t.Fatalf("sender during the cut: %v", err)
		case <-wait.C:
			break waitCut
		}
	}
	cut(false)
	healed = true
	healAt := time.Now()
	t.Logf("layers 1 and 2 cut (%v) for %v: none of the %d messages sent meanwhile arrived",
		layer1, healAt.Sub(cutAt).Round(time.Millisecond), len(during))
	rx.waitAll(t, e, sent, hangBound)
	t.Logf("healed: all %d messages arrived %v later, once each, nothing restarted",
		len(during), time.Since(healAt).Round(time.Millisecond))
}
