// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package gateway_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/nym-go/nym/internal/gateway"
	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/storage"
)

// Connections from one address beyond MaxConnsPerIP get 503 before the
// upgrade, counted; closing one makes room again.
func TestConnsPerIP(t *testing.T) {
	leaktest.Check(t)
	e := newEnvConfig(t, storage.Limits{}, gateway.Config{MaxConnsPerIP: 2, RateLimitLoopback: true})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	a := e.dial(newUser(t)) // a live session
	idle, _, err := websocket.Dial(ctx, e.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.CloseNow() // a connection that never starts its handshake
	_, resp, err := websocket.Dial(ctx, e.url, nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("third connection: err %v, resp %v; want 503", err, resp)
	}
	if _, err := e.tryDial(newUser(t)); err == nil {
		t.Fatal("client over the per-IP limit admitted")
	}
	if got := e.gw.Stats().Refused["too_many_per_ip"]; got != 2 {
		t.Fatalf("too_many_per_ip = %d, want 2", got)
	}
	a.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := e.tryDial(newUser(t))
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no room after a close: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Loopback is exempt by default (local networks).
func TestConnsPerIPLoopbackExempt(t *testing.T) {
	leaktest.Check(t)
	e := newEnvConfig(t, storage.Limits{}, gateway.Config{MaxConnsPerIP: 1})
	e.dial(newUser(t))
	e.dial(newUser(t))
	if got := e.gw.Stats().Refused["too_many_per_ip"]; got != 0 {
		t.Fatalf("too_many_per_ip = %d, want 0", got)
	}
}
