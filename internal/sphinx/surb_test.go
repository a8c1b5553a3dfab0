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

// transfer marshals and unmarshals v, as when a SURB travels to its holder
// or reply keys go to storage.
func transfer[T interface {
	MarshalBinary() ([]byte, error)
	UnmarshalBinary([]byte) error
}](t *testing.T, v T, into T) T {
	t.Helper()
	b, err := v.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if err := into.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	b2, err := into.MarshalBinary()
	if err != nil || !bytes.Equal(b, b2) {
		t.Fatalf("re-marshalled %x, want %x (%v)", b2, b, err)
	}
	return into
}

func TestSURBRoundTrip(t *testing.T) {
	rng := seededReader("TestSURBRoundTrip")
	dest := sphinx.Destination{0xb0, 0xb}
	id := sphinx.Identifier{0x5e, 0x7d, 15: 1}
	for _, size := range sizes {
		for hops := 1; hops <= sphinx.MaxHops; hops++ {
			t.Run(fmt.Sprintf("%v/%dhops", size, hops), func(t *testing.T) {
				nodes := newNodes(t, rng, hops)
				surb, keys, err := sphinx.NewSURB(rng, routeOf(nodes), dest, id, size)
				if err != nil {
					t.Fatal(err)
				}
				held := transfer(t, surb, new(sphinx.SURB))
				kept := transfer(t, keys, new(sphinx.ReplyKeys))

				reply := fullPlaintext(size)
				pkt, first, err := held.Use(reply)
				if err != nil {
					t.Fatal(err)
				}
				if first != nodes[0].hop.Address {
					t.Fatalf("first hop %v, want %v", first, nodes[0].hop.Address)
				}
				if len(pkt) != size.PacketSize() {
					t.Fatalf("packet is %d bytes, want %d", len(pkt), size.PacketSize())
				}
				payload := unwrapRoute(t, nodes, pkt, dest, id)
				if _, err := sphinx.OpenPayload(bytes.Clone(payload)); err == nil {
					t.Fatal("the last hop can read the reply")
				}
				got, err := kept.Open(payload)
				if err != nil {
					t.Fatalf("Open: %v", err)
				}
				if !bytes.Equal(got, reply) {
					t.Fatalf("reply %x, want %x", got, reply)
				}
			})
		}
	}
}

func TestSURBReplyTampered(t *testing.T) {
	rng := seededReader("TestSURBReplyTampered")
	nodes := newNodes(t, rng, 3)
	surb, keys, err := sphinx.NewSURB(rng, routeOf(nodes), sphinx.Destination{}, sphinx.Identifier{}, sphinx.Ack)
	if err != nil {
		t.Fatal(err)
	}
	_, otherKeys, err := sphinx.NewSURB(rng, routeOf(nodes), sphinx.Destination{}, sphinx.Identifier{}, sphinx.Ack)
	if err != nil {
		t.Fatal(err)
	}
	pkt, _, err := surb.Use([]byte("reply"))
	if err != nil {
		t.Fatal(err)
	}
	for bit := 0; bit < 8*sphinx.Ack.PayloadSize(); bit += 5 {
		p := bytes.Clone(pkt)
		p[sphinx.HeaderSize+bit/8] ^= 1 << (bit % 8)
		payload := unwrapRoute(t, nodes, p, sphinx.Destination{}, sphinx.Identifier{})
		if got, err := keys.Open(payload); !errors.Is(err, sphinx.ErrPayloadIntegrity) {
			t.Fatalf("bit %d: Open = %x, %v; want ErrPayloadIntegrity", bit, got, err)
		}
	}
	payload := unwrapRoute(t, nodes, bytes.Clone(pkt), sphinx.Destination{}, sphinx.Identifier{})
	if _, err := otherKeys.Open(bytes.Clone(payload)); !errors.Is(err, sphinx.ErrPayloadIntegrity) {
		t.Fatalf("another SURB's keys: err = %v, want ErrPayloadIntegrity", err)
	}
	if _, err := keys.Open(payload[1:]); !errors.Is(err, sphinx.ErrMalformed) {
		t.Fatalf("short payload: err = %v, want ErrMalformed", err)
	}
	for _, p := range [][]byte{nil, {}, payload} {
		if _, err := new(sphinx.ReplyKeys).Open(p); !errors.Is(err, sphinx.ErrMalformed) {
			t.Fatalf("zero ReplyKeys: err = %v, want ErrMalformed", err)
		}
	}
	if _, _, err := new(sphinx.SURB).Use(nil); !errors.Is(err, sphinx.ErrMalformed) {
		t.Fatalf("zero SURB: err = %v, want ErrMalformed", err)
	}
	if _, _, err := surb.Use(make([]byte, sphinx.Ack.PlaintextSize()+1)); !errors.Is(err, sphinx.ErrPlaintextTooLong) {
		t.Fatalf("long reply: err = %v, want ErrPlaintextTooLong", err)
	}
}

// TestSURBSingleUse checks that a SURB used twice gives its first hop the
// same replay tag twice.
func TestSURBSingleUse(t *testing.T) {
	rng := seededReader("TestSURBSingleUse")
	nodes := newNodes(t, rng, 2)
	surb, _, err := sphinx.NewSURB(rng, routeOf(nodes), sphinx.Destination{}, sphinx.Identifier{}, sphinx.Ack)
	if err != nil {
		t.Fatal(err)
	}
	a, _, _ := surb.Use([]byte("one"))
	b, _, _ := surb.Use([]byte("two"))
	ra, err := nodes[0].proc.Unwrap(a)
	if err != nil {
		t.Fatal(err)
	}
	rb, err := nodes[0].proc.Unwrap(b)
	if err != nil {
		t.Fatal(err)
	}
	if ra.ReplayTag != rb.ReplayTag {
		t.Fatal("two uses of one SURB have different replay tags")
	}
}

// TestSURBHolderSeesNoRoute checks that the SURB as handed out shows no
// hop after the first, nor the destination or identifier.
func TestSURBHolderSeesNoRoute(t *testing.T) {
	rng := seededReader("TestSURBHolderSeesNoRoute")
	nodes := newNodes(t, rng, sphinx.MaxHops)
	dest := sphinx.Destination{0xde, 0xad, 0xbe, 0xef, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	id := sphinx.Identifier{0x1d, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	surb, keys, err := sphinx.NewSURB(rng, routeOf(nodes), dest, id, sphinx.Regular)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := surb.MarshalBinary()
	if len(b) != sphinx.SURBSize {
		t.Fatalf("SURB is %d bytes, want %d", len(b), sphinx.SURBSize)
	}
	kb, _ := keys.MarshalBinary()
	for what, secret := range map[string][]byte{"destination": dest[:16], "identifier": id[:]} {
		if bytes.Contains(b, secret) {
			t.Errorf("SURB shows the %s", what)
		}
	}
	for i, n := range nodes[1:] {
		if bytes.Contains(b, n.hop.Address[:7]) {
			t.Errorf("SURB shows hop %d's address", i+1)
		}
	}
	// The reply keys are size ‖ hop count ‖ SURB key ‖ hop seeds; the
	// holder has the SURB key and none of the hops' seeds.
	if !bytes.Equal(kb[2:2+sphinx.PayloadKeySeedSize], surb.Key[:]) {
		t.Fatalf("reply keys %x do not start with the SURB key %x", kb, surb.Key)
	}
	seeds := kb[2+sphinx.PayloadKeySeedSize:]
	if len(seeds) != sphinx.MaxHops*sphinx.PayloadKeySeedSize {
		t.Fatalf("reply keys hold %d bytes of hop seeds", len(seeds))
	}
	for i := range sphinx.MaxHops {
		if bytes.Contains(b, seeds[i*sphinx.PayloadKeySeedSize:][:sphinx.PayloadKeySeedSize]) {
			t.Errorf("SURB contains hop %d's payload key seed", i)
		}
	}
}

func TestSURBUnmarshalErrors(t *testing.T) {
	rng := seededReader("TestSURBUnmarshalErrors")
	nodes := newNodes(t, rng, 2)
	surb, keys, err := sphinx.NewSURB(rng, routeOf(nodes), sphinx.Destination{}, sphinx.Identifier{}, sphinx.Ack)
	if err != nil {
		t.Fatal(err)
	}
	sb, _ := surb.MarshalBinary()
	kb, _ := keys.MarshalBinary()
	mod := func(b []byte, f func([]byte)) []byte { b = bytes.Clone(b); f(b); return b }
	surbs := map[string][]byte{
		"empty":         nil,
		"short":         sb[:len(sb)-1],
		"long":          append(bytes.Clone(sb), 0),
		"size 0":        mod(sb, func(b []byte) { b[0] = 0 }),
		"size 4":        mod(sb, func(b []byte) { b[0] = 4 }),
		"first hop bad": mod(sb, func(b []byte) { b[1+sphinx.HeaderSize] = 9 }),
	}
	for name, b := range surbs {
		s := *surb
		if err := s.UnmarshalBinary(b); !errors.Is(err, sphinx.ErrMalformed) {
			t.Errorf("SURB %s: err = %v, want ErrMalformed", name, err)
		}
		if s != *surb {
			t.Errorf("SURB %s: failed UnmarshalBinary changed the SURB", name)
		}
	}
	keyErrs := map[string][]byte{
		"empty":   nil,
		"1 byte":  kb[:1],
		"short":   kb[:len(kb)-1],
		"long":    append(bytes.Clone(kb), 0),
		"size 0":  mod(kb, func(b []byte) { b[0] = 0 }),
		"0 hops":  mod(kb, func(b []byte) { b[1] = 0 }),
		"6 hops":  append(mod(kb, func(b []byte) { b[1] = 6 }), make([]byte, 4*16)...),
		"3 hops":  mod(kb, func(b []byte) { b[1] = 3 }),
		"size ff": mod(kb, func(b []byte) { b[0] = 0xff }),
	}
	for name, b := range keyErrs {
		if err := new(sphinx.ReplyKeys).UnmarshalBinary(b); !errors.Is(err, sphinx.ErrMalformed) {
			t.Errorf("reply keys %s: err = %v, want ErrMalformed", name, err)
		}
	}
}
