// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package clientapi_test

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/nym-go/nym/internal/clientapi"
	"github.com/nym-go/nym/internal/leaktest"
)

// dialAs connects to h's listener whatever url's host says, as a browser
// does once DNS for that host points at 127.0.0.1 (DNS rebinding): the
// request's Host header is url's host. It returns the HTTP status of the
// answer (101 when the upgrade succeeded).
func dialAs(t *testing.T, h *harness, url, origin string) int {
	t.Helper()
	lisAddr := strings.TrimPrefix(h.url, "ws://")
	tr := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, lisAddr)
	}}
	defer tr.CloseIdleConnections()
	opts := &websocket.DialOptions{HTTPClient: &http.Client{Transport: tr}}
	if origin != "" {
		opts.HTTPHeader = http.Header{"Origin": {origin}}
	}
	ws, resp, err := websocket.Dial(ctxT(t), url, opts)
	if err == nil {
		ws.CloseNow()
		return http.StatusSwitchingProtocols
	}
	if resp == nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	return resp.StatusCode
}

// TestHostAndOriginChecks: a web page served from a rebound name (its Origin
// and Host both attacker.example) must not reach the API; programs (no
// Origin) on loopback names must.
func TestHostAndOriginChecks(t *testing.T) {
	leaktest.Check(t)
	h := start(t, clientapi.Config{})
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(h.url, "ws://"))
	for _, tt := range []struct {
		name, host, origin string
		want               int
	}{
		{"rebound name, same origin", "attacker.example:" + port, "http://attacker.example:" + port, http.StatusForbidden},
		{"rebound name, no origin", "attacker.example:" + port, "", http.StatusForbidden},
		{"loopback, foreign origin", "127.0.0.1:" + port, "https://evil.example", http.StatusForbidden},
		{"loopback, same origin", "127.0.0.1:" + port, "http://127.0.0.1:" + port, http.StatusForbidden},
		{"127.0.0.1", "127.0.0.1:" + port, "", http.StatusSwitchingProtocols},
		{"other loopback IPv4", "127.3.2.1:" + port, "", http.StatusSwitchingProtocols},
		{"IPv6 loopback", "[::1]:" + port, "", http.StatusSwitchingProtocols},
		{"localhost", "localhost:" + port, "", http.StatusSwitchingProtocols},
		{"LOCALHOST without port", "LOCALHOST", "", http.StatusSwitchingProtocols},
		{"private address", "192.168.1.1:" + port, "", http.StatusForbidden},
		{"localhost suffix", "localhost.attacker.example:" + port, "", http.StatusForbidden},
	} {
		if got := dialAs(t, h, "ws://"+tt.host+"/", tt.origin); got != tt.want {
			t.Errorf("%s: Host %q Origin %q: HTTP %d, want %d", tt.name, tt.host, tt.origin, got, tt.want)
		}
	}

	// Configured hosts and origins are let through; others still are not.
	h2 := start(t, clientapi.Config{AllowedHosts: []string{"client.internal"}, AllowedOrigins: []string{"https://app.example"}})
	_, port2, _ := net.SplitHostPort(strings.TrimPrefix(h2.url, "ws://"))
	for _, tt := range []struct {
		host, origin string
		want         int
	}{
		{"client.internal:" + port2, "", http.StatusSwitchingProtocols},
		{"127.0.0.1:" + port2, "https://app.example", http.StatusSwitchingProtocols},
		{"127.0.0.1:" + port2, "HTTPS://APP.EXAMPLE", http.StatusSwitchingProtocols},
		{"127.0.0.1:" + port2, "https://app.example:8443", http.StatusForbidden},
		{"attacker.example:" + port2, "https://app.example", http.StatusForbidden},
	} {
		if got := dialAs(t, h2, "ws://"+tt.host+"/", tt.origin); got != tt.want {
			t.Errorf("allow lists: Host %q Origin %q: HTTP %d, want %d", tt.host, tt.origin, got, tt.want)
		}
	}
	if _, err := clientapi.New(clientapi.Config{AllowedOrigins: []string{"app.example"}}, clientapi.Deps{Backend: newFake()}); err == nil {
		t.Error("New accepted an origin without a scheme")
	}
}
