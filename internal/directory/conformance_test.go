// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package directory

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/nym-go/nym/internal/dashboard"
	"github.com/nym-go/nym/internal/dirapi"
	"github.com/nym-go/nym/internal/directory/apidoc/apidoctest"
	"github.com/nym-go/nym/internal/leaktest"
)

// The server answers as the OpenAPI document (package apidoc) says: every
// request below goes through a client that checks each response against
// the document, and together they exercise every documented response.
func TestConformsToOpenAPI(t *testing.T) {
	leaktest.Check(t)
	v, err := apidoctest.New()
	if err != nil {
		t.Fatal(err)
	}
	// Caps small enough for the requests below to reach them (503).
	l := serve(t, Config{MaxNodes: 4, MaxWindowMetrics: 2, MaxMetricsPerKey: 2,
		MonitorKeys: []ed25519.PublicKey{monitorKey().Public().(ed25519.PublicKey)}})
	base := &http.Transport{DisableCompression: true}
	defer base.CloseIdleConnections()
	client := &http.Client{
		Transport:     v.Transport(t, base),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	call := func(method, path string, payload any, hdr ...string) *http.Response {
		t.Helper()
		var r io.Reader
		if payload != nil {
			r = bytes.NewReader(body(t, payload))
		}
		req, err := http.NewRequest(method, l.url+path, r)
		if err != nil {
			t.Fatal(err)
		}
		if payload != nil {
			// The server ignores Content-Type (as v0.5.0 did); the
			// document describes JSON requests.
			req.Header.Set("Content-Type", "application/json")
		}
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	now := l.clock.Now()

	call("GET", dirapi.PathHealthcheck, nil)
	call("HEAD", dirapi.PathHealthcheck, nil)
	presence := map[string]func(n int) dirapi.Signable{
		dirapi.PathPresenceMixNodes:     func(n int) dirapi.Signable { return mix(n, 1) },
		dirapi.PathPresenceGateways:     func(n int) dirapi.Signable { return gateway(n) },
		dirapi.PathPresenceMixProviders: func(n int) dirapi.Signable { return provider(n) },
		dirapi.PathPresenceCocoNodes:    func(n int) dirapi.Signable { return coco(n) },
	}
	n := 0
	for path, p := range presence {
		n++
		call("POST", path, signed(p(n), n, now))                   // 201
		call("POST", path, p(100+n))                               // 401 unsigned
		call("POST", path, signed(p(n), 50, now.Add(time.Second))) // 403 bound to another identity
		call("POST", path, `{"pubKey":1}`)                         // 400
		call("POST", path, strings.Repeat(" ", MaxBodyBytes+1))    // 413
	}
	for path, p := range presence {
		call("POST", path, signed(p(300), 300, now)) // 503: the four kinds hold MaxNodes
	}
	tag := call("GET", dirapi.PathTopology, nil).Header.Get("ETag")
	call("GET", dirapi.PathTopology, nil, "If-None-Match", tag)
	call("GET", dirapi.PathTopology, nil, "Accept-Encoding", "gzip")
	call("HEAD", dirapi.PathTopology, nil)

	call("POST", dirapi.PathReliability, signedReport(monitorKey(), now, 1, 2, 3, 4))                          // 201
	call("GET", dirapi.PathTopology, nil)                                                                      // with reliability
	call("POST", dirapi.PathReliability, signedReport(monitorKey(), now.Add(time.Second), 10, 11, 12, 13, 14)) // 503: MaxNodes scores
	call("POST", dirapi.PathReliability, signedReport(monitorKey(), now))                                      // 401 replay
	call("POST", dirapi.PathReliability, signedReport(identity(901), now.Add(2*time.Second), 1))               // 403
	call("POST", dirapi.PathReliability, `{"nodes":1}`)                                                        // 400
	call("POST", dirapi.PathReliability, strings.Repeat(" ", MaxBodyBytes+1))                                  // 413
	call("GET", dirapi.PathReliability, nil)
	call("GET", dirapi.PathReliability+"/"+sphinxKey(1), nil)
	call("GET", dirapi.PathReliability+"/"+sphinxKey(99), nil) // 404

	ws, _, err := websocket.Dial(context.Background(), "ws"+strings.TrimPrefix(l.url, "http")+dirapi.PathWebsocket,
		&websocket.DialOptions{HTTPClient: client})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	l.waitSubscribers(t, 1)
	call("POST", dirapi.PathMetricsMixes, metric("m", 1))
	call("POST", dirapi.PathMetricsMixes, metric("m", 2))
	call("POST", dirapi.PathMetricsMixes, metric("m", 3)) // 429: MaxMetricsPerKey reached
	call("POST", dirapi.PathMetricsMixes, metric("n", 3)) // 503: MaxWindowMetrics reached
	call("POST", dirapi.PathMetricsMixes, `{"pubKey":"m"}`)
	call("POST", dirapi.PathMetricsMixes, strings.Repeat(" ", MaxBodyBytes+1))
	for _, frame := range readLines(t, ws, 2) {
		if err := v.ValidateWebsocketFrame([]byte(frame)); err != nil {
			t.Error(err)
		}
	}
	l.clock.Advance(DefaultMetricsWindow)
	call("GET", dirapi.PathMetricsMixes, nil)
	call("GET", dirapi.PathWebsocket, nil)
	call("GET", dirapi.PathWebsocket, nil, "Connection", "Upgrade", "Upgrade", "websocket", "Sec-WebSocket-Version", "13")

	tag = call("GET", "/", nil).Header.Get("ETag")
	call("GET", "/", nil, "If-None-Match", tag)
	tag = call("GET", dashboard.Prefix+"app.js", nil).Header.Get("ETag")
	call("GET", dashboard.Prefix+"app.js", nil, "If-None-Match", tag)
	call("GET", dashboard.Prefix+"nope.js", nil)
	call("GET", dirapi.PathPrometheus, nil)
	tag = call("GET", dirapi.PathOpenAPI, nil).Header.Get("ETag")
	call("GET", dirapi.PathOpenAPI, nil, "If-None-Match", tag)
	call("GET", "/swagger", nil)
	call("GET", dirapi.PathSwagger, nil)
	tag = call("GET", dirapi.PathSwagger+"index.css", nil).Header.Get("ETag")
	call("GET", dirapi.PathSwagger+"index.css", nil, "If-None-Match", tag)
	call("GET", dirapi.PathSwagger+"nope.js", nil)

	call("GET", "/api/nope", nil)
	call("DELETE", dirapi.PathTopology, nil)
	call("GET", dirapi.PathPresenceMixNodes, nil)
	call("PUT", dirapi.PathOpenAPI, nil)

	for _, e := range v.Unexercised() {
		t.Errorf("documented but not exercised: %s", e)
	}
}
