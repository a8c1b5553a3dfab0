// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package boltstore

import (
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/nym-go/nym/internal/storage"
)

var _ storage.Marks = (*Store)(nil)

// markPrefix keeps marks apart from the meta bucket's other keys.
const markPrefix = "mark/"

// Mark returns the named mark from the meta bucket (0 if never raised).
func (s *Store) Mark(name string) (uint64, error) {
	if err := s.acquire("mark"); err != nil {
		return 0, err
	}
	defer s.closeMu.RUnlock()
	var v uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bMeta).Get([]byte(markPrefix + name))
		switch {
		case b == nil:
		case len(b) != 8:
			return fmt.Errorf("corrupt mark %q (%d bytes)", name, len(b))
		default:
			v = beU64(b)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("boltstore: mark: %w", err)
	}
	return v, nil
}

// RaiseMark raises the named mark to v (never lowers it), fsynced before
// it returns. It is its own transaction, outside the committer: marks are
// raised rarely (the gateway reserves ids in large blocks).
func (s *Store) RaiseMark(ctx context.Context, name string, v uint64) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("boltstore: raise mark: %w", err)
	}
	if err := s.acquire("raise mark"); err != nil {
		return err
	}
	defer s.closeMu.RUnlock()
	err := s.db.Update(func(tx *bolt.Tx) error {
		meta, key := tx.Bucket(bMeta), []byte(markPrefix+name)
		if b := meta.Get(key); len(b) == 8 && beU64(b) >= v {
			return nil
		}
		return meta.Put(key, be64(v))
	})
	if err != nil {
		return fmt.Errorf("boltstore: raise mark: %w", err)
	}
	return nil
}
