// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package main

import (
	"context"
	"fmt"
	"time"

	"github.com/nym-go/nym/internal/localnet"
)

// benchReady starts the default network runs times and reports the time
// from Run to Deps.Ready.
func benchReady(ctx context.Context, runs int) error {
	var took []time.Duration
	for i := range runs {
		d, err := startStop(ctx, localnet.Config{}, nil)
		if err != nil {
			return fmt.Errorf("ready run %d: %w", i+1, err)
		}
		took = append(took, d)
		fmt.Printf("ready run %d: %s ms\n", i+1, ms(d))
	}
	s := summarize(took)
	fmt.Printf("ready: %d runs, median %s ms, min %s ms, max %s ms (target 5000 ms)\n", s.n, ms(s.median), ms(s.min), ms(s.max))
	return nil
}

// startStop runs a network with cfg, calls use (if set) once it is ready,
// then stops it; it returns the time from Run to ready.
func startStop(ctx context.Context, cfg localnet.Config, use func(context.Context, localnet.Info) error) (time.Duration, error) {
	ready := make(chan localnet.Info, 1)
	n, err := localnet.New(cfg, localnet.Deps{Ready: func(i localnet.Info) { ready <- i }})
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	begin := time.Now()
	go func() { done <- n.Run(ctx) }()
	var info localnet.Info
	select {
	case info = <-ready:
	case err := <-done:
		return 0, fmt.Errorf("network stopped before ready: %w", err)
	}
	took := time.Since(begin)
	var useErr error
	if use != nil {
		useErr = use(ctx, info)
	}
	cancel()
	if err := <-done; err != nil {
		return took, err
	}
	return took, useErr
}
