// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package monitor_test

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/monitor"
)

// fakeMonitor builds a monitor of the fake network n on its fake clock.
func fakeMonitor(t *testing.T, n *fakeNet, cfg monitor.Config, seed uint64) *monitor.Monitor {
	t.Helper()
	cfg.DirectoryURL = "http://127.0.0.1:1"
	cfg.HistoryFile = filepath.Join(t.TempDir(), "history.json")
	cfg.HopDelay = monitor.NoHopDelay
	m, err := monitor.New(cfg, monitor.Deps{
		Identity: key(1), ClientSeed: make([]byte, 32), Directory: n, Dial: n.dial,
		Clock: n.clock, Rand: rand.New(rand.NewPCG(seed, 2)), CryptoRand: rand.NewChaCha8([32]byte{byte(seed)}),
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// runOnce runs one run on n's fake clock, moving the clock whenever the
// monitor waits.
func runOnce(t *testing.T, n *fakeNet, m *monitor.Monitor) (*monitor.Result, error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	var res *monitor.Result
	var err error
	go func() {
		defer close(done)
		res, err = m.RunOnce(ctx)
	}()
	n.drive(t, done, 20*time.Second)
	cancel() // only if drive gave up
	<-done
	return res, err
}

// pacedConfig: 2 mixes per layer and 2 gateways make 8 nodes; 3 candidate
// routes (2 + 1 extra) × 5 and 8 nodes × 5 are 15 + 40 = 55 packets. Half
// the 10 s interval is 5 s, under 55 × 100 ms, so the mean gap is 5 s / 55.
var pacedConfig = monitor.Config{Interval: 10 * time.Second, PacketsPerNode: 5, RoutePackets: 5, ExtraRoutes: 1,
	WaitTimeout: 2 * time.Second, SendGap: 100 * time.Millisecond, SendFraction: 0.5}

const pacedPackets = 55

// A run's test packets are spread over at most SendFraction of the
// interval with exponential gaps, not sent in a burst, and the run still
// scores every node of a healthy network 100.
func TestRunSendsPaced(t *testing.T) {
	leaktest.Check(t)
	n := newFakeNet(t, 2, 2)
	m := fakeMonitor(t, n, pacedConfig, 1)
	defer m.Close()
	start := n.clock.Now()
	res, err := runOnce(t, n, m)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Nodes) != 8 {
		t.Fatalf("tested %d nodes, want 8", len(res.Nodes))
	}
	for k, c := range res.Nodes {
		if c.Sent != 5 || c.Received != 5 {
			t.Errorf("node %s: %+v, want 5/5", k, c)
		}
	}
	sends := n.sendTimes()
	if len(sends) != pacedPackets {
		t.Fatalf("%d packets sent, want %d", len(sends), pacedPackets)
	}
	if got := len(slices.Compact(slices.Clone(sends))); got != pacedPackets {
		t.Errorf("packets sent at %d distinct instants, want %d (one each)", got, pacedPackets)
	}
	span := sends[len(sends)-1].Sub(start)
	budget := time.Duration(pacedConfig.SendFraction * float64(pacedConfig.Interval))
	if span > budget || span < budget/2 {
		t.Errorf("sending took %v, want at most %v and (with exponential gaps of mean %v) more than half of it",
			span, budget, budget/pacedPackets)
	}
	// The gaps look exponential: the largest is several times the mean,
	// and many are well under it.
	var maxGap time.Duration
	short := 0
	mean := budget / pacedPackets
	for i := 1; i < len(sends); i++ {
		g := sends[i].Sub(sends[i-1])
		maxGap = max(maxGap, g)
		if g < mean/2 {
			short++
		}
	}
	if maxGap < 2*mean || short < pacedPackets/5 {
		t.Errorf("gaps do not look exponential: max %v, %d under half the mean %v", maxGap, short, mean)
	}
	// Nothing was lost, so the run ends at its last send.
	if !res.Time.Equal(sends[len(sends)-1]) {
		t.Errorf("run ended at %v, last send at %v", res.Time.Sub(start), span)
	}
}

// With NoSendGap each phase goes out in one burst (what the test above
// rules out), so the measure is meaningful.
func TestRunNoSendGapBursts(t *testing.T) {
	leaktest.Check(t)
	n := newFakeNet(t, 2, 2)
	cfg := pacedConfig
	cfg.SendGap = monitor.NoSendGap
	m := fakeMonitor(t, n, cfg, 1)
	defer m.Close()
	start := n.clock.Now()
	if _, err := runOnce(t, n, m); err != nil {
		t.Fatal(err)
	}
	sends := n.sendTimes()
	if len(sends) != pacedPackets || sends[0] != start || sends[len(sends)-1] != start {
		t.Fatalf("%d sends from %v to %v, want %d all at the start", len(sends), sends[0].Sub(start),
			sends[len(sends)-1].Sub(start), pacedPackets)
	}
}

// Pacing keeps the wait right: a phase waits WaitTimeout after its last
// send (not after its first), so a node whose packets are lost scores 0
// and every other node 100.
func TestRunPacedWaitsAfterLastSend(t *testing.T) {
	leaktest.Check(t)
	n := newFakeNet(t, 2, 2)
	dead := n.mixKeys[1][0]
	n.kill(dead)
	m := fakeMonitor(t, n, pacedConfig, 3)
	defer m.Close()
	res, err := runOnce(t, n, m)
	if err != nil {
		t.Fatal(err)
	}
	for k, c := range res.Nodes {
		want := uint64(5)
		if k == dead {
			want = 0
		}
		if c.Sent != 5 || c.Received != want {
			t.Errorf("node %s: %+v, want %d/5", k, c, want)
		}
	}
	sends := n.sendTimes()
	if got, want := res.Time.Sub(sends[len(sends)-1]), pacedConfig.WaitTimeout; got != want {
		t.Errorf("run ended %v after its last send, want WaitTimeout %v", got, want)
	}
}

// History may be called from any goroutine while Run appends runs (run
// with -race).
func TestHistoryDuringRun(t *testing.T) {
	leaktest.Check(t)
	n := newFakeNet(t, 1, 1)
	cfg := pacedConfig
	cfg.Interval = time.Second
	m := fakeMonitor(t, n, cfg, 4)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	runDone := make(chan struct{})
	go func() {
		defer close(runDone)
		m.Run(ctx)
	}()
	readerDone := make(chan int)
	go func() {
		seen := 0
		for ctx.Err() == nil {
			h := m.History()
			if len(h.Runs) < seen {
				t.Errorf("History went from %d runs to %d", seen, len(h.Runs))
			}
			seen = len(h.Runs)
			for _, r := range h.Runs {
				for _, c := range r.Nodes {
					if c.Received > c.Sent {
						t.Errorf("run %d: %+v", r.ID, c)
					}
				}
			}
			if seen >= 3 {
				cancel()
			}
			runtime.Gosched()
		}
		readerDone <- seen
	}()
	n.drive(t, runDone, 20*time.Second)
	cancel() // only if drive gave up
	<-runDone
	if seen := <-readerDone; seen < 3 {
		t.Fatalf("History saw %d runs, want 3", seen)
	}
	h := m.History()
	for i, r := range h.Runs {
		for k, c := range r.Nodes {
			if c.Sent != 5 || c.Received != 5 {
				t.Errorf("run %d node %s: %+v", i, k, c)
			}
		}
	}
}
