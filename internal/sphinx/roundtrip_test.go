// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package sphinx_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/nym-go/nym/internal/sphinx"
)

// unwrapRoute sends pkt through nodes and checks what each hop learns: the
// next hop and its own delay, and at the end dest and id. It returns the
// final payload.
func unwrapRoute(t *testing.T, nodes []testNode, pkt []byte, dest sphinx.Destination, id sphinx.Identifier) []byte {
	t.Helper()
	size, _ := sphinx.SizeTypeForPacketLen(len(pkt))
	for i, n := range nodes {
		res, err := n.proc.Unwrap(pkt)
		if err != nil {
			t.Fatalf("hop %d: Unwrap: %v", i, err)
		}
		if res.Size != size {
			t.Fatalf("hop %d: size %v, want %v", i, res.Size, size)
		}
		if i < len(nodes)-1 {
			want := sphinx.Unwrapped{Action: sphinx.Forward, Size: size, ReplayTag: res.ReplayTag, NextHop: nodes[i+1].hop.Address, Delay: n.hop.Delay, Packet: res.Packet}
			if res.Action != want.Action || res.NextHop != want.NextHop || res.Delay != want.Delay ||
				res.Destination != (sphinx.Destination{}) || res.Identifier != (sphinx.Identifier{}) || res.Payload != nil {
				t.Fatalf("hop %d: got %+v, want next hop %v, delay %v and nothing else", i, res, want.NextHop, want.Delay)
			}
			if len(res.Packet) != len(pkt) || &res.Packet[0] != &pkt[0] {
				t.Fatalf("hop %d: forward packet is not the input buffer", i)
			}
			continue
		}
		if res.Action != sphinx.Final || res.Destination != dest || res.Identifier != id ||
			res.NextHop != (sphinx.NodeAddress{}) || res.Delay != 0 || res.Packet != nil {
			t.Fatalf("last hop: got %+v, want final with destination %x, id %x", res, dest, id)
		}
		return res.Payload
	}
	panic("unreachable")
}

func TestRoundTrip(t *testing.T) {
	rng := seededReader("TestRoundTrip")
	dest := sphinx.Destination{1, 2, 3, 31: 4}
	id := sphinx.Identifier{9, 15: 9}
	for _, size := range sizes {
		for hops := 1; hops <= sphinx.MaxHops; hops++ {
			for _, ptLen := range []int{0, 1, size.PlaintextSize()} {
				t.Run(fmt.Sprintf("%v/%dhops/%dbytes", size, hops, ptLen), func(t *testing.T) {
					nodes := newNodes(t, rng, hops)
					pt := fullPlaintext(size)[:ptLen]
					pkt, err := sphinx.NewPacket(rng, routeOf(nodes), dest, id, size, pt)
					if err != nil {
						t.Fatal(err)
					}
					if len(pkt) != size.PacketSize() {
						t.Fatalf("packet is %d bytes, want %d", len(pkt), size.PacketSize())
					}
					payload := unwrapRoute(t, nodes, pkt, dest, id)
					got, err := sphinx.OpenPayload(payload)
					if err != nil {
						t.Fatalf("OpenPayload: %v", err)
					}
					if !bytes.Equal(got, pt) {
						t.Fatalf("plaintext %x, want %x", got, pt)
					}
				})
			}
		}
	}
}
