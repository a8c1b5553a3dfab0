// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package streams

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nym-go/nym/internal/clock"
)

// Role says which end of a session this is.
type Role int

// Roles: the client opens streams, the exit accepts them.
const (
	Client Role = iota
	Exit
)

func (r Role) String() string {
	switch r {
	case Client:
		return "client"
	case Exit:
		return "exit"
	}
	return fmt.Sprintf("role(%d)", int(r))
}

// Defaults of Config.
const (
	DefaultClientMaxMessage  = 64 << 10
	DefaultWindow            = 1 << 20
	DefaultRetransmitTimeout = 1500 * time.Millisecond
	DefaultIdleTimeout       = 300 * time.Second
	DefaultMaxStreams        = 256
	DefaultCoalesce          = time.Millisecond
	DefaultAckDelay          = 10 * time.Millisecond
	DefaultSURBsPerOpen      = 20
	DefaultWantBatch         = 100
	DefaultReserve           = 2
	DefaultMaxRetransmits    = 10
	// MaxRTO bounds the adaptive retransmission timeout.
	MaxRTO               = 60 * time.Second
	DefaultProbeInterval = 5 * time.Second
	DefaultProbeSURBs    = 10
	DefaultExitTimeout   = 30 * time.Second
	// DefaultMaxCredits is the exit's default bound on the SURBs it holds
	// for a session (netreq.DefaultMaxSURBsPerSession).
	DefaultMaxCredits = 2000
	// MaxPendingSURBs bounds the SURBs the client owes the exit (asked for
	// and not yet sent); Wants beyond it are cut.
	MaxPendingSURBs = 2 * MaxWant
	// MinMessage is the smallest MaxMessage: an Open frame with the longest
	// target and an ack must fit.
	MinMessage = HeaderLen + 2*FrameHeaderLen + MaxTargetLen + 8
)

// Config tunes a Session. Zero fields take the defaults.
type Config struct {
	// Role is Client or Exit.
	Role Role
	// SessionID names the session in every message. Client: random, chosen
	// once; exit: the id of the first message (SessionIDOf). Required.
	SessionID [16]byte
	// MaxMessage is the largest message Deps.Send is given. Client: default
	// 64 KiB. Exit: the reply capacity of one SURB; required.
	MaxMessage int
	// Window bounds the data bytes sent but not yet read by the peer, per
	// stream and direction, and the bytes a Write buffers (default 1 MiB).
	Window int
	// RetransmitTimeout is the initial and smallest retransmission timeout
	// (RTO) of exit→client frames (default 1.5 s). The RTO adapts to the
	// measured round trip (smoothed RTT + 4 × its variation, as TCP, at
	// most MaxRTO) and doubles for each resend of the same frame (up to 32
	// times). An unanswered Want is repeated after 4 RTOs.
	RetransmitTimeout time.Duration
	// MaxRetransmits: a stream whose frame was sent this many times more
	// without an acknowledgement is reset (exit; default 10, about 5
	// minutes with the backoff).
	MaxRetransmits int
	// IdleTimeout closes a stream with no traffic either way for this long
	// (default 300 s).
	IdleTimeout time.Duration
	// MaxStreams bounds the open streams (default 256).
	MaxStreams int
	// Coalesce is how long written data waits for more before it is sent
	// in a message that is not full (default 1 ms; negative: no wait).
	Coalesce time.Duration
	// AckDelay is how long the client waits to batch acknowledgements of
	// exit→client data when no message goes out anyway (default 10 ms;
	// negative: no wait).
	AckDelay time.Duration
	// SURBsPerOpen is how many reply SURBs the client sends with each Open
	// (default 20; negative: none): all in the Open's message while the
	// exit has not been heard from in this session, afterwards as any SURBs
	// owed (Deps.SURBsFit, SURBInterval).
	SURBsPerOpen int
	// ProbeInterval: when a client stream waits for the exit and nothing
	// has arrived for this long, the client sends ProbeSURBs SURBs in case
	// the exit has run out (default 5 s and 10; ProbeSURBs negative: no
	// probes). The interval doubles with each probe that brings nothing
	// back, up to 64 times.
	ProbeInterval time.Duration
	ProbeSURBs    int
	// ExitTimeout (client): while a stream expects something of the exit
	// (an OpenResult, data, the end of the stream, acknowledgements of
	// data sent) and nothing at all has arrived from the exit for this
	// long, every stream fails with an error wrapping ErrExitUnreachable
	// (default 30 s; negative: never). Meanwhile the client pings the
	// silent exit (a Ping frame with one SURB) every
	// min(ProbeInterval, ExitTimeout/3); a live exit answers each with a
	// Pong, so a live exit with nothing to send is not declared dead.
	ExitTimeout time.Duration
	// WantBatch is the fewest SURBs the exit asks for at a time (exit;
	// default 100). The exit asks when its credits plus those asked for
	// fall below a low-water mark while it has something to send: the
	// larger of WantBatch/2 and twice the SURBs it spends in one round trip
	// (its measured sending rate × the smallest recent round trip), at
	// most MaxCredits/2; it then asks for enough to reach twice the mark
	// (at least WantBatch, at most MaxWant and MaxCredits).
	WantBatch int
	// MaxCredits (exit) is the most SURBs the exit may hold for the
	// session (what its owner stores: netreq's per-session SURB cap;
	// default 2000). A Want never asks for more than MaxCredits minus the
	// credits held and the SURBs already asked for.
	MaxCredits int
	// SURBInterval (client) paces the messages that carry only SURBs: at
	// most one leaves per SURBInterval (with a burst of 3 after a pause),
	// so they never queue far ahead of data in the client core (default
	// 0: no pacing). Set it to the core's real-traffic mean gap. SURBs
	// owed also ride, free, on every message that leaves anyway when
	// Deps.SURBsFit leaves room.
	SURBInterval time.Duration
	// Reserve is how many credits the exit keeps for control frames (acks,
	// wants, open results, fin, close); data needs more (default 2).
	Reserve int
}

// Deps are what a Session needs.
type Deps struct {
	// Send transmits one message to the peer. Client role: with surbs reply
	// SURBs attached (client.SendWithSURBs). Exit role: surbs is 0 and each
	// call uses exactly one SURB (client.Reply); Send is never called while
	// Credits() is 0. Send is called from Run's goroutine only. Required.
	Send func(ctx context.Context, msg []byte, surbs int) error
	// Accept (exit role, required there) is called, on the goroutine that
	// called Handle, for each new stream with its target "host:port". It
	// must not block: it answers later with st.Accept() or st.Refuse(reason)
	// and then copies between the stream and the real connection.
	Accept func(st *Stream, target string)
	// SURBsFit (client) returns how many reply SURBs a message of msgLen
	// bytes can carry and still travel in one packet. The client splits
	// the SURBs it owes the exit into such messages, each usable by the
	// exit as soon as its one packet arrives. Nil: no limit (up to
	// MaxWant SURBs in one message).
	SURBsFit func(msgLen int) int
	// Clock times everything; nil means clock.Real().
	Clock clock.Clock
	// Logger receives the session's logs; nil discards them.
	Logger *slog.Logger
}

func (c *Config) fill() error {
	if c.Role != Client && c.Role != Exit {
		return fmt.Errorf("streams: unknown role %d", c.Role)
	}
	if c.SessionID == ([16]byte{}) {
		return errors.New("streams: SessionID is required")
	}
	if c.MaxMessage == 0 && c.Role == Client {
		c.MaxMessage = DefaultClientMaxMessage
	}
	if c.MaxMessage < MinMessage {
		return fmt.Errorf("streams: MaxMessage %d is below %d", c.MaxMessage, MinMessage)
	}
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	defd := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.Window, DefaultWindow)
	defd(&c.RetransmitTimeout, DefaultRetransmitTimeout)
	def(&c.MaxRetransmits, DefaultMaxRetransmits)
	defd(&c.IdleTimeout, DefaultIdleTimeout)
	def(&c.MaxStreams, DefaultMaxStreams)
	defd(&c.Coalesce, DefaultCoalesce)
	defd(&c.AckDelay, DefaultAckDelay)
	def(&c.SURBsPerOpen, DefaultSURBsPerOpen)
	defd(&c.ProbeInterval, DefaultProbeInterval)
	defd(&c.ExitTimeout, DefaultExitTimeout)
	def(&c.ProbeSURBs, DefaultProbeSURBs)
	def(&c.WantBatch, DefaultWantBatch)
	def(&c.Reserve, DefaultReserve)
	def(&c.MaxCredits, DefaultMaxCredits)
	switch {
	case c.Window < 1024:
		return fmt.Errorf("streams: Window %d is below 1024", c.Window)
	case c.RetransmitTimeout < 0 || c.IdleTimeout < 0 || c.ProbeInterval < 0:
		return errors.New("streams: negative timeout")
	case c.MaxStreams < 0 || c.MaxRetransmits < 0:
		return errors.New("streams: negative count")
	case c.WantBatch < 1 || c.WantBatch > MaxWant:
		return fmt.Errorf("streams: WantBatch %d not in 1..%d", c.WantBatch, MaxWant)
	case c.Reserve < 1:
		return errors.New("streams: Reserve must be at least 1")
	case c.MaxCredits < 2*(c.Reserve+1):
		return fmt.Errorf("streams: MaxCredits %d is below twice Reserve+1", c.MaxCredits)
	case c.SURBInterval < 0:
		return errors.New("streams: negative SURBInterval")
	}
	c.SURBsPerOpen = max(c.SURBsPerOpen, 0)
	c.ProbeSURBs = max(c.ProbeSURBs, 0)
	if c.Coalesce < 0 {
		c.Coalesce = 0
	}
	if c.AckDelay < 0 {
		c.AckDelay = 0
	}
	if c.ExitTimeout < 0 {
		c.ExitTimeout = 0
	}
	return nil
}
