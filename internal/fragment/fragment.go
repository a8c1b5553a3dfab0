// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package fragment splits a message into equal-size fragments that each fit
// one packet, and reassembles them at the recipient.
//
// The package is pure: no goroutines, no clock, no global randomness. The
// sender passes a seeded *rand.Rand (math/rand/v2) for message ids; the
// receiver passes the current time to [Reassembler.Add] and
// [Reassembler.Expire].
//
// # Fragment layout
//
// Every fragment of a message is exactly n bytes long, where n is the
// per-packet capacity the caller passes to [Split] (what is left of a packet
// after the SURB-ack and end-to-end encryption overhead). All integers are
// big-endian:
//
//	offset size field
//	     0    8 message id   random, non-zero, the same in every fragment
//	     8    4 index        0-based position of this fragment
//	    12    4 count        number of fragments in the message, >= 1
//	    16    4 length       true length of the whole message in bytes
//	    20  n-20 data        bytes [index*(n-20), ...) of the message; the
//	                         last fragment is padded with zeros to n bytes
//
// A receiver checks that count == max(1, ceil(length / (n-20))) for the
// fragment's own n, that index < count, that the padding is zero, and that
// every fragment of a message agrees on n, count and length.
//
// # Why a 20-byte header
//
// Nym's chunking uses a 7-byte header (set id u32 ‖ total u8 ‖ position u8 ‖
// flag) and chains sets of at most 255 fragments through 10-byte "linked"
// headers for longer messages. That saves 10 to 13 bytes per fragment (under
// 1% of a ~1,580-byte fragment) at the price of a second level of
// bookkeeping: set chaining, ordering of sets, and a message whose sets can
// individually expire or be evicted. The flat header names a message and a
// fragment directly, covers 16 MiB (and up to 4 GiB) in one set, lets a
// receiver validate a fragment on its own, and gives acknowledgements a
// simple name ([ID]). The carried length is what lets every fragment,
// including the last, be the same size. This format is therefore not
// wire-compatible with Nym's.
//
// Fragments carry no integrity check of their own: the end-to-end layer
// authenticates each fragment before it reaches a [Reassembler]. The
// Reassembler validates structure and bounds its memory, but a fragment with
// a valid header and forged data would be accepted.
package fragment

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
)

// HeaderSize is the size in bytes of the header at the start of every
// fragment.
const HeaderSize = 20

// DefaultMaxMessage is the default largest message, 16 MiB.
const DefaultMaxMessage = 16 << 20

// Errors returned by this package; callers match them with errors.Is.
var (
	// ErrCapacity means the per-packet capacity is too small to hold a
	// header and at least one byte of data.
	ErrCapacity = errors.New("fragment: capacity too small")
	// ErrTooLarge means a message exceeds the configured maximum.
	ErrTooLarge = errors.New("fragment: message too large")
	// ErrMalformed means a fragment failed validation.
	ErrMalformed = errors.New("fragment: malformed fragment")
)

// ID names one fragment: the message it belongs to and its 0-based index.
// Acknowledgements carry an ID.
type ID struct {
	Message uint64
	Index   uint32
}

// String formats the ID as message/index in hexadecimal and decimal.
func (id ID) String() string { return fmt.Sprintf("%016x/%d", id.Message, id.Index) }

// Header is the decoded header of one fragment.
type Header struct {
	ID     ID
	Count  uint32 // fragments in the message
	Length uint32 // true length of the whole message
}

// Count returns how many fragments of capacity bytes a message of msgLen
// bytes needs. A message of zero bytes still needs one fragment.
func Count(msgLen, capacity int) (int, error) {
	if capacity <= HeaderSize {
		return 0, fmt.Errorf("%w: %d bytes, need more than %d", ErrCapacity, capacity, HeaderSize)
	}
	if msgLen < 0 {
		return 0, fmt.Errorf("%w: negative length %d", ErrTooLarge, msgLen)
	}
	per := capacity - HeaderSize
	if msgLen == 0 {
		return 1, nil
	}
	return (msgLen + per - 1) / per, nil
}

// Split cuts msg into fragments of exactly capacity bytes each, under a new
// random non-zero message id drawn from rng. maxMessage bounds len(msg); 0
// means [DefaultMaxMessage]. It returns the message id and the fragments in
// index order.
func Split(rng *rand.Rand, msg []byte, capacity, maxMessage int) (uint64, [][]byte, error) {
	if maxMessage <= 0 {
		maxMessage = DefaultMaxMessage
	}
	if len(msg) > maxMessage || int64(len(msg)) > int64(^uint32(0)) {
		return 0, nil, fmt.Errorf("%w: %d bytes, max %d", ErrTooLarge, len(msg), maxMessage)
	}
	count, err := Count(len(msg), capacity)
	if err != nil {
		return 0, nil, err
	}
	if int64(count) > int64(^uint32(0)) {
		return 0, nil, fmt.Errorf("%w: %d fragments", ErrTooLarge, count)
	}
	if rng == nil {
		return 0, nil, errors.New("fragment: nil rand")
	}
	var msgID uint64
	for msgID == 0 {
		msgID = rng.Uint64()
	}
	per := capacity - HeaderSize
	backing := make([]byte, count*capacity) // one allocation; zero padding for free
	frags := make([][]byte, count)
	for i := range count {
		f := backing[i*capacity : (i+1)*capacity : (i+1)*capacity]
		binary.BigEndian.PutUint64(f[0:], msgID)
		binary.BigEndian.PutUint32(f[8:], uint32(i))
		binary.BigEndian.PutUint32(f[12:], uint32(count))
		binary.BigEndian.PutUint32(f[16:], uint32(len(msg)))
		lo := min(i*per, len(msg))
		hi := min(lo+per, len(msg))
		copy(f[HeaderSize:], msg[lo:hi])
		frags[i] = f
	}
	return msgID, frags, nil
}

// Parse validates one fragment on its own and returns its header and its data
// with the padding removed. The data aliases b.
func Parse(b []byte) (Header, []byte, error) {
	if len(b) <= HeaderSize {
		return Header{}, nil, fmt.Errorf("%w: %d bytes", ErrMalformed, len(b))
	}
	h := Header{
		ID: ID{
			Message: binary.BigEndian.Uint64(b[0:]),
			Index:   binary.BigEndian.Uint32(b[8:]),
		},
		Count:  binary.BigEndian.Uint32(b[12:]),
		Length: binary.BigEndian.Uint32(b[16:]),
	}
	if h.ID.Message == 0 {
		return Header{}, nil, fmt.Errorf("%w: zero message id", ErrMalformed)
	}
	want, err := Count(int(h.Length), len(b))
	if err != nil {
		return Header{}, nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if uint64(h.Count) != uint64(want) {
		return Header{}, nil, fmt.Errorf("%w: count %d, length %d needs %d", ErrMalformed, h.Count, h.Length, want)
	}
	if h.ID.Index >= h.Count {
		return Header{}, nil, fmt.Errorf("%w: index %d of %d", ErrMalformed, h.ID.Index, h.Count)
	}
	per := uint64(len(b) - HeaderSize)
	start := uint64(h.ID.Index) * per
	n := min(per, uint64(h.Length)-min(start, uint64(h.Length)))
	data, pad := b[HeaderSize:HeaderSize+int(n)], b[HeaderSize+int(n):]
	for _, c := range pad {
		if c != 0 {
			return Header{}, nil, fmt.Errorf("%w: non-zero padding", ErrMalformed)
		}
	}
	return h, data, nil
}
