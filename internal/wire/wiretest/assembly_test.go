// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package wiretest_test

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/delayq"
	"github.com/nym-go/nym/internal/replay"
	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/wire"
	"github.com/nym-go/nym/internal/wire/wiretest"
)

// TestBlocksAssemble wires the building blocks of a mix node into a toy
// relay B between a sender A and a receiver C, all in memory on a fake
// clock: B reads frames, drops replays, holds each packet for a delay and
// forwards it on a persistent connection. Sphinx is left out: the "tag" is
// the packet's first 16 bytes (random, as a KDF output would be) and the
// delay its 17th byte in units of 10 ms.
func TestBlocksAssemble(t *testing.T) {
	n, clk := newNetwork(t, wiretest.Config{})
	lnB, _ := n.Listen("b:1789")
	lnC, _ := n.Listen("c:1789")
	filter, err := replay.New(replay.Config{ExpectedItems: 1000, FalsePositiveRate: 1e-6})
	if err != nil {
		t.Fatal(err)
	}
	out := make(chan []byte, 16)
	sched, err := delayq.New(delayq.Config{}, delayq.Deps[[]byte]{Clock: clk, Out: out})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()

	wg.Go(func() { sched.Run(ctx) })
	wg.Go(func() { // B's inbound side: read, replay check, schedule
		conn, err := lnB.Accept()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		r := wire.NewReader(conn)
		for {
			f, err := r.ReadFrame(nil)
			if err != nil {
				if err != io.EOF {
					t.Error(err)
				}
				return
			}
			if filter.Seen([replay.TagSize]byte(f.Packet[:replay.TagSize])) {
				continue // replay: dropped
			}
			delay := time.Duration(f.Packet[replay.TagSize]) * 10 * time.Millisecond
			if err := sched.Schedule(f.Packet, delay); err != nil {
				t.Error(err)
			}
		}
	})
	wg.Go(func() { // B's forwarder to C
		conn, err := n.DialContext(ctx, "c:1789")
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		w := wire.NewWriter(conn)
		for {
			select {
			case pkt := <-out:
				if err := w.WriteFrame(sphinx.Ack, pkt); err != nil {
					t.Error(err)
					return
				}
				if len(out) == 0 {
					if err := w.Flush(); err != nil {
						t.Error(err)
						return
					}
				}
			case <-ctx.Done():
				return
			}
		}
	})

	mk := func(id, delay10ms byte) []byte {
		p := make([]byte, sphinx.Ack.PacketSize())
		rand.NewChaCha8([32]byte{id}).Read(p[:replay.TagSize])
		p[0], p[replay.TagSize] = id, delay10ms
		return p
	}
	p1, p2, p3 := mk(1, 3), mk(2, 1), mk(3, 0)
	a := dial(t, n, "b:1789")
	defer a.Close()
	wa := wire.NewWriter(a)
	for _, p := range [][]byte{p1, p2, p1, p3} { // the second p1 is a replay
		wa.WriteFrame(sphinx.Ack, p)
	}
	if err := wa.Flush(); err != nil {
		t.Fatal(err)
	}

	c := accept(t, lnC)
	defer c.Close()
	rc := wire.NewReader(c)
	next := func() []byte {
		t.Helper()
		f := await(t, result(func() wire.Frame { f, _ := rc.ReadFrame(nil); return f }), "C's read")
		return f.Packet
	}
	// p3 has no delay. It was the last frame B read, so when it arrives
	// every earlier frame has been scheduled or dropped.
	if got := next(); !bytes.Equal(got, p3) {
		t.Fatalf("first at C: packet %d, want 3", got[0])
	}
	clk.Advance(10 * time.Millisecond)
	if got := next(); !bytes.Equal(got, p2) {
		t.Fatalf("at +10ms: packet %d, want 2", got[0])
	}
	clk.Advance(20 * time.Millisecond)
	if got := next(); !bytes.Equal(got, p1) {
		t.Fatalf("at +30ms: packet %d, want 1", got[0])
	}
	if st := filter.Stats(); st.Hits != 1 {
		t.Fatalf("replays dropped = %d, want 1", st.Hits)
	}
	// The Scheduler updates Released and Queued after its send on Out
	// returns, so C can hold the last packet before they change: check
	// them only once Run has returned.
	if st := sched.Stats(); st.Scheduled != 3 {
		t.Fatalf("scheduler stats = %+v", st)
	}
	a.Close() // B's reader sees io.EOF
	cancel()
	wg.Wait()
	if st := sched.Stats(); st.Released != 3 || st.Queued != 0 || st.DroppedShutdown != 0 {
		t.Fatalf("scheduler stats after shutdown = %+v", st)
	}
}
