// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package sphinx builds and processes the Sphinx packets that carry traffic
// through the nym-go mixnet.
//
// A packet is a 348-byte header followed by a payload whose length depends on
// the packet's [SizeType]. The header holds a group element α, a MAC γ and
// encrypted routing information β for up to [MaxHops] hops. Each hop
// recovers a shared secret from α with its X25519 key, checks γ, learns the
// next hop's address and the delay to hold the packet for, blinds α for the
// next hop and removes one layer of the payload's wide-block encryption. The
// final hop learns a destination and an identifier and gets the payload.
//
// The package is pure: it starts no goroutines and reads no clock. Callers
// pass randomness as an [io.Reader] and choose per-hop delays themselves.
//
//   - A client builds packets with [NewPacket], and reply blocks with [NewSURB].
//   - A mix node or gateway unwraps packets with a [Processor], remembers each
//     packet's [ReplayTag] to refuse replays, and forwards or delivers it.
//   - A final hop or client recovers a forward packet's plaintext with
//     [OpenPayload]; a SURB's creator recovers a reply with [ReplyKeys.Open].
//
// The byte layout, the key derivation and the reasons for each choice are
// documented in docs/protocol/sphinx.md.
package sphinx
