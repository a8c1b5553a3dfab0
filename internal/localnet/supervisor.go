// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package localnet

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// supervisor runs the network's parts (directory, nodes, clients, child
// processes, traffic). The first part to fail, or to return while the
// network is still meant to run, cancels ctx with that error as its cause,
// which stops every other part.
type supervisor struct {
	ctx    context.Context
	cancel context.CancelCauseFunc
	wg     sync.WaitGroup
}

func newSupervisor(parent context.Context) *supervisor {
	ctx, cancel := context.WithCancelCause(parent)
	return &supervisor{ctx: ctx, cancel: cancel}
}

// Go runs part in its own goroutine with the supervisor's context.
func (s *supervisor) Go(name string, part func(context.Context) error) {
	ctx, cancel := s.Part()
	s.GoPart(ctx, cancel, name, part)
}

// Part returns a context, and its cancel function, for a part that can be
// stopped alone (see GoPart).
func (s *supervisor) Part() (context.Context, context.CancelFunc) {
	return context.WithCancel(s.ctx)
}

// GoPart runs part with ctx (from Part) in its own goroutine, and returns
// a function that stops this part alone: it cancels ctx and waits until
// part has returned. A part that returns after ctx ended (stopped alone,
// or the whole network stopping) is not a failure.
func (s *supervisor) GoPart(ctx context.Context, cancel context.CancelFunc, name string, part func(context.Context) error) (stop func()) {
	done := make(chan struct{})
	s.wg.Go(func() {
		defer close(done)
		defer cancel()
		err := part(ctx)
		if ctx.Err() != nil {
			return // stopping: errors of a shutdown are not the cause
		}
		if err == nil {
			err = errors.New("exited early")
		}
		s.cancel(fmt.Errorf("%s: %w", name, err))
	})
	return func() { cancel(); <-done }
}

// Fail stops the network with err as the cause (unless it is stopping
// already).
func (s *supervisor) Fail(err error) { s.cancel(err) }

// Stop cancels every part and waits up to timeout for them to return.
func (s *supervisor) Stop(timeout time.Duration) error {
	s.cancel(errStopped)
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-done:
		return nil
	case <-t.C:
		return fmt.Errorf("shutdown did not finish within %v", timeout)
	}
}

// errStopped is the cause of a normal stop.
var errStopped = errors.New("stopped")
