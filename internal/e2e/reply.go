// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package e2e

import (
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/nym-go/nym/internal/address"
	"github.com/nym-go/nym/internal/sphinx"
)

// Message body flags: the first byte of a message before fragmentation.
const (
	// BodyPlain starts a body that is just the message.
	BodyPlain byte = 0x00
	// BodyWithSURB starts a body whose next sphinx.SURBSize bytes are a
	// reply SURB, followed by the message.
	BodyWithSURB byte = 0x01
)

// ErrNoReplyKeys means a reply payload opened with none of the stored
// ReplyKeys: it was modified, its keys expired or were never stored.
var ErrNoReplyKeys = errors.New("e2e: no reply keys open this reply")

// ErrStoreFull means a ReplyStore holds its maximum number of keys.
var ErrStoreFull = errors.New("e2e: reply store full")

// PlainBody returns the body of a message without a reply SURB:
// BodyPlain ‖ msg.
func PlainBody(msg []byte) []byte {
	return append([]byte{BodyPlain}, msg...)
}

// AttachSURB returns the body of a message that carries a reply SURB:
// BodyWithSURB ‖ SURB (sphinx.SURBSize bytes) ‖ msg.
func AttachSURB(surb *sphinx.SURB, msg []byte) ([]byte, error) {
	b, err := surb.MarshalBinary()
	if err != nil {
		return nil, err
	}
	body := make([]byte, 0, 1+len(b)+len(msg))
	body = append(append(append(body, BodyWithSURB), b...), msg...)
	return body, nil
}

// SplitBody parses a reassembled message body into its reply SURB (nil if
// it has none) and the message, which aliases body.
func SplitBody(body []byte) (*sphinx.SURB, []byte, error) {
	if len(body) == 0 {
		return nil, nil, fmt.Errorf("%w: empty message body", ErrMalformed)
	}
	switch body[0] {
	case BodyPlain:
		return nil, body[1:], nil
	case BodyWithSURB:
		if len(body) < 1+sphinx.SURBSize {
			return nil, nil, fmt.Errorf("%w: %d-byte body too short for a reply SURB", ErrMalformed, len(body))
		}
		surb := new(sphinx.SURB)
		if err := surb.UnmarshalBinary(body[1 : 1+sphinx.SURBSize]); err != nil {
			return nil, nil, fmt.Errorf("%w: reply SURB: %w", ErrMalformed, err)
		}
		return surb, body[1+sphinx.SURBSize:], nil
	default:
		return nil, nil, fmt.Errorf("%w: unknown body flag 0x%02x", ErrMalformed, body[0])
	}
}

// NewReplySURB creates a reply SURB that reaches self along route (three
// mixes, then self's gateway), under a fresh random 16-byte identifier (the
// sender tag), and returns it with the keys to keep in a ReplyStore.
func NewReplySURB(rand io.Reader, route []sphinx.Hop, self address.Address, size sphinx.SizeType) (*sphinx.SURB, *sphinx.ReplyKeys, sphinx.Identifier, error) {
	var id sphinx.Identifier
	if _, err := io.ReadFull(rand, id[:]); err != nil {
		return nil, nil, id, fmt.Errorf("e2e: reading SURB identifier: %w", err)
	}
	surb, keys, err := sphinx.NewSURB(rand, route, sphinx.Destination(self.Identity), id, size)
	if err != nil {
		return nil, nil, id, fmt.Errorf("e2e: building reply SURB: %w", err)
	}
	return surb, keys, id, nil
}

// Reply builds the packet that answers with msg through surb, and the
// address to send it to. msg is at most surb.Size.PlaintextSize() bytes.
// A reply carries no SURB-ack: the gateway cannot read a reply's payload.
func Reply(surb *sphinx.SURB, msg []byte) (sphinx.NodeAddress, []byte, error) {
	pkt, hop, err := surb.Use(msg)
	if err != nil {
		return sphinx.NodeAddress{}, nil, fmt.Errorf("e2e: using reply SURB: %w", err)
	}
	return hop, pkt, nil
}

// ReplyStore keeps the ReplyKeys of the SURBs a client has handed out,
// under their identifiers, until the replies arrive. It is not safe for
// concurrent use.
//
// A gateway delivers a reply with its Sphinx identifier
// (gwclient.Delivery.Identifier), so OpenByIdentifier finds the keys at
// once. Open, for deliveries without it (from older gateways), tries every
// stored key set (one Lioness pass per hop each); the store is bounded to
// keep that cost bounded.
type ReplyStore struct {
	max  int
	keys map[sphinx.Identifier]*sphinx.ReplyKeys
}

// NewReplyStore returns a store for at most limit key sets (0 means 1000).
func NewReplyStore(limit int) *ReplyStore {
	if limit <= 0 {
		limit = 1000
	}
	return &ReplyStore{max: limit, keys: make(map[sphinx.Identifier]*sphinx.ReplyKeys)}
}

// Add stores keys under id. It fails with ErrStoreFull when the store is
// full.
func (s *ReplyStore) Add(id sphinx.Identifier, keys *sphinx.ReplyKeys) error {
	if _, ok := s.keys[id]; !ok && len(s.keys) >= s.max {
		return ErrStoreFull
	}
	s.keys[id] = keys
	return nil
}

// Remove forgets the keys stored under id, for example when they expire.
func (s *ReplyStore) Remove(id sphinx.Identifier) { delete(s.keys, id) }

// Len returns the number of stored key sets.
func (s *ReplyStore) Len() int { return len(s.keys) }

// Open opens the payload of a delivery with the reply flag and returns the
// reply and the identifier of the SURB it came through. The keys are
// removed: a SURB is single-use. payload is not modified. It fails with
// ErrNoReplyKeys if no stored keys open it.
func (s *ReplyStore) Open(payload []byte) ([]byte, sphinx.Identifier, error) {
	buf := make([]byte, len(payload))
	for id, keys := range s.keys {
		if keys.Size().PayloadSize() != len(payload) {
			continue
		}
		copy(buf, payload)
		msg, err := keys.Open(buf)
		if err != nil {
			continue
		}
		delete(s.keys, id)
		return msg, id, nil
	}
	return nil, sphinx.Identifier{}, ErrNoReplyKeys
}

// OpenByIdentifier opens the payload of a reply delivered with the
// identifier id, using only the keys stored under id, and removes them
// (a SURB is single-use). payload is not modified. It fails with
// ErrNoReplyKeys, keeping the store unchanged, if no keys are stored under
// id or they do not open the payload (wrong size or tampered: the keys
// stay for the genuine reply).
func (s *ReplyStore) OpenByIdentifier(id sphinx.Identifier, payload []byte) ([]byte, error) {
	keys, ok := s.keys[id]
	if !ok || keys == nil || keys.Size().PayloadSize() != len(payload) {
		return nil, ErrNoReplyKeys
	}
	msg, err := keys.Open(slices.Clone(payload))
	if err != nil {
		return nil, ErrNoReplyKeys
	}
	delete(s.keys, id)
	return msg, nil
}
