// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package sphinx

import (
	"bytes"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"testing"
)

func TestHMACMatchesStdlib(t *testing.T) {
	msg := bytes.Repeat([]byte("message "), 40)
	for _, keyLen := range []int{0, 16, 32, 63, 64, 65, 100} {
		for _, split := range []int{0, 1, 64, len(msg)} {
			t.Run(fmt.Sprintf("key%d/split%d", keyLen, split), func(t *testing.T) {
				key := bytes.Repeat([]byte{0xa5}, keyLen)
				m := hmac.New(sha256.New, key)
				m.Write(msg)
				want := m.Sum(nil)
				var got [32]byte
				hmacSHA256(&got, key, msg[:split], msg[split:], nil)
				if !bytes.Equal(got[:], want) {
					t.Fatalf("hmacSHA256 = %x, want %x", got, want)
				}
			})
		}
	}
}

func TestHKDFMatchesStdlib(t *testing.T) {
	for _, n := range []int{1, 16, 32, 33, hopKeysSize, lionessKeySize, 255} {
		ikm := []byte("input keying material")
		want, err := hkdf.Key(sha256.New, ikm, nil, string(hopKeysInfo), n)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]byte, n)
		hkdfSHA256(got, ikm, hopKeysInfo)
		if !bytes.Equal(got, want) {
			t.Errorf("hkdfSHA256 of %d bytes = %x, want %x", n, got, want)
		}
	}
}

func TestDeriveHopKeysLayout(t *testing.T) {
	s := [32]byte{1, 2, 3}
	okm, err := hkdf.Key(sha256.New, s[:], nil, "nym-go sphinx v1 hop keys", 96)
	if err != nil {
		t.Fatal(err)
	}
	k := deriveHopKeys(&s)
	got := bytes.Join([][]byte{k.header[:], k.mac[:], k.payload[:], k.blind[:], k.replay[:]}, nil)
	if !bytes.Equal(got, okm) {
		t.Fatalf("hop keys %x, want HKDF output %x in order", got, okm)
	}
	seed := [PayloadKeySeedSize]byte{7}
	want, _ := hkdf.Key(sha256.New, seed[:], nil, "nym-go sphinx v1 lioness key", 128)
	if lk := lionessKeyFromSeed(&seed); !bytes.Equal(lk[:], want) {
		t.Fatalf("lioness key %x, want %x", lk, want)
	}
}

func TestKDFDoesNotAllocate(t *testing.T) {
	var s [32]byte
	var seed [PayloadKeySeedSize]byte
	beta := make([]byte, RoutingInfoSize)
	if n := testing.AllocsPerRun(20, func() {
		k := deriveHopKeys(&s)
		headerMAC(&k.mac, beta)
		lionessKeyFromSeed(&seed)
	}); n != 0 {
		t.Fatalf("key derivation and MAC allocate %v times, want 0", n)
	}
}
