// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package sphinx

import (
	"encoding/binary"
	"math"
	"strconv"
	"time"
)

// Processor unwraps packets addressed to one node's key. It holds no state
// besides the key and is safe for concurrent use.
type Processor struct {
	key PrivateKey
}

// NewProcessor returns a Processor for the node whose private key is key.
func NewProcessor(key PrivateKey) *Processor {
	return &Processor{key: key}
}

// Action says what a node does with an unwrapped packet.
type Action uint8

// The actions.
const (
	// Forward means: hold the packet for Delay, then send it to NextHop.
	Forward Action = 1
	// Final means: this node is the last hop; deliver the payload to
	// Destination.
	Final Action = 2
)

// String returns "forward" or "final".
func (a Action) String() string {
	switch a {
	case Forward:
		return "forward"
	case Final:
		return "final"
	}
	return "Action(" + strconv.Itoa(int(a)) + ")"
}

// Unwrapped is the result of unwrapping one packet.
type Unwrapped struct {
	// Action says which of the fields below are set.
	Action Action
	// Size is the packet's size type, which forwarding keeps.
	Size SizeType
	// ReplayTag identifies the packet at this node; see [ReplayTag].
	ReplayTag ReplayTag

	// NextHop, Delay and Packet are set when Action is Forward. Packet is
	// the packet to send, in the buffer given to Unwrap.
	NextHop NodeAddress
	Delay   time.Duration
	Packet  []byte

	// Destination, Identifier and Payload are set when Action is Final.
	// Payload is the packet's payload, in the buffer given to Unwrap; for
	// a forward packet [OpenPayload] recovers the plaintext from it, for a
	// reply sent with a SURB the SURB's creator opens it with
	// [ReplyKeys.Open].
	Destination Destination
	Identifier  Identifier
	Payload     []byte
}

// Unwrap processes one packet that arrived at this node, in place: on
// success pkt holds the packet for the next hop, or the final payload
// after the header. It fails with an error wrapping ErrBadMAC (the header
// was modified or is not for this key), ErrMalformed (a wrong length or
// group element, or an authenticated routing block whose next hop or delay
// is invalid), ErrUnknownFlag or ErrUnknownVersion. Until the MAC has been
// checked pkt is not modified; after a later failure its contents are
// unspecified.
//
// Unwrap does not check the replay tag: the caller does that, and drops the
// result if it has seen the tag before.
func (p *Processor) Unwrap(pkt []byte) (Unwrapped, error) {
	size, ok := SizeTypeForPacketLen(len(pkt))
	if !ok {
		return Unwrapped{}, errPacketLength
	}
	alpha := (*[GroupElementSize]byte)(pkt)
	if !canonicalU(alpha) {
		return Unwrapped{}, errAlphaEncoding
	}
	s, ok := sharedSecret((*[32]byte)(&p.key), alpha)
	if !ok {
		return Unwrapped{}, errAlphaLowOrder
	}
	keys := deriveHopKeys(&s)
	beta := pkt[offBeta:HeaderSize]
	mac := headerMAC(&keys.mac, beta)
	if !macEqual(&mac, (*[MACSize]byte)(pkt[offMAC:])) {
		return Unwrapped{}, ErrBadMAC
	}

	stream := newHeaderStream(&keys.header)
	stream.XORKeyStream(beta, beta)
	flag := beta[0]
	if flag != flagForward && flag != flagFinal {
		return Unwrapped{}, ErrUnknownFlag
	}
	if [3]byte(beta[offVersion:]) != headerVersion {
		return Unwrapped{}, ErrUnknownVersion
	}
	res := Unwrapped{Size: size, ReplayTag: keys.replay}
	if flag == flagForward {
		res.Action = Forward
		res.NextHop = NodeAddress(beta[offAddress:])
		if _, err := res.NextHop.AddrPort(); err != nil {
			return Unwrapped{}, errNextHopAddress
		}
		d := binary.BigEndian.Uint64(beta[offDelay:])
		if d > math.MaxInt64 {
			return Unwrapped{}, errDelayRange
		}
		res.Delay = time.Duration(d)
		res.Packet = pkt
		copy(pkt[offMAC:offBeta], beta[offNextMAC:RoutingBlockSize])
		// The next β is the rest of this one followed by the keystream's
		// last block (the padding that is the next hop's filler).
		copy(beta, beta[RoutingBlockSize:])
		tail := beta[RoutingInfoSize-RoutingBlockSize:]
		clear(tail)
		stream.XORKeyStream(tail, tail)
		next, _ := sharedSecret(&keys.blind, alpha) // α has passed the small-order check
		copy(alpha[:], next[:])
	} else {
		res.Action = Final
		res.Destination = Destination(beta[offDest:])
		res.Identifier = Identifier(beta[offID:])
		res.Payload = pkt[HeaderSize:]
	}
	k := lionessKeyFromSeed(&keys.payload)
	k.decrypt(pkt[HeaderSize:])
	return res, nil
}

// canonicalU reports whether u is the canonical encoding of a field
// element: less than 2^255 - 19. X25519 ignores the top bit and reduces
// modulo p, so without this check a header could be changed in α without
// changing the shared secret (and the MAC would still verify).
func canonicalU(u *[32]byte) bool {
	if u[31] != 0x7f {
		return u[31] < 0x7f
	}
	for _, b := range u[1:31] {
		if b != 0xff {
			return true
		}
	}
	return u[0] < 0xed
}
