// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package gwproto

import (
	"crypto/cipher"
	"encoding/binary"
	"errors"
	"fmt"

	"golang.org/x/crypto/chacha20poly1305"

	"github.com/nym-go/nym/internal/sphinx"
)

// Overhead is what the AEAD adds to each frame.
const Overhead = chacha20poly1305.Overhead

// Kind is the first plaintext byte of an encrypted frame.
type Kind byte

// The kinds of encrypted frames.
const (
	// KindSend (client → gateway): first hop (32) ‖ size type (1) ‖ Sphinx
	// packet.
	KindSend Kind = 0x01
	// KindDeliver (gateway → client): message id (u64 BE) ‖ flags (1) ‖
	// data.
	KindDeliver Kind = 0x02
	// KindAck (client → gateway): count (u16 BE) ‖ count × message id (u64
	// BE).
	KindAck Kind = 0x03
	// KindJSON (both ways): one JSON Message (ack, error, sendRefused).
	KindJSON Kind = 0x04
)

// Flags of a delivered message.
const (
	// FlagReply marks a payload that did not open as a forward packet:
	// a reply sent with a SURB, still encrypted under the SURB creator's
	// keys (open it with sphinx.ReplyKeys.Open).
	FlagReply byte = 1 << 0
	// FlagStored marks a message that was delivered from the inbox.
	FlagStored byte = 1 << 1
	// FlagAck marks the plaintext of an Ack-size packet (an ack).
	FlagAck byte = 1 << 2
	// FlagIdentifier marks data that begins with the packet's 16-byte
	// Sphinx identifier (sphinx.IdentifierSize), followed by the payload.
	// Gateways set it, with FlagReply, on every reply since version 1.1 of
	// the deliver frame, so the client finds the SURB's keys by identifier;
	// without it (stored by an older gateway) data is the payload alone.
	// Split it off with SplitIdentifier.
	FlagIdentifier byte = 1 << 3
)

// Header sizes of the frame kinds.
const (
	SendHeader    = 1 + sphinx.NodeAddressSize + 1
	DeliverHeader = 1 + 8 + 1
	// MaxAckIDs is the most ids one binary ack frame carries.
	MaxAckIDs = 4096
)

// ErrFrame is returned (wrapped) for a frame that fails to open or parse.
var ErrFrame = errors.New("gwproto: bad frame")

// Sealer encrypts one direction's frames. The nonce of frame i is
// 4 zero bytes ‖ i as u64 BE; i starts at 0.
type Sealer struct {
	aead cipher.AEAD
	n    uint64
}

// Opener decrypts one direction's frames, in order: it expects frame i to
// be sealed with nonce i, so a forged, replayed, dropped or reordered frame
// fails to open.
type Opener struct {
	aead cipher.AEAD
	n    uint64
}

// NewSealer returns a Sealer for a 32-byte key.
func NewSealer(key []byte) (*Sealer, error) {
	a, err := chacha20poly1305.New(key)
	if err != nil {
		return nil, fmt.Errorf("gwproto: sealer: %w", err)
	}
	return &Sealer{aead: a}, nil
}

// NewOpener returns an Opener for a 32-byte key.
func NewOpener(key []byte) (*Opener, error) {
	a, err := chacha20poly1305.New(key)
	if err != nil {
		return nil, fmt.Errorf("gwproto: opener: %w", err)
	}
	return &Opener{aead: a}, nil
}

func nonce(n uint64) []byte {
	var b [chacha20poly1305.NonceSize]byte
	binary.BigEndian.PutUint64(b[4:], n)
	return b[:]
}

// Seal appends the sealed plaintext to dst and advances the counter.
func (s *Sealer) Seal(dst, plaintext []byte) []byte {
	out := s.aead.Seal(dst, nonce(s.n), plaintext, nil)
	s.n++
	return out
}

// Open decrypts frame into dst (which may be frame[:0]) and advances the
// counter; on failure the counter does not advance and the connection must
// be closed.
func (o *Opener) Open(dst, frame []byte) ([]byte, error) {
	pt, err := o.aead.Open(dst, nonce(o.n), frame, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: frame %d did not authenticate (forged, replayed or reordered)", ErrFrame, o.n)
	}
	o.n++
	return pt, nil
}

// AppendSend appends a KindSend plaintext.
func AppendSend(dst []byte, hop sphinx.NodeAddress, size sphinx.SizeType, pkt []byte) []byte {
	dst = append(dst, byte(KindSend))
	dst = append(dst, hop[:]...)
	dst = append(dst, byte(size))
	return append(dst, pkt...)
}

// ParseSend splits a KindSend plaintext (kind byte included); pkt aliases
// pt. It checks that the packet's length matches its size type.
func ParseSend(pt []byte) (hop sphinx.NodeAddress, size sphinx.SizeType, pkt []byte, err error) {
	if len(pt) < SendHeader || Kind(pt[0]) != KindSend {
		return hop, 0, nil, fmt.Errorf("%w: send frame of %d bytes", ErrFrame, len(pt))
	}
	copy(hop[:], pt[1:33])
	size = sphinx.SizeType(pt[33])
	pkt = pt[SendHeader:]
	if !size.Valid() || len(pkt) != size.PacketSize() {
		return hop, 0, nil, fmt.Errorf("%w: %d-byte packet with size type %d", ErrFrame, len(pkt), size)
	}
	return hop, size, pkt, nil
}

// AppendDeliver appends a KindDeliver plaintext.
func AppendDeliver(dst []byte, id uint64, flags byte, data []byte) []byte {
	dst = append(dst, byte(KindDeliver))
	dst = binary.BigEndian.AppendUint64(dst, id)
	dst = append(dst, flags)
	return append(dst, data...)
}

// ParseDeliver splits a KindDeliver plaintext; data aliases pt.
func ParseDeliver(pt []byte) (id uint64, flags byte, data []byte, err error) {
	if len(pt) < DeliverHeader || Kind(pt[0]) != KindDeliver {
		return 0, 0, nil, fmt.Errorf("%w: deliver frame of %d bytes", ErrFrame, len(pt))
	}
	return binary.BigEndian.Uint64(pt[1:9]), pt[9], pt[DeliverHeader:], nil
}

// AppendIdentifier appends the FlagIdentifier form of a reply's data to
// dst: id ‖ payload.
func AppendIdentifier(dst []byte, id sphinx.Identifier, payload []byte) []byte {
	return append(append(dst, id[:]...), payload...)
}

// SplitIdentifier splits a delivery's data by its flags: with
// FlagIdentifier it returns the leading identifier, the payload after it
// (aliasing data) and ok; without it, data unchanged and !ok. Data too
// short to hold an identifier is an error.
func SplitIdentifier(flags byte, data []byte) (id sphinx.Identifier, payload []byte, ok bool, err error) {
	if flags&FlagIdentifier == 0 {
		return id, data, false, nil
	}
	if len(data) < sphinx.IdentifierSize {
		return id, nil, false, fmt.Errorf("%w: %d bytes of identified data", ErrFrame, len(data))
	}
	copy(id[:], data)
	return id, data[sphinx.IdentifierSize:], true, nil
}

// AppendAck appends a KindAck plaintext; at most MaxAckIDs ids.
func AppendAck(dst []byte, ids []uint64) []byte {
	dst = append(dst, byte(KindAck))
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(ids)))
	for _, id := range ids {
		dst = binary.BigEndian.AppendUint64(dst, id)
	}
	return dst
}

// ParseAck returns the ids of a KindAck plaintext.
func ParseAck(pt []byte) ([]uint64, error) {
	if len(pt) < 3 || Kind(pt[0]) != KindAck {
		return nil, fmt.Errorf("%w: ack frame of %d bytes", ErrFrame, len(pt))
	}
	n := int(binary.BigEndian.Uint16(pt[1:3]))
	if n > MaxAckIDs || len(pt) != 3+8*n {
		return nil, fmt.Errorf("%w: ack frame of %d bytes for %d ids", ErrFrame, len(pt), n)
	}
	ids := make([]uint64, n)
	for i := range ids {
		ids[i] = binary.BigEndian.Uint64(pt[3+8*i:])
	}
	return ids, nil
}

// AppendJSON appends a KindJSON plaintext.
func AppendJSON(dst []byte, m *Message) []byte {
	dst = append(dst, byte(KindJSON))
	return append(dst, m.Encode()...)
}
