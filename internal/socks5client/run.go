// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package socks5client

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/nym-go/nym/internal/address"
	"github.com/nym-go/nym/internal/atomicfile"
	"github.com/nym-go/nym/internal/client"
	"github.com/nym-go/nym/internal/clock"
	"github.com/nym-go/nym/internal/home"
	"github.com/nym-go/nym/internal/nativeclient"
	"github.com/nym-go/nym/internal/streams"
	"github.com/nym-go/nym/internal/taskgroup"
)

// ShutdownTimeout bounds how long Run takes to stop once its context ends.
const ShutdownTimeout = 5 * time.Second

// InitOptions are the arguments of Init.
type InitOptions struct {
	// Home is the $NYM_HOME root; empty means home.Root().
	Home string
	// ID names the client.
	ID string
	// Provider is the exit gateway's network requester address. Required.
	Provider string
	// Gateway, GatewayURL and Directory are as in nativeclient.InitOptions
	// (an empty Gateway picks one at random).
	Gateway, GatewayURL, Directory string
	// Port is the SOCKS port on 127.0.0.1; 0 picks a free port at each run
	// (the command's flag defaults to DefaultPort).
	Port int
	// Traffic sets the [traffic] section; zero fields take the defaults.
	Traffic nativeclient.TrafficConfig
	// Socks5 sets the [socks5] section's tuning; Provider above wins.
	Socks5 Socks5Config
	// Force re-initialises an existing id (keys are kept).
	Force bool
	// Rand is the randomness for keys; nil means crypto/rand.
	Rand io.Reader
	// Stdout receives the address and a summary.
	Stdout io.Writer
	// Logger receives the gateway's messages; nil discards them.
	Logger *slog.Logger
}

func socksDir(root, id string) (home.Dir, error) {
	if root == "" {
		r, err := home.Root()
		if err != nil {
			return "", err
		}
		root = r
	}
	return home.For(root, home.Socks5Client, id)
}

// Init creates a SOCKS5 client under $NYM_HOME/socks5-clients/<id>/: keys,
// registration with a gateway and config/config.toml (nativeclient.Init
// does the first two), and prints its address.
func Init(ctx context.Context, opts InitOptions) (*Config, address.Address, error) {
	var zero address.Address
	sc := opts.Socks5
	sc.Provider = opts.Provider
	if err := sc.Validate(); err != nil {
		return nil, zero, fmt.Errorf("init: %w", err)
	}
	dir, err := socksDir(opts.Home, opts.ID)
	if err != nil {
		return nil, zero, err
	}
	ncfg, addr, err := nativeclient.Init(ctx, nativeclient.InitOptions{
		Home: opts.Home, ID: opts.ID, Dir: dir,
		Gateway: opts.Gateway, GatewayURL: opts.GatewayURL, Directory: opts.Directory,
		APIPort: opts.Port, Traffic: opts.Traffic, Force: opts.Force,
		Rand: opts.Rand, Logger: opts.Logger,
	})
	if err != nil {
		return nil, zero, err
	}
	cfg := &Config{Client: *ncfg, Socks5: sc}
	text, err := cfg.Encode()
	if err != nil {
		return nil, zero, err
	}
	if err := writeFile(dir.Config(), text); err != nil {
		return nil, zero, fmt.Errorf("init: %w", err)
	}
	w := opts.Stdout
	if w == nil {
		w = io.Discard
	}
	fmt.Fprintf(w, "Initialised SOCKS5 client %q in %s\n", cfg.Client.ID, dir)
	fmt.Fprintf(w, "gateway:  %s\nprovider: %s\nSOCKS5:   %s\n", cfg.Client.Gateway.Identity, sc.Provider, cfg.Client.API.Listen)
	fmt.Fprintf(w, "Start it with: nym-socks5-client run --id %s\n", cfg.Client.ID)
	fmt.Fprintf(w, "address: %s\n", addr)
	return cfg, addr, nil
}

// writeFile writes the config (mode 0600) with atomicfile.
func writeFile(path string, data []byte) error {
	return atomicfile.Write(path, data, 0o600)
}

// RunOptions are the arguments of Run and CheckConfig.
type RunOptions struct {
	// Home is the $NYM_HOME root; empty means home.Root().
	Home string
	// ID names the client.
	ID string
	// Port, if not 0, overrides the port of api.listen.
	Port int
	// Metrics, if set, overrides api.metrics_listen: the host:port where
	// Prometheus metrics are served at /metrics.
	Metrics string
	// Stdout receives the banner.
	Stdout io.Writer
	// Logger is the client's logger; nil discards logs.
	Logger *slog.Logger
	// Clock is the client's clock; nil means clock.Real().
	Clock clock.Clock
	// Ready, if set, is called once the SOCKS listener is open.
	Ready func(Addrs)
}

// Addrs are what a running SOCKS5 client tells its users.
type Addrs struct {
	// SOCKS is the bound address of the SOCKS5 listener.
	SOCKS net.Addr
	// Address is the client's own mixnet address (text form).
	Address string
	// Provider is the exit's address.
	Provider string
	// Metrics is the bound address of the /metrics listener, or nil.
	Metrics net.Addr
}

// CheckConfig loads the config strictly and the keys, and reports problems.
func CheckConfig(opts RunOptions) error {
	dir, err := socksDir(opts.Home, opts.ID)
	if err != nil {
		return err
	}
	if _, _, err := Load(dir.Config(), true); err != nil {
		return err
	}
	if _, err := nativeclient.LoadKeys(dir); err != nil {
		return fmt.Errorf("client %q: %w", opts.ID, err)
	}
	return nil
}

// Run runs the SOCKS5 client until ctx ends: the client core (with its
// topology watcher) and the SOCKS5 proxy over one stream session to the
// provider. It stops within ShutdownTimeout and returns nil, or the first
// error that stopped a part.
func Run(ctx context.Context, opts RunOptions) error {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Port < 0 || opts.Port > 65535 {
		return fmt.Errorf("--port %d is outside 0..65535", opts.Port)
	}
	dir, err := socksDir(opts.Home, opts.ID)
	if err != nil {
		return err
	}
	cfg, unknown, err := Load(dir.Config(), false)
	if err != nil {
		return err
	}
	log := opts.Logger.With("socks5-client", cfg.Client.ID)
	nativeclient.WarnUnknownKeys(log, unknown)
	provider, err := address.Parse(cfg.Socks5.Provider)
	if err != nil {
		return err
	}
	listen := nativeclient.ListenWithPort(cfg.Client.API.Listen, opts.Port)
	core, err := nativeclient.NewCore(ctx, nativeclient.CoreOptions{
		Dir: dir, Config: &cfg.Client, Clock: opts.Clock, Logger: log,
		Adjust: func(c *client.Config) { c.ReplyKeyLimit = cfg.Socks5.ReplyKeyLimit },
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("SOCKS5 listener: %w", err)
	}
	proxy, err := NewProxy(ProxyConfig{
		Provider:         provider,
		OpenTimeout:      cfg.Socks5.OpenTimeout,
		HandshakeTimeout: cfg.Socks5.HandshakeTimeout,
		MaxConns:         cfg.Socks5.MaxConnections,
		Session: streams.Config{
			MaxMessage:   min(cfg.Client.Traffic.MaxMessage, streams.DefaultClientMaxMessage),
			IdleTimeout:  cfg.Socks5.IdleTimeout,
			ExitTimeout:  cfg.Socks5.ExitTimeout,
			MaxStreams:   cfg.Socks5.MaxStreams,
			SURBsPerOpen: cfg.Socks5.SURBsPerOpen,
			// SURB-only messages at the core's real-traffic rate, so
			// they never queue far ahead of the streams' data.
			SURBInterval: cfg.Client.Traffic.RealMean,
			// Acks alone at most about every 5 ticks of that stream:
			// more would crowd out the SURBs (acks also ride on every
			// message that leaves).
			AckDelay: max(streams.DefaultAckDelay, 5*cfg.Client.Traffic.RealMean),
		},
	}, ProxyDeps{Backend: core.Client, Listener: ln, Clock: opts.Clock, Rand: rand.Reader, Logger: log})
	if err != nil {
		ln.Close()
		return err
	}
	addrs := Addrs{SOCKS: ln.Addr(), Address: core.Client.Address().String(), Provider: cfg.Socks5.Provider}
	mln, err := nativeclient.ListenMetrics(cfg.Client.API.MetricsListen, opts.Metrics)
	if err != nil {
		ln.Close()
		return err
	}
	if mln != nil {
		addrs.Metrics = mln.Addr()
	}
	if opts.Stdout != nil {
		fmt.Fprintf(opts.Stdout, "nym-socks5-client %q\n  SOCKS5:    %s\n  address:   %s\n  provider:  %s\n  gateway:   %s\n  directory: %s\n",
			cfg.Client.ID, addrs.SOCKS, addrs.Address, addrs.Provider, cfg.Client.Gateway.Identity, cfg.Client.Directory.URL)
		if mln != nil {
			fmt.Fprintf(opts.Stdout, "  metrics:   http://%s/metrics\n", mln.Addr())
		}
	}
	if opts.Ready != nil {
		opts.Ready(addrs)
	}

	// The parts run as one task group: the first to fail (or to return
	// while the others run) stops them all.
	g := taskgroup.New(ctx)
	g.Go("client", core.Run)
	g.Go("socks5", proxy.Run)
	if mln != nil {
		g.Go("metrics", func(ctx context.Context) error { return serveMetrics(ctx, mln, proxy, log) })
	}
	log.Info("nym-socks5-client running", "socks5", addrs.SOCKS.String(), "address", addrs.Address, "provider", addrs.Provider)
	first := g.Wait(ShutdownTimeout)
	log.Info("nym-socks5-client stopped", "error", first)
	return first
}
