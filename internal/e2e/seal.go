// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package e2e

import (
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"

	"github.com/cloudflare/circl/dh/x25519"
	"golang.org/x/crypto/chacha20poly1305"

	"github.com/nym-go/nym/internal/ack"
	"github.com/nym-go/nym/internal/sphinx"
)

// Sizes of the end-to-end layer, in bytes.
const (
	// KeySize is the size of an X25519 key.
	KeySize = 32
	// EphemeralSize is the size of the ephemeral public key in front of
	// every sealed fragment.
	EphemeralSize = 32
	// TagSize is the size of the ChaCha20-Poly1305 tag.
	TagSize = chacha20poly1305.Overhead
	// SealOverhead is what Seal adds to a fragment.
	SealOverhead = EphemeralSize + TagSize
	// SURBAckSize is the size of the SURB-ack at the start of every
	// forward packet's plaintext: first hop ‖ an Ack-size Sphinx packet.
	SURBAckSize = sphinx.NodeAddressSize + ackPacketSize
	// PacketOverhead is what the plaintext of a forward packet spends on
	// things other than the fragment.
	PacketOverhead = SURBAckSize + SealOverhead

	ackPacketSize = sphinx.HeaderSize + sphinx.PayloadOverhead + ack.Size
)

// info is the HKDF info string; it names the protocol and its version.
const info = "nym-go e2e v1"

// Errors returned by this package. Returned errors may wrap them.
var (
	// ErrOpen means a sealed fragment did not authenticate: it was
	// modified, or sealed to another key.
	ErrOpen = errors.New("e2e: message authentication failed")
	// ErrMalformed means an input has an impossible length or layout.
	ErrMalformed = errors.New("e2e: malformed input")
	// ErrKey means a key is unusable (a low-order X25519 point).
	ErrKey = errors.New("e2e: unusable key")
)

// PublicKey returns the X25519 public key of the private key priv.
func PublicKey(priv [KeySize]byte) [KeySize]byte {
	var pub x25519.Key
	x25519.KeyGen(&pub, (*x25519.Key)(&priv))
	return pub
}

// GenerateKey reads a private key from rand and returns it with its public
// key.
func GenerateKey(rand io.Reader) (priv, pub [KeySize]byte, err error) {
	if _, err := io.ReadFull(rand, priv[:]); err != nil {
		return priv, pub, fmt.Errorf("e2e: reading key: %w", err)
	}
	return priv, PublicKey(priv), nil
}

// FragmentCapacity returns how many fragment bytes one forward packet of
// size carries: its plaintext minus the SURB-ack, the ephemeral key and the
// tag. It returns 0 for sizes too small to carry a fragment (Ack) or invalid.
func FragmentCapacity(size sphinx.SizeType) int {
	n := size.PlaintextSize() - PacketOverhead
	if n < 0 {
		return 0
	}
	return n
}

// key derives the AEAD key from the X25519 shared secret.
func key(shared, ephPub, recipient *[KeySize]byte) ([]byte, error) {
	salt := make([]byte, 0, 2*KeySize)
	salt = append(append(salt, ephPub[:]...), recipient[:]...)
	return hkdf.Key(sha256.New, shared[:], salt, info, chacha20poly1305.KeySize)
}

// Seal encrypts fragment to the X25519 key recipient, returning
// ephemeral public key ‖ ChaCha20-Poly1305(k, nonce 0, fragment). It reads
// 32 bytes from rand for a fresh ephemeral key; because every key k is used
// for exactly one message, the all-zero nonce is safe.
func Seal(rand io.Reader, recipient [KeySize]byte, fragment []byte) ([]byte, error) {
	var eph, ephPub, shared x25519.Key
	if _, err := io.ReadFull(rand, eph[:]); err != nil {
		return nil, fmt.Errorf("e2e: reading ephemeral key: %w", err)
	}
	x25519.KeyGen(&ephPub, &eph)
	if !x25519.Shared(&shared, &eph, (*x25519.Key)(&recipient)) {
		return nil, fmt.Errorf("%w: recipient key is a low-order point", ErrKey)
	}
	k, err := key((*[KeySize]byte)(&shared), (*[KeySize]byte)(&ephPub), &recipient)
	if err != nil {
		return nil, err
	}
	aead, err := chacha20poly1305.New(k)
	if err != nil {
		return nil, err
	}
	out := make([]byte, EphemeralSize, EphemeralSize+len(fragment)+TagSize)
	copy(out, ephPub[:])
	var nonce [chacha20poly1305.NonceSize]byte
	return aead.Seal(out, nonce[:], fragment, nil), nil
}

// Open authenticates and decrypts a fragment sealed to the public key of
// priv. It fails with ErrOpen if the ciphertext was modified or sealed to
// another key, and ErrMalformed if it is too short. The result does not
// alias sealed.
func Open(priv [KeySize]byte, sealed []byte) ([]byte, error) {
	if len(sealed) < SealOverhead {
		return nil, fmt.Errorf("%w: %d-byte sealed fragment, at least %d", ErrMalformed, len(sealed), SealOverhead)
	}
	var ephPub, shared x25519.Key
	copy(ephPub[:], sealed[:EphemeralSize])
	if !x25519.Shared(&shared, (*x25519.Key)(&priv), &ephPub) {
		return nil, fmt.Errorf("%w: low-order ephemeral key", ErrOpen)
	}
	pub := PublicKey(priv)
	k, err := key((*[KeySize]byte)(&shared), (*[KeySize]byte)(&ephPub), &pub)
	if err != nil {
		return nil, err
	}
	aead, err := chacha20poly1305.New(k)
	if err != nil {
		return nil, err
	}
	var nonce [chacha20poly1305.NonceSize]byte
	out, err := aead.Open(nil, nonce[:], sealed[EphemeralSize:], nil)
	if err != nil {
		return nil, ErrOpen
	}
	return out, nil
}

// OpenDelivery opens the data of a gateway delivery that carries neither
// the ack nor the reply flag: the sealed fragment that followed the
// SURB-ack, which the gateway has already removed. Use ack.OpenAck for
// deliveries with the ack flag and ReplyStore.Open for the reply flag.
func OpenDelivery(priv [KeySize]byte, data []byte) ([]byte, error) {
	return Open(priv, data)
}
