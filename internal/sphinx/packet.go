// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package sphinx

import (
	"fmt"
	"io"
	"time"
)

// Destination is what the final hop learns about where to deliver a packet:
// in Nym, the recipient client's identity key.
type Destination [DestinationSize]byte

// Identifier is an opaque value the final hop passes on with the payload.
// SURB creators use it to find the keys that open a reply.
type Identifier [IdentifierSize]byte

// Hop is one node on a route.
type Hop struct {
	// Address is where the previous hop sends the packet. The first hop's
	// address is not in the header: the sender connects to it directly.
	Address NodeAddress
	// PublicKey is the node's X25519 key.
	PublicKey PublicKey
	// Delay is how long the node holds the packet before forwarding it.
	// It must not be negative. The final hop's delay is not encoded: the
	// final block has no delay field.
	Delay time.Duration
}

// checkRoute returns an error wrapping ErrBadRoute if route cannot be used.
func checkRoute(route []Hop) error {
	if len(route) == 0 || len(route) > MaxHops {
		return fmt.Errorf("%w: %d hops, want 1 to %d", ErrBadRoute, len(route), MaxHops)
	}
	for i, h := range route {
		if h.Delay < 0 {
			return fmt.Errorf("%w: hop %d: negative delay %v", ErrBadRoute, i, h.Delay)
		}
		if _, err := h.Address.AddrPort(); err != nil {
			return fmt.Errorf("%w: hop %d: %w", ErrBadRoute, i, err)
		}
	}
	return nil
}

// NewPacket builds a packet of the given size that travels along route and
// delivers plaintext, dest and id to the route's last hop. The packet is to
// be sent to route[0].Address. Randomness comes from rand (32 bytes for the
// ephemeral key, then the final block's padding).
//
// Each hop learns only the next hop's address and its own delay; the last
// hop learns dest, id and the payload, from which [OpenPayload] recovers
// plaintext.
func NewPacket(rand io.Reader, route []Hop, dest Destination, id Identifier, size SizeType, plaintext []byte) ([]byte, error) {
	if err := checkPlaintext(size, plaintext); err != nil {
		return nil, err
	}
	h, err := buildHeader(rand, route, &dest, &id)
	if err != nil {
		return nil, err
	}
	pkt := make([]byte, size.PacketSize())
	copy(pkt, h.header[:])
	payload := pkt[HeaderSize:]
	encodePayload(payload, plaintext)
	// Hops remove layers in route order, so the last hop's goes on first.
	for i := len(h.seeds) - 1; i >= 0; i-- {
		k := lionessKeyFromSeed(&h.seeds[i])
		k.encrypt(payload)
	}
	return pkt, nil
}
