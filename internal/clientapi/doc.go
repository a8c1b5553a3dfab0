// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package clientapi is a client's local websocket API: applications connect
// to it (by default on 127.0.0.1:1977) to send messages through the mixnet,
// answer anonymous senders through reply SURBs, learn the client's address
// and receive what arrives. The wire format, JSON text frames and binary
// frames as in Nym's v0.10 native client, is specified in
// docs/protocol/client-api.md.
//
// The Server drives a Backend (*client.Client); Conn is a Go client of the
// API, used by the nym-client send and listen commands and by other front
// ends.
//
// # Flow
//
//	app ─► websocket ─► handler goroutine (one per connection, requests in order)
//	                      ├─► Backend.Send / Reply
//	                      └─► responses ─┐
//	Backend.Receive ─► dispatcher ───────┼─► per-connection write queue ─► writer goroutine ─► app
//	Backend.Failures ─► dispatcher ──────┘
//
// Every connection has a handler goroutine (reads and handles requests) and
// a writer goroutine (the only one that writes). The handler and the
// dispatcher never block on a connection: they put frames on its write
// queue, bounded in frames and in bytes, and a full queue closes that
// connection with status 1008.
//
// The dispatcher (one goroutine, under Run) reads Backend.Receive only while
// at least one live receiving connection is open (not closed as too slow,
// not send-only), and hands each message to every such connection; a
// message it could hand to none is kept for the next. With none open,
// messages stay in the client and, by back-pressure, in the gateway's
// durable inbox. Failures are always read: each goes to the connection that
// sent the message if it is still open, else to every receiving
// connection, else to the log.
//
// Only programs on this machine may connect: a request whose Host is not a
// loopback name, or that carries an Origin header (a web page), is refused
// unless Config allows it. On shutdown, connections get Config.ShutdownGrace
// to close cleanly; then they are dropped.
package clientapi
