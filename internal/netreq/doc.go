// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package netreq is the network requester: the exit service of an exit
// gateway that connects the streams of mixnet clients (nym-socks5-client)
// to TCP targets and sends the answers back through reply SURBs, so it
// never learns who the clients are.
//
// The requester is itself a mixnet client (Deps.Client, a *client.Client
// with its own keys at its own gateway, run by the caller). For each
// message it receives (not a reply):
//
//  1. streams.SessionIDOf names the session; a new id starts a
//     streams.Session in the Exit role only if the message carries at least
//     one reply SURB and an Open frame (otherwise it is dropped and counted,
//     Stats.UnknownSession), and only up to MaxSessions (more are dropped
//     and counted);
//  2. every reply SURB of the message goes into that session's pool (up to
//     MaxSURBsPerSession; the excess is dropped and counted) and becomes a
//     credit (Session.AddCredits);
//  3. the message goes to Session.Handle. The session's Send answers with
//     the oldest SURB of the pool (client.Reply): one message per SURB.
//
// A new stream's target is checked against the allow list (AllowList;
// Config.OpenProxy turns the check off). A domain is then resolved
// (Deps.Resolver, within DialTimeout) and each address, like an IP target,
// is checked against the local ranges (loopback, private, link-local,
// unspecified, multicast; IPv4-mapped forms unmapped first): such an
// address passes only if an IP or CIDR rule inside its range admits it, or
// with Config.AllowPrivate. Only the addresses that pass are dialled, as
// IPs, in the resolver's order until one connects, with at most MaxDials
// connects at a time. The stream is answered with Stream.Accept or
// Stream.Refuse(reason), where reason is coarse ("bad target", not
// allowed, "connect failed: timeout|connection refused|unreachable") and
// the details are logged. A host refused by the allow list is appended,
// once, to unknown.list next to the allow list (at most MaxUnknown hosts).
// An accepted stream is copied both ways; the end of one direction
// half-closes the other side.
//
// The allow list file is re-read when its modification time or size
// changes, checked every ReloadInterval on Deps.Clock.
// docs/protocol/exit.md explains these choices.
//
// A session that receives no message for SessionIdle ends, with its streams
// and SURBs. Run's goroutine reads the client's messages and runs the
// timers; each session runs its own Run goroutine and each stream a
// goroutine (two while copying); all end when Run's ctx does.
package netreq
