// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package faults

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/leaktest"
)

// Bounds of TestDirectoryOutage.
const (
	// outage is how long the directory is down: the 60 s, or 5 s
	// with -short.
	outage      = 60 * time.Second
	shortOutage = 5 * time.Second
	// reannounceBound bounds the time from the directory's return until
	// every node is in its topology again: nodes announce every second,
	// so this is slack for a loaded machine.
	reannounceBound = 10 * time.Second
)

// TestDirectoryOutage: with the directory down for 60 s (5 s with
// -short), client-1 keeps sending client-2 batches of messages, and each
// batch arrives while the directory is still down: nodes and clients route
// on the topology they fetched last. Once a fresh directory serves on the
// same address again, every node is back in its topology within
// reannounceBound, and messages sent after that arrive too.
func TestDirectoryOutage(t *testing.T) {
	leaktest.Check(t)
	down := outage
	if testing.Short() {
		down = shortOutage
	}
	nw := startNet(t, faultConfig())
	a, b := nw.info.Clients[0], nw.info.Clients[1]
	ctx, cancel := context.WithTimeout(context.Background(), down+3*hangBound)
	defer cancel()
	connA, connB := dial(t, ctx, a), dial(t, ctx, b)
	sent, rx := receive(t, connA), receive(t, connB)
	e := newExpect()

	if err := nw.StopDirectory(); err != nil {
		t.Fatal(err)
	}
	stopped := time.Now()
	if _, err := inTopology(ctx, nw.info); err == nil {
		t.Fatal("the directory still answers after StopDirectory")
	}
	// A batch of 10 every down/6 (every 10 s), each waited for before the
	// next: traffic flows throughout the outage, not only before it.
	batches := 0
	for {
		elapsed := time.Since(stopped)
		if elapsed >= down {
			break
		}
		batch := messages(t, fmt.Sprintf("outage-batch-%d", batches), 10)
		e.add(batch)
		if err := <-sendAll(ctx, connA, b.Address, batch); err != nil {
			t.Fatal(err)
		}
		rx.waitAll(t, e, sent, hangBound)
		batches++
		if _, err := inTopology(ctx, nw.info); err == nil {
			t.Fatal("the directory answers during the outage")
		}
		t.Logf("batch %d (10 messages) sent and received %v into the outage", batches, time.Since(stopped).Round(time.Millisecond))
		next := time.Duration(batches) * down / 6
		select { // pacing the batches over the outage's real time
		case <-time.After(next - time.Since(stopped)):
		case <-ctx.Done():
			t.Fatal(ctx.Err())
		}
	}
	if batches < 2 {
		t.Fatalf("only %d batch(es) during the outage; the machine is too slow for the test", batches)
	}

	if err := nw.StartDirectory(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("directory started again after %v down; %d messages arrived meanwhile",
		time.Since(stopped).Round(time.Millisecond), len(e.arrived))
	back := waitTopology(t, nw.info, "every node back in the topology", reannounceBound,
		func(in map[string]bool) bool { return len(in) == len(nw.info.Nodes) })
	t.Logf("all %d nodes re-announced within %v of the directory's return", len(nw.info.Nodes), back.Round(100*time.Millisecond))

	after := messages(t, "after", 20)
	e.add(after)
	if err := <-sendAll(ctx, connA, b.Address, after); err != nil {
		t.Fatal(err)
	}
	rx.waitAll(t, e, sent, hangBound)
	t.Logf("all %d messages arrived, once each", len(e.want))
}
