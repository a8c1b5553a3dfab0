// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package gateway

import (
	"container/list"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/nym-go/nym/internal/clock"
	"github.com/nym-go/nym/internal/wire"
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

// maxBuckets bounds the rate limiter's memory: with this many sources
// tracked, a new source evicts the least recently used one.
const maxBuckets = 65536

// rateLimiter is a token bucket per source (an IPv4 address or an IPv6
// prefix of v6Bits bits, see wire.SourceKey) on the injected clock: rate
// tokens per minute, up to burst.
//
// The table holds at most max (default maxBuckets) buckets, in a list
// ordered by last use. A new source in a full table evicts the least
// recently used bucket (counted in evicted): the sources still active keep
// their state, so an attacker cycling through sources resets at worst the
// sources idle longest, whose buckets have mostly refilled anyway, and
// never its own or everyone's.
type rateLimiter struct {
	clk         clock.Clock
	perMin      float64
	burst       float64
	exemptLocal bool
	v6Bits      int // IPv6 prefix length; 0 means wire.DefaultIPv6Prefix
	max         int // table size; 0 means maxBuckets

	mu      sync.Mutex
	buckets map[netip.Prefix]*list.Element // guarded by mu; values are *bucket
	lru     list.List                      // guarded by mu; front = most recent
	evicted uint64                         // guarded by mu
}

type bucket struct {
	src    netip.Prefix
	tokens float64
	last   time.Time
}

// allow takes a token for ip's source, reporting whether there was one.
func (l *rateLimiter) allow(ip netip.Addr) bool {
	if l.exemptLocal && ip.IsLoopback() {
		return true
	}
	src := wire.SourceKey(ip, l.v6Bits)
	now := l.clk.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buckets == nil {
		l.buckets = map[netip.Prefix]*list.Element{}
	}
	e := l.buckets[src]
	if e == nil {
		limit := l.max
		if limit <= 0 {
			limit = maxBuckets
		}
		for len(l.buckets) >= limit {
			old := l.lru.Back()
			delete(l.buckets, l.lru.Remove(old).(*bucket).src)
			l.evicted++
		}
		e = l.lru.PushFront(&bucket{src: src, tokens: l.burst, last: now})
		l.buckets[src] = e
	} else {
		l.lru.MoveToFront(e)
	}
	b := e.Value.(*bucket)
	b.tokens = min(l.burst, b.tokens+now.Sub(b.last).Minutes()*l.perMin)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// stats returns how many sources are tracked and how many were evicted.
func (l *rateLimiter) stats() (tracked int, evicted uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets), l.evicted
}

// connCounter counts the connections open per source (an IPv4 address or
// an IPv6 prefix of v6Bits bits, see wire.SourceKey) and refuses one
// beyond max. Its table holds only sources with a connection open, so it
// is bounded by the connections the gateway holds.
type connCounter struct {
	max         int
	exemptLocal bool
	v6Bits      int // IPv6 prefix length; 0 means wire.DefaultIPv6Prefix
	mu          sync.Mutex
	open        map[netip.Prefix]int // guarded by mu; entries > 0 only
}

// take counts a new connection from ip, reporting false (and counting
// nothing) when ip's source has max open. Invalid and, if exemptLocal, loopback
// addresses are not counted.
func (c *connCounter) take(ip netip.Addr) bool {
	if !c.counted(ip) {
		return true
	}
	src := wire.SourceKey(ip, c.v6Bits)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.open == nil {
		c.open = map[netip.Prefix]int{}
	}
	if c.open[src] >= c.max {
		return false
	}
	c.open[src]++
	return true
}

// release undoes a take that returned true.
func (c *connCounter) release(ip netip.Addr) {
	if !c.counted(ip) {
		return
	}
	src := wire.SourceKey(ip, c.v6Bits)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.open[src]--; c.open[src] <= 0 {
		delete(c.open, src)
	}
}

func (c *connCounter) counted(ip netip.Addr) bool {
	return ip.IsValid() && !(c.exemptLocal && ip.IsLoopback())
}
