// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package nativeclient

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/nym-go/nym/internal/atomicfile"
	"github.com/nym-go/nym/internal/base58"
	"github.com/nym-go/nym/internal/gateway/gwproto"
	"github.com/nym-go/nym/internal/home"
	"github.com/nym-go/nym/internal/keyfile"
)

// Names of the client's stores under data/.
const (
	// GatewayKeysDir holds one keyfile per gateway the client registered
	// with, named by the gateway's base58 identity: the shared key of
	// docs/protocol/gateway.md.
	GatewayKeysDir = "gateway_keys"
	// ReplyKeysFile holds the keys of the reply SURBs the client handed
	// out, so replies still open after a restart.
	ReplyKeysFile = "reply-keys"
	// TopologyCacheFile is the last good topology from the directory.
	TopologyCacheFile = "topology.json"
)

// GatewayKeys is a gwclient.KeyStore keeping each gateway's shared key as
// a private keyfile (0600 in a 0700 directory) under data/gateway_keys/.
// It is safe for concurrent use.
type GatewayKeys struct {
	dir string
	mu  sync.Mutex
}

// NewGatewayKeys returns the key store in directory dir.
func NewGatewayKeys(dir string) *GatewayKeys { return &GatewayKeys{dir: dir} }

func (g *GatewayKeys) path(gateway ed25519.PublicKey) string {
	return filepath.Join(g.dir, base58.Encode(gateway))
}

// LoadKey implements gwclient.KeyStore.
func (g *GatewayKeys) LoadKey(gateway ed25519.PublicKey) ([]byte, bool, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	k, err := keyfile.Read(g.path(gateway), gwproto.SharedKeySize, keyfile.Private)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("gateway shared key: %w", err)
	}
	return k, true, nil
}

// SaveKey implements gwclient.KeyStore; it replaces the key atomically.
func (g *GatewayKeys) SaveKey(gateway ed25519.PublicKey, key []byte) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if err := keyfile.Write(g.path(gateway), key, keyfile.Private, true); err != nil {
		return fmt.Errorf("gateway shared key: %w", err)
	}
	return nil
}

// ReplyKeys is the client's file-backed store of reply-SURB keys
// (client.StateStore): data/reply-keys, replaced atomically, mode 0600.
// It is safe for concurrent use.
type ReplyKeys struct {
	path string
	mu   sync.Mutex
}

// NewReplyKeys returns the store kept in the file path.
func NewReplyKeys(path string) *ReplyKeys { return &ReplyKeys{path: path} }

// LoadReplyKeys returns the saved state, or nil when nothing was saved.
func (r *ReplyKeys) LoadReplyKeys() ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	b, err := os.ReadFile(r.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reply keys: %w", err)
	}
	return b, nil
}

// SaveReplyKeys replaces the saved state with b.
func (r *ReplyKeys) SaveReplyKeys(b []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := writeFileAtomic(r.path, b, 0o600); err != nil {
		return fmt.Errorf("reply keys: %w", err)
	}
	return nil
}

// writeFileAtomic creates path's directory (0700) if missing and writes
// data to path with atomicfile, so a crash leaves the old or the new
// content and the new content survives a power loss.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return atomicfile.Writer{SyncDir: syncDir}.Write(path, data, perm)
}

// syncDir is atomicfile.SyncDir; tests replace it to see it called.
var syncDir = atomicfile.SyncDir

// clientDir returns the directory of client id under root (or
// home.Root()).
func clientDir(root, id string) (home.Dir, error) {
	if root == "" {
		r, err := home.Root()
		if err != nil {
			return "", err
		}
		root = r
	}
	return home.For(root, home.Client, id)
}
