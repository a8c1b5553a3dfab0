// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package gateway_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/clock/clocktest"
	"github.com/nym-go/nym/internal/gateway"
	"github.com/nym-go/nym/internal/gateway/gwclient"
	"github.com/nym-go/nym/internal/gateway/gwproto"
	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/storage"
	"github.com/nym-go/nym/internal/storage/memstore"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// forwarded records what the gateway sends into the mixnet.
type forwarded struct {
	mu   sync.Mutex
	pkts []sent
}

type sent struct {
	hop  sphinx.NodeAddress
	size sphinx.SizeType
	pkt  []byte
}

func (f *forwarded) forward(hop sphinx.NodeAddress, size sphinx.SizeType, pkt []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pkts = append(f.pkts, sent{hop, size, bytes.Clone(pkt)})
	return nil
}

func (f *forwarded) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.pkts)
}

func (f *forwarded) list() []sent {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]sent(nil), f.pkts...)
}

// env is a gateway serving on a real local websocket.
type env struct {
	t     *testing.T
	id    ed25519.PrivateKey
	clk   *clocktest.Fake
	store *memstore.Store
	fwd   *forwarded
	cfg   gateway.Config
	gw    *gateway.Gateway
	url   string
	stop  func()
}

func newEnv(t *testing.T, limits storage.Limits) *env {
	t.Helper()
	return newEnvConfig(t, limits, gateway.Config{})
}

// newEnvConfig is newEnv with a gateway configuration.
func newEnvConfig(t *testing.T, limits storage.Limits, cfg gateway.Config) *env {
	t.Helper()
	_, id, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	clk := clocktest.NewFake(epoch)
	e := &env{t: t, id: id, clk: clk, fwd: new(forwarded), cfg: cfg,
		store: memstore.New(memstore.Config{Limits: limits}, memstore.Deps{Clock: clk})}
	e.start()
	t.Cleanup(func() { e.stop() })
	return e
}

// start (re)starts the gateway over the same stores and identity.
func (e *env) start() {
	e.t.Helper()
	gw, err := gateway.New(e.cfg, gateway.Deps{
		Identity: e.id, Inbox: e.store, Keys: e.store, Forward: e.fwd.forward, Clock: e.clk,
	})
	if err != nil {
		e.t.Fatal(err)
	}
	srv := httptest.NewServer(gw.Handler())
	e.gw, e.url = gw, "ws"+strings.TrimPrefix(srv.URL, "http")
	var once sync.Once
	e.stop = func() { once.Do(func() { gw.Shutdown(); srv.Close() }) }
}

func (e *env) restart() {
	e.stop()
	e.start()
}

func (e *env) gwPub() ed25519.PublicKey { return e.id.Public().(ed25519.PublicKey) }

// user is a client identity with its key store.
type user struct {
	id   ed25519.PrivateKey
	keys *gwclient.MemKeys
}

func newUser(t *testing.T) *user {
	t.Helper()
	_, id, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &user{id: id, keys: new(gwclient.MemKeys)}
}

func (u *user) dest() sphinx.Destination {
	var d sphinx.Destination
	copy(d[:], u.id.Public().(ed25519.PublicKey))
	return d
}

func (e *env) dial(u *user) *gwclient.Client {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := gwclient.Dial(ctx, e.url, u.id, e.gwPub(), u.keys, nil)
	if err != nil {
		e.t.Fatalf("Dial: %v", err)
	}
	e.t.Cleanup(func() { c.Close() })
	return c
}

// ackHop is the first hop the test SURB-acks name.
var ackHop = func() sphinx.NodeAddress {
	var a sphinx.NodeAddress
	a[0], a[1] = 4, 7
	return a
}()

// forwardPlaintext builds a forward packet's plaintext: a SURB-ack whose
// packet starts with tag, then body.
func forwardPlaintext(tag byte, body []byte) []byte {
	ack := make([]byte, sphinx.Ack.PacketSize())
	ack[0] = tag
	pt, _ := gwproto.AppendSURBAck(nil, ackHop, ack)
	return append(pt, body...)
}

// final runs a real Sphinx packet for dest through a one-hop route to the
// gateway's Final, as the mix node's unwrap workers would.
func final(t *testing.T, gw *gateway.Gateway, dest sphinx.Destination, size sphinx.SizeType, plaintext []byte) {
	t.Helper()
	key, err := sphinx.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := sphinx.NodeAddressFromAddrPort(netip.MustParseAddrPort("127.0.0.1:1789"))
	pkt, err := sphinx.NewPacket(rand.Reader, []sphinx.Hop{{Address: addr, PublicKey: key.Public()}}, dest, sphinx.Identifier{}, size, plaintext)
	if err != nil {
		t.Fatal(err)
	}
	u, err := sphinx.NewProcessor(key).Unwrap(pkt)
	if err != nil {
		t.Fatal(err)
	}
	gw.Final(&u)
}

// receive waits (bounded) for the next delivery.
func receive(t *testing.T, c *gwclient.Client) gwclient.Delivery {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d, err := c.Receive(ctx)
	if err != nil {
		t.Fatalf("Receive: %v", err)
	}
	return d
}

// waitFor polls cond (bounded) — for effects that cross real sockets.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
