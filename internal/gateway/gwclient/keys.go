// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package gwclient

import (
	"crypto/ed25519"
	"slices"
	"sync"
)

// KeyStore keeps the shared key a client registered with each gateway, so
// it can authenticate instead of registering again after a restart.
// Implementations must be safe for concurrent use.
type KeyStore interface {
	// LoadKey returns the key shared with gateway, and whether there is one.
	LoadKey(gateway ed25519.PublicKey) (key []byte, ok bool, err error)
	// SaveKey stores (or replaces) the key shared with gateway, durably.
	SaveKey(gateway ed25519.PublicKey, key []byte) error
}

// MemKeys is an in-memory KeyStore (for tests and ephemeral clients). The
// zero value is ready to use.
type MemKeys struct {
	mu   sync.Mutex // guards keys
	keys map[string][]byte
}

// LoadKey implements KeyStore.
func (m *MemKeys) LoadKey(gateway ed25519.PublicKey) ([]byte, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k, ok := m.keys[string(gateway)]
	return slices.Clone(k), ok, nil
}

// SaveKey implements KeyStore.
func (m *MemKeys) SaveKey(gateway ed25519.PublicKey, key []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.keys == nil {
		m.keys = map[string][]byte{}
	}
	m.keys[string(gateway)] = slices.Clone(key)
	return nil
}
