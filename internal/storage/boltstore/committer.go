// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package boltstore

import (
	"bytes"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

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
	msgs       *bolt.Bucket
	now        uint64                             // stored time for this batch
	lastStored uint64                             // newest stored time after the batch
	usage      map[storage.ClientID]storage.Usage // usage of touched clients
	added      []added
	removed    map[storage.ClientID]map[uint64]bool
	results    []result
	totals     storage.Totals // counter deltas
}

// commit applies batch in one transaction, then completes every op, and
// returns batch emptied for reuse.
func (s *Store) commit(batch []*op) []*op {
	if len(batch) == 0 {
		return batch
	}
	// Stored times never decrease with the ID, so Expire can stop at the
	// first message that is new enough.
	now := max(unixNano(s.deps.Clock.Now()), s.lastStored)
	st := &txState{
		now:        now,
		lastStored: s.lastStored,
		usage:      map[storage.ClientID]storage.Usage{},
		removed:    map[storage.ClientID]map[uint64]bool{},
		results:    make([]result, len(batch)),
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		st.msgs = tx.Bucket(bMsgs)
		st.msgs.FillPercent = 1.0 // IDs are appended in increasing order
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
		return nil
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

// usageOf returns client's usage as of the ops applied so far. Only the
// committer writes s.boxes, so it reads them without the lock.
func (s *Store) usageOf(st *txState, c storage.ClientID) storage.Usage {
	if u, ok := st.usage[c]; ok {
		return u
	}
	return s.boxes[c].usage()
}

// remove records that a message of c of the given size is gone.
func (st *txState) remove(c storage.ClientID, id uint64, size int, u storage.Usage) storage.Usage {
	ids := st.removed[c]
	if ids == nil {
		ids = map[uint64]bool{}
		st.removed[c] = ids
	}
	ids[id] = true
	u.Messages--
	u.Bytes -= int64(size)
	st.usage[c] = u
	return u
}

func (s *Store) applyPut(st *txState, i int, o *op) error {
	u := s.usageOf(st, o.client)
	err := s.cfg.Limits.Admit(u, len(o.data))
	if err == nil && len(o.data) > MaxMessageSize {
		err = fmt.Errorf("%w (message of %d bytes, the store takes at most %d)",
			storage.ErrQuotaBytes, len(o.data), MaxMessageSize)
	}
	if err != nil {
		if storage.IsQuotaMessages(err) {
			st.totals.RefusedMessages++
		} else {
			st.totals.RefusedBytes++
		}
		if s.logs.Allow(o.client, time.Unix(0, int64(st.now))) {
			s.deps.Logger.Warn("inbox limit reached; refusing new messages for this client",
				"client", fmt.Sprintf("%x", o.client[:8]), "err", err)
		}
		st.results[i].err = fmt.Errorf("boltstore: put: %w", err)
		return nil
	}
	id, err := st.msgs.NextSequence()
	if err != nil {
		return fmt.Errorf("next id: %w", err)
	}
	val := make([]byte, headerLen+len(o.data))
	copy(val, o.client[:])
	putU64(val[32:], st.now)
	copy(val[headerLen:], o.data)
	if err := st.msgs.Put(be64(id), val); err != nil {
		return fmt.Errorf("put message: %w", err)
	}
	u.Messages++
	u.Bytes += int64(len(o.data))
	st.usage[o.client] = u
	st.added = append(st.added, added{client: o.client, e: entry{id: id, size: uint32(len(o.data))}})
	st.lastStored = st.now
	st.totals.Stored++
	st.results[i].msg = storage.Message{ID: id, Stored: time.Unix(0, int64(st.now)), Data: o.data}
	return nil
}

func (s *Store) applyDelete(st *txState, i int, o *op) error {
	u := s.usageOf(st, o.client)
	n := 0
	for _, id := range o.ids {
		key := be64(id)
		v := st.msgs.Get(key)
		if len(v) < headerLen || !bytes.Equal(v[:32], o.client[:]) {
			continue // unknown, already deleted, or another client's
		}
		size := len(v) - headerLen
		if err := st.msgs.Delete(key); err != nil {
			return fmt.Errorf("delete message: %w", err)
		}
		u = st.remove(o.client, id, size, u)
		n++
	}
	st.totals.Deleted += uint64(n)
	st.results[i].n = n
	return nil
}

func (s *Store) applyExpire(st *txState, i int, o *op) error {
	cutoff := unixNano(o.cutoff)
	type victim struct {
		key    []byte
		client storage.ClientID
		size   int
	}
	var victims []victim
	var corrupt [][]byte
	c := st.msgs.Cursor()
	for k, v := c.First(); k != nil && len(victims) < expireChunk; k, v = c.Next() {
		if len(k) != 8 || len(v) < headerLen {
			// Unreadable: delete it rather than fail the batch (and
			// every other op in it) on every run.
			corrupt = append(corrupt, bytes.Clone(k))
			continue
		}
		if beU64(v[32:40]) >= cutoff {
			break // stored times never decrease with the ID
		}
		victims = append(victims, victim{bytes.Clone(k), storage.ClientID(v[:32]), len(v) - headerLen})
	}
	for _, vc := range victims {
		if err := st.msgs.Delete(vc.key); err != nil {
			return fmt.Errorf("expire message: %w", err)
		}
		st.remove(vc.client, beU64(vc.key), vc.size, s.usageOf(st, vc.client))
	}
	for _, k := range corrupt {
		if err := s.dropCorrupt(st, k); err != nil {
			return err
		}
	}
	st.totals.Expired += uint64(len(victims))
	st.results[i] = result{n: len(victims), more: len(victims) == expireChunk}
	return nil
}

// unixNano returns t as unsigned Unix nanoseconds, clamping times before
// 1970 to 0.
func unixNano(t time.Time) uint64 {
	if n := t.UnixNano(); n > 0 {
		return uint64(n)
	}
	return 0
}

// corruptLogKey is the log limiter's key for corrupt-record reports.
var corruptLogKey storage.ClientID

// dropCorrupt deletes the unreadable record at key k, removes it from its
// owner's index if any, and counts and (rate-limited) logs it.
func (s *Store) dropCorrupt(st *txState, k []byte) error {
	if err := st.msgs.Delete(k); err != nil {
		return fmt.Errorf("delete corrupt message record: %w", err)
	}
	st.totals.Corrupt++
	if len(k) == 8 {
		id := beU64(k)
		for client, b := range s.boxes {
			if e, ok := b.find(id); ok {
				st.remove(client, id, int(e.size), s.usageOf(st, client))
				break
			}
		}
	}
	if s.logs.Allow(corruptLogKey, time.Unix(0, int64(st.now))) {
		s.deps.Logger.Error("inbox: deleted a corrupt message record", "key", fmt.Sprintf("%x", k))
	}
	return nil
}
