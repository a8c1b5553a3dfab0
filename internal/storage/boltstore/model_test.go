// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package boltstore_test

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/clock/clocktest"
	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/storage"
	"github.com/nym-go/nym/internal/storage/boltstore"
	"github.com/nym-go/nym/internal/storage/memstore"
	"github.com/nym-go/nym/internal/storage/storagetest"
)

// TestMatchesMemstore runs the same random sequence of Puts, Deletes,
// Expires, clock steps and reopens against boltstore and memstore (the
// naive model) and compares everything observable after each step.
func TestMatchesMemstore(t *testing.T) {
	leaktest.Check(t)
	for seed := range uint64(4) {
		rng := rand.New(rand.NewPCG(seed, 7))
		lim := storage.Limits{MaxMessages: 8, MaxBytes: 300, Retention: time.Hour}
		clk := clocktest.NewFake(storagetest.Epoch)
		path := filepath.Join(t.TempDir(), "inbox.db")
		open := func() *boltstore.Store {
			s, err := boltstore.Open(path, boltstore.Config{Limits: lim}, boltstore.Deps{Clock: clk})
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		got, want := open(), memstore.New(memstore.Config{Limits: lim}, memstore.Deps{Clock: clk})
		ctx := context.Background()
		const clients = 3
		for step := range 400 {
			c := storagetest.Client(rng.IntN(clients))
			switch r := rng.IntN(100); {
			case r < 50:
				data := make([]byte, rng.IntN(80))
				_, e1 := got.Put(ctx, c, data)
				_, e2 := want.Put(ctx, c, data)
				if (e1 == nil) != (e2 == nil) {
					t.Fatalf("seed %d step %d: Put = %v, model %v", seed, step, e1, e2)
				}
			case r < 75:
				ms, _ := want.Fetch(ctx, c, 0, 100)
				var ids []uint64
				for _, m := range ms {
					if rng.IntN(2) == 0 {
						ids = append(ids, m.ID)
					}
				}
				ids = append(ids, uint64(rng.IntN(1000))) // maybe unknown, maybe another client's
				if err := got.Delete(ctx, c, ids); err != nil {
					t.Fatal(err)
				}
				_ = want.Delete(ctx, c, ids)
			case r < 85:
				clk.Advance(time.Duration(rng.IntN(40)) * time.Minute)
			case r < 95:
				n1, err := got.Expire(ctx, clk.Now())
				n2, _ := want.Expire(ctx, clk.Now())
				if err != nil || n1 != n2 {
					t.Fatalf("seed %d step %d: Expire = %d, %v; model %d", seed, step, n1, err, n2)
				}
			default:
				if err := got.Close(); err != nil {
					t.Fatal(err)
				}
				got = open()
			}
			for i := range clients {
				c := storagetest.Client(i)
				g, _ := got.Fetch(ctx, c, 0, 1000)
				w, _ := want.Fetch(ctx, c, 0, 1000)
				if len(g) != len(w) {
					t.Fatalf("seed %d step %d client %d: %d messages, model %d", seed, step, i, len(g), len(w))
				}
				for j := range g {
					if g[j].ID != w[j].ID || !g[j].Stored.Equal(w[j].Stored) || string(g[j].Data) != string(w[j].Data) {
						t.Fatalf("seed %d step %d client %d message %d differs", seed, step, i, j)
					}
				}
				ug, _ := got.Usage(c)
				uw, _ := want.Usage(c)
				if ug != uw {
					t.Fatalf("seed %d step %d: Usage = %+v, model %+v", seed, step, ug, uw)
				}
			}
			tg, tw := got.Totals(), want.Totals()
			if tg.Messages != tw.Messages || tg.Bytes != tw.Bytes || tg.Clients != tw.Clients {
				t.Fatalf("seed %d step %d: Totals = %+v, model %+v", seed, step, tg, tw)
			}
		}
		_ = got.Close()
		_ = want.Close()
	}
}
