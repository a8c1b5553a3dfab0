// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package directory

import (
	"bytes"
	"cmp"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nym-go/nym/internal/atomicfile"
)

// stateVersion is the version of the state file format (docs §4.5).
const stateVersion = 1

// stateFlushInterval is how often Serve writes changed bindings whose
// change did not have to be durable at once (refreshes, expiry).
const stateFlushInterval = time.Second

// stateFile is the JSON document Config.StateFile holds.
type stateFile struct {
	Version  int            `json:"version"`
	Bindings []stateBinding `json:"bindings"`
}

// stateBinding is one binding in the state file.
type stateBinding struct {
	PubKey      string `json:"pubKey"`
	IdentityKey string `json:"identityKey"`
	// LastSigned is when the directory last accepted a signed
	// announcement for PubKey, Unix ns by its clock; the binding expires
	// BindingTTL later.
	LastSigned int64 `json:"lastSigned"`
	// LastTimestamp is the newest accepted signed timestamp (replay check).
	LastTimestamp int64 `json:"lastTimestamp"`
}

// readState reads and checks a state file. A missing file is an empty
// state. Errors name the file.
func readState(path string) ([]stateBinding, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("directory: state file: %w", err)
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("directory: state file %s: %s", path, fmt.Sprintf(format, args...))
	}
	var f stateFile
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&f); err != nil {
		return nil, bad("corrupt (%v); restore it from a backup or remove it to forget every binding", err)
	}
	if d.More() {
		return nil, bad("corrupt (trailing data after the JSON object)")
	}
	if f.Version != stateVersion {
		return nil, bad("unknown version %d (this directory reads version %d)", f.Version, stateVersion)
	}
	seen := make(map[string]bool, len(f.Bindings))
	for i, sb := range f.Bindings {
		switch {
		case !isKey(sb.PubKey, 32):
			return nil, bad("bindings[%d].pubKey: must be base58 of a 32-byte key", i)
		case !isKey(sb.IdentityKey, ed25519.PublicKeySize):
			return nil, bad("bindings[%d].identityKey: must be base58 of a 32-byte Ed25519 public key", i)
		case sb.LastSigned <= 0 || sb.LastTimestamp <= 0:
			return nil, bad("bindings[%d]: lastSigned and lastTimestamp must be positive Unix nanoseconds", i)
		case seen[sb.PubKey]:
			return nil, bad("bindings[%d].pubKey: %s appears twice", i, sb.PubKey)
		}
		seen[sb.PubKey] = true
	}
	return f.Bindings, nil
}

// writeState writes bindings to path atomically: a temporary file in the
// same directory (mode 0600), fsynced, renamed over path, and the
// directory fsynced. The directory is created (0700) if missing.
func writeState(path string, bindings []stateBinding) error {
	slices.SortFunc(bindings, func(a, b stateBinding) int { return cmp.Compare(a.PubKey, b.PubKey) })
	if bindings == nil {
		bindings = []stateBinding{}
	}
	data, err := json.Marshal(stateFile{Version: stateVersion, Bindings: bindings})
	if err != nil {
		return fmt.Errorf("directory: state file %s: %w", path, err)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("directory: state file: %w", err)
	}
	if err := atomicfile.Write(path, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("directory: state file: %w", err)
	}
	return nil
}

// stateSaver writes the store's bindings to a state file. Writes are
// serialised by mu and coalesced: a caller that needs generation g durable
// waits for one write that covers it, possibly someone else's.
type stateSaver struct {
	path    string
	store   *store
	mu      sync.Mutex    // held during a write
	durable atomic.Uint64 // the binding generation last written
}

// save writes the bindings unless generation g is already durable.
func (p *stateSaver) save(g uint64) error {
	if p.durable.Load() >= g {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.durable.Load() >= g {
		return nil // written while we waited
	}
	bs, gen := p.store.exportBindings()
	if err := writeState(p.path, bs); err != nil {
		return err
	}
	p.durable.Store(gen)
	return nil
}

// flush writes the bindings if they changed since the last write.
func (p *stateSaver) flush() error { return p.save(p.store.bindGen.Load()) }

// RemoveBinding removes pubKey's binding from the state file at path and
// returns the identity it was bound to. The directory using the file must
// be stopped: a running one would write its own bindings back.
func RemoveBinding(path, pubKey string) (identityKey string, err error) {
	if _, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("directory: state file: %w", err)
	}
	bs, err := readState(path)
	if err != nil {
		return "", err
	}
	i := slices.IndexFunc(bs, func(b stateBinding) bool { return b.PubKey == pubKey })
	if i < 0 {
		return "", fmt.Errorf("directory: state file %s: pubKey %q is not bound", path, pubKey)
	}
	identityKey = bs[i].IdentityKey
	return identityKey, writeState(path, slices.Delete(bs, i, i+1))
}
