// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package client_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	mrand "math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/client"
	"github.com/nym-go/nym/internal/gateway/gwclient"
	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/sphinx"
)

// lossy drops a fraction of the packets a client hands its gateway and of
// the acks its gateway delivers (acknowledging those to the gateway, so they
// are gone), with a seeded generator. Data deliveries are not dropped: the
// recipient's gateway has already sent their SURB-acks, so losing them
// there is not link loss but a client losing what it was given.
type lossy struct {
	client.Conn
	p       float64
	mu      sync.Mutex
	r       *mrand.Rand
	dropped *atomic.Int64
}

func (l *lossy) drop() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.r.Float64() < l.p {
		l.dropped.Add(1)
		return true
	}
	return false
}

func (l *lossy) Send(ctx context.Context, hop sphinx.NodeAddress, size sphinx.SizeType, pkt []byte) error {
	if l.drop() {
		return nil
	}
	return l.Conn.Send(ctx, hop, size, pkt)
}

func (l *lossy) Receive(ctx context.Context) (gwclient.Delivery, error) {
	for {
		d, err := l.Conn.Receive(ctx)
		if err != nil || !d.IsAck() || !l.drop() {
			return d, err
		}
		if err := l.Conn.Ack(ctx, d.ID); err != nil {
			return gwclient.Delivery{}, err
		}
	}
}

func lossyWrap(p float64, seed uint64, dropped *atomic.Int64) func(client.Conn) client.Conn {
	r := mrand.New(mrand.NewPCG(seed, 7))
	var mu sync.Mutex
	return func(c client.Conn) client.Conn {
		mu.Lock()
		defer mu.Unlock()
		return &lossy{Conn: c, p: p, r: mrand.New(mrand.NewPCG(r.Uint64(), 0)), dropped: dropped}
	}
}

// TestLossRetransmit: with 10% of each client's outgoing packets and
// incoming deliveries dropped, a multi-fragment message still arrives intact,
// through retransmission.
func TestLossRetransmit(t *testing.T) {
	leaktest.Check(t)
	tn := startNet(t)
	var dropped atomic.Int64
	a := tn.newClient(t, 0, clientOpts{seed: 3, wrap: lossyWrap(0.1, 1, &dropped)})
	b := tn.newClient(t, 1, clientOpts{seed: 4, wrap: lossyWrap(0.1, 2, &dropped)})
	msg := make([]byte, 40<<10) // 26 fragments
	if _, err := rand.Read(msg); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Send(context.Background(), b.Address(), msg, false); err != nil {
		t.Fatal(err)
	}
	got := receive(t, b, 18*time.Second)
	if !bytes.Equal(got.Message, msg) {
		t.Fatalf("B got %d bytes, want the %d sent", len(got.Message), len(msg))
	}
	if dropped.Load() == 0 {
		t.Fatal("nothing was dropped")
	}
	t.Logf("dropped %d packets or deliveries", dropped.Load())
}

// TestFailure: when every packet is lost, the application learns which
// message failed after MaxTries sends.
func TestFailure(t *testing.T) {
	leaktest.Check(t)
	tn := startNet(t)
	var dropped atomic.Int64
	a := tn.newClient(t, 0, clientOpts{seed: 5, maxTries: 2, wrap: lossyWrap(1, 3, &dropped)})
	id, err := a.Send(context.Background(), a.Address(), []byte("lost"), false)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case f := <-a.Failures():
		if f.ID != id || f.Err == nil {
			t.Fatalf("failure %d (%v), want message %d", f.ID, f.Err, id)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no failure reported")
	}
}

// closer closes the first connection after n sends, to force a reconnect.
type closer struct {
	client.Conn
	n     *atomic.Int64
	after int64
}

func (c *closer) Send(ctx context.Context, hop sphinx.NodeAddress, size sphinx.SizeType, pkt []byte) error {
	if c.n.Add(1) == c.after {
		c.Conn.Close()
		return errors.New("closed by the test")
	}
	return c.Conn.Send(ctx, hop, size, pkt)
}

// TestReconnect: the gateway connection drops while a message is queued; the
// client reconnects and the message still arrives.
func TestReconnect(t *testing.T) {
	leaktest.Check(t)
	tn := startNet(t)
	var sends, dials atomic.Int64
	a := tn.newClient(t, 0, clientOpts{seed: 6, wrap: func(c client.Conn) client.Conn {
		dials.Add(1)
		return &closer{Conn: c, n: &sends, after: 5}
	}})
	b := tn.newClient(t, 1, clientOpts{seed: 7})
	msg := bytes.Repeat([]byte("reconnect "), 2000)
	if _, err := a.Send(context.Background(), b.Address(), msg, false); err != nil {
		t.Fatal(err)
	}
	got := receive(t, b, 18*time.Second)
	if !bytes.Equal(got.Message, msg) {
		t.Fatalf("B got %d bytes, want %d", len(got.Message), len(msg))
	}
	if dials.Load() < 2 {
		t.Fatalf("%d dials, want a reconnection", dials.Load())
	}
}

// TestLargeMessageWithLoss: a 1 MiB message (about 660 fragments; 64 KiB
// at a slower rate under the race detector) arrives intact with 10% of the packets and acks
// dropped. Random loss is not overload, so the retry backoff only slows
// recovery here; it is capped at 1 s (Config.AckMaxWait).
func TestLargeMessageWithLoss(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 1 MiB")
	}
	leaktest.Check(t)
	tn := startNet(t)
	var dropped atomic.Int64
	size, mean := 1<<20, time.Millisecond
	if raceEnabled { // the race detector makes packets ~10x dearer: keep the machine below overload
		size, mean = 64<<10, 5*time.Millisecond
	}
	a := tn.newClient(t, 0, clientOpts{seed: 8, realMean: mean,
		ackMaxWait: time.Second, wrap: lossyWrap(0.1, 4, &dropped)})
	b := tn.newClient(t, 1, clientOpts{seed: 9, wrap: lossyWrap(0.1, 5, &dropped)})
	msg := make([]byte, size)
	if _, err := rand.Read(msg); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := a.Send(context.Background(), b.Address(), msg, false); err != nil {
		t.Fatal(err)
	}
	// A hang bound, not a speed target: it takes a few seconds when the
	// machine is quiet.
	got := receive(t, b, 90*time.Second)
	if !bytes.Equal(got.Message, msg) {
		t.Fatalf("B got %d bytes, want the %d sent", len(got.Message), len(msg))
	}
	t.Logf("%d bytes in %v, %d packets or acks dropped", size, time.Since(start), dropped.Load())
}
