// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package faults

import (
	"flag"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/localnet"
	"github.com/nym-go/nym/internal/wire"
)

// linkCutFor is how long TestLinkCut keeps the TCP links from layer 1 to
// layer 2 cut: past the reconnect backoff's early steps (100 ms doubling:
// the 7th attempt comes 6.3 s after the first failure, the 8th at 12.7 s).
var linkCutFor = flag.Duration("faults.linkcut", 8*time.Second, "how long TestLinkCut cuts the links from layer 1 to layer 2")

// TestLinkCut: every TCP link from a layer-1 mix node to a layer-2 mix
// node is cut (localnet.CutLinks: the layer-1 nodes' dials to layer 2
// fail and their open connections are closed) for linkCutFor. The 30
// messages client-1 sends during the cut do not arrive; once the links
// heal, the layer-1 nodes reconnect on their own (their forwarders redial
// when their backoff wait ends) and every message arrives, once, with
// nothing restarted. The test logs how long recovery took, and fails if it
// took longer than the backoff schedule explains.
func TestLinkCut(t *testing.T) {
	leaktest.Check(t)
	lc := startLayerCut(t, *linkCutFor)
	nw, layer1, layer2 := lc.nw, lc.nw.layer(1), lc.nw.layer(2)
	before := linkStats(t, nw, layer1)
	if before.Dials == 0 {
		t.Fatalf("the layer-1 nodes never dialled through their link switch: %+v", before)
	}
	heal := func() {
		for _, id := range layer1 {
			if err := nw.HealLinks(id); err != nil {
				t.Error(err)
			}
		}
	}
	for _, id := range layer1 {
		if err := nw.CutLinks(id, layer2...); err != nil {
			heal()
			t.Fatal(err)
		}
	}
	healed := false
	defer func() {
		if !healed {
			heal()
		}
	}()
	cutAt := time.Now()
	during := lc.sendDuringCut(t, cutAt, *linkCutFor, "the cut links")
	heal()
	healed = true
	healAt := time.Now()
	cut := healAt.Sub(cutAt)
	st := linkStats(t, nw, layer1)
	if st.Closed == before.Closed {
		t.Errorf("the cut closed no open connection (stats %+v)", st)
	}
	if st.Refused == before.Refused {
		t.Errorf("no layer-1 node tried to reconnect during the cut (stats %+v)", st)
	}
	t.Logf("TCP links %v -> %v cut for %v: %d connections closed, %d dials refused; none of the %d messages sent meanwhile arrived",
		layer1, layer2, cut.Round(time.Millisecond), st.Closed-before.Closed, st.Refused-before.Refused, len(during))

	first := time.Time{}
	deadline := time.NewTimer(hangBound)
	defer deadline.Stop()
	for lc.e.missing() > 0 {
		select {
		case m := <-lc.rx.got:
			lc.e.take(t, m)
			if first.IsZero() {
				first = time.Now()
			}
		case err := <-lc.rx.errc:
			t.Fatal(err)
		case err := <-lc.sent.errc:
			t.Fatalf("sender: %v", err)
		case <-deadline.C:
			t.Fatalf("%d of %d messages missing %v after the links healed", lc.e.missing(), len(lc.e.want), hangBound)
		}
	}
	firstAfter, allAfter := first.Sub(healAt), time.Since(healAt)
	after := linkStats(t, nw, layer1)
	t.Logf("healed: first message %v after, all %d %v after, once each, nothing restarted; %d new connections",
		firstAfter.Round(time.Millisecond), len(during), allAfter.Round(time.Millisecond), after.Dials-st.Dials)
	// A forwarder that failed k times waits Backoff.Delay(k) before its
	// next dial, so the first dial after the heal comes at most one wait
	// (the one running at the heal, at most the longest the cut reached)
	// later. Messages then need a retransmission at most; allow 15 s more
	// for that and the race detector.
	if bound := nextDialBound(cut) + 15*time.Second; firstAfter > bound {
		t.Errorf("the first message arrived %v after the heal; the backoff schedule explains at most %v", firstAfter, bound)
	}
}

// nextDialBound is the longest a forwarder that has been failing for cut
// can wait for its next dial: the backoff wait running when the cut ends.
func nextDialBound(cut time.Duration) time.Duration {
	var elapsed time.Duration
	for k := 1; ; k++ {
		w := wire.DefaultBackoff.Delay(k)
		if elapsed+w >= cut {
			return w
		}
		elapsed += w
	}
}

// linkStats adds up the link stats of the nodes ids.
func linkStats(t *testing.T, nw *network, ids []string) localnet.LinkStats {
	t.Helper()
	var sum localnet.LinkStats
	for _, id := range ids {
		st, err := nw.LinkStats(id)
		if err != nil {
			t.Fatal(err)
		}
		sum.Dials += st.Dials
		sum.Refused += st.Refused
		sum.Closed += st.Closed
	}
	return sum
}
