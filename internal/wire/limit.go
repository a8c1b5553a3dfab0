// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package wire

import (
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
)

// LimitConfig bounds the connections a LimitListener keeps open from one
// remote IP.
type LimitConfig struct {
	// MaxPerIP is the most connections open at once from one remote IP
	// (IPv4-mapped IPv6 addresses count as their IPv4 address). 0 or
	// negative means no limit.
	MaxPerIP int
	// LimitLoopback applies MaxPerIP to loopback peers too. Without it
	// they are exempt, since a local network runs every node and client
	// on 127.0.0.1.
	LimitLoopback bool
}

// LimitListener wraps a listener so that a connection from an IP that
// already has MaxPerIP open is closed as soon as it is accepted, and
// counted (Refused); Accept then goes on to the next connection, so the
// caller never sees it. A connection is counted from Accept until its
// first Close. Peers whose address is not an IP (in-memory networks) are
// never limited.
//
// The table of open connections holds one entry per remote IP with an
// open connection, so its size is bounded by the connections open.
type LimitListener struct {
	net.Listener
	cfg     LimitConfig
	refused atomic.Uint64

	mu   sync.Mutex
	open map[netip.Addr]int // guarded by mu; entries > 0 only
}

// NewLimitListener returns ln limited by cfg.
func NewLimitListener(ln net.Listener, cfg LimitConfig) *LimitListener {
	return &LimitListener{Listener: ln, cfg: cfg, open: map[netip.Addr]int{}}
}

// Refused is how many connections were closed at once for being over the
// limit.
func (l *LimitListener) Refused() uint64 { return l.refused.Load() }

// Open is how many connections from ip are open now.
func (l *LimitListener) Open(ip netip.Addr) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.open[ip.Unmap()]
}

// Accept returns the next connection within the limit.
func (l *LimitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ip, ok := l.limited(c.RemoteAddr())
		if !ok {
			return c, nil
		}
		if l.take(ip) {
			return &limitConn{Conn: c, release: func() { l.release(ip) }}, nil
		}
		l.refused.Add(1)
		c.Close()
	}
}

// limited returns the remote IP of a connection the limit applies to.
func (l *LimitListener) limited(a net.Addr) (netip.Addr, bool) {
	if l.cfg.MaxPerIP <= 0 {
		return netip.Addr{}, false
	}
	ip, ok := RemoteIP(a)
	if !ok || (ip.IsLoopback() && !l.cfg.LimitLoopback) {
		return netip.Addr{}, false
	}
	return ip, true
}

func (l *LimitListener) take(ip netip.Addr) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[ip] >= l.cfg.MaxPerIP {
		return false
	}
	l.open[ip]++
	return true
}

func (l *LimitListener) release(ip netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[ip]--; l.open[ip] <= 0 {
		delete(l.open, ip)
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
