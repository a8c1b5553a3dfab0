// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package hostile_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/mixnode"
	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/wire"
)

// mixNode is a mix node running on 127.0.0.1.
type mixNode struct {
	*mixnode.Node
	key  sphinx.PrivateKey
	addr sphinx.NodeAddress
}

func (n *mixNode) hop() sphinx.Hop { return sphinx.Hop{Address: n.addr, PublicKey: n.key.Public()} }

// startMix runs a mix node until the test ends. final may be nil.
func startMix(t *testing.T, cfg mixnode.Config, final func(*sphinx.Unwrapped)) *mixNode {
	t.Helper()
	key, err := sphinx.GenerateKey(rand.NewChaCha8([32]byte{byte(len(t.Name())), 7}))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	n, err := mixnode.New(cfg, mixnode.Deps{Key: key, Listener: ln, Dialer: wire.TCPDialer{}, Final: final})
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("mix node Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("mix node Run did not return 10 s after cancel")
		}
	})
	addr, err := sphinx.NodeAddressFromAddrPort(netip.MustParseAddrPort(ln.Addr().String()))
	if err != nil {
		t.Fatal(err)
	}
	return &mixNode{Node: n, key: key, addr: addr}
}

// hostileMixConfig closes idle and stalled connections fast.
func hostileMixConfig() mixnode.Config {
	return mixnode.Config{IdleConnTimeout: 300 * time.Millisecond, FrameTimeout: 300 * time.Millisecond}
}

// chain is a mix node A forwarding to a final node B, and a well-behaved
// previous hop connected to A.
type chain struct {
	t    *testing.T
	a, b *mixNode
	got  chan []byte
	good net.Conn
	w    *wire.Writer
	rng  *rand.ChaCha8
	seq  uint64
}

func newChain(t *testing.T, cfgA mixnode.Config) *chain {
	t.Helper()
	got := make(chan []byte, 1024)
	b := startMix(t, mixnode.Config{}, func(u *sphinx.Unwrapped) {
		if pt, err := sphinx.OpenPayload(u.Payload); err == nil {
			select {
			case got <- bytes.Clone(pt):
			default:
			}
		}
	})
	a := startMix(t, cfgA, nil)
	c := &chain{t: t, a: a, b: b, got: got, rng: rand.NewChaCha8([32]byte{9})}
	c.redial()
	return c
}

// redial (re)connects the well-behaved previous hop to A, from goodIP.
func (c *chain) redial() {
	c.t.Helper()
	if c.good != nil {
		c.good.Close()
	}
	conn, err := dialFrom(context.Background(), goodIP, c.a.Addr().String())
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { conn.Close() })
	c.good, c.w = conn, wire.NewWriter(conn)
}

// packet builds a packet A → B carrying a fresh sequence number.
func (c *chain) packet() ([]byte, []byte) {
	c.t.Helper()
	c.seq++
	pt := binary.BigEndian.AppendUint64([]byte("good"), c.seq)
	p, err := sphinx.NewPacket(c.rng, []sphinx.Hop{c.a.hop(), c.b.hop()}, sphinx.Destination{1}, sphinx.Identifier{}, sphinx.Regular, pt)
	if err != nil {
		c.t.Fatal(err)
	}
	return p, pt
}

func (c *chain) send(p []byte) error {
	c.good.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if err := c.w.WriteFrame(sphinx.Regular, p); err != nil {
		return err
	}
	return c.w.Flush()
}

// exchange sends one packet through A to B and waits for it.
func (c *chain) exchange() error {
	p, pt := c.packet()
	if err := c.send(p); err != nil {
		return fmt.Errorf("send: %w", err)
	}
	timeout := time.After(10 * time.Second)
	for {
		select {
		case g := <-c.got:
			if bytes.Equal(g, pt) {
				return nil
			}
		case <-timeout:
			return fmt.Errorf("packet %d not delivered within 10 s", c.seq)
		}
	}
}

func TestMixListenerRandomBytes(t *testing.T) {
	leaktest.Check(t)
	c := newChain(t, hostileMixConfig())
	before := measure()
	var closed int
	n := during(t, func() {
		closed = sprayRandom(t, c.a.Addr().String(), 64, 8<<10, nil)
	}, c.exchange)
	if closed != 64 {
		t.Fatalf("%d of 64 random-byte connections closed", closed)
	}
	if st := c.a.Stats(); st.ClosedConns < 64 {
		t.Fatalf("ClosedConns = %d, want >= 64", st.ClosedConns)
	}
	t.Logf("%d good packets forwarded during the attack", n)
	checkRecovered(t, before, 5, 32<<20)
}

// A valid header followed by junk: the junk is a bad Sphinx packet
// (dropped, connection kept, as wire.md says), then the bytes after it are
// a bad header (connection closed). A header with an unknown version or
// size type closes at once.
func TestMixListenerOversizedAndBadFrames(t *testing.T) {
	leaktest.Check(t)
	c := newChain(t, hostileMixConfig())
	before := measure()
	hdr := []byte{wire.Version, byte(sphinx.Regular)}
	size := sphinx.Regular.PacketSize()
	n := during(t, func() {
		if k := sprayRandom(t, c.a.Addr().String(), 16, 4*size, hdr); k != 16 {
			t.Errorf("%d of 16 oversized frames closed", k)
		}
		if k := sprayRandom(t, c.a.Addr().String(), 16, 64, []byte{wire.Version, 0xff}); k != 16 {
			t.Errorf("%d of 16 unknown size types closed", k)
		}
		if k := sprayRandom(t, c.a.Addr().String(), 16, 64, []byte{0x7f, byte(sphinx.Regular)}); k != 16 {
			t.Errorf("%d of 16 unknown versions closed", k)
		}
	}, c.exchange)
	st := c.a.Stats()
	if bad := st.Dropped[mixnode.DropBadMAC] + st.Dropped[mixnode.DropMalformed]; bad < 16 {
		t.Fatalf("bad packets dropped = %d, want >= 16 (%v)", bad, st.Dropped)
	}
	t.Logf("%d good packets forwarded during the attack; drops %v", n, st.Dropped)
	checkRecovered(t, before, 5, 32<<20)
}

func TestMixListenerSlowloris(t *testing.T) {
	leaktest.Check(t)
	c := newChain(t, hostileMixConfig())
	before := measure()
	addr := c.a.Addr().String()
	silent, _ := holdOpen(t, addr, 32, nil)
	half, _ := holdOpen(t, addr, 32, append([]byte{wire.Version, byte(sphinx.Regular)}, junk(1, 100)...))
	if err := c.exchange(); err != nil {
		t.Fatalf("good peer while 64 connections stall: %v", err)
	}
	start := time.Now()
	allClosed(t, silent, 10*time.Second, "silent")
	allClosed(t, half, 10*time.Second, "half a frame")
	t.Logf("stalled connections closed within %v", time.Since(start).Round(time.Millisecond))
	// The good peer's connection is idle too now and may have been closed.
	c.redial()
	if err := c.exchange(); err != nil {
		t.Fatal(err)
	}
	if st := c.a.Stats(); st.ClosedConns < 64 {
		t.Fatalf("ClosedConns = %d, want >= 64", st.ClosedConns)
	}
	checkRecovered(t, before, 5, 32<<20)
}

// A flood of idle connections beyond MaxConns is refused at once and
// counted; an established previous hop keeps forwarding, and once the
// idle ones time out new connections are admitted again.
func TestMixListenerFlood(t *testing.T) {
	leaktest.Check(t)
	cfg := hostileMixConfig()
	cfg.MaxConns = 16
	cfg.IdleConnTimeout = time.Second
	c := newChain(t, cfg)
	before := measure()
	conns, _ := holdOpen(t, c.a.Addr().String(), 200, nil)
	waitFor(t, "refusals", func() bool { return c.a.Stats().RefusedConns >= 200-15 })
	if st := c.a.Stats(); st.Connections > 16 {
		t.Fatalf("Connections = %d, want <= MaxConns 16", st.Connections)
	}
	checkPeak(t, before, 16+8, "during the flood")
	if err := c.exchange(); err != nil {
		t.Fatalf("established peer during the flood: %v", err)
	}
	allClosed(t, conns, 10*time.Second, "flood")
	c.redial()
	if err := c.exchange(); err != nil {
		t.Fatalf("new connection after the flood: %v", err)
	}
	checkRecovered(t, before, 5, 32<<20)
}

// The mix node's per-IP limit, applied to loopback with LimitLoopback:
// connections from one address beyond it are refused while a peer from
// another address keeps forwarding.
func TestMixListenerPerIPLimit(t *testing.T) {
	leaktest.Check(t)
	cfg := hostileMixConfig()
	cfg.MaxConnsPerIP = 4
	cfg.LimitLoopback = true
	c := newChain(t, cfg)
	holdOpen(t, c.a.Addr().String(), 20, nil)
	waitFor(t, "per-IP refusals", func() bool { return c.a.Stats().RefusedConns >= 16 })
	if err := c.exchange(); err != nil {
		t.Fatalf("peer from another IP: %v", err)
	}
}

// A captured packet replayed to a mix node is dropped and counted as a
// replay; the next hop sees it once.
func TestMixReplayDropped(t *testing.T) {
	leaktest.Check(t)
	c := newChain(t, hostileMixConfig())
	p, pt := c.packet()
	captured := bytes.Clone(p)
	if err := c.send(p); err != nil {
		t.Fatal(err)
	}
	select {
	case g := <-c.got:
		if !bytes.Equal(g, pt) {
			t.Fatalf("delivered %q, want %q", g, pt)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("original not delivered")
	}
	// Replay it twice: on the same connection and on a new one.
	if err := c.send(captured); err != nil {
		t.Fatal(err)
	}
	other, err := dialFrom(context.Background(), attackerIP, c.a.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	w := wire.NewWriter(other)
	if err := w.WriteFrame(sphinx.Regular, captured); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "two replays counted", func() bool { return c.a.Stats().Dropped[mixnode.DropReplay] == 2 })
	// A fresh packet after the replays passes, and B got nothing else.
	if err := c.exchange(); err != nil {
		t.Fatal(err)
	}
	// B counts a delivery just after handing it over: wait for the count.
	waitFor(t, "B counts the fresh packet", func() bool { return c.b.Stats().Delivered >= 2 })
	if d := c.b.Stats().Delivered; d != 2 {
		t.Fatalf("B delivered %d packets, want 2 (original and the fresh one)", d)
	}
	if len(c.got) != 0 {
		t.Fatalf("%d extra deliveries at B", len(c.got))
	}
}
