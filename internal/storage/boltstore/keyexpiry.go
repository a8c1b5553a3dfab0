// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package boltstore

import (
	"context"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/nym-go/nym/internal/storage"
)

// stamp encodes a key's last use: unix nanoseconds, u64 BE (times before
// 1970 are stored as 0).
func stamp(t time.Time) []byte { return be64(uint64(max(t.UnixNano(), 0))) }

// usedAt decodes a stamp; ok is false for a missing or malformed one.
func usedAt(v []byte) (time.Time, bool) {
	if len(v) != 8 {
		return time.Time{}, false
	}
	return time.Unix(0, int64(beU64(v))), true
}

// TouchKey records that client's key was used at t, fsynced before it
// returns; see storage.KeyExpirer. A t less than
// storage.KeyTouchGranularity after the recorded use costs a read only.
func (s *Store) TouchKey(ctx context.Context, client storage.ClientID, t time.Time) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("boltstore: touch key: %w", err)
	}
	if err := s.acquire("touch key"); err != nil {
		return err
	}
	defer s.closeMu.RUnlock()
	fresh := func(tx *bolt.Tx) bool {
		if tx.Bucket(bKeys).Get(client[:]) == nil {
			return true // nothing to record
		}
		last, ok := usedAt(tx.Bucket(bKeyUsed).Get(client[:]))
		return ok && t.Sub(last) < storage.KeyTouchGranularity
	}
	skip := false
	if err := s.db.View(func(tx *bolt.Tx) error { skip = fresh(tx); return nil }); err != nil {
		return fmt.Errorf("boltstore: touch key: %w", err)
	}
	if skip {
		return nil
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		if fresh(tx) {
			return nil
		}
		if last, ok := usedAt(tx.Bucket(bKeyUsed).Get(client[:])); ok && !t.After(last) {
			return nil
		}
		return tx.Bucket(bKeyUsed).Put(client[:], stamp(t))
	})
	if err != nil {
		return fmt.Errorf("boltstore: touch key: %w", err)
	}
	return nil
}

// ExpireKeys deletes the keys last used before before, in one fsynced
// transaction; see storage.KeyExpirer. A key without a recorded use (from
// a file written before uses were recorded) is stamped with the clock's
// present and kept, so it expires one retention period after the upgrade.
func (s *Store) ExpireKeys(ctx context.Context, before time.Time) ([]storage.ClientID, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("boltstore: expire keys: %w", err)
	}
	if err := s.acquire("expire keys"); err != nil {
		return nil, err
	}
	defer s.closeMu.RUnlock()
	var gone []storage.ClientID
	now := stamp(s.deps.Clock.Now())
	err := s.db.Update(func(tx *bolt.Tx) error {
		gone = gone[:0]
		keys, used := tx.Bucket(bKeys), tx.Bucket(bKeyUsed)
		var unstamped [][]byte
		c := keys.Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			last, ok := usedAt(used.Get(k))
			switch {
			case !ok:
				unstamped = append(unstamped, slices.Clone(k))
			case last.Before(before) && len(k) == len(storage.ClientID{}):
				gone = append(gone, storage.ClientID(k))
			}
		}
		// Modify only after the scan: bbolt cursors do not survive writes.
		for _, k := range unstamped {
			if err := used.Put(k, now); err != nil {
				return err
			}
		}
		for _, client := range gone {
			if err := keys.Delete(client[:]); err != nil {
				return err
			}
			if err := used.Delete(client[:]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("boltstore: expire keys: %w", err)
	}
	s.keyCount.Add(-int64(len(gone)))
	return gone, nil
}
