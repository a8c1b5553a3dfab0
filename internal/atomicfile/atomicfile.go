// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package atomicfile replaces a file's content atomically and durably: a
// reader sees the old content or the new, never a mix, and the new content
// survives a crash or a power loss once Write returns.
//
// Write puts the data in a temporary file beside the target (same
// directory, so the rename cannot cross filesystems), sets its mode, syncs
// it, renames it over the target and syncs the directory so the rename
// itself is on disk. On any failure the temporary file is removed and the
// target keeps its old content. Write does not create the directory.
package atomicfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// Write replaces the content of path with data, atomically and durably,
// and leaves path with mode perm. Errors read "write <path>: <cause>".
func Write(path string, data []byte, perm os.FileMode) error {
	return Writer{}.Write(path, data, perm)
}

// A Writer writes files as Write does, with the directory sync
// replaceable. Its zero value is ready to use and behaves as Write.
type Writer struct {
	// SyncDir flushes the target's directory after the rename; nil means
	// the package's SyncDir. Tests set it to see the directory synced
	// after the rename, or to make the sync fail.
	SyncDir func(dir string) error
}

// Write replaces the content of path with data, atomically and durably,
// and leaves path with mode perm. Errors read "write <path>: <cause>".
func (w Writer) Write(path string, data []byte, perm os.FileMode) error {
	if err := w.write(path, data, perm); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func (w Writer) write(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	renamed := false
	defer func() {
		if !renamed {
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := rename(tmp.Name(), path); err != nil {
		return err
	}
	renamed = true
	sync := w.SyncDir
	if sync == nil {
		sync = SyncDir
	}
	return sync(dir)
}

// rename is os.Rename; tests replace it to make the rename fail.
var rename = os.Rename

// SyncDir flushes directory dir to disk, so that a file just created in it
// or renamed into it survives a power loss. Filesystems that cannot sync a
// directory (EINVAL, ENOTSUP) are not an error.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !unsyncable(err) {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}

// unsyncable reports whether err says the filesystem does not sync
// directories.
func unsyncable(err error) bool {
	return errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOTSUP) || errors.Is(err, errors.ErrUnsupported)
}
