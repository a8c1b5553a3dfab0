// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package wiretest_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"testing"

	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/wire"
	"github.com/nym-go/nym/internal/wire/wiretest"
)

func TestDialAcceptEcho(t *testing.T) {
	n, _ := newNetwork(t, wiretest.Config{})
	l, err := n.Listen("mix1:1789")
	if err != nil {
		t.Fatal(err)
	}
	echoed := result(func() error {
		c, err := l.Accept()
		if err != nil {
			return err
		}
		defer c.Close()
		_, err = io.Copy(c, c)
		return err
	})

	c := dial(t, n.Dialer(), "mix1:1789")
	if c.RemoteAddr().String() != "mix1:1789" || c.RemoteAddr().Network() != "mem" {
		t.Errorf("RemoteAddr = %v/%v", c.RemoteAddr().Network(), c.RemoteAddr())
	}
	if l.Addr().String() != "mix1:1789" {
		t.Errorf("listener Addr = %v", l.Addr())
	}

	// Frames through the echo server, in both directions at once.
	var sent []wire.Frame
	for i := range 6 {
		st := []sphinx.SizeType{sphinx.Regular, sphinx.Ack, sphinx.Extended}[i%3]
		pkt := make([]byte, st.PacketSize())
		rand.NewChaCha8([32]byte{byte(i)}).Read(pkt)
		sent = append(sent, wire.Frame{Size: st, Packet: pkt})
	}
	wrote := result(func() error {
		w := wire.NewWriter(c)
		for _, f := range sent {
			if err := w.WriteFrame(f.Size, f.Packet); err != nil {
				return err
			}
		}
		return w.Flush()
	})
	r := wire.NewReader(c)
	for i, want := range sent {
		got, err := r.ReadFrame(nil)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if got.Size != want.Size || !bytes.Equal(got.Packet, want.Packet) {
			t.Fatalf("frame %d differs after the echo", i)
		}
	}
	if err := await(t, wrote, "writer"); err != nil {
		t.Fatal(err)
	}
	c.Close()
	if err := await(t, echoed, "echo server"); err != nil {
		t.Fatalf("echo server: %v", err)
	}
	l.Close()
}

func TestAddresses(t *testing.T) {
	n, _ := newNetwork(t, wiretest.Config{})
	ctx := context.Background()

	if _, err := n.DialContext(ctx, "nobody:1"); !errors.Is(err, wiretest.ErrRefused) {
		t.Fatalf("dial to an unknown address: err = %v, want ErrRefused", err)
	}
	l, err := n.Listen("a:1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Listen("a:1"); !errors.Is(err, wiretest.ErrAddrInUse) {
		t.Fatalf("second Listen on a:1: err = %v, want ErrAddrInUse", err)
	}
	l.Close()
	if _, err := n.DialContext(ctx, "a:1"); !errors.Is(err, wiretest.ErrRefused) {
		t.Fatalf("dial to a closed listener: err = %v, want ErrRefused", err)
	}
	if err := l.Close(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("second listener Close: err = %v", err)
	}
	l2, err := n.Listen("a:1")
	if err != nil {
		t.Fatalf("address not reusable after Close: %v", err)
	}
	defer l2.Close()

	e1, _ := n.Listen("host:0")
	e2, _ := n.Listen("host:0")
	if e1.Addr().String() == e2.Addr().String() || e1.Addr().String() == "host:0" {
		t.Fatalf(":0 listeners got %v and %v", e1.Addr(), e2.Addr())
	}
	c := dial(t, n, e2.Addr().String())
	s := accept(t, e2)
	if s.RemoteAddr().String() != c.LocalAddr().String() || s.LocalAddr().String() != e2.Addr().String() {
		t.Fatalf("addresses do not match: client %v→%v, server %v→%v", c.LocalAddr(), c.RemoteAddr(), s.LocalAddr(), s.RemoteAddr())
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := n.DialContext(cancelled, e1.Addr().String()); !errors.Is(err, context.Canceled) {
		t.Fatalf("dial with a done context: err = %v", err)
	}
}

func TestBacklog(t *testing.T) {
	n, _ := newNetwork(t, wiretest.Config{Backlog: 2})
	l, _ := n.Listen("b:1")
	c1 := dial(t, n, "b:1") // dials complete before Accept, as TCP connects do
	c2 := dial(t, n, "b:1")
	if _, err := n.DialContext(context.Background(), "b:1"); !errors.Is(err, wiretest.ErrRefused) {
		t.Fatalf("dial beyond the backlog: err = %v, want ErrRefused", err)
	}
	if got := n.OpenConns(); got != 4 {
		t.Fatalf("OpenConns = %d, want 4 (two connections, server ends in the backlog)", got)
	}
	// Closing the listener closes what it never accepted.
	l.Close()
	for _, c := range []net.Conn{c1, c2} {
		if _, err := c.Read(make([]byte, 1)); err != io.EOF {
			t.Fatalf("read from a connection dropped from the backlog: err = %v, want io.EOF", err)
		}
		c.Close()
	}
	if got := n.OpenConns(); got != 0 {
		t.Fatalf("OpenConns = %d, want 0", got)
	}
}

func TestNetworkClose(t *testing.T) {
	n, _ := newNetwork(t, wiretest.Config{})
	l, _ := n.Listen("n:1")
	c := dial(t, n, "n:1")
	s := accept(t, l)
	accepting := result(func() error { _, err := l.Accept(); return err })
	reading := readAsync(s, 1)
	waitBlocked(t, n, 1)
	if got := n.OpenConns(); got != 2 {
		t.Fatalf("OpenConns = %d, want 2", got)
	}

	n.Close()
	if err := await(t, accepting, "Accept"); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Accept after Network.Close: err = %v", err)
	}
	if r := await(t, reading, "Read"); !errors.Is(r.err, net.ErrClosed) {
		t.Fatalf("Read after Network.Close: err = %v", r.err)
	}
	if _, err := c.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Write after Network.Close: err = %v", err)
	}
	if got := n.OpenConns(); got != 0 {
		t.Fatalf("OpenConns = %d after Network.Close", got)
	}
	if _, err := n.Listen("n:2"); !errors.Is(err, wiretest.ErrNetworkClosed) {
		t.Fatalf("Listen after Close: err = %v", err)
	}
	if _, err := n.DialContext(context.Background(), "n:1"); !errors.Is(err, wiretest.ErrNetworkClosed) {
		t.Fatalf("Dial after Close: err = %v", err)
	}
}
