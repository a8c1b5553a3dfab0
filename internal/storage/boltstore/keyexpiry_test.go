// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package boltstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/clock/clocktest"
	"github.com/nym-go/nym/internal/storage"
	"github.com/nym-go/nym/internal/storage/boltstore"
	"github.com/nym-go/nym/internal/storage/storagetest"
)

var unlimitedLimits = storage.Limits{MaxMessages: -1, MaxBytes: -1, Retention: -1}

// TestKeyWithoutRecordedUse checks that a key from a file written before
// uses were recorded survives the first ExpireKeys, which stamps it, and
// expires a retention period later; and that the stamps survive a reopen.
func TestKeyWithoutRecordedUse(t *testing.T) {
	clk := clocktest.NewFake(storagetest.Epoch)
	dir := t.TempDir()
	in, _ := openAt(t, dir, unlimitedLimits, clk)
	s := in.(*boltstore.Store)
	ctx := context.Background()
	a := storagetest.Client(1)
	if err := s.PutKey(ctx, a, []byte("old")); err != nil {
		t.Fatal(err)
	}
	if err := boltstore.ForgetKeyUse(s, a); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Hour)
	if gone, err := s.ExpireKeys(ctx, clk.Now().Add(time.Hour)); err != nil || len(gone) != 0 {
		t.Fatalf("first ExpireKeys = %x, %v; want the unstamped key kept", gone, err)
	}
	stamped := clk.Now()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	in, _ = openAt(t, dir, unlimitedLimits, clk)
	s = in.(*boltstore.Store)
	defer s.Close()
	if gone, err := s.ExpireKeys(ctx, stamped); err != nil || len(gone) != 0 {
		t.Fatalf("ExpireKeys(stamp) = %x, %v; want none", gone, err)
	}
	if gone, err := s.ExpireKeys(ctx, stamped.Add(time.Nanosecond)); err != nil || len(gone) != 1 || gone[0] != a {
		t.Fatalf("ExpireKeys after the stamp = %x, %v; want the key", gone, err)
	}
	if n, _ := s.CountKeys(); n != 0 {
		t.Fatalf("CountKeys = %d, want 0", n)
	}
}
