// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package nodehttp is a nym-node's HTTP API: health, roles, signed host
// information, traffic statistics and Prometheus metrics. The routes and
// JSON shapes are documented in docs/protocol/node-http.md.
//
// The server reads the node's counters through StatsSource, a narrow copy of
// what the mix node pipeline reports, so it can be tested (and reused by
// gateways) without a pipeline.
package nodehttp

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/nym-go/nym/internal/clock"
	"github.com/nym-go/nym/internal/wire"
)

// Routes served, besides PathMetrics.
const (
	PathHealth          = "/api/v1/health"
	PathRoles           = "/api/v1/roles"
	PathHostInformation = "/api/v1/host-information"
	PathStats           = "/api/v1/stats"
	PathMetrics         = "/metrics"
)

// Defaults for the zero fields of Config.
const (
	DefaultStatsInterval = 30 * time.Second
	DefaultMaxNextHops   = 100
)

// Roles is the body of /api/v1/roles, with Nym's snake_case keys.
type Roles struct {
	MixnodeEnabled          bool `json:"mixnode_enabled"`
	GatewayEnabled          bool `json:"gateway_enabled"`
	NetworkRequesterEnabled bool `json:"network_requester_enabled"`
}

// Config describes the node to the API.
type Config struct {
	// Roles says what the node does.
	Roles Roles
	// HostInformation is served signed by the identity key.
	HostInformation HostInformation
	// StatsInterval is the length of the "last interval" window of
	// /api/v1/stats: a snapshot of the counters is taken this often.
	StatsInterval time.Duration
	// MaxNextHops caps the next_hop label values of /metrics; packets to
	// further next hops are counted under next_hop="other".
	MaxNextHops int
}

// Deps are the server's collaborators.
type Deps struct {
	// Identity signs the host information. Required.
	Identity ed25519.PrivateKey
	// Stats is read on each stats request and scrape; nil serves zeros.
	Stats StatsSource
	// Clock gives uptime and times snapshots; nil means clock.Real().
	Clock clock.Clock
	// Logger receives serving errors; nil discards them.
	Logger *slog.Logger
	// Gateway, if set, is served at PathGateway and on /metrics (gateway
	// modes).
	Gateway GatewaySource
}

// Server serves the API. Its Handler may be used before and after Run; Run
// only advances the stats window.
type Server struct {
	cfg     Config
	deps    Deps
	started time.Time
	host    []byte // the signed host-information response
	mux     map[string]http.Handler

	mu   sync.Mutex // guards prev and last
	prev snapshot   // the snapshot before last
	last snapshot   // the latest snapshot
}

// New returns a server for cfg. The host information is signed here, once.
func New(cfg Config, deps Deps) (*Server, error) {
	if len(deps.Identity) != ed25519.PrivateKeySize {
		return nil, errors.New("nodehttp: no identity key")
	}
	if cfg.StatsInterval < 0 || cfg.MaxNextHops < 0 {
		return nil, errors.New("nodehttp: negative StatsInterval or MaxNextHops")
	}
	if cfg.StatsInterval == 0 {
		cfg.StatsInterval = DefaultStatsInterval
	}
	if cfg.MaxNextHops == 0 {
		cfg.MaxNextHops = DefaultMaxNextHops
	}
	if deps.Stats == nil {
		deps.Stats = zeroStats{}
	}
	if deps.Clock == nil {
		deps.Clock = clock.Real()
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	host, err := SignHostInformation(cfg.HostInformation, deps.Identity)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, deps: deps, started: deps.Clock.Now(), host: host}
	s.last = s.take()
	s.prev = s.last
	s.mux = map[string]http.Handler{
		PathHealth:          http.HandlerFunc(s.health),
		PathRoles:           http.HandlerFunc(s.roles),
		PathHostInformation: http.HandlerFunc(s.hostInformation),
		PathStats:           http.HandlerFunc(s.stats),
		PathMetrics:         s.metricsHandler(),
	}
	if deps.Gateway != nil {
		s.mux[PathGateway] = http.HandlerFunc(s.gateway)
	}
	return s, nil
}

// Handler returns the API's handler.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.route) }

// Run takes a stats snapshot every StatsInterval until ctx is done, then
// returns nil.
func (s *Server) Run(ctx context.Context) error {
	t := s.deps.Clock.NewTimer(s.cfg.StatsInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C():
		}
		snap := s.take()
		s.mu.Lock()
		s.prev, s.last = s.last, snap
		s.mu.Unlock()
		t.Reset(s.cfg.StatsInterval)
	}
}

// Serve serves h on ln until ctx is done, then shuts the server down,
// giving open requests up to grace to finish. It returns nil after a
// shutdown caused by ctx. It is ServeWith with the default options and
// Grace set.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, grace time.Duration) error {
	return ServeWith(ctx, ln, h, ServeOptions{Grace: grace})
}

// Defaults of ServeOptions.
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultIdleTimeout       = time.Minute
	DefaultMaxHeaderBytes    = 16 << 10
	DefaultMaxConnsPerIP     = 256
	DefaultGrace             = 5 * time.Second
)

// ServeOptions bound what one client can hold of a server. Zero fields
// select the defaults.
type ServeOptions struct {
	// ReadHeaderTimeout closes a connection whose request headers have not
	// all arrived this long after it opened or its previous request ended
	// (slowloris); default 10 s.
	ReadHeaderTimeout time.Duration
	// IdleTimeout closes a keep-alive connection with no request for this
	// long; default 1 min.
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds a request's headers (431 beyond); default
	// 16 KiB.
	MaxHeaderBytes int
	// MaxConnsPerIP bounds the connections open at once from one remote
	// IP (wire.LimitListener: closed as soon as accepted, counted in
	// ServeOptions.Refused); default 256, negative means no limit.
	// Loopback peers are exempt unless LimitLoopback is set.
	MaxConnsPerIP int
	LimitLoopback bool
	// Grace is how long open requests get to finish at shutdown;
	// default 5 s.
	Grace time.Duration
	// Refused, if set, is called once with a function that reports how
	// many connections the per-IP limit has refused, for metrics.
	Refused func(count func() uint64)
}

func (o *ServeOptions) defaults() {
	if o.ReadHeaderTimeout <= 0 {
		o.ReadHeaderTimeout = DefaultReadHeaderTimeout
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.MaxHeaderBytes <= 0 {
		o.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if o.MaxConnsPerIP == 0 {
		o.MaxConnsPerIP = DefaultMaxConnsPerIP
	}
	if o.Grace <= 0 {
		o.Grace = DefaultGrace
	}
}

// ServeWith serves h on ln with opts until ctx is done, then shuts the
// server down, giving open requests up to opts.Grace to finish. It
// returns nil after a shutdown caused by ctx. It closes ln.
func ServeWith(ctx context.Context, ln net.Listener, h http.Handler, opts ServeOptions) error {
	opts.defaults()
	if opts.MaxConnsPerIP > 0 {
		lim := wire.NewLimitListener(ln, wire.LimitConfig{MaxPerIP: opts.MaxConnsPerIP, LimitLoopback: opts.LimitLoopback})
		ln = lim
		if opts.Refused != nil {
			opts.Refused(lim.Refused)
		}
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: opts.ReadHeaderTimeout, IdleTimeout: opts.IdleTimeout,
		MaxHeaderBytes: opts.MaxHeaderBytes}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("nodehttp: serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), opts.Grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("nodehttp: serve: %w", err)
	}
	return nil
}

func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	h, ok := s.mux[r.URL.Path]
	if !ok {
		writeError(w, http.StatusNotFound, "no route "+r.URL.Path+"; routes: "+strings.Join(s.paths(), ", "))
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed on "+r.URL.Path+"; use GET")
		return
	}
	h.ServeHTTP(w, r)
}

func (s *Server) paths() []string {
	ps := make([]string, 0, len(s.mux))
	for p := range s.mux {
		ps = append(ps, p)
	}
	sort.Strings(ps)
	return ps
}

// Health is the body of /api/v1/health.
type Health struct {
	// Status is always "up".
	Status string `json:"status"`
	// Uptime is the time since the server was created, in whole seconds.
	Uptime int64 `json:"uptime"`
}

func (s *Server) health(w http.ResponseWriter, _ *http.Request) {
	up := s.deps.Clock.Now().Sub(s.started)
	writeJSON(w, Health{Status: "up", Uptime: int64(up / time.Second)})
}

func (s *Server) roles(w http.ResponseWriter, _ *http.Request) { writeJSON(w, s.cfg.Roles) }

func (s *Server) hostInformation(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(s.host)
}

// ErrorBody is the body of every error response.
type ErrorBody struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(ErrorBody{Error: msg})
}

func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "encode response: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(append(b, '\n'))
}
