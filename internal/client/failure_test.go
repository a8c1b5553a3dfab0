// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package client_test

import (
	"context"
	"crypto/ed25519"
	mrand "math/rand/v2"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/address"
	"github.com/nym-go/nym/internal/client"
	"github.com/nym-go/nym/internal/clock/clocktest"
	"github.com/nym-go/nym/internal/e2e"
	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/topology"
)

// TestFailureSentAt: a Failure carries the time, on the client's clock, at
// which Send queued the message, not the time a fragment left or the time
// it failed.
func TestFailureSentAt(t *testing.T) {
	leaktest.Check(t)
	rnd := mrand.NewChaCha8([32]byte{0xfa})
	pn := newPaperNet(t, rnd)
	_, id, err := ed25519.GenerateKey(rnd)
	if err != nil {
		t.Fatal(err)
	}
	enc, _, err := e2e.GenerateKey(rnd)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Unix(1e9, 0)
	clk := clocktest.NewFake(start)
	conn := &recConn{clk: clk} // delivers nothing: no ack ever comes
	c, err := client.New(client.Config{Gateway: pn.gws[0], MaxTries: 2, AckMargin: 100 * time.Millisecond},
		client.Deps{
			Identity: id, Encryption: enc, AckKey: [32]byte{0xfa},
			Topology: func() *topology.Topology { return pn.top },
			Dial:     func(context.Context) (client.Conn, error) { return conn, nil },
			Clock:    clk, Rand: mrand.New(mrand.NewPCG(0xfa, 1)), CryptoRand: rnd,
		})
	if err != nil {
		t.Fatal(err)
	}
	var to address.Address
	to.Identity[0], to.Encryption = 0xdd, e2e.PublicKey([32]byte{0xfa, 2})
	copy(to.Gateway[:], pn.gws[1])

	clk.Advance(7 * time.Second)
	queued := clk.Now()
	first, err := c.Send(context.Background(), to, []byte("first"), false)
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(3 * time.Second)
	second, err := c.Send(context.Background(), to, []byte("second"), false)
	if err != nil {
		t.Fatal(err)
	}
	want := map[client.MessageID]time.Time{first: queued, second: queued.Add(3 * time.Second)}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	defer func() {
		cancel()
		<-done
	}()
	wctx, wcancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer wcancel()
	for len(want) > 0 {
		select {
		case f := <-c.Failures():
			at, ok := want[f.ID]
			if !ok {
				t.Fatalf("failure of message %d, not sent or reported twice", f.ID)
			}
			if !f.SentAt.Equal(at) {
				t.Errorf("message %d: SentAt %v, want %v (when Send queued it)", f.ID, f.SentAt, at)
			}
			if !clk.Now().After(f.SentAt) || f.Err == nil {
				t.Errorf("message %d: failed at %v with %v, sent at %v", f.ID, clk.Now(), f.Err, f.SentAt)
			}
			delete(want, f.ID)
			continue
		default:
		}
		if err := clk.WaitForTimers(wctx, 1); err != nil {
			t.Fatalf("no failure for %d messages (%d packets sent): %v", len(want), conn.count(), err)
		}
		clk.Set(clk.Deadlines()[0])
	}
	if conn.count() < 4 {
		t.Errorf("%d packets sent, want at least 2 tries of each message", conn.count())
	}
}
