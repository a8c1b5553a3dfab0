// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package client_test

import (
	"context"
	"crypto/ed25519"
	"fmt"
	mrand "math/rand/v2"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/address"
	"github.com/nym-go/nym/internal/base58"
	"github.com/nym-go/nym/internal/client"
	"github.com/nym-go/nym/internal/clock/clocktest"
	"github.com/nym-go/nym/internal/cover"
	"github.com/nym-go/nym/internal/cover/covertest"
	"github.com/nym-go/nym/internal/dirapi"
	"github.com/nym-go/nym/internal/e2e"
	"github.com/nym-go/nym/internal/gateway/gwclient"
	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/topology"
)

// paperNet is a topology of one mix per layer and two gateways whose keys
// the test holds, so it can follow a packet to its destination without any
// node running.
type paperNet struct {
	top   *topology.Topology
	procs map[sphinx.NodeAddress]*sphinx.Processor
	gws   []ed25519.PublicKey
}

func newPaperNet(t testing.TB, r *mrand.ChaCha8) *paperNet {
	t.Helper()
	pn := &paperNet{procs: make(map[sphinx.NodeAddress]*sphinx.Processor)}
	var dir dirapi.Topology
	addKey := func(host string) string {
		key, err := sphinx.GenerateKey(r)
		if err != nil {
			t.Fatal(err)
		}
		ap, err := netip.ParseAddrPort(host)
		if err != nil {
			t.Fatal(err)
		}
		na, err := sphinx.NodeAddressFromAddrPort(ap)
		if err != nil {
			t.Fatal(err)
		}
		pn.procs[na] = sphinx.NewProcessor(key)
		pub := key.Public()
		return base58.Encode(pub[:])
	}
	for layer := uint64(1); layer <= 3; layer++ {
		host := fmt.Sprintf("10.0.0.%d:1789", layer)
		dir.MixNodes = append(dir.MixNodes, dirapi.MixNodePresence{Host: host, PubKey: addKey(host), Layer: layer})
	}
	for i := range 2 {
		pub, id, err := ed25519.GenerateKey(r)
		if err != nil {
			t.Fatal(err)
		}
		host := fmt.Sprintf("10.0.1.%d:1789", i+1)
		p := dirapi.GatewayPresence{MixnetListener: host, ClientListener: "ws://" + host, PubKey: addKey(host)}
		dirapi.Sign(&p, id, time.Unix(1e9, 0))
		dir.GatewayNodes = append(dir.GatewayNodes, p)
		pn.gws = append(pn.gws, pub)
	}
	top, rep := topology.FromDirectory(&dir, topology.Options{})
	if len(rep.Skipped) > 0 {
		t.Fatalf("topology skipped %+v", rep.Skipped)
	}
	pn.top = top
	return pn
}

// destination unwraps pkt hop by hop and returns who it is for.
func (pn *paperNet) destination(t testing.TB, hop sphinx.NodeAddress, pkt []byte) sphinx.Destination {
	t.Helper()
	buf := slices.Clone(pkt)
	for range sphinx.MaxHops {
		p, ok := pn.procs[hop]
		if !ok {
			t.Fatalf("packet to unknown node %x", hop[:8])
		}
		u, err := p.Unwrap(buf)
		if err != nil {
			t.Fatal(err)
		}
		if u.Action == sphinx.Final {
			return u.Destination
		}
		hop, buf = u.NextHop, u.Packet
	}
	t.Fatal("packet never reaches a final hop")
	return sphinx.Destination{}
}

// sent is a packet handed to the gateway, with the fake clock's time.
type sent struct {
	at  time.Time
	hop sphinx.NodeAddress
	pkt []byte
}

// recConn is a gateway connection that records what is sent on it and
// delivers nothing.
type recConn struct {
	clk  *clocktest.Fake
	mu   sync.Mutex
	sent []sent
}

func (c *recConn) Send(_ context.Context, hop sphinx.NodeAddress, size sphinx.SizeType, pkt []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if size != sphinx.Regular || len(pkt) != size.PacketSize() {
		return fmt.Errorf("odd packet: %v, %d bytes", size, len(pkt))
	}
	c.sent = append(c.sent, sent{at: c.clk.Now(), hop: hop, pkt: slices.Clone(pkt)})
	return nil
}

func (c *recConn) Receive(ctx context.Context) (gwclient.Delivery, error) {
	<-ctx.Done()
	return gwclient.Delivery{}, ctx.Err()
}

func (c *recConn) Ack(context.Context, ...uint64) error { return nil }
func (c *recConn) Close() error                         { return nil }

func (c *recConn) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.sent)
}

// rateRun is one client run on a fake clock.
type rateRun struct {
	seed     uint64
	realMean time.Duration // 0: default
	backlog  bool          // keep real messages queued throughout
	n        int           // sends to record
}

// run runs a real client with default rates on a fake clock, stepping the
// clock from one timer deadline to the next, until it has sent r.n packets,
// and returns them with the client's and the backlog recipient's addresses.
func (r rateRun) run(t *testing.T, pn *paperNet) ([]sent, address.Address, address.Address) {
	t.Helper()
	rnd := mrand.NewChaCha8([32]byte{byte(r.seed), 0xc1})
	_, id, err := ed25519.GenerateKey(rnd)
	if err != nil {
		t.Fatal(err)
	}
	enc, _, err := e2e.GenerateKey(rnd)
	if err != nil {
		t.Fatal(err)
	}
	clk := clocktest.NewFake(time.Unix(1e9, 0))
	conn := &recConn{clk: clk}
	dialed := make(chan struct{})
	c, err := client.New(client.Config{Gateway: pn.gws[0], Cover: cover.Config{RealMean: r.realMean}},
		client.Deps{
			Identity: id, Encryption: enc, AckKey: [32]byte{byte(r.seed), 1},
			Topology: func() *topology.Topology { return pn.top },
			Dial: func(context.Context) (client.Conn, error) {
				close(dialed)
				return conn, nil
			},
			Clock: clk, Rand: mrand.New(mrand.NewPCG(r.seed, 99)), CryptoRand: rnd,
		})
	if err != nil {
		t.Fatal(err)
	}
	var to address.Address
	to.Identity[0], to.Encryption = 0xdd, e2e.PublicKey([32]byte{byte(r.seed), 2})
	copy(to.Gateway[:], pn.gws[1])
	if r.backlog {
		// 64 KiB messages of about 40 fragments each, more than the
		// real-stream ticks of the run.
		for range r.n/40 + 2 {
			if _, err := c.Send(context.Background(), to, make([]byte, 64<<10), false); err != nil {
				t.Fatal(err)
			}
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	defer func() {
		cancel()
		<-done
	}()
	wctx, wcancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer wcancel()
	select {
	case <-dialed:
	case <-wctx.Done():
		t.Fatal("client never dialled")
	}
	for conn.count() < r.n {
		// Only the cover scheduler's timer is armed once connected: the
		// connection loop waits in Receive. Run re-arms it only after
		// handing the tick's packets to the connection.
		if err := clk.WaitForTimers(wctx, 1); err != nil {
			t.Fatalf("after %d sends: %v", conn.count(), err)
		}
		clk.Set(clk.Deadlines()[0])
	}
	if err := clk.WaitForTimers(wctx, 1); err != nil {
		t.Fatal(err)
	}
	conn.mu.Lock()
	defer conn.mu.Unlock()
	return conn.sent[:r.n], c.Address(), to
}

// gapsMS returns the gaps between consecutive sends, in milliseconds.
func gapsMS(s []sent) []float64 {
	g := make([]float64, 0, len(s)-1)
	for i := 1; i < len(s); i++ {
		g = append(g, float64(s[i].at.Sub(s[i-1].at))/float64(time.Millisecond))
	}
	return g
}

// realShare returns the fraction of packets for to, and fails the test if
// any other packet is not loop cover to self.
func (pn *paperNet) realShare(t *testing.T, s []sent, self, to address.Address) float64 {
	t.Helper()
	var real int
	toDest, selfDest := sphinx.Destination(to.Identity), sphinx.Destination(self.Identity)
	for _, p := range s {
		d := pn.destination(t, p.hop, p.pkt)
		if d == toDest {
			real++
		} else if d != selfDest {
			t.Fatalf("packet for %x, neither the recipient nor the client itself", d[:4])
		}
	}
	return float64(real) / float64(len(s))
}

// TestSendTimesIndependentOfBacklog is the sending-rate test on a
// real Client: with default rates (real stream 20 ms, loop stream 200 ms),
// the gaps between the packets it hands its gateway have the same
// distribution whether nothing is queued or a backlog of real messages
// always is. Each run has its own seed; the two-sample KS test must not
// reject at alpha = 0.01, and each run's gaps must fit the exponential
// distribution of the two streams' superposition (mean 200/11 ms). With the
// same seed the send times are identical. The control: a client whose real
// stream has a 15 ms mean (combined mean 14 ms instead of 18.2) is rejected
// by the same test, so the test can see a difference of that size.
func TestSendTimesIndependentOfBacklog(t *testing.T) {
	leaktest.Check(t)
	const alpha = 0.01
	n := 2000
	if raceEnabled {
		n = 600
	}
	pn := newPaperNet(t, mrand.NewChaCha8([32]byte{7}))
	idle, self, to := rateRun{seed: 1, n: n}.run(t, pn)
	busy, bSelf, bTo := rateRun{seed: 2, n: n, backlog: true}.run(t, pn)

	if share := pn.realShare(t, idle, self, to); share != 0 {
		t.Fatalf("idle client: %.3f of the packets are real", share)
	}
	// Real-stream ticks are 10/11 of all ticks.
	if share := pn.realShare(t, busy, bSelf, bTo); share < 0.8 {
		t.Fatalf("backlogged client: only %.3f of the packets are real, want about 0.91", share)
	}

	gi, gb := gapsMS(idle), gapsMS(busy)
	mean := 1000 / (1000/20.0 + 1000/200.0)
	crit1 := covertest.KS1Crit(alpha, len(gi))
	for name, g := range map[string][]float64{"idle": gi, "backlog": gb} {
		if d := covertest.KSExp(g, mean); d > crit1 {
			t.Errorf("%s gaps are not Exp(%.2f ms): D = %.4f > %.4f", name, mean, d, crit1)
		}
	}
	crit2 := covertest.KS2Crit(alpha, len(gi), len(gb))
	d := covertest.KS2(gi, gb)
	if d > crit2 {
		t.Errorf("idle and backlog gaps differ: D = %.4f > %.4f", d, crit2)
	}
	t.Logf("idle vs backlog: D = %.4f, critical %.4f (n = %d)", d, crit2, len(gi))

	same, _, _ := rateRun{seed: 1, n: n, backlog: true}.run(t, pn)
	for i := range idle {
		if !same[i].at.Equal(idle[i].at) {
			t.Fatalf("same seed: send %d at %v with a backlog, %v without", i, same[i].at, idle[i].at)
		}
	}

	fast, _, _ := rateRun{seed: 3, n: n, realMean: 15 * time.Millisecond}.run(t, pn)
	gf := gapsMS(fast)
	if dc := covertest.KS2(gi, gf); dc <= crit2 {
		t.Errorf("control: a 15 ms real stream is not told apart: D = %.4f <= %.4f", dc, crit2)
	} else {
		t.Logf("control (15 ms real stream): D = %.4f", dc)
	}
}
