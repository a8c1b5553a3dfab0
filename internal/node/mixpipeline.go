// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package node

import (
	"log/slog"
	"maps"
	"net"
	"net/netip"

	"github.com/nym-go/nym/internal/announce"
	"github.com/nym-go/nym/internal/clock"
	"github.com/nym-go/nym/internal/mixnode"
	"github.com/nym-go/nym/internal/nodehttp"
	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/wire"
)

// mixPipeline adapts the mix node's packet path to what the HTTP API and
// the announcer read.
type mixPipeline struct {
	*mixnode.Node
}

// newMixPipeline builds the mix node, which dials next hops with dialer.
// allow, if not nil, is its Deps.AllowNextHop (see allowNextHop).
func newMixPipeline(cfg *Config, keys *KeySet, ln net.Listener, dialer wire.Dialer, final func(*sphinx.Unwrapped), allow func(netip.AddrPort) bool, clk clock.Clock, log *slog.Logger) (*mixPipeline, error) {
	n, err := mixnode.New(mixnode.Config{MaxDelay: cfg.Mixnet.MaxDelay, NextHops: cfg.NextHopPolicy()}, mixnode.Deps{
		Key: keys.Sphinx, Listener: ln, Dialer: dialer, Clock: clk, Logger: log, Final: final,
		AllowNextHop: allow,
	})
	if err != nil {
		return nil, err
	}
	return &mixPipeline{n}, nil
}

// Stats implements nodehttp.StatsSource.
func (m *mixPipeline) Stats() nodehttp.Stats {
	st := m.Node.Stats()
	dropped := make(map[string]uint64, len(st.Dropped))
	for r, n := range st.Dropped {
		dropped[string(r)] = n
	}
	return nodehttp.Stats{
		Received: st.Received,
		Sent:     st.Sent,
		Dropped:  dropped,
		Queued: map[string]int{
			"inbound": st.Queued.Inbound, "delayed": st.Queued.Delayed, "forwarding": st.Queued.Forwarding,
		},
		Connections: st.Connections,
	}
}

func (m *mixPipeline) totals() announce.Totals {
	st := m.Node.Stats()
	return announce.Totals{Received: st.Received, Sent: maps.Clone(st.Sent)}
}
