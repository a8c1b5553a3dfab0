// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package wire

import (
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
)

// DefaultIPv6Prefix is the prefix length per-source limits key IPv6 peers
// by when none is configured: a /64 is what one subscriber (one host, one
// home network) usually holds, and any address in it costs its holder
// nothing, so counting addresses would give it 2^64 sources.
const DefaultIPv6Prefix = 64

// SourceKey returns the source a per-source limit counts ip under: an IPv4
// address (or an IPv4-mapped IPv6 address, unmapped) is its own /32; an
// IPv6 address is keyed by its first v6Bits bits (DefaultIPv6Prefix when
// v6Bits is 0 or negative, 128 when it is larger). An invalid ip gives
// the zero Prefix.
func SourceKey(ip netip.Addr, v6Bits int) netip.Prefix {
	if !ip.IsValid() {
		return netip.Prefix{}
	}
	ip = ip.Unmap()
	bits := 32
	if ip.Is6() {
		bits = v6Bits
		if bits <= 0 {
			bits = DefaultIPv6Prefix
		}
		bits = min(bits, 128)
	}
	p, err := ip.WithZone("").Prefix(bits)
	if err != nil { // unreachable: bits is within the family's range
		return netip.PrefixFrom(ip.WithZone(""), ip.BitLen())
	}
	return p
}

// LimitConfig bounds the connections a LimitListener keeps open from one
// source: one IPv4 address, or one IPv6 prefix (see SourceKey).
type LimitConfig struct {
	// MaxPerIP is the most connections open at once from one source
	// (IPv4-mapped IPv6 addresses count as their IPv4 address, IPv6
	// addresses by their IPv6Prefix). 0 or negative means no limit.
	MaxPerIP int
	// IPv6Prefix is the prefix length IPv6 sources are counted by
	// (default DefaultIPv6Prefix, 64; at most 128, which counts each
	// address on its own). IPv4 sources are always single addresses.
	IPv6Prefix int
	// LimitLoopback applies MaxPerIP to loopback peers too. Without it
	// they are exempt, since a local network runs every node and client
	// on 127.0.0.1.
	LimitLoopback bool
}

// LimitListener wraps a listener so that a connection from a source (an
// IPv4 address or an IPv6 prefix, see SourceKey) that already has MaxPerIP
// open is closed as soon as it is accepted, and
// counted (Refused); Accept then goes on to the next connection, so the
// caller never sees it. A connection is counted from Accept until its
// first Close. Peers whose address is not an IP (in-memory networks) are
// never limited.
//
// The table of open connections holds one entry per source with an open
// connection, so its size is bounded by the connections open.
type LimitListener struct {
	net.Listener
	cfg     LimitConfig
	refused atomic.Uint64

	mu   sync.Mutex
	open map[netip.Prefix]int // guarded by mu; entries > 0 only
}

// NewLimitListener returns ln limited by cfg.
func NewLimitListener(ln net.Listener, cfg LimitConfig) *LimitListener {
	return &LimitListener{Listener: ln, cfg: cfg, open: map[netip.Prefix]int{}}
}

// Refused is how many connections were closed at once for being over the
// limit.
func (l *LimitListener) Refused() uint64 { return l.refused.Load() }

// Open is how many connections from ip's source (its IPv6 prefix, for an
// IPv6 address) are open now.
func (l *LimitListener) Open(ip netip.Addr) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.open[SourceKey(ip, l.cfg.IPv6Prefix)]
}

// Accept returns the next connection within the limit.
func (l *LimitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		src, ok := l.limited(c.RemoteAddr())
		if !ok {
			return c, nil
		}
		if l.take(src) {
			return &limitConn{Conn: c, release: func() { l.release(src) }}, nil
		}
		l.refused.Add(1)
		c.Close()
	}
}

// limited returns the source of a connection the limit applies to.
func (l *LimitListener) limited(a net.Addr) (netip.Prefix, bool) {
	if l.cfg.MaxPerIP <= 0 {
		return netip.Prefix{}, false
	}
	ip, ok := RemoteIP(a)
	if !ok || (ip.IsLoopback() && !l.cfg.LimitLoopback) {
		return netip.Prefix{}, false
	}
	return SourceKey(ip, l.cfg.IPv6Prefix), true
}

func (l *LimitListener) take(src netip.Prefix) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[src] >= l.cfg.MaxPerIP {
		return false
	}
	l.open[src]++
	return true
}

func (l *LimitListener) release(src netip.Prefix) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[src]--; l.open[src] <= 0 {
		delete(l.open, src)
	}
}

// limitConn releases its slot on its first Close.
type limitConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// RemoteIP returns the IP of a TCP or UDP address, or of any address whose
// String is "ip:port", unmapped from IPv4-in-IPv6; ok is false for others.
func RemoteIP(a net.Addr) (ip netip.Addr, ok bool) {
	switch a := a.(type) {
	case *net.TCPAddr:
		ip, ok = netip.AddrFromSlice(a.IP)
	case *net.UDPAddr:
		ip, ok = netip.AddrFromSlice(a.IP)
	case nil:
		return netip.Addr{}, false
	default:
		ap, err := netip.ParseAddrPort(a.String())
		if err != nil {
			return netip.Addr{}, false
		}
		ip, ok = ap.Addr(), true
	}
	return ip.Unmap(), ok
}
