// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package nativeclient

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/nym-go/nym/internal/base58"
	"github.com/nym-go/nym/internal/client"
	"github.com/nym-go/nym/internal/cover"
	"github.com/nym-go/nym/internal/fragment"
	"github.com/nym-go/nym/internal/tomlfile"
)

// Defaults written by Init and filled in by Validate for zero fields
// (../shared/CONVENTIONS.md, PROTOCOL-FACTS §5.4).
const (
	DefaultAPIPort          = 1977
	DefaultDirectory        = "http://127.0.0.1:8080" // the same as nym-node's
	DefaultTopologyInterval = 5 * time.Minute
	DefaultRealMean         = cover.DefaultRealMean      // 20 ms
	DefaultLoopMean         = cover.DefaultLoopMean      // 200 ms
	DefaultHopDelay         = cover.DefaultHopDelay      // 50 ms
	DefaultMaxMessage       = fragment.DefaultMaxMessage // 16 MiB
	DefaultMaxTries         = client.DefaultMaxTries
	DefaultAckMargin        = 1500 * time.Millisecond // ack.Config's default
)

// Bounds Validate enforces.
const (
	// MinStreamMean is the shortest mean gap of a Poisson stream: shorter
	// gaps only burn CPU on timers.
	MinStreamMean = 100 * time.Microsecond
	// MaxHopDelay bounds the mean per-hop delay; nym-node drops packets
	// asking for more than its mixnet.max_delay (10 s by default).
	MaxHopDelay = 10 * time.Second
	// MinTopologyInterval is the shortest topology refresh interval.
	MinTopologyInterval = 100 * time.Millisecond
	// MaxMaxMessage bounds traffic.max_message (1 GiB).
	MaxMaxMessage = 1 << 30
)

// NoHopDelay, as TrafficConfig.HopDelay, asks for no mixing delay; the
// config file says hop_delay = "0s". (The zero value means the default.)
const NoHopDelay time.Duration = -1

// Config is the content of a client's config/config.toml.
type Config struct {
	// ID names the client's directory under $NYM_HOME/clients/.
	ID        string          `toml:"id"`
	Directory DirectoryConfig `toml:"directory"`
	Gateway   GatewayConfig   `toml:"gateway"`
	API       APIConfig       `toml:"api"`
	Traffic   TrafficConfig   `toml:"traffic"`
}

// DirectoryConfig says where the topology comes from.
type DirectoryConfig struct {
	// URL is the directory's base URL (http or https).
	URL string `toml:"url"`
	// TopologyInterval is how often the topology is refreshed (it is
	// also refreshed early when a route fails).
	TopologyInterval time.Duration `toml:"topology_interval"`
}

// GatewayConfig names the gateway the client registered with at init.
type GatewayConfig struct {
	// Identity is the gateway's Ed25519 identity key (base58); it is the
	// part after '@' of the client's address.
	Identity string `toml:"identity"`
	// URL, if set, overrides the gateway's client websocket URL from the
	// topology (ws:// or wss://).
	URL string `toml:"url,omitempty"`
}

// APIConfig is the local websocket API applications connect to.
type APIConfig struct {
	// Listen is the address the API listens on, host:port on a loopback
	// IP (the API has no authentication). Port 0 picks a free port at
	// each run.
	Listen string `toml:"listen"`
	// MetricsListen, if set, is the host:port of an HTTP listener serving
	// Prometheus metrics at /metrics (the API's counters and the Go
	// runtime's); empty, the default, serves none. Any host is accepted:
	// the metrics carry counts, no messages or addresses.
	MetricsListen string `toml:"metrics_listen,omitempty"`
}

// TrafficConfig tunes the client's traffic (see internal/client and
// internal/cover).
type TrafficConfig struct {
	// RealMean is the real-traffic stream's mean gap: each tick sends the
	// next queued packet, or loop cover when none is queued.
	RealMean time.Duration `toml:"real_mean"`
	// LoopMean is the loop-cover stream's mean gap; negative turns it off.
	LoopMean time.Duration `toml:"loop_mean"`
	// DropMean is the drop-cover stream's mean gap; 0 turns it off.
	DropMean time.Duration `toml:"drop_mean"`
	// HopDelay is the mean mixing delay asked of each hop. In the file,
	// an absent key means the default (50 ms) and "0s" means no delay at
	// all (each hop forwards at once; for local tests and benchmarks, it
	// gives no anonymity). In Go, the zero value means the default and
	// NoHopDelay (any negative value) means no delay.
	HopDelay time.Duration `toml:"hop_delay"`
	// MaxMessage bounds the size of a message, in bytes.
	MaxMessage int `toml:"max_message"`
	// MaxTries is how many times a fragment is sent before its message
	// fails.
	MaxTries int `toml:"max_tries"`
	// AckMargin is added to each fragment's expected round trip before it
	// is resent.
	AckMargin time.Duration `toml:"ack_margin"`
}

// Load reads and validates a config file. Keys the file has that Config
// does not know are returned in unknown (for a warning); with strict set
// they are an error instead.
func Load(path string, strict bool) (cfg *Config, unknown []string, err error) {
	cfg = new(Config)
	f, err := tomlfile.Decode(path, cfg, strict)
	if err != nil {
		return nil, f.Unknown, err
	}
	// An explicit hop_delay = "0s" means no delay; only an absent key
	// means the default.
	if f.IsDefined("traffic", "hop_delay") {
		if d := cfg.Traffic.HopDelay; d < 0 {
			return nil, f.Unknown, fmt.Errorf("config %s: traffic.hop_delay: %v is negative (\"0s\" means no delay)", path, d)
		} else if d == 0 {
			cfg.Traffic.HopDelay = NoHopDelay
		}
	}
	if err := cfg.Validate(); err != nil {
		return nil, f.Unknown, fmt.Errorf("config %s: %w", path, err)
	}
	return cfg, f.Unknown, nil
}

// Encode returns the config as TOML text. A HopDelay of 0 (the default)
// is written as DefaultHopDelay, and NoHopDelay as "0s".
func (c *Config) Encode() ([]byte, error) {
	out := *c
	switch {
	case out.Traffic.HopDelay == 0:
		out.Traffic.HopDelay = DefaultHopDelay
	case out.Traffic.HopDelay < 0:
		out.Traffic.HopDelay = 0
	}
	var b strings.Builder
	b.WriteString("# nym-client configuration. `nym-client run --id " + c.ID + " --check-config` validates it.\n")
	b.WriteString("# Durations are strings such as \"20ms\" or \"5m0s\"; hop_delay = \"0s\" means no mixing delay.\n\n")
	if err := toml.NewEncoder(&b).Encode(&out); err != nil {
		return nil, fmt.Errorf("config: encode: %w", err)
	}
	return []byte(b.String()), nil
}

// GatewayKey returns the gateway's identity key (Validate has checked it).
func (c *Config) GatewayKey() (ed25519.PublicKey, error) {
	b, err := base58.Decode(c.Gateway.Identity)
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("gateway.identity: %q is not a base58 Ed25519 public key", c.Gateway.Identity)
	}
	return ed25519.PublicKey(b), nil
}

// Validate fills defaults for zero fields and checks every field, naming
// each bad one.
func (c *Config) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
	}
	if c.ID == "" {
		bad("id", "missing")
	}
	if c.Directory.URL == "" {
		bad("directory.url", "missing")
	} else if u, err := url.Parse(c.Directory.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("directory.url", "%q is not an http(s) URL", c.Directory.URL)
	}
	if c.Directory.TopologyInterval == 0 {
		c.Directory.TopologyInterval = DefaultTopologyInterval
	} else if c.Directory.TopologyInterval < MinTopologyInterval {
		bad("directory.topology_interval", "%v is below %v", c.Directory.TopologyInterval, MinTopologyInterval)
	}
	if _, err := c.GatewayKey(); err != nil {
		errs = append(errs, err)
	}
	if c.Gateway.URL != "" {
		if u, err := url.Parse(c.Gateway.URL); err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" {
			bad("gateway.url", "%q is not a ws:// or wss:// URL", c.Gateway.URL)
		}
	}
	if err := checkListen(c.API.Listen); err != nil {
		bad("api.listen", "%v", err)
	}
	if c.API.MetricsListen != "" {
		if err := checkHostPort(c.API.MetricsListen); err != nil {
			bad("api.metrics_listen", "%v", err)
		}
	}
	t := &c.Traffic
	if t.RealMean == 0 {
		t.RealMean = DefaultRealMean
	} else if t.RealMean < MinStreamMean {
		bad("traffic.real_mean", "%v is below %v", t.RealMean, MinStreamMean)
	}
	if t.LoopMean == 0 {
		t.LoopMean = DefaultLoopMean
	} else if t.LoopMean > 0 && t.LoopMean < MinStreamMean {
		bad("traffic.loop_mean", "%v is below %v (negative turns it off)", t.LoopMean, MinStreamMean)
	}
	if t.DropMean < 0 {
		bad("traffic.drop_mean", "%v is negative (0 turns drop cover off)", t.DropMean)
	} else if t.DropMean > 0 && t.DropMean < MinStreamMean {
		bad("traffic.drop_mean", "%v is below %v (0 turns drop cover off)", t.DropMean, MinStreamMean)
	}
	switch {
	case t.HopDelay == 0:
		t.HopDelay = DefaultHopDelay
	case t.HopDelay < 0:
		t.HopDelay = NoHopDelay
	case t.HopDelay > MaxHopDelay:
		bad("traffic.hop_delay", "%v is above %v", t.HopDelay, MaxHopDelay)
	}
	if t.MaxMessage == 0 {
		t.MaxMessage = DefaultMaxMessage
	} else if t.MaxMessage < 0 || t.MaxMessage > MaxMaxMessage {
		bad("traffic.max_message", "%d is outside 1..%d", t.MaxMessage, MaxMaxMessage)
	}
	if t.MaxTries == 0 {
		t.MaxTries = DefaultMaxTries
	} else if t.MaxTries < 0 {
		bad("traffic.max_tries", "%d is negative", t.MaxTries)
	}
	if t.AckMargin == 0 {
		t.AckMargin = DefaultAckMargin
	} else if t.AckMargin < 0 {
		bad("traffic.ack_margin", "%v is negative", t.AckMargin)
	}
	return errors.Join(errs...)
}

// checkListen checks the API's listen address: a loopback IP and a port
// in 0..65535 ("localhost" is accepted too).
func checkListen(s string) error {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Errorf("%q is not host:port", s)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return fmt.Errorf("%q has no valid port", s)
	}
	if host == "localhost" {
		return nil
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !ip.IsLoopback() {
		return fmt.Errorf("%q is not on a loopback address (the local API has no authentication)", s)
	}
	return nil
}

// checkHostPort checks a listen address: host:port with a port in
// 0..65535.
func checkHostPort(s string) error {
	_, port, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Errorf("%q is not host:port", s)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return fmt.Errorf("%q has no valid port", s)
	}
	return nil
}

// clientConfig returns the core client's config.
func (c *Config) clientConfig(gw ed25519.PublicKey) client.Config {
	return client.Config{
		Gateway:    gw,
		GatewayURL: c.Gateway.URL,
		Cover: cover.Config{
			RealMean: c.Traffic.RealMean,
			LoopMean: c.Traffic.LoopMean,
			DropMean: c.Traffic.DropMean,
		},
		HopDelay:   c.Traffic.HopDelay,
		MaxMessage: c.Traffic.MaxMessage,
		MaxTries:   c.Traffic.MaxTries,
		AckMargin:  c.Traffic.AckMargin,
	}
}
