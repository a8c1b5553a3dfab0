// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package topology_test

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/base58"
	"github.com/nym-go/nym/internal/dirapi"
	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/topology"
)

// key returns a deterministic base58 sphinx key for n.
func key(n byte) string {
	var k [32]byte
	k[0], k[31] = n, 1
	return base58.Encode(k[:])
}

func mix(n byte, layer uint64) dirapi.MixNodePresence {
	return dirapi.MixNodePresence{Host: fmt.Sprintf("10.0.0.%d:1789", n), PubKey: key(n), Layer: layer}
}

func gw(n byte) dirapi.GatewayPresence {
	return dirapi.GatewayPresence{
		MixnetListener: fmt.Sprintf("10.0.1.%d:1789", n), ClientListener: fmt.Sprintf("10.0.1.%d:9000", n), PubKey: key(100 + n),
	}
}

func identity(seed byte) ed25519.PrivateKey {
	var s [ed25519.SeedSize]byte
	s[0] = seed
	return ed25519.NewKeyFromSeed(s[:])
}

func addr(t *testing.T, s string) sphinx.NodeAddress {
	t.Helper()
	a, err := sphinx.NodeAddressFromAddrPort(netip.MustParseAddrPort(s))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestFromDirectoryEntries(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	signedMix := mix(1, 1)
	dirapi.Sign(&signedMix, identity(1), now)
	forgedMix := mix(2, 1)
	dirapi.Sign(&forgedMix, identity(2), now)
	forgedMix.Layer = 2 // changed after signing
	signedGW := gw(1)
	dirapi.Sign(&signedGW, identity(3), now)
	badGWURL := gw(2)
	badGWURL.ClientListener = "http://10.0.1.2:80"
	mapped := mix(9, 3)
	mapped.Host = "[::ffff:10.0.0.9]:1789"

	tests := []struct {
		name    string
		mix     dirapi.MixNodePresence
		gw      *dirapi.GatewayPresence
		signed  bool // Options.RequireSigned
		ok      bool
		reason  string
		layer   int
		wantURL string
	}{
		{name: "unsigned mix", mix: mix(3, 2), ok: true, layer: 2},
		{name: "unsigned mix, signatures required", mix: mix(3, 2), signed: true, reason: "not signed"},
		{name: "signed mix, signatures required", mix: signedMix, signed: true, ok: true, layer: 1},
		{name: "forged mix", mix: forgedMix, reason: "does not verify"},
		{name: "bad key", mix: dirapi.MixNodePresence{Host: "10.0.0.4:1", PubKey: "0OIl", Layer: 1}, reason: "pubKey"},
		{name: "short key", mix: dirapi.MixNodePresence{Host: "10.0.0.4:1", PubKey: base58.Encode([]byte{1, 2}), Layer: 1}, reason: "pubKey"},
		{name: "hostname", mix: dirapi.MixNodePresence{Host: "mix.example:1789", PubKey: key(5), Layer: 1}, reason: "not an IP:port"},
		{name: "no port", mix: dirapi.MixNodePresence{Host: "10.0.0.5", PubKey: key(5), Layer: 1}, reason: "not an IP:port"},
		{name: "layer 0", mix: mix(6, 0), reason: "outside 1..3"},
		{name: "layer 4", mix: mix(6, 4), reason: "outside 1..3"},
		{name: "4in6 host", mix: mapped, ok: true, layer: 3},
		{name: "gateway", gw: ptr(gw(3)), ok: true, wantURL: "ws://10.0.1.3:9000"},
		{name: "signed gateway", gw: &signedGW, signed: true, ok: true, wantURL: "ws://10.0.1.1:9000"},
		{name: "unsigned gateway, signatures required", gw: ptr(gw(4)), signed: true, reason: "not signed"},
		{name: "gateway bad client URL", gw: &badGWURL, reason: "clientListener"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var d dirapi.Topology
			if tc.gw != nil {
				d.GatewayNodes = append(d.GatewayNodes, *tc.gw)
			} else {
				d.MixNodes = append(d.MixNodes, tc.mix)
			}
			top, rep := topology.FromDirectory(&d, topology.Options{RequireSigned: tc.signed})
			n := len(top.Gateways())
			for l := 1; l <= topology.Layers; l++ {
				n += len(top.Layer(l))
			}
			if !tc.ok {
				if n != 0 || len(rep.Skipped) != 1 || !strings.Contains(rep.Skipped[0].Reason, tc.reason) {
					t.Fatalf("kept %d, report %+v; want skipped for %q", n, rep, tc.reason)
				}
				return
			}
			if n != 1 || len(rep.Skipped) != 0 {
				t.Fatalf("kept %d, report %+v", n, rep)
			}
			if tc.gw != nil {
				g := top.Gateways()[0]
				if g.ClientURL != tc.wantURL || !top.IsKnown(g.Address) || top.IsMix(g.Address) {
					t.Fatalf("gateway %+v", g)
				}
				if tc.gw.IsSigned() {
					if _, ok := top.GatewayByIdentity(identity(3).Public().(ed25519.PublicKey)); !ok {
						t.Fatal("GatewayByIdentity did not find the signed gateway")
					}
				}
				return
			}
			m := top.Layer(tc.layer)
			if len(m) != 1 || m[0].Layer != tc.layer || !top.IsMix(m[0].Address) || m[0].AddrPort.Addr().Is4In6() {
				t.Fatalf("layer %d: %+v", tc.layer, m)
			}
			if tc.mix.IsSigned() != (m[0].Identity != nil) {
				t.Fatalf("identity %x for signed=%v", m[0].Identity, tc.mix.IsSigned())
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestFromDirectoryDuplicatesAndNil(t *testing.T) {
	dup := mix(1, 2)
	dup.PubKey = key(7)
	d := &dirapi.Topology{
		MixNodes:     []dirapi.MixNodePresence{mix(1, 1), mix(1, 2), dup},
		GatewayNodes: []dirapi.GatewayPresence{gw(1), gw(1)},
	}
	top, rep := topology.FromDirectory(d, topology.Options{})
	if len(top.Layer(1)) != 1 || len(top.Layer(2)) != 0 || len(top.Gateways()) != 1 || len(rep.Skipped) != 3 {
		t.Fatalf("layers %d/%d, gateways %d, report %+v", len(top.Layer(1)), len(top.Layer(2)), len(top.Gateways()), rep)
	}
	top, rep = topology.FromDirectory(nil, topology.Options{})
	if top == nil || len(rep.Skipped) != 0 || top.Layer(1) != nil || top.Layer(0) != nil || top.Layer(4) != nil {
		t.Fatal("nil topology")
	}
}

func TestAllows(t *testing.T) {
	d := &dirapi.Topology{
		MixNodes:     []dirapi.MixNodePresence{mix(1, 1), mix(2, 2), mix(3, 3)},
		GatewayNodes: []dirapi.GatewayPresence{gw(1)},
	}
	top, _ := topology.FromDirectory(d, topology.Options{})
	l1, l2, l3, g := addr(t, "10.0.0.1:1789"), addr(t, "10.0.0.2:1789"), addr(t, "10.0.0.3:1789"), addr(t, "10.0.1.1:1789")
	unknown := addr(t, "10.9.9.9:1789")
	want := map[int]sphinx.NodeAddress{topology.GatewayLayer: l1, 1: l2, 2: l3, 3: g}
	for from := -1; from <= 4; from++ {
		for _, a := range []sphinx.NodeAddress{l1, l2, l3, g, unknown} {
			w, ok := want[from]
			if got := top.Allows(from, a); got != (ok && w == a) {
				t.Errorf("Allows(%d, %v) = %v", from, a, got)
			}
			ap, _ := a.AddrPort()
			if top.AllowsAddrPort(from, ap) != top.Allows(from, a) {
				t.Errorf("AllowsAddrPort(%d, %v) differs", from, ap)
			}
		}
	}
	if !top.IsKnown(g) || top.IsMix(g) || !top.IsMix(l2) || top.IsKnown(unknown) {
		t.Fatal("IsMix/IsKnown")
	}
	if top.AllowsAddrPort(2, netip.AddrPort{}) {
		t.Fatal("invalid AddrPort allowed")
	}
}

func TestRouteUniform(t *testing.T) {
	const perLayer, draws = 4, 40000
	var d dirapi.Topology
	for l := uint64(1); l <= topology.Layers; l++ {
		for i := range perLayer {
			d.MixNodes = append(d.MixNodes, mix(byte(10*l)+byte(i), l))
		}
	}
	d.GatewayNodes = []dirapi.GatewayPresence{gw(1)}
	top, rep := topology.FromDirectory(&d, topology.Options{})
	if len(rep.Skipped) != 0 {
		t.Fatal(rep)
	}
	g := top.Gateways()[0]
	r := rand.New(rand.NewPCG(1, 2))
	counts := map[sphinx.NodeAddress]int{}
	for range draws {
		route, err := top.Route(r, g)
		if err != nil {
			t.Fatal(err)
		}
		if len(route) != topology.Layers+1 || route[topology.Layers].Address != g.Address || route[topology.Layers].PublicKey != g.SphinxKey {
			t.Fatalf("route %v", route)
		}
		for i, h := range route[:topology.Layers] {
			if !top.IsMix(h.Address) || h.Delay != 0 {
				t.Fatalf("hop %d: %+v", i, h)
			}
			if i > 0 && !top.Allows(i, h.Address) {
				t.Fatalf("hop %d not in layer %d", i, i+1)
			}
			counts[h.Address]++
		}
	}
	// Chi-square per layer, 3 degrees of freedom: 16.27 is the 0.001 tail.
	exp := float64(draws) / perLayer
	for l := 1; l <= topology.Layers; l++ {
		chi := 0.0
		for _, m := range top.Layer(l) {
			dd := float64(counts[m.Address]) - exp
			chi += dd * dd / exp
		}
		if chi > 16.27 {
			t.Errorf("layer %d: chi-square %.2f, counts not uniform", l, chi)
		}
	}
}

func TestRouteEmptyLayer(t *testing.T) {
	d := &dirapi.Topology{MixNodes: []dirapi.MixNodePresence{mix(1, 1), mix(3, 3)}, GatewayNodes: []dirapi.GatewayPresence{gw(1)}}
	top, _ := topology.FromDirectory(d, topology.Options{})
	_, err := top.Route(rand.New(rand.NewPCG(1, 1)), top.Gateways()[0])
	if !errors.Is(err, topology.ErrEmptyLayer) || !strings.Contains(err.Error(), "layer 2") {
		t.Fatalf("err = %v", err)
	}
}
