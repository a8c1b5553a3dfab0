// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// entries lists the names in dir.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

func TestWriteContentAndMode(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.toml")
	for _, c := range []struct {
		data string
		perm fs.FileMode
	}{
		{"first\n", 0o600},
		{"second, longer than the first\n", 0o644},
		{"", 0o640},
	} {
		if err := Write(path, []byte(c.data), c.perm); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != c.data {
			t.Errorf("content = %q, want %q", got, c.data)
		}
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != c.perm {
			t.Errorf("mode = %04o, want %04o", fi.Mode().Perm(), c.perm)
		}
		if names := entries(t, dir); len(names) != 1 || names[0] != "config.toml" {
			t.Errorf("directory holds %q, want only config.toml (no temporary files)", names)
		}
	}
}

// TestWriteFailureKeepsOld: when the write fails before the rename, the
// old content stays and the temporary file is removed.
func TestWriteFailureKeepsOld(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	if err := Write(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	rename = func(string, string) error { return errors.New("disk on fire") }
	t.Cleanup(func() { rename = os.Rename })
	err := Write(path, []byte("new"), 0o644)
	if err == nil || !strings.Contains(err.Error(), "disk on fire") || !strings.HasPrefix(err.Error(), "write "+path+": ") {
		t.Fatalf("Write with a failing rename: %v", err)
	}
	if got, _ := os.ReadFile(path); string(got) != "old" {
		t.Errorf("content after a failed write = %q, want %q", got, "old")
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode after a failed write = %04o, want 0600", fi.Mode().Perm())
	}
	if names := entries(t, dir); len(names) != 1 {
		t.Errorf("directory holds %q, want only state.json", names)
	}
}

// TestWriteRealFailures: failures from the filesystem itself (no hooks)
// are reported and leave nothing behind.
func TestWriteRealFailures(t *testing.T) {
	dir := t.TempDir()
	if err := Write(filepath.Join(dir, "missing", "f"), []byte("x"), 0o600); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Write into a missing directory: %v, want ErrNotExist", err)
	}
	// A non-empty directory cannot be replaced by a file.
	target := filepath.Join(dir, "target")
	if err := os.MkdirAll(filepath.Join(target, "inside"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := Write(target, []byte("x"), 0o600); err == nil {
		t.Error("Write over a non-empty directory succeeded")
	}
	if fi, err := os.Stat(filepath.Join(target, "inside")); err != nil || !fi.IsDir() {
		t.Errorf("directory replaced: %v", err)
	}
	if names := entries(t, dir); len(names) != 1 || names[0] != "target" {
		t.Errorf("directory holds %q, want only target", names)
	}
}

// TestWriterSyncsDirectoryAfterRename: the directory is synced once, after
// the new content is in place, and a failed sync is reported.
func TestWriterSyncsDirectoryAfterRename(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "identity")
	var synced []string
	w := Writer{SyncDir: func(d string) error {
		if b, err := os.ReadFile(path); err != nil || string(b) != "key" {
			t.Errorf("directory synced before the rename: %q, %v", b, err)
		}
		synced = append(synced, d)
		return SyncDir(d)
	}}
	if err := w.Write(path, []byte("key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if len(synced) != 1 || synced[0] != dir {
		t.Fatalf("synced %q, want [%q]", synced, dir)
	}
	w.SyncDir = func(string) error { return errors.New("disk on fire") }
	if err := w.Write(path, []byte("key2"), 0o600); err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Fatalf("Write with a failing directory sync: %v", err)
	}
	if names := entries(t, dir); len(names) != 1 {
		t.Errorf("directory holds %q after a failed sync, want only identity", names)
	}
}

// TestConcurrentWrites: concurrent writers to one path each leave a whole
// file; the result is one of theirs, never a mix.
func TestConcurrentWrites(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	const n = 8
	want := map[string]bool{}
	var wg sync.WaitGroup
	for i := range n {
		data := strings.Repeat(fmt.Sprint(i), 4096)
		want[data] = true
		wg.Go(func() {
			if err := Write(path, []byte(data), 0o600); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !want[string(got)] {
		t.Errorf("content is none of the writers' (%d bytes, starts %q)", len(got), got[:min(len(got), 8)])
	}
	if names := entries(t, dir); len(names) != 1 {
		t.Errorf("directory holds %q, want only f", names)
	}
}

func TestSyncDir(t *testing.T) {
	if err := SyncDir(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	if err := SyncDir(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("SyncDir of a missing directory: %v", err)
	}
	for _, err := range []error{syscall.EINVAL, syscall.ENOTSUP, &os.PathError{Op: "sync", Path: "d", Err: syscall.EINVAL}} {
		if !unsyncable(err) {
			t.Errorf("%v not taken as a filesystem that cannot sync directories", err)
		}
	}
	if unsyncable(syscall.EIO) {
		t.Error("EIO ignored")
	}
}
