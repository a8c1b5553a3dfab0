// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package clientapi_test

import (
	"context"
	"errors"
	"testing"

	"github.com/coder/websocket"

	"github.com/nym-go/nym/internal/clientapi"
	"github.com/nym-go/nym/internal/leaktest"
)

func TestRunStopsCleanly(t *testing.T) {
	leaktest.Check(t)
	h := start(t, clientapi.Config{})
	a := h.dial(t)
	ws := h.dialRaw(t)
	if err := h.srv.Run(context.Background()); !errors.Is(err, clientapi.ErrRunning) {
		t.Fatalf("second Run: %v", err)
	}
	// Read the raw connection while the server closes it, as a live
	// application would (the server waits for the close handshake).
	rawErr := make(chan error, 1)
	go func() {
		_, _, err := ws.Read(ctxT(t))
		rawErr <- err
	}()
	h.stop()
	if _, err := a.Receive(ctxT(t)); err == nil {
		t.Fatal("Receive after shutdown returned no error")
	}
	if err := <-rawErr; websocket.CloseStatus(err) != websocket.StatusGoingAway {
		t.Fatalf("raw connection: %v, want close status 1001", err)
	}
	if _, err := clientapi.Dial(ctxT(t), h.url); err == nil {
		t.Fatal("Dial after shutdown succeeded")
	}
	if n := h.srv.Stats().Conns; n != 0 {
		t.Fatalf("%d connections left open", n)
	}
}
