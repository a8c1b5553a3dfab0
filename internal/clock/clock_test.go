// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package clock_test

import (
	"testing"
	"time"

	"github.com/nym-go/nym/internal/clock"
)

// TestReal checks that Real delegates to the time package. It uses only
// zero-duration timers, which fire at once, and hour-long ones it stops.
func TestReal(t *testing.T) {
	c := clock.Real()
	before := time.Now()
	now := c.Now()
	if now.Before(before) || now.Sub(before) > time.Minute {
		t.Fatalf("Now = %v, time.Now was %v", now, before)
	}

	tm := c.NewTimer(0)
	select {
	case <-tm.C():
	case <-time.After(10 * time.Second):
		t.Fatal("NewTimer(0) did not fire")
	}
	if tm.Stop() {
		t.Error("Stop after receive = true")
	}
	if tm.Reset(time.Hour); !tm.Stop() {
		t.Error("Stop of an armed timer = false")
	}

	ran := make(chan struct{})
	fn := c.AfterFunc(0, func() { close(ran) })
	<-ran
	if fn.C() != nil {
		t.Error("AfterFunc timer has a channel")
	}
	if !c.AfterFunc(time.Hour, func() { t.Error("stopped AfterFunc ran") }).Stop() {
		t.Error("Stop of an armed AfterFunc = false")
	}
}
