// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package client_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/poll"

	"github.com/nym-go/nym/internal/client"
	"github.com/nym-go/nym/internal/clock"
	"github.com/nym-go/nym/internal/e2e"
	"github.com/nym-go/nym/internal/leaktest"
)

// TestSendWithSURBs: A sends B one message with 50 reply SURBs; B answers
// through each, and all 50 distinct replies reach A.
func TestSendWithSURBs(t *testing.T) {
	leaktest.Check(t)
	tn := startNet(t)
	a := tn.newClient(t, 0, clientOpts{seed: 41, realMean: 2 * time.Millisecond})
	b := tn.newClient(t, 1, clientOpts{seed: 42, realMean: 2 * time.Millisecond})
	const n = 50
	if _, err := a.SendWithSURBs(context.Background(), b.Address(), []byte("fifty"), n); err != nil {
		t.Fatal(err)
	}
	got := receive(t, b, 15*time.Second)
	if string(got.Message) != "fifty" || len(got.ReplySURBs) != n || got.ReplySURB != got.ReplySURBs[0] {
		t.Fatalf("B got %q with %d SURBs", got.Message, len(got.ReplySURBs))
	}
	for i, s := range got.ReplySURBs {
		if client.ReplyCapacity(s) < 100 {
			t.Fatalf("SURB %d carries %d bytes", i, client.ReplyCapacity(s))
		}
		if err := b.Reply(context.Background(), s, fmt.Appendf(nil, "reply %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	seen := make(map[string]bool)
	for range n {
		r := receive(t, a, 20*time.Second)
		if !r.IsReply || seen[string(r.Message)] {
			t.Fatalf("A got %q (reply %v) twice or not as a reply", r.Message, r.IsReply)
		}
		seen[string(r.Message)] = true
	}
	for i := range n {
		if !seen[fmt.Sprintf("reply %d", i)] {
			t.Fatalf("reply %d missing", i)
		}
	}
}

func TestSendWithSURBsLimits(t *testing.T) {
	tn := startNet(t)
	a := tn.newClient(t, 0, clientOpts{seed: 43})
	ctx := context.Background()
	for _, n := range []int{-1, client.MaxSURBsPerMessage + 1} {
		if _, err := a.SendWithSURBs(ctx, a.Address(), nil, n); err == nil {
			t.Fatalf("%d SURBs accepted", n)
		}
	}
	if _, err := a.SendWithSURBs(ctx, a.Address(), nil, client.MaxSURBsPerMessage); err != nil {
		t.Fatal(err)
	}
	// The default store holds 1000 keys: now it is full, and a full store
	// evicts the oldest keys instead of refusing SURBs.
	if _, err := a.SendWithSURBs(ctx, a.Address(), nil, 7); err != nil {
		t.Fatalf("SURBs with the key store full: %v, want the oldest keys evicted", err)
	}
	if ks := a.ReplyKeyStats(); ks.Stored != 1000 || ks.Evicted != 7 {
		t.Fatalf("ReplyKeyStats = %+v, want 1000 stored, 7 evicted", ks)
	}
	// Only more SURBs than the whole store holds fail.
	small := tn.newClient(t, 0, clientOpts{seed: 46, replyKeyLimit: 5})
	if _, err := small.SendWithSURBs(ctx, a.Address(), nil, 6); !errors.Is(err, e2e.ErrStoreFull) {
		t.Fatalf("6 SURBs with a limit of 5: %v, want ErrStoreFull", err)
	}
	if client.ReplyCapacity(nil) != 0 {
		t.Fatal("nil SURB has capacity")
	}
}

// TestReplyKeyEviction: with a full reply key store, SendWithSURBs evicts
// the oldest keys instead of failing; a reply through an evicted SURB is
// dropped and counted, the others arrive.
func TestReplyKeyEviction(t *testing.T) {
	leaktest.Check(t)
	tn := startNet(t)
	clk := &skewClock{Clock: clock.Real()}
	a := tn.newClient(t, 0, clientOpts{seed: 47, clock: clk, replyKeyLimit: 4})
	b := tn.newClient(t, 1, clientOpts{seed: 48})
	ctx := context.Background()
	if _, err := a.SendWithSURBs(ctx, b.Address(), []byte("old"), 3); err != nil {
		t.Fatal(err)
	}
	old := receive(t, b, 15*time.Second)
	clk.offset.Add(int64(time.Minute)) // the new keys expire a minute later than the old
	if _, err := a.SendWithSURBs(ctx, b.Address(), []byte("new"), 3); err != nil {
		t.Fatalf("SURBs with the key store full: %v", err)
	}
	fresh := receive(t, b, 15*time.Second)
	if ks := a.ReplyKeyStats(); ks.Stored != 4 || ks.Evicted != 2 {
		t.Fatalf("ReplyKeyStats = %+v, want 4 stored, 2 evicted", ks)
	}
	for i, s := range append(old.ReplySURBs, fresh.ReplySURBs...) {
		if err := b.Reply(ctx, s, fmt.Appendf(nil, "reply %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	// One old SURB (of three) kept its keys, and the three new ones.
	got := make(map[string]bool)
	for range 4 {
		r := receive(t, a, 15*time.Second)
		if !r.IsReply || got[string(r.Message)] {
			t.Fatalf("A got %q (reply %v) twice or not as a reply", r.Message, r.IsReply)
		}
		got[string(r.Message)] = true
	}
	for i := 3; i < 6; i++ {
		if !got[fmt.Sprintf("reply %d", i)] {
			t.Fatalf("reply %d through a new SURB missing; got %v", i, got)
		}
	}
	if !poll.Try(minWait, func() bool { return a.ReplyKeyStats().Unopened >= 2 }) {
		t.Fatalf("ReplyKeyStats = %+v, want 2 replies unopened", a.ReplyKeyStats())
	}
	select {
	case r := <-a.Receive():
		t.Fatalf("A also got %q", r.Message)
	case <-time.After(200 * time.Millisecond):
	}
	if ks := a.ReplyKeyStats(); ks.Unopened != 2 || ks.Stored != 0 {
		t.Fatalf("ReplyKeyStats = %+v, want 2 unopened, none stored", ks)
	}
}

// skewClock is the real clock shifted by an offset the test moves, so a
// client on a real network can be made to see a day pass.
type skewClock struct {
	clock.Clock
	offset atomic.Int64
}

func (c *skewClock) Now() time.Time {
	return c.Clock.Now().Add(time.Duration(c.offset.Load()))
}

// TestReplyKeyTTL: a reply through a SURB older than ReplyKeyTTL on the
// client's clock is dropped; one within it arrives.
func TestReplyKeyTTL(t *testing.T) {
	leaktest.Check(t)
	tn := startNet(t)
	clk := &skewClock{Clock: clock.Real()}
	const ttl = time.Hour
	a := tn.newClient(t, 0, clientOpts{seed: 44, clock: clk, replyTTL: ttl})
	b := tn.newClient(t, 1, clientOpts{seed: 45})
	ctx := context.Background()
	if _, err := a.SendWithSURBs(ctx, b.Address(), []byte("old"), 2); err != nil {
		t.Fatal(err)
	}
	old := receive(t, b, 15*time.Second)
	clk.offset.Add(int64(ttl - time.Minute))
	if _, err := a.SendWithSURBs(ctx, b.Address(), []byte("new"), 1); err != nil {
		t.Fatal(err)
	}
	fresh := receive(t, b, 15*time.Second)
	clk.offset.Add(int64(2 * time.Minute)) // the first SURBs are now older than the TTL
	for i, s := range old.ReplySURBs {
		if err := b.Reply(ctx, s, fmt.Appendf(nil, "expired %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Reply(ctx, fresh.ReplySURB, []byte("in time")); err != nil {
		t.Fatal(err)
	}
	r := receive(t, a, 15*time.Second)
	if string(r.Message) != "in time" {
		t.Fatalf("A got %q; the expired SURBs' replies should be dropped", r.Message)
	}
	select {
	case r := <-a.Receive():
		t.Fatalf("A also got %q", r.Message)
	case <-time.After(500 * time.Millisecond):
	}
}
