// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package dirclient

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/dirapi"
)

// fakeDirectory records what it is sent and answers like the real one for
// the few cases tested here. The directory's own behaviour is tested in
// internal/directory; these tests cover the client's side of the contract.
type fakeDirectory struct {
	got    map[string][]byte
	status int
}

func (f *fakeDirectory) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.got[r.Method+" "+r.URL.Path] = body
	w.Header().Set("Content-Type", "application/json")
	switch {
	case f.status != 0:
		w.WriteHeader(f.status)
		json.NewEncoder(w).Encode(dirapi.Error{Error: "layer: 7 is outside 1..3"})
	case r.Method == http.MethodPost:
		w.WriteHeader(http.StatusCreated)
		w.Write([]byte(`{"ok":true}`))
	case r.URL.Path == dirapi.PathTopology:
		w.Write([]byte(`{"cocoNodes":[],"mixNodes":[{"host":"127.0.0.1:1789","pubKey":"k","version":"0.1.0","location":"","layer":1,"lastSeen":5}],"mixProviderNodes":[],"gatewayNodes":[]}`))
	case r.URL.Path == dirapi.PathMetricsMixes:
		w.Write([]byte(`[{"pubKey":"k","sent":{"127.0.0.1:1":2},"received":3,"timestamp":9}]`))
	default:
		w.Write([]byte(`{"ok":true}`))
	}
}

func newTest(t *testing.T) (*Client, *fakeDirectory) {
	t.Helper()
	f := &fakeDirectory{got: map[string][]byte{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	c, err := New(srv.URL+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	return c, f
}

func TestAnnounceEveryKind(t *testing.T) {
	c, f := newTest(t)
	key := ed25519.NewKeyFromSeed(make([]byte, 32))
	records := map[string]dirapi.Signable{
		dirapi.PathPresenceMixNodes:     &dirapi.MixNodePresence{Host: "127.0.0.1:1789", PubKey: "k", Version: "0.1.0", Layer: 1},
		dirapi.PathPresenceGateways:     &dirapi.GatewayPresence{PubKey: "g", RegisteredClients: []dirapi.RegisteredClient{}},
		dirapi.PathPresenceMixProviders: &dirapi.MixProviderPresence{PubKey: "p"},
		dirapi.PathPresenceCocoNodes:    &dirapi.CocoPresence{PubKey: "c", Type: "validator"},
	}
	for path, rec := range records {
		dirapi.Sign(rec, key, time.Unix(1, 0))
		if err := c.Announce(context.Background(), rec); err != nil {
			t.Fatalf("Announce to %s: %v", path, err)
		}
		sent := f.got["POST "+path]
		if sent == nil {
			t.Fatalf("nothing posted to %s", path)
		}
		if !strings.Contains(string(sent), `"signature":"`) {
			t.Errorf("%s body lacks the signature: %s", path, sent)
		}
	}
}

func TestTopologyAndMetrics(t *testing.T) {
	c, f := newTest(t)
	topo, err := c.Topology(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(topo.MixNodes) != 1 || topo.MixNodes[0].Host != "127.0.0.1:1789" || topo.MixNodes[0].LastSeen != 5 {
		t.Fatalf("Topology = %+v", topo)
	}
	if err := c.ReportMetric(context.Background(), dirapi.MixMetric{PubKey: "k", Received: 1}); err != nil {
		t.Fatal(err)
	}
	if got := string(f.got["POST "+dirapi.PathMetricsMixes]); got != `{"pubKey":"k","sent":{},"received":1}` {
		t.Errorf("metric body = %s (sent must be {} not null)", got)
	}
	ms, err := c.Metrics(context.Background())
	if err != nil || len(ms) != 1 || ms[0].Sent["127.0.0.1:1"] != 2 {
		t.Fatalf("Metrics = %+v, %v", ms, err)
	}
	if err := c.Healthcheck(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestPostReliability(t *testing.T) {
	c, f := newTest(t)
	rep := &dirapi.ReliabilityReport{RunTimestamp: 7, Nodes: []dirapi.NodeReliability{{PubKey: "k", LastRun: 90, Sent: 10, Received: 9}}}
	if err := c.PostReliability(context.Background(), rep); err != nil {
		t.Fatal(err)
	}
	var got dirapi.ReliabilityReport
	if err := json.Unmarshal(f.got["POST "+dirapi.PathReliability], &got); err != nil {
		t.Fatalf("posted body: %v", err)
	}
	if got.RunTimestamp != 7 || len(got.Nodes) != 1 || got.Nodes[0].PubKey != "k" || got.Nodes[0].Received != 9 {
		t.Errorf("posted report = %+v, want %+v", got, *rep)
	}

	f.status = http.StatusForbidden
	err := c.PostReliability(context.Background(), rep)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusForbidden || apiErr.Message != "layer: 7 is outside 1..3" {
		t.Fatalf("error = %v, want the directory's 403 message", err)
	}
}

func TestErrors(t *testing.T) {
	c, f := newTest(t)
	f.status = http.StatusBadRequest
	err := c.Announce(context.Background(), &dirapi.MixNodePresence{Layer: 7})
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 400 || apiErr.Message != "layer: 7 is outside 1..3" {
		t.Fatalf("error = %v, want the directory's 400 message", err)
	}
	if !IsRefused(err) {
		t.Error("IsRefused(400) = false")
	}

	down, _ := New("http://127.0.0.1:1", nil)
	err = down.Healthcheck(context.Background())
	if err == nil || IsRefused(err) {
		t.Fatalf("unreachable directory: error = %v, IsRefused = %v", err, IsRefused(err))
	}
	for _, bad := range []string{"", "ftp://x", "http://", "://"} {
		if _, err := New(bad, nil); err == nil {
			t.Errorf("New(%q) accepted", bad)
		}
	}
}
