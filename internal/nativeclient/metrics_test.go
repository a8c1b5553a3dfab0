// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package nativeclient

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/address"
	"github.com/nym-go/nym/internal/client"
	"github.com/nym-go/nym/internal/clientapi"
	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/sphinx"
)

func TestMetricsListenConfig(t *testing.T) {
	text := strings.Replace(validConfig, `listen = "127.0.0.1:1977"`, "listen = \"127.0.0.1:1977\"\nmetrics_listen = \"0.0.0.0:9101\"", 1)
	cfg, unknown, err := Load(writeConfig(t, text), true)
	if err != nil || len(unknown) != 0 {
		t.Fatalf("Load: %v (unknown %v)", err, unknown)
	}
	if cfg.API.MetricsListen != "0.0.0.0:9101" {
		t.Fatalf("metrics_listen = %q", cfg.API.MetricsListen)
	}
	for _, bad := range []string{"9101", "127.0.0.1:http2", "127.0.0.1:70000"} {
		text := strings.Replace(validConfig, `listen = "127.0.0.1:1977"`, "listen = \"127.0.0.1:1977\"\nmetrics_listen = \""+bad+"\"", 1)
		if _, _, err := Load(writeConfig(t, text), false); err == nil || !strings.Contains(err.Error(), "api.metrics_listen") {
			t.Errorf("metrics_listen = %q: %v, want an error naming api.metrics_listen", bad, err)
		}
	}
	// Off by default, and not written by Encode when off.
	cfg, _, err = Load(writeConfig(t, validConfig), true)
	if err != nil || cfg.API.MetricsListen != "" {
		t.Fatalf("default metrics_listen %q, %v", cfg.API.MetricsListen, err)
	}
	if b, _ := cfg.Encode(); strings.Contains(string(b), "metrics_listen") {
		t.Errorf("Encode wrote an empty metrics_listen:\n%s", b)
	}
	if err := Run(context.Background(), RunOptions{ID: "x", Home: t.TempDir(), Metrics: "nope"}); err == nil || !strings.Contains(err.Error(), "--metrics") {
		t.Errorf("Run with --metrics nope: %v", err)
	}
}

// idleBackend is a clientapi.Backend that never receives anything.
type idleBackend struct{}

func (idleBackend) Address() address.Address { return address.Address{} }
func (idleBackend) Send(context.Context, address.Address, []byte, bool) (client.MessageID, error) {
	return 0, nil
}
func (idleBackend) Reply(context.Context, *sphinx.SURB, []byte) error { return nil }
func (idleBackend) Receive() <-chan client.Received                   { return nil }
func (idleBackend) Failures() <-chan client.Failure                   { return nil }

// fakeCore reports fixed counts.
type fakeCore struct{}

func (fakeCore) Pending() int     { return 3 }
func (fakeCore) Deferred() uint64 { return 7 }

func TestServeMetrics(t *testing.T) {
	leaktest.Check(t)
	api, err := clientapi.New(clientapi.Config{}, clientapi.Deps{Backend: idleBackend{}})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serveMetrics(ctx, ln, api, fakeCore{}, slog.New(slog.DiscardHandler)) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serveMetrics: %v", err)
		}
	}()
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := hc.Get("http://" + ln.Addr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"nym_client_api_connections 0\n", "nym_client_api_received_total 0\n", "nym_client_pending_messages 3\n", "nym_client_deferred_deliveries_total 7\n", "go_goroutines "} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q:\n%.2000s", want, body)
		}
	}
}
