// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package directory

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/dirapi"
)

func pubKeys(top dirapi.Topology) []string {
	var ks []string
	for _, n := range top.MixNodes {
		ks = append(ks, n.PubKey)
	}
	return ks
}

func TestExpiry(t *testing.T) {
	e := newEnv(t, Config{AllowUnsigned: true})
	e.mustPost(dirapi.PathPresenceMixNodes, mix(1, 1))
	e.clock.Advance(10*time.Second - time.Nanosecond)
	if got := len(e.topology().MixNodes); got != 1 {
		t.Fatalf("at TTL-1ns: %d nodes, want 1", got)
	}
	e.clock.Advance(time.Nanosecond)
	if got := len(e.topology().MixNodes); got != 0 {
		t.Fatalf("at TTL: %d nodes, want 0 (expired)", got)
	}
}

func TestExpiryConfigurable(t *testing.T) {
	e := newEnv(t, Config{AllowUnsigned: true, PresenceTTL: 30 * time.Second})
	e.mustPost(dirapi.PathPresenceGateways, gateway(1))
	e.clock.Advance(29 * time.Second)
	if len(e.topology().GatewayNodes) != 1 {
		t.Fatal("gone before the configured TTL")
	}
	e.clock.Advance(time.Second)
	if len(e.topology().GatewayNodes) != 0 {
		t.Fatal("still there at the configured TTL")
	}
}

func TestReannounceRefreshes(t *testing.T) {
	e := newEnv(t, Config{AllowUnsigned: true})
	e.mustPost(dirapi.PathPresenceMixNodes, mix(1, 1))
	e.clock.Advance(8 * time.Second)
	e.mustPost(dirapi.PathPresenceMixNodes, mix(1, 1))
	e.clock.Advance(8 * time.Second) // 16 s after the first, 8 after the second
	top := e.topology()
	if len(top.MixNodes) != 1 {
		t.Fatal("re-announced node expired")
	}
	if got, want := top.MixNodes[0].LastSeen, epoch.Add(8*time.Second).UnixNano(); got != want {
		t.Errorf("lastSeen = %d, want %d", got, want)
	}
	e.clock.Advance(2 * time.Second)
	if len(e.topology().MixNodes) != 0 {
		t.Fatal("node outlived TTL after its last announcement")
	}
}

// A change of any field other than lastSeen is served at once, even though
// the topology was just cached.
func TestFieldChangeVisibleAtOnce(t *testing.T) {
	e := newEnv(t, Config{AllowUnsigned: true, TopologyMaxAge: time.Hour})
	e.mustPost(dirapi.PathPresenceMixNodes, mix(1, 1))
	e.topology()
	changes := []func(p *dirapi.MixNodePresence){
		func(p *dirapi.MixNodePresence) { p.Layer = 2 },
		func(p *dirapi.MixNodePresence) { p.Host = "10.0.0.1:1789" },
		func(p *dirapi.MixNodePresence) { p.Version = "0.2.0" },
		func(p *dirapi.MixNodePresence) { p.Location = "Mars" },
	}
	p := mix(1, 1)
	for i, change := range changes {
		change(p)
		e.mustPost(dirapi.PathPresenceMixNodes, p)
		if got := e.topology().MixNodes[0]; got != *withLastSeen(p, got.LastSeen) {
			t.Errorf("change %d not served at once: got %+v, want %+v", i, got, *p)
		}
	}
	// A new node and a node of another kind also show at once.
	e.mustPost(dirapi.PathPresenceMixNodes, mix(2, 3))
	e.mustPost(dirapi.PathPresenceCocoNodes, coco(3))
	if top := e.topology(); len(top.MixNodes) != 2 || len(top.CocoNodes) != 1 {
		t.Fatalf("new nodes not served at once: %+v", top)
	}
}

func withLastSeen(p *dirapi.MixNodePresence, ls int64) *dirapi.MixNodePresence {
	q := *p
	q.LastSeen = ls
	return &q
}

// When only lastSeen changed, the cached topology may be served for up to
// TopologyMaxAge, and no longer.
func TestTopologyStalenessBound(t *testing.T) {
	e := newEnv(t, Config{AllowUnsigned: true, TopologyMaxAge: time.Second})
	e.mustPost(dirapi.PathPresenceMixNodes, mix(1, 1))
	first := e.topology().MixNodes[0].LastSeen

	e.clock.Advance(600 * time.Millisecond)
	e.mustPost(dirapi.PathPresenceMixNodes, mix(1, 1)) // lastSeen only
	if got := e.topology().MixNodes[0].LastSeen; got != first {
		t.Fatalf("rebuilt for a lastSeen-only change within the bound: %d", got)
	}
	e.clock.Advance(400 * time.Millisecond) // cache is now 1 s old
	if got, want := e.topology().MixNodes[0].LastSeen, epoch.Add(600*time.Millisecond).UnixNano(); got != want {
		t.Fatalf("lastSeen = %d after the bound, want %d", got, want)
	}
	// With nothing changed, the cache is kept however old it is.
	builds := e.builds()
	e.clock.Advance(5 * time.Second)
	e.topology()
	if got := e.builds(); got != builds {
		t.Errorf("rebuilt with nothing changed: %d builds, want %d", got, builds)
	}
}

// builds returns how many times the topology was serialised.
func (e *env) builds() uint64 {
	e.t.Helper()
	return uint64(gauge(e.t, e.srv, "nym_directory_topology_builds_total"))
}

// gauge returns the value of an unlabelled counter or gauge.
func gauge(t testing.TB, s *Server, name string) float64 {
	t.Helper()
	mfs, err := s.prom.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) == 1 {
			m := mf.GetMetric()[0]
			if m.GetCounter() != nil {
				return m.GetCounter().GetValue()
			}
			return m.GetGauge().GetValue()
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

// A node that expires is never served, even if the cache is young and its
// lastSeen-only staleness allowance has not run out.
func TestExpiredNeverServedFromCache(t *testing.T) {
	e := newEnv(t, Config{AllowUnsigned: true, TopologyMaxAge: time.Hour})
	e.mustPost(dirapi.PathPresenceMixNodes, mix(1, 1))
	e.clock.Advance(5 * time.Second)
	e.mustPost(dirapi.PathPresenceMixNodes, mix(2, 1))
	if got := len(e.topology().MixNodes); got != 2 {
		t.Fatalf("%d nodes", got)
	}
	e.clock.Advance(5 * time.Second) // node 1 expires now
	if got := pubKeys(e.topology()); !slices.Equal(got, []string{sphinxKey(2)}) {
		t.Fatalf("after node 1 expired: %v", got)
	}
}

func TestTopologyOrder(t *testing.T) {
	e := newEnv(t, Config{AllowUnsigned: true})
	for n := range 20 {
		e.mustPost(dirapi.PathPresenceMixNodes, mix(n, uint64(3-n%3)))
		e.mustPost(dirapi.PathPresenceGateways, gateway(n))
	}
	top := e.topology()
	if !slices.IsSortedFunc(top.MixNodes, func(a, b dirapi.MixNodePresence) int {
		if a.Layer != b.Layer {
			return int(a.Layer) - int(b.Layer)
		}
		return bytes.Compare([]byte(a.PubKey), []byte(b.PubKey))
	}) {
		t.Error("mix nodes not sorted by layer, then pubKey")
	}
	if !slices.IsSortedFunc(top.GatewayNodes, func(a, b dirapi.GatewayPresence) int {
		return bytes.Compare([]byte(a.PubKey), []byte(b.PubKey))
	}) {
		t.Error("gateways not sorted by pubKey")
	}
}

func TestETag(t *testing.T) {
	e := newEnv(t, Config{AllowUnsigned: true})
	e.mustPost(dirapi.PathPresenceMixNodes, mix(1, 1))
	rec := e.do(http.MethodGet, dirapi.PathTopology, nil)
	tag := rec.Header().Get("ETag")
	if len(tag) < 3 || tag[0] != '"' || tag[len(tag)-1] != '"' {
		t.Fatalf("ETag = %q, want a strong tag", tag)
	}
	for _, inm := range []string{tag, "W/" + tag, `"other", ` + tag, "*"} {
		rec := e.do(http.MethodGet, dirapi.PathTopology, nil, "If-None-Match", inm)
		if rec.Code != http.StatusNotModified || rec.Body.Len() != 0 || rec.Header().Get("ETag") != tag {
			t.Errorf("If-None-Match %s: %d %q (ETag %q)", inm, rec.Code, rec.Body, rec.Header().Get("ETag"))
		}
	}
	if rec := e.do(http.MethodGet, dirapi.PathTopology, nil, "If-None-Match", `"other"`); rec.Code != 200 {
		t.Errorf("non-matching If-None-Match: %d", rec.Code)
	}
	e.mustPost(dirapi.PathPresenceMixNodes, mix(1, 2))
	rec = e.do(http.MethodGet, dirapi.PathTopology, nil, "If-None-Match", tag)
	if rec.Code != http.StatusOK || rec.Header().Get("ETag") == tag {
		t.Errorf("after a change: %d, ETag %q (old %q)", rec.Code, rec.Header().Get("ETag"), tag)
	}
}

func TestGzip(t *testing.T) {
	e := newEnv(t, Config{AllowUnsigned: true})
	for n := range 50 {
		e.mustPost(dirapi.PathPresenceMixNodes, mix(n, 1))
	}
	plain := e.do(http.MethodGet, dirapi.PathTopology, nil)
	for _, ae := range []string{"gzip", "deflate, gzip;q=0.5", "br, GZIP"} {
		rec := e.do(http.MethodGet, dirapi.PathTopology, nil, "Accept-Encoding", ae)
		if rec.Header().Get("Content-Encoding") != "gzip" {
			t.Fatalf("Accept-Encoding %q: not gzipped", ae)
		}
		zr, err := gzip.NewReader(rec.Body)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(zr)
		if err != nil || !bytes.Equal(got, plain.Body.Bytes()) {
			t.Fatalf("gunzipped body differs from the plain one (%v)", err)
		}
		if tag := rec.Header().Get("ETag"); tag == plain.Header().Get("ETag") {
			t.Error("gzip and identity representations share an ETag")
		}
		if rec.Header().Get("Vary") != "Accept-Encoding" {
			t.Error("no Vary: Accept-Encoding")
		}
	}
	for _, ae := range []string{"", "deflate", "gzip;q=0", "gzip; q=0.000"} {
		rec := e.do(http.MethodGet, dirapi.PathTopology, nil, "Accept-Encoding", ae)
		if rec.Header().Get("Content-Encoding") != "" || !bytes.Equal(rec.Body.Bytes(), plain.Body.Bytes()) {
			t.Errorf("Accept-Encoding %q: got an encoded body", ae)
		}
	}
	// A gzip client revalidates with the gzip tag.
	gz := e.do(http.MethodGet, dirapi.PathTopology, nil, "Accept-Encoding", "gzip")
	rec := e.do(http.MethodGet, dirapi.PathTopology, nil, "Accept-Encoding", "gzip", "If-None-Match", gz.Header().Get("ETag"))
	if rec.Code != http.StatusNotModified {
		t.Errorf("gzip revalidation: %d", rec.Code)
	}
	// Either tag matches either representation (docs §5); the 304 carries
	// the tag of the representation asked for.
	rec = e.do(http.MethodGet, dirapi.PathTopology, nil, "If-None-Match", gz.Header().Get("ETag"))
	if rec.Code != http.StatusNotModified || rec.Header().Get("ETag") != plain.Header().Get("ETag") {
		t.Errorf("plain request with the gzip tag: %d, ETag %q", rec.Code, rec.Header().Get("ETag"))
	}
	rec = e.do(http.MethodGet, dirapi.PathTopology, nil, "Accept-Encoding", "gzip", "If-None-Match", plain.Header().Get("ETag"))
	if rec.Code != http.StatusNotModified || rec.Header().Get("ETag") != gz.Header().Get("ETag") {
		t.Errorf("gzip request with the plain tag: %d, ETag %q", rec.Code, rec.Header().Get("ETag"))
	}
}

func TestHeadTopology(t *testing.T) {
	e := newEnv(t, Config{})
	rec := e.do(http.MethodHead, dirapi.PathTopology, nil)
	if rec.Code != 200 || rec.Body.Len() != 0 || rec.Header().Get("Content-Length") == "" {
		t.Fatalf("HEAD: %d, %d body bytes, Content-Length %q", rec.Code, rec.Body.Len(), rec.Header().Get("Content-Length"))
	}
}

// Concurrent GETs of a stale topology serialise it once.
func TestTopologyRebuiltOnce(t *testing.T) {
	e := newEnv(t, Config{AllowUnsigned: true})
	e.mustPost(dirapi.PathPresenceMixNodes, mix(1, 1))
	done := make(chan struct{})
	for range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			e.srv.topo.get(e.clock.Now())
		}()
	}
	for range 8 {
		<-done
	}
	if got := e.builds(); got != 1 {
		t.Fatalf("%d builds for one change, want 1", got)
	}
}
