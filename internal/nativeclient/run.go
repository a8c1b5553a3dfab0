// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package nativeclient

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/nym-go/nym/internal/clientapi"
	"github.com/nym-go/nym/internal/clock"
	"github.com/nym-go/nym/internal/taskgroup"
)

// ShutdownTimeout bounds how long Run takes to stop once its context ends.
const ShutdownTimeout = 5 * time.Second

// RunOptions are the arguments of Run and CheckConfig.
type RunOptions struct {
	// Home is the $NYM_HOME root; empty means home.Root().
	Home string
	// ID names the client.
	ID string
	// Port, if not 0, overrides the port of api.listen.
	Port int
	// Metrics, if set, overrides api.metrics_listen: the host:port where
	// /metrics is served.
	Metrics string
	// Stdout receives the banner: the address and the API's URL.
	Stdout io.Writer
	// Logger is the client's logger; nil discards logs.
	Logger *slog.Logger
	// Clock is the client's clock; nil means clock.Real().
	Clock clock.Clock
	// Ready, if set, is called once the API listens.
	Ready func(Addrs)
}

// Addrs are what a running client tells its users.
type Addrs struct {
	// API is the bound address of the local websocket API.
	API net.Addr
	// Address is the client's mixnet address (text form).
	Address string
	// Metrics is the bound address of the /metrics listener, or nil when
	// metrics are off.
	Metrics net.Addr
}

// URL returns the websocket URL of the local API.
func (a Addrs) URL() string { return "ws://" + a.API.String() }

// CheckConfig loads the client's config strictly (unknown keys are
// errors) and its keys, and reports the problems.
func CheckConfig(opts RunOptions) error {
	dir, err := clientDir(opts.Home, opts.ID)
	if err != nil {
		return err
	}
	if _, _, err := Load(dir.Config(), true); err != nil {
		return err
	}
	if _, err := LoadKeys(dir); err != nil {
		return fmt.Errorf("client %q: %w", opts.ID, err)
	}
	return nil
}

// Run runs the client until ctx ends: the topology watcher (with its cache),
// the client core connected to its gateway (registering again if the shared
// key is gone), and the local API. Then it stops everything within
// ShutdownTimeout and returns nil, or the first error that stopped a part.
func Run(ctx context.Context, opts RunOptions) error {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Clock == nil {
		opts.Clock = clock.Real()
	}
	if opts.Port < 0 || opts.Port > 65535 {
		return fmt.Errorf("--port %d is outside 0..65535", opts.Port)
	}
	if opts.Metrics != "" {
		if err := checkHostPort(opts.Metrics); err != nil {
			return fmt.Errorf("--metrics: %w", err)
		}
	}
	dir, err := clientDir(opts.Home, opts.ID)
	if err != nil {
		return err
	}
	cfg, unknown, err := Load(dir.Config(), false)
	if err != nil {
		return err
	}
	log := opts.Logger.With("client", cfg.ID)
	WarnUnknownKeys(log, unknown)
	listen := ListenWithPort(cfg.API.Listen, opts.Port)

	c, err := NewCore(ctx, CoreOptions{Dir: dir, Config: cfg, Clock: opts.Clock, Logger: log})
	if err != nil {
		return err
	}
	core := c.Client
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("local API listener: %w", err)
	}
	api, err := clientapi.New(clientapi.Config{MaxMessage: cfg.Traffic.MaxMessage},
		clientapi.Deps{Backend: core, Listener: ln, Logger: log.With("component", "api")})
	if err != nil {
		ln.Close()
		return err
	}
	addrs := Addrs{API: ln.Addr(), Address: core.Address().String()}
	mln, err := ListenMetrics(cfg.API.MetricsListen, opts.Metrics)
	if err != nil {
		ln.Close()
		return err
	}
	if mln != nil {
		addrs.Metrics = mln.Addr()
	}
	fmt.Fprintf(out(opts.Stdout), "nym-client %q\n  address:   %s\n  local API: %s\n  gateway:   %s\n  directory: %s\n",
		cfg.ID, addrs.Address, addrs.URL(), cfg.Gateway.Identity, cfg.Directory.URL)
	if mln != nil {
		fmt.Fprintf(out(opts.Stdout), "  metrics:   http://%s/metrics\n", mln.Addr())
	}
	if opts.Ready != nil {
		opts.Ready(addrs)
	}

	g := newGroup(ctx)
	c.start(g)
	g.Go("api", api.Run)
	if mln != nil {
		g.Go("metrics", func(ctx context.Context) error { return serveMetrics(ctx, mln, api, core, log) })
	}
	log.Info("nym-client running", "address", addrs.Address, "api", addrs.URL())
	err = g.Wait(ShutdownTimeout)
	log.Info("nym-client stopped", "error", err)
	return err
}

// WarnUnknownKeys logs a warning naming the config's unknown keys, if any:
// Run ignores them, and --check-config reports them as errors.
func WarnUnknownKeys(log *slog.Logger, unknown []string) {
	if len(unknown) > 0 {
		log.Warn("config has unknown keys; they are ignored (run with --check-config to see them as errors)",
			"keys", strings.Join(unknown, ", "))
	}
}

// ListenWithPort returns the host:port listen (already validated) with its
// port replaced by port, or listen itself when port is 0.
func ListenWithPort(listen string, port int) string {
	if port == 0 {
		return listen
	}
	host, _, _ := net.SplitHostPort(listen)
	return net.JoinHostPort(host, strconv.Itoa(port))
}

// ListenMetrics opens the TCP listener /metrics is served on: at override
// when it is set, else at configured (the config's api.metrics_listen). It
// returns nil and no error when both are empty: metrics are off.
func ListenMetrics(configured, override string) (net.Listener, error) {
	addr := configured
	if override != "" {
		addr = override
	}
	if addr == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics listener: %w", err)
	}
	return ln, nil
}

// group is the task group Run and its parts start their tasks in (the
// parts' start methods take a *group).
type group = taskgroup.Group

// newGroup returns a task group under parent.
func newGroup(parent context.Context) *group { return taskgroup.New(parent) }

// coreStats is what the metrics read from the client core.
type coreStats interface {
	Pending() int
	Deferred() uint64
}

// serveMetrics serves Prometheus metrics at /metrics on ln until ctx ends:
// the local API's counters, the client core's and the Go runtime's and
// process's.
func serveMetrics(ctx context.Context, ln net.Listener, api *clientapi.Server, core coreStats, log *slog.Logger) error {
	return ServeMetrics(ctx, ln, log, api.Collector(),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "nym_client_pending_messages",
			Help: "Messages sent and not yet acknowledged (nor failed)."}, func() float64 { return float64(core.Pending()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "nym_client_deferred_deliveries_total",
			Help: "Deliveries left unacknowledged at the gateway because the receive queue was full."}, func() float64 { return float64(core.Deferred()) }))
}

// ServeMetrics serves Prometheus metrics at /metrics on ln until ctx ends:
// cs and the Go runtime's and process's collectors. It returns nil once ctx
// ends, or the error that stopped the server. The SOCKS5 client uses it too.
func ServeMetrics(ctx context.Context, ln net.Listener, log *slog.Logger, cs ...prometheus.Collector) error {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reg.MustRegister(cs...)
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("metrics listening", "url", "http://"+ln.Addr().String()+"/metrics")
	select {
	case <-ctx.Done():
		srv.Close()
		<-served
		return nil
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	}
}
