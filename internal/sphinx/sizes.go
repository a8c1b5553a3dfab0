// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package sphinx

import "strconv"

// Sizes of the parts of a Sphinx header, in bytes.
const (
	// GroupElementSize is the size of α, an X25519 public value.
	GroupElementSize = 32
	// MACSize is the size of the header MAC γ (HMAC-SHA256 truncated).
	MACSize = 16
	// MaxHops is the longest route a header can describe.
	MaxHops = 5
	// RoutingBlockSize is the size of one hop's routing block inside β:
	// flag 1, version 3, next address 32, delay 8, next MAC 16.
	RoutingBlockSize = 60
	// RoutingInfoSize is the size of the encrypted routing information β.
	RoutingInfoSize = MaxHops * RoutingBlockSize
	// HeaderSize is the size of a header: α ‖ γ ‖ β.
	HeaderSize = GroupElementSize + MACSize + RoutingInfoSize
	// NodeAddressSize is the size of an encoded node address.
	NodeAddressSize = 32
	// DestinationSize is the size of the final hop's destination field.
	DestinationSize = 32
	// IdentifierSize is the size of the final hop's identifier field.
	IdentifierSize = 16
	// PayloadOverhead is what a payload adds to its plaintext: 16 zero
	// bytes checked for integrity at the end, and a 0x01 end marker.
	PayloadOverhead = integritySize + 1
)

const (
	integritySize = 16
	// streamSize is the header keystream length: β plus one routing block
	// of padding that becomes the end of the next hop's β.
	streamSize = RoutingInfoSize + RoutingBlockSize
)

// SizeType identifies one of the fixed packet sizes. It travels in front of
// the packet on the wire, and a packet's length determines it.
type SizeType uint8

// The packet sizes. The zero SizeType is not valid.
const (
	// Regular packets carry 2048 bytes of plaintext (2413-byte packets).
	Regular SizeType = 1
	// Ack packets carry 21 bytes of plaintext (386-byte packets), enough
	// for an acknowledgement.
	Ack SizeType = 2
	// Extended packets carry 32 KiB of plaintext (33133-byte packets).
	Extended SizeType = 3
)

// PlaintextSize returns the largest plaintext a packet of size t carries,
// or 0 if t is not valid.
func (t SizeType) PlaintextSize() int {
	switch t {
	case Regular:
		return 2048
	case Ack:
		return 21
	case Extended:
		return 32 << 10
	}
	return 0
}

// PayloadSize returns the size of the payload of a packet of size t, or 0
// if t is not valid.
func (t SizeType) PayloadSize() int {
	if !t.Valid() {
		return 0
	}
	return t.PlaintextSize() + PayloadOverhead
}

// PacketSize returns the size of a whole packet (header and payload) of
// size t, or 0 if t is not valid.
func (t SizeType) PacketSize() int {
	if !t.Valid() {
		return 0
	}
	return HeaderSize + t.PayloadSize()
}

// Valid reports whether t is one of the defined sizes.
func (t SizeType) Valid() bool {
	return t == Regular || t == Ack || t == Extended
}

// String returns the size's name, such as "regular".
func (t SizeType) String() string {
	switch t {
	case Regular:
		return "regular"
	case Ack:
		return "ack"
	case Extended:
		return "extended"
	}
	return "SizeType(" + strconv.Itoa(int(t)) + ")"
}

// SizeTypeForPacketLen returns the size type of a packet of n bytes, and
// false if no size type has packets of that length.
func SizeTypeForPacketLen(n int) (SizeType, bool) {
	for _, t := range [...]SizeType{Regular, Ack, Extended} {
		if n == t.PacketSize() {
			return t, true
		}
	}
	return 0, false
}
