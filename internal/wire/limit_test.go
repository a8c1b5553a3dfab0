// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package wire_test

import (
	"io"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/wire"
)

// acceptAll accepts on ln and sends each connection on the returned
// channel until ln is closed.
func acceptAll(t *testing.T, ln net.Listener) <-chan net.Conn {
	t.Helper()
	ch := make(chan net.Conn, 16)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(ch)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			ch <- c
		}
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return ch
}

func dialTCP(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func recvConn(t *testing.T, ch <-chan net.Conn) net.Conn {
	t.Helper()
	select {
	case c := <-ch:
		t.Cleanup(func() { c.Close() })
		return c
	case <-time.After(10 * time.Second):
		t.Fatal("no connection accepted")
		return nil
	}
}

// closedByPeer reports whether c reads EOF (or a reset) within 10 s.
func closedByPeer(t *testing.T, c net.Conn) bool {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err := c.Read(make([]byte, 1))
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		return false
	}
	return err != nil
}

func TestLimitListenerPerIP(t *testing.T) {
	leaktest.Check(t)
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := wire.NewLimitListener(raw, wire.LimitConfig{MaxPerIP: 2, LimitLoopback: true})
	ch := acceptAll(t, ln)
	addr := raw.Addr().String()

	dialTCP(t, addr)
	dialTCP(t, addr)
	a := recvConn(t, ch)
	recvConn(t, ch)
	lo := netip.MustParseAddr("127.0.0.1")
	if n := ln.Open(lo); n != 2 {
		t.Fatalf("Open = %d, want 2", n)
	}

	// The third is closed by the listener without reaching the caller.
	third := dialTCP(t, addr)
	if !closedByPeer(t, third) {
		t.Fatal("third connection from one IP was not closed")
	}
	if got := ln.Refused(); got != 1 {
		t.Fatalf("Refused = %d, want 1", got)
	}
	select {
	case c := <-ch:
		t.Fatalf("refused connection %v reached Accept's caller", c.RemoteAddr())
	default:
	}

	// Closing one (twice: the second Close must not free another slot)
	// makes room for exactly one more.
	a.Close()
	a.Close()
	if n := ln.Open(lo); n != 1 {
		t.Fatalf("Open after close = %d, want 1", n)
	}
	c := dialTCP(t, addr)
	recvConn(t, ch)
	if _, err := c.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	fourth := dialTCP(t, addr)
	if !closedByPeer(t, fourth) {
		t.Fatal("connection over the limit after a close was not closed")
	}
	if got := ln.Refused(); got != 2 {
		t.Fatalf("Refused = %d, want 2", got)
	}
}

func TestLimitListenerLoopbackExempt(t *testing.T) {
	leaktest.Check(t)
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := wire.NewLimitListener(raw, wire.LimitConfig{MaxPerIP: 1})
	ch := acceptAll(t, ln)
	for range 3 {
		c := dialTCP(t, raw.Addr().String())
		s := recvConn(t, ch)
		go s.Write([]byte("y"))
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.ReadFull(c, make([]byte, 1)); err != nil {
			t.Fatalf("loopback connection not served: %v", err)
		}
	}
	if ln.Refused() != 0 {
		t.Fatalf("Refused = %d, want 0 (loopback exempt)", ln.Refused())
	}
}

func TestRemoteIP(t *testing.T) {
	cases := []struct {
		addr net.Addr
		want string
		ok   bool
	}{
		{&net.TCPAddr{IP: net.ParseIP("::ffff:10.1.2.3"), Port: 5}, "10.1.2.3", true},
		{&net.TCPAddr{IP: net.ParseIP("2001:db8::1"), Port: 5}, "2001:db8::1", true},
		{&net.UnixAddr{Name: "/tmp/x", Net: "unix"}, "", false},
		{nil, "", false},
	}
	for _, c := range cases {
		ip, ok := wire.RemoteIP(c.addr)
		if ok != c.ok || (ok && ip.String() != c.want) {
			t.Errorf("RemoteIP(%v) = %v, %v; want %s, %v", c.addr, ip, ok, c.want, c.ok)
		}
	}
}
