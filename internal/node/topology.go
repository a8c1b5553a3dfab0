// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package node

import (
	"context"
	"log/slog"
	"net/netip"
	"sync/atomic"

	"github.com/nym-go/nym/internal/clock"
	"github.com/nym-go/nym/internal/dirapi"
	"github.com/nym-go/nym/internal/topology"
)

// newTopologyWatcher returns a watcher of the directory's topology (fetch
// is (*dirclient.Client).Topology) configured by the [directory] section:
// a refresh every cfg.TopologyInterval (default topology.DefaultInterval,
// 30 s), and early on a Kick at most every topology.DefaultMinKickInterval
// (5 s).
//
// By default (require_signed = false) entries are not required to be
// signed: the node trusts the directory, which refuses unsigned presence
// unless it runs with AllowUnsigned. With require_signed, unsigned entries
// are left out. Entries with a forged signature are always left out.
func newTopologyWatcher(fetch func(context.Context) (*dirapi.Topology, error), cfg DirectoryConfig, clk clock.Clock, log *slog.Logger) (*topology.Watcher, error) {
	return topology.New(topology.Config{
		Interval: cfg.TopologyInterval,
		Options:  topology.Options{RequireSigned: cfg.RequireSigned},
	}, topology.Deps{Fetch: fetch, Clock: clk, Logger: log})
}

// nextHopLayer is the layer topology.Allows checks a node's next hops
// from: the mix layer of a mix node, topology.GatewayLayer of a gateway.
func nextHopLayer(cfg *Config) int {
	if cfg.Mode.IsGateway() {
		return topology.GatewayLayer
	}
	return cfg.Mixnode.Layer
}

// allowNextHop returns the mix pipeline's mixnode.Deps.AllowNextHop: a
// next hop is allowed iff the current topology lists it in the layer after
// from (layer from+1 mixes; gateways after layer 3; layer-1 mixes after a
// gateway). It runs per new next hop under the mix node's forwarder lock,
// so it only loads an atomic pointer and looks up a map.
//
// Policy:
//   - No topology yet (the directory was down since start): allow, that
//     is fail open, so a node started before its directory still forwards;
//     Config.NextHops (public or private addresses only, never the node
//     itself) still applies. This is logged once.
//   - A next hop the topology does not list: refuse (the mix node drops
//     the packet as bad_next_hop) and Kick the watcher, so a node that has
//     just joined is picked up within seconds instead of at the next 30 s
//     refresh.
//
// The mix node checks a next hop only when it creates its forwarder, so a
// node that leaves the topology keeps receiving until its forwarder goes
// idle and exits.
func allowNextHop(w *topology.Watcher, from int, log *slog.Logger) func(netip.AddrPort) bool {
	var warned atomic.Bool
	return func(ap netip.AddrPort) bool {
		t := w.Current()
		if t == nil {
			if warned.CompareAndSwap(false, true) {
				log.Warn("no topology from the directory yet: next hops are not checked against it", "next_hop", ap)
			}
			return true
		}
		if t.AllowsAddrPort(from, ap) {
			return true
		}
		w.Kick()
		return false
	}
}
