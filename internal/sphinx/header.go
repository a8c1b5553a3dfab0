// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package sphinx

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
	"io"

	"filippo.io/edwards25519"
	"github.com/cloudflare/circl/dh/x25519"
)

// Routing block layout. A forward block is flag ‖ version ‖ next address ‖
// delay ‖ next MAC (60 bytes); a final block is flag ‖ version ‖
// destination ‖ identifier (52 bytes) followed by random padding.
const (
	flagForward byte = 0x01
	flagFinal   byte = 0x02

	offVersion = 1
	offAddress = 4
	offDelay   = offAddress + NodeAddressSize
	offNextMAC = offDelay + 8
	offDest    = offAddress
	offID      = offDest + DestinationSize
	finalSize  = offID + IdentifierSize

	// Header offsets.
	offMAC  = GroupElementSize
	offBeta = offMAC + MACSize
)

// headerVersion is the format version in every routing block.
var headerVersion = [3]byte{0, 0, 1}

// zeroIV is the header stream cipher's IV. It is a package variable so that
// passing it to cipher.NewCTR does not allocate.
var zeroIV [aes.BlockSize]byte

// newHeaderStream returns the AES-128-CTR keystream for a hop's β.
func newHeaderStream(key *[16]byte) cipher.Stream {
	b, _ := aes.NewCipher(key[:]) // cannot fail: 16-byte key
	return cipher.NewCTR(b, zeroIV[:])
}

// headerKeystream returns the first streamSize bytes of a hop's keystream.
func headerKeystream(key *[16]byte) *[streamSize]byte {
	var ks [streamSize]byte
	newHeaderStream(key).XORKeyStream(ks[:], ks[:])
	return &ks
}

// maxAttempts bounds how often buildHeader draws a new ephemeral key when a
// blinded scalar has no clamped representative (probability ≈ 2⁻¹²⁶ each).
const maxAttempts = 4

// builtHeader is a header and what its creator needs to encrypt or decrypt
// payloads along its route.
type builtHeader struct {
	header [HeaderSize]byte
	seeds  [][PayloadKeySeedSize]byte // payload key seed of each hop, in route order
}

// buildHeader builds the header for route, whose final hop receives dest
// and id. It reads a 32-byte ephemeral key and then the final block's random
// padding from rand.
func buildHeader(rand io.Reader, route []Hop, dest *Destination, id *Identifier) (*builtHeader, error) {
	if err := checkRoute(route); err != nil {
		return nil, err
	}
	for range maxAttempts {
		var x [32]byte
		if _, err := io.ReadFull(rand, x[:]); err != nil {
			return nil, fmt.Errorf("sphinx: reading randomness: %w", err)
		}
		keys, ok, err := hopSecrets(&x, route)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		h := &builtHeader{seeds: make([][PayloadKeySeedSize]byte, len(route))}
		x25519.KeyGen((*x25519.Key)(h.header[:offMAC]), (*x25519.Key)(&x))
		if err := encodeRouting(rand, &h.header, route, keys, dest, id); err != nil {
			return nil, err
		}
		for i := range keys {
			h.seeds[i] = keys[i].payload
		}
		return h, nil
	}
	return nil, fmt.Errorf("sphinx: no usable ephemeral key in %d attempts; the randomness source is broken", maxAttempts)
}

// hopSecrets derives every hop's keys for ephemeral key x. It returns false
// when x must be replaced (see clampedScalar).
func hopSecrets(x *[32]byte, route []Hop) ([]hopKeys, bool, error) {
	keys := make([]hopKeys, len(route))
	var k edwards25519.Scalar
	k.SetBytesWithClamping(x[:]) // cannot fail: 32 bytes
	scalar := *x
	for i := range route {
		if i > 0 {
			clampedProduct(&k, &keys[i-1].blind)
			var ok bool
			if scalar, ok = clampedScalar(&k); !ok {
				return nil, false, nil
			}
		}
		s, ok := sharedSecret(&scalar, (*[32]byte)(&route[i].PublicKey))
		if !ok {
			return nil, false, fmt.Errorf("%w: hop %d: public key has small order", ErrBadRoute, i)
		}
		keys[i] = deriveHopKeys(&s)
	}
	return keys, true, nil
}

// encodeRouting fills in γ and β of a header whose α is already set.
func encodeRouting(rand io.Reader, h *[HeaderSize]byte, route []Hop, keys []hopKeys, dest *Destination, id *Identifier) error {
	n := len(route)
	streams := make([]*[streamSize]byte, n)
	for i := range keys {
		streams[i] = headerKeystream(&keys[i].header)
	}

	// The filler is what the last hop's β ends with after every earlier
	// hop has shifted in its keystream tail: hop i-1 contributes the last
	// 60·i bytes of its keystream.
	var fillerBuf [(MaxHops - 1) * RoutingBlockSize]byte
	var filler []byte
	for i := 1; i < n; i++ {
		filler = fillerBuf[:i*RoutingBlockSize] // a new zero block at the end
		subtle.XORBytes(filler, filler, streams[i-1][streamSize-len(filler):])
	}

	// The final hop's β: its block and random padding, encrypted, then the
	// filler.
	var beta [RoutingInfoSize]byte
	plain := RoutingInfoSize - len(filler)
	beta[0] = flagFinal
	copy(beta[offVersion:], headerVersion[:])
	copy(beta[offDest:], dest[:])
	copy(beta[offID:], id[:])
	if _, err := io.ReadFull(rand, beta[finalSize:plain]); err != nil {
		return fmt.Errorf("sphinx: reading randomness: %w", err)
	}
	subtle.XORBytes(beta[:plain], beta[:plain], streams[n-1][:plain])
	copy(beta[plain:], filler)
	mac := headerMAC(&keys[n-1].mac, beta[:])

	// Wrap the earlier hops from the inside out: hop i's block names hop
	// i+1 and carries hop i's delay and hop i+1's MAC.
	for i := n - 2; i >= 0; i-- {
		copy(beta[RoutingBlockSize:], beta[:RoutingInfoSize-RoutingBlockSize])
		beta[0] = flagForward
		copy(beta[offVersion:], headerVersion[:])
		copy(beta[offAddress:], route[i+1].Address[:])
		binary.BigEndian.PutUint64(beta[offDelay:], uint64(route[i].Delay))
		copy(beta[offNextMAC:], mac[:])
		subtle.XORBytes(beta[:], beta[:], streams[i][:RoutingInfoSize])
		mac = headerMAC(&keys[i].mac, beta[:])
	}
	copy(h[offMAC:], mac[:])
	copy(h[offBeta:], beta[:])
	return nil
}
