// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package taskgroup

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// ErrStoppedUnexpectedly is the error of a task that returned nil while
// its group was still running: a daemon's tasks run until they are told
// to stop.
var ErrStoppedUnexpectedly = errors.New("stopped unexpectedly")

// Group runs named tasks under one context; the first to fail cancels the
// others. Its methods are safe for concurrent use.
type Group struct {
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex     // guards err and running
	err     error          // the first task's failure, named
	running map[string]int // tasks started and not returned, by name
}

// New returns a group whose tasks run with a context derived from parent:
// it ends when parent ends or a task fails.
func New(parent context.Context) *Group {
	ctx, cancel := context.WithCancel(parent)
	return &Group{ctx: ctx, cancel: cancel, running: make(map[string]int)}
}

// Go starts task in its own goroutine with the group's context. If task
// returns an error, or returns nil before the group's context ended
// (ErrStoppedUnexpectedly), the group is cancelled and the first such
// failure, prefixed by name, is what Wait returns.
func (g *Group) Go(name string, task func(context.Context) error) {
	g.mu.Lock()
	g.running[name]++
	g.mu.Unlock()
	g.wg.Go(func() {
		err := task(g.ctx)
		if err == nil && g.ctx.Err() == nil {
			err = ErrStoppedUnexpectedly
		}
		g.mu.Lock()
		if g.running[name]--; g.running[name] == 0 {
			delete(g.running, name)
		}
		if err != nil && g.err == nil {
			g.err = fmt.Errorf("%s: %w", name, err)
		}
		g.mu.Unlock()
		g.cancel()
	})
}

// Wait blocks until the group is cancelled (its parent context ended or a
// task failed), then waits up to timeout for every task to return. It
// returns the first task failure, or nil when the tasks stopped because
// the parent ended. If tasks are still running after timeout it returns
// an error naming them; they are left running.
func (g *Group) Wait(timeout time.Duration) error {
	<-g.ctx.Done()
	done := make(chan struct{})
	go func() { g.wg.Wait(); close(done) }()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		return fmt.Errorf("shutdown did not finish within %v: still running: %s", timeout, g.stillRunning())
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.err
}

// stillRunning returns the sorted names of the tasks that have not
// returned, "name (n)" for a name started n > 1 times.
func (g *Group) stillRunning() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	names := make([]string, 0, len(g.running))
	for name, n := range g.running {
		if n > 1 {
			name = fmt.Sprintf("%s (%d)", name, n)
		}
		names = append(names, name)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}
