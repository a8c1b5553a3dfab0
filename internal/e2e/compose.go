// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package e2e

import (
	"fmt"
	"io"
	"time"

	"github.com/nym-go/nym/internal/ack"
	"github.com/nym-go/nym/internal/address"
	"github.com/nym-go/nym/internal/fragment"
	"github.com/nym-go/nym/internal/sphinx"
)

// SURBAck is the acknowledgement a sender puts in front of a forward
// packet's plaintext. The recipient's gateway sends Packet to FirstHop once
// it has accepted the message; the packet then travels to the sender's
// gateway, which delivers its 21-byte plaintext (ack.SealAck) to the sender.
type SURBAck struct {
	// FirstHop is the first mix of the ack's route. The zero address means
	// "no ack" (NoAck).
	FirstHop sphinx.NodeAddress
	// Packet is an Ack-size Sphinx packet, or nil with the zero FirstHop.
	Packet []byte
}

// NoAck is the SURB-ack of a packet that wants no acknowledgement (cover
// traffic): an all-zero first hop, followed by 386 zero bytes.
var NoAck = SURBAck{}

// appendTo appends the 418-byte encoding of a to dst.
func (a SURBAck) appendTo(dst []byte) ([]byte, error) {
	if a.FirstHop == (sphinx.NodeAddress{}) {
		if a.Packet != nil {
			return nil, fmt.Errorf("%w: SURB-ack packet without a first hop", ErrMalformed)
		}
		return append(dst, make([]byte, SURBAckSize)...), nil
	}
	if len(a.Packet) != ackPacketSize {
		return nil, fmt.Errorf("%w: %d-byte SURB-ack packet, want %d", ErrMalformed, len(a.Packet), ackPacketSize)
	}
	dst = append(dst, a.FirstHop[:]...)
	return append(dst, a.Packet...), nil
}

// SplitSURBAck splits a forward packet's plaintext, as its final hop opens
// it, into the SURB-ack and the sealed fragment, as the gateway does
// (docs/protocol/gateway.md §3). ok is false for NoAck. The slices alias
// plaintext.
func SplitSURBAck(plaintext []byte) (a SURBAck, sealed []byte, ok bool, err error) {
	if len(plaintext) < SURBAckSize {
		return a, nil, false, fmt.Errorf("%w: %d-byte plaintext is shorter than a SURB-ack", ErrMalformed, len(plaintext))
	}
	copy(a.FirstHop[:], plaintext[:sphinx.NodeAddressSize])
	sealed = plaintext[SURBAckSize:]
	if a.FirstHop == (sphinx.NodeAddress{}) {
		return a, sealed, false, nil
	}
	a.Packet = plaintext[sphinx.NodeAddressSize:SURBAckSize]
	return a, sealed, true, nil
}

// BuildSURBAck builds the SURB-ack for fragment id: an Ack-size packet along
// ackRoute (three mixes, then the sender's own gateway) whose plaintext is
// ack.SealAck(ackKey, id), addressed to the sender's identity. totalDelay is
// the sum of the delays the mixes on ackRoute will apply, for the
// retransmission timer (ack.Table).
func BuildSURBAck(rand io.Reader, ackRoute []sphinx.Hop, sender address.Address, ackKey []byte, id fragment.ID) (SURBAck, time.Duration, error) {
	if len(ackRoute) == 0 {
		return SURBAck{}, 0, fmt.Errorf("%w: empty ack route", sphinx.ErrBadRoute)
	}
	payload, err := ack.SealAck(ackKey, id, rand)
	if err != nil {
		return SURBAck{}, 0, err
	}
	pkt, err := sphinx.NewPacket(rand, ackRoute, sphinx.Destination(sender.Identity), sphinx.Identifier{}, sphinx.Ack, payload[:])
	if err != nil {
		return SURBAck{}, 0, fmt.Errorf("e2e: building SURB-ack: %w", err)
	}
	return SURBAck{FirstHop: ackRoute[0].Address, Packet: pkt}, routeDelay(ackRoute), nil
}

// routeDelay sums the delays of every hop but the last, whose delay is not
// encoded (the final hop delivers at once).
func routeDelay(route []sphinx.Hop) time.Duration {
	var d time.Duration
	for _, h := range route[:len(route)-1] {
		d += h.Delay
	}
	return d
}

// Compose builds the forward packet that carries sealed (from Seal) with
// surbAck in front, along route (three mixes, then dest's gateway), to the
// client dest. The plaintext is surbAck.FirstHop ‖ surbAck.Packet ‖ sealed;
// Sphinx pads it to the packet size with its end marker and zeros, so a
// packet of a given size looks the same whatever sealed's length. size must
// be Regular or Extended, and sealed at most FragmentCapacity(size) +
// SealOverhead bytes. It returns the packet and the address to send it to.
func Compose(rand io.Reader, route []sphinx.Hop, dest address.Address, surbAck SURBAck, sealed []byte, size sphinx.SizeType) (sphinx.NodeAddress, []byte, error) {
	if len(route) == 0 {
		return sphinx.NodeAddress{}, nil, fmt.Errorf("%w: empty route", sphinx.ErrBadRoute)
	}
	if FragmentCapacity(size) == 0 {
		return sphinx.NodeAddress{}, nil, fmt.Errorf("%w: %v packets cannot carry a fragment", ErrMalformed, size)
	}
	if limit := FragmentCapacity(size) + SealOverhead; len(sealed) > limit {
		return sphinx.NodeAddress{}, nil, fmt.Errorf("%w: %d-byte sealed fragment, %v packets hold %d", sphinx.ErrPlaintextTooLong, len(sealed), size, limit)
	}
	plaintext := make([]byte, 0, SURBAckSize+len(sealed))
	plaintext, err := surbAck.appendTo(plaintext)
	if err != nil {
		return sphinx.NodeAddress{}, nil, err
	}
	plaintext = append(plaintext, sealed...)
	pkt, err := sphinx.NewPacket(rand, route, sphinx.Destination(dest.Identity), sphinx.Identifier{}, size, plaintext)
	if err != nil {
		return sphinx.NodeAddress{}, nil, fmt.Errorf("e2e: building packet: %w", err)
	}
	return route[0].Address, pkt, nil
}

// CoverFragment returns the fragment loop cover carries: capacity zero
// bytes, which reads as message id 0, a value fragment.Split never uses.
// Sealed like any fragment, a cover packet looks like real traffic to
// everyone but its recipient.
func CoverFragment(capacity int) []byte {
	return make([]byte, max(capacity, 0))
}

// IsCover reports whether an opened fragment is loop cover (message id 0).
// Receivers drop cover after Open.
func IsCover(frag []byte) bool {
	if len(frag) < fragment.HeaderSize {
		return false
	}
	for _, b := range frag[:8] {
		if b != 0 {
			return false
		}
	}
	return true
}

// ComposeCover builds a loop cover packet from self to self along route
// (three mixes, then self's gateway): a sealed CoverFragment of the full
// capacity of size, so it has the size of a real packet. surbAck is NoAck
// or a SURB-ack, as the caller's cover policy wants.
func ComposeCover(rand io.Reader, route []sphinx.Hop, self address.Address, surbAck SURBAck, size sphinx.SizeType) (sphinx.NodeAddress, []byte, error) {
	sealed, err := Seal(rand, self.Encryption, CoverFragment(FragmentCapacity(size)))
	if err != nil {
		return sphinx.NodeAddress{}, nil, err
	}
	return Compose(rand, route, self, surbAck, sealed, size)
}
