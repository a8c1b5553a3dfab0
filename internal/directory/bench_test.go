// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package directory

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/dirapi"
)

// discard is a ResponseWriter that throws the response away, so that the
// benchmarks measure the server, not a recorder.
type discard struct {
	h    http.Header
	code int
	n    int
}

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) WriteHeader(code int)        { d.code = code }
func (d *discard) Write(p []byte) (int, error) { d.n += len(p); return len(p), nil }

// withNodes returns a server with n signed mix nodes.
func withNodes(b *testing.B, n int) *env {
	e := newEnv(b, Config{MaxNodes: n + 1})
	for i := range n {
		e.mustPost(dirapi.PathPresenceMixNodes, signed(mix(i, uint64(1+i%3)), i, e.clock.Now()))
	}
	return e
}

// BenchmarkTopologyGET measures serving the cached topology (the handler
// alone, no network): bytes are written straight from the cache.
func BenchmarkTopologyGET(b *testing.B) {
	for _, n := range []int{100, 1000} {
		e := withNodes(b, n)
		plain := e.do(http.MethodGet, dirapi.PathTopology, nil)
		tag := plain.Header().Get("ETag")
		for _, c := range []struct {
			name string
			hdr  []string
		}{
			{"plain", nil},
			{"gzip", []string{"Accept-Encoding", "gzip"}},
			{"304", []string{"If-None-Match", tag}},
		} {
			b.Run(fmt.Sprintf("nodes=%d/%s", n, c.name), func(b *testing.B) {
				req := httptest.NewRequest(http.MethodGet, dirapi.PathTopology, nil)
				for i := 0; i+1 < len(c.hdr); i += 2 {
					req.Header.Set(c.hdr[i], c.hdr[i+1])
				}
				h := e.srv.Handler()
				w := &discard{h: http.Header{}}
				h.ServeHTTP(w, req)
				b.SetBytes(int64(w.n))
				b.ReportAllocs()
				for b.Loop() {
					w.h = http.Header{}
					h.ServeHTTP(w, req)
				}
				if w.code != 200 && w.code != 304 {
					b.Fatalf("status %d", w.code)
				}
			})
		}
	}
}

// BenchmarkTopologyRebuild measures serialising a topology of 1,000 mix
// nodes after a change.
func BenchmarkTopologyRebuild(b *testing.B) {
	e := withNodes(b, 1000)
	b.ReportAllocs()
	for b.Loop() {
		e.srv.store.structGen.Add(1)
		if _, err := e.srv.topo.get(e.clock.Now()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignedPresencePOST measures accepting signed re-announcements
// of 1,000 mix nodes (decode, validate, verify Ed25519, store). The bodies
// are signed beforehand.
func BenchmarkSignedPresencePOST(b *testing.B) {
	const nodes = 1000
	e := withNodes(b, nodes)
	h := e.srv.Handler()
	var bodies [][]byte
	next := 0
	sign := func() {
		// Timestamps grow per node (the directory refuses replays) and stay
		// within the signature window of the fixed clock.
		for range 4096 {
			i := next
			next++
			bodies = append(bodies, body(b, signed(mix(i%nodes, uint64(1+i%3)), i%nodes, epoch.Add(time.Duration(next)))))
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if len(bodies) == 0 {
			b.StopTimer()
			sign()
			b.StartTimer()
		}
		req := httptest.NewRequest(http.MethodPost, dirapi.PathPresenceMixNodes, bytes.NewReader(bodies[0]))
		bodies = bodies[1:]
		w := &discard{h: http.Header{}}
		h.ServeHTTP(w, req)
		if w.code != http.StatusCreated {
			b.Fatalf("status %d", w.code)
		}
	}
}

// BenchmarkLiveNodes10k reports the heap that 10,000 live mix nodes (with
// their bindings and the serialised topology) take. Its time per op is the
// time to sign and announce them all.
func BenchmarkLiveNodes10k(b *testing.B) {
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		e := withNodes(b, 10_000)
		e.topology()
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "MiB-heap")
		runtime.KeepAlive(e)
	}
}
