// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package e2e builds and opens what clients send each other through the
// mixnet: end-to-end encrypted fragments, the forward packets that carry them
// with a SURB-ack in front, the SURB-acks themselves, loop cover, and replies
// through reply SURBs.
//
// The package is pure: it starts no goroutines, reads no clock and takes its
// randomness as an io.Reader.
//
// A sender, for each fragment (see internal/fragment):
//
//  1. seals it to the recipient's encryption key with Seal;
//  2. builds a SURB-ack with BuildSURBAck on an independent route back to its
//     own gateway (or uses NoAck for cover);
//  3. wraps both with Compose into a Sphinx packet for a route of three mixes
//     and the recipient's gateway.
//
// The recipient's gateway strips the SURB-ack (docs/protocol/gateway.md §3)
// and delivers the rest; the recipient calls OpenDelivery and drops cover
// (IsCover). The SURB-ack's plaintext reaches the sender's gateway, which
// delivers it with the ack flag; the sender opens it with ack.OpenAck.
//
// Reply SURBs ride at the front of a message body (AttachSURB, SplitBody).
// Their holder answers with Reply; the creator keeps the ReplyKeys in a
// ReplyStore and opens the reply with ReplyStore.Open. A full ReplyStore
// evicts the keys closest to expiry to make room (MakeRoom, Evicted).
//
// The byte layouts and the reasons for them are in
// docs/protocol/client-packets.md.
package e2e
