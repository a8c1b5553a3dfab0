// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package leaktest

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// fakeTB records failures instead of failing the real test.
type fakeTB struct {
	testing.TB
	cleanups []func()
	errs     []string
}

func (f *fakeTB) Helper()                   {}
func (f *fakeTB) Cleanup(fn func())         { f.cleanups = append(f.cleanups, fn) }
func (f *fakeTB) Errorf(s string, a ...any) { f.errs = append(f.errs, fmt.Sprintf(s, a...)) }

func (f *fakeTB) finish() {
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
}

func TestCheckPassesWhenGoroutinesExit(t *testing.T) {
	tb := &fakeTB{TB: t}
	Check(tb)
	done := make(chan struct{})
	go func() { <-done }()
	close(done)
	tb.finish()
	if len(tb.errs) != 0 {
		t.Fatalf("Check reported a leak for a goroutine that exited: %v", tb.errs)
	}
}

func TestCheckReportsLeak(t *testing.T) {
	defer func(g time.Duration) { grace = g }(grace)
	grace = 50 * time.Millisecond
	tb := &fakeTB{TB: t}
	Check(tb)
	stop := make(chan struct{})
	go leakyWorker(stop)
	tb.finish()
	close(stop)
	if len(tb.errs) != 1 || !strings.Contains(tb.errs[0], "leaktest.leakyWorker") {
		t.Fatalf("Check did not report the leaked goroutine: %v", tb.errs)
	}
}

func leakyWorker(stop chan struct{}) { <-stop }
