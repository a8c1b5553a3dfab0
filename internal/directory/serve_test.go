// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package directory

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/dirapi"
	"github.com/nym-go/nym/internal/dirclient"
	"github.com/nym-go/nym/internal/leaktest"
)

func TestServeAndShutdown(t *testing.T) {
	leaktest.Check(t)
	l := serve(t, Config{})
	resp, err := http.Get(l.url + dirapi.PathHealthcheck)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != `{"ok":true}` {
		t.Fatalf("healthcheck: %d %s", resp.StatusCode, b)
	}
	http.DefaultClient.CloseIdleConnections()
	if err := l.stop(); err != nil {
		t.Fatalf("Serve returned %v after cancel", err)
	}
	if _, err := http.Get(l.url + dirapi.PathHealthcheck); err == nil {
		t.Fatal("still serving after shutdown")
	}
}

func TestRunListenError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	srv, err := New(Config{Listen: ln.Addr().String()}, Deps{})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("Run on a busy port: %v", err)
	}
}

func TestServeTwice(t *testing.T) {
	leaktest.Check(t)
	l := serve(t, Config{})
	resp, err := http.Get(l.url + dirapi.PathHealthcheck) // the first Serve is running
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	http.DefaultClient.CloseIdleConnections()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := l.srv.Serve(ctx, ln); err == nil {
		t.Fatal("second Serve succeeded")
	}
}

func TestConfigErrors(t *testing.T) {
	for _, cfg := range []Config{
		{PresenceTTL: -time.Second},
		{MaxLayers: -1},
		{PresenceTTL: time.Hour, BindingTTL: time.Minute},
		{WSQueueLen: -5},
	} {
		if _, err := New(cfg, Deps{}); err == nil {
			t.Errorf("New(%+v) succeeded", cfg)
		}
	}
}

// The project's own directory client works against the server end to end.
func TestDirclient(t *testing.T) {
	leaktest.Check(t)
	l := serve(t, Config{})
	hc := &http.Client{Transport: &http.Transport{}}
	defer hc.CloseIdleConnections()
	c, err := dirclient.New(l.url, hc)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := c.Healthcheck(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Announce(ctx, signed(mix(1, 1), 1, l.clock.Now())); err != nil {
		t.Fatal(err)
	}
	err = c.Announce(ctx, mix(2, 1))
	if !dirclient.IsRefused(err) {
		t.Fatalf("unsigned announce: %v, want a refusal", err)
	}
	if err := c.ReportMetric(ctx, metric("m", 1)); err != nil {
		t.Fatal(err)
	}
	top, err := c.Topology(ctx)
	if err != nil || len(top.MixNodes) != 1 || top.GatewayNodes == nil {
		t.Fatalf("topology %+v, %v", top, err)
	}
	l.clock.Advance(3 * time.Second)
	ms, err := c.Metrics(ctx)
	if err != nil || len(ms) != 1 {
		t.Fatalf("metrics %+v, %v", ms, err)
	}
}

// Run listens on Config.Listen and returns nil, with every goroutine it
// started gone, when its context is cancelled.
func TestRunStopsOnCancel(t *testing.T) {
	leaktest.Check(t)
	srv, err := New(Config{Listen: "127.0.0.1:0"}, Deps{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}
