// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package keyfile stores keys on disk as base58 text, the way every nym-go
// node and client keeps them under $NYM_HOME/<role>/<id>/keys/.
//
// Private key files are written with mode 0600 inside a 0700 directory, are
// replaced atomically, and are refused on read when group or others can
// access them (as ssh refuses a private key that others can read). A key
// file is never silently replaced: writing over an existing file needs an
// explicit overwrite.
package keyfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/nym-go/nym/internal/atomicfile"
	"github.com/nym-go/nym/internal/base58"
)

// Errors returned (wrapped) by this package.
var (
	// ErrExists means the file exists and overwriting was not asked for.
	ErrExists = errors.New("key file already exists")
	// ErrInsecure means a private key file or its directory is accessible
	// to group or others.
	ErrInsecure = errors.New("key file is accessible to other users")
	// ErrMalformed means the file does not hold a key of the expected size.
	ErrMalformed = errors.New("key file is malformed")
)

// Mode says how a key is kept.
type Mode int

// The two kinds of key file.
const (
	// Private files are 0600 in a 0700 directory, checked on read.
	Private Mode = iota
	// Public files are 0644.
	Public
)

func (m Mode) perm() fs.FileMode {
	if m == Private {
		return 0o600
	}
	return 0o644
}

// Write stores key as base58 text (one line) at path, creating the
// directory (0700) if needed. It fails with ErrExists if path exists and
// overwrite is false. The file is written to a temporary name, synced and
// renamed, and the directory is synced, so a crash never leaves a
// half-written key and a written key survives a power loss.
func Write(path string, key []byte, mode Mode, overwrite bool) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("keyfile: create %s: %w", dir, err)
	}
	if !overwrite {
		if _, err := os.Lstat(path); err == nil {
			return fmt.Errorf("keyfile: %s: %w", path, ErrExists)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("keyfile: %w", err)
		}
	}
	w := atomicfile.Writer{SyncDir: syncDir}
	if err := w.Write(path, []byte(base58.Encode(key)+"\n"), mode.perm()); err != nil {
		return fmt.Errorf("keyfile: %w", err)
	}
	return nil
}

// syncDir is atomicfile.SyncDir; tests replace it to see it called.
var syncDir = atomicfile.SyncDir

// Read loads a key of exactly size bytes from path. For Private files it
// first checks that neither the file nor its directory is accessible to
// group or others.
func Read(path string, size int, mode Mode) ([]byte, error) {
	if mode == Private {
		if err := checkPrivate(path); err != nil {
			return nil, err
		}
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("keyfile: %w", err)
	}
	text := strings.TrimSpace(string(raw))
	key, err := base58.DecodeFixed(text, size)
	if err != nil {
		return nil, fmt.Errorf("keyfile: %s: %w: %v", path, ErrMalformed, err)
	}
	return key, nil
}

func checkPrivate(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("keyfile: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("keyfile: %s has mode %04o, want 0600 (chmod 600 it): %w", path, fi.Mode().Perm(), ErrInsecure)
	}
	di, err := os.Stat(filepath.Dir(path))
	if err != nil {
		return fmt.Errorf("keyfile: %w", err)
	}
	if di.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("keyfile: directory %s has mode %04o, want 0700: %w", filepath.Dir(path), di.Mode().Perm(), ErrInsecure)
	}
	return nil
}
