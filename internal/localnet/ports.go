// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package localnet

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"syscall"
)

// Port races: ports are picked by listening on 127.0.0.1:0 and closing
// (freePorts), and a node or client binds its port later, so another
// process can take the port in between ("address already in use"). Nodes
// and clients bind their own listeners from their config files (node.Run
// and nativeclient.Run take no listener), so a pre-bound listener cannot be
// handed over; instead an in-process node or client that fails to bind
// with EADDRINUSE is started again on fresh ports, its config rewritten,
// up to maxStartAttempts times. With Exec a child that fails to bind exits
// and Run fails as before.

// maxStartAttempts bounds the starts of one node or client whose port was
// taken.
const maxStartAttempts = 4

// startBound runs part as a part of sup named name and waits until part
// calls bound (its listeners are bound) or returns. It returns part's stop
// function once bound. If part returns before, that part is stopped without
// failing the network and its error returned. part must call bound at most
// once.
func startBound(sup *supervisor, name string, part func(ctx context.Context, bound func()) error) (stop func(), err error) {
	result := make(chan error, 1)
	var once sync.Once
	report := func(err error) (first bool) {
		once.Do(func() { result <- err; first = true })
		return first
	}
	ctx, cancel := sup.Part()
	stop = sup.GoPart(ctx, cancel, name, func(ctx context.Context) error {
		err := part(ctx, func() { report(nil) })
		if err == nil {
			err = errors.New("exited early")
		}
		if report(err) {
			// Failed to start: the starter stops this part; returning
			// before that would fail the network.
			<-ctx.Done()
			return nil
		}
		return err
	})
	if err := <-result; err != nil {
		stop()
		return nil, err
	}
	return stop, nil
}

// retryTakenPort calls start until it succeeds or fails with another error
// than EADDRINUSE, at most maxStartAttempts times, calling repick (fresh
// ports, rewritten config) before each retry.
func retryTakenPort(log *slog.Logger, what string, start func() (func(), error), repick func() error) (func(), error) {
	for attempt := 1; ; attempt++ {
		stop, err := start()
		if err == nil || !errors.Is(err, syscall.EADDRINUSE) {
			return stop, err
		}
		if attempt == maxStartAttempts {
			return nil, fmt.Errorf("%s: a port was taken on each of %d starts: %w", what, attempt, err)
		}
		log.Warn("a port was taken before the start; starting again on fresh ports", "what", what, "error", err, "attempt", attempt)
		if err := repick(); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
	}
}
