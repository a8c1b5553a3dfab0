// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package mixnode

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/nym-go/nym/internal/clock"
	"github.com/nym-go/nym/internal/delayq"
	"github.com/nym-go/nym/internal/replay"
	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/wire"
)

// releasedQueue is the capacity of the channel between the delay queue and
// the router. The router never blocks, so it only absorbs scheduling jitter.
const releasedQueue = 256

// Errors returned by Send (wrapped) and Run.
var (
	// ErrQueueFull means the next hop's queue was full while connected.
	ErrQueueFull = errors.New("mixnode: next hop queue full")
	// ErrUnreachable means the next hop's queue was full while it was
	// not connected.
	ErrUnreachable = errors.New("mixnode: next hop unreachable")
	// ErrBadPacket means Send was given a packet whose length does not
	// match its size type, or an invalid address.
	ErrBadPacket = errors.New("mixnode: bad packet or address")
	// ErrStopped means Run has stopped the node.
	ErrStopped = errors.New("mixnode: stopped")
	// ErrBadNextHop means the next hop is refused by Config.NextHops or
	// Deps.AllowNextHop.
	ErrBadNextHop = errors.New("mixnode: next hop refused by policy")
	// ErrTooManyHops means the next hop is new and Config.MaxForwarders
	// next hops already have a forwarder.
	ErrTooManyHops = errors.New("mixnode: too many next hops")
)

// Node is a mix node's packet path. Create it with New, start it with Run.
type Node struct {
	cfg  Config
	deps Deps
	clk  clock.Clock
	// dialClk and listenClk time deadlines and connect timeouts on the
	// connections made by Deps.Dialer and Deps.Listener (wire.ConnClock).
	dialClk   clock.Clock
	listenClk clock.Clock
	log       *slog.Logger
	proc      *sphinx.Processor
	filter    *replay.Filter
	sched     *delayq.Scheduler[*packet]
	pool      *bufPool

	inbound  chan *packet // readers → workers
	released chan *packet // scheduler → router
	conns    connSet
	fwds     forwarders
	ctr      counters
	started  atomic.Bool
	fault    atomic.Bool // SetFault: drop every packet to be forwarded
}

// New returns a Node; it starts nothing until Run. It fills defaults into
// cfg (see Config.Validate) and allocates the replay filter.
func New(cfg Config, deps Deps) (*Node, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := deps.validate(); err != nil {
		return nil, err
	}
	filter, err := replay.New(cfg.Replay)
	if err != nil {
		return nil, fmt.Errorf("mixnode: replay filter: %w", err)
	}
	log := deps.Logger.With("component", "mixnode")
	n := &Node{
		cfg:       cfg,
		deps:      deps,
		clk:       deps.Clock,
		dialClk:   wire.ConnClock(deps.Dialer),
		listenClk: wire.ConnClock(deps.Listener),
		log:       log,
		proc:      sphinx.NewProcessor(deps.Key),
		filter:    filter,
		pool:      newBufPool(cfg.MaxHeldBytes),
		inbound:   make(chan *packet, cfg.InboundQueue),
		released:  make(chan *packet, releasedQueue),
	}
	n.sched, err = delayq.New(delayq.Config{MaxDelay: cfg.MaxDelay, Capacity: cfg.DelayCapacity},
		delayq.Deps[*packet]{Clock: deps.Clock, Out: n.released, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("mixnode: delay queue: %w", err)
	}
	n.conns.init(cfg.MaxConns, cfg.MaxConnsPerIP, cfg.LimitLoopback, &n.ctr)
	n.fwds.init(n, newHopFilter(cfg.NextHops, deps.Listener.Addr().String()))
	return n, nil
}

// Addr returns the listener's address.
func (n *Node) Addr() net.Addr { return n.deps.Listener.Addr() }

// Run runs the node until ctx is cancelled, then shuts it down (see the
// package documentation) and returns once everything it started has
// stopped, within ShutdownGrace (and so 5 s) of the cancellation. It
// returns nil after a cancellation, or the error that stopped the listener.
// Run may be called once.
func (n *Node) Run(ctx context.Context) error {
	if !n.started.CompareAndSwap(false, true) {
		return errors.New("mixnode: Run called twice")
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	var pipeline, inbound sync.WaitGroup
	pipeline.Go(func() { n.sched.Run(ctx) })
	for range n.cfg.Workers {
		pipeline.Go(func() { n.work(ctx) })
	}
	pipeline.Go(func() { n.route(ctx) })
	n.fwds.start(ctx)
	inbound.Go(func() {
		if err := n.acceptLoop(ctx, &inbound); err != nil {
			cancel(err)
		}
	})
	n.log.Info("mix node running", "addr", n.Addr().String(), "workers", n.cfg.Workers)

	<-ctx.Done()
	n.deps.Listener.Close()
	n.conns.closeAll()
	inbound.Wait()
	pipeline.Wait()
	n.fwds.stop()

	// Whatever is left in the channels is dropped; the Scheduler counted
	// and logged what it held.
	inLeft := drain(n.inbound, n.pool)
	relLeft := drain(n.released, n.pool)
	fwdLeft := n.fwds.drain()
	n.ctr.dropped[rShutdown].Add(uint64(inLeft + relLeft + fwdLeft))
	st := n.Stats()
	n.log.Info("mix node stopped",
		"queued_inbound", inLeft, "queued_delayed", n.sched.Stats().DroppedShutdown+uint64(relLeft),
		"queued_forwarding", fwdLeft, "dropped_shutdown", st.Dropped[DropShutdown],
		"received", st.Received)
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// drain empties ch, returning the packets to the pool, and says how many
// there were.
func drain(ch chan *packet, pool *bufPool) int {
	for i := 0; ; i++ {
		select {
		case pk := <-ch:
			pool.put(pk)
		default:
			return i
		}
	}
}

// work is one unwrap worker.
func (n *Node) work(ctx context.Context) {
	final := new(sphinx.Unwrapped) // reused, so Deps.Final gets a pointer without an allocation per packet
	for {
		select {
		case pk := <-n.inbound:
			n.process(pk, final)
			// Unwrapping is CPU-bound and the inbound queue is rarely
			// empty under load, so without yielding the workers would
			// hold every P and the goroutines that move packets on
			// (delay queue, router, forwarders, readers) would run
			// only when the runtime preempts a worker, every 10 ms.
			// Yielding costs well under a microsecond against the
			// ~50 µs of an unwrap.
			runtime.Gosched()
		case <-ctx.Done():
			return
		}
	}
}

// process takes one packet through unwrap, the replay filter and into the
// delay queue (or to Deps.Final), and drops it counted on any failure.
func (n *Node) process(pk *packet, final *sphinx.Unwrapped) {
	u, err := n.proc.Unwrap(pk.buf)
	switch {
	case errors.Is(err, sphinx.ErrBadMAC):
		n.dropPacket(pk, rBadMAC)
		return
	case err != nil:
		n.dropPacket(pk, rMalformed)
		return
	case n.filter.Seen(u.ReplayTag):
		n.dropPacket(pk, rReplay)
		return
	case u.Action == sphinx.Final:
		if n.deps.Final == nil {
			n.dropPacket(pk, rFinalHop)
			return
		}
		*final = u
		n.deps.Final(final)
		*final = sphinx.Unwrapped{}
		n.ctr.delivered.Add(1)
		n.pool.put(pk)
		return
	case u.Delay > n.cfg.MaxDelay:
		n.dropPacket(pk, rTooLate)
		return
	case len(u.Packet) != len(pk.buf):
		n.dropPacket(pk, rMalformed) // unreachable: Unwrap works in place and keeps the length
		return
	}
	pk.hop = u.NextHop
	// Release at exactly receive time + delay. A packet already due skips
	// the delay queue and its two goroutine hand-offs (the queue would
	// release it at once anyway).
	release := pk.recv.Add(u.Delay)
	if !release.After(n.clk.Now()) {
		if r, err := n.fwds.enqueue(pk); err != nil {
			n.dropPacket(pk, r)
		}
		return
	}
	if !n.pool.hold(pk) {
		n.dropPacket(pk, rQueueFull)
		return
	}
	switch err := n.sched.ScheduleAt(pk, release); {
	case err == nil:
	case errors.Is(err, delayq.ErrFull):
		n.dropPacket(pk, rQueueFull)
	case errors.Is(err, delayq.ErrDelayOverCap):
		n.dropPacket(pk, rTooLate) // unreachable: the delay left is at most u.Delay
	default: // ErrStopped, counted by the Scheduler as DroppedShutdown
		n.pool.put(pk)
	}
}

// dropPacket counts pk as dropped for r and returns its buffer.
func (n *Node) dropPacket(pk *packet, r reason) {
	n.ctr.drop(r)
	n.pool.put(pk)
}

// route hands released packets to their next hop's forwarder. It never
// blocks on a forwarder.
func (n *Node) route(ctx context.Context) {
	for {
		select {
		case pk := <-n.released:
			if r, err := n.fwds.enqueue(pk); err != nil {
				n.dropPacket(pk, r)
			}
		case <-ctx.Done():
			return
		}
	}
}

// Send enqueues a copy of pkt, a Sphinx packet of the given size, to the
// next hop addr, as if the delay queue had released it; gateways inject
// client packets and SURB-acks this way. It never blocks. When the hop's
// queue is full it drops the packet (drop-tail), counts it and returns an
// error wrapping ErrQueueFull or ErrUnreachable; it returns ErrBadPacket
// for a packet that does not match size or an invalid address, and
// ErrStopped once Run has stopped. Send may be called before Run: packets
// wait in the forwarder's queue until Run starts.
func (n *Node) Send(addr sphinx.NodeAddress, size sphinx.SizeType, pkt []byte) error {
	if !size.Valid() || len(pkt) != size.PacketSize() {
		n.ctr.drop(rMalformed)
		return fmt.Errorf("mixnode: send %d bytes as %v: %w", len(pkt), size, ErrBadPacket)
	}
	pk := n.pool.get(size)
	copy(pk.buf, pkt)
	pk.hop = addr
	pk.recv = n.clk.Now()
	r, err := n.fwds.enqueue(pk)
	if err != nil {
		n.dropPacket(pk, r)
		return fmt.Errorf("mixnode: send to %v: %w", addr, err)
	}
	return nil
}
