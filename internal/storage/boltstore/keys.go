// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package boltstore

import (
	"context"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"

	"github.com/nym-go/nym/internal/storage"
)

// PutKey stores or replaces client's shared key, fsynced before it returns.
func (s *Store) PutKey(ctx context.Context, client storage.ClientID, key []byte) error {
	if err := storage.CheckKey(key); err != nil {
		return fmt.Errorf("boltstore: put key: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("boltstore: put key: %w", err)
	}
	if err := s.acquire("put key"); err != nil {
		return err
	}
	defer s.closeMu.RUnlock()
	added := false
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bKeys)
		added = b.Get(client[:]) == nil
		if err := b.Put(client[:], slices.Clone(key)); err != nil {
			return err
		}
		return tx.Bucket(bKeyUsed).Put(client[:], stamp(s.deps.Clock.Now()))
	})
	if err != nil {
		return fmt.Errorf("boltstore: put key: %w", err)
	}
	if added {
		s.keyCount.Add(1)
	}
	return nil
}

// GetKey returns client's shared key and whether there is one.
func (s *Store) GetKey(ctx context.Context, client storage.ClientID) ([]byte, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, fmt.Errorf("boltstore: get key: %w", err)
	}
	if err := s.acquire("get key"); err != nil {
		return nil, false, err
	}
	defer s.closeMu.RUnlock()
	var key []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		key = slices.Clone(tx.Bucket(bKeys).Get(client[:]))
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("boltstore: get key: %w", err)
	}
	return key, key != nil, nil
}

// DeleteKey removes client's shared key, fsynced before it returns.
func (s *Store) DeleteKey(ctx context.Context, client storage.ClientID) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("boltstore: delete key: %w", err)
	}
	if err := s.acquire("delete key"); err != nil {
		return err
	}
	defer s.closeMu.RUnlock()
	removed := false
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bKeys)
		removed = b.Get(client[:]) != nil
		if err := tx.Bucket(bKeyUsed).Delete(client[:]); err != nil {
			return err
		}
		return b.Delete(client[:])
	})
	if err != nil {
		return fmt.Errorf("boltstore: delete key: %w", err)
	}
	if removed {
		s.keyCount.Add(-1)
	}
	return nil
}

// CountKeys reports how many keys are stored.
func (s *Store) CountKeys() (int, error) {
	if err := s.acquire("count keys"); err != nil {
		return 0, err
	}
	defer s.closeMu.RUnlock()
	return int(s.keyCount.Load()), nil
}
