// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package monitor_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/base58"
	"github.com/nym-go/nym/internal/clock/clocktest"
	"github.com/nym-go/nym/internal/dirapi"
	"github.com/nym-go/nym/internal/e2e"
	"github.com/nym-go/nym/internal/gateway/gwclient"
	"github.com/nym-go/nym/internal/monitor"
	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/topology"
)

// fakeNet is an in-memory network for runs on a fake clock: a packet a
// monitor's connection sends is unwrapped at once, hop by hop, with the
// nodes' real Sphinx keys (hop delays are ignored), and its sealed
// fragment is queued for the monitor's connection at the final gateway.
// Packets through a node in dead are dropped. Send returns once the
// monitor has handled the delivery, so on the fake clock a packet arrives
// the instant it is sent. It records when (on the clock) each packet was
// sent.
type fakeNet struct {
	clock *clocktest.Fake
	top   *dirapi.Topology
	nodes map[sphinx.NodeAddress]*fakeNode
	// mixKeys[l-1] and gwKeys are the nodes' base58 Sphinx keys.
	mixKeys [topology.Layers][]string
	gwKeys  []string

	mu    sync.Mutex
	dead  map[string]bool
	sends []time.Time
	conns map[sphinx.NodeAddress]*fakeConn // by gateway address
	// inflight counts deliveries queued or handed to a receiver that has
	// not yet come back for the next one; changed is closed (and
	// replaced) whenever inflight drops.
	inflight int
	changed  chan struct{}
	nextID   uint64
}

type fakeNode struct {
	key string // base58 Sphinx key
	p   *sphinx.Processor
}

func newFakeNet(t *testing.T, perLayer, gateways int) *fakeNet {
	t.Helper()
	n := &fakeNet{
		clock:   clocktest.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)),
		top:     &dirapi.Topology{CocoNodes: []dirapi.CocoPresence{}, MixProviderNodes: []dirapi.MixProviderPresence{}},
		nodes:   map[sphinx.NodeAddress]*fakeNode{},
		dead:    map[string]bool{},
		conns:   map[sphinx.NodeAddress]*fakeConn{},
		changed: make(chan struct{}),
	}
	r := rand.NewChaCha8([32]byte{7})
	port := uint16(10000)
	add := func() (string, string) {
		t.Helper()
		priv, err := sphinx.GenerateKey(r)
		if err != nil {
			t.Fatal(err)
		}
		port++
		ap := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), port)
		a, err := sphinx.NodeAddressFromAddrPort(ap)
		if err != nil {
			t.Fatal(err)
		}
		pub := priv.Public()
		k := base58.Encode(pub[:])
		n.nodes[a] = &fakeNode{key: k, p: sphinx.NewProcessor(priv)}
		return k, ap.String()
	}
	now := n.clock.Now()
	for l := 1; l <= topology.Layers; l++ {
		for i := range perLayer {
			k, host := add()
			p := &dirapi.MixNodePresence{Host: host, PubKey: k, Version: "test", Layer: uint64(l)}
			dirapi.Sign(p, key(byte(100+10*l+i)), now)
			n.top.MixNodes = append(n.top.MixNodes, *p)
			n.mixKeys[l-1] = append(n.mixKeys[l-1], k)
		}
	}
	for g := range gateways {
		k, host := add()
		p := &dirapi.GatewayPresence{ClientListener: fmt.Sprintf("127.0.0.1:%d", 20000+g), MixnetListener: host,
			PubKey: k, Version: "test", RegisteredClients: []dirapi.RegisteredClient{}}
		dirapi.Sign(p, key(byte(200+g)), now)
		n.top.GatewayNodes = append(n.top.GatewayNodes, *p)
		n.gwKeys = append(n.gwKeys, k)
	}
	return n
}

// Topology and PostReliability make fakeNet the monitor's Directory.
func (n *fakeNet) Topology(context.Context) (*dirapi.Topology, error) { return n.top, nil }

func (n *fakeNet) PostReliability(context.Context, *dirapi.ReliabilityReport) error { return nil }

func (n *fakeNet) dial(_ context.Context, gw topology.Gateway, _ ed25519.PrivateKey) (monitor.GatewayConn, error) {
	c := &fakeConn{net: n, q: make(chan gwclient.Delivery, 4096), done: make(chan struct{})}
	n.mu.Lock()
	n.conns[gw.Address] = c
	n.mu.Unlock()
	return c, nil
}

func (n *fakeNet) kill(key string) {
	n.mu.Lock()
	n.dead[key] = true
	n.mu.Unlock()
}

// sendTimes returns the clock's time at each send so far.
func (n *fakeNet) sendTimes() []time.Time {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]time.Time(nil), n.sends...)
}

// route unwraps pkt from first to its final hop and queues its fragment.
func (n *fakeNet) route(first sphinx.NodeAddress, pkt []byte) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.sends = append(n.sends, n.clock.Now())
	at := first
	for range sphinx.MaxHops + 1 {
		node := n.nodes[at]
		if node == nil {
			return fmt.Errorf("fakeNet: no node at hop %v", at)
		}
		if n.dead[node.key] {
			return nil // lost
		}
		u, err := node.p.Unwrap(pkt)
		if err != nil {
			return err
		}
		if u.Action == sphinx.Forward {
			at, pkt = u.NextHop, u.Packet
			continue
		}
		plain, err := sphinx.OpenPayload(u.Payload)
		if err != nil {
			return err
		}
		_, sealed, _, err := e2e.SplitSURBAck(plain)
		if err != nil {
			return err
		}
		c := n.conns[at]
		if c == nil {
			return nil // no client there
		}
		n.nextID++
		select {
		case c.q <- gwclient.Delivery{ID: n.nextID, Data: append([]byte(nil), sealed...)}:
			n.inflight++
		default:
			return errors.New("fakeNet: delivery queue full")
		}
		return nil
	}
	return errors.New("fakeNet: too many hops")
}

// done marks one delivery as handled.
func (n *fakeNet) handled() {
	n.mu.Lock()
	n.inflight--
	close(n.changed)
	n.changed = make(chan struct{})
	n.mu.Unlock()
}

// waitQuiet returns when every delivery was handled by the monitor (its
// receivers are back waiting for the next one), or false when stop is
// closed first.
func (n *fakeNet) waitQuiet(stop <-chan struct{}) bool {
	for {
		n.mu.Lock()
		left, ch := n.inflight, n.changed
		n.mu.Unlock()
		if left <= 0 {
			return true
		}
		select {
		case <-ch:
		case <-stop:
			return false
		}
	}
}

// drive moves the fake clock to the next armed timer whenever the monitor
// has armed one and handled every delivery, until stop is closed. It fails
// the test if the monitor arms no timer for limit (real time).
func (n *fakeNet) drive(t *testing.T, stop <-chan struct{}, limit time.Duration) {
	t.Helper()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), limit)
		go func() {
			select {
			case <-stop:
			case <-ctx.Done():
			}
			cancel()
		}()
		err := n.clock.WaitForTimers(ctx, 1)
		timedOut := ctx.Err() == context.DeadlineExceeded
		cancel()
		select {
		case <-stop:
			return
		default:
		}
		if err != nil {
			if timedOut {
				t.Errorf("the monitor armed no timer for %v", limit)
			}
			return
		}
		if !n.waitQuiet(stop) {
			return
		}
		if d := n.clock.Deadlines(); len(d) > 0 {
			n.clock.Set(d[0])
		}
	}
}

// fakeConn is the monitor's connection at one gateway of a fakeNet.
type fakeConn struct {
	net   *fakeNet
	q     chan gwclient.Delivery
	mu    sync.Mutex
	taken bool // a delivery was returned and not yet followed by Receive
	once  sync.Once
	done  chan struct{}
}

func (c *fakeConn) Send(_ context.Context, first sphinx.NodeAddress, _ sphinx.SizeType, pkt []byte) error {
	select {
	case <-c.done:
		return errors.New("fakeConn: closed")
	default:
	}
	if err := c.net.route(first, pkt); err != nil {
		return err
	}
	// Return once the monitor has handled the delivery, so that on the
	// fake clock a packet arrives at the instant it is sent.
	c.net.waitQuiet(c.done)
	return nil
}

func (c *fakeConn) Receive(ctx context.Context) (gwclient.Delivery, error) {
	c.mu.Lock()
	if c.taken {
		c.taken = false
		c.net.handled()
	}
	c.mu.Unlock()
	select {
	case d := <-c.q:
		c.mu.Lock()
		c.taken = true
		c.mu.Unlock()
		return d, nil
	case <-ctx.Done():
		return gwclient.Delivery{}, ctx.Err()
	case <-c.done:
		return gwclient.Delivery{}, errors.New("fakeConn: closed")
	}
}

func (c *fakeConn) Ack(context.Context, ...uint64) error { return nil }

func (c *fakeConn) Done() <-chan struct{} { return c.done }

func (c *fakeConn) Close() error {
	c.once.Do(func() { close(c.done) })
	return nil
}
