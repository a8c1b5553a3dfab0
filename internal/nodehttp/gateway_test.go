// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package nodehttp_test

import (
	"crypto/ed25519"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/nodehttp"
)

type fakeGateway nodehttp.GatewayStats

func (f fakeGateway) GatewayStats() nodehttp.GatewayStats { return nodehttp.GatewayStats(f) }

func TestGatewayRouteAndMetrics(t *testing.T) {
	leaktest.Check(t)
	_, key, _ := ed25519.GenerateKey(nil)
	gw := fakeGateway{ConnectedClients: 2, RegisteredClients: 5, StoredMessages: 7, StoredBytes: 700,
		Counters: map[string]uint64{"received": 9}, Dropped: map[string]uint64{"quota_messages": 1},
		Refused: map[string]uint64{"bad_frame": 3}}
	srv, err := nodehttp.New(nodehttp.Config{Roles: nodehttp.Roles{GatewayEnabled: true}},
		nodehttp.Deps{Identity: key, Gateway: gw})
	if err != nil {
		t.Fatal(err)
	}
	h := httptest.NewServer(srv.Handler())
	t.Cleanup(h.Close)
	body := func(path string) string {
		resp, err := h.Client().Get(h.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %v", path, resp.StatusCode, err)
		}
		return string(b)
	}
	js := body(nodehttp.PathGateway)
	for _, want := range []string{`"connected_clients":2`, `"registered_clients":5`, `"stored_messages":7`, `"quota_messages":1`} {
		if !strings.Contains(js, want) {
			t.Errorf("%s lacks %s", js, want)
		}
	}
	m := body(nodehttp.PathMetrics)
	for _, want := range []string{`nym_gateway_clients{state="registered"} 5`, `nym_gateway_inbox{unit="bytes"} 700`,
		`nym_gateway_messages_dropped_total{reason="quota_messages"} 1`, `nym_gateway_client_refused_total{reason="bad_frame"} 3`} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if !strings.Contains(body(nodehttp.PathRoles), `"gateway_enabled":true`) {
		t.Error("roles lack gateway_enabled")
	}
}
