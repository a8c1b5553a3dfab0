// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package mixnode

import (
	"context"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/nym-go/nym/internal/clock"
	"github.com/nym-go/nym/internal/wire"
)

// flushEvery bounds how many frames a forwarder writes between flushes when
// its queue does not empty, so that Sent keeps up under sustained load.
// (The Writer's buffer already writes through when full, so this adds no
// system calls.)
const flushEvery = 64

// forward runs f's connection until ctx is cancelled or f is reaped:
// dial, write, and on failure back off and dial again. While f is down,
// packets that waited longer than StaleAfter are dropped as unreachable,
// and once its queue is empty f is reaped, so a dead next hop's goroutine
// and queue go away within about StaleAfter of its last packet.
func (n *Node) forward(ctx context.Context, f *forwarder) {
	defer func() {
		if f.head != nil { // stopped at shutdown with a packet held back
			n.dropPacket(f.head, rShutdown)
			f.head = nil
		}
	}()
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
		if !n.backoff(ctx, f, wait, idle, &sentAtTick) {
			return
		}
	}
}

// backoff waits before the next dial to f, dropping stale packets every
// StaleAfter/2 and reaping f once its queue is empty. It reports whether
// to dial again (false: f was reaped or ctx is done).
func (n *Node) backoff(ctx context.Context, f *forwarder, wait time.Duration, idle clock.Timer, sentAtTick *uint64) bool {
	t := n.clk.NewTimer(wait)
	defer t.Stop()
	stale := n.clk.NewTimer(n.cfg.StaleAfter / 2)
	defer stale.Stop()
	for {
		select {
		case <-t.C():
			n.dropStale(f)
			return true
		case <-stale.C():
			n.dropStale(f)
			if n.fwds.reap(f, sentAtTick, true) {
				return false
			}
			stale.Reset(n.cfg.StaleAfter / 2)
		case <-idle.C():
			if n.fwds.reap(f, sentAtTick, false) {
				return false
			}
			idle.Reset(n.cfg.IdleForwarder)
		case <-ctx.Done():
			return false
		}
	}
}

// dropStale drops, as unreachable, the packets at the head of f's queue
// that have waited longer than StaleAfter, keeping the first that has
// not in f.head. Only f's goroutine calls it, while f is down.
func (n *Node) dropStale(f *forwarder) {
	cutoff := n.clk.Now().Add(-n.cfg.StaleAfter)
	for {
		pk := f.head
		f.head = nil
		if pk == nil {
			select {
			case pk = <-f.q:
			default:
				return
			}
		}
		if !pk.queued.Before(cutoff) {
			f.head = pk
			return
		}
		n.dropPacket(pk, rUnreachable)
	}
}

// dial connects to addr within ConnectTimeout on the Dialer's clock.
func (n *Node) dial(ctx context.Context, addr string) (net.Conn, error) {
	dctx, cancel := context.WithCancel(ctx)
	defer cancel()
	t := n.dialClk.AfterFunc(n.cfg.ConnectTimeout, cancel)
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
	// Deadlines are on the connection's time base (wire.ConnClock), which
	// is not the node's clock when a test runs a fake clock over TCP.
	stop := context.AfterFunc(ctx, func() { dl.shutdown(n.dialClk.Now().Add(n.cfg.ShutdownGrace)) })
	defer stop()
	unflushed := 0
	var deadlineSet time.Time
	write := func(pk *packet) error {
		// Each batch gets a deadline at least 3/4 WriteTimeout away;
		// refreshing it only when a quarter has passed saves a timer
		// update per batch when batches are small.
		if now := n.dialClk.Now(); unflushed == 0 && now.Sub(deadlineSet) >= n.cfg.WriteTimeout/4 {
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
	if pk := f.head; pk != nil { // held back by a stale check: it goes first
		f.head = nil
		if err := write(pk); err != nil {
			n.ctr.dropped[rUnreachable].Add(uint64(unflushed))
			return false, err
		}
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
			if n.fwds.reap(f, sentAtTick, false) {
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
