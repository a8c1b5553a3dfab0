// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package boltstore

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/nym-go/nym/internal/storage"
)

// Put stores data for client and returns once it is fsynced; see
// storage.Inbox. ctx bounds only the wait for room in the queue: once the
// op is queued, Put waits for its commit.
func (s *Store) Put(ctx context.Context, client storage.ClientID, data []byte) (storage.Message, error) {
	if err := ctx.Err(); err != nil {
		return storage.Message{}, fmt.Errorf("boltstore: put: %w", err)
	}
	ch := make(chan result, 1)
	o := &op{kind: opPut, client: client, data: slices.Clone(data), done: func(r result) { ch <- r }}
	if o.data == nil {
		o.data = []byte{}
	}
	if err := s.enqueue(ctx, "put", o); err != nil {
		return storage.Message{}, err
	}
	r := <-ch
	return r.msg, r.err
}

// PutAsync queues data for client without blocking; done (if not nil) is
// called once: on the committer goroutine after the fsync, or before
// PutAsync returns with storage.ErrBusy (queue full, counted) or
// storage.ErrClosed. done must be quick and must not call the Store's
// blocking methods (Put, Delete, Expire, Close).
func (s *Store) PutAsync(client storage.ClientID, data []byte, done func(storage.Message, error)) {
	o := &op{kind: opPut, client: client, data: slices.Clone(data)}
	if o.data == nil {
		o.data = []byte{}
	}
	if done != nil {
		o.done = func(r result) { done(r.msg, r.err) }
	}
	err := s.acquire("put")
	if err == nil {
		select {
		case s.ops <- o:
		default:
			err = fmt.Errorf("boltstore: put: %w", storage.ErrBusy)
			s.mu.Lock()
			s.totals.RefusedBusy++
			s.mu.Unlock()
		}
		s.closeMu.RUnlock()
	}
	if err != nil && done != nil {
		done(storage.Message{}, err)
	}
}

// enqueue queues o, blocking while the queue is full until ctx ends.
func (s *Store) enqueue(ctx context.Context, what string, o *op) error {
	if err := s.acquire(what); err != nil {
		return err
	}
	defer s.closeMu.RUnlock()
	select {
	case s.ops <- o:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("boltstore: %s: %w", what, ctx.Err())
	}
}

// Fetch returns up to max messages of client with ID > after, in arrival
// order. It takes IDs from the in-memory index, then reads them in a read
// transaction begun afterwards, so every ID it took is visible unless it
// was deleted since; deleted ones are skipped and the next IDs taken. An
// empty result therefore means the client had no message after `after`.
func (s *Store) Fetch(ctx context.Context, client storage.ClientID, after uint64, max int) ([]storage.Message, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("boltstore: fetch: %w", err)
	}
	if err := s.acquire("fetch"); err != nil {
		return nil, err
	}
	defer s.closeMu.RUnlock()
	var out []storage.Message
	for len(out) < max {
		s.mu.Lock()
		ids := s.boxes[client].after(after, max-len(out))
		s.mu.Unlock()
		if len(ids) == 0 {
			break
		}
		// The index is published after each commit, so these IDs are
		// committed before this transaction begins.
		err := s.db.View(func(tx *bolt.Tx) error {
			msgs := tx.Bucket(bMsgs)
			for _, id := range ids {
				v := msgs.Get(be64(id))
				if len(v) < headerLen || !bytes.Equal(v[:32], client[:]) {
					continue // deleted since
				}
				out = append(out, storage.Message{
					ID:     id,
					Stored: time.Unix(0, int64(beU64(v[32:40]))),
					Data:   bytes.Clone(v[headerLen:]),
				})
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("boltstore: fetch: %w", err)
		}
		after = ids[len(ids)-1]
	}
	return out, nil
}

// Delete removes the given messages of client; unknown ids are ignored. It
// returns after the deletion is fsynced.
func (s *Store) Delete(ctx context.Context, client storage.ClientID, ids []uint64) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("boltstore: delete: %w", err)
	}
	if len(ids) == 0 {
		if err := s.acquire("delete"); err != nil {
			return err
		}
		s.closeMu.RUnlock()
		return nil
	}
	ch := make(chan result, 1)
	o := &op{kind: opDelete, client: client, ids: slices.Clone(ids), done: func(r result) { ch <- r }}
	if err := s.enqueue(ctx, "delete", o); err != nil {
		return err
	}
	return (<-ch).err
}

// Expire deletes messages stored before now-retention, in transactions of
// at most 10,000 messages each, and returns how many.
func (s *Store) Expire(ctx context.Context, now time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("boltstore: expire: %w", err)
	}
	cutoff, ok := s.cfg.Limits.Cutoff(now)
	total := 0
	for {
		if !ok {
			// Unlimited retention: only report a closed store.
			if err := s.acquire("expire"); err != nil {
				return 0, err
			}
			s.closeMu.RUnlock()
			return 0, nil
		}
		ch := make(chan result, 1)
		o := &op{kind: opExpire, cutoff: cutoff, done: func(r result) { ch <- r }}
		if err := s.enqueue(ctx, "expire", o); err != nil {
			return total, err
		}
		r := <-ch
		total += r.n
		if r.err != nil || !r.more {
			if total > 0 {
				s.deps.Logger.Info("inbox retention: expired messages", "count", total, "stored_before", cutoff)
			}
			return total, r.err
		}
	}
}

// Usage reports a client's stored count and bytes.
func (s *Store) Usage(client storage.ClientID) (storage.Usage, error) {
	if err := s.acquire("usage"); err != nil {
		return storage.Usage{}, err
	}
	defer s.closeMu.RUnlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.boxes[client].usage(), nil
}

// Totals reports totals over all clients and the counters since Open.
func (s *Store) Totals() storage.Totals {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.totals
}
