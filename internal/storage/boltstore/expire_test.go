// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package boltstore_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/clock/clocktest"
	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/storage"
	"github.com/nym-go/nym/internal/storage/boltstore"
	"github.com/nym-go/nym/internal/storage/storagetest"
)

// TestExpireSkipsCorruptRecord corrupts one stored record: Expire must
// delete and count it and carry on (expiring the others, not failing its
// batch), every run.
func TestExpireSkipsCorruptRecord(t *testing.T) {
	leaktest.Check(t)
	clk := clocktest.NewFake(storagetest.Epoch)
	s := mustOpen(t, filepath.Join(t.TempDir(), "inbox.db"),
		boltstore.Config{Limits: storage.Limits{Retention: time.Hour}}, boltstore.Deps{Clock: clk})
	ctx := context.Background()
	var ids []uint64
	for i := range 3 {
		m, err := s.Put(ctx, storagetest.Client(i), []byte("m"))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.ID)
	}
	if err := boltstore.CorruptRecord(s, ids[1], []byte("short")); err != nil {
		t.Fatal(err)
	}
	late := storagetest.Epoch.Add(2 * time.Hour)
	n, err := s.Expire(ctx, late)
	if err != nil || n != 2 {
		t.Fatalf("Expire = %d, %v; want 2, nil", n, err)
	}
	if tot := s.Totals(); tot.Corrupt != 1 || tot.Expired != 2 || tot.Messages != 0 || tot.Clients != 0 {
		t.Fatalf("Totals = %+v; want 1 corrupt, 2 expired, none left", tot)
	}
	if u, err := s.Usage(storagetest.Client(1)); err != nil || u.Messages != 0 {
		t.Fatalf("Usage of the corrupt record's client = %+v, %v; want empty", u, err)
	}
	// The next runs and other clients' writes go on as usual.
	if _, err := s.Put(ctx, storagetest.Client(3), []byte("later")); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Expire(ctx, late); err != nil || n != 1 {
		t.Fatalf("second Expire = %d, %v; want 1, nil", n, err)
	}
}
