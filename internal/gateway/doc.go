// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package gateway is a nym-node's gateway: it serves clients over a
// websocket (docs/protocol/gateway.md), forwards their Sphinx packets into
// the mixnet, and delivers the packets whose final hop it is to their
// recipients, live or through a durable inbox (internal/storage).
//
// # Flow
//
//	mix node unwrap workers ──Final──▶ classify (SURB-ack split) ──┬─ recipient live ──▶ session push queue ──▶ writer ──▶ websocket
//	                                                               │                       (full: drop-tail → inbox)      │ pending table
//	                                                               └─ offline/draining ──▶ Inbox.PutAsync ──done──▶ forward SURB-ack
//	client ack ──▶ reader ──▶ pending: forward SURB-ack │ stored: Inbox.Delete
//	ack timeout / disconnect ──▶ pending ──▶ Inbox.PutAsync ──done──▶ forward SURB-ack
//	ack timeout ──▶ unacknowledged stored deliveries ──▶ fetch again from the oldest (same connection)
//
// Nothing accepted is lost: a message's SURB-ack is forwarded only once the
// message is durably in the inbox or acknowledged by its recipient. If the
// gateway dies before that, the sender's retransmission covers the loss.
//
// # Concurrency
//
//   - Gateway.Final runs on the mix node's unwrap workers and never blocks
//     on I/O: it appends to a session's bounded push queue or calls
//     PutAsync. A per-client order lock (striped) covers id assignment and
//     every inbox write of the client (arrivals, overflow spills, ack
//     timeouts, a session's end), so the inbox holds each client's
//     messages in id order, which is arrival order. When a session
//     overflows or an ack is overdue, everything it has not had
//     acknowledged goes to the inbox ahead of newer messages, and it
//     drains the inbox before pushing again. An overdue ack also covers
//     stored deliveries: the session fetches again from before the
//     oldest unacknowledged one, so a client that left deliveries
//     unacknowledged (a full receive queue) gets them again, in order,
//     on the same connection. Their ids stay known to the session, so a
//     late ack still deletes them (once).
//   - The registry (one mutex) maps each client to its one live session
//     and counts the client's inbox writes in flight. A newer authenticated
//     session replaces an older one at once; the older is closed with
//     gwproto.CloseReplaced.
//   - Each session has two goroutines: the reader (the HTTP handler's
//     goroutine, which owns the websocket's reads and the Opener) and the
//     writer (which owns the Sealer and every write but the close). The
//     reader ends the session: it cancels the writer, waits for it, moves
//     the unacknowledged messages to the inbox and unregisters.
//   - The session's mutex guards its pending table (live messages awaiting
//     an ack, with their SURB-acks) and its in-flight stored messages. The
//     ack timer (one per session, for both) runs on the injected clock. A
//     second session mutex serializes the writer's inbox fetch with the
//     reader's inbox delete on an ack, so an acknowledged message is never
//     fetched again after its delete started.
//   - Run owns the gateway's lifetime: when its context ends it closes every
//     session (gwproto.CloseShutdown) and waits for them.
package gateway
