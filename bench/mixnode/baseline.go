// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package main

import (
	"context"
	"net"

	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/wire"
)

// baseline is the control for the latency phase: the least a relay can do.
// One goroutine per inbound connection reads a frame, unwraps it and
// writes it straight to the next hop (one shared connection, no replay
// check, no delay queue, no stages). The difference between its figures
// and the node's is what the pipeline costs; what they share is the
// machine.
type baseline struct {
	ln   net.Listener
	proc *sphinx.Processor
	out  net.Conn
	mu   chan struct{} // one-slot semaphore guarding w
	w    *wire.Writer
}

func startBaseline(ctx context.Context, ln net.Listener, key sphinx.PrivateKey, next string) (*baseline, error) {
	out, err := (&net.Dialer{}).DialContext(ctx, "tcp", next)
	if err != nil {
		return nil, err
	}
	b := &baseline{ln: ln, proc: sphinx.NewProcessor(key), out: out, mu: make(chan struct{}, 1), w: wire.NewWriter(out)}
	go func() {
		<-ctx.Done()
		ln.Close()
		out.Close()
	}()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go b.relay(c)
		}
	}()
	return b, nil
}

func (b *baseline) relay(c net.Conn) {
	defer c.Close()
	r := wire.NewReader(c)
	buf := make([]byte, sphinx.Extended.PacketSize())
	for {
		f, err := r.ReadFrame(buf)
		if err != nil {
			return
		}
		u, err := b.proc.Unwrap(f.Packet)
		if err != nil || u.Action != sphinx.Forward {
			continue
		}
		b.mu <- struct{}{}
		err = b.w.WriteFrame(u.Size, u.Packet)
		if err == nil {
			err = b.w.Flush()
		}
		<-b.mu
		if err != nil {
			return
		}
	}
}
