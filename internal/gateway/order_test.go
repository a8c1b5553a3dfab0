// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package gateway_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/nym-go/nym/internal/gateway"
	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/storage"
)

// A client that stops acknowledging (a stalled connection) overflows its
// session; newer messages then go to the inbox. When the connection ends,
// the older unacknowledged messages must not land behind them: after
// reconnecting, the client gets every message in acceptance order.
func TestStalledClientKeepsArrivalOrderAfterReconnect(t *testing.T) {
	leaktest.Check(t)
	e := newEnvConfig(t, storage.Limits{}, gateway.Config{PushQueue: 1, MaxPending: 2})
	u := newUser(t)
	c := e.dial(u)
	const n = 12
	for i := range n {
		final(t, e.gw, u.dest(), sphinx.Regular, forwardPlaintext(byte(i), fmt.Appendf(nil, "msg %02d", i)))
	}
	if e.gw.Stats().PushOverflow == 0 {
		t.Fatal("the session never overflowed")
	}
	c.Close() // no acks: the connection dies with messages pending
	waitFor(t, "everything stored", func() bool {
		st := e.gw.Stats()
		return st.ConnectedClients == 0 && st.StoredMessages == n
	})
	c2 := e.dial(u)
	var last uint64
	for i := range n {
		d := receive(t, c2)
		if want := fmt.Sprintf("msg %02d", i); string(d.Data) != want {
			t.Fatalf("delivery %d = %q, want %q", i, d.Data, want)
		}
		if d.ID <= last {
			t.Fatalf("delivery %d has id %d after %d", i, d.ID, last)
		}
		last = d.ID
		if err := c2.Ack(context.Background(), d.ID); err != nil {
			t.Fatal(err)
		}
	}
}
