// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package mixnode

import (
	"fmt"
	"net/netip"
)

// NextHopPolicy says which next-hop addresses a node will connect to. Next
// hops come from Sphinx headers, which anyone can build for this node's
// key, so without a policy the node could be made to write packets to any
// service it can reach (its own loopback, a private network).
type NextHopPolicy int

// The next-hop policies. Every policy refuses unspecified addresses
// (0.0.0.0/8, ::), multicast, link-local, the IPv4 broadcast address,
// port 0 and the node's own listen address.
const (
	// NextHopsAuto, the zero value, derives the policy from the
	// listener's address: NextHopsPrivate if the node listens on a
	// loopback or private address (a local or private test network), or
	// on an address that is not an IP (an in-memory network);
	// NextHopsPublic otherwise, including when it listens on an
	// unspecified address such as 0.0.0.0. A node that listens on
	// 0.0.0.0 in a private network must set NextHopsPrivate.
	NextHopsAuto NextHopPolicy = iota
	// NextHopsPublic allows only global unicast addresses that are not
	// private (RFC 1918, fc00::/7) or loopback.
	NextHopsPublic
	// NextHopsPrivate allows public, private and loopback addresses.
	NextHopsPrivate
)

// String returns the policy's name.
func (p NextHopPolicy) String() string {
	switch p {
	case NextHopsAuto:
		return "auto"
	case NextHopsPublic:
		return "public"
	case NextHopsPrivate:
		return "private"
	}
	return fmt.Sprintf("NextHopPolicy(%d)", int(p))
}

// thisNetwork is 0.0.0.0/8, "this network" (RFC 1122): connecting there
// reaches the local host on some systems.
var thisNetwork = netip.MustParsePrefix("0.0.0.0/8")

// hopFilter decides whether a next hop may be dialled.
type hopFilter struct {
	private bool           // loopback and private addresses allowed
	self    netip.AddrPort // the listen address, unmapped; may be invalid
}

// newHopFilter resolves policy p against the listen address listen (the
// listener's Addr().String()).
func newHopFilter(p NextHopPolicy, listen string) hopFilter {
	self, err := netip.ParseAddrPort(listen)
	if err != nil {
		self = netip.AddrPort{}
	} else {
		self = netip.AddrPortFrom(self.Addr().Unmap(), self.Port())
	}
	f := hopFilter{private: p == NextHopsPrivate, self: self}
	if p == NextHopsAuto {
		a := self.Addr()
		f.private = !self.IsValid() || a.IsLoopback() || a.IsPrivate()
	}
	return f
}

// allow reports whether ap may be dialled.
func (f hopFilter) allow(ap netip.AddrPort) bool {
	a := ap.Addr().Unmap()
	switch {
	case !a.IsValid(), ap.Port() == 0,
		a.IsUnspecified(), a.Is4() && thisNetwork.Contains(a),
		a.IsMulticast(), a.IsInterfaceLocalMulticast(),
		a.IsLinkLocalUnicast(), a.IsLinkLocalMulticast(),
		a == netip.IPv4Unspecified(), a == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return false
	case f.isSelf(a, ap.Port()):
		return false
	case a.IsLoopback() || a.IsPrivate():
		return f.private
	}
	return a.IsGlobalUnicast()
}

// isSelf reports whether a:port is the node's own listen address. A node
// listening on an unspecified address is reachable on that port at
// loopback too.
func (f hopFilter) isSelf(a netip.Addr, port uint16) bool {
	if !f.self.IsValid() || port != f.self.Port() {
		return false
	}
	s := f.self.Addr()
	return a == s || (s.IsUnspecified() && a.IsLoopback())
}
