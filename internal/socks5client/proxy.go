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
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nym-go/nym/internal/address"
	"github.com/nym-go/nym/internal/client"
	"github.com/nym-go/nym/internal/clock"
	"github.com/nym-go/nym/internal/e2e"
	"github.com/nym-go/nym/internal/fragment"
	"github.com/nym-go/nym/internal/socks5"
	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/streams"
)

// Backend is what the proxy needs of the client core; *client.Client
// implements it.
type Backend interface {
	SendWithSURBs(ctx context.Context, to address.Address, msg []byte, n int) (client.MessageID, error)
	Receive() <-chan client.Received
}

// FailureSource is what the proxy uses, if its Backend has it, to learn that
// a message to the provider failed after all its tries (its gateway is
// unreachable); *client.Client implements it.
type FailureSource interface {
	Failures() <-chan client.Failure
}

var _ FailureSource = (*client.Client)(nil)

// maxSentRecords bounds the message ids the proxy remembers as sent to the
// provider (about 40 bytes each); a failure of an older message is ignored.
const maxSentRecords = 1 << 14

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
	// (default 10 s); a client that sends nothing is disconnected after it.
	HandshakeTimeout time.Duration
	// MaxConns bounds the SOCKS connections served at once (handshaking or
	// relaying); a connection over it is closed at once (reset) and
	// counted in ProxyStats.OverLimit (default 256).
	MaxConns int
}

// ProxyDeps are what a Proxy needs.
type ProxyDeps struct {
	// Backend sends to the provider and delivers its replies. Required.
	Backend Backend
	// Listener accepts SOCKS clients. Required; the proxy closes it.
	Listener net.Listener
	// Clock times the stream session; nil means clock.Real(). It must be
	// the Backend's clock: a failure's client.Failure.SentAt is compared
	// with the time the session last heard from the exit.
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
	// OverLimit counts SOCKS connections closed at once because MaxConns
	// were being served.
	OverLimit uint64
	// HandshakeTimeouts counts SOCKS connections closed because the
	// greeting and request did not arrive within HandshakeTimeout.
	HandshakeTimeouts uint64
	// MessageFailures counts messages to the provider that the client core
	// gave up on (FailureSource); each fails the session's streams unless
	// the exit was heard from since it was sent.
	MessageFailures uint64
	Session         streams.Stats
}

// Proxy serves SOCKS5 clients over one stream session to the provider.
type Proxy struct {
	cfg     ProxyConfig
	deps    ProxyDeps
	log     *slog.Logger
	session *streams.Session

	conns, refused, failed, foreign atomic.Uint64
	overLimit, handshakeTimeouts    atomic.Uint64
	msgFailures                     atomic.Uint64

	sentMu sync.Mutex
	sent   sentSet // ids of the latest messages sent to the provider
}

// sentSet is a set of at most maxSentRecords message ids that forgets the
// oldest when full: a map for lookups and a ring of the ids in insertion
// order for eviction.
type sentSet struct {
	ids  map[client.MessageID]struct{}
	ring []client.MessageID
	head int // oldest entry of ring once it is full
}

// recordSent remembers that message id went to the provider.
func (p *Proxy) recordSent(id client.MessageID) {
	p.sentMu.Lock()
	defer p.sentMu.Unlock()
	s := &p.sent
	if s.ids == nil {
		s.ids = make(map[client.MessageID]struct{})
	}
	if _, ok := s.ids[id]; ok {
		return
	}
	if len(s.ring) < maxSentRecords {
		s.ring = append(s.ring, id)
	} else {
		delete(s.ids, s.ring[s.head])
		s.ring[s.head] = id
		s.head = (s.head + 1) % len(s.ring)
	}
	s.ids[id] = struct{}{}
}

// sentToProvider reports whether message id is one of the latest sent to the
// provider. Its ring slot stays until overwritten; a failure is reported
// once, so the id is not looked up again.
func (p *Proxy) sentToProvider(id client.MessageID) bool {
	p.sentMu.Lock()
	defer p.sentMu.Unlock()
	_, ok := p.sent.ids[id]
	delete(p.sent.ids, id)
	return ok
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
	if deps.Clock == nil {
		deps.Clock = clock.Real()
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
			id, err := deps.Backend.SendWithSURBs(ctx, provider, msg, surbs)
			if errors.Is(err, e2e.ErrStoreFull) && surbs > 0 {
				// The frames matter more than the SURBs: send them alone
				// (the exit asks again; keys free up as replies arrive).
				p.log.Warn("reply key store full: message sent without SURBs", "surbs", surbs)
				id, err = deps.Backend.SendWithSURBs(ctx, provider, msg, 0)
			}
			if err == nil {
				p.recordSent(id)
			}
			return err
		},
		SURBsFit: SURBsFit,
		Clock:    deps.Clock,
		Logger:   deps.Logger,
	})
	if err != nil {
		return nil, err
	}
	p.session = s
	return p, nil
}

// fragmentRoom is the message bytes one packet of the client core carries:
// a Regular packet's fragment minus the fragment header.
var fragmentRoom = e2e.FragmentCapacity(sphinx.Regular) - fragment.HeaderSize

// SURBsFit returns how many reply SURBs a message of msgLen bytes can carry
// so that the message and its SURBs still travel in one packet of the
// client core (streams.Deps.SURBsFit): 3 for a short message.
func SURBsFit(msgLen int) int {
	n := 0
	for n < client.MaxSURBsPerMessage && msgLen+e2e.BodyOverhead(n+1) <= fragmentRoom {
		n++
	}
	return n
}

// Addr returns the SOCKS listener's address.
func (p *Proxy) Addr() net.Addr { return p.deps.Listener.Addr() }

// Stats returns the proxy's counters.
func (p *Proxy) Stats() ProxyStats {
	return ProxyStats{
		Connections: p.conns.Load(), Refused: p.refused.Load(), Failed: p.failed.Load(),
		Foreign: p.foreign.Load(), OverLimit: p.overLimit.Load(), HandshakeTimeouts: p.handshakeTimeouts.Load(),
		MessageFailures: p.msgFailures.Load(), Session: p.session.Stats(),
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

	if fs, ok := p.deps.Backend.(FailureSource); ok {
		wg.Go(func() { p.watchFailures(ctx, fs.Failures()) })
	}

	// sem holds a token per connection served; when it is full a new
	// connection is reset at once rather than left waiting, so a flood of
	// silent clients (each bounded by HandshakeTimeout) cannot make
	// everyone else's connections hang.
	sem := make(chan struct{}, p.cfg.MaxConns)
	var err error
	for {
		c, aerr := p.deps.Listener.Accept()
		if aerr != nil {
			if ctx.Err() == nil {
				err = fmt.Errorf("socks5client: accept: %w", aerr)
			}
			break
		}
		select {
		case sem <- struct{}{}:
		default:
			if p.overLimit.Add(1) == 1 {
				p.log.Warn("SOCKS connection refused: too many connections (further refusals are only counted)", "max_connections", p.cfg.MaxConns)
			}
			resetConn(c)
			continue
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

// watchFailures fails the session's streams when a message to the provider
// failed after all its tries (unless the exit answered since).
func (p *Proxy) watchFailures(ctx context.Context, fc <-chan client.Failure) {
	for {
		select {
		case <-ctx.Done():
			return
		case f, ok := <-fc:
			if !ok {
				return
			}
			p.msgFailures.Add(1)
			if !p.sentToProvider(f.ID) {
				p.log.Debug("a message failed that this session did not send recently", "message", f.ID, "error", f.Err)
				continue
			}
			n := p.session.FailExit(f.SentAt, f.Err)
			p.log.Debug("a message to the provider failed", "message", f.ID, "error", f.Err, "streams_failed", n)
		}
	}
}

// resetConn closes c with a TCP reset (SO_LINGER 0) where it can: the SOCKS
// client sees "connection reset", not a clean end of the data.
func resetConn(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	c.Close()
}

func (p *Proxy) serve(ctx context.Context, c net.Conn) {
	dial := func(ctx context.Context, target string) (socks5.Conn, error) {
		st, err := p.dial(ctx, target)
		if err != nil {
			return nil, err
		}
		return &abortingConn{Conn: st, local: c}, nil
	}
	err := socks5.Serve(ctx, c, dial, p.cfg.HandshakeTimeout, p.cfg.OpenTimeout)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		p.handshakeTimeouts.Add(1)
	}
	if err != nil && ctx.Err() == nil {
		p.log.Info("socks connection failed", "client", c.RemoteAddr().String(), "error", err)
	}
}

// abortingConn is a stream relayed to the local connection: when the stream
// fails (reset, idle, exit unreachable), the local connection is set to end
// with a TCP reset, so that the failure is not mistaken for the end of the
// data. socks5.Relay closes both.
type abortingConn struct {
	socks5.Conn
	local net.Conn
}

func (a *abortingConn) failed(err error) {
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
		if tc, ok := a.local.(*net.TCPConn); ok {
			tc.SetLinger(0)
		}
	}
}

func (a *abortingConn) Read(b []byte) (int, error) {
	n, err := a.Conn.Read(b)
	a.failed(err)
	return n, err
}

func (a *abortingConn) Write(b []byte) (int, error) {
	n, err := a.Conn.Write(b)
	a.failed(err)
	return n, err
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
	case errors.Is(err, streams.ErrExitUnreachable):
		p.failed.Add(1)
		return nil, &socks5.Error{Code: socks5.ReplyHostUnreachable, Err: err}
	default:
		p.failed.Add(1)
		return nil, &socks5.Error{Code: socks5.ReplyGeneralFailure, Err: err}
	}
}
