// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package boltstore_test

import (
	"path/filepath"
	"testing"

	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/storage/boltstore"
)

// TestMarksNeverGoBack raises a mark, tries to lower it, and reads it
// back after a reopen.
func TestMarksNeverGoBack(t *testing.T) {
	leaktest.Check(t)
	path := filepath.Join(t.TempDir(), "inbox.db")
	s := mustOpen(t, path, boltstore.Config{}, boltstore.Deps{})
	if v, err := s.Mark("m"); err != nil || v != 0 {
		t.Fatalf("fresh mark = %d, %v; want 0, nil", v, err)
	}
	for _, v := range []uint64{100, 50} {
		if err := s.RaiseMark(t.Context(), "m", v); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = mustOpen(t, path, boltstore.Config{}, boltstore.Deps{})
	if v, err := s.Mark("m"); err != nil || v != 100 {
		t.Fatalf("mark after reopen = %d, %v; want 100, nil", v, err)
	}
}
