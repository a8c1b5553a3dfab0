// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package streams carries TCP-like streams over mixnet messages between a
// client (the side that opens streams: nym-socks5-client) and an exit (the
// side that connects them to the Internet: the exit gateway's network
// requester). The byte layout is in docs/protocol/socks5.md.
//
// # Model
//
// A Session is one client's conversation with one exit, named by a random
// 16-byte id carried in every message. Client→exit messages go through the
// client core with reply SURBs attached (Deps.Send's surbs); they are
// reliable (the core retransmits until acknowledged) but may arrive in any
// order. Exit→client messages each use one reply SURB (one credit); they may
// be lost, duplicated or reordered.
//
// Each stream has, per direction, one sequence space: seq 0 is the Open
// (client→exit) or the OpenResult (exit→client); Data, Fin (half-close) and
// Close follow. The receiver buffers frames that arrive early (bounded:
// twice the window) and releases contiguous runs. The client acknowledges
// what it received (cumulative Ack frames with a selective bitmap, batched
// for AckDelay or riding on any message that leaves); the exit sends again
// every frame not acknowledged within its retransmission timeout (adapted to
// the measured round trip, doubled per resend), and resets a stream after
// MaxRetransmits. Acks also carry the bytes the application has read, so a
// sender never has more than Window bytes unread by the peer (flow control);
// Write blocks while Window bytes wait to be framed.
//
// The exit spends a credit per message and keeps Reserve credits for
// control frames. While it has something to send and its credits plus the
// SURBs it asked for fall below a low-water mark (twice what it spends in a
// round trip: its measured sending rate × the smallest recent round trip,
// at least WantBatch/2, at most MaxCredits/2), it asks for more with a
// Want frame; Wants are cumulative and never ask beyond MaxCredits. The
// client attaches SURBsPerOpen SURBs to each Open, owes the exit the SURBs
// each Want asks for and sends them in messages that each fit in one
// packet (Deps.SURBsFit): on every message that leaves anyway, then alone,
// paced by SURBInterval, so the exit gets credits continuously rather than
// a batch at a time behind its slowest fragment. It also sends a few
// (ProbeSURBs) when a stream waits and nothing has come back for
// ProbeInterval.
//
// The client also watches the exit's liveness (liveness.go): while a stream
// expects something of the exit it pings a silent exit (Ping, answered by a
// Pong), and when nothing at all has arrived for ExitTimeout every stream
// fails with ErrExitUnreachable; FailExit does the same at once for a
// message the client core gave up on. New streams work afterwards.
//
// # Concurrency
//
// Session.mu guards all session and stream state. Run owns the only
// goroutine: each round (on a kick from Handle, Write, Read, Close or
// AddCredits, or when the earliest timer is due) it frames written data,
// picks acknowledgements, retransmissions and new frames in priority order
// (resets and wants, then acks and control frames, then data, round robin
// over streams), packs them into messages of at most MaxMessage bytes, and
// calls Deps.Send outside the lock. Handle decodes and applies a message
// under the lock and calls Deps.Accept after releasing it. Blocked Read and
// Write calls wait on their stream's own notification channel, closed by
// the next change of that stream only, and on a session-wide channel that
// the session's end closes.
// All timing uses Deps.Clock.
package streams
