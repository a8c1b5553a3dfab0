// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package node wires a nym-node together from its config file and keys:
// the mix node pipeline, the gateway, the HTTP API and the directory
// announcer. Only cmd/nym-node and the local network import it.
package node

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/nym-go/nym/internal/mixnode"
	"github.com/nym-go/nym/internal/tomlfile"
	"github.com/nym-go/nym/internal/topology"
)

// Mode is what a nym-node does; it is chosen at init and recorded in the
// config. The mode decides which config sections must be present.
type Mode string

// The modes of a nym-node.
const (
	ModeMixnode      Mode = "mixnode"
	ModeEntryGateway Mode = "entry-gateway"
	ModeExitGateway  Mode = "exit-gateway"
)

// Modes lists every mode, for help texts and validation.
var Modes = []Mode{ModeMixnode, ModeEntryGateway, ModeExitGateway}

// IsGateway reports whether the mode runs a gateway.
func (m Mode) IsGateway() bool { return m == ModeEntryGateway || m == ModeExitGateway }

// Default ports and intervals (see ../shared/CONVENTIONS.md).
const (
	DefaultMixPort          = 1789
	DefaultHTTPPort         = 8000
	DefaultClientsPort      = 9000
	DefaultDirectory        = "http://127.0.0.1:8080"
	DefaultPresenceInterval = 2 * time.Second
	DefaultMetricsInterval  = time.Second
	DefaultTopologyInterval = topology.DefaultInterval // 30 s
	DefaultMaxDelay         = 10 * time.Second
	// MaxMaxDelay bounds mixnet.max_delay: a node holding packets longer
	// only gives an attacker more memory to fill.
	MaxMaxDelay   = 10 * time.Minute
	DefaultLayers = 3
)

// Config is the content of a node's config/config.toml.
type Config struct {
	// ID names the node's directory under $NYM_HOME/nym-nodes/.
	ID string `toml:"id"`
	// Mode is fixed at init.
	Mode Mode `toml:"mode"`
	// Location is free text shown in the directory (e.g. a city).
	Location  string          `toml:"location"`
	Mixnet    MixnetConfig    `toml:"mixnet"`
	HTTP      HTTPConfig      `toml:"http"`
	Directory DirectoryConfig `toml:"directory"`
	// Mixnode must be present exactly when Mode is mixnode.
	Mixnode *MixnodeConfig `toml:"mixnode,omitempty"`
	// Gateway must be present exactly when Mode is a gateway mode.
	Gateway *GatewayConfig `toml:"gateway,omitempty"`
	// NetworkRequester must be present exactly when Mode is exit-gateway.
	NetworkRequester *NetworkRequesterConfig `toml:"network_requester,omitempty"`
	// Debug holds switches for tests; every one is off by default.
	Debug DebugConfig `toml:"debug"`
}

// DebugConfig holds switches meant for test networks only.
type DebugConfig struct {
	// FaultInjection serves POST /api/v1/debug/fault on the HTTP API,
	// with which anyone who reaches the API can make the node drop every
	// packet it would forward (so that the network monitor's tests can
	// make a node fail). Off by default; never turn it on in a real
	// network. nym-localnet turns it on for its own nodes.
	FaultInjection bool `toml:"fault_injection"`
}

// MixnetConfig is the node's side facing other nodes.
type MixnetConfig struct {
	// Listen is the TCP address packets are accepted on (host:port).
	Listen string `toml:"listen"`
	// Announce is the address other nodes send to, published in the
	// directory; it must be an IP literal with a port, because Sphinx
	// headers carry next hops as IP addresses.
	Announce string `toml:"announce"`
	// MaxDelay is the longest delay a packet may ask to be held for; a
	// packet asking for more is dropped.
	MaxDelay time.Duration `toml:"max_delay"`
}

// HTTPConfig is the node's HTTP API (health, roles, stats, /metrics).
type HTTPConfig struct {
	Listen string `toml:"listen"`
}

// DirectoryConfig says where and how often the node reports itself.
type DirectoryConfig struct {
	// URL is the directory's base URL (http or https).
	URL string `toml:"url"`
	// PresenceInterval is how often signed presence is announced.
	PresenceInterval time.Duration `toml:"presence_interval"`
	// MetricsInterval is how often traffic metrics are reported.
	MetricsInterval time.Duration `toml:"metrics_interval"`
	// TopologyInterval is how often the topology (used to check next
	// hops) is fetched; 0 means DefaultTopologyInterval.
	TopologyInterval time.Duration `toml:"topology_interval"`
	// RequireSigned leaves unsigned topology entries out (entries with a
	// bad signature always are). Off by default: the directory itself
	// refuses unsigned presence unless it allows it.
	RequireSigned bool `toml:"require_signed"`
}

// MixnodeConfig holds what only a mix node has.
type MixnodeConfig struct {
	// Layer is the mix layer, 1..3.
	Layer int `toml:"layer"`
}

// GatewayConfig holds what only a gateway has.
type GatewayConfig struct {
	// ClientsListen is the TCP address of the client websocket.
	ClientsListen string `toml:"clients_listen"`
	// ClientsAnnounce is the websocket URL clients are told to use
	// (ws://host:port).
	ClientsAnnounce string `toml:"clients_announce"`
	// InboxMaxMessages is the most messages kept per offline client; 0
	// means the default (10,000), negative means unlimited.
	InboxMaxMessages int `toml:"inbox_max_messages"`
	// InboxMaxBytes is the most bytes kept per offline client; 0 means the
	// default (64 MiB), negative means unlimited.
	InboxMaxBytes int64 `toml:"inbox_max_bytes"`
	// InboxRetention is how long an unacknowledged message is kept; 0
	// means the default (7 days), negative means forever.
	InboxRetention time.Duration `toml:"inbox_retention"`
	// AckTimeout is how long a message pushed to a connected client waits
	// for its ack before it is moved to the inbox; 0 means 5s.
	AckTimeout time.Duration `toml:"ack_timeout"`
	// MaxRegisteredClients bounds the stored client keys; registering a
	// new identity beyond it is refused. 0 means the default (100,000).
	MaxRegisteredClients int `toml:"max_registered_clients"`
	// RegisterRatePerMinute and RegisterBurst limit registrations per
	// remote IP (token bucket; loopback exempt); 0 means the defaults (10
	// per minute, burst 20).
	RegisterRatePerMinute int `toml:"register_rate_per_minute"`
	RegisterBurst         int `toml:"register_burst"`
	// InboxTotalBytes bounds the inbox over all clients; beyond it new
	// messages are refused. 0 means the default (10 GiB), negative means
	// unlimited.
	InboxTotalBytes int64 `toml:"inbox_total_bytes"`
	// ReplyQuota: a reply (a packet that does not open as a forward
	// packet) is not stored once its recipient has this many stored
	// messages. 0 means the default (1,000), negative means no
	// sub-quota.
	ReplyQuota int `toml:"reply_quota"`
	// ClientKeyRetention: a client whose key was last used (registered or
	// authenticated) longer ago is forgotten, key and stored mail, by the
	// inbox expiry loop. 0 means the default (90 days), negative means
	// never.
	ClientKeyRetention time.Duration `toml:"client_key_retention"`
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
	if err := cfg.Validate(); err != nil {
		return nil, f.Unknown, fmt.Errorf("config %s: %w", path, err)
	}
	return cfg, f.Unknown, nil
}

// Encode returns the config as TOML text.
func (c *Config) Encode() ([]byte, error) {
	var b strings.Builder
	b.WriteString("# nym-node configuration. `nym-node run --id " + c.ID + " --check-config` validates it.\n\n")
	if err := toml.NewEncoder(&b).Encode(c); err != nil {
		return nil, fmt.Errorf("config: encode: %w", err)
	}
	return []byte(b.String()), nil
}

// Validate fills defaults for unset durations and checks every field,
// naming the first bad one.
func (c *Config) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
	}
	if c.ID == "" {
		bad("id", "missing")
	}
	switch c.Mode {
	case ModeMixnode:
		if c.Mixnode == nil {
			bad("mixnode", "section missing for mode %q", c.Mode)
		} else if c.Mixnode.Layer < 1 || c.Mixnode.Layer > DefaultLayers {
			bad("mixnode.layer", "%d is outside 1..%d", c.Mixnode.Layer, DefaultLayers)
		}
		if c.Gateway != nil {
			bad("gateway", "section present but mode is %q", c.Mode)
		}
	case ModeEntryGateway, ModeExitGateway:
		if c.Gateway == nil {
			bad("gateway", "section missing for mode %q", c.Mode)
		} else {
			if err := checkHostPort(c.Gateway.ClientsListen); err != nil {
				bad("gateway.clients_listen", "%v", err)
			}
			if err := checkWSURL(c.Gateway.ClientsAnnounce); err != nil {
				bad("gateway.clients_announce", "%v", err)
			}
			if c.Gateway.AckTimeout < 0 {
				bad("gateway.ack_timeout", "%v is negative", c.Gateway.AckTimeout)
			}
			for _, f := range []struct {
				key string
				v   int
			}{
				{"max_registered_clients", c.Gateway.MaxRegisteredClients},
				{"register_rate_per_minute", c.Gateway.RegisterRatePerMinute},
				{"register_burst", c.Gateway.RegisterBurst},
			} {
				if f.v < 0 {
					bad("gateway."+f.key, "%d is negative (0 means the default)", f.v)
				}
			}
		}
		if c.Mixnode != nil {
			bad("mixnode", "section present but mode is %q", c.Mode)
		}
	default:
		bad("mode", "%q is not one of %v", c.Mode, Modes)
	}
	switch {
	case c.Mode == ModeExitGateway && c.NetworkRequester == nil:
		bad("network_requester", "section missing for mode %q", c.Mode)
	case c.Mode != ModeExitGateway && c.NetworkRequester != nil:
		bad("network_requester", "section present but mode is %q", c.Mode)
	case c.NetworkRequester != nil:
		c.NetworkRequester.validate(bad)
	}
	if err := checkHostPort(c.Mixnet.Listen); err != nil {
		bad("mixnet.listen", "%v", err)
	}
	if err := checkAnnounce(c.Mixnet.Announce); err != nil {
		bad("mixnet.announce", "%v", err)
	}
	if c.Mixnet.MaxDelay == 0 {
		c.Mixnet.MaxDelay = DefaultMaxDelay
	} else if c.Mixnet.MaxDelay < 0 || c.Mixnet.MaxDelay > MaxMaxDelay {
		bad("mixnet.max_delay", "%v is outside 0..%v", c.Mixnet.MaxDelay, MaxMaxDelay)
	}
	if err := checkHostPort(c.HTTP.Listen); err != nil {
		bad("http.listen", "%v", err)
	}
	if c.Directory.URL != "" {
		u, err := url.Parse(c.Directory.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("directory.url", "%q is not an http(s) URL", c.Directory.URL)
		}
	}
	if c.Directory.PresenceInterval == 0 {
		c.Directory.PresenceInterval = DefaultPresenceInterval
	} else if c.Directory.PresenceInterval < 100*time.Millisecond {
		bad("directory.presence_interval", "%v is below 100ms", c.Directory.PresenceInterval)
	}
	if c.Directory.MetricsInterval == 0 {
		c.Directory.MetricsInterval = DefaultMetricsInterval
	} else if c.Directory.MetricsInterval < 100*time.Millisecond {
		bad("directory.metrics_interval", "%v is below 100ms", c.Directory.MetricsInterval)
	}
	if c.Directory.TopologyInterval == 0 {
		c.Directory.TopologyInterval = DefaultTopologyInterval
	} else if c.Directory.TopologyInterval < 100*time.Millisecond {
		bad("directory.topology_interval", "%v is below 100ms", c.Directory.TopologyInterval)
	}
	return errors.Join(errs...)
}

// checkHostPort checks a listen address: host:port with a port in
// 0..65535 (0 picks a free port).
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

// checkAnnounce checks the address other nodes are told to send to: an IP
// literal with a port, which Sphinx headers can carry (no zone) and which
// a remote node can reach (not unspecified, multicast or link-local).
func checkAnnounce(s string) error {
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		return fmt.Errorf("%q is not ip:port (the host must be an IP address): %v", s, err)
	}
	a := ap.Addr()
	switch {
	case ap.Port() == 0:
		return fmt.Errorf("%q has no valid port", s)
	case a.Zone() != "":
		return fmt.Errorf("%q has a zone, which a Sphinx address cannot carry", s)
	case a.IsUnspecified():
		return fmt.Errorf("%q is unspecified: announce the address other nodes reach this one at", s)
	case a.IsMulticast(), a.IsLinkLocalUnicast(), a.IsInterfaceLocalMulticast():
		return fmt.Errorf("%q is not a unicast address other nodes can reach", s)
	}
	return nil
}

// NextHopPolicy returns the mix node's next-hop policy for the announced
// address: a node on a loopback or private address (a local or private
// network) may forward to loopback and private addresses too; a node on a
// public address forwards to public addresses only, so that packets can't
// make it write into services on its own host or network.
func (c *Config) NextHopPolicy() mixnode.NextHopPolicy {
	ap, err := netip.ParseAddrPort(c.Mixnet.Announce)
	if err == nil && (ap.Addr().IsLoopback() || ap.Addr().IsPrivate()) {
		return mixnode.NextHopsPrivate
	}
	return mixnode.NextHopsPublic
}

func checkWSURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "ws" && u.Scheme != "wss") {
		return fmt.Errorf("%q is not a ws:// or wss:// URL", s)
	}
	return checkHostPort(u.Host)
}
