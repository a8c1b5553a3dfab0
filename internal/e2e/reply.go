// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package e2e

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

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
	// BodyWithSURBs starts a body that carries several reply SURBs:
	// BodyWithSURBs ‖ count u16 BE ‖ count × SURB ‖ message, with
	// 1 <= count <= MaxSURBs.
	BodyWithSURBs byte = 0x02
)

// MaxSURBs bounds the reply SURBs one message body carries.
const MaxSURBs = 1000

// BodyOverhead returns the bytes a body with n reply SURBs adds to its
// message (AttachSURBs).
func BodyOverhead(n int) int {
	switch {
	case n <= 0:
		return 1
	case n == 1:
		return 1 + sphinx.SURBSize
	default:
		return 3 + n*sphinx.SURBSize
	}
}

// ErrNoReplyKeys means a reply payload opened with none of the stored
// ReplyKeys: it was modified, its keys expired or were never stored.
var ErrNoReplyKeys = errors.New("e2e: no reply keys open this reply")

// ErrStoreFull means a request for more reply key sets than a ReplyStore
// holds at all (MakeRoom), or a saved store larger than the limit of the
// store loading it. A store that is merely full evicts its oldest key sets
// instead.
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

// AttachSURBs returns the body of a message that carries the reply SURBs
// surbs: PlainBody for none, AttachSURB's layout for one (so one-SURB
// bodies stay readable by older receivers) and BodyWithSURBs ‖ count u16 ‖
// SURBs ‖ msg for more, at most MaxSURBs.
func AttachSURBs(surbs []*sphinx.SURB, msg []byte) ([]byte, error) {
	switch {
	case len(surbs) == 0:
		return PlainBody(msg), nil
	case len(surbs) == 1:
		return AttachSURB(surbs[0], msg)
	case len(surbs) > MaxSURBs:
		return nil, fmt.Errorf("e2e: %d reply SURBs, at most %d", len(surbs), MaxSURBs)
	}
	body := make([]byte, 0, BodyOverhead(len(surbs))+len(msg))
	body = append(body, BodyWithSURBs)
	body = binary.BigEndian.AppendUint16(body, uint16(len(surbs)))
	for i, s := range surbs {
		b, err := s.MarshalBinary()
		if err != nil {
			return nil, fmt.Errorf("e2e: reply SURB %d: %w", i, err)
		}
		body = append(body, b...)
	}
	return append(body, msg...), nil
}

// SplitBody parses a reassembled message body into its first reply SURB
// (nil if it has none) and the message, which aliases body. ParseBody
// returns every SURB.
func SplitBody(body []byte) (*sphinx.SURB, []byte, error) {
	surbs, msg, err := ParseBody(body)
	if err != nil || len(surbs) == 0 {
		return nil, msg, err
	}
	return surbs[0], msg, nil
}

// ParseBody parses a reassembled message body of any kind into its reply
// SURBs (none for a plain body) and the message, which aliases body. A
// body with a count of 0 or above MaxSURBs, or shorter than its count
// says, is refused with ErrMalformed.
func ParseBody(body []byte) ([]*sphinx.SURB, []byte, error) {
	if len(body) == 0 {
		return nil, nil, fmt.Errorf("%w: empty message body", ErrMalformed)
	}
	var n int
	rest := body[1:]
	switch body[0] {
	case BodyPlain:
		return nil, rest, nil
	case BodyWithSURB:
		n = 1
	case BodyWithSURBs:
		if len(rest) < 2 {
			return nil, nil, fmt.Errorf("%w: %d-byte body too short for a SURB count", ErrMalformed, len(body))
		}
		n = int(binary.BigEndian.Uint16(rest))
		rest = rest[2:]
		if n == 0 || n > MaxSURBs {
			return nil, nil, fmt.Errorf("%w: %d reply SURBs, want 1 to %d", ErrMalformed, n, MaxSURBs)
		}
	default:
		return nil, nil, fmt.Errorf("%w: unknown body flag 0x%02x", ErrMalformed, body[0])
	}
	if len(rest) < n*sphinx.SURBSize {
		return nil, nil, fmt.Errorf("%w: %d-byte body too short for %d reply SURBs", ErrMalformed, len(body), n)
	}
	surbs := make([]*sphinx.SURB, n)
	for i := range surbs {
		surbs[i] = new(sphinx.SURB)
		if err := surbs[i].UnmarshalBinary(rest[:sphinx.SURBSize]); err != nil {
			return nil, nil, fmt.Errorf("%w: reply SURB %d: %w", ErrMalformed, i, err)
		}
		rest = rest[sphinx.SURBSize:]
	}
	return surbs, rest, nil
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
// under their identifiers, until the replies arrive or the keys expire. It
// is not safe for concurrent use.
//
// A gateway delivers a reply with its Sphinx identifier
// (gwclient.Delivery.Identifier), so OpenByIdentifier finds the keys at
// once. Open, for deliveries without it (from older gateways), tries every
// stored key set (one Lioness pass per hop each); the store is bounded to
// keep that cost bounded.
//
// A full store makes room by evicting the key sets closest to expiry (the
// oldest; key sets that never expire go last), so handing out SURBs never
// stops because earlier ones went unanswered; a reply through an evicted
// SURB then opens with no keys (ErrNoReplyKeys). Evicted counts them.
//
// The store reads no clock: keys added with AddUntil carry an expiry time,
// and the owner calls Expire with its clock's time to forget the old ones.
type ReplyStore struct {
	max     int
	keys    map[sphinx.Identifier]replyEntry
	evicted uint64
}

// replyEntry is one stored key set; a zero expires means never.
type replyEntry struct {
	keys    *sphinx.ReplyKeys
	expires time.Time
}

// NewReplyStore returns a store for at most limit key sets (0 means 1000).
func NewReplyStore(limit int) *ReplyStore {
	if limit <= 0 {
		limit = 1000
	}
	return &ReplyStore{max: limit, keys: make(map[sphinx.Identifier]replyEntry)}
}

// Add stores keys under id with no expiry, evicting the oldest key set if
// the store is full (see AddUntil).
func (s *ReplyStore) Add(id sphinx.Identifier, keys *sphinx.ReplyKeys) error {
	return s.AddUntil(id, keys, time.Time{})
}

// AddUntil stores keys under id until expires (the zero time means never;
// see Expire). If the store is full and id is new, the key set closest to
// expiry is evicted first (counted in Evicted). It returns an error only
// for a store of no room at all, which NewReplyStore never makes.
func (s *ReplyStore) AddUntil(id sphinx.Identifier, keys *sphinx.ReplyKeys, expires time.Time) error {
	if _, ok := s.keys[id]; !ok {
		if _, err := s.MakeRoom(1); err != nil {
			return err
		}
	}
	s.keys[id] = replyEntry{keys: keys, expires: expires}
	return nil
}

// MakeRoom evicts the key sets closest to expiry (those that never expire
// last, ties broken by identifier) until n more fit, and returns how many
// it evicted (also counted in Evicted). It fails with ErrStoreFull,
// evicting nothing, if n is more than the store's whole limit.
func (s *ReplyStore) MakeRoom(n int) (int, error) {
	if n > s.max {
		return 0, fmt.Errorf("%w: %d reply key sets asked, the store holds %d", ErrStoreFull, n, s.max)
	}
	over := len(s.keys) + n - s.max
	if over <= 0 {
		return 0, nil
	}
	s.evictOldest(over)
	return over, nil
}

// evictOldest evicts the k key sets closest to expiry.
func (s *ReplyStore) evictOldest(k int) {
	if k <= 0 {
		return
	}
	type aged struct {
		id      sphinx.Identifier
		expires time.Time
	}
	all := make([]aged, 0, len(s.keys))
	for id, e := range s.keys {
		all = append(all, aged{id, e.expires})
	}
	slices.SortFunc(all, func(a, b aged) int {
		switch {
		case a.expires.IsZero() != b.expires.IsZero():
			if a.expires.IsZero() { // never expires: evicted last
				return 1
			}
			return -1
		case !a.expires.Equal(b.expires):
			return a.expires.Compare(b.expires)
		}
		return bytes.Compare(a.id[:], b.id[:])
	})
	for _, a := range all[:min(k, len(all))] {
		delete(s.keys, a.id)
		s.evicted++
	}
}

// Evicted returns how many key sets the store has evicted to make room
// since it was created.
func (s *ReplyStore) Evicted() uint64 { return s.evicted }

// Expire forgets every key set whose expiry time is at or before now and
// returns how many it forgot.
func (s *ReplyStore) Expire(now time.Time) int {
	n := 0
	for id, e := range s.keys {
		if !e.expires.IsZero() && !e.expires.After(now) {
			delete(s.keys, id)
			n++
		}
	}
	return n
}

// Remove forgets the keys stored under id, for example when they expire.
func (s *ReplyStore) Remove(id sphinx.Identifier) { delete(s.keys, id) }

// Len returns the number of stored key sets.
func (s *ReplyStore) Len() int { return len(s.keys) }

// Free returns how many more key sets the store takes.
func (s *ReplyStore) Free() int { return s.max - len(s.keys) }

// Open opens the payload of a delivery with the reply flag and returns the
// reply and the identifier of the SURB it came through. The keys are
// removed: a SURB is single-use. payload is not modified. It fails with
// ErrNoReplyKeys if no stored keys open it.
func (s *ReplyStore) Open(payload []byte) ([]byte, sphinx.Identifier, error) {
	buf := make([]byte, len(payload))
	for id, e := range s.keys {
		if e.keys == nil || e.keys.Size().PayloadSize() != len(payload) {
			continue
		}
		copy(buf, payload)
		msg, err := e.keys.Open(buf)
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
	e, ok := s.keys[id]
	if !ok || e.keys == nil || e.keys.Size().PayloadSize() != len(payload) {
		return nil, ErrNoReplyKeys
	}
	msg, err := e.keys.Open(slices.Clone(payload))
	if err != nil {
		return nil, ErrNoReplyKeys
	}
	delete(s.keys, id)
	return msg, nil
}
