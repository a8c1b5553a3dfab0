// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package home locates the files of nodes and clients: $NYM_HOME (default
// ~/.nym) holds one directory per role and id, each with config/, keys/ and
// data/ inside (see docs and ../shared/CONVENTIONS.md).
package home

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// EnvVar names the environment variable that overrides the default home.
const EnvVar = "NYM_HOME"

// Role is the kind of program whose files a directory holds.
type Role string

// The roles, named by their directory under the home.
const (
	Node         Role = "nym-nodes"
	Client       Role = "clients"
	Socks5Client Role = "socks5-clients"
)

// ErrBadID is returned (wrapped) for an id that can't name a directory.
var ErrBadID = errors.New("invalid id")

// MaxIDLen bounds ids, which become directory names.
const MaxIDLen = 64

// Root returns $NYM_HOME, or ~/.nym when it is unset or empty.
func Root() (string, error) {
	if h := os.Getenv(EnvVar); h != "" {
		return filepath.Abs(h)
	}
	u, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("home: no $%s and no user home directory: %w", EnvVar, err)
	}
	return filepath.Join(u, ".nym"), nil
}

// CheckID reports whether id is usable as a directory name: 1..64 ASCII
// letters, digits, '-', '_' or '.', not starting with '.'.
func CheckID(id string) error {
	if id == "" || len(id) > MaxIDLen {
		return fmt.Errorf("%w %q: must be 1 to %d characters", ErrBadID, id, MaxIDLen)
	}
	if id[0] == '.' {
		return fmt.Errorf("%w %q: must not start with '.'", ErrBadID, id)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
		if !ok {
			return fmt.Errorf("%w %q: character %q is not a letter, digit, '-', '_' or '.'", ErrBadID, id, c)
		}
	}
	return nil
}

// Dir is the directory of one node or client: <root>/<role>/<id>.
type Dir string

// For returns the directory of role and id under root, after checking id.
func For(root string, role Role, id string) (Dir, error) {
	if err := CheckID(id); err != nil {
		return "", err
	}
	return Dir(filepath.Join(root, string(role), id)), nil
}

// Config returns the path of the TOML config file.
func (d Dir) Config() string { return filepath.Join(string(d), "config", "config.toml") }

// Keys returns the path of a file in keys/.
func (d Dir) Keys(name string) string { return filepath.Join(string(d), "keys", name) }

// Data returns the path of a file or directory in data/.
func (d Dir) Data(name string) string { return filepath.Join(string(d), "data", name) }

// Exists reports whether the directory already holds a config, i.e. whether
// init has run for this id.
func (d Dir) Exists() bool {
	_, err := os.Stat(d.Config())
	return err == nil
}
