// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package mixnode is the packet path of a mix node: it reads Sphinx packets
// off inbound connections, unwraps them, drops replays, holds each packet
// for the delay its sender chose and forwards it to the next hop over a
// persistent connection.
//
// # Pipeline
//
// Every stage is bounded, carries one type (*packet, a pooled buffer with
// its metadata) and has a stated policy when full. Every packet that does
// not leave the node is counted in Stats.Dropped under one DropReason.
//
//	listener ──accept──▶ conn readers ──inbound──▶ unwrap workers ──Schedule──▶ delayq.Scheduler
//	                     (one per conn)   (chan)     (Workers)                      │ released (chan)
//	                                                 │ Final                        ▼
//	                                                 ▼                            router ──▶ forwarder per next hop ──▶ TCP
//	                                             Deps.Final                  Send ─┘        (queue + conn)
//
// The stages, who owns them and what happens when they are full:
//
//   - Accept loop (one goroutine, owns the listener and closes it on exit).
//     At most Config.MaxConns inbound connections are open at once; a
//     connection beyond that is closed at once and counted in
//     Stats.RefusedConns.
//   - Connection readers (one goroutine per connection, which owns and closes
//     it). Each reads frames with a wire.Reader into a pooled buffer of the
//     frame's size and stamps the receive time from the injected clock. A
//     framing error closes that connection only (docs/protocol/wire.md §2).
//   - Inbound queue (chan, Config.InboundQueue; never closed: everyone stops
//     on the context). Full policy: the readers BLOCK, so the kernel's
//     socket buffers fill and TCP pushes back on the previous hops. This
//     stage sits in front of the CPU-bound unwrap, the node's bottleneck, and
//     dropping here would waste the upstream work while blocking moves the
//     loss to the previous hop's per-next-hop drop-tail queue, where it is
//     counted against the hop that is overloaded. Blocked readers compete for
//     the channel in FIFO order, so one busy connection does not starve the
//     others. Nothing is dropped here except at shutdown.
//   - Unwrap workers (Config.Workers goroutines). Sphinx unwrap in place,
//     then the replay filter (internal/replay); drops: bad_mac, malformed
//     (any other Sphinx error), replay, final_hop (a final-hop packet and no
//     Deps.Final), too_late (header delay above Config.MaxDelay).
//   - Delay queue (internal/delayq, Config.DelayCapacity). A packet is
//     released at receive time + header delay on the injected clock. Full
//     policy: drop the newest, counted queue_full; Schedule never blocks.
//     A packet whose release time has already passed when it is unwrapped
//     (a zero delay) skips this stage and the router and goes straight to
//     its forwarder, saving two goroutine hand-offs.
//   - Released channel (chan, 256) read by one router goroutine. The
//     Scheduler blocks on it, but the router never blocks: it only does
//     non-blocking sends to forwarder queues.
//   - Forwarders (one goroutine per next-hop address, created on first use,
//     owning its queue's reads and its connection). Queue of
//     Config.ForwardQueue packets. Full policy: drop-tail, counted
//     unreachable while the hop is not connected (dialling or backing off)
//     and queue_full while it is. The forwarder dials with
//     Config.ConnectTimeout, writes frames with a wire.Writer and flushes
//     when its queue is momentarily empty; on a dial or write error it
//     closes the connection, counts the frames lost in the write buffer as
//     unreachable and waits Config.Backoff on the injected clock before
//     redialling. Writes have a deadline (Config.WriteTimeout), so a stalled
//     next hop counts as a write error. A forwarder unused for
//     Config.IdleForwarder is closed and forgotten.
//
// Buffers come from a per-size sync.Pool, are filled by the reader,
// unwrapped in place, held by the delay queue and returned to the pool by
// whoever drops them or after the forwarder has written them, so the steady
// state allocates nothing per packet.
//
// # Shutdown
//
// When Run's context is cancelled the node closes its listener and inbound
// connections; readers, workers, the delay queue and the router stop; what
// they held is dropped and counted as shutdown. Each forwarder writes what
// is in its queue if it is connected, for at most Config.ShutdownGrace on the
// injected clock (its connection is closed then, which unblocks a stalled
// write), and counts the rest as shutdown. Run logs one summary line with the
// packets still queued in each stage and returns when every goroutine it
// started has stopped.
package mixnode
