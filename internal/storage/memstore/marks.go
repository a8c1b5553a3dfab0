// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package memstore

import (
	"context"
	"fmt"

	"github.com/nym-go/nym/internal/storage"
)

var _ storage.Marks = (*Store)(nil)

// Mark returns the named mark (0 if never raised); see storage.Marks.
func (s *Store) Mark(name string) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, fmt.Errorf("memstore: mark: %w", storage.ErrClosed)
	}
	return s.marks[name], nil
}

// RaiseMark raises the named mark to v, never lowering it; see
// storage.Marks. It lasts as long as the Store.
func (s *Store) RaiseMark(ctx context.Context, name string, v uint64) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: raise mark: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return fmt.Errorf("memstore: raise mark: %w", storage.ErrClosed)
	}
	s.marks[name] = max(s.marks[name], v)
	return nil
}
