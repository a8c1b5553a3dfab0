// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package gateway_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/gateway"
	"github.com/nym-go/nym/internal/gateway/gwclient"
	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/storage"
)

// storeOffline registers u, disconnects it and stores n messages "msg i"
// for it.
func storeOffline(t *testing.T, e *env, u *user, n int) {
	t.Helper()
	e.dial(u).Close()
	waitFor(t, "session end", func() bool { return e.gw.Stats().ConnectedClients == 0 })
	for i := range n {
		final(t, e.gw, u.dest(), sphinx.Regular, forwardPlaintext(byte(i), fmt.Appendf(nil, "msg %d", i)))
	}
	waitFor(t, "messages stored", func() bool { return e.gw.Stats().StoredMessages == int64(n) })
}

// receiveStored receives one delivery and checks it is stored message want.
func receiveStored(t *testing.T, c *gwclient.Client, want string) gwclient.Delivery {
	t.Helper()
	d := receive(t, c)
	if string(d.Data) != want || !d.Stored() {
		t.Fatalf("delivery = %q stored=%v, want %q from the inbox", d.Data, d.Stored(), want)
	}
	return d
}

// waitTimer waits until the gateway armed its ack timer.
func waitTimer(t *testing.T, e *env) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.clk.WaitForTimers(ctx, 1); err != nil {
		t.Fatal(err)
	}
}

// A client that leaves a full fetch batch of stored deliveries
// unacknowledged (its receive queue is full) gets them again after the ack
// timeout on the same connection; once it acknowledges them, the deliveries
// behind them follow. Acks that come late, or twice, delete once.
func TestUnackedStoredDeliveriesAreReofferedOnTheSameConnection(t *testing.T) {
	leaktest.Check(t)
	e := newEnvConfig(t, storage.Limits{}, gateway.Config{FetchBatch: 2})
	u := newUser(t)
	storeOffline(t, e, u, 4)

	c := e.dial(u)
	d0 := receiveStored(t, c, "msg 0")
	d1 := receiveStored(t, c, "msg 1")
	waitTimer(t, e)
	e.clk.Advance(gateway.DefaultAckTimeout - time.Millisecond)
	if st := e.gw.Stats(); st.StoredReoffered != 0 || st.StoredMessages != 4 {
		t.Fatalf("before the ack timeout: reoffered %d, stored %d; want 0, 4", st.StoredReoffered, st.StoredMessages)
	}
	e.clk.Advance(time.Millisecond)
	// The batch comes again, in order, with the same ids; nothing newer
	// overtakes it.
	r0 := receiveStored(t, c, "msg 0")
	r1 := receiveStored(t, c, "msg 1")
	if r0.ID != d0.ID || r1.ID != d1.ID {
		t.Fatalf("re-offered ids %d, %d; want %d, %d", r0.ID, r1.ID, d0.ID, d1.ID)
	}
	if got := e.gw.Stats().StoredReoffered; got != 2 {
		t.Fatalf("StoredReoffered = %d, want 2", got)
	}

	// The ack of the first offer and of the second: one delete.
	if err := c.Ack(context.Background(), d0.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.Ack(context.Background(), r0.ID); err != nil {
		t.Fatal(err)
	}
	// The ack frees room: the next stored message follows at once.
	receiveStored(t, c, "msg 2")
	if st := e.gw.Stats(); st.DeliveredStored != 1 || st.StoredMessages != 3 {
		t.Fatalf("after acking msg 0 twice: delivered %d, stored %d; want 1, 3", st.DeliveredStored, st.StoredMessages)
	}

	// Again unacknowledged past the timeout: msg 1 and msg 2 come back, then
	// acked, and msg 3 follows.
	e.clk.Advance(gateway.DefaultAckTimeout)
	receiveStored(t, c, "msg 1")
	d2 := receiveStored(t, c, "msg 2")
	if err := c.Ack(context.Background(), d1.ID, d2.ID); err != nil {
		t.Fatal(err)
	}
	d3 := receiveStored(t, c, "msg 3")
	if err := c.Ack(context.Background(), d3.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "inbox emptied by acks", func() bool { return e.gw.Stats().StoredMessages == 0 })
	if st := e.gw.Stats(); st.DeliveredStored != 4 || st.StoredReoffered != 4 || st.Connections != 2 {
		t.Fatalf("delivered %d, reoffered %d, connections %d; want 4, 4, 2",
			st.DeliveredStored, st.StoredReoffered, st.Connections)
	}

	// The session goes live on the same connection.
	waitFor(t, "live mode", func() bool {
		final(t, e.gw, u.dest(), sphinx.Regular, forwardPlaintext(9, []byte("live")))
		d := receive(t, c)
		c.Ack(context.Background(), d.ID)
		return !d.Stored()
	})
}

// A stored delivery and a later live push, both unacknowledged: after the
// ack timeout both come again, in arrival order, from the inbox.
func TestReofferKeepsOrderWithLivePushes(t *testing.T) {
	leaktest.Check(t)
	e := newEnv(t, storage.Limits{})
	u := newUser(t)
	storeOffline(t, e, u, 1)

	c := e.dial(u)
	s0 := receiveStored(t, c, "msg 0")
	// The inbox is empty beyond msg 0, so the session goes live.
	var l1 gwclient.Delivery
	waitFor(t, "live push", func() bool {
		final(t, e.gw, u.dest(), sphinx.Regular, forwardPlaintext(1, []byte("live 1")))
		l1 = receive(t, c)
		if l1.Stored() {
			c.Ack(context.Background(), l1.ID) // stored before the session went live
		}
		return !l1.Stored()
	})
	waitTimer(t, e)
	e.clk.Advance(gateway.DefaultAckTimeout)
	r0 := receiveStored(t, c, "msg 0")
	r1 := receiveStored(t, c, "live 1")
	if r0.ID != s0.ID || r1.ID != l1.ID {
		t.Fatalf("re-offered ids %d, %d; want %d, %d", r0.ID, r1.ID, s0.ID, l1.ID)
	}
	if err := c.Ack(context.Background(), r0.ID, r1.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "inbox emptied by acks", func() bool { return e.gw.Stats().StoredMessages == 0 })
	if st := e.gw.Stats(); st.StoredReoffered != 1 || st.AckTimeouts != 1 {
		t.Fatalf("reoffered %d, ack timeouts %d; want 1, 1", st.StoredReoffered, st.AckTimeouts)
	}
}
