// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package cover

import (
	"slices"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/cover/covertest"
)

// The requirement: the times at which packets leave the client do
// not depend on whether real messages are queued.
//
// Method: Run is driven on a fake clock with default rates (real stream mean
// 20 ms, loop stream mean 200 ms) for 20,000 sends in each of three
// scenarios, each with its own seed: idle (nothing queued), saturated (a real
// packet always queued), and bursty (bursts of 1-100 packets arriving at
// random). The gaps between consecutive sends of the combined output are
// compared:
//   - pairwise with the two-sample KS test (idle vs saturated, idle vs
//     bursty), which must not reject at alpha = 0.01;
//   - each with the one-sample KS test against Exp(mean 200/11 ms), the gap
//     distribution of the superposition of the two Poisson streams, which
//     must not reject at alpha = 0.01.
//
// Power: a broken client that sends a real packet the moment it is queued
// (on top of the honest cover schedule) must be rejected by the same test.

const (
	statSends = 20_000
	alpha     = 0.01
)

var combinedMean = float64(time.Second/time.Millisecond) / (1000/20.0 + 1000/200.0) // ms

// bursty returns a queue that, at each real-stream tick, receives a burst
// of 1-100 packets with probability 1/100 (about half the ticks carry real packets).
func bursty(seed uint64) *queue {
	r := newRand(seed)
	return &queue{fill: func(q *queue) {
		if r.IntN(100) == 0 {
			q.push(1 + r.IntN(100))
		}
	}}
}

func saturated() *queue {
	return &queue{fill: func(q *queue) {
		if len(q.items) == 0 {
			q.push(1)
		}
	}}
}

func TestSendTimesIndependentOfTraffic(t *testing.T) {
	idle := gaps(drive(t, Config{}, 101, &queue{}, statSends))
	scenarios := map[string][]sent{
		"saturated": drive(t, Config{}, 102, saturated(), statSends),
		"bursty":    drive(t, Config{}, 103, bursty(9), statSends),
	}
	crit1 := covertest.KS1Crit(alpha, len(idle))
	if d := covertest.KSExp(idle, combinedMean); d > crit1 {
		t.Errorf("idle vs Exp(%.2f ms): D = %.4f > %.4f", combinedMean, d, crit1)
	} else {
		t.Logf("idle vs Exp(%.2f ms): D = %.4f, critical %.4f", combinedMean, d, crit1)
	}
	for name, sends := range scenarios {
		reals := 0
		for _, s := range sends {
			if s.kind == Real {
				reals++
			}
		}
		if reals < statSends/10 {
			t.Fatalf("%s: only %d real packets sent", name, reals)
		}
		g := gaps(sends)
		d1, d2 := covertest.KSExp(g, combinedMean), covertest.KS2(idle, g)
		crit2 := covertest.KS2Crit(alpha, len(idle), len(g))
		t.Logf("%s (%d real of %d): vs Exp D = %.4f (critical %.4f); vs idle D = %.4f (critical %.4f)",
			name, reals, len(sends), d1, crit1, d2, crit2)
		if d1 > crit1 {
			t.Errorf("%s: gaps not Exp(%.2f ms): D = %.4f > %.4f", name, combinedMean, d1, crit1)
		}
		if d2 > crit2 {
			t.Errorf("%s: gaps differ from idle: D = %.4f > %.4f", name, d2, crit2)
		}
	}
}

// TestSameSeedSameTimes: with the same seed the send times are identical
// whatever is queued; only the kinds differ.
func TestSameSeedSameTimes(t *testing.T) {
	const n = 2000
	idle := drive(t, Config{DropMean: time.Second}, 5, &queue{}, n)
	busy := drive(t, Config{DropMean: time.Second}, 5, bursty(1), n)
	reals := 0
	for i := range idle {
		if !idle[i].at.Equal(busy[i].at) {
			t.Fatalf("send %d: idle at %v, busy at %v", i, idle[i].at, busy[i].at)
		}
		if busy[i].kind == Real {
			reals++
		}
	}
	if reals == 0 {
		t.Fatal("no real packets in the busy run")
	}
}

// brokenGaps simulates a leaky client: the honest cover schedule (the idle
// times in cover) plus real packets sent the moment they are queued, in
// bursts of 1-100 arriving as a Poisson process with mean gap 1 s.
func brokenGaps(cover []sent, seed uint64) []float64 {
	r := newRand(seed)
	times := make([]time.Time, 0, len(cover)*2)
	for _, s := range cover {
		times = append(times, s.at)
	}
	end := cover[len(cover)-1].at
	for at := t0.Add(Exp(r, time.Second)); at.Before(end); at = at.Add(Exp(r, time.Second)) {
		for range 1 + r.IntN(100) {
			times = append(times, at)
		}
	}
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	g := make([]float64, 0, len(times))
	for i := 1; i < len(times); i++ {
		g = append(g, float64(times[i].Sub(times[i-1]))/float64(time.Millisecond))
	}
	return g
}

// TestKSDetectsLeakyScheduler shows the test above has power: the same
// statistics reject a scheduler whose timing depends on the queue.
func TestKSDetectsLeakyScheduler(t *testing.T) {
	idle := gaps(drive(t, Config{}, 101, &queue{}, statSends))
	broken := brokenGaps(drive(t, Config{}, 104, &queue{}, statSends), 11)
	d2, crit2 := covertest.KS2(idle, broken), covertest.KS2Crit(alpha, len(idle), len(broken))
	d1, crit1 := covertest.KSExp(broken, combinedMean), covertest.KS1Crit(alpha, len(broken))
	t.Logf("leaky: vs idle D = %.4f (critical %.4f); vs Exp D = %.4f (critical %.4f)", d2, crit2, d1, crit1)
	if d2 <= crit2 || d1 <= crit1 {
		t.Fatalf("leaky scheduler not detected: D2 = %.4f (crit %.4f), D1 = %.4f (crit %.4f)", d2, crit2, d1, crit1)
	}
}

// TestKSDetectsSubtleLeak: a scheduler whose real stream ticks twice as fast
// while packets are queued (a milder leak) is also rejected.
func TestKSDetectsSubtleLeak(t *testing.T) {
	idle := gaps(drive(t, Config{}, 101, &queue{}, statSends))
	// Saturated client whose real stream runs at mean 10 ms.
	fast := gaps(drive(t, Config{RealMean: 10 * time.Millisecond}, 105, saturated(), statSends))
	d2, crit2 := covertest.KS2(idle, fast), covertest.KS2Crit(alpha, len(idle), len(fast))
	t.Logf("fast-when-busy: vs idle D = %.4f (critical %.4f)", d2, crit2)
	if d2 <= crit2 {
		t.Fatalf("rate leak not detected: D = %.4f <= %.4f", d2, crit2)
	}
}
