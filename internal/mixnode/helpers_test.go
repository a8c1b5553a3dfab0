// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package mixnode_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/poll"

	"github.com/nym-go/nym/internal/clock"
	"github.com/nym-go/nym/internal/clock/clocktest"
	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/logtest"
	"github.com/nym-go/nym/internal/mixnode"
	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/wire"
	"github.com/nym-go/nym/internal/wire/wiretest"
)

// t0 is the fake clock's start.
var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// harness runs nodes on one network and stops them when the test ends.
type harness struct {
	t      *testing.T
	clk    clock.Clock
	fake   *clocktest.Fake // nil over TCP
	net    *wiretest.Network
	dialer wire.Dialer
	ctx    context.Context
	rng    *rand.ChaCha8
	log    *logtest.Buffer
}

// newMemHarness runs nodes on an in-memory network with a fake clock.
func newMemHarness(t *testing.T) *harness {
	leaktest.Check(t)
	fake := clocktest.NewFake(t0)
	nw := wiretest.NewNetwork(wiretest.Config{Clock: fake})
	t.Cleanup(func() { nw.Close() })
	return newHarness(t, fake, fake, nw, nw.Dialer())
}

// newTCPHarness runs nodes over loopback TCP with the real clock.
func newTCPHarness(t *testing.T) *harness {
	leaktest.Check(t)
	return newHarness(t, clock.Real(), nil, nil, wire.TCPDialer{})
}

func newHarness(t *testing.T, clk clock.Clock, fake *clocktest.Fake, nw *wiretest.Network, d wire.Dialer) *harness {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	return &harness{t: t, clk: clk, fake: fake, net: nw, dialer: d, ctx: ctx,
		rng: rand.NewChaCha8([32]byte{byte(len(t.Name()))}), log: &logtest.Buffer{}}
}

// tnode is a running node under test.
type tnode struct {
	*mixnode.Node
	key  sphinx.PrivateKey
	addr sphinx.NodeAddress
	stop func() error // cancels Run and returns its error
}

// hop returns the node as a route hop with the given delay.
func (n *tnode) hop(delay time.Duration) sphinx.Hop {
	return sphinx.Hop{Address: n.addr, PublicKey: n.key.Public(), Delay: delay}
}

// listen opens a listener: at addr on the in-memory network, or on
// 127.0.0.1:0 over TCP.
func (h *harness) listen(addr string) net.Listener {
	h.t.Helper()
	var ln net.Listener
	var err error
	if h.net != nil {
		ln, err = h.net.Listen(addr)
	} else {
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		h.t.Fatal(err)
	}
	return ln
}

// start runs a node listening at addr. final may be nil.
func (h *harness) start(addr string, cfg mixnode.Config, final func(*sphinx.Unwrapped)) *tnode {
	h.t.Helper()
	key, err := sphinx.GenerateKey(h.rng)
	if err != nil {
		h.t.Fatal(err)
	}
	ln := h.listen(addr)
	n, err := mixnode.New(cfg, mixnode.Deps{
		Key: key, Listener: ln, Dialer: h.dialer, Clock: h.clk, Final: final,
		Logger: slog.New(slog.NewTextHandler(h.log, nil)),
	})
	if err != nil {
		ln.Close()
		h.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(h.ctx)
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	var once sync.Once
	var runErr error
	stop := func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(10 * time.Second):
				runErr = fmt.Errorf("Run did not return 10s after cancel")
			}
		})
		return runErr
	}
	h.t.Cleanup(func() {
		if err := stop(); err != nil {
			h.t.Error(err)
		}
	})
	return &tnode{Node: n, key: key, addr: nodeAddr(h.t, ln.Addr().String()), stop: stop}
}

func nodeAddr(t testing.TB, s string) sphinx.NodeAddress {
	t.Helper()
	a, err := sphinx.NodeAddressFromAddrPort(netip.MustParseAddrPort(s))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// packet builds a regular packet along route carrying plaintext.
func (h *harness) packet(route []sphinx.Hop, plaintext []byte) []byte {
	h.t.Helper()
	p, err := sphinx.NewPacket(h.rng, route, sphinx.Destination{1}, sphinx.Identifier{}, sphinx.Regular, plaintext)
	if err != nil {
		h.t.Fatal(err)
	}
	return p
}

// dial connects a client to n.
func (h *harness) dial(n *tnode) net.Conn {
	h.t.Helper()
	c, err := h.dialer.DialContext(h.ctx, n.Addr().String())
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { c.Close() })
	return c
}

// send writes frames for pkts on c and flushes.
func send(t testing.TB, c net.Conn, pkts ...[]byte) {
	t.Helper()
	w := wire.NewWriter(c)
	for _, p := range pkts {
		if err := w.WriteFrame(sphinx.Regular, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
}

// waitFor polls cond until it holds, failing the test after 30 s (a hang
// bound: on a loaded machine under -race a step can take seconds). It waits
// for goroutines to make progress, never for timers.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	poll.Until(t, what, 30*time.Second, cond)
}

// delivery is a packet that reached a final hop.
type delivery struct {
	plaintext []byte
	at        time.Time
}

// sink returns a Final function that records deliveries on the returned
// channel, stamped with clk.
func sink(t testing.TB, clk clock.Clock) (func(*sphinx.Unwrapped), chan delivery) {
	ch := make(chan delivery, 1024)
	return func(u *sphinx.Unwrapped) {
		pt, err := sphinx.OpenPayload(u.Payload)
		if err != nil {
			t.Errorf("OpenPayload: %v", err)
			return
		}
		ch <- delivery{plaintext: bytes.Clone(pt), at: clk.Now()}
	}, ch
}

// dropped returns n's drop count for r.
func dropped(n *tnode, r mixnode.DropReason) uint64 { return n.Stats().Dropped[r] }
