// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package sphinx

import (
	"crypto/sha256"

	"golang.org/x/crypto/chacha20"
)

// Lioness (Anderson and Biham, 1996) is a wide-block cipher: a four-round
// unbalanced Feistel network over the whole payload, so that changing any
// bit of the ciphertext changes the whole decryption unpredictably. The
// block is split into L (the first 32 bytes) and R (the rest). With a key
// K1 ‖ K2 ‖ K3 ‖ K4 of four 32-byte parts, encryption is
//
//	R ^= ChaCha20(key L⊕K1, zero nonce)
//	L ^= HMAC-SHA256(K2, R)
//	R ^= ChaCha20(key L⊕K3, zero nonce)
//	L ^= HMAC-SHA256(K4, R)
//
// and decryption runs the rounds backwards. Nym pairs ChaCha20 with keyed
// BLAKE2b; HMAC-SHA256 is about twice as fast here (SHA-NI) and allocates
// nothing. docs/protocol/sphinx.md compares the candidates with measurements.

const (
	lionessKeySize  = 4 * lionessPartSize
	lionessPartSize = 32
	// lionessLeftSize is |L|; blocks must be longer than this.
	lionessLeftSize = 32
)

// lionessKey is K1 ‖ K2 ‖ K3 ‖ K4.
type lionessKey [lionessKeySize]byte

// lionessKeyFromSeed expands a payload key seed with HKDF-SHA256 (empty
// salt, info lionessKeyInfo) into a Lioness key.
func lionessKeyFromSeed(seed *[PayloadKeySeedSize]byte) lionessKey {
	var k lionessKey
	hkdfSHA256(k[:], seed[:], lionessKeyInfo)
	return k
}

func (k *lionessKey) part(i int) *[lionessPartSize]byte {
	return (*[lionessPartSize]byte)(k[i*lionessPartSize:])
}

// encrypt enciphers block in place. len(block) must exceed lionessLeftSize.
func (k *lionessKey) encrypt(block []byte) {
	l, r := (*[lionessLeftSize]byte)(block), block[lionessLeftSize:]
	streamRound(l, k.part(0), r)
	hashRound(l, k.part(1), r)
	streamRound(l, k.part(2), r)
	hashRound(l, k.part(3), r)
}

// decrypt deciphers block in place. len(block) must exceed lionessLeftSize.
func (k *lionessKey) decrypt(block []byte) {
	l, r := (*[lionessLeftSize]byte)(block), block[lionessLeftSize:]
	hashRound(l, k.part(3), r)
	streamRound(l, k.part(2), r)
	hashRound(l, k.part(1), r)
	streamRound(l, k.part(0), r)
}

// streamRound XORs r with the ChaCha20 keystream under key l ⊕ kp.
func streamRound(l, kp *[32]byte, r []byte) {
	var key [chacha20.KeySize]byte
	for i := range key {
		key[i] = l[i] ^ kp[i]
	}
	var nonce [chacha20.NonceSize]byte
	c, _ := chacha20.NewUnauthenticatedCipher(key[:], nonce[:]) // cannot fail: sizes are fixed
	c.XORKeyStream(r, r)
}

// hashRound XORs l with HMAC-SHA256(kp, r).
func hashRound(l, kp *[32]byte, r []byte) {
	var h [sha256.Size]byte
	hmacSHA256(&h, kp[:], r, nil, nil)
	for i := range l {
		l[i] ^= h[i]
	}
}
