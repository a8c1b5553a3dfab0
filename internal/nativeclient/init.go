// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package nativeclient

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/nym-go/nym/internal/address"
	"github.com/nym-go/nym/internal/base58"
	"github.com/nym-go/nym/internal/dirclient"
	"github.com/nym-go/nym/internal/gateway/gwclient"
	"github.com/nym-go/nym/internal/home"
	"github.com/nym-go/nym/internal/topology"
)

// ErrExists is returned (wrapped) by Init when the id is already
// initialised and Force is not set.
var ErrExists = errors.New("client already initialised")

// RegisterTimeout bounds Init's topology fetch and gateway registration.
const RegisterTimeout = 30 * time.Second

// InitOptions are the arguments of Init.
type InitOptions struct {
	// Home is the $NYM_HOME root; empty means home.Root().
	Home string
	// ID names the client.
	ID string
	// Gateway is the base58 Ed25519 identity of the gateway to register
	// with; empty picks one uniformly at random among the topology's
	// (signed) gateways.
	Gateway string
	// GatewayURL, if set, is written as gateway.url and overrides the
	// gateway's client URL from the topology (ws:// or wss://).
	GatewayURL string
	// Directory is the directory's base URL; empty means DefaultDirectory.
	Directory string
	// APIPort is the local API's port on 127.0.0.1. 0 picks a free port
	// at each run (the nym-client command's flag defaults to
	// DefaultAPIPort).
	APIPort int
	// Traffic sets the [traffic] section; zero fields take the defaults.
	Traffic TrafficConfig
	// Force re-initialises an existing id: the config is rewritten and the
	// client registers again (possibly with another gateway), but existing
	// keys are always kept.
	Force bool
	// Dir, if set, is where the client's files go instead of
	// $NYM_HOME/clients/<id>/ (nym-socks5-client's socks5-clients/<id>/).
	Dir home.Dir
	// Rand is the randomness for keys and the gateway choice; nil means
	// crypto/rand.
	Rand io.Reader
	// Stdout receives the address and a summary.
	Stdout io.Writer
	// Logger receives the gateway's messages; nil discards them.
	Logger *slog.Logger
}

// Init creates a new client under $NYM_HOME/clients/<id>/: its keys, its
// registration with a gateway (the shared key goes to data/gateway_keys/)
// and config/config.toml. It fetches the topology from the directory (and
// caches it in data/topology.json), and prints the client's address.
//
// Over an existing id it fails with ErrExists unless Force is set; even
// then existing keys are kept, so the address changes only if the gateway
// does.
func Init(ctx context.Context, opts InitOptions) (*Config, address.Address, error) {
	var zero address.Address
	if opts.Rand == nil {
		opts.Rand = rand.Reader
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Directory == "" {
		opts.Directory = DefaultDirectory
	}
	dir := opts.Dir
	if dir == "" {
		var err error
		if dir, err = clientDir(opts.Home, opts.ID); err != nil {
			return nil, zero, err
		}
	}
	if opts.APIPort < 0 || opts.APIPort > 65535 {
		return nil, zero, fmt.Errorf("--port %d is outside 0..65535", opts.APIPort)
	}
	if dir.Exists() && !opts.Force {
		return nil, zero, fmt.Errorf("%w: %s exists; pass --force to register again (keys are kept)", ErrExists, dir.Config())
	}
	cfg := &Config{
		ID:        opts.ID,
		Directory: DirectoryConfig{URL: opts.Directory, TopologyInterval: DefaultTopologyInterval},
		Gateway:   GatewayConfig{Identity: opts.Gateway, URL: opts.GatewayURL},
		API:       APIConfig{Listen: net.JoinHostPort("127.0.0.1", strconv.Itoa(opts.APIPort))},
		Traffic:   opts.Traffic,
	}
	if opts.Gateway == "" {
		cfg.Gateway.Identity = base58.Encode(make([]byte, ed25519.PublicKeySize)) // replaced below
	}
	if err := cfg.Validate(); err != nil {
		return nil, zero, fmt.Errorf("init: %w", err)
	}

	ctx, cancel := context.WithTimeout(ctx, RegisterTimeout)
	defer cancel()
	dc, err := dirclient.New(cfg.Directory.URL, nil)
	if err != nil {
		return nil, zero, fmt.Errorf("init: %w", err)
	}
	cache := &topologyCache{path: dir.Data(TopologyCacheFile), fetch: dc.Topology, log: opts.Logger}
	dt, err := dc.Topology(ctx)
	if err != nil {
		return nil, zero, fmt.Errorf("init: topology from %s: %w", cfg.Directory.URL, err)
	}
	topo, _ := topology.FromDirectory(dt, topology.Options{})
	gw, err := pickGateway(topo, opts.Gateway, opts.Rand)
	if err != nil {
		return nil, zero, fmt.Errorf("init: %w", err)
	}
	cfg.Gateway.Identity = base58.Encode(gw.Identity)
	url := cfg.Gateway.URL
	if url == "" {
		url = gw.ClientURL
	}

	for _, d := range []string{string(dir), filepath.Dir(dir.Config()), filepath.Dir(dir.Keys("x")), filepath.Dir(dir.Data("x"))} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, zero, fmt.Errorf("init: %w", err)
		}
	}
	generated, err := ensureKeys(dir, opts.Rand)
	if err != nil {
		return nil, zero, fmt.Errorf("init: %w", err)
	}
	keys, err := LoadKeys(dir)
	if err != nil {
		return nil, zero, fmt.Errorf("init: %w", err)
	}
	gwKeys := NewGatewayKeys(dir.Data(GatewayKeysDir))
	conn, err := gwclient.Dial(ctx, url, keys.Identity, gw.Identity, gwKeys, &gwclient.Options{Rand: opts.Rand, Logger: opts.Logger})
	if err != nil {
		return nil, zero, fmt.Errorf("init: register with gateway %s at %s: %w", cfg.Gateway.Identity, url, err)
	}
	registered := conn.Registered()
	conn.Close()
	if usable(dt, topology.Options{}) {
		if err := cache.store(dt); err != nil {
			opts.Logger.Warn("topology cache not written", "error", err)
		}
	}
	text, err := cfg.Encode()
	if err != nil {
		return nil, zero, err
	}
	if err := writeFileAtomic(dir.Config(), text, 0o600); err != nil {
		return nil, zero, fmt.Errorf("init: %w", err)
	}
	addr := keys.Address(gw.Identity)
	w := out(opts.Stdout)
	fmt.Fprintf(w, "Initialised client %q in %s\n", cfg.ID, dir)
	if len(generated) < 3 {
		fmt.Fprintf(w, "Kept the existing keys (generated: %v)\n", generated)
	}
	how := "authenticated with the existing shared key"
	if registered {
		how = "registered"
	}
	fmt.Fprintf(w, "gateway: %s (%s, %s)\n", cfg.Gateway.Identity, url, how)
	fmt.Fprintf(w, "local API: %s; directory: %s\n", cfg.API.Listen, cfg.Directory.URL)
	fmt.Fprintf(w, "Start it with: nym-client run --id %s\n", cfg.ID)
	fmt.Fprintf(w, "address: %s\n", addr)
	return cfg, addr, nil
}

// pickGateway returns the gateway named by id (base58), or one chosen
// uniformly at random among the signed gateways when id is empty.
func pickGateway(t *topology.Topology, id string, r io.Reader) (topology.Gateway, error) {
	if id != "" {
		key, err := base58.DecodeFixed(id, ed25519.PublicKeySize)
		if err != nil {
			return topology.Gateway{}, fmt.Errorf("--gateway %q is not a base58 Ed25519 key: %v", id, err)
		}
		gw, ok := t.GatewayByIdentity(key)
		if !ok {
			return topology.Gateway{}, fmt.Errorf("gateway %s is not in the directory's topology (or its record is not signed)", id)
		}
		return gw, nil
	}
	var signed []topology.Gateway
	for _, gw := range t.Gateways() {
		if gw.Identity != nil {
			signed = append(signed, gw)
		}
	}
	if len(signed) == 0 {
		return topology.Gateway{}, errors.New("the directory lists no gateway with a signed identity")
	}
	i, err := uniform(r, len(signed))
	if err != nil {
		return topology.Gateway{}, err
	}
	return signed[i], nil
}

// uniform returns a uniform integer in [0, n) read from r.
func uniform(r io.Reader, n int) (int, error) {
	limit := ^uint64(0) - ^uint64(0)%uint64(n) // reject the biased tail
	var b [8]byte
	for range 64 {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return 0, fmt.Errorf("pick a gateway: %w", err)
		}
		if v := binary.BigEndian.Uint64(b[:]); v < limit {
			return int(v % uint64(n)), nil
		}
	}
	return 0, errors.New("pick a gateway: randomness source is stuck")
}

func out(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}
