// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package node

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"

	"github.com/nym-go/nym/internal/atomicfile"
	"github.com/nym-go/nym/internal/gateway"
	"github.com/nym-go/nym/internal/storage"
)

// ErrExists is returned (wrapped) by Init when the id is already
// initialised and Force is not set.
var ErrExists = errors.New("node already initialised")

// InitOptions are the arguments of Init.
type InitOptions struct {
	// Home is the $NYM_HOME root; empty means home.Root().
	Home string
	// ID names the node.
	ID string
	// Mode is what the node does.
	Mode Mode
	// OpenProxy (exit-gateway) writes network_requester.open_proxy = true:
	// the exit connects to any host.
	OpenProxy bool
	// Host is the IP address a mix node announces to the network.
	Host string
	// MixHost is the IP address a gateway announces to mix nodes; empty
	// means Host.
	MixHost string
	// ClientsHost is the host (IP or DNS name) clients reach a gateway's
	// websocket at.
	ClientsHost string
	// ClientsPort is a gateway's client websocket port.
	ClientsPort int
	// ListenHost is the IP the listeners bind; empty means Host.
	ListenHost string
	// MixPort is the mixnet port (both bound and announced).
	MixPort int
	// HTTPPort is the HTTP API port; 0 picks a free port at each run.
	HTTPPort int
	// Layer is the mix layer 1..3; 0 picks one at random.
	Layer int
	// Directory is the directory's base URL.
	Directory string
	// Location is free text shown in the directory.
	Location string
	// Force rewrites the config of an existing id. Existing keys are
	// always kept.
	Force bool
	// Rand is the randomness for keys and the layer; nil means crypto/rand.
	Rand io.Reader
	// Stdout receives a summary of what was written.
	Stdout io.Writer
}

// Init writes the config and keys of a new node under
// $NYM_HOME/nym-nodes/<id>/. Over an existing id it fails with ErrExists
// unless Force is set; even then it keeps the existing keys and only
// generates missing ones.
func Init(opts InitOptions) (*Config, error) {
	if opts.Rand == nil {
		opts.Rand = rand.Reader
	}
	dir, err := nodeDir(opts.Home, opts.ID)
	if err != nil {
		return nil, err
	}
	hostFlag := "--host"
	switch opts.Mode {
	case ModeMixnode:
	case ModeEntryGateway, ModeExitGateway:
		hostFlag = "--mix-host"
		if opts.MixHost != "" {
			opts.Host = opts.MixHost
		}
		if opts.ClientsHost == "" {
			return nil, fmt.Errorf("mode %s needs --clients-host", opts.Mode)
		}
	default:
		return nil, fmt.Errorf("mode %q is not one of %v", opts.Mode, Modes)
	}
	host, err := netip.ParseAddr(opts.Host)
	if err != nil {
		return nil, fmt.Errorf("%s %q must be an IP address (Sphinx headers carry next hops as IPs)", hostFlag, opts.Host)
	}
	listen := opts.ListenHost
	if listen == "" {
		listen = host.String()
	} else if _, err := netip.ParseAddr(listen); err != nil {
		return nil, fmt.Errorf("--listen-host %q must be an IP address", listen)
	}
	if opts.MixPort < 1 || opts.MixPort > 65535 {
		return nil, fmt.Errorf("--mix-port %d is outside 1..65535", opts.MixPort)
	}
	if opts.HTTPPort < 0 || opts.HTTPPort > 65535 {
		return nil, fmt.Errorf("--http-port %d is outside 0..65535", opts.HTTPPort)
	}
	layer := opts.Layer
	if layer == 0 && opts.Mode == ModeMixnode {
		if layer, err = randomLayer(opts.Rand); err != nil {
			return nil, err
		}
	}
	if opts.Directory == "" {
		opts.Directory = DefaultDirectory
	}
	mix := net.JoinHostPort(listen, strconv.Itoa(opts.MixPort))
	cfg := &Config{
		ID:        opts.ID,
		Mode:      opts.Mode,
		Location:  opts.Location,
		Mixnet:    MixnetConfig{Listen: mix, Announce: net.JoinHostPort(host.String(), strconv.Itoa(opts.MixPort))},
		HTTP:      HTTPConfig{Listen: net.JoinHostPort(listen, strconv.Itoa(opts.HTTPPort))},
		Directory: DirectoryConfig{URL: opts.Directory},
	}
	if opts.Mode == ModeMixnode {
		cfg.Mixnode = &MixnodeConfig{Layer: layer}
	} else {
		if opts.Layer != 0 {
			return nil, fmt.Errorf("--layer is for mix nodes, not mode %s", opts.Mode)
		}
		if opts.ClientsPort < 1 || opts.ClientsPort > 65535 {
			return nil, fmt.Errorf("--clients-port %d is outside 1..65535", opts.ClientsPort)
		}
		clientsListen := opts.ListenHost
		if clientsListen == "" {
			clientsListen = opts.ClientsHost
		}
		port := strconv.Itoa(opts.ClientsPort)
		cfg.Gateway = &GatewayConfig{
			ClientsListen:    net.JoinHostPort(clientsListen, port),
			ClientsAnnounce:  "ws://" + net.JoinHostPort(opts.ClientsHost, port),
			InboxMaxMessages: storage.DefaultMaxMessages,
			InboxMaxBytes:    storage.DefaultMaxBytes,
			InboxRetention:   storage.DefaultRetention,
			AckTimeout:       gateway.DefaultAckTimeout,

			MaxRegisteredClients:  gateway.DefaultMaxRegistered,
			RegisterRatePerMinute: gateway.DefaultRegisterRate,
			RegisterBurst:         gateway.DefaultRegisterBurst,
			InboxTotalBytes:       gateway.DefaultInboxTotalBytes,
			ReplyQuota:            gateway.DefaultReplyQuota,
		}
		if opts.Mode == ModeExitGateway {
			cfg.NetworkRequester = &NetworkRequesterConfig{
				AllowList: filepath.Join("data", DefaultAllowList), OpenProxy: opts.OpenProxy,
				RealMean: DefaultRequesterRealMean,
			}
		}
	}
	if opts.OpenProxy && opts.Mode != ModeExitGateway {
		return nil, fmt.Errorf("--open-proxy is for mode %s, not %s", ModeExitGateway, opts.Mode)
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("init: %w", err)
	}
	if dir.Exists() && !opts.Force {
		return nil, fmt.Errorf("%w: %s exists; pass --force to rewrite the config (keys are kept)", ErrExists, dir.Config())
	}
	for _, d := range []string{string(dir), filepath.Dir(dir.Config()), filepath.Dir(dir.Keys("x")), filepath.Dir(dir.Data("x"))} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("init: %w", err)
		}
	}
	generated, err := ensureKeys(dir, opts.Rand)
	if err != nil {
		return nil, fmt.Errorf("init: %w", err)
	}
	if cfg.NetworkRequester != nil {
		if err := initRequester(dir, cfg.NetworkRequester, opts.Rand); err != nil {
			return nil, fmt.Errorf("init: network requester: %w", err)
		}
	}
	text, err := cfg.Encode()
	if err != nil {
		return nil, err
	}
	if err := atomicfile.Write(dir.Config(), text, 0o644); err != nil {
		return nil, fmt.Errorf("init: %w", err)
	}
	keys, err := LoadKeys(dir)
	if err != nil {
		return nil, fmt.Errorf("init: %w", err)
	}
	w := out(opts.Stdout)
	if cfg.Mixnode != nil {
		fmt.Fprintf(w, "Initialised %s %q (layer %d) in %s\n", cfg.Mode, cfg.ID, layer, dir)
	} else {
		fmt.Fprintf(w, "Initialised %s %q in %s\n", cfg.Mode, cfg.ID, dir)
		fmt.Fprintf(w, "clients: listen %s, announce %s\n", cfg.Gateway.ClientsListen, cfg.Gateway.ClientsAnnounce)
	}
	if len(generated) < 2 {
		fmt.Fprintf(w, "Kept the existing keys (generated: %v)\n", generated)
	}
	fmt.Fprintf(w, "identity key (ed25519): %s\nsphinx key (x25519):    %s\n", keys.IdentityPublic(), keys.SphinxPublic())
	fmt.Fprintf(w, "mixnet: listen %s, announce %s; http: %s; directory: %s\n",
		cfg.Mixnet.Listen, cfg.Mixnet.Announce, cfg.HTTP.Listen, cfg.Directory.URL)
	if nr := cfg.NetworkRequester; nr != nil {
		policy := "allow list " + nr.allowListPath(dir) + " (empty: nothing allowed until you add hosts)"
		if nr.OpenProxy {
			policy = "open proxy: any host"
		}
		fmt.Fprintf(w, "network requester: %s; its address is printed by run\n", policy)
	}
	fmt.Fprintf(w, "Start it with: nym-node run --id %s\n", cfg.ID)
	return cfg, nil
}

// randomLayer returns a uniform layer in 1..DefaultLayers.
func randomLayer(r io.Reader) (int, error) {
	var b [1]byte
	limit := 256 - 256%DefaultLayers // reject the biased tail
	for range 64 {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return 0, fmt.Errorf("pick a layer: %w", err)
		}
		if int(b[0]) < limit {
			return 1 + int(b[0])%DefaultLayers, nil
		}
	}
	return 0, errors.New("pick a layer: randomness source is stuck")
}
