// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package client

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/address"
	"github.com/nym-go/nym/internal/clock/clocktest"
	"github.com/nym-go/nym/internal/e2e"
	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/sphinx"
)

// stateStore is an in-memory StateStore that counts saves.
type stateStore struct {
	mu      sync.Mutex
	data    []byte
	loadErr error
	saves   int
}

func (s *stateStore) LoadReplyKeys() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.data), s.loadErr
}

func (s *stateStore) SaveReplyKeys(b []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.data, s.saves = bytes.Clone(b), s.saves+1
	return nil
}

func (s *stateStore) get() ([]byte, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.data), s.saves
}

// testKeys returns a reply key set decoded from its documented layout.
func testKeys(t *testing.T) *sphinx.ReplyKeys {
	t.Helper()
	b := append([]byte{byte(sphinx.Regular), 4}, make([]byte, 5*sphinx.PayloadKeySeedSize)...)
	b[5] = 1
	k := new(sphinx.ReplyKeys)
	if err := k.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	return k
}

// TestStateLoad: New loads saved reply keys; a corrupt blob or a failing
// store is ignored, not fatal.
func TestStateLoad(t *testing.T) {
	src := e2e.NewReplyStore(0)
	for i := range 3 {
		if err := src.Add(sphinx.Identifier{byte(i + 1)}, testKeys(t)); err != nil {
			t.Fatal(err)
		}
	}
	good, err := src.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		st   *stateStore
		want int
	}{
		"saved":      {&stateStore{data: good}, 3},
		"nothing":    {&stateStore{}, 0},
		"corrupt":    {&stateStore{data: good[:len(good)-3]}, 0},
		"load error": {&stateStore{data: good, loadErr: errors.New("disk on fire")}, 0},
	} {
		cfg, deps := validArgs(t)
		deps.State = tc.st
		c, err := New(cfg, deps)
		if err != nil {
			t.Fatalf("%s: New = %v", name, err)
		}
		if n := c.replies.Len(); n != tc.want {
			t.Errorf("%s: %d reply key sets loaded, want %d", name, n, tc.want)
		}
	}
}

// TestStateSave: dirty reply keys are saved every StateSaveInterval on the
// client's clock, clean ones are not saved again, and Run saves on exit.
func TestStateSave(t *testing.T) {
	leaktest.Check(t)
	clk := clocktest.NewFake(time.Unix(1000, 0))
	cfg, deps := validArgs(t)
	cfg.StateSaveInterval = 7 * time.Second
	cfg.BackoffMin, cfg.BackoffMax = time.Hour, time.Hour
	st := &stateStore{}
	deps.State, deps.Clock = st, clk
	deps.Dial = func(ctx context.Context) (Conn, error) { return nil, errors.New("no gateway here") }
	c, err := New(cfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	wait := func(n int) {
		t.Helper()
		wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer wcancel()
		if err := clk.WaitForTimers(wctx, n); err != nil {
			t.Fatal(err)
		}
	}
	// The cover scheduler, the backoff and the saver each arm a timer.
	wait(3)
	clk.Advance(7 * time.Second)
	wait(3)
	if _, saves := st.get(); saves != 0 {
		t.Fatalf("%d saves with nothing changed", saves)
	}
	c.mu.Lock()
	if err := c.replies.Add(sphinx.Identifier{0x42}, testKeys(t)); err != nil {
		t.Fatal(err)
	}
	c.markDirtyLocked()
	c.mu.Unlock()
	clk.Advance(7 * time.Second)
	wait(3)
	data, saves := st.get()
	if saves != 1 {
		t.Fatalf("%d saves after one dirty interval, want 1", saves)
	}
	loaded := e2e.NewReplyStore(0)
	if err := loaded.UnmarshalBinary(data); err != nil || loaded.Len() != 1 {
		t.Fatalf("saved blob holds %d key sets (%v), want 1", loaded.Len(), err)
	}
	clk.Advance(7 * time.Second)
	wait(3)
	if _, saves := st.get(); saves != 1 {
		t.Fatalf("%d saves, want still 1: nothing changed", saves)
	}
	c.mu.Lock()
	c.replies.Remove(sphinx.Identifier{0x42})
	c.markDirtyLocked()
	c.mu.Unlock()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v", err)
	}
	data, saves = st.get()
	if saves != 2 {
		t.Fatalf("%d saves after Run ended, want 2", saves)
	}
	if err := loaded.UnmarshalBinary(data); err != nil || loaded.Len() != 0 {
		t.Fatalf("final save holds %d key sets (%v), want 0", loaded.Len(), err)
	}
}

// TestTopologyFailed: a route that cannot be built tells the caller.
func TestTopologyFailed(t *testing.T) {
	cfg, deps := validArgs(t)
	var calls atomic.Int64
	deps.TopologyFailed = func() { calls.Add(1) }
	c, err := New(cfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Send(context.Background(), address.Address{}, []byte("x"), true); !errors.Is(err, ErrNoTopology) {
		t.Fatalf("Send = %v", err)
	}
	if calls.Load() != 1 {
		t.Fatalf("TopologyFailed called %d times, want 1", calls.Load())
	}
	if _, err := c.dial(context.Background()); !errors.Is(err, ErrNoTopology) {
		t.Fatalf("dial = %v", err)
	}
	if calls.Load() != 2 {
		t.Fatalf("TopologyFailed called %d times after dial, want 2", calls.Load())
	}
}
