// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package relay_test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/relay"
)

// tcpPair returns the two ends of a loopback TCP connection.
func tcpPair(t *testing.T) (*net.TCPConn, *net.TCPConn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s := <-accepted
	if s == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { c.Close(); s.Close() })
	for _, x := range []net.Conn{c, s} {
		x.SetDeadline(time.Now().Add(10 * time.Second))
	}
	return c.(*net.TCPConn), s.(*net.TCPConn)
}

// TestCopyHalfClose: each direction's EOF half-closes its destination while
// the other direction goes on, and its count is added before the peer sees
// the EOF.
func TestCopyHalfClose(t *testing.T) {
	leaktest.Check(t)
	a, aPeer := tcpPair(t)
	b, bPeer := tcpPair(t)
	var ab, ba atomic.Uint64
	done := make(chan struct{})
	go func() { relay.Copy(a, b, &ab, &ba); close(done) }()

	if _, err := aPeer.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	aPeer.CloseWrite()
	got, err := io.ReadAll(bPeer)
	if err != nil || string(got) != "hello" {
		t.Fatalf("b's peer read %q, %v; want hello then EOF", got, err)
	}
	if n := ab.Load(); n != 5 {
		t.Errorf("a→b count at EOF = %d, want 5", n)
	}
	// The other direction still works after the half-close.
	if _, err := bPeer.Write([]byte("world!")); err != nil {
		t.Fatal(err)
	}
	bPeer.CloseWrite()
	got, err = io.ReadAll(aPeer)
	if err != nil || string(got) != "world!" {
		t.Fatalf("a's peer read %q, %v; want world! then EOF", got, err)
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Copy did not return after both directions ended")
	}
	if ab.Load() != 5 || ba.Load() != 6 {
		t.Errorf("counts a→b %d, b→a %d; want 5, 6", ab.Load(), ba.Load())
	}
}

// fakeConn reads what a test feeds into its pipe and records what it is
// written and how it is closed. It has no CloseWrite.
type fakeConn struct {
	r  *io.PipeReader
	in *io.PipeWriter

	mu     sync.Mutex
	got    bytes.Buffer
	closed bool
}

func newFake() *fakeConn {
	r, w := io.Pipe()
	return &fakeConn{r: r, in: w}
}

func (f *fakeConn) Read(p []byte) (int, error) { return f.r.Read(p) }

func (f *fakeConn) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return 0, io.ErrClosedPipe
	}
	return f.got.Write(p)
}

func (f *fakeConn) Close() error {
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
	return f.r.Close() // a blocked Read returns io.ErrClosedPipe
}

func (f *fakeConn) state() (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.got.String(), f.closed
}

// feed makes f's reads return data and then end with err (nil: EOF).
func (f *fakeConn) feed(data string, err error) {
	go func() {
		f.in.Write([]byte(data))
		f.in.CloseWithError(err)
	}()
}

// halfFake is a fakeConn with CloseWrite.
type halfFake struct {
	*fakeConn
	closedWrite atomic.Bool
}

func (h *halfFake) CloseWrite() error { h.closedWrite.Store(true); return nil }

// TestCopyErrorClosesBoth: an error reading one side (a reset, not an EOF)
// closes both sides, which ends the other direction, and Copy returns.
func TestCopyErrorClosesBoth(t *testing.T) {
	leaktest.Check(t)
	a, b := newFake(), &halfFake{fakeConn: newFake()}
	a.feed("abc", errors.New("connection reset"))
	var ab atomic.Uint64
	relay.Copy(a, b, &ab, nil) // b's reads block until it is closed
	got, bClosed := b.state()
	_, aClosed := a.state()
	if got != "abc" || ab.Load() != 3 {
		t.Errorf("b got %q (count %d), want abc (3)", got, ab.Load())
	}
	if !aClosed || !bClosed || b.closedWrite.Load() {
		t.Errorf("a closed %v, b closed %v, b half-closed %v; want both closed, not half-closed",
			aClosed, bClosed, b.closedWrite.Load())
	}
}

// TestCopyEOFWithoutCloseWrite: a destination without CloseWrite is closed
// at its source's EOF.
func TestCopyEOFWithoutCloseWrite(t *testing.T) {
	leaktest.Check(t)
	a, b := &halfFake{fakeConn: newFake()}, newFake()
	a.feed("xyz", nil)
	relay.Copy(a, b, nil, nil) // b's Close ends b→a too
	got, bClosed := b.state()
	if got != "xyz" || !bClosed {
		t.Errorf("b got %q, closed %v; want xyz, closed", got, bClosed)
	}
}
