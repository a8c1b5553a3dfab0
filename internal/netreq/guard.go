// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package netreq

import "net/netip"

// localRanges are the address blocks the exit refuses to connect to unless
// an IP or CIDR rule inside the block admits the address (or
// Config.AllowPrivate): its own loopback, its private networks, link-local
// addresses (cloud metadata services at 169.254.169.254), and addresses
// that are not a single remote host. IPv4-mapped IPv6 addresses are
// unmapped before they are checked, so ::ffff:127.0.0.1 falls under
// 127.0.0.0/8.
var localRanges = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),      // "this network"; 0.0.0.0 reaches the local host
	netip.MustParsePrefix("10.0.0.0/8"),     // RFC 1918
	netip.MustParsePrefix("100.64.0.0/10"),  // shared address space (RFC 6598), carrier NAT and cloud internals
	netip.MustParsePrefix("127.0.0.0/8"),    // loopback
	netip.MustParsePrefix("169.254.0.0/16"), // link-local
	netip.MustParsePrefix("172.16.0.0/12"),  // RFC 1918
	netip.MustParsePrefix("192.168.0.0/16"), // RFC 1918
	netip.MustParsePrefix("224.0.0.0/4"),    // multicast
	netip.MustParsePrefix("240.0.0.0/4"),    // reserved, and the broadcast address
	netip.MustParsePrefix("::/128"),         // unspecified
	netip.MustParsePrefix("::1/128"),        // loopback
	netip.MustParsePrefix("fc00::/7"),       // unique local
	netip.MustParsePrefix("fe80::/10"),      // link-local
	netip.MustParsePrefix("fec0::/10"),      // site-local (deprecated)
	netip.MustParsePrefix("ff00::/8"),       // multicast
	netip.MustParsePrefix("::/96"),          // IPv4-compatible (deprecated), after :: and ::1
}

// localRange returns the block of localRanges that holds ip (unmapped,
// without zone), if any.
func localRange(ip netip.Addr) (netip.Prefix, bool) {
	for _, p := range localRanges {
		if p.Contains(ip) {
			return p, true
		}
	}
	return netip.Prefix{}, false
}

// admitsLocal reports whether an IP or CIDR rule that lies inside block
// admits ip: "127.0.0.0/8" or "127.0.0.1" admit 127.0.0.1, but a broad
// rule such as "0.0.0.0/0" does not, so a rule meant for the public
// Internet never opens the exit's own networks.
func (a *AllowList) admitsLocal(ip netip.Addr, block netip.Prefix) bool {
	if a == nil {
		return false
	}
	for _, p := range a.prefixes {
		if p.Contains(ip) && p.Bits() >= block.Bits() && block.Contains(p.Addr()) {
			return true
		}
	}
	return false
}
