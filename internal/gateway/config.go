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
	// DefaultMaxClients bounds the connected clients.
	DefaultMaxClients = 10000
)

// Config tunes a Gateway; zero fields select the defaults.
type Config struct {
	PushQueue        int
	MaxPending       int
	AckTimeout       time.Duration
	FetchBatch       int
	HandshakeTimeout time.Duration
	WriteTimeout     time.Duration
	MaxClients       int
}

func (c *Config) validate() error {
	for _, f := range []struct {
		name string
		v    *int
		def  int
	}{
		{"PushQueue", &c.PushQueue, DefaultPushQueue}, {"MaxPending", &c.MaxPending, DefaultMaxPending},
		{"FetchBatch", &c.FetchBatch, DefaultFetchBatch}, {"MaxClients", &c.MaxClients, DefaultMaxClients},
	} {
		if *f.v < 0 {
			return fmt.Errorf("gateway: %s %d is negative", f.name, *f.v)
		}
		if *f.v == 0 {
			*f.v = f.def
		}
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
