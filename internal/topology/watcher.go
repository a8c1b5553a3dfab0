// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package topology

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nym-go/nym/internal/clock"
	"github.com/nym-go/nym/internal/dirapi"
)

// Defaults for the zero fields of Config.
const (
	// DefaultInterval is a node's refresh interval (the v0.8 directory's
	// 30 s, PROTOCOL-FACTS §5.2).
	DefaultInterval = 30 * time.Second
	// DefaultMinKickInterval is the least time between a fetch and one
	// started early by Kick.
	DefaultMinKickInterval = 5 * time.Second
	// DefaultFetchTimeout bounds one fetch.
	DefaultFetchTimeout = 10 * time.Second
)

// Config says how often a Watcher refreshes.
type Config struct {
	// Interval is the time from the end of one fetch to the next.
	Interval time.Duration
	// MinKickInterval is the least time from one fetch's start to a fetch
	// asked for by Kick; a Kick sooner than that is served when it ends.
	MinKickInterval time.Duration
	// FetchTimeout bounds one fetch.
	FetchTimeout time.Duration
	// Options are passed to FromDirectory.
	Options Options
}

// Deps are what a Watcher needs.
type Deps struct {
	// Fetch returns the directory's topology; (*dirclient.Client).Topology
	// fits.
	Fetch func(ctx context.Context) (*dirapi.Topology, error)
	// Clock times the refreshes; nil means clock.Real().
	Clock clock.Clock
	// Logger receives failure, recovery and skipped-entry lines; nil
	// discards them.
	Logger *slog.Logger
}

// Watcher keeps the last good topology. Current and Kick are safe for
// concurrent use and cheap; Run does the fetching.
type Watcher struct {
	cfg  Config
	deps Deps
	// fallbacks is the last logged Report.Fallbacks, joined; only Run's
	// goroutine uses it, so the warning is logged once per change.
	fallbacks string
	cur       atomic.Pointer[Topology]
	kick      chan struct{}
}

// New checks deps, fills the defaults of cfg and returns a Watcher. Current
// returns nil until Run's first successful fetch.
func New(cfg Config, deps Deps) (*Watcher, error) {
	if deps.Fetch == nil {
		return nil, errors.New("topology: no Fetch function")
	}
	if deps.Clock == nil {
		deps.Clock = clock.Real()
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	for _, d := range []*time.Duration{&cfg.Interval, &cfg.MinKickInterval, &cfg.FetchTimeout} {
		if *d < 0 {
			return nil, fmt.Errorf("topology: negative duration %v in config", *d)
		}
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&cfg.Interval, DefaultInterval)
	def(&cfg.MinKickInterval, DefaultMinKickInterval)
	def(&cfg.FetchTimeout, DefaultFetchTimeout)
	return &Watcher{cfg: cfg, deps: deps, kick: make(chan struct{}, 1)}, nil
}

// Current returns the last topology fetched successfully, or nil if there
// is none yet.
func (w *Watcher) Current() *Topology { return w.cur.Load() }

// Kick asks Run for an early refresh, for example after a packet to a
// next hop the topology does not list. It never blocks; Kicks are merged
// and rate-limited by Config.MinKickInterval.
func (w *Watcher) Kick() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// Run fetches at once, then Config.Interval after each fetch ends and on
// Kick, until ctx is done; then it returns nil. The next fetch is scheduled
// only after the topology (if any) is stored. A failed fetch keeps the last good
// topology. Failures are logged once when they start (with the error) and
// once on recovery.
func (w *Watcher) Run(ctx context.Context) error {
	clk := w.deps.Clock
	t := clk.NewTimer(0)
	defer t.Stop()
	var last, next time.Time
	failing := false
	skipped := -1
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-w.kick:
			now := clk.Now()
			at := last.Add(w.cfg.MinKickInterval)
			if at.Before(now) {
				at = now
			}
			if at.Before(next) {
				next = at
				t.Reset(at.Sub(now))
			}
			continue
		case <-t.C():
		}
		last = clk.Now()
		// A Kick before this fetch is served by it.
		select {
		case <-w.kick:
		default:
		}
		top, rep, err := w.fetch(ctx)
		if ctx.Err() != nil {
			return nil
		}
		failing, skipped = w.record(top, rep, err, failing, skipped)
		// Scheduled only now, so a test that sees the timer armed sees
		// the result stored.
		next = clk.Now().Add(w.cfg.Interval)
		t.Reset(w.cfg.Interval)
	}
}

// record stores a fetched topology and logs what changed: a failure once
// when failing starts, a recovery, and the number of skipped entries when
// it changes. It returns the new failing state and skipped count.
func (w *Watcher) record(top *Topology, rep Report, err error, failing bool, skipped int) (bool, int) {
	if err != nil {
		if !failing {
			w.deps.Logger.Warn("topology fetch failing; keeping the last good topology", "error", err,
				"have_topology", w.cur.Load() != nil)
		}
		return true, skipped
	}
	if failing {
		w.deps.Logger.Info("topology fetch recovered")
	}
	if n := len(rep.Skipped); n != skipped {
		skipped = n
		if n > 0 {
			w.deps.Logger.Warn("topology entries skipped", "count", n, "first", fmt.Sprintf("%+v", rep.Skipped[0]))
		}
	}
	if f := strings.Join(rep.Fallbacks, ", "); f != w.fallbacks {
		w.fallbacks = f
		if f != "" {
			w.deps.Logger.Warn("no node reaches the reliability threshold; routing through the best-scored ones",
				"where", f)
		}
	}
	w.cur.Store(top)
	return false, skipped
}

func (w *Watcher) fetch(ctx context.Context) (*Topology, Report, error) {
	ctx, cancel := context.WithTimeout(ctx, w.cfg.FetchTimeout)
	defer cancel()
	d, err := w.deps.Fetch(ctx)
	if err != nil {
		return nil, Report{}, err
	}
	if d == nil {
		return nil, Report{}, errors.New("topology: directory returned no topology")
	}
	top, rep := FromDirectory(d, w.cfg.Options)
	// A directory that just restarted lists nobody until the nodes
	// re-announce; adopting that would make every next hop "unknown".
	// Until the first good topology, nodes fail open anyway.
	if top.mixCount() == 0 {
		return nil, rep, errNoMixes
	}
	return top, rep, nil
}

// errNoMixes is a fetch that lists no mix node: it is treated as a failure,
// so the last good topology is kept.
var errNoMixes = errors.New("topology: the directory lists no mix nodes (just restarted?)")

func (t *Topology) mixCount() int {
	n := 0
	for l := 1; l <= Layers; l++ {
		n += len(t.Layer(l))
	}
	return n
}
