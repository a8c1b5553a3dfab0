// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package sphinx

import (
	"errors"
	"fmt"
)

// Errors returned when processing packets and encoded values. They are
// sentinels for use with [errors.Is]; returned errors may wrap them with
// more detail.
var (
	// ErrMalformed means the input has the wrong length, an unknown size
	// type, or a field that can never be valid.
	ErrMalformed = errors.New("sphinx: malformed input")
	// ErrBadMAC means the header MAC did not match: the header was
	// modified, or the packet was not made for this node's key.
	ErrBadMAC = errors.New("sphinx: header MAC mismatch")
	// ErrUnknownFlag means the routing block's flag is neither forward
	// nor final.
	ErrUnknownFlag = errors.New("sphinx: unknown routing flag")
	// ErrUnknownVersion means the routing block has a format version this
	// package does not implement.
	ErrUnknownVersion = errors.New("sphinx: unknown header version")
	// ErrPayloadIntegrity means a payload's integrity prefix or end marker
	// was wrong: the payload was modified in transit, or opened with the
	// wrong keys.
	ErrPayloadIntegrity = errors.New("sphinx: payload integrity check failed")
	// ErrBadAddress means a node address could not be encoded or decoded.
	ErrBadAddress = errors.New("sphinx: invalid node address")
	// ErrBadRoute means a route given to NewPacket or NewSURB cannot be
	// used: no hops or too many, a negative delay, or an unusable key.
	ErrBadRoute = errors.New("sphinx: invalid route")
	// ErrPlaintextTooLong means a plaintext does not fit the packet size.
	ErrPlaintextTooLong = errors.New("sphinx: plaintext too long for packet size")
)

// Wrapped errors for the packet path, built once so that rejecting a packet
// does not allocate.
var (
	errPacketLength   = fmt.Errorf("%w: packet length matches no size type", ErrMalformed)
	errAlphaEncoding  = fmt.Errorf("%w: group element is not canonically encoded", ErrMalformed)
	errAlphaLowOrder  = fmt.Errorf("%w: group element has small order", ErrMalformed)
	errNextHopAddress = fmt.Errorf("%w: next hop: %w", ErrMalformed, ErrBadAddress)
	errDelayRange     = fmt.Errorf("%w: delay out of range", ErrMalformed)
)

var (
	errAddressVersion = fmt.Errorf("%w: unknown IP version", ErrBadAddress)
	errAddressPadding = fmt.Errorf("%w: non-zero padding", ErrBadAddress)
	errAddressMapped  = fmt.Errorf("%w: IPv4-mapped address encoded as IPv6", ErrBadAddress)
)
