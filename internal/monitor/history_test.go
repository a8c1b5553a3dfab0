// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package monitor_test

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/clock/clocktest"
	"github.com/nym-go/nym/internal/dirapi"
	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/monitor"
)

var t0 = time.Unix(1_800_000_000, 0)

func run(at time.Time, counts map[string]monitor.Count) monitor.RunRecord {
	return monitor.RunRecord{ID: uint64(at.Unix()), Time: at.UnixNano(), Nodes: counts}
}

func TestHistoryWindows(t *testing.T) {
	var h monitor.History
	// A day ago (just outside), 30 min ago, now; node b is missing from
	// the middle run (not tested: it does not count).
	h.Add(run(t0.Add(-monitor.Day), map[string]monitor.Count{"a": {Sent: 10, Received: 0}}))
	h.Add(run(t0.Add(-2*time.Hour), map[string]monitor.Count{"a": {Sent: 10, Received: 10}, "b": {Sent: 10, Received: 0}}))
	h.Add(run(t0.Add(-30*time.Minute), map[string]monitor.Count{"a": {Sent: 10, Received: 5}}))
	h.Add(run(t0, map[string]monitor.Count{"a": {Sent: 10, Received: 10}, "b": {Sent: 10, Received: 10}}))
	if len(h.Runs) != 3 {
		t.Fatalf("runs kept = %d, want 3 (the day-old one pruned)", len(h.Runs))
	}
	for _, tt := range []struct {
		key  string
		d    time.Duration
		want float64
	}{
		{"a", monitor.Hour, 75}, {"a", monitor.Day, float64(25) / 30 * 100}, {"b", monitor.Hour, 100}, {"b", monitor.Day, 50},
		{"c", monitor.Day, 0},
	} {
		if got := h.Window(tt.key, t0, tt.d).Percent(); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("Window(%s, %v) = %v, want %v", tt.key, tt.d, got, tt.want)
		}
	}
	if last, ok := h.Last(); !ok || last.Time != t0.UnixNano() {
		t.Fatalf("Last = %+v", last)
	}
}

func TestHistoryMaxRuns(t *testing.T) {
	var h monitor.History
	for i := range monitor.MaxRuns + 5 {
		h.Add(run(t0.Add(time.Duration(i)*time.Millisecond), nil))
	}
	if len(h.Runs) != monitor.MaxRuns || h.Runs[0].Time != t0.Add(5*time.Millisecond).UnixNano() {
		t.Fatalf("kept %d runs from %d", len(h.Runs), h.Runs[0].Time)
	}
}

func TestHistoryFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "history.json")
	h, err := monitor.LoadHistory(path)
	if err != nil || len(h.Runs) != 0 {
		t.Fatalf("missing file: %+v, %v", h, err)
	}
	h.Add(run(t0, map[string]monitor.Count{"a": {Sent: 3, Received: 2}}))
	if err := h.Save(path); err != nil {
		t.Fatal(err)
	}
	back, err := monitor.LoadHistory(path)
	if err != nil || len(back.Runs) != 1 || back.Runs[0].Nodes["a"] != (monitor.Count{Sent: 3, Received: 2}) {
		t.Fatalf("loaded %+v, %v", back, err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("temporary files left: %v", entries)
	}
	for _, bad := range []string{`{"version":2,"runs":[]}`, `{"version":1,`} {
		os.WriteFile(path, []byte(bad), 0o600)
		if _, err := monitor.LoadHistory(path); err == nil {
			t.Errorf("LoadHistory(%s) accepted", bad)
		}
	}
}

func TestConfig(t *testing.T) {
	c, err := monitor.Config{DirectoryURL: "http://127.0.0.1:8080", HistoryFile: "h"}.WithDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if c.Interval != monitor.DefaultInterval || c.PacketsPerNode != 10 || c.WaitTimeout != 20*time.Second ||
		c.HopDelay != 50*time.Millisecond || c.GoodThreshold != 50 {
		t.Fatalf("defaults: %+v", c)
	}
	for _, bad := range []monitor.Config{
		{HistoryFile: "h"},
		{DirectoryURL: "ftp://x", HistoryFile: "h"},
		{DirectoryURL: "http://x"},
		{DirectoryURL: "http://x", HistoryFile: "h", PacketsPerNode: -1},
		{DirectoryURL: "http://x", HistoryFile: "h", GoodThreshold: 101},
	} {
		if _, err := bad.WithDefaults(); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	path := filepath.Join(t.TempDir(), "config", "config.toml")
	c.Publish = true
	if err := monitor.WriteConfig(path, c); err != nil {
		t.Fatal(err)
	}
	back, err := monitor.LoadConfig(path)
	if err != nil || back != c {
		t.Fatalf("round trip: %+v, %v", back, err)
	}
	os.WriteFile(path, []byte("[monitor]\ndirectory = \"http://x\"\nbogus = 1\n"), 0o600)
	if _, err := monitor.LoadConfig(path); err == nil || !strings.Contains(err.Error(), "bogus") {
		t.Fatalf("unknown key: %v", err)
	}
}

// failingDir is a directory that is down.
type failingDir struct{ calls atomic.Int32 }

func (d *failingDir) Topology(context.Context) (*dirapi.Topology, error) {
	d.calls.Add(1)
	return nil, errors.New("down")
}

func (d *failingDir) PostReliability(context.Context, *dirapi.ReliabilityReport) error { return nil }

// Run starts a run every Interval on the injected clock, survives failed
// runs and stops when its context ends.
func TestRunSchedule(t *testing.T) {
	leaktest.Check(t)
	clk := clocktest.NewFake(t0)
	dir := &failingDir{}
	m, err := monitor.New(monitor.Config{DirectoryURL: "http://x", HistoryFile: filepath.Join(t.TempDir(), "h.json"),
		Interval: time.Minute}, monitor.Deps{Identity: key(1), ClientSeed: make([]byte, 32), Directory: dir, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	for i := int32(1); i <= 3; i++ {
		if err := clk.WaitForTimers(ctx, 1); err != nil {
			t.Fatal(err)
		}
		if got := dir.calls.Load(); got != i {
			t.Fatalf("after %d intervals: %d runs", i-1, got)
		}
		clk.Advance(time.Minute)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// Late arrivals are added to their run's record as received and late, never
// beyond what was sent, and count in the windows.
func TestHistoryAddLate(t *testing.T) {
	var h monitor.History
	r1 := run(t0.Add(-time.Minute), map[string]monitor.Count{"a": {Sent: 5, Received: 2}})
	h.Add(r1)
	h.Add(run(t0, map[string]monitor.Count{"a": {Sent: 5, Received: 5}}))
	if !h.AddLate(r1.ID, "a", 2) {
		t.Fatal("AddLate reported no change")
	}
	if got := h.Runs[0].Nodes["a"]; got != (monitor.Count{Sent: 5, Received: 4, Late: 2}) {
		t.Fatalf("record after AddLate: %+v", got)
	}
	if !h.AddLate(r1.ID, "a", 9) || h.Runs[0].Nodes["a"] != (monitor.Count{Sent: 5, Received: 5, Late: 3}) {
		t.Fatalf("capped AddLate: %+v", h.Runs[0].Nodes["a"])
	}
	if h.AddLate(r1.ID, "a", 1) || h.AddLate(r1.ID, "b", 1) || h.AddLate(12345, "a", 1) {
		t.Fatal("AddLate changed a full count, an untested node or an unknown run")
	}
	if w := h.Window("a", t0, monitor.Hour); w.Sent != 10 || w.Received != 10 {
		t.Fatalf("window %+v", w)
	}
}
