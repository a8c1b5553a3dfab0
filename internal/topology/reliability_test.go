// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package topology_test

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/nym-go/nym/internal/dirapi"
	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/topology"
)

func score(v float64) *float64 { return &v }

// scored returns mix n of layer with the given reliability (nil:
// unmeasured).
func scored(n byte, layer uint64, r *float64) dirapi.MixNodePresence {
	m := mix(n, layer)
	m.Reliability = r
	return m
}

// picks counts, over many routes, how often each mix key was chosen.
func picks(t *testing.T, top *topology.Topology, n int) map[sphinx.PublicKey]int {
	t.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	g := top.Gateways()[0]
	got := map[sphinx.PublicKey]int{}
	for range n {
		route, err := top.Route(r, g)
		if err != nil {
			t.Fatal(err)
		}
		if route[3].PublicKey != g.SphinxKey {
			t.Fatal("Route replaced the recipient's gateway")
		}
		for _, h := range route[:3] {
			got[h.PublicKey]++
		}
	}
	return got
}

func keyOf(t *testing.T, top *topology.Topology, layer, i int) sphinx.PublicKey {
	t.Helper()
	return top.Layer(layer)[i].SphinxKey
}

func TestRouteReliabilityFilter(t *testing.T) {
	d := &dirapi.Topology{
		MixNodes: []dirapi.MixNodePresence{
			// layer 1: 49.9 is filtered out; 50 (the default threshold),
			// 100 and unmeasured pass.
			scored(1, 1, score(49.9)), scored(2, 1, score(50)), scored(3, 1, score(100)), scored(4, 1, nil),
			// layer 2: none passes; the best-scored (two at 30) are used.
			scored(5, 2, score(10)), scored(6, 2, score(30)), scored(7, 2, score(30)),
			// layer 3: unmeasured only.
			scored(8, 3, nil),
		},
		GatewayNodes: []dirapi.GatewayPresence{gw(1)},
	}
	d.GatewayNodes[0].Reliability = score(0) // the recipient's gateway, however bad, stays
	top, rep := topology.FromDirectory(d, topology.Options{})
	if !slices.Equal(rep.Fallbacks, []string{"layer 2", "gateways"}) {
		t.Fatalf("Fallbacks = %q", rep.Fallbacks)
	}
	if m := top.Layer(1)[0]; !m.Measured || m.Reliability != 49.9 {
		t.Fatalf("layer 1 node 0 = %+v", m)
	}
	if m := top.Layer(1)[3]; m.Measured {
		t.Fatalf("unmeasured node = %+v", m)
	}
	const n = 6000
	got := picks(t, top, n)
	if got[keyOf(t, top, 1, 0)] != 0 || got[keyOf(t, top, 2, 0)] != 0 {
		t.Fatalf("a node under the threshold was chosen: %v", got)
	}
	// Uniform among the passing nodes: each of three in layer 1 gets about
	// n/3, each of two in layer 2 about n/2 (binomial, σ ≈ 37; ±200 is
	// over 5σ).
	for i := 1; i <= 3; i++ {
		if c := got[keyOf(t, top, 1, i)]; c < n/3-200 || c > n/3+200 {
			t.Errorf("layer 1 node %d chosen %d times of %d", i, c, n)
		}
	}
	for i := 1; i <= 2; i++ {
		if c := got[keyOf(t, top, 2, i)]; c < n/2-200 || c > n/2+200 {
			t.Errorf("layer 2 node %d chosen %d times of %d", i, c, n)
		}
	}

	// A negative threshold turns the filter off: every node is used.
	top, rep = topology.FromDirectory(d, topology.Options{MinReliability: -1})
	if len(rep.Fallbacks) != 0 {
		t.Fatalf("Fallbacks with the filter off = %q", rep.Fallbacks)
	}
	got = picks(t, top, 2000)
	for i := range 4 {
		if got[keyOf(t, top, 1, i)] == 0 {
			t.Errorf("filter off: layer 1 node %d never chosen", i)
		}
	}
	// A custom threshold.
	top, _ = topology.FromDirectory(d, topology.Options{MinReliability: 99})
	got = picks(t, top, 2000)
	if got[keyOf(t, top, 1, 1)] != 0 || got[keyOf(t, top, 1, 2)] == 0 || got[keyOf(t, top, 1, 3)] == 0 {
		t.Errorf("threshold 99: %v", got)
	}
}

func TestPickGateway(t *testing.T) {
	gws := []dirapi.GatewayPresence{gw(1), gw(2), gw(3)}
	gws[0].Reliability = score(10)
	gws[1].Reliability = score(90)
	d := &dirapi.Topology{MixNodes: []dirapi.MixNodePresence{mix(1, 1), mix(2, 2), mix(3, 3)}, GatewayNodes: gws}
	top, _ := topology.FromDirectory(d, topology.Options{})
	r := rand.New(rand.NewPCG(3, 4))
	count := map[sphinx.PublicKey]int{}
	for range 1000 {
		g, err := top.PickGateway(r)
		if err != nil {
			t.Fatal(err)
		}
		count[g.SphinxKey]++
	}
	if count[top.Gateways()[0].SphinxKey] != 0 || count[top.Gateways()[1].SphinxKey] < 400 ||
		count[top.Gateways()[2].SphinxKey] < 400 {
		t.Fatalf("PickGateway counts %v", count)
	}
	// All below: the best one.
	gws[1].Reliability, gws[2].Reliability = score(5), score(20)
	top, rep := topology.FromDirectory(d, topology.Options{})
	if g, _ := top.PickGateway(r); g.SphinxKey != top.Gateways()[2].SphinxKey || !slices.Equal(rep.Fallbacks, []string{"gateways"}) {
		t.Fatalf("fallback gateway %+v, %q", g, rep.Fallbacks)
	}
	empty, _ := topology.FromDirectory(&dirapi.Topology{}, topology.Options{})
	if _, err := empty.PickGateway(r); err != topology.ErrNoGateway {
		t.Fatalf("no gateways: %v", err)
	}
}
