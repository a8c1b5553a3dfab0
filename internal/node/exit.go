// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package node

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
	"os"
	"path/filepath"
	"time"

	"github.com/nym-go/nym/internal/ack"
	"github.com/nym-go/nym/internal/address"
	"github.com/nym-go/nym/internal/atomicfile"
	"github.com/nym-go/nym/internal/client"
	"github.com/nym-go/nym/internal/clock"
	"github.com/nym-go/nym/internal/cover"
	"github.com/nym-go/nym/internal/e2e"
	"github.com/nym-go/nym/internal/gateway/gwclient"
	"github.com/nym-go/nym/internal/home"
	"github.com/nym-go/nym/internal/keyfile"
	"github.com/nym-go/nym/internal/nativeclient"
	"github.com/nym-go/nym/internal/netreq"
	"github.com/nym-go/nym/internal/topology"
)

// Files of an exit gateway's network requester, in the node's keys/ and
// data/ directories.
const (
	RequesterIdentityFile   = "network_requester_ed25519_identity"
	RequesterEncryptionFile = "network_requester_x25519_encryption"
	RequesterAckKeyFile     = "network_requester_ack_key"
	DefaultAllowList        = "allowed.list"
	ProviderAddressFile     = "provider-address"
	requesterGatewayKeys    = "network_requester_gateway_keys"
	requesterReplyKeys      = "network_requester_reply_keys"
)

// Defaults of [network_requester].
const (
	// DefaultRequesterRealMean is the requester's real-traffic mean gap.
	// An exit sends mostly replies, one packet each, so its real stream is
	// its reply bandwidth: 5 ms is about 200 packets (400 KB) a second,
	// and an idle exit sends as many loop-cover packets. Operators who
	// want more bandwidth lower it and pay for it in idle cover.
	DefaultRequesterRealMean = 5 * time.Millisecond
)

// NetworkRequesterConfig is the [network_requester] section, present
// exactly when the mode is exit-gateway.
type NetworkRequesterConfig struct {
	// AllowList is the allow-list file; a relative path is relative to the
	// node's directory. Empty or missing allows nothing.
	AllowList string `toml:"allow_list"`
	// OpenProxy turns the allow list off: every public target is allowed.
	OpenProxy bool `toml:"open_proxy"`
	// AllowPrivate lifts the guard that keeps the exit off its own
	// loopback, private, link-local and multicast ranges (netreq).
	AllowPrivate bool `toml:"allow_private"`
	// RealMean, LoopMean and HopDelay are the requester's client rates
	// (0 = DefaultRequesterRealMean, cover's default, 50 ms; LoopMean
	// negative = off; HopDelay negative = no mixing delay).
	RealMean time.Duration `toml:"real_mean"`
	LoopMean time.Duration `toml:"loop_mean"`
	HopDelay time.Duration `toml:"hop_delay"`
	// MaxSessions, MaxSURBsPerSession, SessionIdle and DialTimeout are the
	// netreq limits (0 = netreq's defaults).
	MaxSessions        int           `toml:"max_sessions"`
	MaxSURBsPerSession int           `toml:"max_surbs_per_session"`
	SessionIdle        time.Duration `toml:"session_idle"`
	DialTimeout        time.Duration `toml:"dial_timeout"`
}

func (c *NetworkRequesterConfig) validate(bad func(field, format string, args ...any)) {
	if c.RealMean < 0 {
		bad("network_requester.real_mean", "%v is negative", c.RealMean)
	}
	for _, f := range []struct {
		name string
		v    int64
	}{
		{"max_sessions", int64(c.MaxSessions)}, {"max_surbs_per_session", int64(c.MaxSURBsPerSession)},
		{"session_idle", int64(c.SessionIdle)}, {"dial_timeout", int64(c.DialTimeout)},
	} {
		if f.v < 0 {
			bad("network_requester."+f.name, "%d is negative", f.v)
		}
	}
}

// allowListPath resolves the allow list against the node's directory.
func (c *NetworkRequesterConfig) allowListPath(dir home.Dir) string {
	if c.AllowList == "" || filepath.IsAbs(c.AllowList) {
		return c.AllowList
	}
	return filepath.Join(string(dir), c.AllowList)
}

const allowListHeader = `# Allow list of this exit gateway's network requester: the hosts clients may
# connect to. One rule per line; '#' starts a comment.
#   example.com        the domain and its subdomains (a.example.com), not badexample.com
#   203.0.113.7        an IP address (IPv4 or IPv6)
#   198.51.100.0/24    a CIDR range
# A domain is checked, then resolved, and the exit never connects to its own
# loopback, private, link-local or multicast ranges (as an IP target or as what
# a domain resolves to) unless an IP/CIDR rule inside that range admits them,
# e.g. 127.0.0.0/8. An empty list allows nothing; open_proxy = true allows
# every public host; allow_private = true also lifts the private-range guard.
# Changes are picked up within seconds. Refused hosts go to unknown.list.
`

// initRequester writes the requester's keys (kept if present) and an empty
// allow list (kept if present).
func initRequester(dir home.Dir, cfg *NetworkRequesterConfig, rand io.Reader) error {
	for _, k := range []struct {
		file string
		size int
	}{{RequesterIdentityFile, ed25519.SeedSize}, {RequesterEncryptionFile, 32}, {RequesterAckKeyFile, ack.KeySize}} {
		if exists(dir.Keys(k.file)) {
			continue
		}
		b := make([]byte, k.size)
		if _, err := io.ReadFull(rand, b); err != nil {
			return err
		}
		if k.file == RequesterEncryptionFile {
			priv, _, err := e2e.GenerateKey(rand)
			if err != nil {
				return err
			}
			b = priv[:]
		}
		if err := keyfile.Write(dir.Keys(k.file), b, keyfile.Private, false); err != nil {
			return err
		}
	}
	p := cfg.allowListPath(dir)
	if p != "" && !exists(p) {
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(allowListHeader), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// requesterKeys are the network requester's client keys.
type requesterKeys struct {
	identity   ed25519.PrivateKey
	encryption [32]byte
	ack        [ack.KeySize]byte
}

func loadRequesterKeys(dir home.Dir) (*requesterKeys, error) {
	seed, err := keyfile.Read(dir.Keys(RequesterIdentityFile), ed25519.SeedSize, keyfile.Private)
	if err != nil {
		return nil, err
	}
	enc, err := keyfile.Read(dir.Keys(RequesterEncryptionFile), 32, keyfile.Private)
	if err != nil {
		return nil, err
	}
	ak, err := keyfile.Read(dir.Keys(RequesterAckKeyFile), ack.KeySize, keyfile.Private)
	if err != nil {
		return nil, err
	}
	k := &requesterKeys{identity: ed25519.NewKeyFromSeed(seed)}
	copy(k.encryption[:], enc)
	copy(k.ack[:], ak)
	return k, nil
}

// address returns the requester's address at the gateway gw.
func (k *requesterKeys) address(gw ed25519.PublicKey) address.Address {
	var a address.Address
	copy(a.Identity[:], k.identity.Public().(ed25519.PublicKey))
	a.Encryption = e2e.PublicKey(k.encryption)
	copy(a.Gateway[:], gw)
	return a
}

// exitParts are a running exit gateway's network requester and its client.
type exitParts struct {
	addr   address.Address
	client *client.Client
	req    *netreq.Requester
}

// newExitParts builds the requester's client, connected to this gateway's
// client websocket over loopback (clientsLn), and the requester.
func newExitParts(cfg *Config, dir home.Dir, gwIdentity ed25519.PrivateKey, clientsLn net.Addr,
	topo *topology.Watcher, clk clock.Clock, log *slog.Logger) (*exitParts, error) {
	nr := cfg.NetworkRequester
	keys, err := loadRequesterKeys(dir)
	if err != nil {
		return nil, fmt.Errorf("network requester: %w", err)
	}
	gwPub := gwIdentity.Public().(ed25519.PublicKey)
	url := "ws://" + loopbackAddr(clientsLn)
	realMean := nr.RealMean
	if realMean == 0 {
		realMean = DefaultRequesterRealMean
	}
	current, kick := func() *topology.Topology { return nil }, func() {}
	if topo != nil {
		current, kick = topo.Current, topo.Kick
	}
	gwKeys := nativeclient.NewGatewayKeys(dir.Data(requesterGatewayKeys))
	c, err := client.New(client.Config{
		Gateway:  gwPub,
		Cover:    cover.Config{RealMean: realMean, LoopMean: nr.LoopMean},
		HopDelay: nr.HopDelay,
	}, client.Deps{
		Identity: keys.identity, Encryption: keys.encryption, AckKey: keys.ack,
		Topology: current,
		Dial: func(ctx context.Context) (client.Conn, error) {
			return gwclient.Dial(ctx, url, keys.identity, gwPub, gwKeys, &gwclient.Options{Logger: log})
		},
		State:          nativeclient.NewReplyKeys(dir.Data(requesterReplyKeys)),
		TopologyFailed: kick,
		Clock:          clk,
		Logger:         log.With("component", "netreq-client"),
	})
	if err != nil {
		return nil, fmt.Errorf("network requester client: %w", err)
	}
	req, err := netreq.New(netreq.Config{
		AllowList: nr.allowListPath(dir), OpenProxy: nr.OpenProxy, AllowPrivate: nr.AllowPrivate,
		MaxSessions: nr.MaxSessions, MaxSURBsPerSession: nr.MaxSURBsPerSession,
		SessionIdle: nr.SessionIdle, DialTimeout: nr.DialTimeout,
	}, netreq.Deps{Client: c, Clock: clk, Logger: log})
	if err != nil {
		return nil, err
	}
	e := &exitParts{addr: keys.address(gwPub), client: c, req: req}
	if err := atomicfile.Write(dir.Data(ProviderAddressFile), []byte(e.addr.String()+"\n"), 0o644); err != nil {
		return nil, fmt.Errorf("network requester: %w", err)
	}
	return e, nil
}

// start runs the client and the requester in g.
func (e *exitParts) start(g *group) {
	g.Go("network-requester-client", func(ctx context.Context) error {
		if err := e.client.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
		return nil
	})
	g.Go("network-requester", func(ctx context.Context) error {
		if err := e.req.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
		return nil
	})
}

// handler serves GET /api/v1/network-requester ({"address": ...}) and
// /api/v1/network-requester/metrics (Prometheus text), and passes every
// other request to next.
func (e *exitParts) handler(next http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/network-requester", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"address": e.addr.String()})
	})
	mux.HandleFunc("GET /api/v1/network-requester/metrics", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		_ = e.req.Stats().WriteMetrics(w)
	})
	mux.Handle("/", next)
	return mux
}

// loopbackAddr turns a listener's address into one to dial on this
// machine: an unspecified host (0.0.0.0, ::) becomes loopback.
func loopbackAddr(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// ProviderAddress returns the address of the network requester of the exit
// gateway whose files are in dir (what nym-socks5-client --provider takes).
func ProviderAddress(dir home.Dir) (address.Address, error) {
	keys, err := loadRequesterKeys(dir)
	if err != nil {
		return address.Address{}, err
	}
	id, err := LoadKeys(dir)
	if err != nil {
		return address.Address{}, err
	}
	return keys.address(id.Identity.Public().(ed25519.PublicKey)), nil
}
