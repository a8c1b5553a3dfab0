// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package clientapi_test

import (
	"net/http"
	"sync"
	"testing"

	"github.com/coder/websocket"

	"github.com/nym-go/nym/internal/clientapi"
	"github.com/nym-go/nym/internal/leaktest"
)

func TestMaxConnsAndOrigin(t *testing.T) {
	leaktest.Check(t)
	h := start(t, clientapi.Config{MaxConns: 1})
	h.dial(t)
	_, resp, err := websocket.Dial(ctxT(t), h.url, nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("second connection: %v, want HTTP 503", err)
	}
	if h.srv.Stats().Refused != 1 {
		t.Fatal("refusal not counted")
	}

	h2 := start(t, clientapi.Config{})
	hdr := http.Header{"Origin": {"https://evil.example"}}
	_, resp, err = websocket.Dial(ctxT(t), h2.url, &websocket.DialOptions{HTTPHeader: hdr})
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-origin connection: %v, want HTTP 403", err)
	}
}

// TestMaxConnsConcurrentUpgrades: connections that upgrade at the same time
// cannot exceed MaxConns (a slot is taken when a request is admitted, not
// when its upgrade completes).
func TestMaxConnsConcurrentUpgrades(t *testing.T) {
	const max, dials = 3, 24
	h := start(t, clientapi.Config{MaxConns: max})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var open []*websocket.Conn
	for range dials {
		wg.Go(func() {
			ws, _, err := websocket.Dial(ctxT(t), h.url, nil)
			if err != nil {
				return // refused with 503
			}
			mu.Lock()
			open = append(open, ws)
			mu.Unlock()
		})
	}
	wg.Wait()
	defer func() {
		for _, ws := range open {
			ws.CloseNow()
		}
	}()
	if len(open) > max {
		t.Fatalf("%d of %d concurrent dials upgraded, MaxConns %d", len(open), dials, max)
	}
	if got := h.srv.Stats().Refused; got < dials-max {
		t.Fatalf("refused %d, want at least %d", got, dials-max)
	}
}

func TestNewChecks(t *testing.T) {
	fake := newFake()
	if _, err := clientapi.New(clientapi.Config{}, clientapi.Deps{}); err == nil {
		t.Fatal("New without a backend succeeded")
	}
	for _, cfg := range []clientapi.Config{{MaxMessage: -1}, {MaxConns: -1}, {WriteQueue: -1}, {WriteTimeout: -1}, {TrackedMessages: -1}} {
		if _, err := clientapi.New(cfg, clientapi.Deps{Backend: fake}); err == nil {
			t.Fatalf("New(%+v) succeeded", cfg)
		}
	}
}
