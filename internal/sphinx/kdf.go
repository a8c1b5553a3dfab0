// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package sphinx

import (
	"crypto/hmac"
	"crypto/sha256"
)

// HKDF info strings. Changing either changes the format.
var (
	hopKeysInfo    = []byte("nym-go sphinx v1 hop keys")
	lionessKeyInfo = []byte("nym-go sphinx v1 lioness key")
)

// PayloadKeySeedSize is the size of a payload key seed, from which a
// 128-byte Lioness key is derived.
const PayloadKeySeedSize = 16

// ReplayTag identifies a packet at one node: the same packet processed with
// the same private key always yields the same tag, and different packets
// yield different tags. A node remembers the tags it has seen (for as long as
// it keeps its key) and refuses packets whose tag it has seen before.
type ReplayTag [16]byte

// hopKeys are the keys one hop derives from its shared secret. The layout
// is the HKDF output order (96 bytes).
type hopKeys struct {
	header  [16]byte                 // AES-128-CTR key for β
	mac     [16]byte                 // HMAC-SHA256 key for γ
	payload [PayloadKeySeedSize]byte // seed of the Lioness key for the payload
	blind   [32]byte                 // X25519 scalar that blinds α for the next hop
	replay  ReplayTag
}

const hopKeysSize = 16 + 16 + PayloadKeySeedSize + 32 + 16

// deriveHopKeys derives a hop's keys from its shared secret s with
// HKDF-SHA256 (empty salt, info hopKeysInfo).
func deriveHopKeys(s *[32]byte) hopKeys {
	var okm [hopKeysSize]byte
	hkdfSHA256(okm[:], s[:], hopKeysInfo)
	var k hopKeys
	copy(k.header[:], okm[0:16])
	copy(k.mac[:], okm[16:32])
	copy(k.payload[:], okm[32:48])
	copy(k.blind[:], okm[48:80])
	copy(k.replay[:], okm[80:96])
	return k
}

// hkdfSHA256 fills out with HKDF-SHA256 (RFC 5869) of ikm with an empty salt
// and the given info. It does not allocate; out must be at most 255·32 bytes.
func hkdfSHA256(out, ikm, info []byte) {
	var zeroSalt, prk, t [sha256.Size]byte
	hmacSHA256(&prk, zeroSalt[:], ikm, nil, nil)
	prev := t[:0]
	for i := byte(1); len(out) > 0; i++ {
		hmacSHA256(&t, prk[:], prev, info, []byte{i})
		n := copy(out, t[:])
		out = out[n:]
		prev = t[:]
	}
}

// hmacSHA256 sets out to HMAC-SHA256(key, m1 ‖ m2 ‖ m3). Unlike crypto/hmac
// it does not allocate.
func hmacSHA256(out *[sha256.Size]byte, key, m1, m2, m3 []byte) {
	if len(key) > sha256.BlockSize {
		k := sha256.Sum256(key)
		key = k[:]
	}
	var pad [sha256.BlockSize]byte
	copy(pad[:], key)
	for i := range pad {
		pad[i] ^= 0x36
	}
	h := sha256.New()
	h.Write(pad[:])
	h.Write(m1)
	h.Write(m2)
	h.Write(m3)
	h.Sum(out[:0])
	for i := range pad {
		pad[i] ^= 0x36 ^ 0x5c
	}
	h.Reset()
	h.Write(pad[:])
	h.Write(out[:])
	h.Sum(out[:0])
}

// headerMAC computes γ: HMAC-SHA256 of β under key, truncated to MACSize.
func headerMAC(key *[16]byte, beta []byte) [MACSize]byte {
	var full [sha256.Size]byte
	hmacSHA256(&full, key[:], beta, nil, nil)
	return [MACSize]byte(full[:MACSize])
}

// macEqual compares two MACs in constant time.
func macEqual(a, b *[MACSize]byte) bool {
	return hmac.Equal(a[:], b[:])
}
