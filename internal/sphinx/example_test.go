// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package sphinx_test

import (
	"crypto/rand"
	"fmt"
	"net/netip"
	"time"

	"github.com/nym-go/nym/internal/sphinx"
)

// A client sends a packet through two mixes to a gateway; each node unwraps
// it with its own key.
func Example() {
	var route []sphinx.Hop
	var nodes []*sphinx.Processor
	for i, addr := range []string{"192.0.2.1:1789", "192.0.2.2:1789", "[2001:db8::3]:1789"} {
		key, _ := sphinx.GenerateKey(rand.Reader)
		a, _ := sphinx.NodeAddressFromAddrPort(netip.MustParseAddrPort(addr))
		route = append(route, sphinx.Hop{Address: a, PublicKey: key.Public(), Delay: time.Duration(i+1) * 10 * time.Millisecond})
		nodes = append(nodes, sphinx.NewProcessor(key))
	}
	pkt, err := sphinx.NewPacket(rand.Reader, route, sphinx.Destination{'b', 'o', 'b'}, sphinx.Identifier{}, sphinx.Regular, []byte("hello"))
	if err != nil {
		panic(err)
	}
	for _, node := range nodes {
		res, err := node.Unwrap(pkt)
		if err != nil {
			panic(err)
		}
		switch res.Action {
		case sphinx.Forward:
			fmt.Printf("forward to %v after %v\n", res.NextHop, res.Delay)
		case sphinx.Final:
			plaintext, err := sphinx.OpenPayload(res.Payload)
			fmt.Printf("deliver %q to %s (%v)\n", plaintext, res.Destination[:3], err)
		}
	}
	// Output:
	// forward to 192.0.2.2:1789 after 10ms
	// forward to [2001:db8::3]:1789 after 20ms
	// deliver "hello" to bob (<nil>)
}
