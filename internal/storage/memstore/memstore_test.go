// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package memstore_test

import (
	"testing"

	"github.com/nym-go/nym/internal/clock"
	"github.com/nym-go/nym/internal/storage"
	"github.com/nym-go/nym/internal/storage/memstore"
	"github.com/nym-go/nym/internal/storage/storagetest"
)

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T, lim storage.Limits, clk clock.Clock) (storage.Inbox, storage.KeyStore) {
		s := memstore.New(memstore.Config{Limits: lim}, memstore.Deps{Clock: clk})
		return s, s
	})
}
