// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package client_test

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/e2e"
	"github.com/nym-go/nym/internal/leaktest"
)

// memState is an in-memory client.StateStore.
type memState struct {
	mu    sync.Mutex
	data  []byte
	saves int
}

func (s *memState) LoadReplyKeys() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.data), nil
}

func (s *memState) SaveReplyKeys(b []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.data, s.saves = bytes.Clone(b), s.saves+1
	return nil
}

// TestReplyAfterRestart: A sends B a message with a reply SURB and is
// stopped; a new client built from A's keys and State receives B's reply,
// sent after the restart.
func TestReplyAfterRestart(t *testing.T) {
	leaktest.Check(t)
	tn := startNet(t)
	keys, state := newKeys(t), &memState{}
	a, stopA := tn.newClientStop(t, 0, clientOpts{seed: 31, keys: keys, state: state})
	b := tn.newClient(t, 1, clientOpts{seed: 32})
	if _, err := a.Send(context.Background(), b.Address(), []byte("ping"), true); err != nil {
		t.Fatal(err)
	}
	got := receive(t, b, 15*time.Second)
	if string(got.Message) != "ping" || got.ReplySURB == nil {
		t.Fatalf("B got %q (SURB %v)", got.Message, got.ReplySURB != nil)
	}
	stopA()

	saved := e2e.NewReplyStore(0)
	state.mu.Lock()
	err := saved.UnmarshalBinary(state.data)
	state.mu.Unlock()
	if err != nil || saved.Len() != 1 {
		t.Fatalf("A saved %d reply key sets (%v), want 1", saved.Len(), err)
	}

	a2 := tn.newClient(t, 0, clientOpts{seed: 33, keys: keys, state: state})
	if a2.Address() != a.Address() {
		t.Fatalf("restarted address %v, want %v", a2.Address(), a.Address())
	}
	if err := b.Reply(context.Background(), got.ReplySURB, []byte("pong")); err != nil {
		t.Fatal(err)
	}
	rep := receive(t, a2, 15*time.Second)
	if !rep.IsReply || string(rep.Message) != "pong" {
		t.Fatalf("restarted A got %q (reply %v), want the reply pong", rep.Message, rep.IsReply)
	}
}
