// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package cover

import (
	"context"

	"github.com/nym-go/nym/internal/clock"
)

// Sink receives the packets to send. For cover kinds the packet is the zero
// value and the sink builds the cover packet itself.
type Sink[P any] interface {
	Send(kind Kind, packet P)
}

// Run drives s on clk until ctx is done, then returns ctx's error. At each
// deadline it calls s.Tick with clk.Now() and passes every send to sink, in
// order, on Run's goroutine. src is called from Run's goroutine, so it must
// be safe for use alongside whatever queues packets into it.
func Run[P any](ctx context.Context, clk clock.Clock, s *Scheduler[P], src Source[P], sink Sink[P]) error {
	t := clk.NewTimer(s.NextDeadline().Sub(clk.Now()))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C():
		}
		for _, send := range s.Tick(clk.Now(), src) {
			sink.Send(send.Kind, send.Packet)
		}
		t.Reset(s.NextDeadline().Sub(clk.Now()))
	}
}
