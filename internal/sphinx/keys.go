// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package sphinx

import (
	"fmt"
	"io"

	"github.com/cloudflare/circl/dh/x25519"
)

// PrivateKey is a node's X25519 private key. Any 32 bytes are usable: X25519
// clamps the scalar before use, and GenerateKey stores it clamped.
type PrivateKey [32]byte

// PublicKey is a node's X25519 public key, the u-coordinate of a point on
// Curve25519.
type PublicKey [32]byte

// GenerateKey reads 32 bytes from rand and returns them, clamped, as a
// private key.
func GenerateKey(rand io.Reader) (PrivateKey, error) {
	var k PrivateKey
	if _, err := io.ReadFull(rand, k[:]); err != nil {
		return PrivateKey{}, fmt.Errorf("sphinx: generating key: %w", err)
	}
	clamp((*[32]byte)(&k))
	return k, nil
}

// Public returns the public key of k.
func (k PrivateKey) Public() PublicKey {
	var pub PublicKey
	x25519.KeyGen((*x25519.Key)(&pub), (*x25519.Key)(&k))
	return pub
}

// clamp applies the X25519 scalar clamping of RFC 7748 to k in place.
func clamp(k *[32]byte) {
	k[0] &= 248
	k[31] &= 127
	k[31] |= 64
}

// sharedSecret returns X25519(k, pub), and false if pub has small order.
func sharedSecret(k *[32]byte, pub *[32]byte) ([32]byte, bool) {
	var s [32]byte
	ok := x25519.Shared((*x25519.Key)(&s), (*x25519.Key)(k), (*x25519.Key)(pub))
	return s, ok
}
