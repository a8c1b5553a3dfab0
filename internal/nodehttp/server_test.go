// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package nodehttp_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/base58"
	"github.com/nym-go/nym/internal/clock/clocktest"
	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/nodehttp"
)

// fakeStats is a StatsSource the test changes.
type fakeStats struct {
	mu sync.Mutex
	s  nodehttp.Stats
}

func (f *fakeStats) set(s nodehttp.Stats) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.s = s
}

func (f *fakeStats) Stats() nodehttp.Stats {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.s
	s.Sent, s.Dropped, s.Queued = maps.Clone(s.Sent), maps.Clone(s.Dropped), maps.Clone(s.Queued)
	return s
}

type harness struct {
	srv   *nodehttp.Server
	http  *httptest.Server
	clock *clocktest.Fake
	stats *fakeStats
	key   ed25519.PrivateKey
}

func newHarness(t *testing.T, cfg nodehttp.Config) *harness {
	t.Helper()
	leaktest.Check(t)
	_, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{clock: clocktest.NewFake(time.Unix(1_700_000_000, 0)), stats: &fakeStats{}, key: key}
	h.srv, err = nodehttp.New(cfg, nodehttp.Deps{Identity: key, Stats: h.stats, Clock: h.clock})
	if err != nil {
		t.Fatal(err)
	}
	h.http = httptest.NewServer(h.srv.Handler())
	t.Cleanup(h.http.Close)
	return h
}

func (h *harness) get(t *testing.T, method, path string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, h.http.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := h.http.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

func (h *harness) getJSON(t *testing.T, path string, v any) {
	t.Helper()
	code, b := h.get(t, http.MethodGet, path)
	if code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, code, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("GET %s: %v in %s", path, err, b)
	}
}

func TestHealthAndRoles(t *testing.T) {
	h := newHarness(t, nodehttp.Config{Roles: nodehttp.Roles{MixnodeEnabled: true}})
	h.clock.Advance(90 * time.Second)
	var health map[string]any
	h.getJSON(t, nodehttp.PathHealth, &health)
	if health["status"] != "up" || health["uptime"] != float64(90) {
		t.Fatalf("health = %v", health)
	}
	_, b := h.get(t, http.MethodGet, nodehttp.PathRoles)
	want := `{"mixnode_enabled":true,"gateway_enabled":false,"network_requester_enabled":false}`
	if strings.TrimSpace(string(b)) != want {
		t.Fatalf("roles = %s, want %s", b, want)
	}
}

func TestHostInformationVerifies(t *testing.T) {
	info := nodehttp.HostInformation{
		IPAddress: []string{"127.0.0.1"},
		Keys:      nodehttp.HostKeys{X25519Sphinx: "sphinxkey"},
		Mixnet:    nodehttp.Addresses{Listen: "0.0.0.0:1789", Announce: "127.0.0.1:1789"},
		HTTP:      nodehttp.Addresses{Listen: "127.0.0.1:8000"},
	}
	h := newHarness(t, nodehttp.Config{HostInformation: info})
	code, body := h.get(t, http.MethodGet, nodehttp.PathHostInformation)
	if code != http.StatusOK {
		t.Fatalf("%d %s", code, body)
	}
	got, err := nodehttp.VerifyHostInformation(body)
	if err != nil {
		t.Fatal(err)
	}
	wantID := base58.Encode(h.key.Public().(ed25519.PublicKey))
	if got.Keys.Ed25519Identity != wantID || got.Keys.X25519Sphinx != "sphinxkey" || got.Mixnet != info.Mixnet {
		t.Fatalf("host information = %+v", got)
	}
	// The rule, done by hand: Ed25519 over the domain and data's raw bytes.
	var raw struct {
		Data      json.RawMessage `json:"data"`
		Signature string          `json:"signature"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		t.Fatal(err)
	}
	sig, _ := base58.Decode(raw.Signature)
	msg := append([]byte("nym-go/node/host-information/v1"), raw.Data...)
	if !ed25519.Verify(h.key.Public().(ed25519.PublicKey), msg, sig) {
		t.Fatal("signature does not verify by the documented rule")
	}
	// Any change to the data breaks it.
	forged := bytes.Replace(body, []byte("127.0.0.1:1789"), []byte("127.0.0.2:1789"), 1)
	if _, err := nodehttp.VerifyHostInformation(forged); !errors.Is(err, nodehttp.ErrHostInfoForged) {
		t.Fatalf("forged data: %v", err)
	}
	if _, err := nodehttp.VerifyHostInformation([]byte(`{"data":1}`)); !errors.Is(err, nodehttp.ErrMalformedHostInfo) {
		t.Fatalf("malformed: %v", err)
	}
}

func TestStatsWindows(t *testing.T) {
	h := newHarness(t, nodehttp.Config{StatsInterval: 30 * time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.srv.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	waitTimers := func() {
		t.Helper()
		wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer wcancel()
		if err := h.clock.WaitForTimers(wctx, 1); err != nil {
			t.Fatal(err)
		}
	}
	waitTimers()
	start := h.clock.Now()

	h.stats.set(nodehttp.Stats{Received: 10, Sent: map[string]uint64{"a:1": 4}, Dropped: map[string]uint64{"replay": 1},
		Queued: map[string]int{"inbound": 2}, Connections: 3})
	var r nodehttp.StatsResponse
	h.getJSON(t, nodehttp.PathStats, &r)
	if r.SinceStart.Received != 10 || r.SinceStart.Sent["a:1"] != 4 || r.SinceStart.Dropped["replay"] != 1 ||
		r.Queued["inbound"] != 2 || r.Connections != 3 || r.IntervalSeconds != 30 {
		t.Fatalf("since start: %+v", r)
	}
	if r.LastInterval.Received != 0 || r.LastInterval.From != start.UnixNano() || r.LastInterval.To != start.UnixNano() {
		t.Fatalf("last interval before the first snapshot: %+v", r.LastInterval)
	}

	h.clock.Advance(30 * time.Second)
	waitTimers()
	h.stats.set(nodehttp.Stats{Received: 25, Sent: map[string]uint64{"a:1": 4, "b:2": 5}, Dropped: map[string]uint64{"replay": 3}})
	h.clock.Advance(30 * time.Second)
	waitTimers()
	h.stats.set(nodehttp.Stats{Received: 99}) // after the last snapshot: not in the window
	r = nodehttp.StatsResponse{}
	h.getJSON(t, nodehttp.PathStats, &r)
	li := r.LastInterval
	if li.Received != 15 || !maps.Equal(li.Sent, map[string]uint64{"b:2": 5}) || !maps.Equal(li.Dropped, map[string]uint64{"replay": 2}) {
		t.Fatalf("last interval: %+v", li)
	}
	if li.From != start.Add(30*time.Second).UnixNano() || li.To != start.Add(60*time.Second).UnixNano() {
		t.Fatalf("last interval bounds %d..%d", li.From, li.To)
	}
	if r.SinceStart.Received != 99 {
		t.Fatalf("since start received %d, want 99", r.SinceStart.Received)
	}
}

func TestMetricsText(t *testing.T) {
	h := newHarness(t, nodehttp.Config{MaxNextHops: 2})
	h.stats.set(nodehttp.Stats{
		Received: 7, Sent: map[string]uint64{"10.0.0.0:1788": 0, "10.0.0.1:1789": 3, "10.0.0.2:1789": 2, "10.0.0.3:1789": 1, "10.0.0.4:1789": 1},
		Dropped: map[string]uint64{"queue_full": 4}, Queued: map[string]int{"delayed": 5}, Connections: 2,
	})
	code, b := h.get(t, http.MethodGet, nodehttp.PathMetrics)
	if code != http.StatusOK {
		t.Fatalf("%d %s", code, b)
	}
	text := string(b)
	for _, want := range []string{
		"nym_mixnode_packets_received_total 7",
		`nym_mixnode_packets_sent_total{next_hop="10.0.0.1:1789"} 3`,
		`nym_mixnode_packets_sent_total{next_hop="10.0.0.2:1789"} 2`,
		`nym_mixnode_packets_sent_total{next_hop="other"} 2`,
		`nym_mixnode_packets_dropped_total{reason="queue_full"} 4`,
		`nym_mixnode_queue_length{stage="delayed"} 5`,
		"nym_mixnode_inbound_connections 2",
		"go_goroutines",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if strings.Contains(text, `next_hop="10.0.0.0:1788"`) {
		t.Error("a next hop with nothing sent took a label")
	}
	if t.Failed() {
		t.Log(text)
	}
	// A hop labelled once keeps its label; "other" only grows.
	h.stats.set(nodehttp.Stats{Sent: map[string]uint64{"10.0.0.0:1789": 9, "10.0.0.1:1789": 3, "10.0.0.2:1789": 2,
		"10.0.0.3:1789": 1, "10.0.0.4:1789": 1}})
	_, b = h.get(t, http.MethodGet, nodehttp.PathMetrics)
	if !strings.Contains(string(b), `next_hop="other"} 11`) || strings.Contains(string(b), `next_hop="10.0.0.0:1789"`) {
		t.Fatalf("label cap not stable:\n%s", b)
	}
}

func TestErrorsAreJSON(t *testing.T) {
	h := newHarness(t, nodehttp.Config{})
	for _, tt := range []struct {
		method, path string
		code         int
	}{
		{http.MethodGet, "/api/v1/nope", http.StatusNotFound},
		{http.MethodGet, "/", http.StatusNotFound},
		{http.MethodPost, nodehttp.PathHealth, http.StatusMethodNotAllowed},
		{http.MethodDelete, nodehttp.PathMetrics, http.StatusMethodNotAllowed},
	} {
		code, b := h.get(t, tt.method, tt.path)
		var e nodehttp.ErrorBody
		if code != tt.code || json.Unmarshal(b, &e) != nil || e.Error == "" {
			t.Errorf("%s %s: %d %s, want %d with a JSON error", tt.method, tt.path, code, b, tt.code)
		}
	}
}

func TestServeShutsDown(t *testing.T) {
	h := newHarness(t, nodehttp.Config{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- nodehttp.Serve(ctx, ln, h.srv.Handler(), time.Second) }()
	resp, err := http.Get(fmt.Sprintf("http://%s%s", ln.Addr(), nodehttp.PathHealth))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	http.DefaultClient.CloseIdleConnections()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return")
	}
}
