// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package directory

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/nym-go/nym/internal/dashboard"
	"github.com/nym-go/nym/internal/dirapi"
)

func TestHealthcheck(t *testing.T) {
	e := newEnv(t, Config{})
	rec := e.do(http.MethodGet, dirapi.PathHealthcheck, nil)
	if rec.Code != http.StatusOK || rec.Body.String() != `{"ok":true}` {
		t.Fatalf("healthcheck: %d %s", rec.Code, rec.Body)
	}
	if got := rec.Header().Get("Access-Control-Allow-Origin"); got != "*" {
		t.Errorf("Access-Control-Allow-Origin = %q", got)
	}
	if got := rec.Header().Get("Content-Type"); got != "application/json; charset=utf-8" {
		t.Errorf("Content-Type = %q", got)
	}
}

func TestEmptyTopology(t *testing.T) {
	e := newEnv(t, Config{})
	rec := e.do(http.MethodGet, dirapi.PathTopology, nil)
	const want = `{"cocoNodes":[],"mixNodes":[],"mixProviderNodes":[],"gatewayNodes":[]}`
	if rec.Code != http.StatusOK || rec.Body.String() != want {
		t.Fatalf("empty topology: %d %s, want %s", rec.Code, rec.Body, want)
	}
	if rec.Header().Get("Access-Control-Allow-Origin") != "*" {
		t.Error("no CORS header on topology")
	}
}

// Every presence route accepts a v0.5.0-style unsigned body (with
// --allow-unsigned) and a signed one, answers 201 {"ok":true}, and the
// record shows up under its topology key with exactly the v0.5.0 keys (plus
// the signing keys when signed).
func TestPresenceRoutes(t *testing.T) {
	tests := []struct {
		path, list string
		unsigned   func(n int) dirapi.Signable
		keys       []string
	}{
		{dirapi.PathPresenceMixNodes, "mixNodes", func(n int) dirapi.Signable { return mix(n, 2) },
			[]string{"host", "lastSeen", "layer", "location", "pubKey", "version"}},
		{dirapi.PathPresenceGateways, "gatewayNodes", func(n int) dirapi.Signable { return gateway(n) },
			[]string{"clientListener", "lastSeen", "location", "mixnetListener", "pubKey", "registeredClients", "version"}},
		{dirapi.PathPresenceMixProviders, "mixProviderNodes", func(n int) dirapi.Signable { return provider(n) },
			[]string{"clientListener", "lastSeen", "location", "mixnetListener", "pubKey", "registeredClients", "version"}},
		{dirapi.PathPresenceCocoNodes, "cocoNodes", func(n int) dirapi.Signable { return coco(n) },
			[]string{"host", "lastSeen", "location", "pubKey", "type", "version"}},
	}
	for _, tt := range tests {
		t.Run(tt.list, func(t *testing.T) {
			e := newEnv(t, Config{AllowUnsigned: true})
			e.mustPost(tt.path, tt.unsigned(1))
			e.mustPost(tt.path, signed(tt.unsigned(2), 2, e.clock.Now()))

			rec := e.do(http.MethodGet, dirapi.PathTopology, nil)
			decodeTopology(t, rec.Body.Bytes())
			var top map[string][]map[string]json.RawMessage
			if err := json.Unmarshal(rec.Body.Bytes(), &top); err != nil {
				t.Fatal(err)
			}
			nodes := top[tt.list]
			if len(nodes) != 2 {
				t.Fatalf("%s has %d entries, want 2: %s", tt.list, len(nodes), rec.Body)
			}
			for _, n := range nodes {
				want := tt.keys
				if _, ok := n["identityKey"]; ok {
					want = slices.Sorted(slices.Values(append(slices.Clone(want), "identityKey", "signature", "timestamp")))
				}
				if got := slices.Sorted(maps.Keys(n)); !slices.Equal(got, want) {
					t.Errorf("entry keys = %v, want %v", got, want)
				}
				var lastSeen int64
				if err := json.Unmarshal(n["lastSeen"], &lastSeen); err != nil || lastSeen != e.clock.Now().UnixNano() {
					t.Errorf("lastSeen = %s, want %d (Unix ns)", n["lastSeen"], e.clock.Now().UnixNano())
				}
			}
			for list, v := range top {
				if list != tt.list && len(v) != 0 {
					t.Errorf("%s has entries: %v", list, v)
				}
			}
		})
	}
}

func TestUnknownPathAndWrongMethod(t *testing.T) {
	e := newEnv(t, Config{})
	tests := []struct {
		method, path string
		status       int
		allow        string
		prefix       string
	}{
		{"GET", "/nope", 404, "", "no such path: /nope"},
		{"GET", "/api/healthcheck/", 404, "", "no such path"},
		{"GET", "/API/healthcheck", 404, "", "no such path"},
		{"POST", "/api/presence/unknown", 404, "", "no such path"},
		{"GET", dirapi.PathPresenceMixNodes, 405, "POST", "method GET not allowed"},
		{"PUT", dirapi.PathPresenceGateways, 405, "POST", "method PUT not allowed"},
		{"POST", dirapi.PathTopology, 405, "GET, HEAD", "method POST not allowed"},
		{"DELETE", dirapi.PathHealthcheck, 405, "GET, HEAD", "method DELETE not allowed"},
		{"PATCH", dirapi.PathMetricsMixes, 405, "GET, HEAD, POST", "method PATCH not allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			rec := e.do(tt.method, tt.path, nil)
			wantError(t, rec, tt.status, tt.prefix)
			if got := rec.Header().Get("Allow"); got != tt.allow {
				t.Errorf("Allow = %q, want %q", got, tt.allow)
			}
			if rec.Header().Get("Access-Control-Allow-Origin") != "*" {
				t.Error("no CORS header")
			}
		})
	}
}

func TestPreflight(t *testing.T) {
	e := newEnv(t, Config{})
	rec := e.do(http.MethodOptions, dirapi.PathPresenceMixNodes, nil,
		"Origin", "https://dashboard.example", "Access-Control-Request-Method", "POST")
	if rec.Code != http.StatusNoContent || rec.Body.Len() != 0 {
		t.Fatalf("preflight: %d %q", rec.Code, rec.Body)
	}
	h := rec.Header()
	for k, want := range map[string]string{
		"Access-Control-Allow-Origin":  "*",
		"Access-Control-Allow-Methods": "GET, POST, OPTIONS",
		"Access-Control-Allow-Headers": "Content-Type, If-None-Match",
	} {
		if got := h.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
}

// The directory serves the dashboard (package dashboard) at "/" and its
// assets under dashboard.Prefix, through its own front handler: CORS,
// ETag revalidation, JSON 404 and 405 as for every other route.
func TestIndexPage(t *testing.T) {
	e := newEnv(t, Config{})
	rec := e.do(http.MethodGet, "/", nil)
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("GET /: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	if got := rec.Header().Get("Access-Control-Allow-Origin"); got != "*" {
		t.Errorf("Access-Control-Allow-Origin %q", got)
	}
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe") {
		t.Errorf("Content-Security-Policy %q", csp)
	}
	page := rec.Body.String()
	for _, asset := range []string{"app.js", "style.css", "favicon.svg"} {
		p := dashboard.Prefix + asset
		if !strings.Contains(page, `"`+p+`"`) {
			t.Errorf("page does not load %s", p)
		}
		a := e.do(http.MethodGet, p, nil)
		if a.Code != http.StatusOK || a.Body.Len() == 0 {
			t.Errorf("GET %s: %d, %d bytes", p, a.Code, a.Body.Len())
		}
	}
	js := e.do(http.MethodGet, dashboard.Prefix+"app.js", nil).Body.String()
	for _, want := range []string{dirapi.PathWebsocket, dirapi.PathTopology, "textContent"} {
		if !strings.Contains(js, want) {
			t.Errorf("app.js does not mention %q", want)
		}
	}
	if nm := e.do(http.MethodGet, "/", nil, "If-None-Match", rec.Header().Get("ETag")); nm.Code != http.StatusNotModified {
		t.Errorf("GET / with its ETag: %d", nm.Code)
	}
	if h := e.do(http.MethodHead, "/", nil); h.Code != http.StatusOK || h.Body.Len() != 0 {
		t.Errorf("HEAD /: %d, %d bytes", h.Code, h.Body.Len())
	}
	wantError(t, e.do(http.MethodGet, "/index.html", nil), 404, "no such path")
	wantError(t, e.do(http.MethodGet, dashboard.Prefix+"nope.js", nil), 404, "no such path")
	wantError(t, e.do(http.MethodGet, dashboard.Prefix+"a/b.js", nil), 404, "no such path")
	wantError(t, e.do(http.MethodGet, "/dashboard", nil), 404, "no such path")
	wantError(t, e.do(http.MethodPost, "/", nil), 405, "method POST not allowed")
	wantError(t, e.do(http.MethodPost, dashboard.Prefix+"app.js", nil), 405, "method POST not allowed")
}

func TestRoutesListed(t *testing.T) {
	e := newEnv(t, Config{})
	var got []string
	for _, r := range e.srv.Routes() {
		if r.Doc == "" {
			t.Errorf("route %s has no description", r.Pattern)
		}
		got = append(got, r.Pattern)
	}
	for _, want := range []string{
		"GET /api/healthcheck", "POST /api/presence/mixnodes", "POST /api/presence/mixproviders",
		"POST /api/presence/coconodes", "POST /api/presence/gateways", "GET /api/presence/topology",
		"POST /api/metrics/mixes", "GET /api/metrics/mixes", "GET /ws", "GET /{$}", "GET /dashboard/{file}", "GET /metrics",
	} {
		if !slices.Contains(got, want) {
			t.Errorf("Routes() lacks %q", want)
		}
	}
}

func TestAPIDocMount(t *testing.T) {
	doc := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("doc:" + r.URL.Path))
	})
	srv, err := New(Config{}, Deps{APIDoc: doc})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, srv: srv}
	for _, p := range []string{dirapi.PathOpenAPI, dirapi.PathSwagger, dirapi.PathSwagger + "index.html"} {
		if rec := e.do(http.MethodGet, p, nil); rec.Code != 200 || rec.Body.String() != "doc:"+p {
			t.Errorf("GET %s: %d %s", p, rec.Code, rec.Body)
		}
	}
	// By default the real document and Swagger UI are mounted.
	d := newEnv(t, Config{})
	if rec := d.do(http.MethodGet, dirapi.PathOpenAPI, nil); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"openapi"`) {
		t.Errorf("GET %s: %d", dirapi.PathOpenAPI, rec.Code)
	}
	if rec := d.do(http.MethodGet, "/swagger", nil); rec.Code != http.StatusMovedPermanently {
		t.Errorf("GET /swagger: %d", rec.Code)
	}
	if rec := d.do(http.MethodGet, dirapi.PathSwagger, nil); rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Errorf("GET /swagger/: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	wantError(t, d.do(http.MethodPost, dirapi.PathOpenAPI, nil), http.StatusMethodNotAllowed, "method POST not allowed")
	wantError(t, d.do(http.MethodGet, dirapi.PathSwagger+"nope.js", nil), http.StatusNotFound, "not found")
}

func TestPrometheus(t *testing.T) {
	e := newEnv(t, Config{})
	e.mustPost(dirapi.PathPresenceMixNodes, signed(mix(1, 1), 1, e.clock.Now()))
	e.post(dirapi.PathPresenceMixNodes, mix(2, 1)) // unsigned: 401
	e.do(http.MethodGet, "/no/such/path/abc123", nil)
	e.topology()
	rec := e.do(http.MethodGet, dirapi.PathPrometheus, nil)
	if rec.Code != 200 {
		t.Fatalf("GET /metrics: %d", rec.Code)
	}
	text := rec.Body.String()
	for _, want := range []string{
		`nym_directory_http_requests_total{code="201",route="POST /api/presence/mixnodes"} 1`,
		`nym_directory_http_requests_total{code="401",route="POST /api/presence/mixnodes"} 1`,
		`nym_directory_http_requests_total{code="404",route="unmatched"} 1`,
		`nym_directory_http_request_duration_seconds_count{route="GET /api/presence/topology"} 1`,
		`nym_directory_live_nodes{kind="mixnode"} 1`,
		`nym_directory_live_nodes{kind="gateway"} 0`,
		`nym_directory_ws_subscribers 0`,
		`nym_directory_ws_dropped_subscribers_total 0`,
		`nym_directory_presence_rejected_total{reason="unsigned"} 1`,
		`nym_directory_presence_accepted_total{kind="mixnode"} 1`,
		`nym_directory_bindings 1`,
		`nym_directory_topology_builds_total 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(text, "abc123") {
		t.Error("a raw request path became a label value")
	}
}
