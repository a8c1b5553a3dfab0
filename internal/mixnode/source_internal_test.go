// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package mixnode

import (
	"net"
	"testing"
)

// addrConn is a net.Conn that only has a remote address.
type addrConn struct {
	net.Conn
	remote string
}

func (c addrConn) RemoteAddr() net.Addr { return fakeAddr(c.remote) }

type fakeAddr string

func (a fakeAddr) Network() string { return "tcp" }
func (a fakeAddr) String() string  { return string(a) }

// TestPerIPSource: IPv6 peers count per /64, IPv4 (also mapped) per
// address, so one holder of a /64 can't take a fresh source per address.
func TestPerIPSource(t *testing.T) {
	var s connSet
	s.init(100, 2, false, &counters{})
	for i, c := range []struct {
		remote string
		want   addResult
	}{
		{"[2001:db8:1:2::1]:1000", addOK},
		{"[2001:db8:1:2::ffff]:1000", addOK},
		{"[2001:db8:1:2:abcd::9]:1000", addFullIP}, // same /64: third connection
		{"[2001:db8:1:3::1]:1000", addOK},          // another /64
		{"203.0.113.7:1000", addOK},
		{"[::ffff:203.0.113.7]:1000", addOK},
		{"203.0.113.7:1001", addFullIP}, // mapped and plain are one source
		{"203.0.113.8:1000", addOK},
	} {
		if got := s.add(addrConn{remote: c.remote}); got != c.want {
			t.Errorf("%d: add %s = %v, want %v", i, c.remote, got, c.want)
		}
	}
}
