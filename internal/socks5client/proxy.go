// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package socks5client

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nym-go/nym/internal/address"
	"github.com/nym-go/nym/internal/client"
	"github.com/nym-go/nym/internal/clock"
	"github.com/nym-go/nym/internal/e2e"
	"github.com/nym-go/nym/internal/socks5"
	"github.com/nym-go/nym/internal/streams"
)

// Backend is what the proxy needs of the client core; *client.Client
// implements it.
type Backend interface {
	SendWithSURBs(ctx context.Context, to address.Address, msg []byte, n int) (client.MessageID, error)
	Receive() <-chan client.Received
}

// Defaults of ProxyConfig.
const (
	DefaultOpenTimeout      = 60 * time.Second
	DefaultHandshakeTimeout = 10 * time.Second
	DefaultMaxConns         = 256
)

// ProxyConfig tunes a Proxy.
type ProxyConfig struct {
	// Provider is the exit's (network requester's) address. Required.
	Provider address.Address
	// Session tunes the stream session; Role and SessionID are set by the
	// proxy (a fresh random id per run).
	Session streams.Config
	// OpenTimeout bounds the wait for the exit's answer to a CONNECT; when
	// it passes the SOCKS client gets "host unreachable" (default 60 s).
	OpenTimeout time.Duration
	// HandshakeTimeout bounds a SOCKS client's greeting and request
	// (default 10 s).
	HandshakeTimeout time.Duration
	// MaxConns bounds the SOCKS connections served at once; more wait in
	// the listener's backlog (default 256).
	MaxConns int
}

// ProxyDeps are what a Proxy needs.
type ProxyDeps struct {
	// Backend sends to the provider and delivers its replies. Required.
	Backend Backend
	// Listener accepts SOCKS clients. Required; the proxy closes it.
	Listener net.Listener
	// Clock times the stream session; nil means clock.Real().
	Clock clock.Clock
	// Rand supplies the session id; nil means crypto/rand.
	Rand io.Reader
	// Logger receives the proxy's logs; nil discards them.
	Logger *slog.Logger
}

// ProxyStats counts what a Proxy did.
type ProxyStats struct {
	Connections, Refused, Failed uint64
	// Foreign counts received messages that were not replies of this
	// session (sent directly to this client, or from an earlier run).
	Foreign uint64
	Session streams.Stats
}

// Proxy serves SOCKS5 clients over one stream session to the provider.
type Proxy struct {
	cfg     ProxyConfig
	deps    ProxyDeps
	log     *slog.Logger
	session *streams.Session

	conns, refused, failed, foreign atomic.Uint64
}

// NewProxy checks cfg and deps and returns a Proxy; Run serves.
func NewProxy(cfg ProxyConfig, deps ProxyDeps) (*Proxy, error) {
	if deps.Backend == nil || deps.Listener == nil {
		return nil, errors.New("socks5client: Backend and Listener are required")
	}
	if cfg.Provider == (address.Address{}) {
		return nil, errors.New("socks5client: Provider is required")
	}
	if cfg.OpenTimeout == 0 {
		cfg.OpenTimeout = DefaultOpenTimeout
	}
	if cfg.HandshakeTimeout == 0 {
		cfg.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if cfg.MaxConns == 0 {
		cfg.MaxConns = DefaultMaxConns
	}
	if cfg.OpenTimeout < 0 || cfg.HandshakeTimeout < 0 || cfg.MaxConns < 0 {
		return nil, errors.New("socks5client: negative timeout or limit")
	}
	if deps.Rand == nil {
		deps.Rand = rand.Reader
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	p := &Proxy{cfg: cfg, deps: deps, log: deps.Logger.With("component", "socks5")}
	sc := cfg.Session
	sc.Role = streams.Client
	if _, err := io.ReadFull(deps.Rand, sc.SessionID[:]); err != nil {
		return nil, fmt.Errorf("socks5client: session id: %w", err)
	}
	provider := cfg.Provider
	s, err := streams.New(sc, streams.Deps{
		Send: func(ctx context.Context, msg []byte, surbs int) error {
			_, err := deps.Backend.SendWithSURBs(ctx, provider, msg, surbs)
			if errors.Is(err, e2e.ErrStoreFull) && surbs > 0 {
				// The frames matter more than the SURBs: send them alone
				// (the exit asks again; keys free up as replies arrive).
				p.log.Warn("reply key store full: message sent without SURBs", "surbs", surbs)
				_, err = deps.Backend.SendWithSURBs(ctx, provider, msg, 0)
			}
			return err
		},
		Clock:  deps.Clock,
		Logger: deps.Logger,
	})
	if err != nil {
		return nil, err
	}
	p.session = s
	return p, nil
}

// Addr returns the SOCKS listener's address.
func (p *Proxy) Addr() net.Addr { return p.deps.Listener.Addr() }

// Stats returns the proxy's counters.
func (p *Proxy) Stats() ProxyStats {
	return ProxyStats{
		Connections: p.conns.Load(), Refused: p.refused.Load(), Failed: p.failed.Load(),
		Foreign: p.foreign.Load(), Session: p.session.Stats(),
	}
}

// Run serves SOCKS clients until ctx ends, then closes the listener and
// every stream and returns nil once every goroutine it started is done.
func (p *Proxy) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Go(func() { p.session.Run(ctx) })
	wg.Go(func() { p.receive(ctx) })
	stop := context.AfterFunc(ctx, func() { p.deps.Listener.Close() })
	defer stop()

	sem := make(chan struct{}, p.cfg.MaxConns)
	var err error
	for {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		c, aerr := p.deps.Listener.Accept()
		if aerr != nil {
			<-sem
			if ctx.Err() == nil {
				err = fmt.Errorf("socks5client: accept: %w", aerr)
			}
			break
		}
		p.conns.Add(1)
		wg.Go(func() {
			defer func() { <-sem }()
			p.serve(ctx, c)
		})
	}
	cancel()
	p.deps.Listener.Close()
	wg.Wait()
	return err
}

func (p *Proxy) receive(ctx context.Context) {
	rc := p.deps.Backend.Receive()
	for {
		select {
		case <-ctx.Done():
			return
		case m, ok := <-rc:
			if !ok {
				return
			}
			if !m.IsReply {
				p.foreign.Add(1)
				p.log.Debug("dropped a message that is not a reply from the provider", "bytes", len(m.Message))
				continue
			}
			if err := p.session.Handle(m.Message); err != nil {
				p.foreign.Add(1)
				p.log.Debug("dropped a reply", "error", err)
			}
		}
	}
}

func (p *Proxy) serve(ctx context.Context, c net.Conn) {
	err := socks5.Serve(ctx, c, p.dial, p.cfg.HandshakeTimeout, p.cfg.OpenTimeout)
	if err != nil && ctx.Err() == nil {
		p.log.Info("socks connection failed", "client", c.RemoteAddr().String(), "error", err)
	}
}

// dial opens a stream through the exit and maps its failures to SOCKS
// reply codes: a refusal to "not allowed by ruleset", no answer in time to
// "host unreachable".
func (p *Proxy) dial(ctx context.Context, target string) (socks5.Conn, error) {
	st, err := p.session.Open(ctx, target)
	var re *streams.RefusedError
	switch {
	case err == nil:
		return st, nil
	case errors.As(err, &re):
		p.refused.Add(1)
		p.log.Info("the exit refused a connection", "target", target, "reason", re.Reason)
		return nil, &socks5.Error{Code: socks5.ReplyNotAllowed, Err: err}
	case errors.Is(err, context.DeadlineExceeded):
		p.failed.Add(1)
		return nil, &socks5.Error{Code: socks5.ReplyHostUnreachable, Err: fmt.Errorf("no answer from the exit within %v", p.cfg.OpenTimeout)}
	default:
		p.failed.Add(1)
		return nil, &socks5.Error{Code: socks5.ReplyGeneralFailure, Err: err}
	}
}
