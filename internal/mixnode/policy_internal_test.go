// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package mixnode

import (
	"net"
	"net/netip"
	"testing"
)

func TestHopFilter(t *testing.T) {
	for _, tt := range []struct {
		policy NextHopPolicy
		listen string
		hop    string
		want   bool
	}{
		{NextHopsAuto, "1.2.3.4:1789", "5.6.7.8:1789", true},
		{NextHopsAuto, "1.2.3.4:1789", "127.0.0.1:6379", false},
		{NextHopsAuto, "1.2.3.4:1789", "10.0.0.1:1789", false},
		{NextHopsAuto, "0.0.0.0:1789", "192.168.1.1:1789", false},
		{NextHopsAuto, "127.0.0.1:1789", "127.0.0.1:1790", true},
		{NextHopsAuto, "127.0.0.1:1789", "127.0.0.1:1789", false}, // itself
		{NextHopsAuto, "10.0.0.1:1789", "10.0.0.2:1789", true},
		{NextHopsAuto, "mix1:1789", "10.0.0.2:1789", true},
		{NextHopsPublic, "127.0.0.1:1789", "127.0.0.1:1790", false},
		{NextHopsPrivate, "0.0.0.0:1789", "127.0.0.1:1789", false}, // itself
		{NextHopsPrivate, "0.0.0.0:1789", "127.0.0.1:1790", true},
		{NextHopsPrivate, "0.0.0.0:1789", "[fd00::1]:1790", true},
		{NextHopsPrivate, "1.2.3.4:1789", "0.0.0.0:1789", false},
		{NextHopsPrivate, "1.2.3.4:1789", "0.1.2.3:1789", false},
		{NextHopsPrivate, "1.2.3.4:1789", "[::]:1789", false},
		{NextHopsPrivate, "1.2.3.4:1789", "224.0.0.1:1789", false},
		{NextHopsPrivate, "1.2.3.4:1789", "[ff02::1]:1789", false},
		{NextHopsPrivate, "1.2.3.4:1789", "169.254.169.254:80", false},
		{NextHopsPrivate, "1.2.3.4:1789", "[fe80::1]:1789", false},
		{NextHopsPrivate, "1.2.3.4:1789", "255.255.255.255:1789", false},
		{NextHopsPrivate, "1.2.3.4:1789", "5.6.7.8:0", false},
		{NextHopsPrivate, "1.2.3.4:1789", "[::ffff:127.0.0.1]:1790", true},
		{NextHopsPublic, "1.2.3.4:1789", "[::ffff:127.0.0.1]:1790", false},
		{NextHopsPublic, "1.2.3.4:1789", "[2001:db8::1]:1789", true},
	} {
		f := newHopFilter(tt.policy, tt.listen)
		if got := f.allow(netip.MustParseAddrPort(tt.hop)); got != tt.want {
			t.Errorf("%v listening on %s: allow(%s) = %v, want %v", tt.policy, tt.listen, tt.hop, got, tt.want)
		}
	}
}

// fakeConn is a net.Conn with a remote address, for connSet.
type fakeConn struct {
	net.Conn
	remote net.Addr
}

func (c *fakeConn) RemoteAddr() net.Addr { return c.remote }
func (c *fakeConn) Close() error         { return nil }

func TestConnSetPerIP(t *testing.T) {
	var ctr counters
	var s connSet
	s.init(10, 2, false, &ctr)
	conn := func(a string) net.Conn {
		return &fakeConn{remote: net.TCPAddrFromAddrPort(netip.MustParseAddrPort(a))}
	}
	a1, a2 := conn("10.0.0.1:1"), conn("10.0.0.1:2")
	for _, tt := range []struct {
		c    net.Conn
		want addResult
	}{
		{a1, addOK}, {a2, addOK}, {conn("10.0.0.1:3"), addFullIP}, {conn("[::ffff:10.0.0.1]:4"), addFullIP},
		{conn("10.0.0.2:1"), addOK},
		{conn("127.0.0.1:1"), addOK}, {conn("127.0.0.1:2"), addOK}, {conn("127.0.0.1:3"), addOK}, // loopback exempt
	} {
		if got := s.add(tt.c); got != tt.want {
			t.Errorf("add(%v) = %v, want %v", tt.c.RemoteAddr(), got, tt.want)
		}
	}
	s.remove(a1)
	if got := s.add(conn("10.0.0.1:5")); got != addOK {
		t.Errorf("add after a remove = %v, want addOK", got)
	}
}

// TestConnSetLimitLoopback: with limitLoopback, loopback peers count
// against the per-IP limit, each loopback address on its own.
func TestConnSetLimitLoopback(t *testing.T) {
	var ctr counters
	var s connSet
	s.init(10, 2, true, &ctr)
	conn := func(a string) net.Conn {
		return &fakeConn{remote: net.TCPAddrFromAddrPort(netip.MustParseAddrPort(a))}
	}
	for _, tt := range []struct {
		a    string
		want addResult
	}{
		{"127.0.0.1:1", addOK}, {"127.0.0.1:2", addOK}, {"127.0.0.1:3", addFullIP},
		{"[::ffff:127.0.0.1]:4", addFullIP}, {"127.0.0.2:1", addOK}, {"[::1]:1", addOK},
	} {
		if got := s.add(conn(tt.a)); got != tt.want {
			t.Errorf("add(%s) = %v, want %v", tt.a, got, tt.want)
		}
	}
}
