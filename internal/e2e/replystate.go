// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package e2e

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"time"

	"github.com/nym-go/nym/internal/sphinx"
)

// Encoding of a ReplyStore (MarshalBinary), so a client's reply keys
// survive a restart:
//
//	magic "NRKS" ‖ version 0x02 ‖ count u32 BE ‖ count × entry
//	entry = identifier [16] ‖ expires i64 BE ‖ key length u16 BE ‖ sphinx.ReplyKeys encoding
//
// expires is the expiry time in Unix nanoseconds, 0 for none. Entries are
// sorted by identifier, so equal stores encode to equal bytes. Version 1
// (written before keys expired) has no expires field; UnmarshalBinary
// still reads it, as keys that never expire.
const (
	replyStateMagic    = "NRKS"
	replyStateVersion1 = 1
	replyStateVersion  = 2
	replyStateHeader   = len(replyStateMagic) + 1 + 4
	replyEntryHeaderV1 = sphinx.IdentifierSize + 2
	replyEntryHeader   = sphinx.IdentifierSize + 8 + 2
)

// MarshalBinary encodes the stored key sets. Nil key sets (which open
// nothing) are left out.
func (s *ReplyStore) MarshalBinary() ([]byte, error) {
	ids := make([]sphinx.Identifier, 0, len(s.keys))
	for id, e := range s.keys {
		if e.keys != nil {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, func(a, b sphinx.Identifier) int { return bytes.Compare(a[:], b[:]) })
	b := make([]byte, 0, replyStateHeader+len(ids)*(replyEntryHeader+2+sphinx.PayloadKeySeedSize*(1+4)))
	b = append(b, replyStateMagic...)
	b = append(b, replyStateVersion)
	b = binary.BigEndian.AppendUint32(b, uint32(len(ids)))
	for _, id := range ids {
		e := s.keys[id]
		kb, err := e.keys.MarshalBinary()
		if err != nil {
			return nil, fmt.Errorf("e2e: encoding reply keys: %w", err)
		}
		var exp int64
		if !e.expires.IsZero() {
			exp = max(e.expires.UnixNano(), 1)
		}
		b = append(b, id[:]...)
		b = binary.BigEndian.AppendUint64(b, uint64(exp))
		b = binary.BigEndian.AppendUint16(b, uint16(len(kb)))
		b = append(b, kb...)
	}
	return b, nil
}

// UnmarshalBinary replaces the store's key sets with those encoded in b by
// MarshalBinary. The store's limit stays: of more key sets than it allows
// (saved under a higher limit), those closest to expiry are evicted and
// counted in Evicted. On any error the store is unchanged and the error
// wraps ErrMalformed.
func (s *ReplyStore) UnmarshalBinary(b []byte) error {
	if len(b) < replyStateHeader || string(b[:len(replyStateMagic)]) != replyStateMagic {
		return fmt.Errorf("%w: not a reply key store", ErrMalformed)
	}
	v := b[len(replyStateMagic)]
	if v != replyStateVersion && v != replyStateVersion1 {
		return fmt.Errorf("%w: reply key store version %d, want %d", ErrMalformed, v, replyStateVersion)
	}
	hdr := replyEntryHeader
	if v == replyStateVersion1 {
		hdr = replyEntryHeaderV1
	}
	n := binary.BigEndian.Uint32(b[len(replyStateMagic)+1:])
	b = b[replyStateHeader:]
	// Each entry takes at least its header, so a count the data cannot
	// hold is refused before anything is allocated for it.
	if uint64(n) > uint64(len(b)/hdr) {
		return fmt.Errorf("%w: %d reply key sets in %d bytes", ErrMalformed, n, len(b))
	}
	keys := make(map[sphinx.Identifier]replyEntry, n)
	for i := range n {
		if len(b) < hdr {
			return fmt.Errorf("%w: reply key set %d truncated", ErrMalformed, i)
		}
		id := sphinx.Identifier(b[:sphinx.IdentifierSize])
		var expires time.Time
		if v != replyStateVersion1 {
			exp := int64(binary.BigEndian.Uint64(b[sphinx.IdentifierSize:]))
			if exp < 0 {
				return fmt.Errorf("%w: reply key set %d expires at %d", ErrMalformed, i, exp)
			}
			if exp != 0 {
				expires = time.Unix(0, exp)
			}
		}
		l := int(binary.BigEndian.Uint16(b[hdr-2:]))
		b = b[hdr:]
		if len(b) < l {
			return fmt.Errorf("%w: reply key set %d is %d bytes, %d left", ErrMalformed, i, l, len(b))
		}
		if _, dup := keys[id]; dup {
			return fmt.Errorf("%w: reply key set %d repeats identifier %x", ErrMalformed, i, id[:4])
		}
		k := new(sphinx.ReplyKeys)
		if err := k.UnmarshalBinary(b[:l]); err != nil {
			return fmt.Errorf("%w: reply key set %d: %w", ErrMalformed, i, err)
		}
		keys[id] = replyEntry{keys: k, expires: expires}
		b = b[l:]
	}
	if len(b) != 0 {
		return fmt.Errorf("%w: %d bytes after the reply key sets", ErrMalformed, len(b))
	}
	s.keys = keys
	s.evictOldest(len(keys) - s.max)
	return nil
}
