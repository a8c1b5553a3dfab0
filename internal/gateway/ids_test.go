// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package gateway_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/clock/clocktest"
	"github.com/nym-go/nym/internal/gateway"
	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/storage/boltstore"
)

// TestIDsSurviveClockStepBack restarts the gateway over the same bbolt
// inbox with its clock stepped back an hour: the new message's id must
// still be above the one the client saw (and acknowledged, so it is no
// longer stored) before the restart, or the client would drop it as a
// duplicate.
func TestIDsSurviveClockStepBack(t *testing.T) {
	leaktest.Check(t)
	path := filepath.Join(t.TempDir(), "inbox.db")
	_, gwID, _ := ed25519.GenerateKey(rand.Reader)
	u := newUser(t)
	fwd := new(forwarded)

	// run starts a gateway on the store with clock clk, delivers one message live to u,
	// acks it, and returns its id once the gateway has counted the ack.
	run := func(clk *clocktest.Fake) uint64 {
		t.Helper()
		store, err := boltstore.Open(path, boltstore.Config{}, boltstore.Deps{Clock: clk})
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		gw, err := gateway.New(gateway.Config{}, gateway.Deps{
			Identity: gwID, Inbox: store, Keys: store, Forward: fwd.forward, Clock: clk,
		})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(gw.Handler())
		defer srv.Close()
		defer gw.Shutdown()
		e := &env{t: t, id: gwID, url: "ws" + strings.TrimPrefix(srv.URL, "http")}
		c := e.dial(u)
		defer c.Close()
		final(t, gw, u.dest(), sphinx.Regular, forwardPlaintext(1, []byte("hello")))
		d := receive(t, c)
		if err := c.Ack(t.Context(), d.ID); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the ack", func() bool { return gw.Stats().DeliveredLive == 1 })
		return d.ID
	}
	before := run(clocktest.NewFake(epoch.Add(time.Hour)))
	after := run(clocktest.NewFake(epoch)) // an hour back, across the restart
	if after <= before {
		t.Fatalf("after a restart with the clock stepped back, id %d is not above %d seen before", after, before)
	}
}
