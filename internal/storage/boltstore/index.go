// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package boltstore

import (
	"cmp"
	"slices"
	"sort"

	"github.com/nym-go/nym/internal/storage"
)

const (
	// headerLen is the client ID and stored time before a message's data.
	headerLen = 32 + 8
	// MaxMessageSize is the largest message the store takes (bbolt's value
	// limit is 2 GiB); a larger Put is refused with storage.ErrQuotaBytes
	// whatever the limits.
	MaxMessageSize = 1 << 30
)

// entry is one stored message in a client's in-memory index.
type entry struct {
	id   uint64
	size uint32
}

// box is one client's in-memory index: its messages in ID order.
type box struct {
	entries []entry
	bytes   int64
}

func (b *box) add(e entry) {
	b.entries = append(b.entries, e)
	b.bytes += int64(e.size)
}

func (b *box) usage() storage.Usage {
	if b == nil {
		return storage.Usage{}
	}
	return storage.Usage{Messages: len(b.entries), Bytes: b.bytes}
}

// remove drops the entries whose IDs are in ids.
func (b *box) remove(ids map[uint64]bool) {
	kept := b.entries[:0]
	for _, e := range b.entries {
		if ids[e.id] {
			b.bytes -= int64(e.size)
			continue
		}
		kept = append(kept, e)
	}
	clear(b.entries[len(kept):])
	b.entries = kept
}

// find returns the entry with the given id, if the box holds it.
func (b *box) find(id uint64) (entry, bool) {
	i, ok := slices.BinarySearchFunc(b.entries, id, func(e entry, id uint64) int { return cmp.Compare(e.id, id) })
	if !ok {
		return entry{}, false
	}
	return b.entries[i], true
}

// after returns up to n IDs greater than id, in order.
func (b *box) after(id uint64, n int) []uint64 {
	if b == nil {
		return nil
	}
	i := sort.Search(len(b.entries), func(i int) bool { return b.entries[i].id > id })
	end := min(len(b.entries), i+n)
	out := make([]uint64, 0, end-i)
	for _, e := range b.entries[i:end] {
		out = append(out, e.id)
	}
	return out
}

// added is a message a transaction stored.
type added struct {
	client storage.ClientID
	e      entry
}

// publish makes a committed transaction's effect on the index and counters
// visible: adds first (in ID order), then removals.
func (s *Store) publish(st *txState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range st.added {
		b := s.boxes[a.client]
		if b == nil {
			b = &box{}
			s.boxes[a.client] = b
		}
		b.add(a.e)
		s.totals.Messages++
		s.totals.Bytes += int64(a.e.size)
	}
	for c, ids := range st.removed {
		b := s.boxes[c]
		if b == nil {
			continue
		}
		before := b.usage()
		b.remove(ids)
		after := b.usage()
		s.totals.Messages -= int64(before.Messages - after.Messages)
		s.totals.Bytes -= before.Bytes - after.Bytes
		if len(b.entries) == 0 {
			delete(s.boxes, c)
		}
	}
	s.totals.Clients = len(s.boxes)
	d := st.totals
	s.totals.Stored += d.Stored
	s.totals.Deleted += d.Deleted
	s.totals.Expired += d.Expired
	s.totals.Corrupt += d.Corrupt
	s.totals.RefusedMessages += d.RefusedMessages
	s.totals.RefusedBytes += d.RefusedBytes
	s.lastStored = st.lastStored
}
