// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package storage_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/clock/clocktest"
	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/storage"
	"github.com/nym-go/nym/internal/storage/memstore"
	"github.com/nym-go/nym/internal/storage/storagetest"
)

func TestLimitsDefaults(t *testing.T) {
	got := storage.Limits{}.WithDefaults()
	want := storage.Limits{MaxMessages: 10_000, MaxBytes: 64 << 20, Retention: 7 * 24 * time.Hour}
	if got != want {
		t.Fatalf("WithDefaults = %+v, want %+v", got, want)
	}
	neg := storage.Limits{MaxMessages: -1, MaxBytes: -5, Retention: -time.Second}
	if neg.WithDefaults() != neg {
		t.Fatalf("negative limits changed by WithDefaults: %+v", neg.WithDefaults())
	}
	if err := neg.Admit(storage.Usage{Messages: 1 << 30, Bytes: 1 << 50}, 1<<30); err != nil {
		t.Fatalf("unlimited Admit: %v", err)
	}
	if _, ok := neg.Cutoff(time.Now()); ok {
		t.Fatal("unlimited retention has a cutoff")
	}
}

func TestAdmit(t *testing.T) {
	l := storage.Limits{MaxMessages: 2, MaxBytes: 10}
	tests := []struct {
		u    storage.Usage
		size int
		want error
	}{
		{storage.Usage{}, 10, nil},
		{storage.Usage{}, 11, storage.ErrQuotaBytes},
		{storage.Usage{Messages: 1, Bytes: 5}, 5, nil},
		{storage.Usage{Messages: 1, Bytes: 5}, 6, storage.ErrQuotaBytes},
		{storage.Usage{Messages: 2}, 0, storage.ErrQuotaMessages},
	}
	for _, tt := range tests {
		err := l.Admit(tt.u, tt.size)
		if (tt.want == nil) != (err == nil) || (tt.want != nil && !errors.Is(err, tt.want)) {
			t.Errorf("Admit(%+v, %d) = %v, want %v", tt.u, tt.size, err, tt.want)
		}
	}
}

func TestLogLimiter(t *testing.T) {
	g := storage.NewLogLimiter(time.Minute)
	t0 := storagetest.Epoch
	a, b := storagetest.Client(1), storagetest.Client(2)
	steps := []struct {
		c    storage.ClientID
		at   time.Duration
		want bool
	}{
		{a, 0, true}, {a, time.Second, false}, {b, time.Second, true},
		{a, 59 * time.Second, false}, {a, time.Minute, true}, {a, time.Minute + 1, false},
	}
	for _, s := range steps {
		if got := g.Allow(s.c, t0.Add(s.at)); got != s.want {
			t.Fatalf("Allow(%x, +%v) = %v, want %v", s.c[31], s.at, got, s.want)
		}
	}
	// Many clients: memory stays bounded and each still logs once.
	for i := range 10_000 {
		if !g.Allow(storagetest.Client(1000+i), t0.Add(2*time.Minute)) {
			t.Fatalf("client %d not allowed its first log", i)
		}
	}
}

func TestRunExpiry(t *testing.T) {
	leaktest.Check(t)
	clk := clocktest.NewFake(storagetest.Epoch)
	s := memstore.New(memstore.Config{Limits: storage.Limits{Retention: time.Hour}}, memstore.Deps{Clock: clk})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := storagetest.Client(1)
	if _, err := s.Put(ctx, c, []byte("old")); err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- storage.RunExpiry(runCtx, s, clk, 10*time.Minute, nil) }()
	for range 7 { // the tick at +70 min has cutoff +10 min: the message goes
		if err := clk.WaitForTimers(ctx, 1); err != nil {
			t.Fatal(err)
		}
		clk.Advance(10 * time.Minute)
	}
	if err := clk.WaitForTimers(ctx, 1); err != nil { // re-armed: Expire ran
		t.Fatal(err)
	}
	if tot := s.Totals(); tot.Expired != 1 || tot.Messages != 0 {
		t.Fatalf("Totals = %+v, want the message expired", tot)
	}
	stop()
	if err := <-done; err != nil {
		t.Fatalf("RunExpiry after cancel: %v", err)
	}
	if err := storage.RunExpiry(ctx, s, clk, 0, nil); err == nil {
		t.Fatal("RunExpiry with interval 0 succeeded")
	}
	_ = s.Close()
	go func() { done <- storage.RunExpiry(ctx, s, clk, time.Minute, nil) }()
	if err := clk.WaitForTimers(ctx, 1); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute)
	if err := <-done; !errors.Is(err, storage.ErrClosed) {
		t.Fatalf("RunExpiry on a closed store: %v, want ErrClosed", err)
	}
}
