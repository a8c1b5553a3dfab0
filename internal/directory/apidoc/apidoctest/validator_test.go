// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package apidoctest

import (
	"bytes"
	"compress/gzip"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/dirapi"
	"github.com/nym-go/nym/internal/directory/apidoc"
)

var (
	signer = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{9}, ed25519.SeedSize))
	now    = time.Unix(1_800_000_000, 42)
	// A base58 text of 32 bytes, standing in for an X25519 key.
	nodeKey = "C6cUahgsea11j7dTmSFiNydnaPG9kg7yPFagXqerHGnC"
)

func mixNode(signed bool) dirapi.MixNodePresence {
	p := dirapi.MixNodePresence{Host: "203.0.113.7:1789", PubKey: nodeKey, Version: "0.1.0", Location: "Earth", Layer: 3}
	if signed {
		dirapi.Sign(&p, signer, now)
	}
	p.LastSeen = now.UnixNano()
	return p
}

func gateway(signed bool) dirapi.GatewayPresence {
	p := dirapi.GatewayPresence{ClientListener: "wss://[2001:db8::1]:9001", MixnetListener: "gw.example.net:1789",
		PubKey: nodeKey, Version: "0.1.0", RegisteredClients: []dirapi.RegisteredClient{{PubKey: "a"}, {PubKey: "b"}}}
	if signed {
		dirapi.Sign(&p, signer, now)
	}
	p.LastSeen = now.UnixNano()
	return p
}

func provider(signed bool) dirapi.MixProviderPresence {
	p := dirapi.MixProviderPresence{ClientListener: "203.0.113.9:9000", MixnetListener: "203.0.113.9:1789",
		PubKey: nodeKey, Version: "0.5.0", Location: "Earth", RegisteredClients: []dirapi.RegisteredClient{}}
	if signed {
		dirapi.Sign(&p, signer, now)
	}
	p.LastSeen = now.UnixNano()
	return p
}

func coco(signed bool) dirapi.CocoPresence {
	p := dirapi.CocoPresence{Host: "localhost:4000", PubKey: nodeKey, Version: "0.1.0", Type: "validator"}
	if signed {
		dirapi.Sign(&p, signer, now)
	}
	p.LastSeen = now.UnixNano()
	return p
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func jsonHeader(extra ...string) http.Header {
	h := http.Header{"Content-Type": {"application/json; charset=utf-8"}, "Access-Control-Allow-Origin": {"*"}}
	for i := 0; i+1 < len(extra); i += 2 {
		h.Set(extra[i], extra[i+1])
	}
	return h
}

func get(path string) *http.Request  { return httptest.NewRequest("GET", path, nil) }
func post(path string) *http.Request { return httptest.NewRequest("POST", path, nil) }

// TestDirapiResponsesValidate marshals dirapi values as the server will
// and validates them as the responses of their routes.
func TestDirapiResponsesValidate(t *testing.T) {
	v := newValidator(t)
	full := dirapi.Topology{
		CocoNodes:        []dirapi.CocoPresence{coco(false), coco(true)},
		MixNodes:         []dirapi.MixNodePresence{mixNode(false), mixNode(true)},
		MixProviderNodes: []dirapi.MixProviderPresence{provider(false), provider(true)},
		GatewayNodes:     []dirapi.GatewayPresence{gateway(false), gateway(true)},
	}
	empty := dirapi.Topology{
		CocoNodes: []dirapi.CocoPresence{}, MixNodes: []dirapi.MixNodePresence{},
		MixProviderNodes: []dirapi.MixProviderPresence{}, GatewayNodes: []dirapi.GatewayPresence{},
	}
	metrics := []dirapi.PersistedMixMetric{
		{PubKey: nodeKey, Sent: map[string]uint64{"203.0.113.8:1789": 3, "[::1]:1789": math.MaxUint64}, Received: 5, Timestamp: now.UnixNano()},
		{PubKey: nodeKey, Sent: map[string]uint64{}, Received: 0, Timestamp: now.UnixNano()},
	}
	etag := jsonHeader("ETag", `"abc"`)
	for _, tt := range []struct {
		name   string
		req    *http.Request
		status int
		header http.Header
		body   any
	}{
		{"full topology", get(dirapi.PathTopology), 200, etag, full},
		{"empty topology", get(dirapi.PathTopology), 200, etag, empty},
		{"metrics", get(dirapi.PathMetricsMixes), 200, jsonHeader(), metrics},
		{"no metrics", get(dirapi.PathMetricsMixes), 200, jsonHeader(), []dirapi.PersistedMixMetric{}},
		{"healthcheck", get(dirapi.PathHealthcheck), 200, jsonHeader(), dirapi.OK{OK: true}},
		{"created", post(dirapi.PathPresenceGateways), 201, jsonHeader(), dirapi.OK{OK: true}},
		{"created metric", post(dirapi.PathMetricsMixes), 201, jsonHeader(), dirapi.OK{OK: true}},
		{"bad request", post(dirapi.PathPresenceMixNodes), 400, jsonHeader(), dirapi.Error{Error: "layer: 0 is outside 1..3"}},
		{"unauthorized", post(dirapi.PathPresenceCocoNodes), 401, jsonHeader(), dirapi.Error{Error: "signature does not verify"}},
		{"forbidden", post(dirapi.PathPresenceMixProviders), 403, jsonHeader(), dirapi.Error{Error: "pubKey is bound"}},
		{"too large", post(dirapi.PathMetricsMixes), 413, jsonHeader(), dirapi.Error{Error: "too large"}},
		{"ws not upgrade", get(dirapi.PathWebsocket), 426, jsonHeader(), dirapi.Error{Error: "not a websocket request"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := v.ValidateResponse(tt.req, tt.status, tt.header, mustJSON(t, tt.body)); err != nil {
				t.Error(err)
			}
		})
	}

	// Each part of the topology is checked, not only its shape: a nil
	// list (JSON null), a bad field in one entry, or an unknown field fails.
	bad := map[string]func(*dirapi.Topology){
		"null list":         func(tp *dirapi.Topology) { tp.GatewayNodes = nil },
		"layer 0":           func(tp *dirapi.Topology) { tp.MixNodes[1].Layer = 0 },
		"host without port": func(tp *dirapi.Topology) { tp.CocoNodes[0].Host = "localhost" },
		"ws provider":       func(tp *dirapi.Topology) { tp.MixProviderNodes[0].ClientListener = "ws://h:1" },
		"part signed":       func(tp *dirapi.Topology) { tp.MixNodes[0].Signature = tp.MixNodes[1].Signature },
		"bad identity": func(tp *dirapi.Topology) {
			tp.GatewayNodes[1].IdentityKey = "0OIl" + tp.GatewayNodes[1].IdentityKey[4:]
		},
		"negative lastSeen": func(tp *dirapi.Topology) { tp.MixNodes[0].LastSeen = -1 },
	}
	for name, mutate := range bad {
		t.Run("rejects "+name, func(t *testing.T) {
			var tp dirapi.Topology
			if err := json.Unmarshal(mustJSON(t, full), &tp); err != nil {
				t.Fatal(err)
			}
			mutate(&tp)
			if err := v.ValidateResponse(get(dirapi.PathTopology), 200, etag, mustJSON(t, tp)); err == nil {
				t.Error("validated")
			}
		})
	}
	t.Run("rejects unknown field", func(t *testing.T) {
		body := bytes.Replace(mustJSON(t, full), []byte(`"layer":3,`), []byte(`"layer":3,"extra":1,`), 1)
		if err := v.ValidateResponse(get(dirapi.PathTopology), 200, etag, body); err == nil {
			t.Error("validated")
		}
	})
	t.Run("rejects metric with negative count", func(t *testing.T) {
		body := []byte(`[{"pubKey":"k","sent":{"h:1":-1},"received":0,"timestamp":1}]`)
		if err := v.ValidateResponse(get(dirapi.PathMetricsMixes), 200, jsonHeader(), body); err == nil {
			t.Error("validated")
		}
	})
}

// TestRequests validates request bodies: what dirapi writes for each kind,
// signed and unsigned, passes; what the server must refuse with 400 fails.
func TestRequests(t *testing.T) {
	v := newValidator(t)
	req := func(path string, body []byte) error {
		r := httptest.NewRequest("POST", path, bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		return v.ValidateRequest(r, body)
	}
	good := map[string]any{
		dirapi.PathPresenceMixNodes:     []any{mixNode(false), mixNode(true)},
		dirapi.PathPresenceGateways:     []any{gateway(false), gateway(true)},
		dirapi.PathPresenceMixProviders: []any{provider(false), provider(true)},
		dirapi.PathPresenceCocoNodes:    []any{coco(false), coco(true)},
		dirapi.PathMetricsMixes: []any{
			dirapi.MixMetric{PubKey: nodeKey, Sent: map[string]uint64{"h:1": 1}, Received: 2},
			dirapi.MixMetric{PubKey: nodeKey, Sent: map[string]uint64{}},
		},
	}
	for path, bodies := range good {
		for i, b := range bodies.([]any) {
			if err := req(path, mustJSON(t, b)); err != nil {
				t.Errorf("%s #%d: %v", path, i, err)
			}
		}
	}
	for _, tt := range []struct {
		name, path, body string
		ok               bool
	}{
		{"v0.5.0 mixnode with lastSeen 0 and an unknown field", dirapi.PathPresenceMixNodes,
			`{"host":"1.2.3.4:1789","pubKey":"k","version":"0.5.0","location":"Earth","layer":1,"lastSeen":0,"extra":true}`, true},
		{"mixnode without location", dirapi.PathPresenceMixNodes, `{"host":"h:1","pubKey":"k","version":"v","layer":2}`, true},
		{"mixnode without layer", dirapi.PathPresenceMixNodes, `{"host":"h:1","pubKey":"k","version":"v"}`, false},
		{"mixnode layer 0", dirapi.PathPresenceMixNodes, `{"host":"h:1","pubKey":"k","version":"v","layer":0}`, false},
		{"mixnode layer as string", dirapi.PathPresenceMixNodes, `{"host":"h:1","pubKey":"k","version":"v","layer":"1"}`, false},
		{"mixnode layer fractional", dirapi.PathPresenceMixNodes, `{"host":"h:1","pubKey":"k","version":"v","layer":1.5}`, false},
		{"mixnode host without port", dirapi.PathPresenceMixNodes, `{"host":"1.2.3.4","pubKey":"k","version":"v","layer":1}`, false},
		{"mixnode host port 0", dirapi.PathPresenceMixNodes, `{"host":"h:0","pubKey":"k","version":"v","layer":1}`, false},
		{"mixnode host port 65536", dirapi.PathPresenceMixNodes, `{"host":"h:65536","pubKey":"k","version":"v","layer":1}`, false},
		{"mixnode unbracketed IPv6", dirapi.PathPresenceMixNodes, `{"host":"::1:80","pubKey":"k","version":"v","layer":1}`, false},
		{"mixnode bracketed IPv6", dirapi.PathPresenceMixNodes, `{"host":"[::1]:65535","pubKey":"k","version":"v","layer":1}`, true},
		{"mixnode empty pubKey", dirapi.PathPresenceMixNodes, `{"host":"h:1","pubKey":"","version":"v","layer":1}`, false},
		{"mixnode null version", dirapi.PathPresenceMixNodes, `{"host":"h:1","pubKey":"k","version":null,"layer":1}`, false},
		{"array body", dirapi.PathPresenceMixNodes, `[]`, false},
		{"not JSON", dirapi.PathPresenceMixNodes, `{"host":`, false},
		{"partly signed", dirapi.PathPresenceMixNodes,
			`{"host":"h:1","pubKey":"k","version":"v","layer":1,"timestamp":1}`, false},
		{"signature not base58", dirapi.PathPresenceMixNodes,
			`{"host":"h:1","pubKey":"k","version":"v","layer":1,"identityKey":"` + strings.Repeat("1", 32) +
				`","signature":"` + strings.Repeat("0", 64) + `","timestamp":1}`, false},
		{"identityKey too short", dirapi.PathPresenceMixNodes,
			`{"host":"h:1","pubKey":"k","version":"v","layer":1,"identityKey":"abc","signature":"` +
				strings.Repeat("2", 64) + `","timestamp":1}`, false},
		{"gateway ws listener", dirapi.PathPresenceGateways,
			`{"clientListener":"ws://h:9000","mixnetListener":"h:1789","pubKey":"k","version":"v","registeredClients":[]}`, true},
		{"gateway wss IPv6 listener", dirapi.PathPresenceGateways,
			`{"clientListener":"wss://[2001:db8::1]:443","mixnetListener":"h:1789","pubKey":"k","version":"v","registeredClients":[]}`, true},
		{"gateway http listener", dirapi.PathPresenceGateways,
			`{"clientListener":"http://h:9000","mixnetListener":"h:1789","pubKey":"k","version":"v","registeredClients":[]}`, false},
		{"gateway ws mixnet listener", dirapi.PathPresenceGateways,
			`{"clientListener":"h:9000","mixnetListener":"ws://h:1789","pubKey":"k","version":"v","registeredClients":[]}`, false},
		{"gateway without registeredClients", dirapi.PathPresenceGateways,
			`{"clientListener":"h:9000","mixnetListener":"h:1789","pubKey":"k","version":"v"}`, false},
		{"gateway null registeredClients", dirapi.PathPresenceGateways,
			`{"clientListener":"h:9000","mixnetListener":"h:1789","pubKey":"k","version":"v","registeredClients":null}`, false},
		{"provider ws listener", dirapi.PathPresenceMixProviders,
			`{"clientListener":"ws://h:9000","mixnetListener":"h:1789","pubKey":"k","version":"v","registeredClients":[]}`, false},
		{"provider DNS listener", dirapi.PathPresenceMixProviders,
			`{"clientListener":"h.example:9000","mixnetListener":"203.0.113.9:1789","pubKey":"k","version":"v","registeredClients":[]}`, false},
		{"provider DNS mixnet listener", dirapi.PathPresenceMixProviders,
			`{"clientListener":"203.0.113.9:9000","mixnetListener":"h.example:1789","pubKey":"k","version":"v","registeredClients":[]}`, false},
		{"provider IPv4 octet 256", dirapi.PathPresenceMixProviders,
			`{"clientListener":"203.0.113.256:9000","mixnetListener":"203.0.113.9:1789","pubKey":"k","version":"v","registeredClients":[]}`, false},
		{"provider IPv6 listeners", dirapi.PathPresenceMixProviders,
			`{"clientListener":"[2001:db8::9]:9000","mixnetListener":"[::ffff:203.0.113.9]:1789","pubKey":"k","version":"v","registeredClients":[{"pubKey":"c"}]}`, true},
		{"gateway DNS listeners", dirapi.PathPresenceGateways,
			`{"clientListener":"gw.example:9000","mixnetListener":"gw.example:1789","pubKey":"k","version":"v","registeredClients":[]}`, true},
		{"client with empty pubKey", dirapi.PathPresenceGateways,
			`{"clientListener":"h:9000","mixnetListener":"h:1789","pubKey":"k","version":"v","registeredClients":[{"pubKey":""}]}`, false},
		{"version too long", dirapi.PathPresenceMixNodes, `{"host":"h:1","pubKey":"k","version":"` + strings.Repeat("9", 65) + `","layer":1}`, false},
		{"location with a newline", dirapi.PathPresenceMixNodes, `{"host":"h:1","pubKey":"k","version":"v","location":"a\nb","layer":1}`, false},
		{"coconode without type", dirapi.PathPresenceCocoNodes, `{"host":"h:1","pubKey":"k","version":"v"}`, false},
		{"metric without sent", dirapi.PathMetricsMixes, `{"pubKey":"k","received":1}`, false},
		{"metric without received", dirapi.PathMetricsMixes, `{"pubKey":"k","sent":{}}`, false},
		{"metric negative sent", dirapi.PathMetricsMixes, `{"pubKey":"k","sent":{"h:1":-1},"received":1}`, false},
		{"metric string sent", dirapi.PathMetricsMixes, `{"pubKey":"k","sent":{"h:1":"1"},"received":1}`, false},
	} {
		err := req(tt.path, []byte(tt.body))
		if (err == nil) != tt.ok {
			t.Errorf("%s: ok=%v, want %v (%v)", tt.name, err == nil, tt.ok, err)
		}
	}

	// A signed announcement needs a positive timestamp and a pubKey that is
	// base58 of 32 bytes.
	signed := mixNode(true)
	for name, mutate := range map[string]func(*dirapi.MixNodePresence){
		"as is":             func(*dirapi.MixNodePresence) {},
		"timestamp -1":      func(p *dirapi.MixNodePresence) { p.Timestamp = -1 },
		"short pubKey":      func(p *dirapi.MixNodePresence) { p.PubKey = "k" },
		"signature 1 short": func(p *dirapi.MixNodePresence) { p.Signature = p.Signature[:63] },
	} {
		p := signed
		mutate(&p)
		err := req(dirapi.PathPresenceMixNodes, mustJSON(t, p))
		if (err == nil) != (name == "as is") {
			t.Errorf("signed mixnode, %s: %v", name, err)
		}
	}

	// A request outside the document is refused.
	if err := v.ValidateRequest(httptest.NewRequest("DELETE", dirapi.PathTopology, nil), nil); err == nil {
		t.Error("DELETE topology validated")
	}
	if err := v.ValidateRequest(get("/api/nope"), nil); err == nil {
		t.Error("unknown path validated")
	}
	// A websocket request needs the upgrade headers.
	ws := get(dirapi.PathWebsocket)
	if err := v.ValidateRequest(ws, nil); err == nil {
		t.Error("GET /ws without Upgrade validated")
	}
	ws.Header.Set("Upgrade", "websocket")
	ws.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	ws.Header.Set("Sec-WebSocket-Version", "13")
	if err := v.ValidateRequest(ws, nil); err != nil {
		t.Error(err)
	}
}

// TestGenericRules checks the rules outside the operations: unknown paths,
// unlisted methods, undocumented statuses, required headers, bodyless
// statuses and gzip.
func TestGenericRules(t *testing.T) {
	v := newValidator(t)
	errBody := mustJSON(t, dirapi.Error{Error: "nope"})
	allow := func(a string) http.Header { return jsonHeader("Allow", a) }
	for _, tt := range []struct {
		name   string
		req    *http.Request
		status int
		header http.Header
		body   []byte
		ok     bool
	}{
		{"unknown path 404", get("/api/nope"), 404, jsonHeader(), errBody, true},
		{"unknown path 200", get("/api/nope"), 200, jsonHeader(), errBody, false},
		{"unknown path text 404", get("/api/nope"), 404, http.Header{"Content-Type": {"text/plain"}, "Access-Control-Allow-Origin": {"*"}}, []byte("404 page not found"), false},
		{"unknown path 404 without CORS", get("/api/nope"), 404, http.Header{"Content-Type": {"application/json"}}, errBody, false},
		{"trailing slash is another path", get("/api/healthcheck/"), 404, jsonHeader(), errBody, true},
		{"405 with Allow", post(dirapi.PathTopology), 405, allow("GET, HEAD"), errBody, true},
		{"405 with Allow and OPTIONS", httptest.NewRequest("PUT", dirapi.PathMetricsMixes, nil), 405, allow("GET, HEAD, POST, OPTIONS"), errBody, true},
		{"405 without Allow", post(dirapi.PathTopology), 405, jsonHeader(), errBody, false},
		{"405 with Allow lacking GET", post(dirapi.PathTopology), 405, allow("HEAD"), errBody, false},
		{"405 with Allow naming POST", post(dirapi.PathTopology), 405, allow("GET, POST"), errBody, false},
		{"404 for unlisted method", post(dirapi.PathTopology), 404, jsonHeader(), errBody, false},
		{"405 with a non-JSON body", post(dirapi.PathTopology), 405, http.Header{"Allow": {"GET"}, "Access-Control-Allow-Origin": {"*"}, "Content-Type": {"text/plain"}}, []byte("nope"), false},
		{"undocumented status", get(dirapi.PathTopology), 500, jsonHeader(), errBody, false},
		{"missing CORS on 200", get(dirapi.PathHealthcheck), 200, http.Header{"Content-Type": {"application/json"}}, []byte(`{"ok":true}`), false},
		{"CORS not *", get(dirapi.PathHealthcheck), 200, jsonHeader("Access-Control-Allow-Origin", "https://x"), []byte(`{"ok":true}`), false},
		{"ok false", get(dirapi.PathHealthcheck), 200, jsonHeader(), []byte(`{"ok":false}`), false},
		{"wrong content type", get(dirapi.PathHealthcheck), 200, jsonHeader("Content-Type", "text/plain"), []byte(`{"ok":true}`), false},
		{"topology without ETag", get(dirapi.PathTopology), 200, jsonHeader(), []byte(`{"cocoNodes":[],"mixNodes":[],"mixProviderNodes":[],"gatewayNodes":[]}`), false},
		{"topology bad ETag", get(dirapi.PathTopology), 200, jsonHeader("ETag", "abc"), []byte(`{"cocoNodes":[],"mixNodes":[],"mixProviderNodes":[],"gatewayNodes":[]}`), false},
		{"topology missing list", get(dirapi.PathTopology), 200, jsonHeader("ETag", `"a"`), []byte(`{"cocoNodes":[],"mixNodes":[],"mixProviderNodes":[]}`), false},
		{"304", get(dirapi.PathTopology), 304, http.Header{"Etag": {`W/"a"`}, "Access-Control-Allow-Origin": {"*"}}, nil, true},
		{"304 without ETag", get(dirapi.PathTopology), 304, http.Header{"Access-Control-Allow-Origin": {"*"}}, nil, false},
		{"304 with body", get(dirapi.PathTopology), 304, http.Header{"Etag": {`"a"`}, "Access-Control-Allow-Origin": {"*"}}, []byte("{}"), false},
		{"HEAD", httptest.NewRequest("HEAD", dirapi.PathHealthcheck, nil), 200, jsonHeader(), nil, true},
		{"HEAD with body", httptest.NewRequest("HEAD", dirapi.PathHealthcheck, nil), 200, jsonHeader(), []byte(`{"ok":true}`), false},
		{"101", get(dirapi.PathWebsocket), 101, http.Header{"Upgrade": {"websocket"}, "Connection": {"Upgrade"}, "Access-Control-Allow-Origin": {"*"}}, nil, true},
		{"101 without Upgrade", get(dirapi.PathWebsocket), 101, http.Header{"Access-Control-Allow-Origin": {"*"}}, nil, false},
		{"redirect", get("/swagger"), 301, http.Header{"Location": {"swagger/"}, "Access-Control-Allow-Origin": {"*"}}, nil, true},
		{"redirect elsewhere", get("/swagger"), 301, http.Header{"Location": {"/docs"}, "Access-Control-Allow-Origin": {"*"}}, nil, false},
		{"gzip", get(dirapi.PathHealthcheck), 200, jsonHeader("Content-Encoding", "gzip"), gz(t, `{"ok":true}`), true},
		{"gzip of a bad body", get(dirapi.PathHealthcheck), 200, jsonHeader("Content-Encoding", "gzip"), gz(t, `{"ok":1}`), false},
		{"gzip header on a plain body", get(dirapi.PathHealthcheck), 200, jsonHeader("Content-Encoding", "gzip"), []byte(`{"ok":true}`), false},
		{"brotli", get(dirapi.PathHealthcheck), 200, jsonHeader("Content-Encoding", "br"), []byte(`{"ok":true}`), false},
		{"prometheus", get(dirapi.PathPrometheus), 200, http.Header{"Content-Type": {"text/plain; version=0.0.4; charset=utf-8; escaping=underscores"}, "Access-Control-Allow-Origin": {"*"}}, []byte("up 1\n"), true},
		{"swagger asset", get("/swagger/x.js"), 200, http.Header{"Content-Type": {"text/javascript; charset=utf-8"}, "Etag": {`"1"`}, "Access-Control-Allow-Origin": {"*"}}, []byte("1"), true},
		{"swagger asset as JSON", get("/swagger/x.js"), 200, jsonHeader("ETag", `"1"`), []byte("{}"), false},
	} {
		err := v.ValidateResponse(tt.req, tt.status, tt.header, tt.body)
		if (err == nil) != tt.ok {
			t.Errorf("%s: ok=%v, want %v (%v)", tt.name, err == nil, tt.ok, err)
		}
	}
}

func gz(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	io.WriteString(zw, s)
	zw.Close()
	return b.Bytes()
}

func TestValidateWebsocketFrame(t *testing.T) {
	v := newValidator(t)
	line := func(m dirapi.PersistedMixMetric) string { return string(mustJSON(t, m)) }
	m := dirapi.PersistedMixMetric{PubKey: nodeKey, Sent: map[string]uint64{"h:1": 2}, Received: 1, Timestamp: 7}
	for _, tt := range []struct {
		frame string
		ok    bool
	}{
		{line(m), true},
		{line(m) + "\n" + line(m) + "\n" + line(m), true},
		{"", false},
		{line(m) + "\n", false},
		{line(m) + "\nhello", false},
		{`{"pubKey": "k", "sent": {}, "received": 1, "timestamp": 7}`, false}, // not compact
		{`{"pubKey":"k","sent":{},"received":1}`, false},
		{`{"pubKey":"k","sent":{},"received":1,"timestamp":7,"x":1}`, false},
	} {
		if err := v.ValidateWebsocketFrame([]byte(tt.frame)); (err == nil) != tt.ok {
			t.Errorf("frame %q: ok=%v, want %v (%v)", tt.frame, err == nil, tt.ok, err)
		}
	}
	if err := v.ValidateSchema("NoSuchSchema", []byte(`{}`)); err == nil {
		t.Error("unknown schema validated")
	}
}

// recorder is a testing.TB that records Errorf calls instead of failing.
type recorder struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

// TestTransportOverApidocHandlers runs the package's own handlers behind a
// client with the validating Transport: every documented response they can
// give is checked, and the Unexercised list shrinks accordingly.
func TestTransportOverApidocHandlers(t *testing.T) {
	v := newValidator(t)
	mux := http.NewServeMux()
	mux.Handle(dirapi.PathOpenAPI, apidoc.Handler())
	mux.Handle("/swagger", apidoc.SwaggerHandler())
	mux.Handle("/swagger/", apidoc.SwaggerHandler())
	srv := httptest.NewServer(mux)
	defer srv.Close()

	rec := &recorder{TB: t}
	base := srv.Client().Transport.(*http.Transport)
	base.DisableCompression = true
	client := &http.Client{
		Transport:     v.Transport(rec, base),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	call := func(method, path string, h ...string) *http.Response {
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		for i := 0; i+1 < len(h); i += 2 {
			req.Header.Set(h[i], h[i+1])
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	etag := call("GET", dirapi.PathOpenAPI).Header.Get("ETag")
	call("GET", dirapi.PathOpenAPI, "If-None-Match", etag)
	call("GET", dirapi.PathOpenAPI, "Accept-Encoding", "gzip")
	call("HEAD", dirapi.PathOpenAPI)
	call("POST", dirapi.PathOpenAPI)
	call("GET", "/swagger")
	call("GET", "/swagger/")
	call("POST", "/swagger/")
	call("GET", "/swagger/index.html")
	call("GET", "/swagger/swagger-ui-bundle.js", "Accept-Encoding", "gzip")
	assetTag := call("GET", "/swagger/swagger-ui.css").Header.Get("ETag")
	call("GET", "/swagger/swagger-ui.css", "If-None-Match", assetTag)
	call("GET", "/swagger/LICENSE")
	call("GET", "/swagger/favicon-16x16.png")
	call("GET", "/swagger/nope.js")
	call("DELETE", "/swagger/nope.js")
	if len(rec.errs) != 0 {
		t.Errorf("the apidoc handlers disagree with the document:\n%s", strings.Join(rec.errs, "\n"))
	}
	for _, e := range v.Unexercised() {
		switch e.Path {
		case dirapi.PathOpenAPI, "/swagger", "/swagger/", "/swagger/{file}":
			t.Errorf("not exercised: %s", e)
		}
	}

	// And the Transport does report a response that breaks the contract:
	// ServeMux's own text/plain 404 for a path no handler serves.
	rec.errs = nil
	resp := call("GET", "/api/nope")
	if resp.StatusCode != 404 || len(rec.errs) != 1 || !strings.Contains(rec.errs[0], "/api/nope") {
		t.Errorf("plain-text 404: status %d, reported %q", resp.StatusCode, rec.errs)
	}
}

// TestTransportKeepsBodies checks that the Transport hands request and
// response bodies on unchanged.
func TestTransportKeepsBodies(t *testing.T) {
	v := newValidator(t)
	var got []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ = io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Access-Control-Allow-Origin", "*")
		if r.Header.Get("X-Refuse") != "" {
			w.WriteHeader(400)
			io.WriteString(w, `{"error":"layer: 0 is outside 1..3"}`)
			return
		}
		w.WriteHeader(201)
		io.WriteString(w, `{"ok":true}`)
	}))
	defer srv.Close()
	rec := &recorder{TB: t}
	client := &http.Client{Transport: v.Transport(rec, nil)}
	body := mustJSON(t, mixNode(true))
	resp, err := client.Post(srv.URL+dirapi.PathPresenceMixNodes, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(got, body) || string(out) != `{"ok":true}` || len(rec.errs) != 0 {
		t.Errorf("server got %q, client got %q, errors %q", got, out, rec.errs)
	}
	// A request the document refuses, refused by the server, is a test of
	// the server's validation: not reported.
	req, _ := http.NewRequest("POST", srv.URL+dirapi.PathPresenceMixNodes, strings.NewReader(`{"layer":0}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Refuse", "1")
	resp, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 || len(rec.errs) != 0 {
		t.Errorf("refused bad request: %d, reported %q", resp.StatusCode, rec.errs)
	}
	// The same request accepted by the server is reported.
	resp, err = client.Post(srv.URL+dirapi.PathPresenceMixNodes, "application/json", strings.NewReader(`{"layer":0}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if len(rec.errs) != 1 || !strings.Contains(rec.errs[0], "request does not match") ||
		!strings.Contains(rec.errs[0], "the server answered 201") || !strings.Contains(rec.errs[0], `"/layer"`) {
		t.Errorf("accepted bad request reported as %q", rec.errs)
	}
}
