// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package topology_test

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/nym-go/nym/internal/dirapi"
	"github.com/nym-go/nym/internal/topology"
)

// FuzzFromDirectory feeds arbitrary topology bodies (what a directory, or
// anyone posing as one, serves) through JSON decoding and FromDirectory:
// no panic, and every route it builds uses only nodes it knows.
func FuzzFromDirectory(f *testing.F) {
	good, err := json.Marshal(&dirapi.Topology{
		MixNodes:     []dirapi.MixNodePresence{mix(1, 1), mix(2, 2), mix(3, 3)},
		GatewayNodes: []dirapi.GatewayPresence{gw(1)},
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte(`{"mixNodes":[{"host":"[::1]:0","pubKey":"","layer":18446744073709551615}]}`))
	f.Add([]byte(`{"gatewayNodes":[{"mixnetListener":"x","clientListener":"ws://","pubKey":"1"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var d dirapi.Topology
		if json.Unmarshal(b, &d) != nil {
			return
		}
		for _, signed := range []bool{false, true} {
			top, _ := topology.FromDirectory(&d, topology.Options{RequireSigned: signed})
			if top == nil {
				continue
			}
			r := rand.New(rand.NewPCG(1, 2))
			for _, g := range top.Gateways() {
				hops, err := top.Route(r, g)
				if err != nil {
					continue
				}
				for i, h := range hops {
					if !top.IsKnown(h.Address) {
						t.Fatalf("route hop %d %v is not a known node", i, h.Address)
					}
				}
			}
		}
	})
}
