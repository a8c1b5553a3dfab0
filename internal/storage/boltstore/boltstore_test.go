// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package boltstore_test

import (
	"path/filepath"
	"testing"

	"github.com/nym-go/nym/internal/clock"
	"github.com/nym-go/nym/internal/storage"
	"github.com/nym-go/nym/internal/storage/boltstore"
	"github.com/nym-go/nym/internal/storage/storagetest"
)

func openAt(t *testing.T, dir string, lim storage.Limits, clk clock.Clock) (storage.Inbox, storage.KeyStore) {
	t.Helper()
	s, err := boltstore.Open(filepath.Join(dir, "inbox.db"), boltstore.Config{Limits: lim}, boltstore.Deps{Clock: clk})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s, s
}

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T, lim storage.Limits, clk clock.Clock) (storage.Inbox, storage.KeyStore) {
		return openAt(t, t.TempDir(), lim, clk)
	})
}

func TestDurable(t *testing.T) {
	storagetest.RunDurable(t, openAt)
}
