// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package directory is the network's directory server: nodes announce
// their presence to it, clients read the topology from it, mix nodes report
// traffic metrics to it and dashboards watch those live on /ws.
//
// It keeps the REST API of the v0.5.0 Nym directory (plus the v0.7.0
// gateway route), so nodes and clients written for it keep working, and adds
// signed presence bound to Ed25519 identities, strict validation, a cached
// topology with ETag and gzip, and Prometheus metrics. The API is specified
// in docs/protocol/directory.md; the JSON types are in package dirapi.
//
// The server is made of a store (presence records, bindings, expiry), a
// topology cache over it, a tumbling metrics window, a websocket hub, and
// the HTTP handlers that validate requests in front of them.
package directory

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nym-go/nym/internal/dashboard"
	"github.com/nym-go/nym/internal/dirapi"
	"github.com/nym-go/nym/internal/wire"
)

// Server is a directory server. Build it with New, then either serve its
// Handler yourself or call Run (or Serve) once.
type Server struct {
	cfg     Config
	now     func() time.Time
	log     *slog.Logger
	store   *store
	rel     *reliabilityStore
	state   *stateSaver // nil without Config.StateFile
	topo    *topoCache
	metrics *metricsWindow
	hub     *hub
	prom    *instruments
	handler http.Handler
	routes  []Route
	served  atomic.Bool

	refusedConns atomic.Pointer[wire.LimitListener] // Serve's listener, when limited
}

// RefusedConns is how many connections Serve closed at once because their
// remote IP had Config.MaxConnsPerIP open.
func (s *Server) RefusedConns() uint64 {
	if l := s.refusedConns.Load(); l != nil {
		return l.Refused()
	}
	return 0
}

// Route describes one route the server serves.
type Route struct {
	// Pattern is the net/http ServeMux pattern, e.g. "GET /api/healthcheck".
	Pattern string
	// Doc says what the route is for.
	Doc string
}

const wsRoute = "GET " + dirapi.PathWebsocket

// New builds a server from cfg (zero fields take their defaults) and deps.
func New(cfg Config, deps Deps) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	deps = deps.withDefaults()
	s := &Server{cfg: cfg, now: deps.Now, log: deps.Logger}
	s.store = newStore(cfg)
	s.rel = newReliabilityStore(cfg)
	if cfg.StateFile != "" {
		bs, err := readState(cfg.StateFile)
		if err != nil {
			return nil, err
		}
		s.store.restore(bs, s.now())
		s.state = &stateSaver{path: cfg.StateFile, store: s.store}
		// Write at once: drops expired bindings and shows now, not at the
		// first announcement, that the file can be written.
		if err := s.state.flush(); err != nil {
			return nil, err
		}
		s.log.Info("bindings restored", "file", cfg.StateFile, "bindings", len(s.store.bindings))
	}
	s.metrics = newMetricsWindow(cfg, s.now())
	s.prom = newInstruments(s)
	s.topo = &topoCache{store: s.store, rel: s.rel, maxAge: cfg.TopologyMaxAge, built: s.prom.topologyBuilds.Inc}
	s.hub = newHub(cfg.WSQueueLen, s.prom.wsDropped.Inc, s.log)

	mux := http.NewServeMux()
	add := func(pattern, doc string, h http.HandlerFunc) {
		mux.HandleFunc(pattern, routed(s.prom.route(pattern), h))
		s.routes = append(s.routes, Route{Pattern: pattern, Doc: doc})
	}
	add("GET "+dirapi.PathHealthcheck, `health check: {"ok":true}`, s.handleHealth)
	for k, info := range kinds {
		add("POST "+info.path, "announce a "+string(info.name)+" (201 {\"ok\":true})", s.handlePresence(kind(k)))
	}
	add("GET "+dirapi.PathTopology, "live nodes of every kind (ETag, gzip)", s.handleTopology)
	add("POST "+dirapi.PathMetricsMixes, "report mix traffic metrics", s.handleMetricsPOST)
	add("GET "+dirapi.PathMetricsMixes, "metrics of the previous full window", s.handleMetricsGET)
	add("POST "+dirapi.PathReliability, "a network monitor's signed run results (201)", s.handleReliabilityPOST)
	add("GET "+dirapi.PathReliability, "every node's reliability scores", s.handleReliabilityGET)
	add("GET "+dirapi.PathReliability+"/{pubKey}", "one node's reliability scores (404 if none)", s.handleReliabilityOne)
	add(wsRoute, "websocket: one JSON line per metric report", s.serveWS)
	add("GET /{$}", "dashboard: the network by layer, live packet rates from /ws", s.handleIndex)
	add("GET "+dashboard.Prefix+"{file}", "dashboard assets (script, stylesheet, icon)", s.handleIndex)
	add("GET "+dirapi.PathPrometheus, "Prometheus metrics", s.prom.handler().ServeHTTP)
	// The OpenAPI document and Swagger UI (package apidoc) answer every
	// method on their paths themselves (405 JSON for all but GET and HEAD).
	add(dirapi.PathOpenAPI, "OpenAPI 3 document (GET)", deps.APIDoc.ServeHTTP)
	add(strings.TrimSuffix(dirapi.PathSwagger, "/"), "redirects to /swagger/ (GET)", deps.APIDoc.ServeHTTP)
	add(dirapi.PathSwagger, "Swagger UI: interactive API documentation (GET)", deps.APIDoc.ServeHTTP)
	s.handler = &frontHandler{mux: mux, in: s.prom}
	return s, nil
}

// Handler returns the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Routes lists the routes the server serves, in registration order.
func (s *Server) Routes() []Route { return append([]Route(nil), s.routes...) }

// SaveState writes the bindings to Config.StateFile if they changed since
// it was last written. Serve does so every second and when it stops; call
// it yourself if you serve Handler without Serve. Without a state file it
// does nothing.
func (s *Server) SaveState() error {
	if s.state == nil {
		return nil
	}
	return s.state.flush()
}

// flushLoop calls SaveState every stateFlushInterval until stop is
// closed, then once more, and closes done.
func (s *Server) flushLoop(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(stateFlushInterval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-stop:
			if err := s.SaveState(); err != nil {
				s.log.Error("save bindings", "err", err)
			}
			return
		}
		if err := s.SaveState(); err != nil {
			s.log.Error("save bindings", "err", err)
		}
	}
}

// Run listens on Config.Listen and serves until ctx is cancelled; see Serve.
func (s *Server) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		return fmt.Errorf("directory: %w", err)
	}
	return s.Serve(ctx, ln)
}

// Serve serves on ln until ctx is cancelled, then shuts down gracefully:
// websocket subscribers get a going-away close, in-flight requests get up
// to Config.ShutdownTimeout. While it serves it writes changed bindings to
// Config.StateFile every second, and once more when it stops. It closes ln. A server serves at most once.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	if !s.served.CompareAndSwap(false, true) {
		ln.Close()
		return errors.New("directory: Serve called twice")
	}
	if s.cfg.MaxConnsPerIP > 0 {
		lim := wire.NewLimitListener(ln, wire.LimitConfig{MaxPerIP: s.cfg.MaxConnsPerIP, LimitLoopback: s.cfg.LimitLoopback})
		s.refusedConns.Store(lim)
		ln = lim
	}
	hs := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			return context.WithValue(ctx, rawConnKey{}, c)
		},
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	stopFlush, flushed := make(chan struct{}), make(chan struct{})
	go s.flushLoop(stopFlush, flushed)
	defer func() { close(stopFlush); <-flushed }()
	s.log.Info("serving", "addr", ln.Addr().String(), "allow_unsigned", s.cfg.AllowUnsigned)

	select {
	case err := <-errc:
		s.hub.shutdown()
		return fmt.Errorf("directory: serve: %w", err)
	case <-ctx.Done():
	}
	s.log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	s.hub.shutdown()
	err := hs.Shutdown(sctx)
	if err != nil {
		hs.Close()
		err = fmt.Errorf("directory: shutdown: %w", err)
	}
	<-errc // http.ErrServerClosed
	return err
}
