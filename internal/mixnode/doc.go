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
//	listener ──accept──▶ conn readers ──inbound──▶ unwrap workers ──ScheduleAt──▶ delayq.Scheduler
//	                     (one per conn)   (chan)     (Workers)                      │ released (chan)
//	                                                 │ Final                        ▼
//	                                                 ▼                            router ──▶ forwarder per next hop ──▶ TCP
//	                                             Deps.Final                  Send ─┘        (queue + conn)
//
// The stages, who owns them and what happens when they are full:
//
//   - Accept loop (one goroutine, owns the listener and closes it on exit).
//     At most Config.MaxConns inbound connections are open at once, and
//     Config.MaxConnsPerIP (64) from one remote IP (loopback exempt, for
//     local networks, unless Config.LimitLoopback); a connection beyond
//     that is closed at once and
//     counted in Stats.RefusedConns.
//   - Connection readers (one goroutine per connection, which owns and closes
//     it). Each reads frames with a wire.Reader (16 KiB buffer) into a
//     pooled buffer of the frame's size and stamps the receive time from
//     the injected clock. A framing error closes that connection only
//     (docs/protocol/wire.md §2), and so do timeouts: no frame started for
//     Config.IdleConnTimeout (15 min, longer than an honest previous hop
//     keeps an unused connection), or a frame not complete
//     Config.FrameTimeout (10 s) after its header arrived.
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
//     released at exactly receive time + header delay on the injected clock
//     (delayq.ScheduleAt, so the time spent unwrapping is not added). Full
//     policy: drop the newest, counted queue_full; ScheduleAt never blocks.
//     A packet whose release time has already passed when it is unwrapped
//     (a zero delay) skips this stage and the router and goes straight to
//     its forwarder, saving two goroutine hand-offs.
//   - Released channel (chan, 256) read by one router goroutine. The
//     Scheduler blocks on it, but the router never blocks: it only does
//     non-blocking sends to forwarder queues.
//   - Next-hop policy. Next hops come from headers anyone can build, so a
//     new next hop must pass Config.NextHops (and Deps.AllowNextHop if
//     set) before the node dials it: never unspecified, multicast,
//     link-local, broadcast or the node's own listen address; loopback and
//     private addresses only under NextHopsPrivate, which NextHopsAuto
//     picks when the node listens on a loopback or private address.
//     Refused: dropped as bad_next_hop. At most Config.MaxForwarders (1024)
//     next hops have a forwarder; a packet to another one is dropped as
//     too_many_hops. A nym-node checks next hops against the directory's
//     topology through Deps.AllowNextHop (internal/node), so a sender can't
//     fill that table with hops of its own; without that hook it could.
//     The hook is consulted when a next hop's forwarder is created.
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
//     next hop counts as a write error. While a hop is down, packets that
//     waited more than Config.StaleAfter (10 s) are dropped as
//     unreachable, and a down forwarder whose queue is empty exits, so a
//     dead hop costs nothing once its traffic stops. A forwarder unused
//     for Config.IdleForwarder is closed and forgotten. Stats.Sent keeps
//     the counts of forgotten hops (non-zero only) for the last
//     MaxForwarders of them and folds older ones into Stats.SentOther.
//
// Deadlines and connect timeouts are measured on the connections' own
// clock (wire.ConnClock: the wall clock over TCP, the network's clock over
// wiretest), never on Deps.Clock, which times delays, backoff, idle and
// stale checks. A test can so run a fake clock over real TCP.
//
// # Memory
//
// Packets held in the delay queue and the forwarder queues together are
// bounded by Config.MaxHeldBytes (256 MiB; a packet over it is dropped as
// queue_full), on top of the count limits (DelayCapacity, ForwardQueue).
// The worst case at the defaults, all Extended packets (33,133 bytes):
// 256 MiB held; 1,024 × 33 KB ≈ 34 MB in the inbound queue; per inbound
// connection 16 KiB of read buffer plus one packet being read, × 4,096 ≈
// 200 MB; per forwarder 16 KB of queue slots plus a 64 KiB write buffer
// while connected, × 1,024 ≈ 82 MB; the replay filter's 68.6 MiB; about
// 650 MB in all. A node that sees only regular packets stays far below.
//
// # Replay window
//
// The replay filter remembers a tag for between one and two generations
// of Config.Replay.ExpectedItems (10 million) tags, not for the life of
// the key. A sender that floods about that many fresh packets (11-22 min
// at 15,000 packets/s) pushes older tags out, and a recorded packet can
// then be replayed. Key rotation, which will bound this by the key's
// lifetime, is future work (see internal/replay).
//
// Buffers come from a per-size sync.Pool, are filled by the reader,
// unwrapped in place, held by the delay queue and returned to the pool by
// whoever drops them or after the forwarder has written them, so the steady
// state allocates nothing per packet.
//
// # Fault injection (tests only)
//
// Node.SetFault makes the node drop every packet it would forward, counted
// as DropFault, until it is switched off: the network monitor's tests use
// it to make a mix fail on purpose. Nothing in the package switches it on;
// nym-node does so only through its debug API, which exists only when the
// node's config has [debug] fault_injection = true (internal/node).
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
