// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package gateway

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/coder/websocket"

	"github.com/nym-go/nym/internal/base58"
	"github.com/nym-go/nym/internal/clock"
	"github.com/nym-go/nym/internal/gateway/gwproto"
	"github.com/nym-go/nym/internal/storage"
)

// Gateway serves clients and delivers final-hop packets. Create it with
// New; serve Handler over HTTP and call Run for its lifetime.
type Gateway struct {
	cfg   Config
	deps  Deps
	clk   clock.Clock
	log   *slog.Logger
	idPub [32]byte
	idB58 string

	reg    registry
	known  sync.Map     // storage.ClientID → struct{}: clients with a stored key (cache)
	knownN atomic.Int64 // entries in known; at knownCache it is cleared
	regs   rateLimiter  // registrations per remote IP
	ctr    counters
	ids    idAlloc
	order  [orderLocks]sync.Mutex

	handshakes chan struct{} // a slot per handshake in progress (Config.MaxHandshakes)
	perIP      connCounter   // connections open per remote IP (Config.MaxConnsPerIP)

	ctx      context.Context // Run's; sessions stop with it
	cancel   context.CancelFunc
	mu       sync.Mutex // guards stopping, so that sessions.Add never races with Wait at zero
	stopping bool
	sessions sync.WaitGroup // connection handlers, plus close handshakes started by a tracked handler
}

// New returns a gateway; it serves nothing until Handler is mounted.
func New(cfg Config, deps Deps) (*Gateway, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if err := deps.validate(); err != nil {
		return nil, err
	}
	g := &Gateway{cfg: cfg, deps: deps, clk: deps.Clock, log: deps.Logger.With("component", "gateway")}
	copy(g.idPub[:], deps.Identity.Public().(ed25519.PublicKey))
	g.idB58 = base58.Encode(g.idPub[:])
	g.reg.init()
	g.handshakes = make(chan struct{}, cfg.MaxHandshakes)
	g.perIP = connCounter{max: cfg.MaxConnsPerIP, exemptLocal: !cfg.RateLimitLoopback}
	g.regs = rateLimiter{clk: deps.Clock, perMin: float64(cfg.RegisterRate), burst: float64(cfg.RegisterBurst),
		exemptLocal: !cfg.RateLimitLoopback}
	// Message ids continue above every id handed out before (ids.go).
	marks, _ := deps.Inbox.(storage.Marks)
	if err := g.ids.init(marks, deps.Clock.Now()); err != nil {
		return nil, fmt.Errorf("gateway: message id ceiling: %w", err)
	}
	g.ctx, g.cancel = context.WithCancel(context.Background())
	return g, nil
}

// Run waits for ctx to end, then closes every session (their unacknowledged
// messages go to the inbox) and returns once they have stopped. It returns
// nil.
func (g *Gateway) Run(ctx context.Context) error {
	g.log.Info("gateway running", "identity", g.idB58)
	select {
	case <-ctx.Done():
	case <-g.ctx.Done():
	}
	g.Shutdown()
	return nil
}

// Shutdown closes every session and waits for them; new connections are
// refused. It is idempotent.
func (g *Gateway) Shutdown() {
	g.mu.Lock()
	g.stopping = true
	g.mu.Unlock()
	g.cancel()
	for _, s := range g.reg.all() {
		s.kill(gwproto.CloseShutdown, "gateway shutting down")
	}
	g.sessions.Wait()
}

// Handler returns the websocket handler clients connect to.
func (g *Gateway) Handler() http.Handler { return http.HandlerFunc(g.serveWS) }

// track counts a connection handler in g.sessions, unless Shutdown has
// begun; the caller must call g.sessions.Done when it returns true.
func (g *Gateway) track() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.stopping {
		return false
	}
	g.sessions.Add(1)
	return true
}

// serveWS runs one client connection. Handshakes in progress are bounded
// (Config.MaxHandshakes, each within HandshakeTimeout); the limit on live
// sessions (Config.MaxClients) applies only after authentication, and a
// connection that replaces its client's own session is always admitted, so
// a stale connection never locks its client out.
func (g *Gateway) serveWS(w http.ResponseWriter, r *http.Request) {
	if !g.track() {
		http.Error(w, "gateway shutting down", http.StatusServiceUnavailable)
		return
	}
	defer g.sessions.Done()
	ip := remoteIP(r)
	if !g.perIP.take(ip) {
		g.ctr.refusedPerIP.Add(1)
		http.Error(w, "too many connections from your address", http.StatusServiceUnavailable)
		return
	}
	defer g.perIP.release(ip)
	select {
	case g.handshakes <- struct{}{}:
	default:
		g.ctr.refusedHandshakes.Add(1)
		http.Error(w, "too many handshakes in progress", http.StatusServiceUnavailable)
		return
	}
	release := sync.OnceFunc(func() { <-g.handshakes })
	defer release()
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		g.ctr.badHandshakes.Add(1)
		return // Accept has written the HTTP error
	}
	conn.SetReadLimit(gwproto.MaxReadLimit)
	s, err := g.handshake(conn, ip)
	release()
	if err != nil {
		g.ctr.badHandshakes.Add(1)
		g.log.Debug("handshake failed", "remote", r.RemoteAddr, "error", err)
		return
	}
	s.run()
}

// registry maps clients to their live session and counts their inbox
// writes in flight.
type registry struct {
	mu       sync.Mutex
	sessions map[storage.ClientID]*session
	puts     map[storage.ClientID]int
}

func (r *registry) init() {
	r.sessions = map[storage.ClientID]*session{}
	r.puts = map[storage.ClientID]int{}
}

// add makes s its client's live session and returns the one it replaces.
// It refuses (ok false) when max sessions are live and none of them is
// s's client's.
func (r *registry) add(s *session, max int) (old *session, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	old = r.sessions[s.client]
	if old == nil && len(r.sessions) >= max {
		return nil, false
	}
	r.sessions[s.client] = s
	return old, true
}

func (r *registry) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.sessions)
}

func (r *registry) all() []*session {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]*session, 0, len(r.sessions))
	for _, s := range r.sessions {
		out = append(out, s)
	}
	return out
}
