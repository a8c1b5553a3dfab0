// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package announce keeps a node known to the directory: it posts the node's
// signed presence on one interval and its traffic metrics on another, and
// keeps doing so, with backoff, while the directory is unreachable.
//
// Each of the two reports runs its own loop. A loop reports at once when Run
// starts, then every interval after the previous attempt finished. After a
// failure the next attempt waits twice as long as the last wait, up to
// Config.MaxBackoff; the first success goes back to the interval. The
// presence loop backs off to at most PresenceBackoffIntervals presence
// intervals, whatever MaxBackoff says: the directory forgets a node one
// presence TTL (10 s by default) after its last announcement, so a
// directory that comes back after an outage must hear from every node
// within a few intervals, not after a backoff grown during the outage (up
// to 30 s before this cap, for which the node was missing from the
// returning directory's topology).
//
// Failures are logged without flooding the log: once when a report starts
// failing (with the error), then at most once per Config.Reminder with the
// number of failures so far, and once when it recovers. A refusal (a 4xx
// answer, see dirclient.IsRefused) means the node is misconfigured, for
// example 401 for an unsigned presence or 403 for a sphinx key bound to
// another identity; each distinct refusal message is logged once at error
// level.
//
// Metrics are deltas: the node hands over its counters since start (Totals)
// and Run reports the difference from the last totals the directory
// accepted, so nothing counted during an outage is lost.
package announce

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/nym-go/nym/internal/clock"
	"github.com/nym-go/nym/internal/dirapi"
)

// Defaults for the zero fields of Config.
const (
	DefaultPresenceInterval = 2 * time.Second
	DefaultMetricsInterval  = time.Second
	DefaultMaxBackoff       = 30 * time.Second
	DefaultReminder         = 5 * time.Minute
	// PresenceBackoffIntervals caps the presence loop's backoff at this
	// many presence intervals (8 s at the default 2 s interval, within
	// the directory's default 10 s presence TTL).
	PresenceBackoffIntervals = 4
)

// Config says how often to report.
type Config struct {
	// PresenceInterval is the time between presence announcements.
	PresenceInterval time.Duration
	// MetricsInterval is the time between metrics reports.
	MetricsInterval time.Duration
	// MaxBackoff caps the wait between attempts while a report fails
	// (default 30 s); the presence loop's wait is also capped at
	// PresenceBackoffIntervals × PresenceInterval. A cap below a report's
	// interval is the interval.
	MaxBackoff time.Duration
	// Reminder is the least time between two "still failing" log lines.
	Reminder time.Duration
}

// Directory is the part of *dirclient.Client that Run uses.
type Directory interface {
	Announce(ctx context.Context, p dirapi.Signable) error
	ReportMetric(ctx context.Context, m dirapi.MixMetric) error
}

// Totals are a node's traffic counters since it started.
type Totals struct {
	// Received counts packets received.
	Received uint64
	// Sent counts packets sent, by next-hop host:port.
	Sent map[string]uint64
}

// Deps are what Run needs from the rest of the node.
type Deps struct {
	// Directory receives the reports.
	Directory Directory
	// Clock times the loops; nil means clock.Real().
	Clock clock.Clock
	// Logger receives the failure and recovery lines; nil discards them.
	Logger *slog.Logger
	// Presence returns the presence record to post, already signed with a
	// fresh timestamp. It is called once per attempt.
	Presence func() dirapi.Signable
	// Totals returns the node's counters since start. Nil disables the
	// metrics report (gateways).
	Totals func() Totals
	// PubKey is the base58 sphinx key metrics are reported under.
	PubKey string
}

// Announcer runs the presence and metrics loops.
type Announcer struct {
	cfg  Config
	deps Deps
}

// New checks deps, fills the defaults of cfg and returns an Announcer.
func New(cfg Config, deps Deps) (*Announcer, error) {
	if deps.Directory == nil {
		return nil, errors.New("announce: no directory")
	}
	if deps.Presence == nil {
		return nil, errors.New("announce: no presence function")
	}
	if deps.Totals != nil && deps.PubKey == "" {
		return nil, errors.New("announce: metrics need the node's public key")
	}
	if deps.Clock == nil {
		deps.Clock = clock.Real()
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	for _, d := range []*time.Duration{&cfg.PresenceInterval, &cfg.MetricsInterval, &cfg.MaxBackoff, &cfg.Reminder} {
		if *d < 0 {
			return nil, fmt.Errorf("announce: negative duration %v in config", *d)
		}
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&cfg.PresenceInterval, DefaultPresenceInterval)
	def(&cfg.MetricsInterval, DefaultMetricsInterval)
	def(&cfg.MaxBackoff, DefaultMaxBackoff)
	def(&cfg.Reminder, DefaultReminder)
	return &Announcer{cfg: cfg, deps: deps}, nil
}

// Run reports until ctx is done, then returns nil. Failures to reach the
// directory never end it.
func (a *Announcer) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	presence := a.newReporter("presence", a.cfg.PresenceInterval, func(ctx context.Context) error {
		return a.deps.Directory.Announce(ctx, a.deps.Presence())
	})
	presence.maxBackoff = max(min(presence.maxBackoff, PresenceBackoffIntervals*a.cfg.PresenceInterval), a.cfg.PresenceInterval)
	wg.Go(func() { presence.loop(ctx) })
	if a.deps.Totals != nil {
		m := &metrics{dir: a.deps.Directory, totals: a.deps.Totals, pubKey: a.deps.PubKey}
		r := a.newReporter("metrics", a.cfg.MetricsInterval, m.report)
		wg.Go(func() { r.loop(ctx) })
	}
	wg.Wait()
	return nil
}

func (a *Announcer) newReporter(name string, interval time.Duration, do func(context.Context) error) *reporter {
	return &reporter{
		name: name, interval: interval, maxBackoff: max(a.cfg.MaxBackoff, interval), reminder: a.cfg.Reminder,
		clock: a.deps.Clock, log: a.deps.Logger.With("report", name), do: do,
		refusals: make(map[string]bool),
	}
}

// metrics computes the deltas of one report from the totals the directory
// last accepted. It is used by one goroutine only.
type metrics struct {
	dir      Directory
	totals   func() Totals
	pubKey   string
	received uint64
	sent     map[string]uint64
}

func (m *metrics) report(ctx context.Context) error {
	now := m.totals()
	d := Delta(Totals{Received: m.received, Sent: m.sent}, now)
	if err := m.dir.ReportMetric(ctx, dirapi.MixMetric{PubKey: m.pubKey, Received: d.Received, Sent: d.Sent}); err != nil {
		return err
	}
	m.received, m.sent = now.Received, copyMap(now.Sent)
	return nil
}

// Delta returns cur minus prev, counter by counter. A counter smaller than
// before (a restarted source) counts from zero. Next hops with no new
// packets are left out.
func Delta(prev, cur Totals) Totals {
	d := Totals{Received: sub(cur.Received, prev.Received), Sent: make(map[string]uint64)}
	for hop, n := range cur.Sent {
		if v := sub(n, prev.Sent[hop]); v > 0 {
			d.Sent[hop] = v
		}
	}
	return d
}

func sub(cur, prev uint64) uint64 {
	if cur < prev {
		return cur
	}
	return cur - prev
}

func copyMap(m map[string]uint64) map[string]uint64 {
	c := make(map[string]uint64, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}
