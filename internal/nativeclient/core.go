// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package nativeclient

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/nym-go/nym/internal/client"
	"github.com/nym-go/nym/internal/clock"
	"github.com/nym-go/nym/internal/dirclient"
	"github.com/nym-go/nym/internal/home"
	"github.com/nym-go/nym/internal/topology"
)

// CoreOptions are the arguments of NewCore.
type CoreOptions struct {
	// Dir holds the client's keys and data (as Init wrote them).
	Dir home.Dir
	// Config is the client's validated config.
	Config *Config
	// Clock is the client's clock; nil means clock.Real().
	Clock clock.Clock
	// Logger is the client's logger; nil discards logs.
	Logger *slog.Logger
	// Adjust, if set, may change the core's config before it is built
	// (nym-socks5-client raises ReplyKeyLimit).
	Adjust func(*client.Config)
}

// Core is a client core with its topology watcher (over the on-disk cache),
// built from a client's files. Run (of this package) uses it; so does
// nym-socks5-client (internal/socks5client).
type Core struct {
	// Client is the client core.
	Client  *client.Client
	watcher *topology.Watcher
}

// NewCore loads the keys in opts.Dir, fetches the topology once (or reads
// the cache) and builds the client core. Run it with (*Core).Run.
func NewCore(ctx context.Context, opts CoreOptions) (*Core, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Clock == nil {
		opts.Clock = clock.Real()
	}
	cfg, dir, log := opts.Config, opts.Dir, opts.Logger
	keys, err := LoadKeys(dir)
	if err != nil {
		return nil, fmt.Errorf("client %q: %w", cfg.ID, err)
	}
	gw, err := cfg.GatewayKey()
	if err != nil {
		return nil, err
	}
	dc, err := dirclient.New(cfg.Directory.URL, nil)
	if err != nil {
		return nil, err
	}
	var watcher *topology.Watcher
	cache := &topologyCache{
		path: dir.Data(TopologyCacheFile), fetch: dc.Topology,
		hasCurrent: func() bool { return watcher.Current() != nil },
		log:        log.With("component", "topology"),
	}
	watcher, err = topology.New(topology.Config{Interval: cfg.Directory.TopologyInterval},
		topology.Deps{Fetch: cache.Fetch, Clock: opts.Clock, Logger: log.With("component", "topology")})
	if err != nil {
		return nil, err
	}
	// One fetch (or the cache) before the client starts, so that the
	// first request finds a topology; the watcher takes over from there.
	var initial *topology.Topology
	pctx, pcancel := context.WithTimeout(ctx, topology.DefaultFetchTimeout)
	if dt, err := cache.prime(pctx); err != nil {
		log.Warn("no topology yet: the directory is unreachable and there is no cache; sends fail until it answers", "error", err)
	} else {
		initial, _ = topology.FromDirectory(dt, topology.Options{})
	}
	pcancel()
	current := func() *topology.Topology {
		if t := watcher.Current(); t != nil {
			return t
		}
		return initial
	}
	ccfg := cfg.clientConfig(gw)
	if opts.Adjust != nil {
		opts.Adjust(&ccfg)
	}
	core, err := client.New(ccfg, client.Deps{
		Identity:       keys.Identity,
		Encryption:     keys.Encryption,
		AckKey:         keys.Ack,
		Topology:       current,
		GatewayKeys:    NewGatewayKeys(dir.Data(GatewayKeysDir)),
		State:          NewReplyKeys(dir.Data(ReplyKeysFile)),
		TopologyFailed: watcher.Kick,
		Clock:          opts.Clock,
		Logger:         log.With("component", "client"),
	})
	if err != nil {
		return nil, fmt.Errorf("client %q: %w", cfg.ID, err)
	}
	return &Core{Client: core, watcher: watcher}, nil
}

// Run runs the topology watcher and the client core until ctx ends (nil)
// or one of them fails.
func (c *Core) Run(ctx context.Context) error {
	g := newGroup(ctx)
	c.start(g)
	return g.Wait(ShutdownTimeout)
}

func (c *Core) start(g *group) {
	g.Go("topology", c.watcher.Run)
	g.Go("client", func(ctx context.Context) error {
		err := c.Client.Run(ctx)
		if errors.Is(err, context.Canceled) && ctx.Err() != nil {
			return nil
		}
		return err
	})
}
