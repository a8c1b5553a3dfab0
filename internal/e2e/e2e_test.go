// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package e2e

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/nym-go/nym/internal/ack"
	"github.com/nym-go/nym/internal/sphinx"
)

func testRand(seed byte) *rand.ChaCha8 {
	return rand.NewChaCha8([32]byte{seed})
}

func TestSealOpen(t *testing.T) {
	r := testRand(1)
	priv, pub, err := GenerateKey(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 1, 100, FragmentCapacity(sphinx.Regular)} {
		frag := bytes.Repeat([]byte{0xab}, n)
		sealed, err := Seal(r, pub, frag)
		if err != nil {
			t.Fatal(err)
		}
		if len(sealed) != n+SealOverhead {
			t.Fatalf("sealed %d bytes to %d, want %d", n, len(sealed), n+SealOverhead)
		}
		got, err := OpenDelivery(priv, sealed)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		if !bytes.Equal(got, frag) {
			t.Fatalf("Open = %x, want %x", got, frag)
		}
	}
}

func TestSealFreshEphemeral(t *testing.T) {
	r := testRand(2)
	_, pub, _ := GenerateKey(r)
	a, _ := Seal(r, pub, []byte("same"))
	b, _ := Seal(r, pub, []byte("same"))
	if bytes.Equal(a[:EphemeralSize], b[:EphemeralSize]) || bytes.Equal(a, b) {
		t.Fatal("two seals share an ephemeral key")
	}
}

func TestOpenRejects(t *testing.T) {
	r := testRand(3)
	priv, pub, _ := GenerateKey(r)
	other, _, _ := GenerateKey(r)
	sealed, err := Seal(r, pub, []byte("a fragment of a message"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(other, sealed); !errors.Is(err, ErrOpen) {
		t.Fatalf("Open with the wrong key = %v, want ErrOpen", err)
	}
	for i := range sealed {
		bad := bytes.Clone(sealed)
		bad[i] ^= 0x01
		if _, err := Open(priv, bad); err == nil {
			t.Fatalf("Open accepted a flip of byte %d", i)
		}
	}
	if _, err := Open(priv, sealed[:len(sealed)-1]); !errors.Is(err, ErrOpen) {
		t.Fatalf("Open of a truncated fragment = %v", err)
	}
	if _, err := Open(priv, sealed[:SealOverhead-1]); !errors.Is(err, ErrMalformed) {
		t.Fatalf("Open of a short input = %v, want ErrMalformed", err)
	}
	// A low-order recipient key is refused, not used.
	if _, err := Seal(r, [KeySize]byte{}, []byte("x")); !errors.Is(err, ErrKey) {
		t.Fatalf("Seal to the zero key = %v, want ErrKey", err)
	}
	zeroEph := append(make([]byte, EphemeralSize), make([]byte, TagSize)...)
	if _, err := Open(priv, zeroEph); !errors.Is(err, ErrOpen) {
		t.Fatalf("Open with a zero ephemeral = %v, want ErrOpen", err)
	}
}

func TestCapacity(t *testing.T) {
	if ackPacketSize != sphinx.Ack.PacketSize() {
		t.Fatalf("ackPacketSize = %d, sphinx says %d", ackPacketSize, sphinx.Ack.PacketSize())
	}
	if sphinx.Ack.PlaintextSize() != ack.Size {
		t.Fatalf("Ack plaintext %d, ack payload %d", sphinx.Ack.PlaintextSize(), ack.Size)
	}
	if SURBAckSize != 418 || SealOverhead != 48 {
		t.Fatalf("SURBAckSize %d, SealOverhead %d", SURBAckSize, SealOverhead)
	}
	for _, s := range []sphinx.SizeType{sphinx.Regular, sphinx.Extended} {
		c := FragmentCapacity(s)
		if SURBAckSize+EphemeralSize+c+TagSize != s.PlaintextSize() {
			t.Fatalf("%v: %d+%d+%d+%d != %d", s, SURBAckSize, EphemeralSize, c, TagSize, s.PlaintextSize())
		}
	}
	if FragmentCapacity(sphinx.Regular) != 2048-418-48 {
		t.Fatalf("Regular capacity %d", FragmentCapacity(sphinx.Regular))
	}
	if FragmentCapacity(sphinx.Ack) != 0 || FragmentCapacity(0) != 0 {
		t.Fatal("Ack or invalid sizes have a capacity")
	}
}

func TestCover(t *testing.T) {
	c := CoverFragment(FragmentCapacity(sphinx.Regular))
	if !IsCover(c) || len(c) != FragmentCapacity(sphinx.Regular) {
		t.Fatal("CoverFragment is not cover")
	}
	real := bytes.Clone(c)
	real[7] = 1
	if IsCover(real) || IsCover(c[:10]) {
		t.Fatal("IsCover accepted a real or short fragment")
	}
}

func TestBody(t *testing.T) {
	surb, msg, err := SplitBody(PlainBody([]byte("hi")))
	if err != nil || surb != nil || string(msg) != "hi" {
		t.Fatalf("plain body: %v %v %q", err, surb, msg)
	}
	for _, b := range [][]byte{nil, {0x02}, {BodyWithSURB, 1, 2}} {
		if _, _, err := SplitBody(b); !errors.Is(err, ErrMalformed) {
			t.Fatalf("SplitBody(%x) = %v", b, err)
		}
	}
}

func TestSURBAckEncoding(t *testing.T) {
	b, err := NoAck.appendTo(nil)
	if err != nil || len(b) != SURBAckSize || !bytes.Equal(b, make([]byte, SURBAckSize)) {
		t.Fatalf("NoAck encodes as %d bytes, %v", len(b), err)
	}
	if _, err := (SURBAck{FirstHop: sphinx.NodeAddress{4}, Packet: []byte{1}}).appendTo(nil); !errors.Is(err, ErrMalformed) {
		t.Fatalf("short SURB-ack packet: %v", err)
	}
	if _, err := (SURBAck{Packet: make([]byte, ackPacketSize)}).appendTo(nil); !errors.Is(err, ErrMalformed) {
		t.Fatalf("packet without hop: %v", err)
	}
	if _, _, _, err := SplitSURBAck(make([]byte, SURBAckSize-1)); !errors.Is(err, ErrMalformed) {
		t.Fatalf("short plaintext: %v", err)
	}
}
