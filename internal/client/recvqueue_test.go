// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package client_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/poll"

	"github.com/nym-go/nym/internal/client"
	"github.com/nym-go/nym/internal/leaktest"
)

// TestAcksFlowWhileAppDoesNotRead: A's application reads nothing while more
// messages arrive for it than its Receive channel holds. A's own message to B
// must still be acknowledged: a client whose connection loop waited for the
// application would stop handling acks and resend the message until it
// failed. Once A's application reads, every message is there.
func TestAcksFlowWhileAppDoesNotRead(t *testing.T) {
	leaktest.Check(t)
	tn := startNet(t)
	// Slow streams: this test is about acks, not speed, and must not
	// overload a loaded machine under -race (overload loses packets).
	a := tn.newClient(t, 0, clientOpts{seed: 1, receiveQueue: 1, realMean: 20 * time.Millisecond})
	b := tn.newClient(t, 1, clientOpts{seed: 2, realMean: 20 * time.Millisecond})
	ctx := context.Background()
	want := sendMany(t, b, a, 6)
	// Let them arrive: none is read, five wait beyond the channel, and A
	// has acknowledged every one.
	poll.Until(t, "A to acknowledge B's 6 messages", minWait, func() bool { return b.Pending() == 0 })
	ping := []byte("A's own message")
	if _, err := a.Send(ctx, b.Address(), ping, false); err != nil {
		t.Fatal(err)
	}
	if got := receive(t, b, 15*time.Second); !bytes.Equal(got.Message, ping) {
		t.Fatalf("B got %q", got.Message)
	}
	// A's message is acknowledged: a client that waited for its
	// application would leave it pending (and resend it until it failed).
	deadline := time.Now().Add(minWait)
	for a.Pending() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("A still has %d unacknowledged messages although B got its message", a.Pending())
		}
		select {
		case f := <-a.Failures():
			t.Fatalf("A's message %d failed although B got it: %v", f.ID, f.Err)
		case <-time.After(20 * time.Millisecond):
		}
	}
	if d := a.Deferred(); d != 0 {
		t.Errorf("A deferred %d deliveries with room in its receive buffer", d)
	}
	receiveAll(t, a, want)
}

// TestFullReceiveBufferLeavesMessagesAtGateway: past Config.ReceiveBuffer the
// client leaves messages unacknowledged at its gateway, which keeps them and
// delivers them again; none is lost once the application reads.
func TestFullReceiveBufferLeavesMessagesAtGateway(t *testing.T) {
	leaktest.Check(t)
	tn := startNetWith(t, netOpts{gwAckTimeout: 300 * time.Millisecond})
	a := tn.newClient(t, 0, clientOpts{seed: 1, receiveQueue: 1, receiveBuffer: 1})
	b := tn.newClient(t, 1, clientOpts{seed: 2})
	want := sendMany(t, b, a, 6)
	poll.Until(t, "A to defer a delivery (its receive buffer to fill)", minWait, func() bool { return a.Deferred() > 0 })
	receiveAll(t, a, want)
}

// sendMany sends n distinct small messages from one client to another and
// returns them.
func sendMany(t *testing.T, from, to *client.Client, n int) map[string]bool {
	t.Helper()
	want := make(map[string]bool)
	for i := range n {
		m := []byte(fmt.Sprintf("message %d for an application that is not reading", i))
		want[string(m)] = true
		if _, err := from.Send(context.Background(), to.Address(), m, false); err != nil {
			t.Fatal(err)
		}
	}
	return want
}

// receiveAll receives until every message of want arrived, in any order.
func receiveAll(t *testing.T, c *client.Client, want map[string]bool) {
	t.Helper()
	for len(want) > 0 {
		got := receive(t, c, 20*time.Second)
		if !want[string(got.Message)] {
			t.Fatalf("unexpected or duplicate message %q", got.Message)
		}
		delete(want, string(got.Message))
	}
}
