// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package announce

import (
	"context"
	"log/slog"
	"time"

	"github.com/nym-go/nym/internal/clock"
	"github.com/nym-go/nym/internal/dirclient"
)

// reporter runs one report on its interval with backoff and rate-limited
// logging. All its fields are owned by the goroutine running loop.
type reporter struct {
	name       string
	interval   time.Duration
	maxBackoff time.Duration
	reminder   time.Duration
	clock      clock.Clock
	log        *slog.Logger
	do         func(context.Context) error

	failures     int       // consecutive failed attempts
	lastReminder time.Time // when the last failure line was logged
	refusals     map[string]bool
}

// loop attempts the report at once, then after each wait, until ctx ends.
func (r *reporter) loop(ctx context.Context) {
	wait := r.interval
	t := r.clock.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C():
		}
		err := r.do(ctx)
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			r.succeeded()
			wait = r.interval
		} else {
			r.failed(err)
			if r.failures > 1 {
				wait = min(2*wait, r.maxBackoff)
			}
		}
		t.Reset(wait)
	}
}

func (r *reporter) succeeded() {
	if r.failures > 0 {
		r.log.Info("directory reachable again", "failed_attempts", r.failures)
	}
	r.failures = 0
}

func (r *reporter) failed(err error) {
	r.failures++
	now := r.clock.Now()
	if dirclient.IsRefused(err) {
		// A refusal is a misconfiguration: say it once per message, loudly.
		if msg := err.Error(); !r.refusals[msg] {
			r.refusals[msg] = true
			r.log.Error("directory refused the report; check the node's config and keys", "error", err)
			r.lastReminder = now
			return
		}
	}
	switch {
	case r.failures == 1:
		r.log.Warn("cannot report to the directory; retrying with backoff", "error", err)
		r.lastReminder = now
	case now.Sub(r.lastReminder) >= r.reminder:
		r.log.Warn("still cannot report to the directory", "failed_attempts", r.failures, "error", err)
		r.lastReminder = now
	}
}
