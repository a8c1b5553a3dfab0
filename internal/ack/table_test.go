// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package ack

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/fragment"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func newTable(t *testing.T, cfg Config) *Table[string] {
	t.Helper()
	tb, err := New[string](cfg)
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func id(m uint64, i uint32) fragment.ID { return fragment.ID{Message: m, Index: i} }

func TestTimeoutFormula(t *testing.T) {
	c, _ := Config{}.withDefaults()
	if got, want := c.Timeout(t0, time.Second), t0.Add(3*time.Second); !got.Equal(want) {
		t.Fatalf("Timeout = %v, want %v", got, want)
	}
}

func TestDueAndRetry(t *testing.T) {
	tb := newTable(t, Config{Backoff: 1})
	must(t, tb.Track(1, "a", 2))
	must(t, tb.Add(id(1, 0), t0, time.Second))                    // due t0+3s
	must(t, tb.Add(id(1, 1), t0.Add(time.Second), 2*time.Second)) // due t0+5.5s
	if got := tb.Due(t0.Add(2999 * time.Millisecond)); len(got) != 0 {
		t.Fatalf("early Due = %v", got)
	}
	if d, ok := tb.NextDeadline(); !ok || !d.Equal(t0.Add(3*time.Second)) {
		t.Fatalf("NextDeadline = %v, %v", d, ok)
	}
	if got := tb.Due(t0.Add(3 * time.Second)); !slices.Equal(got, []fragment.ID{id(1, 0)}) {
		t.Fatalf("Due = %v", got)
	}
	if got := tb.Due(t0.Add(4 * time.Second)); len(got) != 0 {
		t.Fatalf("returned twice: %v", got)
	}
	if err := tb.Retry(id(1, 1), t0, time.Second); !errors.Is(err, ErrNotPending) {
		t.Fatalf("Retry of in-flight fragment: %v", err)
	}
	must(t, tb.Retry(id(1, 0), t0.Add(4*time.Second), time.Second)) // due t0+7s
	if got := tb.Due(t0.Add(7 * time.Second)); !slices.Equal(got, []fragment.ID{id(1, 1), id(1, 0)}) {
		t.Fatalf("Due = %v, want earliest first", got)
	}
	if tb.InFlight() != 0 {
		t.Fatalf("in flight %d", tb.InFlight())
	}
}

func TestAckDoneIdempotent(t *testing.T) {
	tb := newTable(t, Config{})
	must(t, tb.Track(7, "msg7", 3))
	for i := range uint32(3) {
		must(t, tb.Add(id(7, i), t0, time.Second))
	}
	if !tb.Ack(id(7, 1)) || tb.Ack(id(7, 1)) {
		t.Fatal("first ack not true, or repeated ack true")
	}
	if tb.Ack(id(7, 9)) || tb.Ack(id(8, 0)) {
		t.Fatal("unknown ack accepted")
	}
	// A late ack of a fragment already returned by Due still counts.
	if got := tb.Due(t0.Add(time.Hour)); len(got) != 2 {
		t.Fatalf("Due = %v", got)
	}
	if !tb.Ack(id(7, 0)) {
		t.Fatal("late ack refused")
	}
	if ev := tb.Events(); len(ev) != 0 {
		t.Fatalf("early events %v", ev)
	}
	if !tb.Ack(id(7, 2)) {
		t.Fatal("ack refused")
	}
	ev := tb.Events()
	if len(ev) != 1 || ev[0].Kind != Done || ev[0].Message != 7 || ev[0].Handle != "msg7" {
		t.Fatalf("events %+v", ev)
	}
	if tb.Messages() != 0 || tb.InFlight() != 0 || tb.reserved != 0 || tb.Ack(id(7, 2)) {
		t.Fatal("message not forgotten")
	}
	if err := tb.Retry(id(7, 0), t0, 0); !errors.Is(err, ErrUnknown) {
		t.Fatalf("Retry after done: %v", err)
	}
}

func TestMaxTriesFails(t *testing.T) {
	tb := newTable(t, Config{MaxTries: 3, Margin: time.Second, Backoff: 1})
	must(t, tb.Track(5, "five", 2))
	must(t, tb.Track(6, "six", 1))
	must(t, tb.Add(id(5, 0), t0, 0))
	must(t, tb.Add(id(5, 1), t0, time.Hour))
	must(t, tb.Add(id(6, 0), t0, 0))
	now := t0
	for try := 1; try < 3; try++ {
		now = now.Add(time.Second)
		got := tb.Due(now)
		if len(got) != 2 {
			t.Fatalf("try %d: Due = %v", try, got)
		}
		for _, f := range got {
			must(t, tb.Retry(f, now, 0))
		}
	}
	tb.Ack(id(6, 0))
	now = now.Add(time.Second)
	if got := tb.Due(now); len(got) != 0 {
		t.Fatalf("Due after max tries = %v", got)
	}
	var failed, done []string
	for _, e := range tb.Events() {
		switch e.Kind {
		case Failed:
			failed = append(failed, e.Handle)
			if e.Message != 5 || e.Err == nil {
				t.Fatalf("failed event %+v", e)
			}
		case Done:
			done = append(done, e.Handle)
		}
	}
	if !slices.Equal(failed, []string{"five"}) || !slices.Equal(done, []string{"six"}) {
		t.Fatalf("failed %v, done %v", failed, done)
	}
	if tb.Messages() != 0 || tb.InFlight() != 0 {
		t.Fatalf("left: %d messages, %d in flight", tb.Messages(), tb.InFlight())
	}
}

func TestBoundsAndErrors(t *testing.T) {
	tb := newTable(t, Config{MaxFragments: 10})
	must(t, tb.Track(1, "a", 6))
	if err := tb.Track(2, "b", 5); !errors.Is(err, ErrFull) {
		t.Fatalf("over MaxFragments: %v", err)
	}
	must(t, tb.Track(2, "b", 4))
	if err := tb.Track(1, "a", 1); !errors.Is(err, ErrExists) {
		t.Fatalf("re-track: %v", err)
	}
	if err := tb.Track(3, "c", 0); err == nil {
		t.Fatal("zero fragments accepted")
	}
	if err := tb.Add(id(1, 6), t0, 0); !errors.Is(err, ErrUnknown) {
		t.Fatalf("index out of range: %v", err)
	}
	if err := tb.Add(id(9, 0), t0, 0); !errors.Is(err, ErrUnknown) {
		t.Fatalf("untracked: %v", err)
	}
	must(t, tb.Add(id(1, 0), t0, 0))
	if err := tb.Add(id(1, 0), t0, 0); !errors.Is(err, ErrExists) {
		t.Fatalf("double add: %v", err)
	}
	if !tb.Forget(1) || tb.Forget(1) || tb.InFlight() != 0 {
		t.Fatal("Forget")
	}
	must(t, tb.Track(3, "c", 6)) // room again
	if len(tb.Events()) != 0 {
		t.Fatal("Forget emitted an event")
	}
	if _, err := New[int](Config{MaxTries: -1}); err == nil {
		t.Fatal("negative MaxTries accepted")
	}
}

// TestHeapManyFragments checks ordering through the heap with many
// fragments, acks removing arbitrary entries.
func TestHeapManyFragments(t *testing.T) {
	tb := newTable(t, Config{Margin: time.Millisecond})
	const n = 2000
	must(t, tb.Track(1, "big", n))
	for i := range uint32(n) {
		must(t, tb.Add(id(1, i), t0, time.Duration((i*7919)%n)*time.Millisecond))
	}
	for i := uint32(0); i < n; i += 3 {
		tb.Ack(id(1, i))
	}
	got := tb.Due(t0.Add(time.Hour))
	if len(got) != n-(n+2)/3 {
		t.Fatalf("%d due", len(got))
	}
	var last time.Duration
	for _, f := range got {
		d := time.Duration((f.Index*7919)%n) * time.Millisecond
		if d < last || f.Index%3 == 0 {
			t.Fatalf("out of order or acked: %v", f)
		}
		last = d
	}
}
