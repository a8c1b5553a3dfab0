// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package sphinx

import (
	"fmt"
	"io"
)

// A SURB (single-use reply block) lets its holder send one packet along a
// route that the holder cannot see, to the SURB's creator. It follows the
// Sphinx paper rather than Nym: the holder gets the header, the first hop's
// address and one fresh payload key, not the hops' payload keys, so it can
// neither read the route nor recognise its reply after the first hop. The
// creator keeps [ReplyKeys] and opens the reply with them. See
// docs/protocol/sphinx.md for what each party learns.

// SURBSize is the size of a marshalled SURB: size type (1) ‖ header ‖
// first hop ‖ reply key seed.
const SURBSize = 1 + HeaderSize + NodeAddressSize + PayloadKeySeedSize

// SURB is a single-use reply block, as handed to the party that will reply.
// Using it twice sends two packets with the same header, and the first hop
// refuses the second as a replay.
type SURB struct {
	// Size is the size of the packet the SURB makes.
	Size SizeType
	// Header is the precomputed header for the reply route.
	Header [HeaderSize]byte
	// FirstHop is where to send the reply packet.
	FirstHop NodeAddress
	// Key is the seed of the Lioness key the holder encrypts the reply
	// payload with.
	Key [PayloadKeySeedSize]byte
}

// ReplyKeys are what a SURB's creator keeps to open the reply: the SURB's
// key and the payload key seed of every hop on the reply route. They are
// secret.
type ReplyKeys struct {
	size  SizeType
	reply [PayloadKeySeedSize]byte
	hops  [][PayloadKeySeedSize]byte
}

// NewSURB creates a SURB whose reply travels along route and reaches its
// last hop with dest and id, and the keys that open the reply. The creator
// keeps the ReplyKeys (typically under id, which the last hop reports with
// the payload) and hands out the SURB. Randomness comes from rand: the
// header's as in [NewPacket], then 16 bytes for the SURB's key.
func NewSURB(rand io.Reader, route []Hop, dest Destination, id Identifier, size SizeType) (*SURB, *ReplyKeys, error) {
	if !size.Valid() {
		return nil, nil, fmt.Errorf("%w: size type %v", ErrMalformed, size)
	}
	h, err := buildHeader(rand, route, &dest, &id)
	if err != nil {
		return nil, nil, err
	}
	s := &SURB{Size: size, Header: h.header, FirstHop: route[0].Address}
	if _, err := io.ReadFull(rand, s.Key[:]); err != nil {
		return nil, nil, fmt.Errorf("sphinx: reading randomness: %w", err)
	}
	return s, &ReplyKeys{size: size, reply: s.Key, hops: h.seeds}, nil
}

// Use builds the reply packet that carries plaintext, and returns it with
// the address to send it to.
func (s *SURB) Use(plaintext []byte) ([]byte, NodeAddress, error) {
	if err := checkPlaintext(s.Size, plaintext); err != nil {
		return nil, NodeAddress{}, err
	}
	pkt := make([]byte, s.Size.PacketSize())
	copy(pkt, s.Header[:])
	payload := pkt[HeaderSize:]
	encodePayload(payload, plaintext)
	k := lionessKeyFromSeed(&s.Key)
	k.encrypt(payload)
	return pkt, s.FirstHop, nil
}

// MarshalBinary encodes s as size type ‖ header ‖ first hop ‖ key
// (SURBSize bytes).
func (s *SURB) MarshalBinary() ([]byte, error) {
	b := make([]byte, 0, SURBSize)
	b = append(b, byte(s.Size))
	b = append(b, s.Header[:]...)
	b = append(b, s.FirstHop[:]...)
	b = append(b, s.Key[:]...)
	return b, nil
}

// UnmarshalBinary decodes a SURB encoded by MarshalBinary. It checks the
// length, the size type and the first hop's address; the header is opaque
// to the holder.
func (s *SURB) UnmarshalBinary(b []byte) error {
	if len(b) != SURBSize {
		return fmt.Errorf("%w: SURB is %d bytes, want %d", ErrMalformed, len(b), SURBSize)
	}
	size := SizeType(b[0])
	if !size.Valid() {
		return fmt.Errorf("%w: SURB size type %v", ErrMalformed, size)
	}
	b = b[1:]
	first := NodeAddress(b[HeaderSize:])
	if _, err := first.AddrPort(); err != nil {
		return fmt.Errorf("%w: SURB first hop: %w", ErrMalformed, err)
	}
	*s = SURB{Size: size, Header: [HeaderSize]byte(b), FirstHop: first, Key: [PayloadKeySeedSize]byte(b[HeaderSize+NodeAddressSize:])}
	return nil
}

// Size returns the size type of the SURB the keys belong to.
func (k *ReplyKeys) Size() SizeType { return k.size }

// Open recovers the plaintext of a reply sent with the SURB these keys
// belong to, from the payload its last hop delivered (the Payload of an
// [Unwrapped]). It works in place and the plaintext aliases payload. It
// returns an error wrapping ErrPayloadIntegrity if the payload was modified
// or belongs to another SURB, and ErrMalformed if its length is wrong.
func (k *ReplyKeys) Open(payload []byte) ([]byte, error) {
	if !k.size.Valid() {
		return nil, fmt.Errorf("%w: reply keys are not initialised", ErrMalformed)
	}
	if len(payload) != k.size.PayloadSize() {
		return nil, fmt.Errorf("%w: payload is %d bytes, want %d", ErrMalformed, len(payload), k.size.PayloadSize())
	}
	// Each hop decrypted one layer; encrypting with the hops' keys, last
	// hop first, gives back what the holder sent.
	for i := len(k.hops) - 1; i >= 0; i-- {
		lk := lionessKeyFromSeed(&k.hops[i])
		lk.encrypt(payload)
	}
	lk := lionessKeyFromSeed(&k.reply)
	lk.decrypt(payload)
	return decodePayload(payload)
}

// MarshalBinary encodes k as size type ‖ hop count ‖ SURB key ‖ one payload
// key seed per hop.
func (k *ReplyKeys) MarshalBinary() ([]byte, error) {
	b := make([]byte, 0, 2+PayloadKeySeedSize*(1+len(k.hops)))
	b = append(b, byte(k.size), byte(len(k.hops)))
	b = append(b, k.reply[:]...)
	for _, h := range k.hops {
		b = append(b, h[:]...)
	}
	return b, nil
}

// UnmarshalBinary decodes keys encoded by MarshalBinary.
func (k *ReplyKeys) UnmarshalBinary(b []byte) error {
	if len(b) < 2 {
		return fmt.Errorf("%w: reply keys too short", ErrMalformed)
	}
	size, n := SizeType(b[0]), int(b[1])
	switch {
	case !size.Valid():
		return fmt.Errorf("%w: reply keys size type %v", ErrMalformed, size)
	case n < 1 || n > MaxHops:
		return fmt.Errorf("%w: reply keys for %d hops", ErrMalformed, n)
	case len(b) != 2+PayloadKeySeedSize*(1+n):
		return fmt.Errorf("%w: reply keys are %d bytes, want %d", ErrMalformed, len(b), 2+PayloadKeySeedSize*(1+n))
	}
	b = b[2:]
	keys := ReplyKeys{size: size, reply: [PayloadKeySeedSize]byte(b), hops: make([][PayloadKeySeedSize]byte, n)}
	for i := range keys.hops {
		b = b[PayloadKeySeedSize:]
		keys.hops[i] = [PayloadKeySeedSize]byte(b)
	}
	*k = keys
	return nil
}
