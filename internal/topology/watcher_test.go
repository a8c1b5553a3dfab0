// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package topology_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/clock/clocktest"
	"github.com/nym-go/nym/internal/dirapi"
	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/logtest"
	"github.com/nym-go/nym/internal/poll"
	"github.com/nym-go/nym/internal/topology"
)

// fakeDir answers each Fetch with the next reply the test queues.
type fakeDir struct {
	replies chan reply
}

type reply struct {
	t   *dirapi.Topology
	err error
}

func (f *fakeDir) fetch(ctx context.Context) (*dirapi.Topology, error) {
	select {
	case r := <-f.replies:
		return r.t, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

type watcherEnv struct {
	t    *testing.T
	clk  *clocktest.Fake
	dir  *fakeDir
	w    *topology.Watcher
	logs *logtest.Buffer
	done chan error
}

func startWatcher(t *testing.T) *watcherEnv {
	t.Helper()
	leaktest.Check(t)
	e := &watcherEnv{t: t, clk: clocktest.NewFake(time.Unix(1_700_000_000, 0)), dir: &fakeDir{replies: make(chan reply)},
		logs: &logtest.Buffer{}, done: make(chan error, 1)}
	w, err := topology.New(topology.Config{}, topology.Deps{
		Fetch: e.dir.fetch, Clock: e.clk, Logger: slog.New(slog.NewTextHandler(e.logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	e.w = w
	ctx, cancel := context.WithCancel(context.Background())
	go func() { e.done <- w.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-e.done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return e
}

// answer hands the next Fetch r and waits until Run has scheduled the
// following fetch, so the result is stored.
func (e *watcherEnv) answer(r reply) {
	e.t.Helper()
	select {
	case e.dir.replies <- r:
	case <-time.After(5 * time.Second):
		e.t.Fatal("no fetch")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.clk.WaitForTimers(ctx, 1); err != nil {
		e.t.Fatal(err)
	}
}

// waitDeadline waits until the watcher's one timer is due at want.
func (e *watcherEnv) waitDeadline(want time.Time) {
	e.t.Helper()
	// The watcher's goroutine arms the timer on the fake clock; this waits
	// for that goroutine, not for time to pass.
	if !poll.Try(5*time.Second, func() bool {
		d := e.clk.Deadlines()
		return len(d) == 1 && d[0].Equal(want)
	}) {
		e.t.Fatalf("timer deadlines %v, want [%v]", e.clk.Deadlines(), want)
	}
}

func oneMix(layer uint64) *dirapi.Topology {
	return &dirapi.Topology{MixNodes: []dirapi.MixNodePresence{mix(1, layer)}}
}

func TestWatcherRefreshesAndKeepsLastGood(t *testing.T) {
	e := startWatcher(t)
	if e.w.Current() != nil {
		t.Fatal("topology before the first fetch")
	}
	e.answer(reply{t: oneMix(1)})
	if c := e.w.Current(); c == nil || len(c.Layer(1)) != 1 {
		t.Fatalf("after first fetch: %+v", c)
	}
	start := e.clk.Now()
	e.waitDeadline(start.Add(topology.DefaultInterval))

	// Failures keep the last good topology and are logged once.
	for i := range 3 {
		e.clk.Advance(topology.DefaultInterval)
		e.answer(reply{err: errors.New("directory down")})
		if c := e.w.Current(); c == nil || len(c.Layer(1)) != 1 {
			t.Fatalf("failure %d dropped the topology", i)
		}
	}
	if n := e.logs.Count("topology fetch failing"); n != 1 {
		t.Fatalf("failure logged %d times:\n%s", n, e.logs)
	}
	e.clk.Advance(topology.DefaultInterval)
	e.answer(reply{t: oneMix(2)})
	if c := e.w.Current(); c == nil || len(c.Layer(1)) != 0 || len(c.Layer(2)) != 1 {
		t.Fatalf("after recovery: %+v", c)
	}
	if e.logs.Count("topology fetch recovered") != 1 {
		t.Fatalf("recovery not logged:\n%s", e.logs)
	}

	// A nil topology from Fetch counts as a failure.
	e.clk.Advance(topology.DefaultInterval)
	e.answer(reply{})
	if c := e.w.Current(); c == nil || len(c.Layer(2)) != 1 {
		t.Fatal("nil reply replaced the topology")
	}

	// So does a topology without mix nodes (a directory that just
	// restarted and has heard from nobody yet).
	e.clk.Advance(topology.DefaultInterval)
	e.answer(reply{t: &dirapi.Topology{}})
	if c := e.w.Current(); c == nil || len(c.Layer(2)) != 1 {
		t.Fatal("an empty topology replaced the last good one")
	}
}

func TestWatcherKickIsRateLimited(t *testing.T) {
	e := startWatcher(t)
	e.answer(reply{t: oneMix(1)})
	t0 := e.clk.Now()

	// A Kick right after a fetch waits for MinKickInterval.
	e.w.Kick()
	e.waitDeadline(t0.Add(topology.DefaultMinKickInterval))
	e.w.Kick() // merged
	e.clk.Advance(topology.DefaultMinKickInterval)
	e.answer(reply{t: oneMix(2)})
	if c := e.w.Current(); len(c.Layer(2)) != 1 {
		t.Fatal("kicked fetch not stored")
	}
	t1 := e.clk.Now()
	e.waitDeadline(t1.Add(topology.DefaultInterval))

	// A Kick long after the last fetch is served at once.
	e.clk.Advance(10 * time.Second)
	e.w.Kick()
	e.answer(reply{t: oneMix(3)})
	if c := e.w.Current(); len(c.Layer(3)) != 1 {
		t.Fatal("immediate kicked fetch not stored")
	}
	e.waitDeadline(t1.Add(10 * time.Second).Add(topology.DefaultInterval))
}

func TestWatcherConfig(t *testing.T) {
	if _, err := topology.New(topology.Config{}, topology.Deps{}); err == nil {
		t.Fatal("no Fetch accepted")
	}
	f := (&fakeDir{}).fetch
	if _, err := topology.New(topology.Config{Interval: -1}, topology.Deps{Fetch: f}); err == nil {
		t.Fatal("negative interval accepted")
	}
}
