// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package directory

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/nym-go/nym/internal/dirapi"
	"github.com/nym-go/nym/internal/leaktest"
)

// TestHammer runs, for a few seconds, concurrent signed and unsigned
// announcements for overlapping keys (some by a rival identity), topology
// reads, metric reports and reads, websocket subscribers coming and going,
// and a fast-running clock so that nodes keep expiring. Run it
// with -race. It checks that every response is one the API allows, that
// every topology is well formed, and that no expired node is ever served.
func TestHammer(t *testing.T) {
	leaktest.Check(t)
	d := 3 * time.Second
	if testing.Short() {
		d = time.Second
	}
	l := serve(t, Config{AllowUnsigned: true, WSQueueLen: 16})
	ttl := DefaultPresenceTTL
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var failed atomic.Bool
	fail := func(format string, args ...any) {
		if failed.CompareAndSwap(false, true) {
			t.Errorf(format, args...)
		}
	}
	do := func(method, path string, body []byte, hdr ...string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, strings.NewReader(string(body)))
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		rec := httptest.NewRecorder()
		l.srv.Handler().ServeHTTP(rec, req)
		return rec
	}
	loop := func(f func(i int)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				f(i)
			}
		}()
	}
	var counts [600]atomic.Int64

	// Announcers: 30 keys shared by all; per key a rightful identity, a
	// rival identity, and unsigned attempts.
	for w := range 4 {
		loop(func(i int) {
			k := (i*7 + w) % 30
			var p dirapi.Signable
			switch i % 4 {
			case 0, 1:
				p = signed(mix(k, uint64(1+i%3)), k, l.clock.Now())
			case 2:
				p = signed(gateway(k), 1000+k, l.clock.Now())
			default:
				p = mix(k, 1)
			}
			path := dirapi.PathPresenceMixNodes
			if p.Kind() == dirapi.KindGateway {
				path = dirapi.PathPresenceGateways
			}
			rec := do(http.MethodPost, path, body(t, p))
			switch rec.Code {
			case 201, 401, 403:
				counts[rec.Code].Add(1)
			default:
				fail("POST %s: %d %s", path, rec.Code, rec.Body)
			}
		})
	}
	// Topology readers.
	for w := range 2 {
		loop(func(i int) {
			before := l.clock.Now()
			hdr := []string{}
			if (i+w)%3 == 0 {
				hdr = append(hdr, "Accept-Encoding", "identity")
			}
			rec := do(http.MethodGet, dirapi.PathTopology, nil, hdr...)
			if rec.Code != 200 {
				fail("GET topology: %d", rec.Code)
				return
			}
			counts[200].Add(1)
			var raw map[string]json.RawMessage
			var top dirapi.Topology
			if json.Unmarshal(rec.Body.Bytes(), &raw) != nil || len(raw) != 4 || json.Unmarshal(rec.Body.Bytes(), &top) != nil ||
				top.MixNodes == nil || top.GatewayNodes == nil || top.CocoNodes == nil || top.MixProviderNodes == nil {
				fail("bad topology: %s", rec.Body)
				return
			}
			oldest := before.Add(-ttl).UnixNano()
			for _, n := range top.MixNodes {
				if n.LastSeen <= oldest {
					fail("expired mix node served: lastSeen %d <= %d", n.LastSeen, oldest)
				}
			}
			for _, n := range top.GatewayNodes {
				if n.LastSeen <= oldest {
					fail("expired gateway served: lastSeen %d <= %d", n.LastSeen, oldest)
				}
			}
			if tag := rec.Header().Get("ETag"); i%5 == 0 {
				if c := do(http.MethodGet, dirapi.PathTopology, nil, "If-None-Match", tag).Code; c != 200 && c != 304 {
					fail("conditional GET: %d", c)
				}
			}
		})
	}
	// Metrics.
	loop(func(i int) {
		rec := do(http.MethodPost, dirapi.PathMetricsMixes, body(t, metric(fmt.Sprint("m", i), uint64(i))))
		if rec.Code != 201 {
			fail("POST metric: %d %s", rec.Code, rec.Body)
		}
		if i%20 == 0 {
			var ms []dirapi.PersistedMixMetric
			if rec := do(http.MethodGet, dirapi.PathMetricsMixes, nil); json.Unmarshal(rec.Body.Bytes(), &ms) != nil || ms == nil {
				fail("GET metrics: %s", rec.Body)
			}
		}
	})
	// Websocket subscribers that connect, read a little, and leave (or
	// just leave without reading).
	wsURL := "ws" + strings.TrimPrefix(l.url, "http") + dirapi.PathWebsocket
	var wsLines atomic.Int64
	for w := range 2 {
		loop(func(i int) {
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			c, _, err := websocket.Dial(ctx, wsURL, nil)
			if err != nil {
				return // the server may be busy; dialing is not what is tested
			}
			defer c.CloseNow()
			c.SetReadLimit(1 << 20)
			for range (i + w) % 4 {
				_, b, err := c.Read(ctx)
				if err != nil {
					break
				}
				for _, line := range strings.Split(string(b), "\n") {
					var m dirapi.PersistedMixMetric
					if json.Unmarshal([]byte(line), &m) != nil {
						fail("ws line %q", line)
					}
					wsLines.Add(1)
				}
			}
			if i%2 == 0 {
				c.Close(websocket.StatusNormalClosure, "")
			}
		})
	}
	// The clock: about a second per real millisecond (less when busy).
	loop(func(int) {
		l.clock.Advance(time.Second)
		time.Sleep(time.Millisecond)
	})

	time.Sleep(d)
	close(stop)
	wg.Wait()
	t.Logf("201: %d, 401: %d, 403: %d, topology GETs: %d, ws lines: %d, fake time passed: %v",
		counts[201].Load(), counts[401].Load(), counts[403].Load(), counts[200].Load(), wsLines.Load(), l.clock.Now().Sub(epoch))
	for _, c := range []int{200, 201, 403} {
		if counts[c].Load() == 0 {
			t.Errorf("no request answered %d: the hammer did not hammer", c)
		}
	}
	if err := l.stop(); err != nil {
		t.Fatalf("Serve: %v", err)
	}
}
