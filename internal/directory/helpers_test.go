// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package directory

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/base58"
	"github.com/nym-go/nym/internal/clock/clocktest"
	"github.com/nym-go/nym/internal/dirapi"
)

// epoch is the fake clock's start.
var epoch = time.Unix(1_800_000_000, 0)

// env is a server on a fake clock, driven through its Handler without a
// network.
type env struct {
	t     testing.TB
	clock *clocktest.Fake
	srv   *Server
}

func newEnv(t testing.TB, cfg Config) *env {
	t.Helper()
	clk := clocktest.NewFake(epoch)
	srv, err := New(cfg, Deps{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, clock: clk, srv: srv}
}

// do serves one request; hdr holds header name, value pairs.
func (e *env) do(method, path string, body []byte, hdr ...string) *httptest.ResponseRecorder {
	e.t.Helper()
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	e.srv.Handler().ServeHTTP(rec, req)
	return rec
}

// post sends v (a []byte, string or value to encode) and returns the
// recorder.
func (e *env) post(path string, v any) *httptest.ResponseRecorder {
	e.t.Helper()
	return e.do(http.MethodPost, path, body(e.t, v))
}

// mustPost posts v and fails unless the answer is 201 {"ok":true}.
func (e *env) mustPost(path string, v any) {
	e.t.Helper()
	rec := e.post(path, v)
	if rec.Code != http.StatusCreated || rec.Body.String() != `{"ok":true}` {
		e.t.Fatalf("POST %s: %d %s", path, rec.Code, rec.Body)
	}
}

// topology GETs and decodes the topology, checking its framing.
func (e *env) topology() dirapi.Topology {
	e.t.Helper()
	rec := e.do(http.MethodGet, dirapi.PathTopology, nil)
	if rec.Code != http.StatusOK {
		e.t.Fatalf("GET topology: %d %s", rec.Code, rec.Body)
	}
	return decodeTopology(e.t, rec.Body.Bytes())
}

// decodeTopology checks that all four lists are present and non-null,
// and decodes them.
func decodeTopology(t testing.TB, b []byte) dirapi.Topology {
	t.Helper()
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatalf("topology is not a JSON object: %v: %s", err, b)
	}
	want := []string{"cocoNodes", "gatewayNodes", "mixNodes", "mixProviderNodes"}
	if got := slices.Sorted(maps.Keys(raw)); !slices.Equal(got, want) {
		t.Fatalf("topology keys = %v, want %v", got, want)
	}
	for k, v := range raw {
		if len(v) == 0 || v[0] != '[' {
			t.Fatalf("topology %s = %s, want an array", k, v)
		}
	}
	var top dirapi.Topology
	if err := json.Unmarshal(b, &top); err != nil {
		t.Fatal(err)
	}
	return top
}

func body(t testing.TB, v any) []byte {
	t.Helper()
	switch v := v.(type) {
	case []byte:
		return v
	case string:
		return []byte(v)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// identity returns the Ed25519 key numbered seed.
func identity(seed int) ed25519.PrivateKey {
	s := sha256.Sum256([]byte{'i', byte(seed), byte(seed >> 8), byte(seed >> 16)})
	return ed25519.NewKeyFromSeed(s[:])
}

// sphinxKey returns a base58 32-byte key numbered n (standing in for a
// node's X25519 key).
func sphinxKey(n int) string {
	s := sha256.Sum256([]byte{'s', byte(n), byte(n >> 8), byte(n >> 16)})
	return base58.Encode(s[:])
}

// mix returns an unsigned mix node announcement for node n.
func mix(n int, layer uint64) *dirapi.MixNodePresence {
	return &dirapi.MixNodePresence{Host: "127.0.0.1:1789", PubKey: sphinxKey(n), Version: "0.1.0",
		Location: "Earth", Layer: layer}
}

// signed signs p with identity id at t and returns it.
func signed[P dirapi.Signable](p P, id int, t time.Time) P {
	dirapi.Sign(p, identity(id), t)
	return p
}

func gateway(n int) *dirapi.GatewayPresence {
	return &dirapi.GatewayPresence{ClientListener: "ws://127.0.0.1:9000", MixnetListener: "127.0.0.1:1789",
		PubKey: sphinxKey(n), Version: "0.1.0", Location: "Earth",
		RegisteredClients: []dirapi.RegisteredClient{{PubKey: "c1"}}}
}

func provider(n int) *dirapi.MixProviderPresence {
	return &dirapi.MixProviderPresence{ClientListener: "127.0.0.1:9000", MixnetListener: "127.0.0.1:1789",
		PubKey: sphinxKey(n), Version: "0.1.0", Location: "Earth", RegisteredClients: []dirapi.RegisteredClient{}}
}

func coco(n int) *dirapi.CocoPresence {
	return &dirapi.CocoPresence{Host: "127.0.0.1:4000", PubKey: sphinxKey(n), Version: "0.1.0",
		Location: "Earth", Type: "validator"}
}

// wantError checks a refusal's status and that its JSON error starts with
// prefix.
func wantError(t testing.TB, rec *httptest.ResponseRecorder, status int, prefix string) {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status = %d, want %d; body %s", rec.Code, status, rec.Body)
	}
	var e map[string]string
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || len(e) != 1 {
		t.Fatalf("body %q is not {\"error\": ...}", rec.Body)
	}
	if msg := e["error"]; len(msg) < len(prefix) || msg[:len(prefix)] != prefix {
		t.Fatalf("error = %q, want it to start with %q", msg, prefix)
	}
	if got := rec.Header().Get("Content-Type"); got != "application/json; charset=utf-8" {
		t.Fatalf("Content-Type = %q", got)
	}
}
