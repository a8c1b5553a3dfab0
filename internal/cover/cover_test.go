// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package cover

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/clock/clocktest"
	"github.com/nym-go/nym/internal/leaktest"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x5eed)) }

// queue is a Source of ints that the test fills.
type queue struct {
	mu    sync.Mutex
	items []int
	next  int
	fill  func(q *queue) // called at each NextReal, before popping; nil = none
}

func (q *queue) push(n int) {
	for range n {
		q.items = append(q.items, q.next)
		q.next++
	}
}

func (q *queue) NextReal() (int, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.fill != nil {
		q.fill(q)
	}
	if len(q.items) == 0 {
		return 0, false
	}
	p := q.items[0]
	q.items = q.items[1:]
	return p, true
}

type sent struct {
	at   time.Time
	kind Kind
	p    int
}

// recorder is a Sink that records what was sent and when.
type recorder struct {
	mu    sync.Mutex
	clk   *clocktest.Fake
	sends []sent
}

func (r *recorder) Send(k Kind, p int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sends = append(r.sends, sent{r.clk.Now(), k, p})
}

func (r *recorder) snapshot() []sent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.sends)
}

// drive runs Run on a fake clock, stepping from deadline to deadline until
// at least n packets have been sent, and returns the sends.
func drive(t *testing.T, cfg Config, seed uint64, src Source[int], n int) []sent {
	t.Helper()
	leaktest.Check(t)
	clk := clocktest.NewFake(t0)
	s, err := NewScheduler[int](cfg, newRand(seed), clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{clk: clk}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, clk, s, src, Sink[int](rec)) }()
	wctx, wcancel := context.WithTimeout(context.Background(), time.Minute)
	defer wcancel()
	for {
		if err := clk.WaitForTimers(wctx, 1); err != nil {
			t.Fatal(err)
		}
		rec.mu.Lock()
		got := len(rec.sends)
		rec.mu.Unlock()
		if got >= n {
			break
		}
		clk.Set(clk.Deadlines()[0])
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v", err)
	}
	return rec.snapshot()[:n]
}

// gaps returns the inter-send times in milliseconds.
func gaps(s []sent) []float64 {
	g := make([]float64, 0, len(s))
	for i := 1; i < len(s); i++ {
		g = append(g, float64(s[i].at.Sub(s[i-1].at))/float64(time.Millisecond))
	}
	return g
}

func TestExpAndDelays(t *testing.T) {
	r := newRand(1)
	const n = 50_000
	var sum float64
	for range n {
		sum += float64(Stream{Mean: 50 * time.Millisecond, Rand: r}.Next())
	}
	if mean := sum / n / float64(time.Millisecond); math.Abs(mean-50) > 1.5 {
		t.Errorf("mean %.2f ms, want 50", mean)
	}
	d := Delays(r, DefaultHopDelay, 3)
	if len(d) != 3 || d[0] == d[1] {
		t.Errorf("Delays = %v", d)
	}
	if len(Delays(r, time.Second, -1)) != 0 || Exp(r, 0) != 0 || Exp(r, -1) != 0 {
		t.Error("degenerate inputs")
	}
	if Exp(r, time.Duration(math.MaxInt64)) < 0 {
		t.Error("overflow")
	}
}

func TestKinds(t *testing.T) {
	q := &queue{}
	q.push(3)
	sends := drive(t, Config{DropMean: 100 * time.Millisecond}, 7, q, 400)
	count := map[Kind]int{}
	var reals []int
	for _, s := range sends {
		count[s.kind]++
		if s.kind == Real {
			reals = append(reals, s.p)
		}
	}
	if !slices.Equal(reals, []int{0, 1, 2}) || count[Loop] == 0 || count[Drop] == 0 {
		t.Fatalf("counts %v, reals %v", count, reals)
	}
	// Rates: real stream 50/s, loop 5/s, drop 10/s → loop share 55/65.
	if f := float64(count[Drop]) / float64(len(sends)); f < 0.08 || f > 0.23 {
		t.Errorf("drop share %.3f, want ≈ 0.154", f)
	}
	for _, k := range []Kind{Real, Loop, Drop, 9} {
		if k.String() == "" {
			t.Error("empty kind name")
		}
	}
}

func TestConfigErrors(t *testing.T) {
	if _, err := NewScheduler[int](Config{RealMean: -1}, newRand(1), t0); err == nil {
		t.Error("disabled real stream accepted")
	}
	if _, err := NewScheduler[int](Config{}, nil, t0); err == nil {
		t.Error("nil rand accepted")
	}
	s, _ := NewScheduler[int](Config{LoopMean: -1}, newRand(1), t0)
	for _, snd := range s.Tick(t0.Add(10*time.Second), nil) {
		if snd.Kind != Loop {
			t.Fatalf("kind %v", snd.Kind)
		}
	}
}

// TestMaxLag: a tick handled long after its deadline does not make the
// scheduler burst to catch up.
func TestMaxLag(t *testing.T) {
	s, _ := NewScheduler[int](Config{}, newRand(3), t0)
	first := s.Tick(t0.Add(time.Hour), nil)
	if len(first) > 3 {
		t.Fatalf("%d sends after a one-hour stall", len(first))
	}
	if !s.NextDeadline().After(t0.Add(time.Hour)) {
		t.Fatalf("next deadline %v not after now", s.NextDeadline())
	}
}
