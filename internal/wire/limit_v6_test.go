// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package wire_test

import (
	"errors"
	"net"
	"net/netip"
	"testing"

	"github.com/nym-go/nym/internal/wire"
)

func TestSourceKey(t *testing.T) {
	cases := []struct {
		ip   string
		bits int
		want string
	}{
		{"192.0.2.7", 0, "192.0.2.7/32"},
		{"192.0.2.7", 48, "192.0.2.7/32"}, // IPv6Prefix does not apply to IPv4
		{"::ffff:192.0.2.7", 0, "192.0.2.7/32"},
		{"2001:db8:1:2:aaaa::1", 0, "2001:db8:1:2::/64"},
		{"2001:db8:1:2:aaaa::1", 64, "2001:db8:1:2::/64"},
		{"2001:db8:1:2:aaaa::1", 48, "2001:db8:1::/48"},
		{"2001:db8:1:2:aaaa::1", 128, "2001:db8:1:2:aaaa::1/128"},
		{"2001:db8:1:2:aaaa::1", 500, "2001:db8:1:2:aaaa::1/128"},
		{"fe80::1%eth0", 0, "fe80::/64"},
	}
	for _, c := range cases {
		if got := wire.SourceKey(netip.MustParseAddr(c.ip), c.bits); got.String() != c.want {
			t.Errorf("SourceKey(%s, %d) = %s, want %s", c.ip, c.bits, got, c.want)
		}
	}
	if got := wire.SourceKey(netip.Addr{}, 0); got.IsValid() {
		t.Errorf("SourceKey(invalid) = %v, want the zero Prefix", got)
	}
}

// fakeListener hands out connections with the remote addresses pushed to
// it: the IPv6 sources a test machine cannot dial from.
type fakeListener struct {
	conns chan net.Conn
}

type addrConn struct {
	net.Conn
	remote net.Addr
}

func (c addrConn) RemoteAddr() net.Addr { return c.remote }

func (l *fakeListener) Accept() (net.Conn, error) {
	c, ok := <-l.conns
	if !ok {
		return nil, errors.New("closed")
	}
	return c, nil
}
func (l *fakeListener) Close() error   { return nil }
func (l *fakeListener) Addr() net.Addr { return &net.TCPAddr{} }

// push queues a connection from ip and returns the client's end, which
// reads EOF once the listener closes the server's end.
func (l *fakeListener) push(t *testing.T, ip string) net.Conn {
	t.Helper()
	a, b := net.Pipe()
	t.Cleanup(func() { a.Close(); b.Close() })
	l.conns <- addrConn{Conn: b, remote: &net.TCPAddr{IP: net.ParseIP(ip), Port: 4000}}
	return a
}

// IPv6 sources are counted per /64 by default: two addresses in one /64
// share the limit, another /64 has its own, and IPv4-mapped addresses
// count as their IPv4 address.
func TestLimitListenerIPv6Prefix(t *testing.T) {
	fl := &fakeListener{conns: make(chan net.Conn, 8)}
	ln := wire.NewLimitListener(fl, wire.LimitConfig{MaxPerIP: 1})

	fl.push(t, "2001:db8:0:1::a")
	if _, err := ln.Accept(); err != nil {
		t.Fatal(err)
	}
	// Same /64, another address: refused, and Accept goes on to the next
	// connection, from another /64, which is served.
	fl.push(t, "2001:db8:0:1:ffff::b")
	fl.push(t, "2001:db8:0:2::a")
	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	if got := c.RemoteAddr().String(); got != "[2001:db8:0:2::a]:4000" {
		t.Fatalf("accepted %s, want the other /64's connection", got)
	}
	if ln.Refused() != 1 {
		t.Fatalf("Refused = %d, want 1", ln.Refused())
	}
	if n := ln.Open(netip.MustParseAddr("2001:db8:0:1::1234")); n != 1 {
		t.Fatalf("Open(another address in the first /64) = %d, want 1", n)
	}
	// Closing the other /64's connection does not free the first's slot.
	c.Close()
	fl.push(t, "2001:db8:0:1::c")
	fl.push(t, "::ffff:192.0.2.1")
	c, err = ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	if got := c.RemoteAddr().String(); got != "192.0.2.1:4000" {
		t.Fatalf("accepted %s, want the IPv4-mapped connection", got)
	}
	if ln.Refused() != 2 || ln.Open(netip.MustParseAddr("192.0.2.1")) != 1 {
		t.Fatalf("Refused = %d, Open(192.0.2.1) = %d; want 2, 1",
			ln.Refused(), ln.Open(netip.MustParseAddr("192.0.2.1")))
	}
}

// IPv6Prefix 128 counts each address on its own; 48 groups /64s.
func TestLimitListenerIPv6PrefixConfigured(t *testing.T) {
	for _, c := range []struct {
		bits     int
		accepted bool
	}{{128, true}, {48, false}} {
		fl := &fakeListener{conns: make(chan net.Conn, 8)}
		ln := wire.NewLimitListener(fl, wire.LimitConfig{MaxPerIP: 1, IPv6Prefix: c.bits})
		fl.push(t, "2001:db8:0:1::a")
		if _, err := ln.Accept(); err != nil {
			t.Fatal(err)
		}
		fl.push(t, "2001:db8:0:2::a") // another /64 in the same /48
		fl.push(t, "2001:db9::1")     // another /48
		got, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		second := got.RemoteAddr().String() == "[2001:db8:0:2::a]:4000"
		if second != c.accepted {
			t.Errorf("IPv6Prefix %d: accepted %s; want the same /48's second /64 accepted = %v",
				c.bits, got.RemoteAddr(), c.accepted)
		}
	}
}
