// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package sphinx

import (
	"crypto/sha256"
	"fmt"
	"testing"

	"filippo.io/edwards25519"
	"github.com/cloudflare/circl/dh/x25519"
)

// TestClampedScalarMatchesChain checks the sender's shortcut against what
// the nodes compute: α_{i+1} = X25519(blind_i, α_i), s_i = X25519(sk_i, α_i).
func TestClampedScalarMatchesChain(t *testing.T) {
	for trial := range 20 {
		t.Run(fmt.Sprint(trial), func(t *testing.T) {
			x := sha256.Sum256([]byte(fmt.Sprint("x", trial)))
			clamp(&x)
			var alpha [32]byte // what the nodes see
			x25519.KeyGen((*x25519.Key)(&alpha), (*x25519.Key)(&x))
			var k edwards25519.Scalar
			k.SetBytesWithClamping(x[:])
			for i := range MaxHops {
				sk := PrivateKey(sha256.Sum256([]byte(fmt.Sprint("sk", trial, i))))
				pk := sk.Public()
				scalar := x
				if i > 0 {
					var ok bool
					scalar, ok = clampedScalar(&k)
					if !ok {
						t.Fatalf("hop %d: no representative", i)
					}
				}
				c := scalar
				clamp(&c)
				if c != scalar {
					t.Fatalf("hop %d: representative %x changes under clamping", i, scalar)
				}
				var viaShortcut [32]byte
				x25519.KeyGen((*x25519.Key)(&viaShortcut), (*x25519.Key)(&scalar))
				if viaShortcut != alpha {
					t.Fatalf("hop %d: α from product %x, nodes compute %x", i, viaShortcut, alpha)
				}
				senderS, ok1 := sharedSecret(&scalar, (*[32]byte)(&pk))
				nodeS, ok2 := sharedSecret((*[32]byte)(&sk), &alpha)
				if !ok1 || !ok2 || senderS != nodeS {
					t.Fatalf("hop %d: sender secret %x, node secret %x", i, senderS, nodeS)
				}
				blind := deriveHopKeys(&nodeS).blind
				next, _ := sharedSecret(&blind, &alpha)
				alpha = next
				clampedProduct(&k, &blind)
			}
		})
	}
}

// pow2Minus1 returns 2^n - 1 in little-endian bytes, for n a multiple of 4.
func pow2Minus1(n int) [32]byte {
	var b [32]byte
	for i := range n / 8 {
		b[i] = 0xff
	}
	if n%8 != 0 {
		b[n/8] = 0x0f
	}
	return b
}

func TestClampedScalarEdges(t *testing.T) {
	scalarOf := func(m *edwards25519.Scalar) *edwards25519.Scalar {
		var eight edwards25519.Scalar
		eight.SetCanonicalBytes([]byte{8, 31: 0})
		return edwards25519.NewScalar().Multiply(m, &eight)
	}
	fromBytes := func(b [32]byte) *edwards25519.Scalar {
		s, err := edwards25519.NewScalar().SetCanonicalBytes(b[:])
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	one := fromBytes([32]byte{1})
	var minusOne edwards25519.Scalar
	minusOne.Negate(one)
	tests := []struct {
		name string
		m    *edwards25519.Scalar // k = 8m
		ok   bool
	}{
		{"m=2^251", fromBytes([32]byte{31: 0x08}), true},
		{"m=2^252-1", fromBytes(pow2Minus1(252)), true},
		{"m=2^200 (uses ℓ-m)", fromBytes([32]byte{25: 1}), true},
		{"m=1 (ℓ-1 too large)", one, false},
		{"m=ℓ-1 (too large, and ℓ-m too small)", &minusOne, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := scalarOf(tt.m)
			got, ok := clampedScalar(k)
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v", ok, tt.ok)
			}
			if !ok {
				return
			}
			// got must be ±k mod ℓ and unchanged by clamping.
			var back edwards25519.Scalar
			back.SetUniformBytes(append(got[:], make([]byte, 32)...))
			var neg edwards25519.Scalar
			neg.Negate(k)
			if back.Equal(k) != 1 && back.Equal(&neg) != 1 {
				t.Fatalf("representative %x is not ±k", got)
			}
			c := got
			clamp(&c)
			if c != got {
				t.Fatalf("representative %x changes under clamping", got)
			}
		})
	}
}
