// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package cover schedules a client's outgoing packets as Loopix-style Poisson
// streams, so that when packets leave does not depend on whether the user
// has anything to send.
//
// Three independent streams, each a Poisson process (exponential gaps):
//
//   - the real-traffic stream (mean gap 20 ms by default): at each of its
//     ticks the client sends the next queued real packet, or a loop-cover
//     packet (to itself) when none is queued;
//   - the loop-cover stream (mean 200 ms): a loop-cover packet at each tick;
//   - the drop-cover stream (off by default): a packet to a random node that
//     discards it.
//
// The combined output is the superposition of the three, itself a Poisson
// process whose rate is the sum of the rates; a real packet only ever
// replaces a cover packet at a tick that would have happened anyway. The
// random draws are made in a fixed order that does not depend on the queue,
// so with the same seed the send times are identical with or without real
// traffic.
//
// [Scheduler] is the pure core: it takes the current time and a [Source] of
// real packets and returns what to send; it has no goroutines and draws all
// randomness from a seeded *rand.Rand. [Run] drives it on a clock.Clock.
// [Delays] samples per-hop mixing delays.
package cover

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// Defaults from Nym v0.9 onwards (PROTOCOL-FACTS §5.4).
const (
	// DefaultRealMean is the real-traffic stream's mean gap.
	DefaultRealMean = 20 * time.Millisecond
	// DefaultLoopMean is the loop-cover stream's mean gap.
	DefaultLoopMean = 200 * time.Millisecond
	// DefaultHopDelay is the mean mixing delay per hop, for Delays.
	DefaultHopDelay = 50 * time.Millisecond
	// DefaultMaxLag is Config.MaxLag's default.
	DefaultMaxLag = time.Second
)

const maxDurationFloat = float64(1<<63 - 1)

// Stream is a Poisson process: Next samples the gap to its next event.
type Stream struct {
	Mean time.Duration // mean gap; <= 0 disables the stream
	Rand *rand.Rand
}

// Next returns an exponentially distributed duration with mean s.Mean.
func (s Stream) Next() time.Duration { return Exp(s.Rand, s.Mean) }

// Exp returns an exponentially distributed duration with the given mean,
// drawn from r, saturating at the largest time.Duration.
func Exp(r *rand.Rand, mean time.Duration) time.Duration {
	if mean <= 0 {
		return 0
	}
	d := r.ExpFloat64() * float64(mean)
	if d >= maxDurationFloat {
		return time.Duration(1<<63 - 1)
	}
	return time.Duration(d)
}

// Delays returns hops independent exponential delays with the given mean,
// one per mix hop of a packet's route.
func Delays(r *rand.Rand, mean time.Duration, hops int) []time.Duration {
	d := make([]time.Duration, max(hops, 0))
	for i := range d {
		d[i] = Exp(r, mean)
	}
	return d
}

// Kind says what a send is.
type Kind uint8

// Kinds of sends.
const (
	// Real is a queued real packet, sent at a real-stream tick.
	Real Kind = iota + 1
	// Loop is a loop-cover packet to the client itself, at a real-stream
	// tick with nothing queued or at a loop-stream tick.
	Loop
	// Drop is a drop-cover packet, at a drop-stream tick.
	Drop
)

// String returns the kind's name.
func (k Kind) String() string {
	switch k {
	case Real:
		return "real"
	case Loop:
		return "loop"
	case Drop:
		return "drop"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Source supplies queued real packets. NextReal returns the next one and
// true, or false when none is queued.
type Source[P any] interface {
	NextReal() (P, bool)
}

// Config sets the streams' mean gaps. Zero fields take the defaults, except
// DropMean: zero leaves drop cover off. A negative mean disables a stream
// (the real stream cannot be disabled).
type Config struct {
	RealMean time.Duration // real-traffic stream mean gap
	LoopMean time.Duration // loop-cover stream mean gap
	DropMean time.Duration // drop-cover stream mean gap; 0 = off
	// MaxLag bounds catching up: a tick handled more than MaxLag late (a
	// suspended process, an overloaded machine) schedules the next tick from
	// now rather than from the missed deadline, so the client does not
	// burst. Default 1 s.
	MaxLag time.Duration
}

func (c Config) withDefaults() (Config, error) {
	if c.RealMean == 0 {
		c.RealMean = DefaultRealMean
	}
	if c.LoopMean == 0 {
		c.LoopMean = DefaultLoopMean
	}
	if c.MaxLag == 0 {
		c.MaxLag = DefaultMaxLag
	}
	if c.RealMean < 0 {
		return c, errors.New("cover: the real stream cannot be disabled")
	}
	return c, nil
}

// Send is one packet to send: its kind, and for Real the packet.
type Send[P any] struct {
	At     time.Time // the scheduled time of the tick
	Kind   Kind
	Packet P // the zero value for cover; the client builds cover itself
}

const (
	streamReal = iota
	streamLoop
	streamDrop
	numStreams
)

// Scheduler decides when each stream ticks and what each tick sends. It is
// not safe for concurrent use.
type Scheduler[P any] struct {
	cfg  Config
	rand *rand.Rand
	mean [numStreams]time.Duration
	next [numStreams]time.Time // zero: stream off
}

// NewScheduler returns a Scheduler whose streams start at now, drawing all
// randomness from r.
func NewScheduler[P any](cfg Config, r *rand.Rand, now time.Time) (*Scheduler[P], error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, errors.New("cover: nil rand")
	}
	s := &Scheduler[P]{cfg: c, rand: r, mean: [numStreams]time.Duration{c.RealMean, c.LoopMean, c.DropMean}}
	for i, m := range s.mean {
		if m > 0 {
			s.next[i] = now.Add(Exp(r, m))
		}
	}
	return s, nil
}

// NextDeadline returns the time of the earliest pending tick.
func (s *Scheduler[P]) NextDeadline() time.Time {
	var t time.Time
	for _, n := range s.next {
		if !n.IsZero() && (t.IsZero() || n.Before(t)) {
			t = n
		}
	}
	return t
}

// Tick handles every tick due at or before now, in time order (real, loop,
// drop on ties), and returns the sends. Real packets are taken from src only
// at real-stream ticks.
func (s *Scheduler[P]) Tick(now time.Time, src Source[P]) []Send[P] {
	var out []Send[P]
	for {
		i := -1
		for j, n := range s.next {
			if !n.IsZero() && !n.After(now) && (i < 0 || n.Before(s.next[i])) {
				i = j
			}
		}
		if i < 0 {
			return out
		}
		at := s.next[i]
		send := Send[P]{At: at}
		switch i {
		case streamReal:
			send.Kind = Loop
			if src != nil {
				if p, ok := src.NextReal(); ok {
					send.Kind, send.Packet = Real, p
				}
			}
		case streamLoop:
			send.Kind = Loop
		case streamDrop:
			send.Kind = Drop
		}
		out = append(out, send)
		base := at
		if now.Sub(at) > s.cfg.MaxLag {
			base = now
		}
		s.next[i] = base.Add(Exp(s.rand, s.mean[i]))
	}
}
