// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package announce_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/announce"
	"github.com/nym-go/nym/internal/clock/clocktest"
	"github.com/nym-go/nym/internal/dirapi"
	"github.com/nym-go/nym/internal/dirclient"
	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/logtest"
)

// fakeDir is a directory whose answers the test switches.
type fakeDir struct {
	mu       sync.Mutex
	status   int    // 0 means 201
	message  string // error message for a non-201 status
	presence []dirapi.MixNodePresence
	metrics  []dirapi.MixMetric
}

func (f *fakeDir) set(status int, msg string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.status, f.message = status, msg
}

func (f *fakeDir) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.status != 0 {
		w.WriteHeader(f.status)
		json.NewEncoder(w).Encode(dirapi.Error{Error: f.message})
		return
	}
	switch r.URL.Path {
	case dirapi.PathPresenceMixNodes:
		var p dirapi.MixNodePresence
		if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		f.presence = append(f.presence, p)
	case dirapi.PathMetricsMixes:
		var m dirapi.MixMetric
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		f.metrics = append(f.metrics, m)
	default:
		w.WriteHeader(http.StatusNotFound)
		return
	}
	w.WriteHeader(http.StatusCreated)
	w.Write([]byte(`{"ok":true}`))
}

func (f *fakeDir) counts() (presence, metrics int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.presence), len(f.metrics)
}

func (f *fakeDir) lastMetric() dirapi.MixMetric {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.metrics[len(f.metrics)-1]
}

// counters is a Totals source the test changes.
type counters struct {
	mu sync.Mutex
	t  announce.Totals
}

func (c *counters) set(received uint64, sent map[string]uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = announce.Totals{Received: received, Sent: sent}
}

func (c *counters) get() announce.Totals {
	c.mu.Lock()
	defer c.mu.Unlock()
	return announce.Totals{Received: c.t.Received, Sent: maps.Clone(c.t.Sent)}
}

type harness struct {
	dir   *fakeDir
	clock *clocktest.Fake
	log   *logtest.Buffer
	ctr   *counters
	start time.Time
}

// start runs an announcer against a fake directory; withMetrics adds the
// metrics loop. It returns once the first attempts have been made.
func start(t *testing.T, cfg announce.Config, withMetrics bool) *harness {
	t.Helper()
	leaktest.Check(t)
	h := &harness{dir: &fakeDir{}, log: &logtest.Buffer{}, ctr: &counters{}, start: time.Unix(1_700_000_000, 0)}
	h.clock = clocktest.NewFake(h.start)
	srv := httptest.NewServer(h.dir)
	t.Cleanup(srv.Close)
	dc, err := dirclient.New(srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, key, _ := ed25519.GenerateKey(nil)
	deps := announce.Deps{
		Directory: dc,
		Clock:     h.clock,
		Logger:    slog.New(slog.NewTextHandler(h.log, nil)),
		Presence: func() dirapi.Signable {
			p := &dirapi.MixNodePresence{Host: "127.0.0.1:1789", PubKey: "sphinx", Layer: 1, Version: "test"}
			dirapi.Sign(p, key, h.clock.Now())
			return p
		},
	}
	if withMetrics {
		deps.Totals, deps.PubKey = h.ctr.get, "sphinx"
	}
	a, err := announce.New(cfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Run did not return after cancel")
		}
	})
	n := 1
	if withMetrics {
		n = 2
	}
	h.waitTimers(t, n)
	return h
}

// waitTimers waits (bounded) until the loops have armed n timers, i.e.
// finished their attempts.
func (h *harness) waitTimers(t *testing.T, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.clock.WaitForTimers(ctx, n); err != nil {
		t.Fatalf("waiting for %d timers: %v", n, err)
	}
}

// advance moves time by d and waits for the loops to re-arm.
func (h *harness) advance(t *testing.T, d time.Duration, timers int) {
	t.Helper()
	h.clock.Advance(d)
	h.waitTimers(t, timers)
}

func (h *harness) nextDeadline(t *testing.T) time.Duration {
	t.Helper()
	ds := h.clock.Deadlines()
	if len(ds) == 0 {
		t.Fatal("no timer armed")
	}
	return ds[0].Sub(h.clock.Now())
}

func TestIntervals(t *testing.T) {
	h := start(t, announce.Config{}, true)
	if p, m := h.dir.counts(); p != 1 || m != 1 {
		t.Fatalf("at start: %d presence, %d metrics; want 1, 1", p, m)
	}
	h.advance(t, time.Second, 2)
	if p, m := h.dir.counts(); p != 1 || m != 2 {
		t.Fatalf("after 1s: %d presence, %d metrics; want 1, 2", p, m)
	}
	h.advance(t, time.Second, 2)
	if p, m := h.dir.counts(); p != 2 || m != 3 {
		t.Fatalf("after 2s: %d presence, %d metrics; want 2, 3", p, m)
	}
	h.dir.mu.Lock()
	p := h.dir.presence[1]
	h.dir.mu.Unlock()
	if _, err := dirapi.Verify(&p); err != nil {
		t.Fatalf("presence does not verify: %v", err)
	}
	if p.Timestamp != h.start.Add(2*time.Second).UnixNano() {
		t.Fatalf("presence timestamp %d is not fresh", p.Timestamp)
	}
}

func TestBackoffLogOnceAndRecovery(t *testing.T) {
	h := start(t, announce.Config{Reminder: 30 * time.Second}, false)
	h.dir.set(http.StatusInternalServerError, "database on fire")
	// The attempt at 2s fails; the waits then grow 2, 4, 8 s, the cap of
	// presence (4 intervals of 2 s).
	want := []time.Duration{2, 4, 8, 8, 8, 8, 8}
	wait := 2 * time.Second
	for i, w := range want {
		h.advance(t, wait, 1)
		wait = h.nextDeadline(t)
		if wait != w*time.Second {
			t.Fatalf("after failure %d: next attempt in %v, want %v", i+1, wait, w*time.Second)
		}
	}
	if n := h.log.Count("cannot report to the directory; retrying"); n != 1 {
		t.Fatalf("failure logged %d times, want once:\n%s", n, h.log.String())
	}
	// 2+2+4+8+8+8+8 s = 40 s > 30 s: one reminder so far.
	if n := h.log.Count("still cannot report"); n != 1 {
		t.Fatalf("%d reminders, want 1:\n%s", n, h.log.String())
	}
	if h.log.Count("database on fire") < 1 {
		t.Fatal("the error is not in the log")
	}
	h.dir.set(0, "")
	h.advance(t, wait, 1)
	if n := h.log.Count("directory reachable again"); n != 1 {
		t.Fatalf("recovery logged %d times, want once", n)
	}
	if got := h.nextDeadline(t); got != 2*time.Second {
		t.Fatalf("after recovery next attempt in %v, want the 2s interval", got)
	}
	h.advance(t, 2*time.Second, 1)
	if n := h.log.Count("directory reachable again"); n != 1 {
		t.Fatalf("recovery logged %d times, want once", n)
	}
	if p, _ := h.dir.counts(); p != 3 {
		t.Fatalf("%d presences accepted, want 3", p)
	}
}

func TestRefusalLoggedOncePerMessage(t *testing.T) {
	h := start(t, announce.Config{PresenceInterval: time.Second, MaxBackoff: time.Second}, false)
	h.dir.set(http.StatusForbidden, "sphinx key is bound to another identity")
	for range 5 {
		h.advance(t, time.Second, 1)
	}
	h.dir.set(http.StatusUnauthorized, "presence is not signed")
	for range 5 {
		h.advance(t, time.Second, 1)
	}
	if n := h.log.Count("directory refused the report"); n != 2 {
		t.Fatalf("refusals logged %d times, want 2 (one per message):\n%s", n, h.log.String())
	}
	for _, s := range []string{"bound to another identity", "not signed", "level=ERROR"} {
		if h.log.Count(s) == 0 {
			t.Fatalf("log lacks %q:\n%s", s, h.log.String())
		}
	}
}

func TestMetricDeltas(t *testing.T) {
	h := start(t, announce.Config{}, true)
	// The first report (at start) carried zeros.
	if m := h.dir.lastMetric(); m.Received != 0 || len(m.Sent) != 0 || m.PubKey != "sphinx" {
		t.Fatalf("first report %+v, want zeros", m)
	}
	h.ctr.set(5, map[string]uint64{"10.0.0.1:1789": 3})
	h.advance(t, time.Second, 2)
	if m := h.dir.lastMetric(); m.Received != 5 || !maps.Equal(m.Sent, map[string]uint64{"10.0.0.1:1789": 3}) {
		t.Fatalf("second report %+v", m)
	}
	// Counted while the directory is down: reported after it recovers.
	h.dir.set(http.StatusBadGateway, "down")
	h.ctr.set(8, map[string]uint64{"10.0.0.1:1789": 4, "10.0.0.2:1789": 1})
	h.advance(t, time.Second, 2)
	h.dir.set(0, "")
	h.ctr.set(10, map[string]uint64{"10.0.0.1:1789": 4, "10.0.0.2:1789": 2})
	h.advance(t, time.Second, 2)
	want := map[string]uint64{"10.0.0.1:1789": 1, "10.0.0.2:1789": 2}
	if m := h.dir.lastMetric(); m.Received != 5 || !maps.Equal(m.Sent, want) {
		t.Fatalf("report after outage %+v, want received 5 sent %v", m, want)
	}
	if _, m := h.dir.counts(); m != 3 {
		t.Fatalf("%d metric reports accepted, want 3", m)
	}
}

func TestDelta(t *testing.T) {
	prev := announce.Totals{Received: 10, Sent: map[string]uint64{"a": 5, "b": 7}}
	cur := announce.Totals{Received: 3, Sent: map[string]uint64{"a": 9, "b": 7, "c": 1}}
	d := announce.Delta(prev, cur)
	if d.Received != 3 || !maps.Equal(d.Sent, map[string]uint64{"a": 4, "c": 1}) {
		t.Fatalf("Delta = %+v", d)
	}
}

func TestNewChecksDeps(t *testing.T) {
	if _, err := announce.New(announce.Config{}, announce.Deps{}); err == nil {
		t.Fatal("New without a directory succeeded")
	}
	if _, err := announce.New(announce.Config{MaxBackoff: -1}, announce.Deps{
		Directory: &dirclient.Client{}, Presence: func() dirapi.Signable { return nil },
	}); err == nil {
		t.Fatal("New with a negative duration succeeded")
	}
}

// TestPresenceBackoffAfterLongOutage: after a 10-minute outage of the
// directory, the presence loop still attempts every 4 intervals (8 s), so
// the returning directory lists the node again within that, before its
// 10 s presence TTL. The
// fault test internal/faults TestDirectoryOutage found nodes missing from a
// directory that came back after 45 s down, for 16 s, while their presence
// waited out a 30 s backoff.
func TestPresenceBackoffAfterLongOutage(t *testing.T) {
	h := start(t, announce.Config{}, false)
	p0, _ := h.dir.counts()
	h.dir.set(http.StatusBadGateway, "down")
	for range 600 {
		h.advance(t, time.Second, 1)
	}
	presenceMax := announce.PresenceBackoffIntervals * announce.DefaultPresenceInterval
	if next := h.nextDeadline(t); next > presenceMax {
		t.Fatalf("after 10 minutes down, the next presence attempt is in %v; want at most %v", next, presenceMax)
	}
	h.dir.set(0, "")
	back := h.clock.Now()
	for {
		if p, _ := h.dir.counts(); p > p0 {
			break
		}
		if h.clock.Now().Sub(back) >= presenceMax {
			t.Fatalf("no presence accepted within %v of the directory's return", presenceMax)
		}
		h.advance(t, time.Second, 1)
	}
	t.Logf("presence accepted %v after the directory returned", h.clock.Now().Sub(back))
}

// TestPresenceBackoffCap: the presence cap never goes below the interval,
// and a smaller MaxBackoff still applies.
func TestPresenceBackoffCap(t *testing.T) {
	h := start(t, announce.Config{PresenceInterval: time.Second, MaxBackoff: 3 * time.Second}, false)
	h.dir.set(http.StatusBadGateway, "down")
	want := []time.Duration{1, 2, 3, 3}
	wait := time.Second
	for i, w := range want {
		h.advance(t, wait, 1)
		if wait = h.nextDeadline(t); wait != w*time.Second {
			t.Fatalf("after failure %d: next attempt in %v, want %v", i+1, wait, w*time.Second)
		}
	}
}
