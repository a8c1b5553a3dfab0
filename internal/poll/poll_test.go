// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package poll

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestTryTrueAtOnce(t *testing.T) {
	calls := 0
	if !Try(time.Hour, func() bool { calls++; return true }) {
		t.Fatal("Try = false for a true condition")
	}
	if calls != 1 {
		t.Errorf("cond evaluated %d times, want 1", calls)
	}
}

func TestTryBecomesTrue(t *testing.T) {
	var flag atomic.Bool
	go func() {
		time.Sleep(20 * time.Millisecond) // the effect Try waits for
		flag.Store(true)
	}()
	if !Try(10*time.Second, flag.Load) {
		t.Fatal("Try missed a condition that became true")
	}
}

func TestTryGivesUp(t *testing.T) {
	calls := 0
	start := time.Now()
	if Try(30*time.Millisecond, func() bool { calls++; return false }) {
		t.Fatal("Try = true for a false condition")
	}
	if d := time.Since(start); d < 30*time.Millisecond {
		t.Errorf("Try gave up after %v, before its limit", d)
	}
	// 1+2+4+8+16 ms: the interval grows, so a 30 ms wait needs few calls,
	// and the deadline gets a final evaluation.
	if calls < 3 || calls > 10 {
		t.Errorf("cond evaluated %d times in 30 ms", calls)
	}
}

func TestTryIntervalCapped(t *testing.T) {
	var last time.Time
	var longest time.Duration
	Try(400*time.Millisecond, func() bool {
		now := time.Now()
		if !last.IsZero() {
			longest = max(longest, now.Sub(last))
		}
		last = now
		return false
	})
	// Generous slack for a loaded machine; without the cap the gaps would
	// reach 128 ms and more.
	if longest > MaxInterval+60*time.Millisecond {
		t.Errorf("longest pause %v, cap %v", longest, MaxInterval)
	}
}

// recorder is a testing.TB that records Fatalf instead of stopping.
type recorder struct {
	testing.TB
	msg string
}

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(format string, args ...any) {
	r.msg = fmt.Sprintf(format, args...)
}

func TestUntilFailureMessage(t *testing.T) {
	r := &recorder{TB: t}
	Until(r, "the gateway to count 3 clients", 10*time.Millisecond, func() bool { return false })
	if !strings.Contains(r.msg, "the gateway to count 3 clients") || !strings.Contains(r.msg, "limit 10ms") {
		t.Errorf("failure message %q", r.msg)
	}
}

func TestUntilSucceeds(t *testing.T) {
	r := &recorder{TB: t}
	n := 0
	Until(r, "three calls", time.Second, func() bool { n++; return n == 3 })
	if r.msg != "" || n != 3 {
		t.Errorf("msg %q, calls %d", r.msg, n)
	}
}
