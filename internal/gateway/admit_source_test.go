// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package gateway

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/clock/clocktest"
)

// drain takes tokens for ip until refused, returning how many it got
// (bounded at 1,000).
func drain(l *rateLimiter, ip string) int {
	n := 0
	for n < 1000 && l.allow(netip.MustParseAddr(ip)) {
		n++
	}
	return n
}

// Two addresses in one /64 share a bucket; another /64 has its own; an
// IPv4-mapped address is its IPv4 address.
func TestRateLimiterIPv6Prefix(t *testing.T) {
	clk := clocktest.NewFake(time.Unix(1e9, 0))
	l := &rateLimiter{clk: clk, perMin: 10, burst: 3}
	if n := drain(l, "2001:db8:0:1::a"); n != 3 {
		t.Fatalf("first address: %d tokens, want 3", n)
	}
	if l.allow(netip.MustParseAddr("2001:db8:0:1:ffff:ffff:ffff:ffff")) {
		t.Fatal("another address in the same /64 got a token from an empty bucket")
	}
	if n := drain(l, "2001:db8:0:2::a"); n != 3 {
		t.Fatalf("another /64: %d tokens, want 3", n)
	}
	if n := drain(l, "192.0.2.1"); n != 3 {
		t.Fatalf("IPv4: %d tokens, want 3", n)
	}
	if l.allow(netip.MustParseAddr("::ffff:192.0.2.1")) {
		t.Fatal("IPv4-mapped address got a token its IPv4 address had spent")
	}
	// Refill: 10 per minute, so 6 s gives one token to the /64 again.
	clk.Advance(6 * time.Second)
	if !l.allow(netip.MustParseAddr("2001:db8:0:1::beef")) {
		t.Fatal("no token after the refill")
	}
	if tracked, _ := l.stats(); tracked != 3 {
		t.Fatalf("tracked %d sources, want 3", tracked)
	}

	// With v6Bits 128 every address is its own source.
	l = &rateLimiter{clk: clk, perMin: 10, burst: 1, v6Bits: 128}
	if drain(l, "2001:db8::1") != 1 || drain(l, "2001:db8::2") != 1 {
		t.Fatal("v6Bits 128: addresses share a bucket")
	}
}

// A full table evicts the least recently used bucket, not every bucket:
// an attacker cycling through fresh sources neither resets its own nor the
// active sources' limits.
func TestRateLimiterEvictsLRU(t *testing.T) {
	clk := clocktest.NewFake(time.Unix(1e9, 0))
	l := &rateLimiter{clk: clk, perMin: 1, burst: 2, max: 4}
	// The attacker's /64 and a well-behaved source spend their tokens.
	if drain(l, "2001:db8:bad::1") != 2 || drain(l, "198.51.100.7") != 2 {
		t.Fatal("burst not 2")
	}
	// Sources "a" and "b" arrive, then the first two are used again (and
	// refused), making "a" the least recently used.
	l.allow(netip.MustParseAddr("203.0.113.1"))
	l.allow(netip.MustParseAddr("203.0.113.2"))
	if l.allow(netip.MustParseAddr("2001:db8:bad::2")) || l.allow(netip.MustParseAddr("198.51.100.7")) {
		t.Fatal("a spent bucket gave a token")
	}
	// A hundred new sources (another /48 each, so another /64): each
	// evicts the least recently used, never the two most recent ones.
	for i := range 100 {
		if !l.allow(netip.MustParseAddr(fmt.Sprintf("2001:db8:%x::1", 0x1000+i))) {
			t.Fatalf("new source %d refused", i)
		}
		// The attacker and the well-behaved source keep using theirs.
		if l.allow(netip.MustParseAddr("2001:db8:bad::3")) || l.allow(netip.MustParseAddr("198.51.100.7")) {
			t.Fatalf("after new source %d: a spent bucket was reset", i)
		}
	}
	tracked, evicted := l.stats()
	if tracked != 4 {
		t.Fatalf("tracked %d, want the table's 4", tracked)
	}
	if evicted != 100 {
		t.Fatalf("evicted %d, want 100 (one per new source)", evicted)
	}
	// "a" was evicted: it starts again with a full bucket.
	if n := drain(l, "203.0.113.1"); n != 2 {
		t.Fatalf("evicted source: %d tokens, want a fresh 2", n)
	}
}

// connCounter counts IPv6 connections per /64 too.
func TestConnCounterIPv6Prefix(t *testing.T) {
	c := &connCounter{max: 1}
	a, b := netip.MustParseAddr("2001:db8:0:1::a"), netip.MustParseAddr("2001:db8:0:1::b")
	other := netip.MustParseAddr("2001:db8:0:2::a")
	if !c.take(a) {
		t.Fatal("first connection refused")
	}
	if c.take(b) {
		t.Fatal("a second address in the same /64 was admitted over the limit")
	}
	if !c.take(other) {
		t.Fatal("another /64 refused")
	}
	c.release(a)
	if !c.take(b) {
		t.Fatal("no room in the /64 after a release")
	}
	c.release(b)
	c.release(other)
	if len(c.open) != 0 {
		t.Fatalf("table not empty after every release: %v", c.open)
	}
}
