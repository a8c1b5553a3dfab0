// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package sphinx

import (
	"crypto/sha256"
	"testing"
)

// floorSink keeps BenchmarkFloor's results alive.
var floorSink byte

// BenchmarkFloor performs the primitive operations one forwarding hop of a
// regular packet cannot avoid, and nothing else: the X25519 shared secret,
// the hop key derivation, the MAC over β, the header keystream over 360
// bytes, the X25519 blinding of α, the Lioness key derivation and one
// Lioness decryption of the payload. BenchmarkUnwrap should be close to it.
func BenchmarkFloor(b *testing.B) {
	sk := PrivateKey(sha256.Sum256([]byte("floor node")))
	eph := PrivateKey(sha256.Sum256([]byte("floor ephemeral")))
	alpha := [32]byte(eph.Public())
	beta := make([]byte, streamSize)
	payload := make([]byte, Regular.PayloadSize())
	b.ReportAllocs()
	b.SetBytes(int64(Regular.PacketSize()))
	for b.Loop() {
		s, _ := sharedSecret((*[32]byte)(&sk), &alpha)
		keys := deriveHopKeys(&s)
		mac := headerMAC(&keys.mac, beta[:RoutingInfoSize])
		newHeaderStream(&keys.header).XORKeyStream(beta, beta)
		next, _ := sharedSecret(&keys.blind, &alpha)
		k := lionessKeyFromSeed(&keys.payload)
		k.decrypt(payload)
		floorSink ^= mac[0] ^ next[0] ^ keys.replay[0]
	}
}
