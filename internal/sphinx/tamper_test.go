// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package sphinx_test

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/nym-go/nym/internal/sphinx"
)

// TestHeaderBitFlips flips every bit of the header a hop receives, at the
// first and at a middle hop, and checks that the hop refuses the packet
// without touching it.
func TestHeaderBitFlips(t *testing.T) {
	rng := seededReader("TestHeaderBitFlips")
	nodes := newNodes(t, rng, 4)
	pkt, err := sphinx.NewPacket(rng, routeOf(nodes), sphinx.Destination{1}, sphinx.Identifier{2}, sphinx.Ack, []byte("hello"))
	if err != nil {
		t.Fatal(err)
	}
	for hop := range 3 {
		t.Run(fmt.Sprint("hop", hop), func(t *testing.T) {
			for bit := range 8 * sphinx.HeaderSize {
				flipped := bytes.Clone(pkt)
				flipped[bit/8] ^= 1 << (bit % 8)
				sent := bytes.Clone(flipped)
				res, err := nodes[hop].proc.Unwrap(flipped)
				if err == nil {
					t.Fatalf("bit %d: flipped header accepted: %+v", bit, res)
				}
				if !errors.Is(err, sphinx.ErrBadMAC) && !errors.Is(err, sphinx.ErrMalformed) {
					t.Fatalf("bit %d: err = %v, want ErrBadMAC or ErrMalformed", bit, err)
				}
				if bit >= 8*sphinx.GroupElementSize && !errors.Is(err, sphinx.ErrBadMAC) {
					t.Fatalf("bit %d (γ or β): err = %v, want ErrBadMAC", bit, err)
				}
				if !bytes.Equal(flipped, sent) {
					t.Fatalf("bit %d: refused packet was modified", bit)
				}
			}
			if _, err := nodes[hop].proc.Unwrap(pkt); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestPayloadBitFlips flips payload bits. Hops cannot see the change (there
// is no payload MAC), but the final integrity check fails.
func TestPayloadBitFlips(t *testing.T) {
	rng := seededReader("TestPayloadBitFlips")
	tests := []struct {
		size   sphinx.SizeType
		hops   int
		stride int // test every stride-th bit of the payload
	}{
		{sphinx.Ack, 1, 1},
		{sphinx.Ack, 4, 1},
		{sphinx.Regular, 4, 61},
		{sphinx.Extended, 2, 4099},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%v/%dhops", tt.size, tt.hops), func(t *testing.T) {
			stride := tt.stride
			if testing.Short() {
				stride *= 7
			}
			nodes := newNodes(t, rng, tt.hops)
			dest, id := sphinx.Destination{3}, sphinx.Identifier{4}
			pkt, err := sphinx.NewPacket(rng, routeOf(nodes), dest, id, tt.size, fullPlaintext(tt.size)[:tt.size.PlaintextSize()/2])
			if err != nil {
				t.Fatal(err)
			}
			bits := 8 * tt.size.PayloadSize()
			for bit := 0; bit < bits; bit += stride {
				p := bytes.Clone(pkt)
				p[sphinx.HeaderSize+bit/8] ^= 1 << (bit % 8)
				payload := unwrapRoute(t, nodes, p, dest, id)
				if got, err := sphinx.OpenPayload(payload); !errors.Is(err, sphinx.ErrPayloadIntegrity) {
					t.Fatalf("bit %d: OpenPayload = %x, %v; want ErrPayloadIntegrity", bit, got, err)
				}
			}
		})
	}
}

func TestWrongKey(t *testing.T) {
	rng := seededReader("TestWrongKey")
	nodes := newNodes(t, rng, 3)
	stranger := newNodes(t, rng, 1)[0]
	pkt, err := sphinx.NewPacket(rng, routeOf(nodes), sphinx.Destination{}, sphinx.Identifier{}, sphinx.Regular, []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	for name, proc := range map[string]*sphinx.Processor{"stranger": stranger.proc, "second hop": nodes[1].proc, "last hop": nodes[2].proc} {
		p := bytes.Clone(pkt)
		if _, err := proc.Unwrap(p); !errors.Is(err, sphinx.ErrBadMAC) {
			t.Errorf("%s: err = %v, want ErrBadMAC", name, err)
		}
		if !bytes.Equal(p, pkt) {
			t.Errorf("%s: refused packet was modified", name)
		}
	}
	// After the first hop, the packet is for the second hop only.
	if _, err := nodes[0].proc.Unwrap(pkt); err != nil {
		t.Fatal(err)
	}
	for _, proc := range []*sphinx.Processor{nodes[0].proc, nodes[2].proc, stranger.proc} {
		if _, err := proc.Unwrap(bytes.Clone(pkt)); !errors.Is(err, sphinx.ErrBadMAC) {
			t.Errorf("forwarded packet at the wrong node: err = %v, want ErrBadMAC", err)
		}
	}
}

func TestUnwrapMalformed(t *testing.T) {
	rng := seededReader("TestUnwrapMalformed")
	node := newNodes(t, rng, 1)[0]
	good, err := sphinx.NewPacket(rng, routeOf([]testNode{node}), sphinx.Destination{}, sphinx.Identifier{}, sphinx.Ack, nil)
	if err != nil {
		t.Fatal(err)
	}
	withAlpha := func(mod func(a []byte)) []byte {
		p := bytes.Clone(good)
		mod(p[:32])
		return p
	}
	tests := map[string][]byte{
		"empty":               nil,
		"header only":         good[:sphinx.HeaderSize],
		"one byte short":      good[:len(good)-1],
		"one byte long":       append(bytes.Clone(good), 0),
		"α top bit":           withAlpha(func(a []byte) { a[31] |= 0x80 }),
		"α = p":               withAlpha(func(a []byte) { copy(a, bytes.Repeat([]byte{0xff}, 32)); a[0] = 0xed; a[31] = 0x7f }),
		"α = p+1":             withAlpha(func(a []byte) { copy(a, bytes.Repeat([]byte{0xff}, 32)); a[0] = 0xee; a[31] = 0x7f }),
		"α = 0 (small order)": withAlpha(func(a []byte) { clear(a) }),
		"α = 1 (small order)": withAlpha(func(a []byte) { clear(a); a[0] = 1 }),
	}
	for name, pkt := range tests {
		t.Run(name, func(t *testing.T) {
			sent := bytes.Clone(pkt)
			if _, err := node.proc.Unwrap(pkt); !errors.Is(err, sphinx.ErrMalformed) {
				t.Fatalf("err = %v, want ErrMalformed", err)
			}
			if !bytes.Equal(pkt, sent) {
				t.Fatal("refused packet was modified")
			}
		})
	}
}

// TestHopsLearnOnlyTheirPart checks that what a hop forwards shows nothing
// of the rest of the route in the clear: no later address, nor the
// destination, identifier or plaintext.
func TestHopsLearnOnlyTheirPart(t *testing.T) {
	rng := seededReader("TestHopsLearnOnlyTheirPart")
	nodes := newNodes(t, rng, sphinx.MaxHops)
	dest := sphinx.Destination{0xde, 0xad, 0xbe, 0xef, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	id := sphinx.Identifier{0x1d, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	pt := []byte("the plaintext only the last hop may read")
	pkt, err := sphinx.NewPacket(rng, routeOf(nodes), dest, id, sphinx.Regular, pt)
	if err != nil {
		t.Fatal(err)
	}
	secrets := func(from int) map[string][]byte {
		m := map[string][]byte{"destination": dest[:16], "identifier": id[:], "plaintext": pt}
		for j := from; j < len(nodes); j++ {
			a := nodes[j].hop.Address
			m[fmt.Sprint("address of hop ", j)] = a[:7] // version, port, first 4 address bytes
		}
		return m
	}
	for i, n := range nodes[:len(nodes)-1] {
		for what, b := range secrets(i + 1) {
			if bytes.Contains(pkt, b) {
				t.Fatalf("packet arriving at hop %d shows the %s", i, what)
			}
		}
		res, err := n.proc.Unwrap(pkt)
		if err != nil {
			t.Fatal(err)
		}
		if res.NextHop != nodes[i+1].hop.Address || res.Delay != n.hop.Delay {
			t.Fatalf("hop %d: next hop %v delay %v", i, res.NextHop, res.Delay)
		}
		for what, b := range secrets(i + 2) {
			if bytes.Contains(res.Packet, b) {
				t.Fatalf("hop %d forwards a packet that shows the %s", i, what)
			}
		}
	}
}

func TestReplayTags(t *testing.T) {
	rng := seededReader("TestReplayTags")
	nodes := newNodes(t, rng, 2)
	route := routeOf(nodes)
	seen := map[sphinx.ReplayTag]string{}
	record := func(what string, tag sphinx.ReplayTag) {
		t.Helper()
		if prev, ok := seen[tag]; ok {
			t.Fatalf("%s has the replay tag of %s", what, prev)
		}
		seen[tag] = what
	}
	for i := range 20 {
		pkt, err := sphinx.NewPacket(rng, route, sphinx.Destination{}, sphinx.Identifier{}, sphinx.Ack, []byte("same plaintext"))
		if err != nil {
			t.Fatal(err)
		}
		again := bytes.Clone(pkt)
		first, err := nodes[0].proc.Unwrap(pkt)
		if err != nil {
			t.Fatal(err)
		}
		replayed, err := nodes[0].proc.Unwrap(again)
		if err != nil {
			t.Fatal(err)
		}
		if replayed.ReplayTag != first.ReplayTag {
			t.Fatalf("packet %d: replay has tag %x, first time %x", i, replayed.ReplayTag, first.ReplayTag)
		}
		record(fmt.Sprint("packet ", i, " at hop 0"), first.ReplayTag)
		last, err := nodes[1].proc.Unwrap(pkt)
		if err != nil {
			t.Fatal(err)
		}
		record(fmt.Sprint("packet ", i, " at hop 1"), last.ReplayTag)
	}
}
