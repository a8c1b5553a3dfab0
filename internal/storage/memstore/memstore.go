// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package memstore is an in-memory storage.Inbox and storage.KeyStore with
// the same semantics as storage/boltstore except durability: everything is
// lost when the process ends. It is meant for tests and for running a
// gateway that keeps nothing on disk.
package memstore

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/nym-go/nym/internal/storage"
)

// Config tunes a Store. The zero value selects the defaults.
type Config struct {
	// Limits bound each client's inbox; see storage.Limits.
	Limits storage.Limits
}

// Deps are the Store's injected dependencies.
type Deps = storage.Deps

// Store is an in-memory inbox and key store. Its methods are safe for
// concurrent use.
type Store struct {
	limits storage.Limits
	deps   Deps
	logs   *storage.LogLimiter

	mu     sync.Mutex // guards the fields below
	closed bool
	seq    uint64
	boxes  map[storage.ClientID][]storage.Message // ordered by ID
	bytes  map[storage.ClientID]int64
	keys   map[storage.ClientID][]byte
	used   map[storage.ClientID]time.Time // last use of each key
	marks  map[string]uint64
	totals storage.Totals // counters; contents are computed in Totals
}

var (
	_ storage.Inbox      = (*Store)(nil)
	_ storage.KeyStore   = (*Store)(nil)
	_ storage.KeyExpirer = (*Store)(nil)
)

// New returns an empty Store.
func New(cfg Config, deps Deps) *Store {
	return &Store{
		limits: cfg.Limits.WithDefaults(),
		deps:   deps.WithDefaults(),
		logs:   storage.NewLogLimiter(storage.LogInterval),
		boxes:  map[storage.ClientID][]storage.Message{},
		bytes:  map[storage.ClientID]int64{},
		keys:   map[storage.ClientID][]byte{},
		used:   map[storage.ClientID]time.Time{},
		marks:  map[string]uint64{},
	}
}

// Put stores data for client; see storage.Inbox.
func (s *Store) Put(ctx context.Context, client storage.ClientID, data []byte) (storage.Message, error) {
	if err := ctx.Err(); err != nil {
		return storage.Message{}, fmt.Errorf("memstore: put: %w", err)
	}
	return s.put(client, data)
}

// PutAsync stores data for client and calls done (if not nil) before it
// returns; see storage.Inbox.
func (s *Store) PutAsync(client storage.ClientID, data []byte, done func(storage.Message, error)) {
	m, err := s.put(client, data)
	if done != nil {
		done(m, err)
	}
}

func (s *Store) put(client storage.ClientID, data []byte) (storage.Message, error) {
	now := s.deps.Clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return storage.Message{}, fmt.Errorf("memstore: put: %w", storage.ErrClosed)
	}
	u := storage.Usage{Messages: len(s.boxes[client]), Bytes: s.bytes[client]}
	if err := s.limits.Admit(u, len(data)); err != nil {
		s.refuseLocked(client, now, err)
		return storage.Message{}, fmt.Errorf("memstore: put: %w", err)
	}
	s.seq++
	m := storage.Message{ID: s.seq, Stored: now, Data: slices.Clone(data)}
	s.boxes[client] = append(s.boxes[client], m)
	s.bytes[client] += int64(len(data))
	s.totals.Stored++
	return copyMsg(m), nil
}

func (s *Store) refuseLocked(client storage.ClientID, now time.Time, err error) {
	if storage.IsQuotaMessages(err) {
		s.totals.RefusedMessages++
	} else {
		s.totals.RefusedBytes++
	}
	if s.logs.Allow(client, now) {
		s.deps.Logger.Warn("inbox limit reached; refusing new messages for this client",
			"client", fmt.Sprintf("%x", client[:8]), "err", err)
	}
}

// Fetch returns up to max messages of client with ID > after.
func (s *Store) Fetch(ctx context.Context, client storage.ClientID, after uint64, max int) ([]storage.Message, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memstore: fetch: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, fmt.Errorf("memstore: fetch: %w", storage.ErrClosed)
	}
	box := s.boxes[client]
	i := sort.Search(len(box), func(i int) bool { return box[i].ID > after })
	var out []storage.Message
	for ; i < len(box) && len(out) < max; i++ {
		out = append(out, copyMsg(box[i]))
	}
	return out, nil
}

// Delete removes the given messages of client; unknown ids are ignored.
func (s *Store) Delete(ctx context.Context, client storage.ClientID, ids []uint64) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: delete: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return fmt.Errorf("memstore: delete: %w", storage.ErrClosed)
	}
	drop := make(map[uint64]bool, len(ids))
	for _, id := range ids {
		drop[id] = true
	}
	n := s.removeLocked(client, func(m storage.Message) bool { return drop[m.ID] })
	s.totals.Deleted += uint64(n)
	return nil
}

// removeLocked deletes client's messages for which del is true.
func (s *Store) removeLocked(client storage.ClientID, del func(storage.Message) bool) int {
	box := s.boxes[client]
	kept := box[:0]
	n := 0
	for _, m := range box {
		if del(m) {
			n++
			s.bytes[client] -= int64(len(m.Data))
			continue
		}
		kept = append(kept, m)
	}
	clear(box[len(kept):])
	if len(kept) == 0 {
		delete(s.boxes, client)
		delete(s.bytes, client)
	} else {
		s.boxes[client] = kept
	}
	return n
}

// Usage reports a client's stored count and bytes.
func (s *Store) Usage(client storage.ClientID) (storage.Usage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return storage.Usage{}, fmt.Errorf("memstore: usage: %w", storage.ErrClosed)
	}
	return storage.Usage{Messages: len(s.boxes[client]), Bytes: s.bytes[client]}, nil
}

// Totals reports totals over all clients and the counters.
func (s *Store) Totals() storage.Totals {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.totals
	for c, box := range s.boxes {
		t.Messages += int64(len(box))
		t.Bytes += s.bytes[c]
	}
	t.Clients = len(s.boxes)
	return t
}

// Expire deletes messages stored before now-retention and returns how many.
func (s *Store) Expire(ctx context.Context, now time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("memstore: expire: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, fmt.Errorf("memstore: expire: %w", storage.ErrClosed)
	}
	cutoff, ok := s.limits.Cutoff(now)
	if !ok {
		return 0, nil
	}
	n := 0
	for c := range s.boxes {
		n += s.removeLocked(c, func(m storage.Message) bool { return m.Stored.Before(cutoff) })
	}
	s.totals.Expired += uint64(n)
	if n > 0 {
		s.deps.Logger.Info("inbox retention: expired messages", "count", n, "stored_before", cutoff)
	}
	return n, nil
}

// Close discards everything; later calls fail with storage.ErrClosed.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return fmt.Errorf("memstore: close: %w", storage.ErrClosed)
	}
	s.closed = true
	s.boxes, s.bytes, s.keys = nil, nil, nil
	return nil
}

func copyMsg(m storage.Message) storage.Message {
	m.Data = slices.Clone(m.Data)
	if m.Data == nil {
		m.Data = []byte{}
	}
	return m
}
