// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package storagetest

import (
	"context"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/clock/clocktest"
	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/storage"
)

// RunDurable checks that a store opened again on the same directory after
// Close keeps its messages (IDs, times, data, order), usage, totals, keys,
// retention index and ID sequence.
func RunDurable(t *testing.T, openAt OpenerAt) {
	t.Run("ReopenKeepsEverything", func(t *testing.T) {
		leaktest.Check(t)
		testReopen(t, openAt)
	})
}

func testReopen(t *testing.T, openAt OpenerAt) {
	const ret = time.Hour
	lim := storage.Limits{MaxMessages: 100, MaxBytes: -1, Retention: ret}
	dir := t.TempDir()
	clk := clocktest.NewFake(Epoch)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	in, ks := openAt(t, dir, lim, clk)
	e := &env{in: in, ks: ks, clk: clk, ctx: ctx}
	want := map[storage.ClientID][]storage.Message{}
	var maxID uint64
	for j := range 20 {
		for c := range 3 {
			m := e.put(t, Client(c), payload(c, j))
			want[Client(c)] = append(want[Client(c)], m)
			maxID = m.ID
		}
		if j == 9 {
			clk.Advance(30 * time.Minute)
		}
	}
	// Acknowledge client 0's first five messages.
	var ids []uint64
	for _, m := range want[Client(0)][:5] {
		ids = append(ids, m.ID)
	}
	if err := in.Delete(ctx, Client(0), ids); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	want[Client(0)] = want[Client(0)][5:]
	if err := ks.PutKey(ctx, Client(7), []byte("shared key 7")); err != nil {
		t.Fatalf("PutKey: %v", err)
	}
	before := in.Totals()
	if err := in.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	in, ks = openAt(t, dir, lim, clk)
	t.Cleanup(func() { _ = in.Close() })
	e = &env{in: in, ks: ks, clk: clk, ctx: ctx}
	for c := range 3 {
		sameMessages(t, "after reopen", e.fetchAll(t, Client(c)), want[Client(c)])
		var bytes int64
		for _, m := range want[Client(c)] {
			bytes += int64(len(m.Data))
		}
		if u := e.usage(t, Client(c)); u.Messages != len(want[Client(c)]) || u.Bytes != bytes {
			t.Fatalf("Usage(%d) after reopen = %+v, want %d messages, %d bytes", c, u, len(want[Client(c)]), bytes)
		}
	}
	after := in.Totals()
	if after.Messages != before.Messages || after.Bytes != before.Bytes || after.Clients != before.Clients {
		t.Fatalf("Totals after reopen = %+v, before %+v", after, before)
	}
	if k, ok, err := ks.GetKey(ctx, Client(7)); err != nil || !ok || string(k) != "shared key 7" {
		t.Fatalf("GetKey after reopen = %q, %v, %v", k, ok, err)
	}
	if m := e.put(t, Client(0), []byte("new")); m.ID <= maxID {
		t.Fatalf("ID after reopen = %d, not above the last ID %d", m.ID, maxID)
	}
	// The first ten rounds were stored at Epoch: 10 per client, minus
	// client 0's five acknowledged ones.
	n, err := in.Expire(ctx, Epoch.Add(ret+time.Nanosecond))
	if err != nil || n != 25 {
		t.Fatalf("Expire after reopen = %d, %v; want 25", n, err)
	}
}
