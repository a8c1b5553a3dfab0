// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package keyfile

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nym-go/nym/internal/atomicfile"
)

func TestWriteRead(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	key := bytes.Repeat([]byte{0xab}, 32)
	priv := filepath.Join(dir, "identity")
	if err := Write(priv, key, Private, false); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(priv)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Errorf("private key mode = %04o, want 0600", got)
	}
	di, _ := os.Stat(dir)
	if got := di.Mode().Perm(); got != 0o700 {
		t.Errorf("key directory mode = %04o, want 0700", got)
	}
	got, err := Read(priv, 32, Private)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, key) {
		t.Fatalf("Read = %x, want %x", got, key)
	}

	pub := filepath.Join(dir, "identity.pub")
	if err := Write(pub, key[:16], Public, false); err != nil {
		t.Fatal(err)
	}
	fi, _ = os.Stat(pub)
	if got := fi.Mode().Perm(); got != 0o644 {
		t.Errorf("public key mode = %04o, want 0644", got)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("directory holds %d entries, want 2 (no temporary files left)", len(entries))
	}
}

func TestNoSilentOverwrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k", "identity")
	first := bytes.Repeat([]byte{1}, 32)
	if err := Write(path, first, Private, false); err != nil {
		t.Fatal(err)
	}
	if err := Write(path, bytes.Repeat([]byte{2}, 32), Private, false); !errors.Is(err, ErrExists) {
		t.Fatalf("second Write error = %v, want ErrExists", err)
	}
	if got, _ := Read(path, 32, Private); !bytes.Equal(got, first) {
		t.Fatal("refused write changed the key")
	}
	second := bytes.Repeat([]byte{3}, 32)
	if err := Write(path, second, Private, true); err != nil {
		t.Fatal(err)
	}
	if got, _ := Read(path, 32, Private); !bytes.Equal(got, second) {
		t.Fatal("overwrite did not replace the key")
	}
}

func TestReadRefuses(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "k")
	path := filepath.Join(dir, "identity")
	if err := Write(path, bytes.Repeat([]byte{1}, 32), Private, false); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(path, 64, Private); !errors.Is(err, ErrMalformed) {
		t.Errorf("wrong size: error = %v, want ErrMalformed", err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(path, 32, Private); !errors.Is(err, ErrInsecure) {
		t.Errorf("0644 private key: error = %v, want ErrInsecure", err)
	}
	if _, err := Read(path, 32, Public); err != nil {
		t.Errorf("same file read as public: %v", err)
	}
	os.Chmod(path, 0o600)
	os.Chmod(dir, 0o755)
	if _, err := Read(path, 32, Private); !errors.Is(err, ErrInsecure) {
		t.Errorf("0755 key directory: error = %v, want ErrInsecure", err)
	}
	os.Chmod(dir, 0o700)
	if err := os.WriteFile(path, []byte("not base58 0OIl\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(path, 32, Private); !errors.Is(err, ErrMalformed) {
		t.Errorf("garbage: error = %v, want ErrMalformed", err)
	}
	if _, err := Read(filepath.Join(dir, "missing"), 32, Public); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: error = %v, want ErrNotExist", err)
	}
}

// TestWriteSyncsDirectory: Write syncs the key's directory after the rename,
// so that the new name survives a power loss.
func TestWriteSyncsDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	path := filepath.Join(dir, "identity")
	var synced []string
	syncDir = func(d string) error {
		if _, err := os.Stat(path); err != nil {
			t.Errorf("directory synced before the rename: %v", err)
		}
		synced = append(synced, d)
		return atomicfile.SyncDir(d)
	}
	t.Cleanup(func() { syncDir = atomicfile.SyncDir })
	if err := Write(path, []byte{1, 2, 3}, Private, false); err != nil {
		t.Fatal(err)
	}
	if len(synced) != 1 || synced[0] != dir {
		t.Fatalf("synced %q, want [%q]", synced, dir)
	}
	syncDir = func(string) error { return errors.New("disk on fire") }
	if err := Write(path, []byte{4}, Private, true); err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Fatalf("Write with a failing directory sync: %v", err)
	}
}
