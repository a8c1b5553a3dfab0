// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package ack

import (
	"slices"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/clock/clocktest"
	"github.com/nym-go/nym/internal/fragment"
)

// TestRetryBackoff drives one fragment through its retries on a fake
// clock: each wait is the first (1.5 × rtt + margin) times 1.5^n, until the
// cap; a fragment is never due before its wait.
func TestRetryBackoff(t *testing.T) {
	clk := clocktest.NewFake(t0)
	tb := newTable(t, Config{Margin: time.Second, MaxTries: 12, MaxWait: 10 * time.Second})
	must(t, tb.Track(1, "a", 1))
	rtt := 2 * time.Second // first wait 1.5×2 s + 1 s = 4 s
	must(t, tb.Add(id(1, 0), clk.Now(), rtt))
	want := []time.Duration{4 * time.Second, 6 * time.Second, 9 * time.Second, 10 * time.Second, 10 * time.Second}
	for n, w := range want {
		sent := clk.Now()
		clk.Advance(w - time.Millisecond)
		if got := tb.Due(clk.Now()); len(got) != 0 {
			t.Fatalf("send %d: due after %v, want %v", n, clk.Now().Sub(sent), w)
		}
		clk.Advance(time.Millisecond)
		if got := tb.Due(clk.Now()); !slices.Equal(got, []fragment.ID{id(1, 0)}) {
			t.Fatalf("send %d: not due after %v", n, w)
		}
		must(t, tb.Retry(id(1, 0), clk.Now(), rtt))
	}
}

func TestRetryTimeoutFormula(t *testing.T) {
	c, _ := Config{Margin: 300 * time.Millisecond}.withDefaults()
	for _, tt := range []struct {
		rtt   time.Duration
		retry int
		want  time.Duration
	}{
		{0, 0, 300 * time.Millisecond},
		{0, 1, 450 * time.Millisecond},
		{0, 2, 675 * time.Millisecond},
		{time.Second, 1, 2700 * time.Millisecond},  // (1.5 + 0.3) × 1.5
		{0, 100, 30 * time.Second},                 // capped
		{0, 1 << 30, 30 * time.Second},             // no overflow
		{time.Minute, 3, 90300 * time.Millisecond}, // the first wait is above the cap: no growth
	} {
		if got := c.RetryTimeout(t0, tt.rtt, tt.retry).Sub(t0); got != tt.want {
			t.Errorf("rtt %v retry %d: wait %v, want %v", tt.rtt, tt.retry, got, tt.want)
		}
	}
	none, _ := Config{Backoff: 1}.withDefaults()
	if got := none.RetryTimeout(t0, 0, 5).Sub(t0); got != 1500*time.Millisecond {
		t.Fatalf("Backoff 1: wait %v", got)
	}
	for _, b := range []float64{0.5, -1} {
		if _, err := New[int](Config{Backoff: b}); err == nil {
			t.Fatalf("Backoff %v accepted", b)
		}
	}
}
