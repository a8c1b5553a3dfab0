// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package storagetest

import (
	"slices"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/storage"
)

// testKeyExpiry checks storage.KeyExpirer on a fake clock: PutKey and
// TouchKey record uses, an earlier TouchKey does not move a use back, and
// ExpireKeys deletes exactly the keys last used before its cutoff. Stores
// that do not implement KeyExpirer skip it.
func testKeyExpiry(t *testing.T, open Opener) {
	e := newEnv(t, open, unlimited)
	kx, ok := e.ks.(storage.KeyExpirer)
	if !ok {
		t.Skip("the KeyStore does not implement storage.KeyExpirer")
	}
	a, b, c, missing := Client(1), Client(2), Client(3), Client(4)
	t0 := e.clk.Now()
	for _, cl := range []storage.ClientID{a, b, c} {
		if err := e.ks.PutKey(e.ctx, cl, []byte("k")); err != nil {
			t.Fatal(err)
		}
	}
	e.clk.Advance(2 * storage.KeyTouchGranularity)
	t2 := e.clk.Now()
	if err := kx.TouchKey(e.ctx, a, t2); err != nil {
		t.Fatalf("TouchKey: %v", err)
	}
	if err := kx.TouchKey(e.ctx, b, t0.Add(-time.Hour)); err != nil {
		t.Fatalf("TouchKey with an earlier time: %v", err)
	}
	if err := kx.TouchKey(e.ctx, missing, t2); err != nil {
		t.Fatalf("TouchKey of a missing key: %v", err)
	}
	expire := func(before time.Time, want ...storage.ClientID) {
		t.Helper()
		got, err := kx.ExpireKeys(e.ctx, before)
		if err != nil {
			t.Fatalf("ExpireKeys: %v", err)
		}
		cmp := func(x, y storage.ClientID) int { return slices.Compare(x[:], y[:]) }
		slices.SortFunc(got, cmp)
		slices.SortFunc(want, cmp)
		if !slices.Equal(got, want) {
			t.Fatalf("ExpireKeys(%v) = %x, want %x", before.Sub(t0), got, want)
		}
	}
	expire(t0)                            // nothing used before t0
	expire(t0.Add(time.Nanosecond), b, c) // b's earlier touch did not count
	expire(t0.Add(time.Nanosecond))       // already gone
	if _, ok, _ := e.ks.GetKey(e.ctx, b); ok {
		t.Fatal("expired key still there")
	}
	if n, err := e.ks.CountKeys(); n != 1 || err != nil {
		t.Fatalf("CountKeys = %d, %v; want 1", n, err)
	}
	expire(t2) // a was used at t2, not before
	// A key stored again after expiring gets a fresh use.
	e.clk.Advance(time.Second)
	if err := e.ks.PutKey(e.ctx, b, []byte("again")); err != nil {
		t.Fatal(err)
	}
	expire(t2.Add(time.Nanosecond), a)
	if got, ok, _ := e.ks.GetKey(e.ctx, b); !ok || string(got) != "again" {
		t.Fatalf("re-registered key = %q, %v", got, ok)
	}
}
