// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package node

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/nym-go/nym/internal/announce"
	"github.com/nym-go/nym/internal/clock"
	"github.com/nym-go/nym/internal/dirclient"
	"github.com/nym-go/nym/internal/home"
	"github.com/nym-go/nym/internal/nodehttp"
	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/taskgroup"
	"github.com/nym-go/nym/internal/topology"
	"github.com/nym-go/nym/internal/wire"
)

// Version is the software version a node announces.
const Version = "0.1.0"

// ShutdownTimeout bounds how long Run takes to stop once its context is
// cancelled.
const ShutdownTimeout = 5 * time.Second

// RunOptions are the arguments of Run and CheckConfig.
type RunOptions struct {
	// Home is the $NYM_HOME root; empty means home.Root().
	Home string
	// ID names the node.
	ID string
	// Stdout receives the banner.
	Stdout io.Writer
	// Logger is the node's logger; nil discards logs.
	Logger *slog.Logger
	// Clock is the node's clock; nil means clock.Real().
	Clock clock.Clock
	// Ready, if set, is called once every listener is bound.
	Ready func(Addrs)
	// Dialer, if set, is what the mix pipeline connects to next hops with
	// (in-process callers only, such as a local network cutting links);
	// nil means TCP (wire.TCPDialer).
	Dialer wire.Dialer
}

// Addrs are the addresses a running node listens on and announces.
type Addrs struct {
	// MixnetListen is the bound mixnet listener.
	MixnetListen net.Addr
	// MixnetAnnounce is the address published in the directory.
	MixnetAnnounce string
	// HTTP is the bound HTTP API listener.
	HTTP net.Addr
	// ClientsListen, ClientsAnnounce and Inbox are a gateway's client
	// websocket listener, its announced URL and the inbox file.
	ClientsListen   net.Addr
	ClientsAnnounce string
	Inbox           string
	// Provider is an exit gateway's network requester address (for
	// nym-socks5-client --provider).
	Provider string
}

// CheckConfig loads the node's config strictly (unknown keys are errors)
// and its keys, and reports the first problem.
func CheckConfig(opts RunOptions) error {
	dir, err := nodeDir(opts.Home, opts.ID)
	if err != nil {
		return err
	}
	if _, _, err := Load(dir.Config(), true); err != nil {
		return err
	}
	if _, err := LoadKeys(dir); err != nil {
		return err
	}
	return nil
}

// Run runs the node until ctx is cancelled, then stops everything within
// ShutdownTimeout. It returns nil after a cancellation, or the first error
// that stopped a part of the node.
func Run(ctx context.Context, opts RunOptions) error {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.Clock == nil {
		opts.Clock = clock.Real()
	}
	dir, err := nodeDir(opts.Home, opts.ID)
	if err != nil {
		return err
	}
	cfg, unknown, err := Load(dir.Config(), false)
	if err != nil {
		return err
	}
	if len(unknown) > 0 {
		opts.Logger.Warn("config has unknown keys; they are ignored (run with --check-config to see them as errors)",
			"keys", strings.Join(unknown, ", "))
	}
	keys, err := LoadKeys(dir)
	if err != nil {
		return fmt.Errorf("node %q: %w", cfg.ID, err)
	}
	return runNode(ctx, opts, dir, cfg, keys)
}

// runNode runs a mix node or, for the gateway modes, a gateway: the mix
// pipeline (whose final-hop packets go to the gateway), the client
// websocket, the inbox and its expiry loop.
func runNode(ctx context.Context, opts RunOptions, dir home.Dir, cfg *Config, keys *KeySet) error {
	log := opts.Logger.With("node", cfg.ID)
	mixLn, err := net.Listen("tcp", cfg.Mixnet.Listen)
	if err != nil {
		return fmt.Errorf("mixnet listener: %w", err)
	}
	httpLn, err := net.Listen("tcp", cfg.HTTP.Listen)
	if err != nil {
		mixLn.Close()
		return fmt.Errorf("http listener: %w", err)
	}
	var gwp *gatewayParts
	var final func(*sphinx.Unwrapped)
	var mix *mixPipeline
	if cfg.Mode.IsGateway() {
		gwp, err = newGatewayParts(cfg, keys, dir, func(a sphinx.NodeAddress, t sphinx.SizeType, p []byte) error {
			return mix.Send(a, t, p)
		}, opts.Clock, log)
		if err != nil {
			mixLn.Close()
			httpLn.Close()
			return err
		}
		defer gwp.close()
		final = gwp.gw.Final
	}
	// With a directory, next hops are checked against its topology.
	var dc *dirclient.Client
	var topo *topology.Watcher
	var allow func(netip.AddrPort) bool
	if cfg.Directory.URL != "" {
		if dc, err = dirclient.New(cfg.Directory.URL, nil); err == nil {
			topo, err = newTopologyWatcher(dc.Topology, cfg.Directory, opts.Clock, log.With("component", "topology"))
		}
		if err != nil {
			mixLn.Close()
			httpLn.Close()
			return err
		}
		allow = allowNextHop(topo, nextHopLayer(cfg), log.With("component", "topology"))
	}
	dialer := opts.Dialer
	if dialer == nil {
		dialer = wire.TCPDialer{}
	}
	mix, err = newMixPipeline(cfg, keys, mixLn, dialer, final, allow, opts.Clock, log)
	if err != nil {
		mixLn.Close()
		httpLn.Close()
		return err
	}
	announceHost, _ := netip.ParseAddrPort(cfg.Mixnet.Announce) // checked by Validate
	roles := nodehttp.Roles{MixnodeEnabled: !cfg.Mode.IsGateway(), GatewayEnabled: cfg.Mode.IsGateway(),
		NetworkRequesterEnabled: cfg.NetworkRequester != nil}
	var gwSource nodehttp.GatewaySource
	if gwp != nil {
		gwSource = gwp
	}
	api, err := nodehttp.New(nodehttp.Config{
		Roles: roles,
		HostInformation: nodehttp.HostInformation{
			IPAddress: []string{announceHost.Addr().String()},
			Keys:      nodehttp.HostKeys{X25519Sphinx: keys.SphinxPublic()},
			Mixnet:    nodehttp.Addresses{Listen: mixLn.Addr().String(), Announce: cfg.Mixnet.Announce},
			HTTP:      nodehttp.Addresses{Listen: httpLn.Addr().String()},
		},
	}, nodehttp.Deps{Identity: keys.Identity, Stats: mix, Clock: opts.Clock, Logger: log.With("component", "http"), Gateway: gwSource})
	if err != nil {
		mixLn.Close()
		httpLn.Close()
		return err
	}
	var ann *announce.Announcer
	totals := mix.totals
	if gwp != nil {
		totals = nil // the directory's metrics are for mix nodes
	}
	if dc != nil {
		ann, err = announce.New(announce.Config{
			PresenceInterval: cfg.Directory.PresenceInterval,
			MetricsInterval:  cfg.Directory.MetricsInterval,
		}, announce.Deps{
			Directory: dc, Clock: opts.Clock, Logger: log.With("component", "announce"),
			Presence: presenceFunc(cfg, keys, opts.Clock, gwp.registeredClients()),
			Totals:   totals, PubKey: keys.SphinxPublic(),
		})
		if err != nil {
			mixLn.Close()
			httpLn.Close()
			return err
		}
	}

	addrs := Addrs{MixnetListen: mixLn.Addr(), MixnetAnnounce: cfg.Mixnet.Announce, HTTP: httpLn.Addr()}
	var clientsLn net.Listener
	if gwp != nil {
		if clientsLn, err = net.Listen("tcp", cfg.Gateway.ClientsListen); err != nil {
			mixLn.Close()
			httpLn.Close()
			return fmt.Errorf("clients listener: %w", err)
		}
		addrs.ClientsListen, addrs.ClientsAnnounce, addrs.Inbox = clientsLn.Addr(), cfg.Gateway.ClientsAnnounce, gwp.path
	}
	var exit *exitParts
	handler := api.Handler()
	if cfg.NetworkRequester != nil {
		exit, err = newExitParts(cfg, dir, keys.Identity, clientsLn.Addr(), topo, opts.Clock, log.With("component", "netreq"))
		if err != nil {
			mixLn.Close()
			httpLn.Close()
			clientsLn.Close()
			return err
		}
		handler = exit.handler(handler)
		addrs.Provider = exit.addr.String()
	}
	if cfg.Debug.FaultInjection {
		handler = faultHandler(mix.Node, log.With("component", "debug"), handler)
	}
	printBanner(out(opts.Stdout), cfg, keys, addrs)
	if cfg.Debug.FaultInjection {
		fmt.Fprintf(out(opts.Stdout), "  FAULT INJECTION ON (test networks only): POST http://%s%s {\"drop\": true}\n", addrs.HTTP, PathDebugFault)
		log.Warn("FAULT INJECTION IS ON ([debug] fault_injection = true): anyone who reaches the HTTP API can make this node drop every packet; never use this in a real network",
			"route", "POST "+PathDebugFault)
	}
	if opts.Ready != nil {
		opts.Ready(addrs)
	}

	g := newGroup(ctx)
	g.Go("mixnode", mix.Run)
	g.Go("http", func(ctx context.Context) error {
		return nodehttp.Serve(ctx, httpLn, handler, ShutdownTimeout/2)
	})
	g.Go("stats", api.Run)
	if gwp != nil {
		gwp.start(g, clientsLn)
	}
	if exit != nil {
		exit.start(g)
	}
	if topo != nil {
		g.Go("topology", topo.Run)
	}
	if ann != nil {
		g.Go("announce", ann.Run)
	} else {
		log.Warn("no directory.url configured: the node does not announce itself")
	}
	log.Info("nym-node running", "mode", cfg.Mode, "identity", keys.IdentityPublic())
	err = g.Wait(ShutdownTimeout)
	log.Info("nym-node stopped", "error", err)
	return err
}

func printBanner(w io.Writer, cfg *Config, keys *KeySet, a Addrs) {
	dirURL := cfg.Directory.URL
	if dirURL == "" {
		dirURL = "(none: not announcing)"
	}
	if cfg.Mode.IsGateway() {
		fmt.Fprintf(w, `nym-node %s: %s %q
  identity key (ed25519): %s
  sphinx key (x25519):    %s
  mixnet listen:          %s
  mixnet announce:        %s
  clients listen:         %s
  clients announce:       %s
  inbox:                  %s
  http api:               http://%s/api/v1/health
  directory:              %s
`, Version, cfg.Mode, cfg.ID, keys.IdentityPublic(), keys.SphinxPublic(), a.MixnetListen, a.MixnetAnnounce,
			a.ClientsListen, a.ClientsAnnounce, a.Inbox, a.HTTP, dirURL)
		if a.Provider != "" {
			fmt.Fprintf(w, "  network requester:      %s\n", a.Provider)
		}
		return
	}
	fmt.Fprintf(w, `nym-node %s: %s %q, layer %d
  identity key (ed25519): %s
  sphinx key (x25519):    %s
  mixnet listen:          %s
  mixnet announce:        %s
  http api:               http://%s/api/v1/health
  directory:              %s
`, Version, cfg.Mode, cfg.ID, cfg.Mixnode.Layer, keys.IdentityPublic(), keys.SphinxPublic(),
		a.MixnetListen, a.MixnetAnnounce, a.HTTP, dirURL)
}

// group is the task group Run and its parts start their tasks in (the
// parts' start methods take a *group).
type group = taskgroup.Group

// newGroup returns a task group under parent.
func newGroup(parent context.Context) *group { return taskgroup.New(parent) }
