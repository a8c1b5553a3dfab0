// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package gateway_test

import (
	"context"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/gateway"
	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/storage"
)

const day = 24 * time.Hour

// TestExpireClients checks on a fake clock that a client whose key went
// unused for the default 90 days is forgotten with its stored mail, that
// authenticating or being connected counts as a use, and that a forgotten
// client's new mail is dropped as unknown_recipient.
func TestExpireClients(t *testing.T) {
	leaktest.Check(t)
	e := newEnv(t, storage.Limits{Retention: -1})
	ctx := context.Background()
	gone, back, live := newUser(t), newUser(t), newUser(t)
	e.dial(gone).Close()
	e.dial(back).Close()
	lc := e.dial(live)
	defer lc.Close()
	waitFor(t, "sessions end", func() bool { return e.gw.Stats().ConnectedClients == 1 })
	final(t, e.gw, gone.dest(), sphinx.Regular, forwardPlaintext(1, []byte("stored for gone")))
	if u, _ := e.store.Usage(storage.ClientID(gone.dest())); u.Messages != 1 {
		t.Fatalf("stored %d messages for the offline client, want 1", u.Messages)
	}

	e.clk.Advance(60 * day)
	e.dial(back).Close() // authenticates: a use at day 60
	waitFor(t, "session end", func() bool { return e.gw.Stats().ConnectedClients == 1 })

	e.clk.Advance(30 * day) // day 90: nobody unused for longer than 90 days yet
	if n, err := e.gw.ExpireClients(ctx, e.clk.Now()); n != 0 || err != nil {
		t.Fatalf("ExpireClients at day 90 = %d, %v; want 0", n, err)
	}
	e.clk.Advance(time.Nanosecond)
	if n, err := e.gw.ExpireClients(ctx, e.clk.Now()); n != 1 || err != nil {
		t.Fatalf("ExpireClients after day 90 = %d, %v; want 1 (the client that never came back)", n, err)
	}
	if _, ok, _ := e.store.GetKey(ctx, storage.ClientID(gone.dest())); ok {
		t.Fatal("the unused key is still stored")
	}
	if u, _ := e.store.Usage(storage.ClientID(gone.dest())); u.Messages != 0 {
		t.Fatalf("%d stored messages left for a forgotten client", u.Messages)
	}
	for _, u := range []*user{back, live} {
		if _, ok, _ := e.store.GetKey(ctx, storage.ClientID(u.dest())); !ok {
			t.Fatal("a used key was forgotten")
		}
	}
	final(t, e.gw, gone.dest(), sphinx.Regular, forwardPlaintext(2, []byte("too late")))
	if got := e.gw.Stats().Dropped["unknown_recipient"]; got != 1 {
		t.Fatalf("unknown_recipient = %d, want 1", got)
	}

	// Day 150 + 1 ns: the client that came back at day 60 goes too; the
	// connected one (touched at each expiry) stays.
	e.clk.Set(epoch.Add(150*day + time.Nanosecond))
	if n, err := e.gw.ExpireClients(ctx, e.clk.Now()); n != 1 || err != nil {
		t.Fatalf("ExpireClients at day 150 = %d, %v; want 1", n, err)
	}
	if _, ok, _ := e.store.GetKey(ctx, storage.ClientID(live.dest())); !ok {
		t.Fatal("the connected client was forgotten")
	}
	if st := e.gw.Stats(); st.RegisteredClients != 1 {
		t.Fatalf("RegisteredClients = %d, want 1", st.RegisteredClients)
	}
}

// TestExpireClientsNever checks that a negative ClientKeyRetention keeps
// every key.
func TestExpireClientsNever(t *testing.T) {
	leaktest.Check(t)
	e := newEnvConfig(t, storage.Limits{}, gateway.Config{ClientKeyRetention: -1})
	e.dial(newUser(t)).Close()
	e.clk.Advance(10 * 365 * day)
	if n, err := e.gw.ExpireClients(context.Background(), e.clk.Now()); n != 0 || err != nil {
		t.Fatalf("ExpireClients = %d, %v; want 0", n, err)
	}
	if st := e.gw.Stats(); st.RegisteredClients != 1 {
		t.Fatalf("RegisteredClients = %d, want 1", st.RegisteredClients)
	}
}
