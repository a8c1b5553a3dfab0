// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package gateway

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/nym-go/nym/internal/clock"
	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/storage"
)

// Defaults for Config's zero fields.
const (
	// DefaultPushQueue is how many live messages wait for a session's
	// writer; beyond that they go to the inbox.
	DefaultPushQueue = 256
	// DefaultMaxPending is how many pushed messages may await an ack per
	// session; beyond that new messages go to the inbox.
	DefaultMaxPending = 4096
	// DefaultAckTimeout is how long a pushed message waits for its ack
	// before it is moved to the inbox.
	DefaultAckTimeout = 5 * time.Second
	// DefaultFetchBatch is how many stored messages are fetched (and in
	// flight unacknowledged) at once per session.
	DefaultFetchBatch = 100
	// DefaultHandshakeTimeout bounds registration and authentication.
	DefaultHandshakeTimeout = 10 * time.Second
	// DefaultWriteTimeout bounds one websocket write.
	DefaultWriteTimeout = 10 * time.Second
	// DefaultMaxClients bounds the connected (authenticated) clients.
	DefaultMaxClients = 10000
	// DefaultMaxHandshakes bounds the handshakes in progress.
	DefaultMaxHandshakes = 1000
	// DefaultMaxConnsPerIP bounds the websocket connections (handshakes
	// and sessions) open at once from one remote IP.
	DefaultMaxConnsPerIP = 256
	// DefaultMaxRegistered bounds the stored client keys.
	DefaultMaxRegistered = 100_000
	// DefaultRegisterRate is the registrations allowed per minute per
	// remote IP, after a burst of DefaultRegisterBurst.
	DefaultRegisterRate  = 10
	DefaultRegisterBurst = 20
	// DefaultInboxTotalBytes bounds the inbox over all clients (10 GiB).
	DefaultInboxTotalBytes = 10 << 30
	// DefaultReplyQuota is how many stored messages a client may have for
	// a reply-flagged message (one that does not open as a forward
	// packet, possibly garbage) to still be stored: 10% of the inbox's
	// default per-client message limit.
	DefaultReplyQuota = 1000
	// DefaultClientKeyRetention is how long a client's key is kept after
	// its last use (registration or authentication): 90 days.
	DefaultClientKeyRetention = 90 * 24 * time.Hour
	// knownCache bounds the registered-client cache.
	knownCache = 1 << 16
)

// Config tunes a Gateway; zero fields select the defaults.
type Config struct {
	PushQueue        int
	MaxPending       int
	AckTimeout       time.Duration
	FetchBatch       int
	HandshakeTimeout time.Duration
	WriteTimeout     time.Duration
	// MaxClients bounds live sessions; it is checked after
	// authentication, and a client replacing its own session is always
	// admitted.
	MaxClients int
	// MaxHandshakes bounds connections not yet authenticated; beyond it
	// new connections get HTTP 503.
	MaxHandshakes int
	// MaxConnsPerIP bounds the connections (in handshake or live) open at
	// once from one remote IP; beyond it new connections get HTTP 503
	// before the websocket upgrade (counted too_many_per_ip). Loopback
	// addresses are exempt unless RateLimitLoopback is set.
	MaxConnsPerIP int
	// MaxRegistered bounds the stored client keys; registering a new
	// identity beyond it is refused with gateway_full (counted).
	MaxRegistered int
	// RegisterRate and RegisterBurst limit registrations per remote IP
	// (token bucket, per minute); beyond them a registration is refused
	// with rate_limited (counted). Loopback addresses are exempt unless
	// RateLimitLoopback is set (which also applies MaxConnsPerIP to them).
	RegisterRate      int
	RegisterBurst     int
	RateLimitLoopback bool
	// InboxTotalBytes bounds the inbox over all clients; beyond it new
	// messages are refused (dropped "inbox_full", no SURB-ack, so their
	// senders retry). Negative means unlimited.
	InboxTotalBytes int64
	// ReplyQuota: a reply-flagged message is refused (dropped
	// "reply_quota") when its recipient already has this many stored
	// messages, so undecodable packets cannot take the whole per-client
	// quota from real mail. Negative means no sub-quota.
	ReplyQuota int
	// ClientKeyRetention: a client whose key was last used (registered
	// or authenticated) longer ago is forgotten, key and stored mail, by
	// ExpireClients. 0 means DefaultClientKeyRetention; negative means
	// never. It needs a Deps.Keys that implements storage.KeyExpirer.
	ClientKeyRetention time.Duration
}

func (c *Config) validate() error {
	for _, f := range []struct {
		name string
		v    *int
		def  int
	}{
		{"PushQueue", &c.PushQueue, DefaultPushQueue}, {"MaxPending", &c.MaxPending, DefaultMaxPending},
		{"FetchBatch", &c.FetchBatch, DefaultFetchBatch}, {"MaxClients", &c.MaxClients, DefaultMaxClients},
		{"MaxHandshakes", &c.MaxHandshakes, DefaultMaxHandshakes},
		{"MaxConnsPerIP", &c.MaxConnsPerIP, DefaultMaxConnsPerIP},
		{"MaxRegistered", &c.MaxRegistered, DefaultMaxRegistered},
		{"RegisterRate", &c.RegisterRate, DefaultRegisterRate}, {"RegisterBurst", &c.RegisterBurst, DefaultRegisterBurst},
	} {
		if *f.v < 0 {
			return fmt.Errorf("gateway: %s %d is negative", f.name, *f.v)
		}
		if *f.v == 0 {
			*f.v = f.def
		}
	}
	if c.InboxTotalBytes == 0 {
		c.InboxTotalBytes = DefaultInboxTotalBytes
	}
	if c.ReplyQuota == 0 {
		c.ReplyQuota = DefaultReplyQuota
	}
	if c.ClientKeyRetention == 0 {
		c.ClientKeyRetention = DefaultClientKeyRetention
	}
	for _, f := range []struct {
		name string
		v    *time.Duration
		def  time.Duration
	}{
		{"AckTimeout", &c.AckTimeout, DefaultAckTimeout}, {"HandshakeTimeout", &c.HandshakeTimeout, DefaultHandshakeTimeout},
		{"WriteTimeout", &c.WriteTimeout, DefaultWriteTimeout},
	} {
		if *f.v < 0 {
			return fmt.Errorf("gateway: %s %v is negative", f.name, *f.v)
		}
		if *f.v == 0 {
			*f.v = f.def
		}
	}
	return nil
}

// ForwardFunc sends a Sphinx packet to a next hop without blocking
// ((*mixnode.Node).Send).
type ForwardFunc func(addr sphinx.NodeAddress, size sphinx.SizeType, pkt []byte) error

// Deps are the gateway's collaborators.
type Deps struct {
	// Identity is the gateway's Ed25519 key. Required.
	Identity ed25519.PrivateKey
	// Inbox keeps messages for offline clients. Required.
	Inbox storage.Inbox
	// Keys keeps registered clients' shared keys. Required.
	Keys storage.KeyStore
	// Forward sends client packets and SURB-acks into the mixnet.
	// Required.
	Forward ForwardFunc
	// Clock times acks; nil means clock.Real().
	Clock clock.Clock
	// Rand supplies nonces and ephemeral keys; nil means crypto/rand.
	Rand io.Reader
	// Logger gets lifecycle and error reports; nil discards them.
	Logger *slog.Logger
}

func (d *Deps) validate() error {
	switch {
	case len(d.Identity) != ed25519.PrivateKeySize:
		return errors.New("gateway: Deps.Identity is not an Ed25519 key")
	case d.Inbox == nil || d.Keys == nil:
		return errors.New("gateway: Deps.Inbox or Deps.Keys is nil")
	case d.Forward == nil:
		return errors.New("gateway: Deps.Forward is nil")
	}
	if d.Clock == nil {
		d.Clock = clock.Real()
	}
	if d.Rand == nil {
		d.Rand = rand.Reader
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}
