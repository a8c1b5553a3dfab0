// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package client is the core of a mixnet client: it turns an application's
// messages into fixed-size Sphinx packets sent on a Poisson stream through
// three mix layers, acknowledges and retransmits them, and turns what its
// gateway delivers back into messages. The commands and the local API are thin
// layers over it.
//
// # Flow
//
//	Send ─► queue (mu) ─► cover.Run ticks ─► NextReal builds packet ─► sink ─► gateway conn
//	                       ▲ ack.Table.Due re-queues timed-out fragments
//	gateway conn ─► connection goroutine: Receive ─► ack | reply | fragment ─► Receive() channel
//	                                      └─► gwclient Ack to the gateway
//
// Run owns two goroutines until its context ends:
//
//   - the sender (cover.Run, on Run's own goroutine): it drives the
//     real-traffic, loop-cover and drop-cover streams. At each real-stream
//     tick it calls NextReal,
//     which first moves fragments whose ack is overdue (ack.Table.Due) to the
//     front of the queue, then builds the next queued fragment into a packet
//     on a fresh route with a fresh SURB-ack (so its round-trip timer starts
//     when it leaves); with nothing queued, or no gateway connection, the tick
//     sends loop cover instead. Queued messages are never dropped while the
//     gateway is away: NextReal returns nothing until it is back.
//   - the connection loop: dials the gateway (Deps.Dial), reads its
//     deliveries and reconnects with exponential backoff when the connection
//     ends. Each delivery is handled on this goroutine and acknowledged to the
//     gateway at once: an ack opens with the ack key and settles its fragment
//     in the ack table; a reply opens with the ReplyStore; anything else is
//     opened with the encryption key, cover is dropped, and fragments go to
//     the reassembler, whose complete messages go to the receive queue and
//     from there to Receive().
//
// Loop-cover ticks build a cover packet to the client itself. Drop-cover
// ticks (off by default, as in Nym; Config.Cover.DropMean turns them on)
// build Loopix drop cover: a packet of the same size through three random
// mixes to a random gateway of the topology, addressed to a fresh random
// identity, so that gateway drops it as addressed to an unknown recipient. A packet the gateway connection fails to take is
// lost like any packet on a link: a fragment is resent when its ack times
// out, a reply (which has no ack) is gone.
//
// # State and topology
//
// With Deps.State set, the reply keys of the SURBs the client handed out
// (e2e.ReplyStore, encoded with its MarshalBinary) survive a restart: New
// loads them (a corrupt or unreadable blob is logged and ignored), and a
// third goroutine, the saver, saves them when they changed, every
// Config.StateSaveInterval on the client's clock, and once more when Run
// ends.
//
// No fragment of a message carrying SURBs leaves before their keys are
// saved, so a crash cannot lose the keys of a SURB that is out: when the
// sender reaches the first fragment of such a message at the head of the
// queue, it asks the saver for a save at once and sends cover on that tick
// (the Poisson streams keep their timing); the message leaves on a tick
// after the save. One save writes the whole store, so it covers every
// message queued before it: a burst of SURB messages (a SOCKS5 client's)
// costs one write, not one each. If the save fails it is logged and
// counted (ReplyKeyStats.SaveErrors) and the messages leave anyway, their
// keys in memory only; the saver tries again at its next interval.
//
// The reply key store is bounded (Config.ReplyKeyLimit, default 1000, keys
// kept Config.ReplyKeyTTL, default 24 h). When it is full, SendWithSURBs
// evicts the keys closest to expiry (the oldest) to make room, so SURBs
// nobody answers never stop the client from sending new ones;
// ReplyKeyStats.Evicted counts them, and a reply through an evicted SURB
// cannot be opened: it is logged at debug level, counted
// (ReplyKeyStats.Unopened), acknowledged to the gateway and dropped.
//
// Whenever no route can be built or the gateway is not in the topology, the
// client calls Deps.TopologyFailed so its owner can refresh the topology
// early.
//
// Client.mu guards the queue, the ack table, the outgoing messages, the
// ReplyStore (and the generations of its changes, saves and messages
// allowed to leave) and the reassembler; Client.connMu guards the current gateway
// connection. Failures are delivered on a buffered channel. Received
// messages go through a receive queue (a fourth goroutine hands them to the
// Receive() channel), so the connection loop never waits for the
// application: acks, replies' keys and cover keep being handled while nobody
// reads. The queue is bounded by Config.ReceiveBuffer bytes; past it the
// connection loop leaves further messages unacknowledged at the gateway,
// which keeps them and offers them again, in order, after its ack timeout
// on the same connection, until one finds the queue with room
// (Client.Deferred counts the deferrals). Messages in the queue are
// acknowledged to the gateway already, and so are the fragments of messages
// not yet complete: a crash or a stop of the client loses them (open work:
// keep both across a stop, or acknowledge only what the application took).
package client
