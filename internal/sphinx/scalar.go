// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package sphinx

import (
	"crypto/subtle"

	"filippo.io/edwards25519"
)

// The sender must know every hop's shared secret s_i = X25519(sk_i, α_i),
// where hop i sees α_i = X25519(c_{i-1}, α_{i-1}) and α_0 = X25519(x, 9).
// Recomputing α_i by chaining costs O(n²) scalar multiplications. Instead the
// sender keeps the product k_i = x·c_0·…·c_{i-1} mod ℓ: every clamped scalar
// is a multiple of the cofactor 8 and every point involved lies in the
// prime-order subgroup (or is multiplied by a multiple of 8 first), so
// α_i = u(k_i·B) and s_i = u(k_i·P_i) for any k ≡ ±k_i (mod ℓ). X25519 clamps
// its scalar, so k_i is handed to it as a scalar X25519 leaves alone: 8·m
// with 2^251 ≤ m < 2^252 and 8·m ≡ ±k_i (mod ℓ). See docs/protocol/sphinx.md.

// invEight is 8⁻¹ mod ℓ.
var invEight = func() *edwards25519.Scalar {
	var b [32]byte
	b[0] = 8
	s, _ := edwards25519.NewScalar().SetCanonicalBytes(b[:]) // cannot fail: 8 < ℓ
	return s.Invert(s)
}()

// clampedScalar returns an X25519 scalar k' such that clamping leaves k'
// unchanged and X25519(k', P) = u(k·P) for every P in the prime-order
// subgroup. It returns false with probability about 2⁻¹²⁶ for a uniformly
// distributed k; the caller then starts over with a fresh ephemeral key.
// It runs in constant time.
func clampedScalar(k *edwards25519.Scalar) ([32]byte, bool) {
	m := edwards25519.NewScalar().Multiply(k, invEight)
	var neg edwards25519.Scalar
	neg.Negate(m)
	mb, nb := m.Bytes(), neg.Bytes()
	// A representative fits when its bits 251..255 are exactly 0b00001,
	// that is 2^251 ≤ m < 2^252.
	useM := subtle.ConstantTimeByteEq(mb[31]&0xf8, 0x08)
	useN := subtle.ConstantTimeByteEq(nb[31]&0xf8, 0x08)
	var r [32]byte
	subtle.ConstantTimeCopy(useN, r[:], nb)
	subtle.ConstantTimeCopy(useM, r[:], mb)
	// Multiply by 8: shift the little-endian number left by three bits.
	var out [32]byte
	var carry byte
	for i := range r {
		out[i] = r[i]<<3 | carry
		carry = r[i] >> 5
	}
	return out, useM|useN == 1
}

// clampedProduct returns k·clamp(c) mod ℓ, where c is a blinding factor as
// X25519 would use it.
func clampedProduct(k *edwards25519.Scalar, c *[32]byte) *edwards25519.Scalar {
	var cs edwards25519.Scalar
	cs.SetBytesWithClamping(c[:]) // cannot fail: c is 32 bytes
	return k.Multiply(k, &cs)
}
