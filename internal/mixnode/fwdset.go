// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package mixnode

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/nym-go/nym/internal/sphinx"
)

// forwarders is the set of per-next-hop forwarders. The router and Send
// enqueue under its lock; a forwarder removes itself under the same lock
// when idle, so no packet is queued to a forwarder that is gone.
//
// Memory is bounded: at most Config.MaxForwarders forwarders, each with a
// queue of Config.ForwardQueue pointers; and at most MaxForwarders entries
// in retired, beyond which the oldest are folded into retiredOther.
type forwarders struct {
	n       *Node
	filter  hopFilter
	mu      sync.Mutex
	m       map[sphinx.NodeAddress]*forwarder
	ctx     context.Context // Run's; nil before Run
	stopped bool
	wg      sync.WaitGroup

	retired      map[string]uint64 // Sent (> 0) of forwarders that were reaped
	retiredOrder []string          // keys of retired, oldest first
	retiredOther uint64            // Sent of retired entries evicted from the map
}

// forwarder is one next hop: its queue, read only by its goroutine, and
// its counters.
type forwarder struct {
	key       sphinx.NodeAddress
	addr      string // "ip:port"
	q         chan *packet
	connected atomic.Bool
	sent      atomic.Uint64
	// head is a packet taken off q by a stale check that was not stale;
	// it is written before q. Only f's goroutine uses it.
	head *packet
}

func (fs *forwarders) init(n *Node, filter hopFilter) {
	fs.n = n
	fs.filter = filter
	fs.m = make(map[sphinx.NodeAddress]*forwarder)
	fs.retired = make(map[string]uint64)
}

// start starts the forwarders created before Run (by Send) and makes
// enqueue start new ones at once.
func (fs *forwarders) start(ctx context.Context) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.ctx = ctx
	for _, f := range fs.m {
		fs.wg.Go(func() { fs.n.forward(ctx, f) })
	}
}

// stop refuses further packets and waits for every forwarder to return.
func (fs *forwarders) stop() {
	fs.mu.Lock()
	fs.stopped = true
	fs.mu.Unlock()
	fs.wg.Wait()
}

// drain empties every queue after stop and says how many packets were
// left.
func (fs *forwarders) drain() int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	left := 0
	for _, f := range fs.m {
		left += drain(f.q, fs.n.pool)
	}
	return left
}

// enqueue queues pk to its next hop's forwarder, creating it if needed.
// It never blocks; on failure it returns the drop reason and an error, and
// the caller still owns pk.
func (fs *forwarders) enqueue(pk *packet) (reason, error) {
	if fs.n.fault.Load() {
		return rFault, ErrFault
	}
	if !fs.n.pool.hold(pk) {
		return rQueueFull, fmt.Errorf("%w: MaxHeldBytes reached", ErrQueueFull)
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.stopped {
		return rShutdown, ErrStopped
	}
	f := fs.m[pk.hop]
	if f == nil {
		ap, err := pk.hop.AddrPort()
		if err != nil {
			return rMalformed, fmt.Errorf("%w: %w", ErrBadPacket, err)
		}
		if !fs.filter.allow(ap) || (fs.n.deps.AllowNextHop != nil && !fs.n.deps.AllowNextHop(ap)) {
			return rBadNextHop, fmt.Errorf("%w: %v", ErrBadNextHop, ap)
		}
		if len(fs.m) >= fs.n.cfg.MaxForwarders {
			return rTooManyHops, fmt.Errorf("%w: %d next hops have a forwarder", ErrTooManyHops, len(fs.m))
		}
		f = &forwarder{key: pk.hop, addr: ap.String(), q: make(chan *packet, fs.n.cfg.ForwardQueue)}
		fs.m[pk.hop] = f
		if ctx := fs.ctx; ctx != nil {
			fs.wg.Go(func() { fs.n.forward(ctx, f) })
		}
	}
	pk.queued = fs.n.clk.Now()
	select {
	case f.q <- pk:
		return 0, nil
	default:
	}
	if f.connected.Load() {
		return rQueueFull, ErrQueueFull
	}
	return rUnreachable, ErrUnreachable
}

// reap removes f if its queue is empty and either it is down (dead is
// true) or nothing was sent since the last call (sent is the count then),
// and reports whether it did. Only f's goroutine calls it.
func (fs *forwarders) reap(f *forwarder, sent *uint64, dead bool) bool {
	s := f.sent.Load()
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if (!dead && s != *sent) || len(f.q) > 0 || f.head != nil || fs.stopped {
		*sent = s
		return false
	}
	delete(fs.m, f.key)
	fs.retire(f.addr, s)
	return true
}

// retire remembers that s packets were sent to addr by a forwarder that
// is gone. The caller holds fs.mu.
func (fs *forwarders) retire(addr string, s uint64) {
	if s == 0 {
		return
	}
	if _, ok := fs.retired[addr]; !ok {
		for len(fs.retired) >= max(fs.n.cfg.MaxForwarders, 1) {
			old := fs.retiredOrder[0]
			fs.retiredOrder = fs.retiredOrder[1:]
			fs.retiredOther += fs.retired[old]
			delete(fs.retired, old)
		}
		fs.retiredOrder = append(fs.retiredOrder, addr)
	}
	fs.retired[addr] += s
}

// stats fills in Sent, SentOther, Queued.Forwarding and
// Queued.Forwarders.
func (fs *forwarders) stats(st *Stats) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	sent := make(map[string]uint64, len(fs.m)+len(fs.retired))
	for a, s := range fs.retired {
		sent[a] = s
	}
	queued := 0
	for _, f := range fs.m {
		if s := f.sent.Load(); s > 0 {
			sent[f.addr] += s
		}
		queued += len(f.q)
	}
	st.Sent, st.SentOther = sent, fs.retiredOther
	st.Queued.Forwarding, st.Queued.Forwarders = queued, len(fs.m)
}
