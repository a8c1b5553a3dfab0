// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package delayq holds packets until their release time: the delay stage of
// a mix node, also used by gateways and clients.
//
// It has two layers:
//
//   - Queue is the pure core, a bounded min-heap by release time that is
//     FIFO for equal times. It reads no clock and starts no goroutine.
//   - Scheduler drives a Queue on an injected clock.Clock: producers call
//     Schedule (a delay from the clock's present) or ScheduleAt (an absolute
//     release time, exact however late the call) from any goroutine, and Run
//     (one goroutine) sends each value to the output channel when its
//     release time comes.
//
// Flow in a mix node:
//
//	unwrap workers --ScheduleAt(pkt, receivedAt+headerDelay)--> Scheduler --out--> router --> per-hop forwarders
//
// Policies of the Scheduler:
//
//   - Delay cap: Schedule refuses a delay above Config.MaxDelay (default 10 s,
//     as Nym's maximum_forward_packet_delay) with ErrDelayOverCap; ScheduleAt
//     refuses a release time more than MaxDelay after the clock's present. The check
//     sits here, at the entrance of the stage that would hold the packet,
//     because the cap exists to bound how long this stage keeps memory; the
//     value checked is the delay the sender wrote, before the time the packet
//     spent in earlier stages is counted.
//   - Due at once: a zero or negative delay (a release time already past)
//     goes through the queue and out at the next turn of Run, behind values
//     already due.
//   - Full: the Scheduler holds at most Config.Capacity values (counting a
//     batch that Run has taken off the heap and is still sending); Schedule
//     refuses more with ErrFull (drop-newest). Schedule never blocks.
//   - Output: Run blocks on a full output channel. The consumer is meant to be
//     a router that hands packets to per-next-hop forwarders with their own
//     bounded drop-tail queues, so it does not block for long; meanwhile
//     Schedule keeps accepting up to Capacity and nothing due is reordered.
//   - Shutdown: when its context is cancelled, Run returns; values still held
//     (and values Schedule is offered afterwards) are dropped, counted in
//     Stats.DroppedShutdown and logged once.
//
// Every refusal is counted by reason in Stats.
package delayq
