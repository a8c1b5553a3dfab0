// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package delayq

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nym-go/nym/internal/clock"
)

// Defaults for Config.
const (
	// DefaultMaxDelay is the largest delay a Scheduler accepts by default.
	// Nym's nym-node uses the same cap; at a 50 ms mean per-hop delay the
	// chance that an honest sender draws more than 10 s is about 1e-87.
	DefaultMaxDelay = 10 * time.Second

	// DefaultCapacity is how many values a Scheduler holds by default. A
	// mix node at 30k packets/s with a 50 ms mean delay holds about 1,500;
	// the rest is headroom for bursts and long delays. Memory is Capacity
	// times the size of what a value references: about 160 MB for full
	// regular (2413-byte) packets. Nodes should size it from their budget.
	DefaultCapacity = 1 << 16
)

// Errors returned by Schedule. Each one means the value was not taken.
var (
	// ErrDelayOverCap means the delay is above Config.MaxDelay.
	ErrDelayOverCap = errors.New("delayq: delay over cap")
	// ErrFull means the queue holds Config.Capacity values.
	ErrFull = errors.New("delayq: queue full")
	// ErrStopped means Run has returned.
	ErrStopped = errors.New("delayq: stopped")
)

// Config configures a Scheduler. The zero value selects every default.
type Config struct {
	// MaxDelay is the largest delay Schedule accepts; 0 means
	// DefaultMaxDelay.
	MaxDelay time.Duration
	// Capacity is the most values held at once; 0 means DefaultCapacity.
	Capacity int
}

func (c *Config) validate() error {
	if c.MaxDelay < 0 {
		return fmt.Errorf("delayq: MaxDelay %v is negative", c.MaxDelay)
	}
	if c.MaxDelay == 0 {
		c.MaxDelay = DefaultMaxDelay
	}
	if c.Capacity < 0 {
		return fmt.Errorf("delayq: Capacity %d is negative", c.Capacity)
	}
	if c.Capacity == 0 {
		c.Capacity = DefaultCapacity
	}
	return nil
}

// Deps are what a Scheduler needs from its surroundings.
type Deps[T any] struct {
	// Clock supplies the time and the release timer; nil means clock.Real().
	Clock clock.Clock
	// Out receives each value at its release time. It is required. The
	// Scheduler only sends on it and never closes it: the channel belongs to
	// the consumer, which stops on the same context as Run.
	Out chan<- T
	// Logger gets the shutdown report; nil means no logging.
	Logger *slog.Logger
}

// Stats counts what a Scheduler did since New.
type Stats struct {
	Scheduled       uint64 // values accepted by Schedule
	Released        uint64 // values sent on Out
	DroppedOverCap  uint64 // refused: delay above MaxDelay
	DroppedFull     uint64 // refused: Capacity values already held
	DroppedShutdown uint64 // held when Run returned, or offered after
	Queued          int    // values held now, including a batch being sent
}

// Scheduler holds values until their release time on an injected clock and
// then sends them on Deps.Out. Schedule may be called from any goroutine;
// Run must be called once, from one goroutine.
type Scheduler[T any] struct {
	cfg   Config
	clk   clock.Clock
	out   chan<- T
	log   *slog.Logger
	timer clock.Timer

	mu      sync.Mutex // guards the fields below and the use of timer
	q       Queue[T]   // unbounded: Schedule enforces Capacity over q and unsent
	armed   bool       // timer is set for armedAt and Run has not taken its value
	armedAt time.Time  // meaningful when armed
	started bool
	stopped bool
	stats   Stats // all but Released

	// unsent counts values Run has taken off q and not yet sent; they
	// still count against Capacity. Set under mu, decremented by Run alone.
	unsent   atomic.Int64
	released atomic.Uint64
}

// New returns a Scheduler; it starts nothing until Run is called. It fills
// defaults into cfg and rejects negative values.
func New[T any](cfg Config, deps Deps[T]) (*Scheduler[T], error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if deps.Out == nil {
		return nil, errors.New("delayq: Deps.Out is nil")
	}
	if deps.Clock == nil {
		deps.Clock = clock.Real()
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Scheduler[T]{
		cfg: cfg,
		clk: deps.Clock,
		out: deps.Out,
		log: deps.Logger.With("component", "delayq"),
	}
	s.timer = s.clk.NewTimer(time.Hour)
	s.timer.Stop()
	return s, nil
}

// Schedule takes v to be sent on Out once delay has elapsed on the clock.
// A delay <= 0 means at once. It never blocks; it returns ErrDelayOverCap,
// ErrFull or ErrStopped (and counts the refusal) when it does not take v,
// in which case the caller still owns v.
func (s *Scheduler[T]) Schedule(v T, delay time.Duration) error {
	return s.schedule(v, func(now time.Time) time.Time { return now.Add(max(delay, 0)) })
}

// ScheduleAt takes v to be sent on Out at the instant at on the clock,
// exactly: unlike Schedule it does not add the time between the caller's
// reading of the clock and the Scheduler's. A time not after the clock's
// present means at once. The cap is measured from the clock's present: at
// more than Config.MaxDelay after it is refused with ErrDelayOverCap.
// Otherwise it behaves as Schedule: it never blocks, and on an error
// (ErrDelayOverCap, ErrFull, ErrStopped, each counted) the caller still
// owns v.
func (s *Scheduler[T]) ScheduleAt(v T, at time.Time) error {
	return s.schedule(v, func(time.Time) time.Time { return at })
}

// schedule is Schedule and ScheduleAt: release maps the clock's present,
// read under s.mu, to v's release time.
func (s *Scheduler[T]) schedule(v T, release func(now time.Time) time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		s.stats.DroppedShutdown++
		return ErrStopped
	}
	now := s.clk.Now()
	at := release(now)
	if at.Sub(now) > s.cfg.MaxDelay {
		s.stats.DroppedOverCap++
		return ErrDelayOverCap
	}
	if s.q.Len()+int(s.unsent.Load()) >= s.cfg.Capacity {
		s.stats.DroppedFull++
		return ErrFull
	}
	s.q.Push(at, v)
	s.stats.Scheduled++
	if !s.armed || at.Before(s.armedAt) {
		s.armLocked(now, at)
	}
	return nil
}

// armLocked sets the timer for at. The caller holds s.mu.
func (s *Scheduler[T]) armLocked(now, at time.Time) {
	s.timer.Reset(at.Sub(now))
	s.armed, s.armedAt = true, at
}

// Run sends values on Out as they come due, until ctx is cancelled; then it
// drops what is still held (see Stats.DroppedShutdown), logs the count and
// returns nil. It returns an error only if called twice.
func (s *Scheduler[T]) Run(ctx context.Context) error {
	s.mu.Lock()
	if s.started {
		s.mu.Unlock()
		return errors.New("delayq: Run called twice")
	}
	s.started = true
	s.mu.Unlock()

	var batch []T
	for {
		select {
		case <-ctx.Done():
			s.stop()
			return nil
		case <-s.timer.C():
		}

		s.mu.Lock()
		now := s.clk.Now()
		batch = s.q.PopDue(now, batch[:0])
		s.unsent.Store(int64(len(batch)))
		s.armed = false
		if next, ok := s.q.Next(); ok {
			s.armLocked(now, next)
		}
		s.mu.Unlock()

		for _, v := range batch {
			select {
			case s.out <- v:
				s.released.Add(1)
				s.unsent.Add(-1)
			case <-ctx.Done():
				s.stop()
				return nil
			}
		}
		clear(batch) // drop references held by the reused slice
	}
}

// stop marks the Scheduler stopped and drops what it holds, including
// values taken off the queue and not sent. Only Run calls it.
func (s *Scheduler[T]) stop() {
	s.mu.Lock()
	s.stopped = true
	n := uint64(s.q.Len()) + uint64(s.unsent.Swap(0))
	s.q = Queue[T]{}
	s.timer.Stop()
	s.armed = false
	s.stats.DroppedShutdown += n
	s.mu.Unlock()
	s.log.Info("delay queue stopped", "dropped_queued", n)
}

// Stats returns the Scheduler's counters.
func (s *Scheduler[T]) Stats() Stats {
	s.mu.Lock()
	st := s.stats
	st.Queued = s.q.Len() + int(s.unsent.Load())
	s.mu.Unlock()
	st.Released = s.released.Load()
	return st
}
