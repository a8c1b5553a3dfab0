// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package gateway

import (
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/nym-go/nym/internal/clock"
)

// remoteIP returns the request's peer address, or an invalid Addr.
func remoteIP(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return ip.Unmap()
}

// maxBuckets bounds the rate limiter's memory; beyond it, full (idle)
// buckets are pruned, and if none are, the table is reset.
const maxBuckets = 65536

// rateLimiter is a token bucket per remote IP on the injected clock: rate
// tokens per minute, up to burst.
type rateLimiter struct {
	clk         clock.Clock
	perMin      float64
	burst       float64
	exemptLocal bool
	mu          sync.Mutex
	buckets     map[netip.Addr]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

// allow takes a token for ip, reporting whether there was one.
func (l *rateLimiter) allow(ip netip.Addr) bool {
	if l.exemptLocal && ip.IsLoopback() {
		return true
	}
	now := l.clk.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buckets == nil {
		l.buckets = map[netip.Addr]*bucket{}
	}
	b := l.buckets[ip]
	if b == nil {
		if len(l.buckets) >= maxBuckets {
			l.prune(now)
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[ip] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.last).Minutes()*l.perMin)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

func (l *rateLimiter) prune(now time.Time) {
	for ip, b := range l.buckets {
		if b.tokens+now.Sub(b.last).Minutes()*l.perMin >= l.burst {
			delete(l.buckets, ip)
		}
	}
	if len(l.buckets) >= maxBuckets {
		clear(l.buckets)
	}
}

// connCounter counts the connections open per remote IP and refuses one
// beyond max. Its table holds only IPs with a connection open, so it is
// bounded by the connections the gateway holds.
type connCounter struct {
	max         int
	exemptLocal bool
	mu          sync.Mutex
	open        map[netip.Addr]int
}

// take counts a new connection from ip, reporting false (and counting
// nothing) when ip has max open. Invalid and, if exemptLocal, loopback
// addresses are not counted.
func (c *connCounter) take(ip netip.Addr) bool {
	if !c.counted(ip) {
		return true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.open == nil {
		c.open = map[netip.Addr]int{}
	}
	if c.open[ip] >= c.max {
		return false
	}
	c.open[ip]++
	return true
}

// release undoes a take that returned true.
func (c *connCounter) release(ip netip.Addr) {
	if !c.counted(ip) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.open[ip]--; c.open[ip] <= 0 {
		delete(c.open, ip)
	}
}

func (c *connCounter) counted(ip netip.Addr) bool {
	return ip.IsValid() && !(c.exemptLocal && ip.IsLoopback())
}
