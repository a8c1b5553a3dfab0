// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package delayq_test

import (
	mathrand "math/rand"
	"math/rand/v2"
	"slices"
	"testing"
	"testing/quick"
	"time"

	"github.com/nym-go/nym/internal/delayq"
)

var epoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func at(ms int) time.Time { return epoch.Add(time.Duration(ms) * time.Millisecond) }

func TestQueueOrderAndTies(t *testing.T) {
	var q delayq.Queue[string] // the zero value is usable and unbounded
	for _, p := range []struct {
		ms int
		v  string
	}{{30, "c"}, {10, "a1"}, {20, "b"}, {10, "a2"}, {0, "z"}, {10, "a3"}} {
		if !q.Push(at(p.ms), p.v) {
			t.Fatalf("Push(%s) refused by an unbounded queue", p.v)
		}
	}
	if next, ok := q.Next(); !ok || !next.Equal(at(0)) {
		t.Fatalf("Next = %v, %v; want %v", next, ok, at(0))
	}
	if got := q.PopDue(epoch.Add(-time.Nanosecond), nil); len(got) != 0 {
		t.Fatalf("PopDue before the first release time returned %v", got)
	}
	got := q.PopDue(at(10), nil)
	if want := []string{"z", "a1", "a2", "a3"}; !slices.Equal(got, want) {
		t.Fatalf("PopDue(10ms) = %v, want %v (release order, FIFO on ties)", got, want)
	}
	if q.Len() != 2 {
		t.Fatalf("Len = %d, want 2", q.Len())
	}
	got = q.Drain(got[:0])
	if want := []string{"b", "c"}; !slices.Equal(got, want) {
		t.Fatalf("Drain = %v, want %v", got, want)
	}
	if _, ok := q.Next(); ok || q.Len() != 0 {
		t.Fatal("queue not empty after Drain")
	}
}

func TestQueueLimitDropsNewest(t *testing.T) {
	q := delayq.NewQueue[int](2)
	if q.Limit() != 2 {
		t.Fatalf("Limit = %d", q.Limit())
	}
	q.Push(at(50), 1)
	q.Push(at(40), 2)
	if q.Push(at(0), 3) {
		t.Fatal("Push beyond the limit accepted, even with the earliest release time")
	}
	if got := q.Drain(nil); !slices.Equal(got, []int{2, 1}) {
		t.Fatalf("queue holds %v, want [2 1]: a full queue must refuse the newest", got)
	}
	if !q.Push(at(0), 3) {
		t.Fatal("Push refused after the queue was drained")
	}
}

// naive is the obviously correct model: a slice kept sorted by release time,
// inserting after equal times.
type naive struct {
	items []naiveItem
	limit int
}

type naiveItem struct {
	at time.Time
	v  int
}

func (n *naive) push(at time.Time, v int) bool {
	if n.limit > 0 && len(n.items) >= n.limit {
		return false
	}
	i := len(n.items)
	for i > 0 && n.items[i-1].at.After(at) {
		i--
	}
	n.items = slices.Insert(n.items, i, naiveItem{at, v})
	return true
}

func (n *naive) popDue(now time.Time) []int {
	var out []int
	for len(n.items) > 0 && !n.items[0].at.After(now) {
		out = append(out, n.items[0].v)
		n.items = n.items[1:]
	}
	return out
}

// TestQueueMatchesNaive runs random operation sequences (with many equal
// release times) against the heap and the sorted-slice model.
func TestQueueMatchesNaive(t *testing.T) {
	check := func(seed uint64, limit uint8) bool {
		rng := rand.New(rand.NewPCG(seed, 0x64656c6179))
		q := delayq.NewQueue[int](int(limit % 40))
		model := &naive{limit: int(limit % 40)}
		now := 0
		for op := range 500 {
			switch r := rng.IntN(10); {
			case r < 6:
				release := at(now + rng.IntN(50) - 5) // some already due, many ties
				if q.Push(release, op) != model.push(release, op) {
					t.Logf("seed %d: Push disagreed at op %d", seed, op)
					return false
				}
			case r < 9:
				now += rng.IntN(20)
				got, want := q.PopDue(at(now), nil), model.popDue(at(now))
				if !slices.Equal(got, want) {
					t.Logf("seed %d op %d: PopDue = %v, model %v", seed, op, got, want)
					return false
				}
			default:
				next, ok := q.Next()
				if ok != (len(model.items) > 0) || (ok && !next.Equal(model.items[0].at)) {
					t.Logf("seed %d op %d: Next = %v %v", seed, op, next, ok)
					return false
				}
			}
			if q.Len() != len(model.items) {
				t.Logf("seed %d op %d: Len = %d, model %d", seed, op, q.Len(), len(model.items))
				return false
			}
		}
		var rest []int
		for _, it := range model.items {
			rest = append(rest, it.v)
		}
		return slices.Equal(q.Drain(nil), rest)
	}
	cfg := &quick.Config{MaxCount: 300, Rand: mathrand.New(mathrand.NewSource(1))}
	if err := quick.Check(check, cfg); err != nil {
		t.Fatal(err)
	}
}
