// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package monitor

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func TestPacing(t *testing.T) {
	c := Config{Interval: 60 * time.Second, SendGap: 20 * time.Millisecond, SendFraction: 0.5}
	tests := []struct {
		name         string
		cfg          Config
		n1, n2       int
		mean, l1, l2 time.Duration
	}{
		// 100 packets × 20 ms fit in 30 s: the configured gap.
		{"gap fits", c, 20, 80, 20 * time.Millisecond, 6 * time.Second, 24 * time.Second},
		// 3000 packets need a 10 ms gap to fit in 30 s.
		{"gap shrinks", c, 1000, 2000, 10 * time.Millisecond, 10 * time.Second, 20 * time.Second},
		{"no gap", Config{Interval: time.Minute, SendGap: NoSendGap, SendFraction: 0.5}, 10, 10, 0, 0, 0},
		{"no packets", c, 0, 0, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mean, l1, l2 := tt.cfg.pacing(tt.n1, tt.n2)
			if mean != tt.mean || l1 != tt.l1 || l2 != tt.l2 {
				t.Fatalf("pacing(%d, %d) = %v %v %v, want %v %v %v", tt.n1, tt.n2, mean, l1, l2, tt.mean, tt.l1, tt.l2)
			}
		})
	}
}

func TestGaps(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	// Unconstrained: exponential with the mean (sample mean within 5 %
	// over 20,000 draws; the standard error is 0.7 %).
	const n, mean = 20_000, 10 * time.Millisecond
	g := gaps(r, n, mean, time.Hour)
	var sum time.Duration
	under := 0
	for _, d := range g {
		if d < 0 {
			t.Fatalf("negative gap %v", d)
		}
		sum += d
		if d < mean {
			under++
		}
	}
	if avg := sum / n; avg < mean*95/100 || avg > mean*105/100 {
		t.Errorf("mean gap %v, want about %v", avg, mean)
	}
	// P(X < mean) = 1 − 1/e ≈ 0.632 for an exponential.
	if f := float64(under) / n; f < 0.61 || f > 0.65 {
		t.Errorf("%.3f of the gaps under the mean, want about 0.632", f)
	}
	// Constrained: scaled down to fit the limit.
	g = gaps(r, 100, time.Second, 10*time.Second)
	sum = 0
	for _, d := range g {
		sum += d
	}
	if sum > 10*time.Second || sum < 9*time.Second {
		t.Errorf("100 gaps of mean 1 s limited to 10 s add up to %v", sum)
	}
	for _, d := range gaps(r, 5, 0, time.Second) {
		if d != 0 {
			t.Fatalf("mean 0 gave a gap %v", d)
		}
	}
}

func TestSendOrder(t *testing.T) {
	got := sendOrder(rand.New(rand.NewPCG(1, 1)), 4, 3)
	count := map[int]int{}
	for _, k := range got {
		count[k]++
	}
	if len(got) != 12 || len(count) != 4 || count[0] != 3 || count[3] != 3 {
		t.Fatalf("sendOrder(4, 3) = %v", got)
	}
	sorted := true
	for i := 1; i < len(got); i++ {
		sorted = sorted && got[i-1] <= got[i]
	}
	if sorted {
		t.Errorf("sendOrder did not shuffle: %v", got)
	}
}

func TestConfigSendFraction(t *testing.T) {
	base := Config{DirectoryURL: "http://x", HistoryFile: "h"}
	c, err := base.WithDefaults()
	if err != nil || c.SendFraction != DefaultSendFraction || c.SendGap != DefaultSendGap {
		t.Fatalf("defaults: %+v %v", c, err)
	}
	for _, f := range []float64{-0.1, 1.5} {
		b := base
		b.SendFraction = f
		if _, err := b.WithDefaults(); err == nil || !strings.Contains(err.Error(), "send_fraction") {
			t.Errorf("send_fraction %v: %v", f, err)
		}
	}
}
