// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package ack

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/fragment"
)

type mfrag struct {
	deadline time.Time
	tries    int
	state    state
}

type mmsg struct {
	count uint32
	frags map[uint32]*mfrag
}

func reserved(model map[uint64]*mmsg) int {
	n := 0
	for _, m := range model {
		n += int(m.count)
	}
	return n
}

func allAcked(m *mmsg) bool {
	if uint32(len(m.frags)) != m.count {
		return false
	}
	for _, f := range m.frags {
		if f.state != acked {
			return false
		}
	}
	return true
}

// TestAgainstModel drives a Table with random operations and checks every
// result against a naive model (linear scans, no heap).
func TestAgainstModel(t *testing.T) {
	cfg := Config{MaxTries: 4, MaxFragments: 200}
	c, _ := cfg.withDefaults()
	r := rand.New(rand.NewPCG(42, 42))
	tb := newTable(t, cfg)
	model := map[uint64]*mmsg{}
	now := t0
	done, failed := 0, 0
	var totalDone, totalFailed, totalDue int
	for step := range 20_000 {
		msg := uint64(1 + r.IntN(12))
		idx := uint32(r.IntN(8))
		fid := fragment.ID{Message: msg, Index: idx}
		rtt := time.Duration(r.IntN(2000)) * time.Millisecond
		switch op := r.IntN(10); {
		case op == 0:
			count := uint32(1 + r.IntN(8))
			err := tb.Track(msg, "", count)
			ok := model[msg] == nil && reserved(model)+int(count) <= c.MaxFragments
			if (err == nil) != ok {
				t.Fatalf("step %d: Track(%d) = %v", step, msg, err)
			}
			if err == nil {
				model[msg] = &mmsg{count: count, frags: map[uint32]*mfrag{}}
			}
		case op <= 3:
			m := model[msg]
			err := tb.Add(fid, now, rtt)
			ok := m != nil && idx < m.count && m.frags[idx] == nil
			if (err == nil) != ok {
				t.Fatalf("step %d: Add(%v) = %v, model ok %v", step, fid, err, ok)
			}
			if ok {
				m.frags[idx] = &mfrag{deadline: c.Timeout(now, rtt), tries: 1}
			}
		case op <= 5:
			m := model[msg]
			var f *mfrag
			if m != nil {
				f = m.frags[idx]
			}
			want := f != nil && f.state != acked
			if got := tb.Ack(fid); got != want {
				t.Fatalf("step %d: Ack(%v) = %v, want %v", step, fid, got, want)
			}
			if want {
				f.state = acked
				if allAcked(m) {
					delete(model, msg)
					done++
				}
			}
		case op <= 7:
			now = now.Add(time.Duration(r.IntN(1500)) * time.Millisecond)
			got := tb.Due(now)
			var want []fragment.ID
			for mid, m := range model {
				fail := false
				for i, f := range m.frags {
					if f.state == inFlight && !f.deadline.After(now) {
						if f.tries >= c.MaxTries {
							fail = true
						} else {
							want = append(want, fragment.ID{Message: mid, Index: i})
						}
					}
				}
				if fail {
					delete(model, mid)
					failed++
					want = slices.DeleteFunc(want, func(id fragment.ID) bool { return id.Message == mid })
				}
			}
			for _, id := range want {
				model[id.Message].frags[id.Index].state = awaiting
			}
			less := func(a, b fragment.ID) int {
				if a.Message != b.Message {
					return int(a.Message) - int(b.Message)
				}
				return int(a.Index) - int(b.Index)
			}
			slices.SortFunc(want, less)
			got = slices.Clone(got)
			slices.SortFunc(got, less)
			totalDue += len(got)
			if !slices.Equal(got, want) {
				t.Fatalf("step %d: Due = %v, want %v", step, got, want)
			}
		default:
			m := model[msg]
			err := tb.Retry(fid, now, rtt)
			ok := m != nil && m.frags[idx] != nil && m.frags[idx].state == awaiting
			if (err == nil) != ok {
				t.Fatalf("step %d: Retry(%v) = %v, model ok %v", step, fid, err, ok)
			}
			if ok {
				f := m.frags[idx]
				f.state, f.tries, f.deadline = inFlight, f.tries+1, c.RetryTimeout(now, rtt, f.tries)
			}
		}
		for _, e := range tb.Events() {
			switch e.Kind {
			case Done:
				done--
				totalDone++
			case Failed:
				failed--
				totalFailed++
			}
		}
		if done != 0 || failed != 0 || tb.Messages() != len(model) || tb.reserved != reserved(model) {
			t.Fatalf("step %d: events off by done %d failed %d; %d messages, model %d", step, done, failed, tb.Messages(), len(model))
		}
	}
	t.Logf("%d done, %d failed, %d due", totalDone, totalFailed, totalDue)
	if totalDone == 0 || totalFailed == 0 || totalDue == 0 {
		t.Fatal("model test did not exercise every outcome")
	}
}
