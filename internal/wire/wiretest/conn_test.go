// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package wiretest_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/wire"
	"github.com/nym-go/nym/internal/wire/wiretest"
)

func TestWritesBufferUpToBufferSize(t *testing.T) {
	n, _ := newNetwork(t, wiretest.Config{BufferSize: 100})
	l, _ := n.Listen("x:1")
	c := dial(t, n, "x:1")
	s := accept(t, l)

	// Up to the buffer size, a write completes with no reader.
	if k, err := c.Write(bytes.Repeat([]byte{'a'}, 100)); k != 100 || err != nil {
		t.Fatalf("Write = %d, %v", k, err)
	}
	// Beyond it, the write waits for the reader, then completes.
	wrote := result(func() error { _, err := c.Write(bytes.Repeat([]byte{'b'}, 150)); return err })
	waitBlocked(t, n, 1)
	got := make([]byte, 250)
	if _, err := io.ReadFull(s, got); err != nil {
		t.Fatal(err)
	}
	if err := await(t, wrote, "blocked Write"); err != nil {
		t.Fatal(err)
	}
	if want := string(bytes.Repeat([]byte{'a'}, 100)) + string(bytes.Repeat([]byte{'b'}, 150)); string(got) != want {
		t.Fatalf("read %q", got)
	}
	if k, err := c.Read(nil); k != 0 || err != nil {
		t.Fatalf("zero-length Read = %d, %v", k, err)
	}
}

func TestReadDeadline(t *testing.T) {
	n, clk := newNetwork(t, wiretest.Config{})
	l, _ := n.Listen("d:1")
	c := dial(t, n, "d:1")
	s := accept(t, l)

	// A deadline in the past fails at once.
	c.SetReadDeadline(epoch.Add(-time.Second))
	if _, err := c.Read(make([]byte, 1)); !isTimeout(err) {
		t.Fatalf("read past the deadline: err = %v, want a timeout", err)
	}

	// A blocked read times out when the clock reaches the deadline.
	c.SetReadDeadline(epoch.Add(time.Second))
	res := readAsync(c, 10)
	waitBlocked(t, n, 1)
	clk.Advance(time.Second)
	if r := await(t, res, "Read"); !isTimeout(r.err) {
		t.Fatalf("blocked read: err = %v, want a timeout", r.err)
	}

	// Extending the deadline of a blocked read moves it: the old deadline
	// passes, then data arrives and the read returns it.
	c.SetReadDeadline(clk.Now().Add(time.Second))
	res = readAsync(c, 10)
	waitBlocked(t, n, 1)
	c.SetReadDeadline(clk.Now().Add(5 * time.Second))
	clk.Advance(2 * time.Second)
	s.Write([]byte("late"))
	if r := await(t, res, "Read"); r.err != nil || r.data != "late" {
		t.Fatalf("read after extending the deadline = %q, %v", r.data, r.err)
	}

	// Clearing the deadline removes it.
	c.SetReadDeadline(time.Time{})
	clk.Advance(time.Hour)
	s.Write([]byte("ok"))
	if r := await(t, readAsync(c, 10), "Read"); r.err != nil || r.data != "ok" {
		t.Fatalf("read with no deadline = %q, %v", r.data, r.err)
	}
	if clk.Timers() != 0 {
		t.Fatalf("%d deadline timers left armed", clk.Timers())
	}
}

func TestWriteDeadline(t *testing.T) {
	n, clk := newNetwork(t, wiretest.Config{BufferSize: 10})
	l, _ := n.Listen("d:1")
	c := dial(t, n, "d:1")
	defer accept(t, l).Close()

	c.SetDeadline(epoch.Add(time.Second))
	res := result(func() readResult {
		k, err := c.Write(make([]byte, 25))
		return readResult{string(rune('0' + k)), err}
	})
	waitBlocked(t, n, 1) // the Write, after filling the buffer
	clk.Advance(time.Second)
	r := await(t, res, "Write")
	if !isTimeout(r.err) || r.data != ":" { // '0'+10: the buffer took 10 bytes
		t.Fatalf("Write into a full buffer = %q, %v; want 10 bytes and a timeout", r.data, r.err)
	}
}

func TestCloseSemantics(t *testing.T) {
	n, _ := newNetwork(t, wiretest.Config{BufferSize: 8})
	l, _ := n.Listen("c:1")

	// The peer reads what was written before Close, then io.EOF; its
	// writes fail.
	c := dial(t, n, "c:1")
	s := accept(t, l)
	c.Write([]byte("abc"))
	c.Close()
	if got, err := io.ReadAll(s); string(got) != "abc" || err != nil {
		t.Fatalf("ReadAll after peer close = %q, %v", got, err)
	}
	if _, err := s.Write([]byte("x")); !errors.Is(err, io.ErrClosedPipe) {
		t.Fatalf("write to a closed peer: err = %v", err)
	}
	// The closed end's own calls fail with net.ErrClosed.
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("read after Close: err = %v", err)
	}
	if _, err := c.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("write after Close: err = %v", err)
	}
	if err := c.Close(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("second Close: err = %v", err)
	}
	s.Close()

	// Close wakes blocked calls: the closer's own read, the peer's read
	// (io.EOF) and the peer's write into a full buffer.
	c = dial(t, n, "c:1")
	s = accept(t, l)
	ownRead := readAsync(c, 1)
	peerRead := readAsync(s, 1)
	c2 := dial(t, n, "c:1")
	s2 := accept(t, l)
	peerWrite := result(func() error { _, err := s2.Write(make([]byte, 100)); return err })
	waitBlocked(t, n, 3)
	c.Close()
	c2.Close()
	if r := await(t, ownRead, "own Read"); !errors.Is(r.err, net.ErrClosed) {
		t.Fatalf("blocked read on the closed end: err = %v", r.err)
	}
	if r := await(t, peerRead, "peer Read"); r.err != io.EOF {
		t.Fatalf("blocked read on the peer: err = %v, want io.EOF", r.err)
	}
	if err := await(t, peerWrite, "peer Write"); !errors.Is(err, io.ErrClosedPipe) {
		t.Fatalf("blocked write on the peer: err = %v", err)
	}
	s.Close()
	s2.Close()
	if got := n.OpenConns(); got != 0 {
		t.Fatalf("OpenConns = %d after closing both ends of everything", got)
	}
}

// TestConcurrentFrames runs several clients against one server, each with
// two goroutines writing whole frames on the same connection, through small
// buffers. Every frame must arrive intact: a Write is never interleaved
// with another.
func TestConcurrentFrames(t *testing.T) {
	n, _ := newNetwork(t, wiretest.Config{BufferSize: 1000})
	l, _ := n.Listen("hub:1")
	const clients, writers, frames = 4, 2, 50

	var served sync.WaitGroup
	counts := make(chan int, clients)
	served.Go(func() {
		for range clients {
			s, err := l.Accept()
			if err != nil {
				t.Error(err)
				return
			}
			served.Go(func() {
				defer s.Close()
				r := wire.NewReader(s)
				got := 0
				for {
					f, err := r.ReadFrame(nil)
					if err == io.EOF {
						counts <- got
						return
					}
					if err != nil {
						t.Errorf("server: %v", err)
						counts <- got
						return
					}
					if f.Packet[0] != f.Packet[len(f.Packet)-1] {
						t.Errorf("server: a frame was torn")
					}
					got++
				}
			})
		}
	})

	var clientsWG sync.WaitGroup
	for i := range clients {
		clientsWG.Go(func() {
			c, err := n.DialContext(context.Background(), "hub:1")
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			var wg sync.WaitGroup
			for w := range writers {
				wg.Go(func() {
					w8 := wire.NewWriter(c)
					for f := range frames {
						st := sphinx.Ack
						if f%5 == 0 {
							st = sphinx.Regular
						}
						pkt := bytes.Repeat([]byte{byte(i*writers + w)}, st.PacketSize())
						// One Flush per frame: one Write call per frame.
						if err := w8.WriteFrame(st, pkt); err != nil || w8.Flush() != nil {
							t.Errorf("client %d writer %d: %v", i, w, err)
							return
						}
					}
				})
			}
			wg.Wait()
		})
	}
	clientsWG.Wait()
	served.Wait()
	close(counts)
	total := 0
	for c := range counts {
		total += c
	}
	if total != clients*writers*frames {
		t.Fatalf("server got %d frames, want %d", total, clients*writers*frames)
	}
	l.Close()
}
