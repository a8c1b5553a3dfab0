// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package mixnode

import (
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"time"

	"github.com/nym-go/nym/internal/clock"
	"github.com/nym-go/nym/internal/delayq"
	"github.com/nym-go/nym/internal/replay"
	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/wire"
)

// Defaults for Config fields that have no default in another package.
const (
	// DefaultInboundQueue is how many frames wait for an unwrap worker.
	// With readers blocking when it is full, it only smooths bursts.
	DefaultInboundQueue = 1024
	// DefaultDelayCapacity is how many packets the delay queue holds. At
	// 30,000 packets/s and a 50 ms mean delay a node holds about 1,500;
	// 32,768 regular packets are about 80 MB.
	DefaultDelayCapacity = 1 << 15
	// DefaultIdleForwarder is how long a next hop's forwarder stays after
	// its last packet before it is closed and forgotten.
	DefaultIdleForwarder = 5 * time.Minute
	// DefaultWriteTimeout bounds one batch of writes to a next hop; a
	// next hop that does not read for that long is treated as down.
	DefaultWriteTimeout = 10 * time.Second
	// DefaultShutdownGrace is how long forwarders may write their queues
	// after the context is cancelled. It keeps shutdown under 5 s.
	DefaultShutdownGrace = 2 * time.Second
	// DefaultMaxConns is the most inbound connections open at once.
	DefaultMaxConns = 4096
)

// Config tunes a Node. The zero value selects every default; Validate fills
// them in.
type Config struct {
	// MaxDelay is the largest header delay accepted; a packet asking for
	// more is dropped as too_late. 0 means delayq.DefaultMaxDelay (10 s).
	MaxDelay time.Duration
	// Workers is the number of unwrap workers; 0 means
	// runtime.GOMAXPROCS(0).
	Workers int
	// InboundQueue is how many frames wait for an unwrap worker; 0 means
	// DefaultInboundQueue.
	InboundQueue int
	// DelayCapacity is how many packets the delay queue holds; 0 means
	// DefaultDelayCapacity.
	DelayCapacity int
	// ForwardQueue is how many packets wait for one next hop; 0 means
	// wire.DefaultQueueLen.
	ForwardQueue int
	// ConnectTimeout bounds one connection attempt to a next hop; 0 means
	// wire.DefaultConnectTimeout.
	ConnectTimeout time.Duration
	// Backoff is the reconnect schedule to a next hop; zero means
	// wire.DefaultBackoff.
	Backoff wire.Backoff
	// IdleForwarder is how long an unused next hop's forwarder lives; its
	// connection is then closed and it is forgotten. 0 means
	// DefaultIdleForwarder.
	IdleForwarder time.Duration
	// WriteTimeout bounds a batch of writes to a next hop: each batch has
	// a deadline between 3/4 of it and all of it after the batch starts.
	// 0 means DefaultWriteTimeout.
	WriteTimeout time.Duration
	// ShutdownGrace is how long forwarders keep writing after shutdown
	// starts; 0 means DefaultShutdownGrace. It must be under 5 s.
	ShutdownGrace time.Duration
	// MaxConns is the most inbound connections open at once; 0 means
	// DefaultMaxConns.
	MaxConns int
	// Replay sizes the replay filter; the zero value selects replay's
	// defaults: 10 million tags per generation at a 1e-6 false-positive
	// rate, 68.6 MiB of bit arrays. They are allocated up front but become
	// resident only as tags are recorded, so an idle node does not pay for
	// them.
	Replay replay.Config
}

// Validate fills in defaults and rejects negative or unusable values.
func (c *Config) Validate() error {
	for _, f := range []struct {
		name string
		v    *time.Duration
		def  time.Duration
	}{
		{"MaxDelay", &c.MaxDelay, delayq.DefaultMaxDelay},
		{"ConnectTimeout", &c.ConnectTimeout, wire.DefaultConnectTimeout},
		{"IdleForwarder", &c.IdleForwarder, DefaultIdleForwarder},
		{"WriteTimeout", &c.WriteTimeout, DefaultWriteTimeout},
		{"ShutdownGrace", &c.ShutdownGrace, DefaultShutdownGrace},
	} {
		if *f.v < 0 {
			return fmt.Errorf("mixnode: %s %v is negative", f.name, *f.v)
		}
		if *f.v == 0 {
			*f.v = f.def
		}
	}
	if c.ShutdownGrace >= 5*time.Second {
		return fmt.Errorf("mixnode: ShutdownGrace %v is not under 5s", c.ShutdownGrace)
	}
	for _, f := range []struct {
		name string
		v    *int
		def  int
	}{
		{"Workers", &c.Workers, runtime.GOMAXPROCS(0)},
		{"InboundQueue", &c.InboundQueue, DefaultInboundQueue},
		{"DelayCapacity", &c.DelayCapacity, DefaultDelayCapacity},
		{"ForwardQueue", &c.ForwardQueue, wire.DefaultQueueLen},
		{"MaxConns", &c.MaxConns, DefaultMaxConns},
	} {
		if *f.v < 0 {
			return fmt.Errorf("mixnode: %s %d is negative", f.name, *f.v)
		}
		if *f.v == 0 {
			*f.v = f.def
		}
	}
	if c.Backoff == (wire.Backoff{}) {
		c.Backoff = wire.DefaultBackoff
	}
	if c.Backoff.Initial < 0 || c.Backoff.Max < 0 {
		return fmt.Errorf("mixnode: Backoff %+v is negative", c.Backoff)
	}
	return nil
}

// Deps are what a Node needs from its surroundings.
type Deps struct {
	// Key is the node's Sphinx private key.
	Key sphinx.PrivateKey
	// Listener is already listening; Run closes it on exit. Required.
	Listener wire.Listener
	// Dialer connects to next hops. Required.
	Dialer wire.Dialer
	// Clock times delays, timeouts and backoff; nil means clock.Real().
	Clock clock.Clock
	// Logger gets lifecycle and error reports; nil means discard.
	Logger *slog.Logger
	// Final receives packets for which this node is the final hop (a
	// gateway uses this). nil means such packets are dropped and counted
	// as final_hop (a mix node is never a final hop). It is called from
	// the unwrap workers, so it must not block for long, and the Payload
	// slice is valid only during the call.
	Final func(u *sphinx.Unwrapped)
}

func (d *Deps) validate() error {
	if d.Listener == nil {
		return errors.New("mixnode: Deps.Listener is nil")
	}
	if d.Dialer == nil {
		return errors.New("mixnode: Deps.Dialer is nil")
	}
	if d.Clock == nil {
		d.Clock = clock.Real()
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}
