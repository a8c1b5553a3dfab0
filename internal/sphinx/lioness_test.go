// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package sphinx

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"fmt"
	"math/bits"
	"testing"

	"golang.org/x/crypto/blake2b"
)

func testBlock(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i * 13)
	}
	return b
}

func TestLionessRoundTrip(t *testing.T) {
	seed := [PayloadKeySeedSize]byte{1}
	k := lionessKeyFromSeed(&seed)
	for _, n := range []int{lionessLeftSize + 1, Ack.PayloadSize(), Regular.PayloadSize(), Extended.PayloadSize()} {
		orig := testBlock(n)
		b := bytes.Clone(orig)
		k.encrypt(b)
		if bytes.Equal(b, orig) {
			t.Fatalf("%d bytes: encryption changed nothing", n)
		}
		k.decrypt(b)
		if !bytes.Equal(b, orig) {
			t.Fatalf("%d bytes: decrypt(encrypt(b)) != b", n)
		}
	}
}

// TestLionessGarbles checks the property the payload relies on: changing
// one bit anywhere in a ciphertext turns the whole decryption, and in
// particular its first 16 bytes, into unrelated bytes.
func TestLionessGarbles(t *testing.T) {
	seed := [PayloadKeySeedSize]byte{2}
	k := lionessKeyFromSeed(&seed)
	n := Regular.PayloadSize()
	orig := testBlock(n)
	ct := bytes.Clone(orig)
	k.encrypt(ct)
	for _, bit := range []int{0, 7, 8*lionessLeftSize - 1, 8 * lionessLeftSize, 8*n/2 + 3, 8*n - 1} {
		t.Run(fmt.Sprint("bit", bit), func(t *testing.T) {
			b := bytes.Clone(ct)
			b[bit/8] ^= 1 << (bit % 8)
			k.decrypt(b)
			diff := 0
			for i := range b {
				diff += bits.OnesCount8(b[i] ^ orig[i])
			}
			// Unrelated bytes differ in about half their bits.
			if diff < 8*n*4/10 || diff > 8*n*6/10 {
				t.Errorf("decryption differs from the original in %d of %d bits, want about half", diff, 8*n)
			}
			if bytes.Equal(b[:integritySize], orig[:integritySize]) {
				t.Errorf("first %d bytes survived the change", integritySize)
			}
		})
	}
}

// The candidates below are what docs/protocol/sphinx.md compares the chosen
// Lioness (ChaCha20 + HMAC-SHA256) with. Each is a complete Lioness
// decryption with the same structure and |L| = 32.

// BenchmarkLionessDecrypt measures the Lioness decryption Unwrap uses, over
// a regular payload.
func BenchmarkLionessDecrypt(b *testing.B) {
	seed := [PayloadKeySeedSize]byte{3}
	k := lionessKeyFromSeed(&seed)
	benchLioness(b, k.decrypt)
}

// BenchmarkLionessNym measures Nym's Lioness: ChaCha20 and BLAKE2b-256 keyed
// with 64-byte keys.
func BenchmarkLionessNym(b *testing.B) {
	var k [4][64]byte
	benchLioness(b, func(block []byte) {
		l, r := (*[32]byte)(block), block[32:]
		xorBLAKE2b(l, k[3][:], r)
		streamRound(l, (*[32]byte)(k[2][:]), r)
		xorBLAKE2b(l, k[1][:], r)
		streamRound(l, (*[32]byte)(k[0][:]), r)
	})
}

// BenchmarkLionessAESCTR measures a Lioness with AES-256-CTR keyed by L⊕K
// (crypto/aes) and HMAC-SHA256: the fastest here, but every AES key costs
// two allocations in crypto/aes and crypto/cipher.
func BenchmarkLionessAESCTR(b *testing.B) {
	var k lionessKey
	benchLioness(b, func(block []byte) {
		l, r := (*[32]byte)(block), block[32:]
		hashRound(l, k.part(3), r)
		xorAESCTR(l, k.part(2), r)
		hashRound(l, k.part(1), r)
		xorAESCTR(l, k.part(0), r)
	})
}

func benchLioness(b *testing.B, decrypt func([]byte)) {
	block := testBlock(Regular.PayloadSize())
	b.ReportAllocs()
	b.SetBytes(int64(len(block)))
	for b.Loop() {
		decrypt(block)
	}
}

func xorBLAKE2b(l *[32]byte, key, r []byte) {
	h, _ := blake2b.New256(key)
	h.Write(r)
	var sum [32]byte
	h.Sum(sum[:0])
	for i := range l {
		l[i] ^= sum[i]
	}
}

func xorAESCTR(l, kp *[32]byte, r []byte) {
	var key [32]byte
	for i := range key {
		key[i] = l[i] ^ kp[i]
	}
	c, _ := aes.NewCipher(key[:])
	cipher.NewCTR(c, zeroIV[:]).XORKeyStream(r, r)
}
