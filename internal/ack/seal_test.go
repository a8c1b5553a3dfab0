// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package ack

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/nym-go/nym/internal/fragment"
	"github.com/nym-go/nym/internal/sphinx"
)

func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, KeySize) }

func seeded(seed byte) *rand.ChaCha8 {
	var s [32]byte
	s[0] = seed
	return rand.NewChaCha8(s)
}

func TestSizeMatchesSphinx(t *testing.T) {
	if Size != sphinx.Ack.PlaintextSize() {
		t.Fatalf("Size %d, sphinx Ack plaintext %d", Size, sphinx.Ack.PlaintextSize())
	}
}

func TestSealOpen(t *testing.T) {
	key := testKey(1)
	r := seeded(1)
	for _, want := range []fragment.ID{{}, {Message: 1}, {Message: ^uint64(0), Index: ^uint32(0)}, {Message: 0xdeadbeef, Index: 42}} {
		b, err := SealAck(key, want, r)
		if err != nil {
			t.Fatal(err)
		}
		got, err := OpenAck(key, b[:])
		if err != nil || got != want {
			t.Fatalf("Open = %v, %v; want %v", got, err, want)
		}
	}
}

func TestSealUnlinkable(t *testing.T) {
	c, err := NewCipher(testKey(2))
	if err != nil {
		t.Fatal(err)
	}
	r := seeded(2)
	a, _ := c.Seal(fragment.ID{Message: 5, Index: 1}, r)
	b, _ := c.Seal(fragment.ID{Message: 5, Index: 1}, r)
	if bytes.Equal(a[:], b[:]) || bytes.Equal(a[nonceSize:], b[nonceSize:]) {
		t.Fatal("two seals of one id are linkable")
	}
}

func TestTamperAndWrongKey(t *testing.T) {
	key := testKey(3)
	b, _ := SealAck(key, fragment.ID{Message: 99, Index: 3}, seeded(3))
	for i := range Size {
		for _, bit := range []byte{1, 0x80} {
			c := b
			c[i] ^= bit
			if _, err := OpenAck(key, c[:]); !errors.Is(err, ErrInvalid) {
				t.Fatalf("flipped byte %d bit %x: %v", i, bit, err)
			}
		}
	}
	if _, err := OpenAck(testKey(4), b[:]); !errors.Is(err, ErrInvalid) {
		t.Fatalf("wrong key: %v", err)
	}
	if _, err := OpenAck(key, b[:Size-1]); !errors.Is(err, ErrInvalid) {
		t.Fatalf("short: %v", err)
	}
	if _, err := NewCipher(key[:16]); err == nil {
		t.Fatal("16-byte key accepted")
	}
	if _, err := SealAck(key, fragment.ID{}, bytes.NewReader(nil)); err == nil {
		t.Fatal("empty nonce source accepted")
	}
}

func FuzzOpenAck(f *testing.F) {
	key := testKey(5)
	good, _ := SealAck(key, fragment.ID{Message: 7, Index: 1}, seeded(5))
	f.Add(good[:])
	f.Add(make([]byte, Size))
	f.Add([]byte{1, 2, 3})
	c, _ := NewCipher(key)
	f.Fuzz(func(t *testing.T, b []byte) {
		id, err := c.Open(b)
		if err != nil {
			return
		}
		// Anything that opens must be a genuine seal: re-sealing cannot be
		// compared (random nonce), but a forgery needs 2^32 tries, so
		// only the seeded payload should ever open.
		if !bytes.Equal(b, good[:]) {
			t.Fatalf("forged payload %x opened to %v", b, id)
		}
	})
}
