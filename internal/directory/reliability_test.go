// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package directory

import (
	"crypto/ed25519"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/base58"
	"github.com/nym-go/nym/internal/dirapi"
)

// monitorKey is the trusted monitor of the tests.
func monitorKey() ed25519.PrivateKey { return identity(900) }

// report returns an unsigned report scoring the nodes sphinxKey(n) for n
// in nodes: node n gets lastRun (n*10)%100 + 0.5.
func report(at time.Time, nodes ...int) *dirapi.ReliabilityReport {
	r := &dirapi.ReliabilityReport{RunTimestamp: at.UnixNano(), Nodes: []dirapi.NodeReliability{}}
	for _, n := range nodes {
		p := float64(n*10%100) + 0.5
		r.Nodes = append(r.Nodes, dirapi.NodeReliability{PubKey: sphinxKey(n), LastRun: p, LastHour: p,
			LastDay: p, Sent: 10, Received: 5})
	}
	return r
}

func signedReport(key ed25519.PrivateKey, at time.Time, nodes ...int) *dirapi.ReliabilityReport {
	r := report(at, nodes...)
	dirapi.Sign(r, key, at)
	return r
}

func monitorEnv(t *testing.T) *env {
	return newEnv(t, Config{MonitorKeys: []ed25519.PublicKey{monitorKey().Public().(ed25519.PublicKey)},
		ReliabilityMaxAge: time.Minute})
}

func (e *env) reliability(pubKey string) (dirapi.NodeStatus, int) {
	e.t.Helper()
	rec := e.do(http.MethodGet, dirapi.PathReliability+"/"+pubKey, nil)
	var v dirapi.NodeStatus
	if rec.Code == http.StatusOK {
		if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
			e.t.Fatal(err)
		}
	}
	return v, rec.Code
}

func TestReliabilityPostAndGet(t *testing.T) {
	e := monitorEnv(t)
	now := e.clock.Now()
	e.mustPost(dirapi.PathReliability, signedReport(monitorKey(), now, 1, 2))
	v, code := e.reliability(sphinxKey(2))
	if code != http.StatusOK || v.LastRun != 20.5 || v.Sent != 10 || v.Received != 5 || v.Stale ||
		v.RunTimestamp != now.UnixNano() || v.Monitor != base58.Encode(monitorKey().Public().(ed25519.PublicKey)) {
		t.Fatalf("GET one = %d %+v", code, v)
	}
	if _, code := e.reliability(sphinxKey(3)); code != http.StatusNotFound {
		t.Fatalf("unscored node: %d, want 404", code)
	}
	rec := e.do(http.MethodGet, dirapi.PathReliability, nil)
	var all []dirapi.NodeStatus
	if err := json.Unmarshal(rec.Body.Bytes(), &all); err != nil || len(all) != 2 || all[0].PubKey > all[1].PubKey {
		t.Fatalf("GET all = %s (%v)", rec.Body, err)
	}
	// A later report replaces the scores of the nodes it names.
	e.clock.Advance(time.Second)
	r := signedReport(monitorKey(), e.clock.Now(), 2)
	r.Nodes[0].LastRun = 0
	dirapi.Sign(r, monitorKey(), e.clock.Now())
	e.mustPost(dirapi.PathReliability, r)
	if v, _ := e.reliability(sphinxKey(2)); v.LastRun != 0 {
		t.Fatalf("after second report: %+v", v)
	}
	if v, _ := e.reliability(sphinxKey(1)); v.LastRun != 10.5 {
		t.Fatalf("node 1 changed: %+v", v)
	}
	// Past the max age the score is stale.
	e.clock.Advance(time.Minute)
	if v, _ := e.reliability(sphinxKey(2)); !v.Stale {
		t.Fatalf("not stale after max age: %+v", v)
	}
}

func TestReliabilityRefusals(t *testing.T) {
	e := monitorEnv(t)
	now := e.clock.Now()
	stranger := identity(901)
	forged := signedReport(monitorKey(), now, 1)
	forged.Nodes[0].LastRun = 100
	unsigned := report(now, 1)
	unsigned.Timestamp = now.UnixNano()
	tests := []struct {
		name   string
		body   any
		status int
		prefix string
	}{
		{"unsigned", unsigned, 400, "signature: required"},
		{"bad json", `{"nodes":[1]}`, 400, "body: does not match"},
		{"array", `[]`, 400, "body: must be a JSON object"},
		{"percentage", func() any {
			r := report(now, 1)
			r.Nodes[0].LastDay = 101
			dirapi.Sign(r, monitorKey(), now)
			return r
		}(), 400, "nodes[0].lastDay: must be a percentage"},
		{"received>sent", func() any {
			r := report(now, 1)
			r.Nodes[0].Received = 11
			dirapi.Sign(r, monitorKey(), now)
			return r
		}(), 400, "nodes[0].received: must not exceed sent"},
		{"duplicate", signedReport(monitorKey(), now, 1, 1), 400, "nodes[1].pubKey: duplicate"},
		{"forged", forged, 401, "signature: does not verify"},
		{"signed too late", func() any {
			r := report(now, 1)
			dirapi.Sign(r, monitorKey(), now.Add(2*DefaultSignatureWindow))
			return r
		}(), 401, "timestamp: "},
		{"run after signing", func() any {
			r := report(now.Add(MaxRunAhead+time.Nanosecond), 1)
			dirapi.Sign(r, monitorKey(), now)
			return r
		}(), 400, "runTimestamp: "},
		{"run far in the future", func() any {
			r := report(now.Add(100*365*24*time.Hour), 1)
			dirapi.Sign(r, monitorKey(), now)
			return r
		}(), 400, "runTimestamp: "},
		{"run as old as max age", func() any {
			r := report(now.Add(-time.Minute), 1)
			dirapi.Sign(r, monitorKey(), now)
			return r
		}(), 400, "runTimestamp: "},
		{"unknown monitor", signedReport(stranger, now, 1), 403, "identityKey: not a monitor"},
		{"unknown monitor, bad signature", func() any {
			// The trust check comes before the signature is verified.
			r := signedReport(stranger, now, 1)
			r.Nodes[0].LastRun = 100
			return r
		}(), 403, "identityKey: not a monitor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, e.post(dirapi.PathReliability, tt.body), tt.status, tt.prefix)
		})
	}
	if _, code := e.reliability(sphinxKey(1)); code != http.StatusNotFound {
		t.Fatal("a refused report stored a score")
	}
	// Replay: the same report twice, or an older one, is refused.
	ok := signedReport(monitorKey(), now, 1)
	e.mustPost(dirapi.PathReliability, ok)
	wantError(t, e.post(dirapi.PathReliability, ok), 401, "timestamp: not later")
	// Within the bounds a run may end up to MaxRunAhead after signing and
	// just under the max age before the directory's clock.
	r := report(now.Add(time.Second+MaxRunAhead), 2)
	dirapi.Sign(r, monitorKey(), now.Add(time.Second))
	e.mustPost(dirapi.PathReliability, r)
	r = report(now.Add(-time.Minute+time.Nanosecond), 3)
	dirapi.Sign(r, monitorKey(), now.Add(2*time.Second))
	e.mustPost(dirapi.PathReliability, r)
	// Beyond MaxNodes scored nodes a report is refused.
	small := newEnv(t, Config{MaxNodes: 2, MonitorKeys: []ed25519.PublicKey{monitorKey().Public().(ed25519.PublicKey)}})
	small.mustPost(dirapi.PathReliability, signedReport(monitorKey(), now, 1, 2))
	wantError(t, small.post(dirapi.PathReliability, signedReport(monitorKey(), now.Add(time.Second), 3)), 503, "directory is full")
	// Without monitor keys every report is refused.
	plain := newEnv(t, Config{})
	wantError(t, plain.post(dirapi.PathReliability, signedReport(monitorKey(), now, 1)), 403, "identityKey")
}

func TestTopologyReliability(t *testing.T) {
	e := newEnv(t, Config{AllowUnsigned: true,
		MonitorKeys: []ed25519.PublicKey{monitorKey().Public().(ed25519.PublicKey)}, ReliabilityMaxAge: time.Minute})
	now := e.clock.Now()
	e.mustPost(dirapi.PathPresenceMixNodes, mix(1, 1))
	e.mustPost(dirapi.PathPresenceMixNodes, mix(2, 2))
	e.mustPost(dirapi.PathPresenceGateways, gateway(3))
	top := e.topology()
	for _, m := range top.MixNodes {
		if m.Reliability != nil {
			t.Fatalf("reliability before any report: %+v", m)
		}
	}
	tag := e.do(http.MethodGet, dirapi.PathTopology, nil).Header().Get("ETag")
	e.mustPost(dirapi.PathReliability, signedReport(monitorKey(), now, 1, 3))
	rec := e.do(http.MethodGet, dirapi.PathTopology, nil, "If-None-Match", tag)
	if rec.Code != http.StatusOK {
		t.Fatalf("topology after a report: %d, want 200 with a new ETag", rec.Code)
	}
	top = decodeTopology(t, rec.Body.Bytes())
	got := map[string]*float64{}
	for _, m := range top.MixNodes {
		got[m.PubKey] = m.Reliability
	}
	if r := got[sphinxKey(1)]; r == nil || *r != 10.5 {
		t.Fatalf("mix 1 reliability = %v", r)
	}
	if r := got[sphinxKey(2)]; r != nil {
		t.Fatalf("unmeasured mix 2 reliability = %v", *r)
	}
	if g := top.GatewayNodes[0].Reliability; g == nil || *g != 30.5 {
		t.Fatalf("gateway reliability = %v", g)
	}
	// Nodes keep announcing; once the score is stale it leaves the
	// topology (and the ETag changes again).
	for range 6 {
		e.clock.Advance(10 * time.Second)
		e.mustPost(dirapi.PathPresenceMixNodes, mix(1, 1))
		e.mustPost(dirapi.PathPresenceMixNodes, mix(2, 2))
		e.mustPost(dirapi.PathPresenceGateways, gateway(3))
	}
	for _, m := range e.topology().MixNodes {
		if m.Reliability != nil {
			t.Fatalf("stale score still in topology: %+v", m)
		}
	}
}

// A trusted monitor cannot publish a run from the future: if it could, its
// scores would never go stale and, the newer run winning, would keep every
// other monitor's scores of those nodes out until the directory restarts.
func TestReliabilityFutureRunCannotShadow(t *testing.T) {
	other := identity(902)
	e := newEnv(t, Config{MonitorKeys: []ed25519.PublicKey{monitorKey().Public().(ed25519.PublicKey),
		other.Public().(ed25519.PublicKey)}, ReliabilityMaxAge: time.Minute})
	now := e.clock.Now()
	future := report(now.Add(time.Hour), 1)
	future.Nodes[0].LastRun = 100
	dirapi.Sign(future, monitorKey(), now)
	wantError(t, e.post(dirapi.PathReliability, future), 400, "runTimestamp: ")

	e.clock.Advance(time.Second)
	r := report(e.clock.Now(), 1)
	r.Nodes[0].LastRun = 0
	dirapi.Sign(r, other, e.clock.Now())
	e.mustPost(dirapi.PathReliability, r)
	v, code := e.reliability(sphinxKey(1))
	if code != http.StatusOK || v.LastRun != 0 || v.Monitor != base58.Encode(other.Public().(ed25519.PublicKey)) {
		t.Fatalf("score after the other monitor's run: %d %+v", code, v)
	}
	// An older run of a monitor still does not replace a newer one.
	e.clock.Advance(time.Second)
	old := report(e.clock.Now().Add(-30*time.Second), 1)
	old.Nodes[0].LastRun = 100
	dirapi.Sign(old, monitorKey(), e.clock.Now())
	e.mustPost(dirapi.PathReliability, old)
	if v, _ := e.reliability(sphinxKey(1)); v.LastRun != 0 {
		t.Fatalf("an older run replaced a newer one: %+v", v)
	}
}
