// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package boltstore

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/nym-go/nym/internal/storage"
)

type opKind uint8

const (
	opPut opKind = iota
	opDelete
	opExpire
)

// op is one queued write. The committer calls done exactly once, after the
// transaction holding the op has been fsynced (or has failed).
type op struct {
	kind   opKind
	client storage.ClientID
	data   []byte    // opPut: the store's own copy
	ids    []uint64  // opDelete
	cutoff time.Time // opExpire: delete messages stored before it
	done   func(result)
}

// result is an op's outcome.
type result struct {
	msg  storage.Message // opPut
	n    int             // opDelete, opExpire: messages removed
	more bool            // opExpire: the chunk limit was hit
	err  error
}

// run is the committer goroutine: it batches queued ops into transactions
// until stop is closed, then commits whatever is still queued and exits.
func (s *Store) run() {
	defer close(s.exited)
	batch := make([]*op, 0, s.cfg.MaxBatch)
	for {
		select {
		case o := <-s.ops:
			batch = append(batch, o)
		case <-s.stop:
			// Close holds no sender: drain what is queued, then exit.
			for {
				select {
				case o := <-s.ops:
					batch = append(batch, o)
					if len(batch) == s.cfg.MaxBatch {
						batch = s.commit(batch)
					}
				default:
					s.commit(batch)
					return
				}
			}
		}
		batch = s.gather(batch)
		batch = s.commit(batch)
	}
}

// gather adds queued ops to batch until it is full or the queue is empty
// (and, with MaxDelay > 0, stayed empty for MaxDelay).
func (s *Store) gather(batch []*op) []*op {
	var deadline <-chan time.Time
	for len(batch) < s.cfg.MaxBatch {
		select {
		case o := <-s.ops:
			batch = append(batch, o)
			continue
		default:
		}
		if s.cfg.MaxDelay <= 0 {
			return batch
		}
		if deadline == nil {
			t := time.NewTimer(s.cfg.MaxDelay)
			defer t.Stop()
			deadline = t.C
		}
		select {
		case o := <-s.ops:
			batch = append(batch, o)
		case <-deadline:
			return batch
		case <-s.stop:
			return batch
		}
	}
	return batch
}

// txState is one transaction's view of the ops applied so far.
type txState struct {
	tx      *bolt.Tx
	msgs    *bolt.Bucket
	exp     *bolt.Bucket
	now     time.Time
	usage   map[storage.ClientID]storage.Usage // new usage of touched clients
	boxes   map[storage.ClientID]*bolt.Bucket
	results []result
	totals  storage.Totals // counter deltas
}

// commit applies batch in one transaction, then completes every op, and
// returns batch emptied for reuse.
func (s *Store) commit(batch []*op) []*op {
	if len(batch) == 0 {
		return batch
	}
	st := &txState{
		now:     s.deps.Clock.Now(),
		usage:   map[storage.ClientID]storage.Usage{},
		boxes:   map[storage.ClientID]*bolt.Bucket{},
		results: make([]result, len(batch)),
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		st.tx, st.msgs, st.exp = tx, tx.Bucket(bMsgs), tx.Bucket(bExp)
		for i, o := range batch {
			var err error
			switch o.kind {
			case opPut:
				err = s.applyPut(st, i, o)
			case opDelete:
				err = s.applyDelete(st, i, o)
			case opExpire:
				err = s.applyExpire(st, i, o)
			}
			if err != nil {
				return err
			}
		}
		return s.writeUsage(st)
	})
	if err != nil {
		s.deps.Logger.Error("inbox commit failed", "ops", len(batch), "err", err)
		err = fmt.Errorf("boltstore: commit: %w", err)
		for i := range st.results {
			st.results[i] = result{err: err}
		}
	} else {
		s.commits.Add(1)
		s.publish(st)
	}
	for i, o := range batch {
		if o.done != nil {
			o.done(st.results[i])
		}
		batch[i] = nil
	}
	return batch[:0]
}

// publish makes a committed transaction's usage and counters visible.
func (s *Store) publish(st *txState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c, u := range st.usage {
		old, had := s.usage[c]
		s.totals.Messages += int64(u.Messages - old.Messages)
		s.totals.Bytes += u.Bytes - old.Bytes
		switch {
		case u.Messages == 0 && had:
			delete(s.usage, c)
		case u.Messages > 0:
			s.usage[c] = u
		}
	}
	s.totals.Clients = len(s.usage)
	d := st.totals
	s.totals.Stored += d.Stored
	s.totals.Deleted += d.Deleted
	s.totals.Expired += d.Expired
	s.totals.RefusedMessages += d.RefusedMessages
	s.totals.RefusedBytes += d.RefusedBytes
}

// usageOf returns client's usage as of the ops applied so far. Only the
// committer writes s.usage, so it reads it without the lock.
func (s *Store) usageOf(st *txState, c storage.ClientID) storage.Usage {
	if u, ok := st.usage[c]; ok {
		return u
	}
	return s.usage[c]
}

// box returns client's message bucket, creating it if create is set; nil
// if it does not exist.
func (st *txState) box(c storage.ClientID, create bool) (*bolt.Bucket, error) {
	if b := st.boxes[c]; b != nil {
		return b, nil
	}
	b := st.msgs.Bucket(c[:])
	if b == nil && create {
		var err error
		if b, err = st.msgs.CreateBucket(c[:]); err != nil {
			return nil, fmt.Errorf("create bucket: %w", err)
		}
	}
	if b != nil {
		b.FillPercent = 0.95 // keys are appended in increasing order
		st.boxes[c] = b
	}
	return b, nil
}

func (s *Store) applyPut(st *txState, i int, o *op) error {
	u := s.usageOf(st, o.client)
	if err := s.cfg.Limits.Admit(u, len(o.data)); err != nil {
		if storage.IsQuotaMessages(err) {
			st.totals.RefusedMessages++
		} else {
			st.totals.RefusedBytes++
		}
		if s.logs.Allow(o.client, st.now) {
			s.deps.Logger.Warn("inbox limit reached; refusing new messages for this client",
				"client", fmt.Sprintf("%x", o.client[:8]), "err", err)
		}
		st.results[i].err = fmt.Errorf("boltstore: put: %w", err)
		return nil
	}
	b, err := st.box(o.client, true)
	if err != nil {
		return err
	}
	id, err := st.msgs.NextSequence()
	if err != nil {
		return fmt.Errorf("next id: %w", err)
	}
	stored := unixNano(st.now)
	val := make([]byte, 8+len(o.data))
	putU64(val, stored)
	copy(val[8:], o.data)
	if err := b.Put(be64(id), val); err != nil {
		return fmt.Errorf("put message: %w", err)
	}
	if err := st.exp.Put(expKey(stored, o.client, id), []byte{}); err != nil {
		return fmt.Errorf("put expiry: %w", err)
	}
	u.Messages++
	u.Bytes += int64(len(o.data))
	st.usage[o.client] = u
	st.totals.Stored++
	st.results[i].msg = storage.Message{ID: id, Stored: time.Unix(0, int64(stored)), Data: o.data}
	return nil
}

func (s *Store) applyDelete(st *txState, i int, o *op) error {
	b, err := st.box(o.client, false)
	if err != nil || b == nil {
		return err
	}
	u := s.usageOf(st, o.client)
	n := 0
	for _, id := range o.ids {
		key := be64(id)
		v := b.Get(key)
		if len(v) < 8 {
			continue
		}
		stored, size := beU64(v), len(v)-8
		if err := b.Delete(key); err != nil {
			return fmt.Errorf("delete message: %w", err)
		}
		if err := st.exp.Delete(expKey(stored, o.client, id)); err != nil {
			return fmt.Errorf("delete expiry: %w", err)
		}
		u.Messages--
		u.Bytes -= int64(size)
		n++
	}
	st.usage[o.client] = u
	st.totals.Deleted += uint64(n)
	st.results[i].n = n
	return nil
}

func (s *Store) applyExpire(st *txState, i int, o *op) error {
	cutoff := unixNano(o.cutoff)
	var keys [][]byte
	c := st.exp.Cursor()
	for k, _ := c.First(); k != nil && len(keys) < expireChunk; k, _ = c.Next() {
		if len(k) != 48 {
			return fmt.Errorf("corrupt expiry key %x", k)
		}
		if beU64(k) >= cutoff {
			break
		}
		keys = append(keys, bytes.Clone(k))
	}
	n := 0
	for _, k := range keys {
		client := storage.ClientID(k[8:40])
		if b, err := st.box(client, false); err != nil {
			return err
		} else if b != nil {
			if v := b.Get(k[40:]); len(v) >= 8 {
				if err := b.Delete(k[40:]); err != nil {
					return fmt.Errorf("expire message: %w", err)
				}
				u := s.usageOf(st, client)
				u.Messages--
				u.Bytes -= int64(len(v) - 8)
				st.usage[client] = u
				n++
			}
		}
		if err := st.exp.Delete(k); err != nil {
			return fmt.Errorf("expire index: %w", err)
		}
	}
	st.totals.Expired += uint64(n)
	st.results[i] = result{n: n, more: len(keys) == expireChunk}
	return nil
}

// writeUsage stores the touched clients' usage records, and removes the
// record and message bucket of clients left with nothing.
func (s *Store) writeUsage(st *txState) error {
	ub := st.tx.Bucket(bUsage)
	for c, u := range st.usage {
		if u.Messages <= 0 {
			if err := ub.Delete(c[:]); err != nil {
				return fmt.Errorf("delete usage: %w", err)
			}
			if err := st.msgs.DeleteBucket(c[:]); err != nil && !errors.Is(err, berrors.ErrBucketNotFound) {
				return fmt.Errorf("delete bucket: %w", err)
			}
			continue
		}
		v := make([]byte, 16)
		putU64(v, uint64(u.Messages))
		putU64(v[8:], uint64(u.Bytes))
		if err := ub.Put(c[:], v); err != nil {
			return fmt.Errorf("put usage: %w", err)
		}
	}
	return nil
}

// expKey is the retention index key of one message.
func expKey(stored uint64, c storage.ClientID, id uint64) []byte {
	k := make([]byte, 48)
	putU64(k, stored)
	copy(k[8:40], c[:])
	putU64(k[40:], id)
	return k
}

// unixNano returns t as unsigned Unix nanoseconds, clamping times before
// 1970 to 0.
func unixNano(t time.Time) uint64 {
	if n := t.UnixNano(); n > 0 {
		return uint64(n)
	}
	return 0
}
