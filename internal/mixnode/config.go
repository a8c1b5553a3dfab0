// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package mixnode

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
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
	// DefaultMaxConnsPerIP is the most inbound connections open at once
	// from one remote IP address (loopback is exempt unless
	// Config.LimitLoopback is set).
	DefaultMaxConnsPerIP = 64
	// DefaultIdleConnTimeout is how long an inbound connection may go
	// without starting a frame. It is longer than the 5-10 min after
	// which an honest previous hop's forwarder closes an unused
	// connection (IdleForwarder, checked on two ticks), so the sender
	// closes first and never writes into a connection closed under it.
	DefaultIdleConnTimeout = 15 * time.Minute
	// DefaultFrameTimeout is how long the rest of a frame may take once
	// its header has arrived.
	DefaultFrameTimeout = 10 * time.Second
	// DefaultMaxForwarders is the most next hops with a forwarder at
	// once. A mix node forwards to one layer of the topology, which is
	// far smaller.
	DefaultMaxForwarders = 1024
	// DefaultStaleAfter is how long a packet may wait in the queue of a
	// next hop that is not connected before it is dropped as unreachable.
	DefaultStaleAfter = 10 * time.Second
	// DefaultMaxHeldBytes bounds the packet bytes held in the delay
	// queue and the forwarder queues together.
	DefaultMaxHeldBytes = 256 << 20
	// readBufferSize is the read buffer of an inbound connection: a few
	// regular frames per system call without 64 KiB per idle connection.
	readBufferSize = 16 << 10
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
	// MaxConnsPerIP is the most inbound connections open at once from one
	// remote IP; a connection beyond it is closed at once and counted in
	// Stats.RefusedConns. Loopback peers are exempt unless LimitLoopback
	// is set, since a local network runs every node on 127.0.0.1. 0 means
	// DefaultMaxConnsPerIP.
	MaxConnsPerIP int
	// LimitLoopback applies MaxConnsPerIP to loopback peers too (each
	// loopback address, such as 127.0.0.2, counts on its own), as the
	// directory's and the gateway's options of the same purpose do. It is
	// off by default; tests of the limit on loopback turn it on. MaxConns
	// applies to every peer either way.
	LimitLoopback bool
	// IdleConnTimeout closes an inbound connection on which no frame
	// starts for this long (previous hops reconnect on demand); 0 means
	// DefaultIdleConnTimeout.
	IdleConnTimeout time.Duration
	// FrameTimeout closes an inbound connection whose frame is not
	// complete this long after its header arrived; 0 means
	// DefaultFrameTimeout.
	FrameTimeout time.Duration
	// MaxForwarders is the most next hops with a forwarder (a goroutine
	// and a queue) at once. A packet to a new next hop beyond it is
	// dropped as too_many_hops. 0 means DefaultMaxForwarders.
	MaxForwarders int
	// StaleAfter bounds how long a packet waits for a next hop that is not
	// connected: older ones are dropped as unreachable (checked every
	// StaleAfter/2 while the hop is down and before each redial), so the
	// queue of a dead hop empties and its forwarder goes away. 0 means
	// DefaultStaleAfter.
	StaleAfter time.Duration
	// MaxHeldBytes bounds the packet bytes held in the delay queue and
	// the forwarder queues together; a packet that would pass it is
	// dropped as queue_full. 0 means DefaultMaxHeldBytes.
	MaxHeldBytes int64
	// NextHops is the next-hop policy; the zero value is NextHopsAuto.
	// A packet to a refused next hop is dropped as bad_next_hop.
	NextHops NextHopPolicy
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
		{"IdleConnTimeout", &c.IdleConnTimeout, DefaultIdleConnTimeout},
		{"FrameTimeout", &c.FrameTimeout, DefaultFrameTimeout},
		{"StaleAfter", &c.StaleAfter, DefaultStaleAfter},
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
		{"MaxConnsPerIP", &c.MaxConnsPerIP, DefaultMaxConnsPerIP},
		{"MaxForwarders", &c.MaxForwarders, DefaultMaxForwarders},
	} {
		if *f.v < 0 {
			return fmt.Errorf("mixnode: %s %d is negative", f.name, *f.v)
		}
		if *f.v == 0 {
			*f.v = f.def
		}
	}
	if c.MaxHeldBytes < 0 {
		return fmt.Errorf("mixnode: MaxHeldBytes %d is negative", c.MaxHeldBytes)
	}
	if c.MaxHeldBytes == 0 {
		c.MaxHeldBytes = DefaultMaxHeldBytes
	}
	if c.NextHops < NextHopsAuto || c.NextHops > NextHopsPrivate {
		return fmt.Errorf("mixnode: unknown NextHops %v", c.NextHops)
	}
	if c.Backoff == (wire.Backoff{}) {
		c.Backoff = wire.DefaultBackoff
	}
	if c.Backoff.Initial <= 0 || c.Backoff.Max < 0 {
		// A zero Initial would redial a dead next hop in a busy loop.
		return fmt.Errorf("mixnode: Backoff %+v: Initial must be positive and Max not negative", c.Backoff)
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
	// Clock times delays, backoff, idle forwarders and stale packets; nil
	// means clock.Real(). Connection deadlines and connect timeouts are
	// not measured on it but on the Dialer's and Listener's own clock
	// (wire.ConnClock): the wall clock for TCP, the network's clock for
	// wiretest.
	Clock clock.Clock
	// Logger gets lifecycle and error reports; nil means discard.
	Logger *slog.Logger
	// Final receives packets for which this node is the final hop (a
	// gateway uses this). nil means such packets are dropped and counted
	// as final_hop (a mix node is never a final hop). It is called from
	// the unwrap workers, so it must not block for long, and the Payload
	// slice is valid only during the call.
	Final func(u *sphinx.Unwrapped)
	// AllowNextHop, if set, must also accept a next hop that
	// Config.NextHops allows, or packets to it are dropped as
	// bad_next_hop. Node wiring can pass a check against the topology's
	// next layer. It is called once per new next hop (under a lock), so
	// it must be fast.
	AllowNextHop func(netip.AddrPort) bool
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
