// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package mixnode

import (
	"context"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nym-go/nym/internal/clock"
	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/wire"
)

// flushEvery bounds how many frames a forwarder writes between flushes when
// its queue does not empty, so that Sent keeps up under sustained load.
// (The Writer's buffer already writes through when full, so this adds no
// system calls.)
const flushEvery = 64

// forwarders is the set of per-next-hop forwarders. The router and Send
// enqueue under its lock; a forwarder removes itself under the same lock
// when idle, so no packet is queued to a forwarder that is gone.
type forwarders struct {
	n       *Node
	mu      sync.Mutex
	m       map[sphinx.NodeAddress]*forwarder
	ctx     context.Context // Run's; nil before Run
	stopped bool
	retired map[string]uint64 // Sent of forwarders that were reaped
	wg      sync.WaitGroup
}

// forwarder is one next hop: its queue, read only by its goroutine, and
// its counters.
type forwarder struct {
	key       sphinx.NodeAddress
	addr      string // "ip:port"
	q         chan *packet
	connected atomic.Bool
	sent      atomic.Uint64
}

func (fs *forwarders) init(n *Node) {
	fs.n = n
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
		f = &forwarder{key: pk.hop, addr: ap.String(), q: make(chan *packet, fs.n.cfg.ForwardQueue)}
		fs.m[pk.hop] = f
		if ctx := fs.ctx; ctx != nil {
			fs.wg.Go(func() { fs.n.forward(ctx, f) })
		}
	}
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

// reap removes f if nothing was sent since the last call (sent is the
// count then) and its queue is empty, and reports whether it did.
func (fs *forwarders) reap(f *forwarder, sent *uint64) bool {
	s := f.sent.Load()
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if s != *sent || len(f.q) > 0 || fs.stopped {
		*sent = s
		return false
	}
	delete(fs.m, f.key)
	fs.retired[f.addr] += s
	return true
}

// stats returns Sent by next hop and the packets queued to forwarders.
func (fs *forwarders) stats() (map[string]uint64, int) {
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
	return sent, queued
}

// forward runs f's connection until ctx is cancelled or f is reaped:
// dial, write, and on failure back off and dial again.
func (n *Node) forward(ctx context.Context, f *forwarder) {
	idle := n.clk.NewTimer(n.cfg.IdleForwarder)
	defer idle.Stop()
	var sentAtTick uint64
	failures := 0
	for {
		conn, err := n.dial(ctx, f.addr)
		if err == nil {
			failures = 0
			f.connected.Store(true)
			done, werr := n.pump(ctx, f, conn, idle, &sentAtTick)
			f.connected.Store(false)
			conn.Close()
			if done {
				return
			}
			err = werr
		}
		if ctx.Err() != nil {
			return
		}
		failures++
		wait := n.cfg.Backoff.Delay(failures)
		n.log.Debug("next hop down", "next_hop", f.addr, "err", err, "failures", failures, "retry_in", wait)
		t := n.clk.NewTimer(wait)
	backoff:
		for {
			select {
			case <-t.C():
				break backoff
			case <-idle.C():
				if n.fwds.reap(f, &sentAtTick) {
					t.Stop()
					return
				}
				idle.Reset(n.cfg.IdleForwarder)
			case <-ctx.Done():
				t.Stop()
				return
			}
		}
	}
}

// dial connects to addr within ConnectTimeout on the node's clock.
func (n *Node) dial(ctx context.Context, addr string) (net.Conn, error) {
	dctx, cancel := context.WithCancel(ctx)
	defer cancel()
	t := n.clk.AfterFunc(n.cfg.ConnectTimeout, cancel)
	defer t.Stop()
	c, err := n.deps.Dialer.DialContext(dctx, addr)
	if err != nil {
		return nil, fmt.Errorf("mixnode: connect to %s: %w", addr, err)
	}
	return c, nil
}

// pump writes f's queue to conn. It returns done = true when f is finished
// (reaped, or ctx cancelled and the queue written within ShutdownGrace),
// or an error when a write failed; the frames lost with it are counted.
func (n *Node) pump(ctx context.Context, f *forwarder, conn net.Conn, idle clock.Timer, sentAtTick *uint64) (done bool, err error) {
	w := wire.NewWriter(conn)
	dl := &deadline{conn: conn}
	stop := context.AfterFunc(ctx, func() { dl.shutdown(n.clk.Now().Add(n.cfg.ShutdownGrace)) })
	defer stop()
	unflushed := 0
	var deadlineSet time.Time
	write := func(pk *packet) error {
		// Each batch gets a deadline at least 3/4 WriteTimeout away;
		// refreshing it only when a quarter has passed saves a timer
		// update per batch when batches are small.
		if now := n.clk.Now(); unflushed == 0 && now.Sub(deadlineSet) >= n.cfg.WriteTimeout/4 {
			dl.batch(now.Add(n.cfg.WriteTimeout))
			deadlineSet = now
		}
		unflushed++
		err := w.WriteFrame(pk.size, pk.buf)
		n.pool.put(pk)
		return err
	}
	flush := func() error {
		if err := w.Flush(); err != nil {
			return err
		}
		f.sent.Add(uint64(unflushed))
		unflushed = 0
		return nil
	}
	for {
		select {
		case pk := <-f.q:
			err := write(pk)
			if err == nil && (len(f.q) == 0 || unflushed >= flushEvery) {
				err = flush()
			}
			if err != nil {
				r := rUnreachable
				if ctx.Err() != nil {
					r = rShutdown // the shutdown deadline cut the write short
				}
				n.ctr.dropped[r].Add(uint64(unflushed))
				return false, err
			}
		case <-idle.C():
			if n.fwds.reap(f, sentAtTick) {
				return true, nil
			}
			idle.Reset(n.cfg.IdleForwarder)
		case <-ctx.Done():
			// Write what is queued; the deadline set at cancellation
			// bounds this. Run counts what is left.
			var err error
			for err == nil && len(f.q) > 0 {
				err = write(<-f.q)
			}
			if err == nil {
				err = flush()
			}
			if err != nil {
				n.ctr.dropped[rShutdown].Add(uint64(unflushed))
			}
			return true, nil
		}
	}
}

// deadline sets a connection's write deadlines: one per batch of writes
// while running, and one final deadline once shutdown starts that later
// batches cannot extend.
type deadline struct {
	conn net.Conn
	mu   sync.Mutex
	shut bool
}

// batch sets the deadline of the next batch of writes, unless shutdown
// has started.
func (d *deadline) batch(t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.shut {
		d.conn.SetWriteDeadline(t) // an error here shows up in the write
	}
}

// shutdown sets the final deadline: a write blocked on a stalled next hop
// fails at t.
func (d *deadline) shutdown(t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.shut = true
	d.conn.SetWriteDeadline(t)
}
