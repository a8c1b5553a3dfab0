// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package sphinx

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"math"
	"net/netip"
	"testing"
	"time"

	"filippo.io/edwards25519"
	"filippo.io/edwards25519/field"
	"github.com/cloudflare/circl/dh/x25519"
)

var (
	internalNode = PrivateKey(sha256.Sum256([]byte("internal test node")))
	internalEph  = [32]byte(sha256.Sum256([]byte("internal test ephemeral")))
)

// sealRouting returns a one-hop packet for the node with key sk whose β
// decrypts to plain, with a valid MAC: a packet only a sender that knows
// the node's key could make, whatever plain says.
func sealRouting(sk PrivateKey, plain []byte, size SizeType) []byte {
	pkt := make([]byte, size.PacketSize())
	x25519.KeyGen((*x25519.Key)(pkt[:GroupElementSize]), (*x25519.Key)(&internalEph))
	pk := sk.Public()
	s, _ := sharedSecret(&internalEph, (*[32]byte)(&pk))
	keys := deriveHopKeys(&s)
	beta := pkt[offBeta:HeaderSize]
	copy(beta, plain)
	newHeaderStream(&keys.header).XORKeyStream(beta, beta)
	mac := headerMAC(&keys.mac, beta)
	copy(pkt[offMAC:], mac[:])
	return pkt
}

func routingBlock(flag byte, version [3]byte, addr NodeAddress, delay uint64) []byte {
	b := make([]byte, RoutingInfoSize)
	b[0] = flag
	copy(b[offVersion:], version[:])
	copy(b[offAddress:], addr[:])
	binary.BigEndian.PutUint64(b[offDelay:], delay)
	copy(b[offNextMAC:], "next hop's MAC..")
	return b
}

func TestUnwrapRoutingBlocks(t *testing.T) {
	addr, err := NodeAddressFromAddrPort(netip.MustParseAddrPort("192.0.2.1:1789"))
	if err != nil {
		t.Fatal(err)
	}
	badAddr := addr
	badAddr[0] = 5
	tests := []struct {
		name    string
		plain   []byte
		wantErr []error
		want    Action
	}{
		{"forward", routingBlock(flagForward, headerVersion, addr, 1500), nil, Forward},
		{"forward max delay", routingBlock(flagForward, headerVersion, addr, math.MaxInt64), nil, Forward},
		{"final", routingBlock(flagFinal, headerVersion, NodeAddress{1, 2, 3}, 0), nil, Final},
		{"flag 0", routingBlock(0, headerVersion, addr, 1), []error{ErrUnknownFlag}, 0},
		{"flag 3", routingBlock(3, headerVersion, addr, 1), []error{ErrUnknownFlag}, 0},
		{"flag ff", routingBlock(0xff, headerVersion, addr, 1), []error{ErrUnknownFlag}, 0},
		{"version", routingBlock(flagForward, [3]byte{0, 0, 2}, addr, 1), []error{ErrUnknownVersion}, 0},
		{"final version", routingBlock(flagFinal, [3]byte{1, 0, 1}, addr, 1), []error{ErrUnknownVersion}, 0},
		{"next hop address", routingBlock(flagForward, headerVersion, badAddr, 1), []error{ErrMalformed, ErrBadAddress}, 0},
		{"delay overflow", routingBlock(flagForward, headerVersion, addr, math.MaxInt64+1), []error{ErrMalformed}, 0},
	}
	p := NewProcessor(internalNode)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := p.Unwrap(sealRouting(internalNode, tt.plain, Ack))
			for _, want := range tt.wantErr {
				if !errors.Is(err, want) {
					t.Errorf("err = %v, want %v", err, want)
				}
			}
			if tt.wantErr != nil {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Action != tt.want {
				t.Fatalf("action %v, want %v", res.Action, tt.want)
			}
			switch res.Action {
			case Forward:
				if res.NextHop != addr || uint64(res.Delay) != binary.BigEndian.Uint64(tt.plain[offDelay:]) ||
					!bytes.Equal(res.Packet[offMAC:offBeta], tt.plain[offNextMAC:RoutingBlockSize]) {
					t.Fatalf("got %+v", res)
				}
			case Final:
				if res.Destination != Destination(tt.plain[offDest:]) || res.Identifier != Identifier(tt.plain[offID:]) {
					t.Fatalf("got %+v", res)
				}
			}
		})
	}
}

// FuzzUnwrapRouting feeds Unwrap authenticated routing blocks with arbitrary
// contents, which only a sender could make and random packets never reach.
func FuzzUnwrapRouting(f *testing.F) {
	addr, _ := NodeAddressFromAddrPort(netip.MustParseAddrPort("[2001:db8::1]:1789"))
	f.Add(routingBlock(flagForward, headerVersion, addr, 1))
	f.Add(routingBlock(flagFinal, headerVersion, addr, 1))
	f.Add(routingBlock(flagForward, headerVersion, NodeAddress{4}, math.MaxUint64))
	f.Add([]byte{})
	p := NewProcessor(internalNode)
	f.Fuzz(func(t *testing.T, plain []byte) {
		res, err := p.Unwrap(sealRouting(internalNode, plain, Ack))
		if err != nil {
			return
		}
		switch res.Action {
		case Forward:
			if _, err := res.NextHop.AddrPort(); err != nil {
				t.Fatalf("forwarding to an invalid address: %v", err)
			}
			if res.Delay < 0 {
				t.Fatalf("negative delay %v", res.Delay)
			}
		case Final:
		default:
			t.Fatalf("action %v", res.Action)
		}
	})
}

// TestEquivalentAlphaSameReplayTag changes α to another point with the
// same shared secret (adding a small-order point, which the cofactor in
// every clamped scalar removes). The MAC cannot see this, so the packet
// is processed again, but its replay tag and its output are unchanged:
// the replay filter refuses it.
func TestEquivalentAlphaSameReplayTag(t *testing.T) {
	nodes := []Hop{{PublicKey: internalNode.Public()}, {PublicKey: PrivateKey{1}.Public()}}
	for i := range nodes {
		nodes[i].Address, _ = NodeAddressFromAddrPort(netip.MustParseAddrPort("192.0.2.1:1789"))
		nodes[i].Delay = time.Millisecond
	}
	pkt, err := NewPacket(bytes.NewReader(bytes.Repeat([]byte{7}, 1024)), nodes, Destination{}, Identifier{}, Ack, nil)
	if err != nil {
		t.Fatal(err)
	}
	variant := bytes.Clone(pkt)
	alt := addTorsion(t, [32]byte(pkt[:32]))
	copy(variant, alt[:])
	if bytes.Equal(variant, pkt) {
		t.Fatal("variant equals the original")
	}
	p := NewProcessor(internalNode)
	a, err := p.Unwrap(pkt)
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.Unwrap(variant)
	if err != nil {
		t.Fatalf("variant: %v", err)
	}
	if a.ReplayTag != b.ReplayTag {
		t.Fatalf("replay tags differ: %x, %x", a.ReplayTag, b.ReplayTag)
	}
	if !bytes.Equal(a.Packet, b.Packet) {
		t.Fatal("forwarded packets differ")
	}
}

// addTorsion returns u(P+T) for a point P with u(P) = u and a point T of
// small order.
func addTorsion(t *testing.T, u [32]byte) [32]byte {
	t.Helper()
	p := edwardsFromMontgomery(t, u)
	var torsion *edwards25519.Point
	for y := byte(2); torsion == nil && y < 100; y++ {
		q, err := edwards25519.NewIdentityPoint().SetBytes([]byte{y, 31: 0})
		if err != nil {
			continue
		}
		// q − 8·(8⁻¹·q) leaves only q's small-order component.
		prime := edwards25519.NewIdentityPoint().ScalarMult(invEight, q)
		prime.MultByCofactor(prime)
		if tq := edwards25519.NewIdentityPoint().Subtract(q, prime); tq.Equal(edwards25519.NewIdentityPoint()) == 0 {
			torsion = tq
		}
	}
	if torsion == nil {
		t.Fatal("no point with a small-order component found")
	}
	sum := edwards25519.NewIdentityPoint().Add(p, torsion)
	return [32]byte(sum.BytesMontgomery())
}

func edwardsFromMontgomery(t *testing.T, u [32]byte) *edwards25519.Point {
	t.Helper()
	var fu, one, num, den field.Element
	if _, err := fu.SetBytes(u[:]); err != nil {
		t.Fatal(err)
	}
	one.One()
	num.Subtract(&fu, &one)
	den.Add(&fu, &one)
	den.Invert(&den)
	num.Multiply(&num, &den) // y = (u-1)/(u+1)
	p, err := edwards25519.NewIdentityPoint().SetBytes(num.Bytes())
	if err != nil {
		t.Fatalf("u %x is not on the curve: %v", u, err)
	}
	return p
}

func TestUnwrapDoesNotAllocateMuch(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	pkt := sealRouting(internalNode, routingBlock(flagForward, headerVersion, NodeAddress{4}, 1), Regular)
	buf := make([]byte, len(pkt))
	p := NewProcessor(internalNode)
	n := testing.AllocsPerRun(50, func() {
		copy(buf, pkt)
		if _, err := p.Unwrap(buf); err != nil {
			t.Fatal(err)
		}
	})
	// crypto/aes and crypto/cipher allocate the header cipher; nothing
	// else may.
	if n > 2 {
		t.Fatalf("Unwrap allocates %v times per packet, want at most 2", n)
	}
}
