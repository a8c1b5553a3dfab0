// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package leaktest checks that a test stops every goroutine it starts.
//
// Call Check at the top of a test; when the test (and its other cleanups,
// which run first) finishes, Check fails it if goroutines started since are
// still running after a grace period, and prints their stacks.
package leaktest

import (
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// Grace is how long Check waits for goroutines to exit after the test ends.
// Goroutines that are stopping (returning after a cancelled context, say)
// need a moment; a goroutine still alive after Grace has leaked.
const Grace = 5 * time.Second

// grace is Grace, shortened by this package's own tests.
var grace = Grace

// Check records the goroutines running now and registers a cleanup that
// fails tb if any goroutine started after this call is still running when
// the test ends. Register it before any cleanup that stops goroutines (that
// is, call it first), because cleanups run in reverse order.
func Check(tb testing.TB) {
	tb.Helper()
	before := map[string]bool{}
	for _, g := range goroutines() {
		before[g.id] = true
	}
	tb.Cleanup(func() {
		deadline := time.Now().Add(grace)
		// Polling is the only way to observe goroutine exit; the interval
		// grows so that a leak-free test pays about a millisecond.
		for wait := time.Millisecond; ; wait = min(2*wait, 100*time.Millisecond) {
			var leaked []string
			for _, g := range goroutines() {
				if !before[g.id] && !ignored(g.stack) {
					leaked = append(leaked, g.stack)
				}
			}
			if len(leaked) == 0 {
				return
			}
			if time.Now().After(deadline) {
				tb.Errorf("leaktest: %d goroutine(s) still running %v after the test:\n\n%s",
					len(leaked), grace, strings.Join(leaked, "\n\n"))
				return
			}
			time.Sleep(wait)
		}
	})
}

type goroutine struct {
	id    string
	stack string
}

// goroutines returns every goroutine except the caller's.
func goroutines() []goroutine {
	buf := make([]byte, 1<<16)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var out []goroutine
	for i, stack := range strings.Split(string(buf), "\n\n") {
		if i == 0 {
			continue // runtime.Stack lists the calling goroutine first
		}
		// "goroutine 42 [chan receive]:"
		header, _, _ := strings.Cut(stack, "\n")
		fields := strings.Fields(header)
		if len(fields) < 2 || fields[0] != "goroutine" {
			continue
		}
		out = append(out, goroutine{id: fields[1], stack: stack})
	}
	return out
}

// ignored reports whether a goroutine belongs to the runtime or the testing
// package rather than to the code under test.
func ignored(stack string) bool {
	return slices.ContainsFunc([]string{
		"testing.tRunner(",
		"testing.(*T).Run(",
		"testing.(*F).Fuzz(",
		"testing.runFuzzTests(",
		"testing.(*M).",
		"os/signal.signal_recv",
		"runtime.ensureSigM",
		"runtime/trace.Start",
	}, func(s string) bool { return strings.Contains(stack, s) })
}
