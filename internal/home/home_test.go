// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package home

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRoot(t *testing.T) {
	t.Setenv(EnvVar, "/tmp/nymhome")
	if got, err := Root(); err != nil || got != "/tmp/nymhome" {
		t.Fatalf("Root() = %q, %v", got, err)
	}
	t.Setenv(EnvVar, "")
	t.Setenv("HOME", "/home/alice")
	if got, err := Root(); err != nil || got != "/home/alice/.nym" {
		t.Fatalf("Root() = %q, %v; want /home/alice/.nym", got, err)
	}
}

func TestCheckID(t *testing.T) {
	for _, id := range []string{"supergateway", "mix-1", "a.b_c", "X", strings.Repeat("a", MaxIDLen)} {
		if err := CheckID(id); err != nil {
			t.Errorf("CheckID(%q) = %v", id, err)
		}
	}
	for _, id := range []string{"", ".", "..", ".hidden", "a/b", "../x", "a b", "é", "a\x00", strings.Repeat("a", MaxIDLen+1)} {
		if err := CheckID(id); !errors.Is(err, ErrBadID) {
			t.Errorf("CheckID(%q) = %v, want ErrBadID", id, err)
		}
	}
}

func TestDir(t *testing.T) {
	root := t.TempDir()
	d, err := For(root, Node, "mix1")
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(root, "nym-nodes", "mix1", "config", "config.toml"); d.Config() != want {
		t.Errorf("Config() = %q, want %q", d.Config(), want)
	}
	if want := filepath.Join(root, "nym-nodes", "mix1", "keys", "ed25519_identity"); d.Keys("ed25519_identity") != want {
		t.Errorf("Keys() = %q", d.Keys("ed25519_identity"))
	}
	if d.Exists() {
		t.Fatal("Exists before init")
	}
	os.MkdirAll(filepath.Dir(d.Config()), 0o700)
	os.WriteFile(d.Config(), []byte("x"), 0o600)
	if !d.Exists() {
		t.Fatal("not Exists after writing config")
	}
	if _, err := For(root, Client, "../escape"); !errors.Is(err, ErrBadID) {
		t.Fatalf("For with traversal id: %v", err)
	}
}
