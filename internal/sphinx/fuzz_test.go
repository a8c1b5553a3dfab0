// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package sphinx_test

import (
	"bytes"
	"errors"
	"net/netip"
	"testing"

	"github.com/nym-go/nym/internal/sphinx"
)

// fuzzNodes is the route the fuzz seeds are built for; FuzzUnwrap unwraps
// at its first node.
func fuzzNodes(f *testing.F) []testNode {
	return newNodes(f, seededReader("fuzz"), 2)
}

func FuzzUnwrap(f *testing.F) {
	nodes := fuzzNodes(f)
	rng := seededReader("FuzzUnwrap")
	for _, size := range []sphinx.SizeType{sphinx.Ack, sphinx.Regular} {
		for hops := 1; hops <= 2; hops++ {
			pkt, err := sphinx.NewPacket(rng, routeOf(nodes[:hops]), sphinx.Destination{1}, sphinx.Identifier{2}, size, []byte("seed"))
			if err != nil {
				f.Fatal(err)
			}
			f.Add(pkt)
		}
	}
	f.Add([]byte{})
	f.Add(make([]byte, sphinx.Ack.PacketSize()))
	f.Add(bytes.Repeat([]byte{0xff}, sphinx.Ack.PacketSize()))
	proc := nodes[0].proc
	f.Fuzz(func(t *testing.T, pkt []byte) {
		sent := bytes.Clone(pkt)
		res, err := proc.Unwrap(pkt)
		if err != nil {
			if (errors.Is(err, sphinx.ErrMalformed) || errors.Is(err, sphinx.ErrBadMAC)) && !bytes.Equal(pkt, sent) {
				t.Fatalf("refused packet (%v) was modified", err)
			}
			return
		}
		if size, _ := sphinx.SizeTypeForPacketLen(len(pkt)); res.Size != size {
			t.Fatalf("size %v for a %d-byte packet", res.Size, len(pkt))
		}
		switch res.Action {
		case sphinx.Forward:
			if len(res.Packet) != len(pkt) {
				t.Fatalf("forward packet is %d bytes, want %d", len(res.Packet), len(pkt))
			}
			if _, err := res.NextHop.AddrPort(); err != nil || res.Delay < 0 {
				t.Fatalf("next hop %v, delay %v", res.NextHop, res.Delay)
			}
		case sphinx.Final:
			if len(res.Payload) != res.Size.PayloadSize() {
				t.Fatalf("payload is %d bytes, want %d", len(res.Payload), res.Size.PayloadSize())
			}
		default:
			t.Fatalf("action %v", res.Action)
		}
	})
}

func FuzzNodeAddress(f *testing.F) {
	for _, s := range []string{"192.0.2.1:1789", "[2001:db8::1]:443", "[::ffff:1.2.3.4]:1"} {
		a, _ := sphinx.NodeAddressFromAddrPort(netip.MustParseAddrPort(s))
		f.Add(a[:])
	}
	f.Add([]byte{})
	f.Add([]byte{6, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4})
	f.Fuzz(func(t *testing.T, b []byte) {
		var a sphinx.NodeAddress
		copy(a[:], b)
		ap, err := a.AddrPort()
		_ = a.String()
		if err != nil {
			if !errors.Is(err, sphinx.ErrBadAddress) {
				t.Fatalf("err = %v, want ErrBadAddress", err)
			}
			return
		}
		again, err := sphinx.NodeAddressFromAddrPort(ap)
		if err != nil {
			t.Fatalf("decoded %v does not encode: %v", ap, err)
		}
		if again != a {
			t.Fatalf("%x decodes to %v, which encodes to %x", a, ap, again)
		}
		// Any IP and port encodes and decodes back.
		var ip [16]byte
		copy(ip[:], b)
		in := netip.AddrPortFrom(netip.AddrFrom16(ip), ap.Port())
		enc, err := sphinx.NodeAddressFromAddrPort(in)
		if err != nil {
			t.Fatal(err)
		}
		out, err := enc.AddrPort()
		if err != nil || out.Addr() != in.Addr().Unmap() || out.Port() != in.Port() {
			t.Fatalf("%v encodes to %x, which decodes to %v, %v", in, enc, out, err)
		}
	})
}

func FuzzSURBUnmarshal(f *testing.F) {
	nodes := fuzzNodes(f)
	surb, _, err := sphinx.NewSURB(seededReader("FuzzSURBUnmarshal"), routeOf(nodes), sphinx.Destination{}, sphinx.Identifier{}, sphinx.Ack)
	if err != nil {
		f.Fatal(err)
	}
	b, _ := surb.MarshalBinary()
	f.Add(b)
	f.Add(b[:10])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		var s sphinx.SURB
		if err := s.UnmarshalBinary(b); err != nil {
			if !errors.Is(err, sphinx.ErrMalformed) {
				t.Fatalf("err = %v, want ErrMalformed", err)
			}
			return
		}
		again, _ := s.MarshalBinary()
		if !bytes.Equal(again, b) {
			t.Fatalf("%x unmarshals and marshals to %x", b, again)
		}
		pkt, first, err := s.Use([]byte("reply"))
		if err != nil || len(pkt) != s.Size.PacketSize() || first != s.FirstHop {
			t.Fatalf("Use: %d bytes to %v, %v", len(pkt), first, err)
		}
	})
}

func FuzzReplyKeysUnmarshal(f *testing.F) {
	nodes := fuzzNodes(f)
	_, keys, err := sphinx.NewSURB(seededReader("FuzzReplyKeysUnmarshal"), routeOf(nodes), sphinx.Destination{}, sphinx.Identifier{}, sphinx.Ack)
	if err != nil {
		f.Fatal(err)
	}
	b, _ := keys.MarshalBinary()
	f.Add(b, make([]byte, sphinx.Ack.PayloadSize()))
	f.Add([]byte{}, []byte{})
	f.Fuzz(func(t *testing.T, b, payload []byte) {
		var k sphinx.ReplyKeys
		if err := k.UnmarshalBinary(b); err != nil {
			if !errors.Is(err, sphinx.ErrMalformed) {
				t.Fatalf("err = %v, want ErrMalformed", err)
			}
			return
		}
		again, _ := k.MarshalBinary()
		if !bytes.Equal(again, b) {
			t.Fatalf("%x unmarshals and marshals to %x", b, again)
		}
		if pt, err := k.Open(payload); err == nil && len(pt) > k.Size().PlaintextSize() {
			t.Fatalf("opened a %d-byte reply from a %v SURB", len(pt), k.Size())
		}
	})
}

func FuzzOpenPayload(f *testing.F) {
	f.Add(payloadOf(1))
	f.Add(payloadOf('a', 'b', 1))
	f.Add(payloadOf())
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, payload []byte) {
		pt, err := sphinx.OpenPayload(payload)
		if err != nil {
			if !errors.Is(err, sphinx.ErrPayloadIntegrity) && !errors.Is(err, sphinx.ErrMalformed) {
				t.Fatalf("err = %v", err)
			}
			return
		}
		n := len(pt)
		if n > len(payload)-sphinx.PayloadOverhead {
			t.Fatalf("%d-byte plaintext from a %d-byte payload", n, len(payload))
		}
		want := append(append(make([]byte, 16), pt...), 1)
		want = append(want, make([]byte, len(payload)-len(want))...)
		if !bytes.Equal(payload, want) {
			t.Fatalf("payload %x opened to %x", payload, pt)
		}
	})
}
