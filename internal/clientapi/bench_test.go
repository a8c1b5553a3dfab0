// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package clientapi_test

import (
	"testing"

	"github.com/nym-go/nym/internal/client"
	"github.com/nym-go/nym/internal/clientapi"
)

// BenchmarkConnSend measures a Conn.Send round trip (binary send and the
// selfAddress barrier) of a 1 KiB message over loopback.
func BenchmarkConnSend(b *testing.B) {
	h := start(b, clientapi.Config{})
	c := h.dial(b)
	to := addr(1).String()
	msg := make([]byte, 1024)
	ctx := ctxT(b)
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Send(ctx, to, msg, false); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReceive measures delivery of 64 KiB received messages from the
// backend to one Conn.
func BenchmarkReceive(b *testing.B) {
	h := start(b, clientapi.Config{})
	c := h.dial(b)
	ctx := ctxT(b)
	msg := client.Received{Message: make([]byte, 64<<10)}
	b.SetBytes(int64(len(msg.Message)))
	b.ReportAllocs()
	for b.Loop() {
		h.fake.recv <- msg
		if _, err := c.Receive(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
