// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package node

import (
	"context"
	"log/slog"
	"net"
	"time"

	"github.com/nym-go/nym/internal/clock"
	"github.com/nym-go/nym/internal/dirapi"
	"github.com/nym-go/nym/internal/gateway"
	"github.com/nym-go/nym/internal/home"
	"github.com/nym-go/nym/internal/nodehttp"
	"github.com/nym-go/nym/internal/storage"
	"github.com/nym-go/nym/internal/storage/boltstore"
)

// InboxFile is the gateway's inbox and key store, under data/.
const InboxFile = "inbox.db"

// expiryInterval is how often messages past retention are deleted.
const expiryInterval = 10 * time.Minute

// gatewayParts are a gateway node's parts beyond the mix pipeline.
type gatewayParts struct {
	gw    *gateway.Gateway
	store *boltstore.Store
	path  string
	clk   clock.Clock
	log   *slog.Logger
}

func newGatewayParts(cfg *Config, keys *KeySet, dir home.Dir, forward gateway.ForwardFunc, clk clock.Clock, log *slog.Logger) (*gatewayParts, error) {
	path := dir.Data(InboxFile)
	store, err := boltstore.Open(path, boltstore.Config{Limits: storage.Limits{
		MaxMessages: cfg.Gateway.InboxMaxMessages, MaxBytes: cfg.Gateway.InboxMaxBytes, Retention: cfg.Gateway.InboxRetention,
	}}, boltstore.Deps{Clock: clk, Logger: log.With("component", "inbox")})
	if err != nil {
		return nil, err
	}
	gw, err := gateway.New(gatewayConfig(cfg.Gateway), gateway.Deps{
		Identity: keys.Identity, Inbox: store, Keys: store, Forward: forward, Clock: clk, Logger: log,
	})
	if err != nil {
		store.Close()
		return nil, err
	}
	return &gatewayParts{gw: gw, store: store, path: path, clk: clk, log: log}, nil
}

// start adds the gateway's tasks to g: the client websocket on ln, the
// gateway's lifetime and the inbox expiry loop.
func (p *gatewayParts) start(g *group, ln net.Listener) {
	g.Go("gateway", p.gw.Run)
	g.Go("clients", func(ctx context.Context) error {
		return nodehttp.Serve(ctx, ln, p.gw.Handler(), ShutdownTimeout/2)
	})
	g.Go("inbox-expiry", func(ctx context.Context) error {
		return storage.RunExpiry(ctx, expiringInbox{p.store, p.gw}, p.clk, expiryInterval, func(err error) {
			p.log.Warn("inbox expiry failed", "error", err)
		})
	})
}

// expiringInbox is the inbox as the expiry loop sees it: each Expire also
// forgets the clients whose keys went unused for
// gateway.Config.ClientKeyRetention (with their mail).
type expiringInbox struct {
	*boltstore.Store
	gw *gateway.Gateway
}

// Expire deletes messages past retention, then forgets unused clients.
func (e expiringInbox) Expire(ctx context.Context, now time.Time) (int, error) {
	n, err := e.Store.Expire(ctx, now)
	if err != nil {
		return n, err
	}
	_, err = e.gw.ExpireClients(ctx, now)
	return n, err
}

// close closes the inbox once everything that writes to it has stopped.
func (p *gatewayParts) close() {
	p.gw.Shutdown()
	if err := p.store.Close(); err != nil {
		p.log.Warn("closing the inbox", "error", err)
	}
}

// registeredClients returns the number of registered clients, for the
// presence; on a nil receiver (a mix node) it is nil, so no count is sent.
func (p *gatewayParts) registeredClients() func() uint64 {
	if p == nil {
		return nil
	}
	return func() uint64 { return uint64(p.gw.Stats().RegisteredClients) }
}

// GatewayStats implements nodehttp.GatewaySource.
func (p *gatewayParts) GatewayStats() nodehttp.GatewayStats {
	st := p.gw.Stats()
	return nodehttp.GatewayStats{
		ConnectedClients: st.ConnectedClients, RegisteredClients: st.RegisteredClients,
		StoredMessages: st.StoredMessages, StoredBytes: st.StoredBytes,
		Counters: map[string]uint64{
			"received": st.Received, "stored": st.Stored, "delivered_live": st.DeliveredLive,
			"delivered_stored": st.DeliveredStored, "ack_timeouts": st.AckTimeouts, "push_overflow": st.PushOverflow,
			"surb_acks_forwarded": st.SURBAcksForwarded, "surb_acks_failed": st.SURBAcksFailed,
			"client_packets": st.ClientPackets, "client_bytes": st.ClientBytes, "send_failed": st.SendFailed,
			"connections": st.Connections, "replaced": st.Replaced, "registrations": st.Registrations,
		},
		Dropped: st.Dropped, Refused: st.Refused,
	}
}

// presenceFunc returns the signed presence the node announces.
// clients, for a gateway, returns how many clients are registered.
func presenceFunc(cfg *Config, keys *KeySet, clk clock.Clock, clients func() uint64) func() dirapi.Signable {
	if cfg.Mode.IsGateway() {
		return func() dirapi.Signable {
			p := &dirapi.GatewayPresence{
				ClientListener: cfg.Gateway.ClientsAnnounce, MixnetListener: cfg.Mixnet.Announce,
				PubKey: keys.SphinxPublic(), Version: Version, Location: cfg.Location,
				// Listing clients would tell anyone who uses this gateway.
				RegisteredClients: []dirapi.RegisteredClient{},
			}
			if clients != nil {
				p.RegisteredClientCount = clients()
			}
			dirapi.Sign(p, keys.Identity, clk.Now())
			return p
		}
	}
	return func() dirapi.Signable {
		p := &dirapi.MixNodePresence{
			Host: cfg.Mixnet.Announce, PubKey: keys.SphinxPublic(), Version: Version,
			Location: cfg.Location, Layer: uint64(cfg.Mixnode.Layer),
		}
		dirapi.Sign(p, keys.Identity, clk.Now())
		return p
	}
}

// gatewayConfig maps the [gateway] section to gateway.Config; zero values
// select the gateway's defaults.
func gatewayConfig(c *GatewayConfig) gateway.Config {
	return gateway.Config{
		AckTimeout:      c.AckTimeout,
		MaxRegistered:   c.MaxRegisteredClients,
		RegisterRate:    c.RegisterRatePerMinute,
		RegisterBurst:   c.RegisterBurst,
		InboxTotalBytes: c.InboxTotalBytes,
		ReplyQuota:      c.ReplyQuota,

		ClientKeyRetention: c.ClientKeyRetention,
	}
}
