// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package mixnode

import "sync/atomic"

// DropReason says why a packet did not leave the node.
type DropReason string

// The drop reasons.
const (
	// DropQueueFull: a bounded queue was full (the delay queue, or a
	// connected next hop's forwarder queue), or Send found it full, or
	// holding the packet would pass Config.MaxHeldBytes.
	DropQueueFull DropReason = "queue_full"
	// DropReplay: the packet's replay tag was seen before under this key.
	DropReplay DropReason = "replay"
	// DropBadMAC: the header MAC did not match (tampered, or not for this
	// node's key).
	DropBadMAC DropReason = "bad_mac"
	// DropMalformed: any other Sphinx error, or a bad argument to Send.
	DropMalformed DropReason = "malformed"
	// DropTooLate: the header delay is above Config.MaxDelay.
	DropTooLate DropReason = "too_late"
	// DropUnreachable: the next hop's queue was full while it was not
	// connected, the packet waited longer than Config.StaleAfter for a
	// hop that was not connected, or frames were lost in a failed write.
	DropUnreachable DropReason = "unreachable"
	// DropFinalHop: a final-hop packet reached a node without Deps.Final.
	DropFinalHop DropReason = "final_hop"
	// DropShutdown: the packet was still queued when the node stopped.
	DropShutdown DropReason = "shutdown"
	// DropBadNextHop: the next hop is refused by Config.NextHops (or
	// Deps.AllowNextHop): unspecified, multicast, link-local, broadcast,
	// this node itself, or loopback/private under NextHopsPublic.
	DropBadNextHop DropReason = "bad_next_hop"
	// DropTooManyHops: the packet's next hop is new and
	// Config.MaxForwarders next hops already have a forwarder.
	DropTooManyHops DropReason = "too_many_hops"
	// DropFault: the test-only fault switch (Node.SetFault) is on and
	// the packet was to be forwarded.
	DropFault DropReason = "fault"
)

// reason indexes the drop counters.
type reason int

const (
	rQueueFull reason = iota
	rReplay
	rBadMAC
	rMalformed
	rTooLate
	rUnreachable
	rFinalHop
	rShutdown
	rBadNextHop
	rTooManyHops
	rFault
	numReasons
)

var reasonNames = [numReasons]DropReason{
	rQueueFull:   DropQueueFull,
	rReplay:      DropReplay,
	rBadMAC:      DropBadMAC,
	rMalformed:   DropMalformed,
	rTooLate:     DropTooLate,
	rUnreachable: DropUnreachable,
	rFinalHop:    DropFinalHop,
	rShutdown:    DropShutdown,
	rBadNextHop:  DropBadNextHop,
	rTooManyHops: DropTooManyHops,
	rFault:       DropFault,
}

// Stats counts what a Node did since New. Counters are cumulative; Queued
// and Connections are current values.
type Stats struct {
	// Received counts packets read off inbound connections.
	Received uint64
	// Sent counts packets written, by next hop "ip:port". A packet counts
	// once the flush that carries its frame to the connection succeeds
	// (a forwarder flushes when its queue empties, or every 64 frames);
	// frames lost with a failed write count as unreachable instead.
	// Only next hops that have a forwarder, or had one recently, are
	// listed: once more than Config.MaxForwarders next hops that went
	// away are remembered, the oldest are folded into SentOther.
	Sent map[string]uint64
	// SentOther counts packets sent to next hops no longer listed in Sent.
	SentOther uint64
	// Delivered counts final-hop packets handed to Deps.Final.
	Delivered uint64
	// Dropped counts packets that did not leave the node, by reason. Every
	// reason is present, zero or not.
	Dropped map[DropReason]uint64
	// Queued is how many packets each stage holds now.
	Queued QueueStats
	// Connections is the number of open inbound connections.
	Connections int
	// RefusedConns counts inbound connections closed at once because
	// Config.MaxConns were open, or Config.MaxConnsPerIP from its IP.
	RefusedConns uint64
	// ClosedConns counts inbound connections closed because of a framing
	// or read error, or a timeout (Config.IdleConnTimeout,
	// Config.FrameTimeout), but not the peer's clean close.
	ClosedConns uint64
}

// QueueStats are the current lengths of the pipeline's queues.
type QueueStats struct {
	// Inbound is frames waiting for an unwrap worker.
	Inbound int
	// Delayed is packets in the delay queue, including those released and
	// not yet routed to a forwarder.
	Delayed int
	// Forwarding is packets in forwarder queues, summed over next hops.
	Forwarding int
	// HeldBytes is the packet bytes held in the delay queue and forwarder
	// queues, bounded by Config.MaxHeldBytes.
	HeldBytes int64
	// Forwarders is the number of next hops with a forwarder.
	Forwarders int
}

// counters are the node's hot-path counters, all atomics.
type counters struct {
	received  atomic.Uint64
	delivered atomic.Uint64
	conns     atomic.Int64
	refused   atomic.Uint64
	closed    atomic.Uint64
	dropped   [numReasons]atomic.Uint64
}

func (c *counters) drop(r reason) { c.dropped[r].Add(1) }

// Stats returns the node's counters. It is cheap and safe for concurrent
// use: it reads atomics and walks the forwarders under a lock.
func (n *Node) Stats() Stats {
	st := Stats{
		Received:     n.ctr.received.Load(),
		Delivered:    n.ctr.delivered.Load(),
		Dropped:      make(map[DropReason]uint64, numReasons),
		Connections:  int(n.ctr.conns.Load()),
		RefusedConns: n.ctr.refused.Load(),
		ClosedConns:  n.ctr.closed.Load(),
	}
	for r := range numReasons {
		st.Dropped[reasonNames[r]] = n.ctr.dropped[r].Load()
	}
	ds := n.sched.Stats()
	st.Dropped[DropShutdown] += ds.DroppedShutdown // the Scheduler counts its own
	st.Queued.Inbound = len(n.inbound)
	st.Queued.Delayed = ds.Queued + len(n.released)
	n.fwds.stats(&st)
	st.Queued.HeldBytes = n.pool.held.Load()
	return st
}
