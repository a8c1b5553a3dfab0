// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package client

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"sync"
	"time"

	"github.com/nym-go/nym/internal/ack"
	"github.com/nym-go/nym/internal/clock"
	"github.com/nym-go/nym/internal/cover"
	"github.com/nym-go/nym/internal/fragment"
	"github.com/nym-go/nym/internal/gateway/gwclient"
	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/topology"
)

// Defaults for the zero fields of Config.
const (
	DefaultMaxTries          = 10
	DefaultReassemblyTimeout = 5 * time.Minute
	DefaultBackoffMin        = 100 * time.Millisecond
	DefaultBackoffMax        = 30 * time.Second
	DefaultSendTimeout       = 5 * time.Second
	DefaultReceiveQueue      = 64
	DefaultReceiveBuffer     = 64 << 20
	DefaultReplySURBs        = 1000 // the default ReplyKeyLimit
	DefaultReplyKeyTTL       = 24 * time.Hour
	DefaultStateSaveInterval = 5 * time.Second
)

// Config tunes a Client. Zero fields take the defaults.
type Config struct {
	// Gateway is the Ed25519 identity of the client's gateway; it must be
	// listed (signed) in the topology. Required.
	Gateway ed25519.PublicKey
	// GatewayURL is where to connect; empty means the gateway's ClientURL in
	// the topology. Only the default dialer uses it.
	GatewayURL string
	// Cover sets the Poisson streams' mean gaps (cover.Config).
	Cover cover.Config
	// HopDelay is the mean per-hop mixing delay: 0 means the default
	// 50 ms; a negative value means no delay (every hop forwards at once).
	HopDelay time.Duration
	// MaxMessage bounds a message (default 16 MiB).
	MaxMessage int
	// MaxTries is how many times a fragment is sent before its message fails
	// (default 10).
	MaxTries int
	// AckMargin is added to the expected round trip of each fragment
	// (default ack.Config's 1.5 s).
	AckMargin time.Duration
	// AckBackoff and AckMaxWait are the retransmission backoff
	// (ack.Config.Backoff, default 1.5, 1 = none; MaxWait, default 30 s).
	AckBackoff float64
	AckMaxWait time.Duration
	// ReassemblyTimeout is how long an incomplete incoming message is kept
	// (default 5 minutes).
	ReassemblyTimeout time.Duration
	// BackoffMin and BackoffMax bound the reconnection backoff (defaults
	// 100 ms and 30 s): the wait doubles per failed dial (wire.Backoff) and
	// each wait is drawn from [half, all] of it, so a gateway's clients do
	// not reconnect in lockstep after it restarts.
	BackoffMin, BackoffMax time.Duration
	// SendTimeout bounds handing one packet to the gateway (default 5 s).
	SendTimeout time.Duration
	// ReceiveQueue is the capacity of the Receive and Failures channels
	// (default 64).
	ReceiveQueue int
	// ReceiveBuffer bounds the bytes of received messages held for the
	// application beyond the Receive channel (default 64 MiB). Past it the
	// client leaves further messages unacknowledged at its gateway, which
	// keeps them and delivers them again; acknowledgements of the client's
	// own packets keep being handled. Messages held here are acknowledged
	// to the gateway already: a crash of the client loses them.
	ReceiveBuffer int
	// ReplyKeyLimit bounds the reply keys kept for SURBs handed out
	// (default 1000). When SURBs sent would exceed it, the keys closest to
	// expiry are evicted (ReplyKeyStats.Evicted), and replies through
	// their SURBs are dropped (ReplyKeyStats.Unopened); SendWithSURBs fails
	// only when asked for more SURBs than the limit.
	ReplyKeyLimit int
	// ReplyKeyTTL is how long the keys of a SURB handed out are kept, on
	// Deps.Clock (default 24 h, as Nym); a reply through an older SURB is
	// dropped.
	ReplyKeyTTL time.Duration
	// StateSaveInterval is how often changed reply keys are saved to
	// Deps.State (default 5 s); they are also saved before a message
	// carrying new SURBs leaves, and when Run ends.
	StateSaveInterval time.Duration
}

// StateStore keeps what a client needs across restarts besides its keys.
type StateStore interface {
	// LoadReplyKeys returns what SaveReplyKeys last saved, or nil, nil if
	// nothing.
	LoadReplyKeys() ([]byte, error)
	// SaveReplyKeys durably replaces the saved reply keys.
	SaveReplyKeys(data []byte) error
}

// Conn is a connection to the gateway; *gwclient.Client implements it.
type Conn interface {
	Send(ctx context.Context, firstHop sphinx.NodeAddress, size sphinx.SizeType, pkt []byte) error
	Receive(ctx context.Context) (gwclient.Delivery, error)
	Ack(ctx context.Context, ids ...uint64) error
	Close() error
}

// Deps are what a Client needs.
type Deps struct {
	// Identity is the client's Ed25519 identity key. Required.
	Identity ed25519.PrivateKey
	// Encryption is the client's X25519 end-to-end private key. Required.
	Encryption [32]byte
	// AckKey seals the client's acks. Required (not all zero).
	AckKey [ack.KeySize]byte
	// Topology returns the current topology, or nil when there is none yet;
	// (*topology.Watcher).Current fits. Required.
	Topology func() *topology.Topology
	// Dial connects to the gateway. nil dials Config.GatewayURL (or the
	// topology's URL) with gwclient.Dial and GatewayKeys.
	Dial func(ctx context.Context) (Conn, error)
	// GatewayKeys keeps the key shared with the gateway for the default
	// dialer; nil means a fresh gwclient.MemKeys.
	GatewayKeys gwclient.KeyStore
	// Clock times everything; nil means clock.Real().
	Clock clock.Clock
	// Rand draws timings, routes and message ids; nil means a generator
	// seeded from crypto/rand.
	Rand *mrand.Rand
	// CryptoRand supplies keys and nonces; nil means crypto/rand. The
	// client reads it from several goroutines; a reader other than
	// crypto/rand's is serialised by the client, so a seeded test
	// generator need not be safe for concurrent use.
	CryptoRand io.Reader
	// Logger receives the client's logs; nil discards them.
	Logger *slog.Logger
	// State, if set, keeps the reply keys (e2e.ReplyStore) across
	// restarts: New loads them, Run saves them before the first fragment
	// of a message carrying new SURBs leaves (one save covers every
	// message queued by then), when they changed every
	// Config.StateSaveInterval, and when it ends. nil keeps them in memory
	// only.
	State StateStore
	// TopologyFailed, if set, is called (and must not block) when no route
	// can be built or the gateway is not in the topology, so the caller can
	// refresh the topology early; (*topology.Watcher).Kick fits. Rate
	// limiting is the callee's business.
	TopologyFailed func()
}

func (c *Config) fill() error {
	if len(c.Gateway) != ed25519.PublicKeySize {
		return errors.New("client: Config.Gateway must be an Ed25519 public key")
	}
	// A negative HopDelay stays: cover.Delays draws 0 for a mean <= 0.
	if c.HopDelay == 0 {
		c.HopDelay = cover.DefaultHopDelay
	}
	if c.MaxMessage <= 0 {
		c.MaxMessage = fragment.DefaultMaxMessage
	}
	if c.MaxTries <= 0 {
		c.MaxTries = DefaultMaxTries
	}
	if c.ReassemblyTimeout <= 0 {
		c.ReassemblyTimeout = DefaultReassemblyTimeout
	}
	if c.BackoffMin <= 0 {
		c.BackoffMin = DefaultBackoffMin
	}
	if c.BackoffMax < c.BackoffMin {
		c.BackoffMax = max(DefaultBackoffMax, c.BackoffMin)
	}
	if c.SendTimeout <= 0 {
		c.SendTimeout = DefaultSendTimeout
	}
	if c.ReceiveQueue <= 0 {
		c.ReceiveQueue = DefaultReceiveQueue
	}
	if c.ReceiveBuffer <= 0 {
		c.ReceiveBuffer = DefaultReceiveBuffer
	}
	if c.ReplyKeyLimit <= 0 {
		c.ReplyKeyLimit = DefaultReplySURBs
	}
	if c.ReplyKeyTTL <= 0 {
		c.ReplyKeyTTL = DefaultReplyKeyTTL
	}
	if c.StateSaveInterval <= 0 {
		c.StateSaveInterval = DefaultStateSaveInterval
	}
	return nil
}

func (d *Deps) fill() error {
	if len(d.Identity) != ed25519.PrivateKeySize {
		return errors.New("client: Deps.Identity must be an Ed25519 private key")
	}
	if d.Encryption == ([32]byte{}) || d.AckKey == ([ack.KeySize]byte{}) {
		return errors.New("client: Deps.Encryption and Deps.AckKey are required")
	}
	if d.Topology == nil {
		return errors.New("client: Deps.Topology is required")
	}
	if d.Clock == nil {
		d.Clock = clock.Real()
	}
	if d.CryptoRand == nil {
		d.CryptoRand = rand.Reader
	} else if d.CryptoRand != rand.Reader {
		d.CryptoRand = &lockedReader{r: d.CryptoRand}
	}
	if d.Rand == nil {
		var seed [32]byte
		if _, err := io.ReadFull(rand.Reader, seed[:]); err != nil {
			return fmt.Errorf("client: seeding: %w", err)
		}
		d.Rand = mrand.New(mrand.NewChaCha8(seed))
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.GatewayKeys == nil {
		d.GatewayKeys = &gwclient.MemKeys{}
	}
	return nil
}

// lockedReader serialises reads from a reader that may not be safe for
// concurrent use.
type lockedReader struct {
	mu sync.Mutex
	r  io.Reader
}

func (l *lockedReader) Read(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Read(p)
}
