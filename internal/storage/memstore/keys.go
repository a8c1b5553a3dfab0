// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package memstore

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/nym-go/nym/internal/storage"
)

// PutKey stores or replaces client's shared key.
func (s *Store) PutKey(ctx context.Context, client storage.ClientID, key []byte) error {
	if err := storage.CheckKey(key); err != nil {
		return fmt.Errorf("memstore: put key: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: put key: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return fmt.Errorf("memstore: put key: %w", storage.ErrClosed)
	}
	s.keys[client] = slices.Clone(key)
	s.used[client] = s.deps.Clock.Now()
	return nil
}

// GetKey returns client's shared key and whether there is one.
func (s *Store) GetKey(ctx context.Context, client storage.ClientID) ([]byte, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, fmt.Errorf("memstore: get key: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, false, fmt.Errorf("memstore: get key: %w", storage.ErrClosed)
	}
	k, ok := s.keys[client]
	return slices.Clone(k), ok, nil
}

// DeleteKey removes client's shared key.
func (s *Store) DeleteKey(ctx context.Context, client storage.ClientID) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: delete key: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return fmt.Errorf("memstore: delete key: %w", storage.ErrClosed)
	}
	delete(s.keys, client)
	delete(s.used, client)
	return nil
}

// CountKeys reports how many keys are stored.
func (s *Store) CountKeys() (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, fmt.Errorf("memstore: count keys: %w", storage.ErrClosed)
	}
	return len(s.keys), nil
}

// TouchKey records that client's key was used at t; see
// storage.KeyExpirer.
func (s *Store) TouchKey(ctx context.Context, client storage.ClientID, t time.Time) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: touch key: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return fmt.Errorf("memstore: touch key: %w", storage.ErrClosed)
	}
	if _, ok := s.keys[client]; ok && t.After(s.used[client]) {
		s.used[client] = t
	}
	return nil
}

// ExpireKeys deletes the keys last used before before; see
// storage.KeyExpirer.
func (s *Store) ExpireKeys(ctx context.Context, before time.Time) ([]storage.ClientID, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memstore: expire keys: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, fmt.Errorf("memstore: expire keys: %w", storage.ErrClosed)
	}
	var gone []storage.ClientID
	for client := range s.keys {
		if s.used[client].Before(before) {
			delete(s.keys, client)
			delete(s.used, client)
			gone = append(gone, client)
		}
	}
	return gone, nil
}
