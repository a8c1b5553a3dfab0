// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package wire is the link layer between nodes: how Sphinx packets are
// framed on a connection, and the Dialer and Listener that nodes use
// instead of the net package, so that tests can run a whole network in
// memory with wiretest.
//
// A frame is
//
//	version u8 (= Version) ‖ size type u8 (sphinx.SizeType) ‖ packet
//
// with no length prefix: the packet's length is the size type's
// PacketSize. Reader decodes frames into caller-provided buffers without
// allocating; Writer encodes them through a buffer. Any decode error (an
// unknown version or size type, a stream that ends inside a frame, or an
// I/O error) leaves the stream unsynchronized, so the rule, as in Nym, is:
// on any error from Reader other than io.EOF between frames, close the
// connection.
//
// Connection model (used by the mix node and gateways): one persistent
// outbound connection per next-hop address, fed by a bounded drop-tail
// queue (DefaultQueueLen), dialled with DefaultConnectTimeout and redialled
// after a failure with exponential backoff (DefaultBackoff). Links are not
// encrypted yet. docs/protocol/wire.md gives the byte layout and the
// reasons for each value.
package wire
