// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package monitor

import (
	"testing"
	"time"
)

var pt0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// A phase waits WaitTimeout after the latest arrival time drawn for its
// packets (not only after the last send), longer while packets keep
// arriving, and never beyond maxWaitFactor WaitTimeouts after that time.
func TestPhaseDeadline(t *testing.T) {
	const wait = 2 * time.Second
	tests := []struct {
		name    string
		due     []time.Duration // drawn arrival times after pt0
		arrival time.Duration   // last arrival after pt0 (0: none)
		sent    time.Duration   // last send after pt0
		want    time.Duration
	}{
		{name: "no delays", due: []time.Duration{0, 0}, sent: time.Second, want: 3 * time.Second},
		{name: "drawn delay beyond the last send", due: []time.Duration{500 * time.Millisecond, 4 * time.Second},
			sent: time.Second, want: 6 * time.Second},
		{name: "arrivals extend", due: []time.Duration{0}, arrival: 2900 * time.Millisecond, sent: time.Second,
			want: 3900 * time.Millisecond},
		{name: "early arrival does not shorten", due: []time.Duration{0}, arrival: 1100 * time.Millisecond,
			sent: time.Second, want: 3 * time.Second},
		{name: "extension capped", due: []time.Duration{time.Second}, arrival: 30 * time.Second, sent: time.Second,
			want: 7 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRunProbes(1)
			r.startPhase()
			for i, d := range tt.due {
				r.add(uint64(i), "n", -1, pt0.Add(d))
			}
			if tt.arrival > 0 {
				if a := r.arrive(0, pt0.Add(tt.arrival), false); a != arrivalOnTime {
					t.Fatalf("arrive = %v", a)
				}
			}
			if got := r.deadline(pt0.Add(tt.sent), wait); !got.Equal(pt0.Add(tt.want)) {
				t.Errorf("deadline = %v after pt0, want %v", got.Sub(pt0), tt.want)
			}
		})
	}
}

// Arrivals are on time, late (after the run ended: counted per node),
// duplicates or stray; a packet that was never sent is forgotten.
func TestProbeArrivals(t *testing.T) {
	r := newRunProbes(7)
	r.startPhase()
	a := r.add(10, "", 0, pt0)
	b := r.add(10, "", 1, pt0) // nonce taken: the next free one
	if a != 10 || b != 11 || r.left != 2 {
		t.Fatalf("nonces %d %d, left %d", a, b, r.left)
	}
	if got := r.arrive(a, pt0, false); got != arrivalOnTime || r.left != 1 {
		t.Fatalf("first arrival %v, left %d", got, r.left)
	}
	if got := r.arrive(a, pt0, false); got != arrivalDuplicate || r.left != 1 {
		t.Fatalf("second arrival %v, left %d", got, r.left)
	}
	r.startPhase()
	x := r.add(20, "node-x", -1, pt0)
	y := r.add(30, "node-y", -1, pt0)
	z := r.add(40, "node-x", -1, pt0)
	r.remove(y) // never sent
	if r.left != 2 || r.probes[y] != nil {
		t.Fatalf("after remove: left %d, probe %v", r.left, r.probes[y])
	}
	// The phase-1 packet b arriving during phase 2 counts, but does not
	// change what phase 2 waits for.
	if got := r.arrive(b, pt0, false); got != arrivalOnTime || r.left != 2 || !r.probes[b].received {
		t.Fatalf("earlier phase's arrival %v, left %d", got, r.left)
	}
	if got := r.arrive(x, pt0, true); got != arrivalLate || !r.probes[x].late || r.late["node-x"] != 1 {
		t.Fatalf("late arrival %v, late %v", got, r.late)
	}
	if got := r.arrive(z, pt0, true); got != arrivalLate || r.late["node-x"] != 2 {
		t.Fatalf("second late arrival %v, late %v", got, r.late)
	}
	if got := r.arrive(999, pt0, false); got != arrivalStray {
		t.Fatalf("unknown nonce: %v", got)
	}
}
