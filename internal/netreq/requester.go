// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package netreq

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/nym-go/nym/internal/client"
	"github.com/nym-go/nym/internal/clock"
	"github.com/nym-go/nym/internal/relay"
	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/streams"
)

// Defaults for the zero fields of Config.
const (
	DefaultMaxSessions          = 1000
	DefaultMaxStreamsPerSession = 256
	DefaultMaxSURBsPerSession   = 2000
	DefaultSessionIdle          = 10 * time.Minute
	DefaultDialTimeout          = 10 * time.Second
	DefaultMaxDials             = 64
	DefaultReloadInterval       = 5 * time.Second
	DefaultMaxUnknown           = 10000
)

// Config tunes a Requester. Zero fields take the defaults.
type Config struct {
	// AllowList is the allow-list file (one rule per line, see
	// ParseAllowList). Empty or missing means nothing is allowed, unless
	// OpenProxy.
	AllowList string
	// OpenProxy turns the allow list off: every host is allowed, but not
	// the local ranges (loopback, private, link-local, unspecified,
	// multicast addresses; see docs/protocol/exit.md) unless AllowPrivate.
	OpenProxy bool
	// AllowPrivate turns the local-range guard off: a target (an IP
	// literal, or the addresses an allowed domain resolves to) may be a
	// loopback, private or link-local address of the exit's networks.
	// Without it such an address is refused unless an IP or CIDR rule
	// inside its range admits it ("127.0.0.0/8", "10.1.2.3").
	AllowPrivate bool
	// MaxSessions bounds the client sessions; a message that would open
	// one more is dropped (Stats.SessionsRefused).
	MaxSessions int
	// MaxStreamsPerSession bounds the open streams of a session
	// (streams.Config.MaxStreams).
	MaxStreamsPerSession int
	// MaxSURBsPerSession bounds the reply SURBs stored for a session; more
	// are dropped (Stats.SURBsDropped).
	MaxSURBsPerSession int
	// SessionIdle ends a session (its streams, and its SURBs with it) that
	// received no message for this long.
	SessionIdle time.Duration
	// DialTimeout bounds one TCP connect; MaxDials bounds the connects in
	// progress (a stream waits for a slot, up to DialTimeout).
	DialTimeout time.Duration
	MaxDials    int
	// ReloadInterval is how often the allow list's modification time is
	// checked; a changed file is reloaded.
	ReloadInterval time.Duration
	// MaxUnknown bounds the distinct hosts appended to unknown.list.
	MaxUnknown int
	// Streams is the template for each session's streams.Config; Role,
	// SessionID, MaxMessage and MaxStreams are set by the Requester.
	Streams streams.Config
}

func (c *Config) fill() error {
	if c.MaxSessions < 0 || c.MaxStreamsPerSession < 0 || c.MaxSURBsPerSession < 0 || c.SessionIdle < 0 ||
		c.DialTimeout < 0 || c.MaxDials < 0 || c.ReloadInterval < 0 || c.MaxUnknown < 0 {
		return errors.New("netreq: negative value in Config")
	}
	if c.MaxSessions == 0 {
		c.MaxSessions = DefaultMaxSessions
	}
	if c.MaxStreamsPerSession == 0 {
		c.MaxStreamsPerSession = DefaultMaxStreamsPerSession
	}
	if c.MaxSURBsPerSession == 0 {
		c.MaxSURBsPerSession = DefaultMaxSURBsPerSession
	}
	if c.SessionIdle == 0 {
		c.SessionIdle = DefaultSessionIdle
	}
	if c.DialTimeout == 0 {
		c.DialTimeout = DefaultDialTimeout
	}
	if c.MaxDials == 0 {
		c.MaxDials = DefaultMaxDials
	}
	if c.ReloadInterval == 0 {
		c.ReloadInterval = DefaultReloadInterval
	}
	if c.MaxUnknown == 0 {
		c.MaxUnknown = DefaultMaxUnknown
	}
	return nil
}

// Mixnet is the requester's own mixnet client; *client.Client implements
// it (the caller runs it).
type Mixnet interface {
	Receive() <-chan client.Received
	Reply(ctx context.Context, surb *sphinx.SURB, msg []byte) error
}

// Deps are what a Requester needs.
type Deps struct {
	// Client is the requester's mixnet client. Required.
	Client Mixnet
	// Dial connects to a target; nil means a net.Dialer. Its address is
	// always "ip:port" with an IP that passed the checks (never a name).
	// It gets a context bounded by Config.DialTimeout.
	Dial func(ctx context.Context, network, address string) (net.Conn, error)
	// Resolver looks up the addresses of a domain target, within
	// Config.DialTimeout; nil means net.DefaultResolver.
	Resolver Resolver
	// Clock times sessions and reloads; nil means clock.Real().
	Clock clock.Clock
	// Logger receives the requester's logs; nil discards them.
	Logger *slog.Logger
}

// Resolver looks up a host's IP addresses; *net.Resolver implements it.
// Network is "ip".
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Requester is the network requester: the exit service that carries
// streams.Session streams from mixnet clients to TCP targets.
type Requester struct {
	cfg    Config
	deps   Deps
	filter *filter
	dials  chan struct{} // semaphore of MaxDials
	stats  counters

	mu       sync.Mutex
	sessions map[[16]byte]*session
	wg       sync.WaitGroup // session and stream goroutines
}

// session is one client's streams.Session and its SURB pool.
type session struct {
	s      *streams.Session
	cancel context.CancelFunc
	done   chan struct{}

	mu       sync.Mutex
	surbs    []*sphinx.SURB // FIFO
	lastSeen time.Time
}

// New checks cfg and deps and returns a Requester; Run starts it.
func New(cfg Config, deps Deps) (*Requester, error) {
	if err := cfg.fill(); err != nil {
		return nil, err
	}
	if deps.Client == nil {
		return nil, errors.New("netreq: Deps.Client is required")
	}
	if deps.Dial == nil {
		var d net.Dialer
		deps.Dial = d.DialContext
	}
	if deps.Resolver == nil {
		deps.Resolver = net.DefaultResolver
	}
	if deps.Clock == nil {
		deps.Clock = clock.Real()
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	deps.Logger = deps.Logger.With("component", "netreq")
	r := &Requester{cfg: cfg, deps: deps, dials: make(chan struct{}, cfg.MaxDials),
		sessions: make(map[[16]byte]*session)}
	r.filter = newFilter(cfg, deps.Logger)
	return r, nil
}

// Allows reports whether the current allow list admits host.
func (r *Requester) Allows(host string) bool { return r.filter.allows(host) }

// Run handles the client's messages until ctx ends, then ends every session
// and stream and returns ctx's error. It expires idle sessions and checks
// the allow list for changes every ReloadInterval.
func (r *Requester) Run(ctx context.Context) error {
	defer func() {
		r.mu.Lock()
		for id, s := range r.sessions {
			s.cancel()
			delete(r.sessions, id)
		}
		r.mu.Unlock()
		r.wg.Wait()
	}()
	t := r.deps.Clock.NewTimer(r.cfg.ReloadInterval)
	defer t.Stop()
	recv := r.deps.Client.Receive()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C():
			r.filter.reload()
			r.expire()
			t.Reset(r.cfg.ReloadInterval)
		case m, ok := <-recv:
			if !ok {
				return errors.New("netreq: client stopped")
			}
			r.handle(ctx, m)
		}
	}
}

// handle routes one message to its session, creating it if needed: only a
// message with at least one reply SURB and an Open frame starts a session.
func (r *Requester) handle(ctx context.Context, m client.Received) {
	if m.IsReply {
		r.stats.messagesDropped.Add(1)
		return
	}
	r.stats.messagesReceived.Add(1)
	id, err := streams.SessionIDOf(m.Message)
	if err != nil {
		r.stats.messagesDropped.Add(1)
		r.deps.Logger.Debug("netreq: not a stream message", "err", err)
		return
	}
	s := r.lookup(id)
	if s == nil && !opensSession(m) {
		r.stats.unknownSession.Add(1)
		r.stats.messagesDropped.Add(1)
		r.deps.Logger.Debug("netreq: message of an unknown session without an Open frame or a SURB dropped")
		return
	}
	if s == nil {
		s, err = r.session(ctx, id, m.ReplySURBs)
	}
	if err != nil {
		r.stats.messagesDropped.Add(1)
		r.deps.Logger.Debug("netreq: message dropped", "err", err)
		return
	}
	added := s.addSURBs(m.ReplySURBs, r.cfg.MaxSURBsPerSession, r.deps.Clock.Now())
	r.stats.surbsStored.Add(uint64(added))
	r.stats.surbsDropped.Add(uint64(len(m.ReplySURBs) - added))
	if added > 0 {
		s.s.AddCredits(added)
	}
	if err := s.s.Handle(m.Message); err != nil {
		r.stats.malformed.Add(1)
		r.deps.Logger.Debug("netreq: bad stream message", "err", err)
	}
}

// opensSession reports whether m may start a session: it carries a reply
// SURB (without one the exit could never answer) and an Open frame (the
// client's first message to an exit always opens a stream). It only walks
// the frame headers (docs/protocol/socks5.md: kind u8 ‖ stream u32 ‖ seq
// u64 ‖ len u32 ‖ body), without decoding: Session.Handle decodes and
// checks the message, once.
func opensSession(m client.Received) bool {
	if len(m.ReplySURBs) == 0 || len(m.Message) < streams.HeaderLen {
		return false
	}
	open := false
	for rest := m.Message[streams.HeaderLen:]; len(rest) > 0; {
		if len(rest) < streams.FrameHeaderLen {
			return false
		}
		n := binary.BigEndian.Uint32(rest[streams.FrameHeaderLen-4 : streams.FrameHeaderLen])
		if streams.Kind(rest[0]) == streams.KindOpen {
			open = true
		}
		rest = rest[streams.FrameHeaderLen:]
		if uint64(n) > uint64(len(rest)) {
			return false
		}
		rest = rest[n:]
	}
	return open
}

// lookup returns the live session id, or nil.
func (r *Requester) lookup(id [16]byte) *session {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sessions[id]
}

// session returns the session id, starting it if new.
func (r *Requester) session(ctx context.Context, id [16]byte, surbs []*sphinx.SURB) (*session, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if s, ok := r.sessions[id]; ok {
		return s, nil
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if len(r.sessions) >= r.cfg.MaxSessions {
		r.stats.sessionsRefused.Add(1)
		return nil, fmt.Errorf("netreq: %d sessions, the limit", len(r.sessions))
	}
	maxMsg := sphinx.Regular.PlaintextSize()
	if len(surbs) > 0 {
		maxMsg = client.ReplyCapacity(surbs[0])
	}
	s := &session{done: make(chan struct{}), lastSeen: r.deps.Clock.Now()}
	scfg := r.cfg.Streams
	scfg.Role, scfg.SessionID, scfg.MaxMessage, scfg.MaxStreams = streams.Exit, id, maxMsg, r.cfg.MaxStreamsPerSession
	// The pool never holds more than MaxSURBsPerSession, so never ask for
	// more (streams needs room for its reserve: a tiny cap keeps its default).
	reserve := scfg.Reserve
	if reserve == 0 {
		reserve = streams.DefaultReserve
	}
	if lim := r.cfg.MaxSURBsPerSession; lim >= 2*(reserve+1) {
		scfg.MaxCredits = lim
	}
	sctx, cancel := context.WithCancel(ctx)
	st, err := streams.New(scfg, streams.Deps{
		Send:   func(ctx context.Context, msg []byte, _ int) error { return r.send(ctx, s, msg) },
		Accept: func(st *streams.Stream, target string) { r.accept(sctx, st, target) },
		Clock:  r.deps.Clock,
		Logger: r.deps.Logger,
	})
	if err != nil {
		cancel()
		return nil, err
	}
	s.s, s.cancel = st, cancel
	r.sessions[id] = s
	r.stats.sessionsOpened.Add(1)
	r.wg.Go(func() {
		defer close(s.done)
		_ = st.Run(sctx)
	})
	return s, nil
}

// addSURBs stores up to max SURBs in all and returns how many it stored.
func (s *session) addSURBs(surbs []*sphinx.SURB, max int, now time.Time) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastSeen = now
	n := min(len(surbs), max-len(s.surbs))
	if n <= 0 {
		return 0
	}
	s.surbs = append(s.surbs, surbs[:n]...)
	return n
}

// send answers through the session's oldest SURB.
func (r *Requester) send(ctx context.Context, s *session, msg []byte) error {
	s.mu.Lock()
	if len(s.surbs) == 0 {
		s.mu.Unlock()
		r.stats.replyErrors.Add(1)
		return errors.New("netreq: no reply SURB left")
	}
	surb := s.surbs[0]
	s.surbs[0] = nil
	s.surbs = s.surbs[1:]
	s.mu.Unlock()
	if err := r.deps.Client.Reply(ctx, surb, msg); err != nil {
		r.stats.replyErrors.Add(1)
		return err
	}
	r.stats.repliesSent.Add(1)
	return nil
}

// expire ends the sessions that received nothing for SessionIdle; their
// SURBs go with them.
func (r *Requester) expire() {
	now := r.deps.Clock.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	for id, s := range r.sessions {
		s.mu.Lock()
		idle := now.Sub(s.lastSeen) >= r.cfg.SessionIdle
		s.mu.Unlock()
		if idle {
			s.cancel()
			delete(r.sessions, id)
			r.stats.sessionsExpired.Add(1)
			r.deps.Logger.Debug("netreq: idle session ended", "session", fmt.Sprintf("%x", id[:4]))
		}
	}
}

// Sessions returns the number of live sessions.
func (r *Requester) Sessions() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.sessions)
}

// accept checks target, connects and copies, on its own goroutine (Accept
// must not block).
func (r *Requester) accept(ctx context.Context, st *streams.Stream, target string) {
	r.wg.Go(func() { r.serve(ctx, st, target) })
}

func (r *Requester) serve(ctx context.Context, st *streams.Stream, target string) {
	host, port, err := splitTarget(target)
	if err != nil {
		r.refuse(st, target, reasonBadTarget, err)
		return
	}
	if !r.filter.allows(host) {
		r.filter.refused(host)
		r.refuse(st, target, reasonNotAllowed, nil)
		return
	}
	dctx, cancel := context.WithTimeout(ctx, r.cfg.DialTimeout)
	conn, err := r.dial(dctx, host, port)
	cancel()
	switch {
	case errors.Is(err, errLocal):
		r.stats.localRefused.Add(1)
		r.refuse(st, target, reasonLocal, err)
		return
	case err != nil:
		r.stats.dialFailures.Add(1)
		r.refuse(st, target, "connect failed: "+coarse(err), err)
		return
	}
	r.stats.streamsAccepted.Add(1)
	st.Accept()
	r.pipe(ctx, st, conn)
}

// Reasons sent to clients: coarse, so refusals do not help scan what the
// exit can reach; the details are logged.
const (
	reasonBadTarget  = "bad target"
	reasonNotAllowed = "host not allowed by the exit's allow list"
	reasonLocal      = "address not allowed: a local or private range of the exit"
)

// errLocal: every address of the target is in a local range the exit
// refuses.
var errLocal = errors.New("address in a local range")

// coarse names the kind of a connect error: timeout, connection refused or
// unreachable (everything else, name resolution included).
func coarse(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	default:
		return "unreachable"
	}
}

// minAttempt is the least time one address gets when a target has several
// (as net.Dialer does).
const minAttempt = 2 * time.Second

// dial resolves host (unless it is an IP literal), keeps the addresses the
// filter admits (allowsAddr) and connects to them in the resolver's order
// until one answers, holding one of MaxDials slots; each address gets an
// equal share of ctx's remaining time, at least minAttempt. Addresses are
// checked and dialled as IPs, so a name cannot resolve differently between
// the check and the connect.
func (r *Requester) dial(ctx context.Context, host, port string) (net.Conn, error) {
	select {
	case r.dials <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for a dial slot: %w", ctx.Err())
	}
	defer func() { <-r.dials }()
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return nil, err
	}
	var found []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		found = []netip.Addr{ip}
	} else if found, err = r.deps.Resolver.LookupNetIP(ctx, "ip", host); err != nil {
		return nil, fmt.Errorf("resolving %s: %w", host, err)
	}
	addrs := make([]netip.AddrPort, 0, len(found))
	for _, ip := range found {
		ip = ip.Unmap()
		if ip.IsValid() && ip.Zone() == "" && r.filter.allowsAddr(ip) {
			addrs = append(addrs, netip.AddrPortFrom(ip, uint16(p)))
		}
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("%w: %s is %v", errLocal, host, found)
	}
	var firstErr error
	for i, a := range addrs {
		actx, cancel := ctx, context.CancelFunc(func() {})
		if dl, ok := ctx.Deadline(); ok && i < len(addrs)-1 {
			share := time.Until(dl) / time.Duration(len(addrs)-i)
			actx, cancel = context.WithTimeout(ctx, max(share, minAttempt))
		}
		conn, err := r.deps.Dial(actx, "tcp", a.String())
		cancel()
		if err == nil {
			return conn, nil
		}
		if firstErr == nil {
			firstErr = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, firstErr
}

func (r *Requester) refuse(st *streams.Stream, target, reason string, detail error) {
	r.stats.streamsRefused.Add(1)
	r.deps.Logger.Info("netreq: stream refused", "target", target, "reason", reason, "err", detail)
	st.Refuse(reason)
}

// pipe copies both ways until both directions end or ctx does; each
// direction's end half-closes the other side (relay.Copy).
func (r *Requester) pipe(ctx context.Context, st *streams.Stream, conn net.Conn) {
	stop := context.AfterFunc(ctx, func() { st.Close(); conn.Close() })
	defer stop()
	relay.Copy(st, conn, &r.stats.bytesToTarget, &r.stats.bytesToClient)
	st.Close()
	conn.Close()
}
