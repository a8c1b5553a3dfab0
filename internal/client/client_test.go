// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package client_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/leaktest"
)

// TestSendAndReply: A sends B a multi-fragment message with a reply SURB
// across gateways; B gets it intact and answers through the SURB.
func TestSendAndReply(t *testing.T) {
	leaktest.Check(t)
	tn := startNet(t)
	a := tn.newClient(t, 0, clientOpts{seed: 1})
	b := tn.newClient(t, 1, clientOpts{seed: 2})

	msg := make([]byte, 5000) // 4 fragments
	if _, err := rand.Read(msg); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Send(context.Background(), b.Address(), msg, true); err != nil {
		t.Fatal(err)
	}
	got := receive(t, b, 15*time.Second)
	if !bytes.Equal(got.Message, msg) || got.IsReply {
		t.Fatalf("B got %d bytes (reply %v), want the %d sent", len(got.Message), got.IsReply, len(msg))
	}
	if got.ReplySURB == nil {
		t.Fatal("no reply SURB")
	}
	if err := b.Reply(context.Background(), got.ReplySURB, []byte("pong")); err != nil {
		t.Fatal(err)
	}
	rep := receive(t, a, 15*time.Second)
	if !rep.IsReply || string(rep.Message) != "pong" {
		t.Fatalf("A got %q (reply %v), want the reply pong", rep.Message, rep.IsReply)
	}
}
