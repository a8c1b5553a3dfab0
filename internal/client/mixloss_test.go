// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package client_test

import (
	"bytes"
	"context"
	"crypto/rand"
	mrand "math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/wire"
)

// frameDropper is a wire.Dialer whose connections drop a fraction p of the
// frames written to them, chosen by a seeded generator: packet loss on the
// links between mix nodes and gateways. It parses the outgoing byte stream
// into frames (wire.HeaderSize header, then the size type's packet) and
// passes on only the frames it keeps, whole.
type frameDropper struct {
	wire.Dialer
	p             float64
	mu            sync.Mutex
	r             *mrand.Rand
	kept, dropped atomic.Int64
}

func (d *frameDropper) decide() bool {
	d.mu.Lock()
	drop := d.r.Float64() < d.p
	d.mu.Unlock()
	if drop {
		d.dropped.Add(1)
	} else {
		d.kept.Add(1)
	}
	return drop
}

func (d *frameDropper) DialContext(ctx context.Context, addr string) (net.Conn, error) {
	c, err := d.Dialer.DialContext(ctx, addr)
	if err != nil {
		return nil, err
	}
	return &dropConn{Conn: c, d: d}, nil
}

// dropConn is a connection of a frameDropper.
type dropConn struct {
	net.Conn
	d *frameDropper

	mu   sync.Mutex
	hdr  []byte // the part of the current frame's header seen so far
	left int    // packet bytes of the current frame still to come
	drop bool   // whether the current frame is dropped
	out  []byte
}

func (c *dropConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := len(p)
	c.out = c.out[:0]
	for len(p) > 0 {
		if c.left == 0 { // in a header
			k := min(wire.HeaderSize-len(c.hdr), len(p))
			c.hdr, p = append(c.hdr, p[:k]...), p[k:]
			if len(c.hdr) < wire.HeaderSize {
				break
			}
			c.left = sphinx.SizeType(c.hdr[1]).PacketSize()
			if c.left <= 0 { // not a frame the nodes write: pass it on
				c.out = append(c.out, c.hdr...)
				c.hdr = c.hdr[:0]
				continue
			}
			if c.drop = c.d.decide(); !c.drop {
				c.out = append(c.out, c.hdr...)
			}
			c.hdr = c.hdr[:0]
			continue
		}
		k := min(c.left, len(p))
		if !c.drop {
			c.out = append(c.out, p[:k]...)
		}
		c.left, p = c.left-k, p[k:]
	}
	if len(c.out) > 0 {
		if _, err := c.Conn.Write(c.out); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// TestLargeMessageWithMixLoss: a 1 MiB message (64 KiB at a slower rate
// under the race detector) arrives intact when every link between nodes (gateway to mix,
// mix to mix, mix to gateway) drops 10% of its frames at random.
//
// A forward packet crosses four such links and its SURB-ack four more, so
// about 57% of the sends go unacknowledged and a fragment needs 2.3 tries
// on average; MaxTries is raised to 40 so that no fragment of the 660
// runs out of tries (0.57^40 ≈ 2e-10 each). The retry backoff is capped at
// 400 ms (Config.AckMaxWait, just above the 300 ms first wait): random loss
// is not overload, and backing off only slows recovery.
func TestLargeMessageWithMixLoss(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 1 MiB")
	}
	leaktest.Check(t)
	d := &frameDropper{Dialer: wire.TCPDialer{}, p: 0.1, r: mrand.New(mrand.NewPCG(10, 10))}
	tn := startNetWith(t, netOpts{dialer: d})
	size, mean, wait := 1<<20, time.Millisecond, 400*time.Millisecond
	if raceEnabled { // the race detector makes packets ~10x dearer: keep the machine below overload
		size, mean, wait = 64<<10, 5*time.Millisecond, time.Second
	}
	a := tn.newClient(t, 0, clientOpts{seed: 21, realMean: mean, maxTries: 40, ackMaxWait: wait})
	b := tn.newClient(t, 1, clientOpts{seed: 22})
	msg := make([]byte, size)
	if _, err := rand.Read(msg); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := a.Send(context.Background(), b.Address(), msg, false); err != nil {
		t.Fatal(err)
	}
	got := receive(t, b, 90*time.Second) // a hang bound: a few seconds when the machine is quiet
	if !bytes.Equal(got.Message, msg) {
		t.Fatalf("B got %d bytes, want the %d sent", len(got.Message), len(msg))
	}
	kept, dropped := d.kept.Load(), d.dropped.Load()
	if frac := float64(dropped) / float64(kept+dropped); frac < 0.07 || frac > 0.13 {
		t.Fatalf("links dropped %d of %d frames (%.3f), want about 10%%", dropped, kept+dropped, frac)
	}
	t.Logf("%d bytes in %v; links dropped %d of %d frames", size, time.Since(start), dropped, kept+dropped)
}
