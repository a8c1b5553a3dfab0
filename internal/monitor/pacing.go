// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package monitor

import (
	"context"
	"math/rand/v2"
	"time"
)

// Pacing of test packets. Sending a run's packets in one burst at its start
// would let a mix tell the monitor's traffic from clients' (a burst of
// PacketsPerNode × nodes packets every Interval) and treat it better. So
// each phase sends its packets one by one with exponential gaps (a Poisson
// stream, as a client's), in a shuffled order, and the whole run's sending
// takes at most Config.SendFraction of the Interval:
//
//	mean gap  g = min(SendGap, SendFraction × Interval / (n1 + n2))
//	limit     L_i = SendFraction × Interval × n_i / (n1 + n2)
//
// where n1 and n2 are the packets of the two phases. Phase i draws n_i
// gaps of mean g (one before each packet) and, if they add up to more
// than L_i, scales them all down to fit. The wait after a phase starts at
// its last send, and every packet's due time is taken when it is sent, so
// pacing does not shorten any packet's wait.

// pacing returns the mean gap between test packets and each phase's limit
// on the sum of its gaps, for n1 packets in phase 1 and n2 in phase 2.
// A zero mean means no pacing.
func (c Config) pacing(n1, n2 int) (mean, limit1, limit2 time.Duration) {
	n := n1 + n2
	if c.SendGap <= 0 || n <= 0 {
		return 0, 0, 0
	}
	budget := c.SendFraction * float64(c.Interval)
	mean = min(c.SendGap, time.Duration(budget/float64(n)))
	limit1 = time.Duration(budget * float64(n1) / float64(n))
	limit2 = time.Duration(budget * float64(n2) / float64(n))
	return mean, limit1, limit2
}

// gaps draws the gaps before each of n sends: exponential with the given
// mean, scaled down together if their sum exceeds limit. A mean ≤ 0 gives
// all zero gaps.
func gaps(r *rand.Rand, n int, mean, limit time.Duration) []time.Duration {
	out := make([]time.Duration, n)
	if mean <= 0 {
		return out
	}
	f := make([]float64, n)
	var sum float64
	for i := range f {
		f[i] = r.ExpFloat64() * float64(mean)
		sum += f[i]
	}
	scale := 1.0
	if sum > float64(limit) {
		scale = float64(limit) / sum
	}
	for i := range f {
		out[i] = time.Duration(f[i] * scale)
	}
	return out
}

// sendPaced calls send(k) for k in order, pausing gaps[k] on the clock
// before each. It stops early, and returns false, when ctx ends.
func (m *Monitor) sendPaced(ctx context.Context, order []int, gaps []time.Duration, send func(k int)) bool {
	for i, k := range order {
		if d := gaps[i]; d > 0 {
			t := m.deps.Clock.NewTimer(d)
			select {
			case <-ctx.Done():
				t.Stop()
				return false
			case <-t.C():
			}
		} else if ctx.Err() != nil {
			return false
		}
		send(k)
	}
	return true
}

// sendOrder returns each of 0..n-1 repeated times, shuffled with r.
func sendOrder(r *rand.Rand, n, times int) []int {
	out := make([]int, 0, n*times)
	for k := range n {
		for range times {
			out = append(out, k)
		}
	}
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}
