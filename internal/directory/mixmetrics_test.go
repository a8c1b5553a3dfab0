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
	"time"

	"github.com/nym-go/nym/internal/dirapi"
)

func metric(key string, received uint64) dirapi.MixMetric {
	return dirapi.MixMetric{PubKey: key, Sent: map[string]uint64{"1.2.3.4:1789": 3, "5.6.7.8:1789": 2}, Received: received}
}

// metrics GETs the published window and returns the pubKeys in order.
func (e *env) metrics() []dirapi.PersistedMixMetric {
	e.t.Helper()
	rec := e.do(http.MethodGet, dirapi.PathMetricsMixes, nil)
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Body.String(), "[") {
		e.t.Fatalf("GET metrics: %d %s", rec.Code, rec.Body)
	}
	var ms []dirapi.PersistedMixMetric
	if err := json.Unmarshal(rec.Body.Bytes(), &ms); err != nil {
		e.t.Fatal(err)
	}
	return ms
}

func keysOf(ms []dirapi.PersistedMixMetric) []string {
	ks := []string{}
	for _, m := range ms {
		ks = append(ks, m.PubKey)
	}
	return ks
}

func TestMetricsWindow(t *testing.T) {
	e := newEnv(t, Config{})
	if rec := e.do(http.MethodGet, dirapi.PathMetricsMixes, nil); rec.Body.String() != "[]" {
		t.Fatalf("empty window: %s", rec.Body)
	}
	e.clock.Advance(500 * time.Millisecond)
	e.mustPost(dirapi.PathMetricsMixes, metric("A", 1))
	e.mustPost(dirapi.PathMetricsMixes, metric("B", 2))
	if got := keysOf(e.metrics()); len(got) != 0 {
		t.Fatalf("current window published early: %v", got)
	}

	e.clock.Set(epoch.Add(3 * time.Second)) // the tick
	ms := e.metrics()
	if got := keysOf(ms); !slices.Equal(got, []string{"A", "B"}) {
		t.Fatalf("previous window = %v, want [A B]", got)
	}
	if ms[0].Timestamp != epoch.Add(500*time.Millisecond).UnixNano() || ms[1].Received != 2 ||
		!maps.Equal(ms[0].Sent, metric("A", 1).Sent) {
		t.Errorf("entries = %+v", ms)
	}

	// The v0.5.0 aliasing bug: after the tick, a new report overwrote the
	// published window in place ([A,B] became [C,B]).
	e.clock.Advance(500 * time.Millisecond)
	e.mustPost(dirapi.PathMetricsMixes, metric("C", 3))
	if got := keysOf(e.metrics()); !slices.Equal(got, []string{"A", "B"}) {
		t.Fatalf("after posting C in the new window: %v, want [A B]", got)
	}
	e.clock.Set(epoch.Add(6 * time.Second))
	if got := keysOf(e.metrics()); !slices.Equal(got, []string{"C"}) {
		t.Fatalf("next window = %v, want [C]", got)
	}
	// Windows with no reports publish nothing, however many pass.
	e.clock.Advance(10 * time.Second)
	if got := keysOf(e.metrics()); len(got) != 0 {
		t.Fatalf("after idle windows: %v", got)
	}
}

func TestMetricEntryKeys(t *testing.T) {
	e := newEnv(t, Config{})
	e.mustPost(dirapi.PathMetricsMixes, `{"pubKey":"m","sent":{"a:1":1},"received":2,"timestamp":5,"extra":true}`)
	e.clock.Advance(3 * time.Second)
	rec := e.do(http.MethodGet, dirapi.PathMetricsMixes, nil)
	var ms []map[string]json.RawMessage
	if err := json.Unmarshal(rec.Body.Bytes(), &ms); err != nil || len(ms) != 1 {
		t.Fatalf("%s: %v", rec.Body, err)
	}
	if got := slices.Sorted(maps.Keys(ms[0])); !slices.Equal(got, []string{"pubKey", "received", "sent", "timestamp"}) {
		t.Errorf("keys = %v", got)
	}
	if string(ms[0]["timestamp"]) == "5" {
		t.Error("client-sent timestamp kept; want the receipt time")
	}
}

func TestMetricsWindowCap(t *testing.T) {
	e := newEnv(t, Config{MaxWindowMetrics: 2})
	e.mustPost(dirapi.PathMetricsMixes, metric("A", 1))
	e.mustPost(dirapi.PathMetricsMixes, metric("B", 1))
	wantError(t, e.post(dirapi.PathMetricsMixes, metric("C", 1)), http.StatusServiceUnavailable, "metrics window is full")
	e.clock.Advance(3 * time.Second)
	e.mustPost(dirapi.PathMetricsMixes, metric("D", 1))
	if got := keysOf(e.metrics()); !slices.Equal(got, []string{"A", "B"}) {
		t.Fatalf("window = %v", got)
	}
	rec := e.do(http.MethodGet, dirapi.PathPrometheus, nil)
	if !strings.Contains(rec.Body.String(), `nym_directory_metrics_rejected_total{reason="full"} 1`) {
		t.Error("dropped report not counted")
	}
}

// A clock that steps backwards does not rotate (or corrupt) the window.
func TestMetricsWindowClockBackwards(t *testing.T) {
	now := epoch
	srv, err := New(Config{}, Deps{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, srv: srv}
	now = now.Add(4 * time.Second)
	e.mustPost(dirapi.PathMetricsMixes, metric("A", 1))
	now = epoch.Add(-time.Hour)
	e.mustPost(dirapi.PathMetricsMixes, metric("B", 1))
	if got := keysOf(e.metrics()); len(got) != 0 {
		t.Fatalf("window = %v", got)
	}
	now = epoch.Add(6 * time.Second)
	if got := keysOf(e.metrics()); !slices.Equal(got, []string{"A", "B"}) {
		t.Fatalf("window = %v", got)
	}
}

// One pubKey may post at most MaxMetricsPerKey reports per window.
func TestMetricsPerKeyCap(t *testing.T) {
	e := newEnv(t, Config{})
	for range DefaultMaxMetricsPerKey {
		e.mustPost(dirapi.PathMetricsMixes, metric("A", 1))
	}
	wantError(t, e.post(dirapi.PathMetricsMixes, metric("A", 1)), http.StatusTooManyRequests, "pubKey: too many reports")
	e.mustPost(dirapi.PathMetricsMixes, metric("B", 1))
	e.clock.Advance(3 * time.Second)
	e.mustPost(dirapi.PathMetricsMixes, metric("A", 1))
	if got := e.metrics(); len(got) != DefaultMaxMetricsPerKey+1 {
		t.Fatalf("window has %d reports, want %d", len(got), DefaultMaxMetricsPerKey+1)
	}
	rec := e.do(http.MethodGet, dirapi.PathPrometheus, nil)
	if !strings.Contains(rec.Body.String(), `nym_directory_metrics_rejected_total{reason="per_key"} 1`) {
		t.Error("refused report not counted")
	}
}

// A flood of reports under made-up pubKeys does not lock out live nodes.
func TestMetricsFloodSparesLiveNodes(t *testing.T) {
	e := newEnv(t, Config{MaxWindowMetrics: 2})
	e.mustPost(dirapi.PathPresenceMixNodes, signed(mix(1, 1), 1, e.clock.Now()))
	e.mustPost(dirapi.PathMetricsMixes, metric("flood1", 1))
	e.mustPost(dirapi.PathMetricsMixes, metric("flood2", 1))
	wantError(t, e.post(dirapi.PathMetricsMixes, metric("flood3", 1)), http.StatusServiceUnavailable, "metrics window is full")
	e.mustPost(dirapi.PathMetricsMixes, metric(sphinxKey(1), 1))
	e.clock.Advance(3 * time.Second)
	if got := keysOf(e.metrics()); !slices.Equal(got, []string{"flood1", "flood2", sphinxKey(1)}) {
		t.Fatalf("window = %v", got)
	}
}
