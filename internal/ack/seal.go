// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package ack

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/nym-go/nym/internal/fragment"
)

// Size is the size of an ack payload: the plaintext of a sphinx Ack packet.
const Size = 21

// KeySize is the size of a client's ack key.
const KeySize = 32

// nonceSize is the random tweak in front of the sealed block.
const nonceSize = Size - aes.BlockSize

// ErrInvalid means an ack payload failed to open: wrong length, wrong key,
// tampered with, or forged.
var ErrInvalid = errors.New("ack: invalid ack")

// Cipher seals and opens ack payloads under one client's ack key. It is
// safe for concurrent use.
type Cipher struct {
	enc   cipher.Block // k1 = key[:16]
	tweak cipher.Block // k2 = key[16:]
}

// NewCipher returns the Cipher for a 32-byte ack key.
func NewCipher(key []byte) (*Cipher, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("ack: key is %d bytes, want %d", len(key), KeySize)
	}
	enc, err := aes.NewCipher(key[:16])
	if err != nil {
		return nil, fmt.Errorf("ack: %w", err)
	}
	tweak, err := aes.NewCipher(key[16:])
	if err != nil {
		return nil, fmt.Errorf("ack: %w", err)
	}
	return &Cipher{enc: enc, tweak: tweak}, nil
}

// delta returns Δ = AES(k2, nonce ‖ 0^11).
func (c *Cipher) delta(nonce []byte) [aes.BlockSize]byte {
	var d [aes.BlockSize]byte
	copy(d[:], nonce)
	c.tweak.Encrypt(d[:], d[:])
	return d
}

// Seal returns the ack payload naming id, with a fresh nonce read from
// rand (crypto/rand in production; a seeded source in tests).
func (c *Cipher) Seal(id fragment.ID, rand io.Reader) ([Size]byte, error) {
	var out [Size]byte
	if _, err := io.ReadFull(rand, out[:nonceSize]); err != nil {
		return out, fmt.Errorf("ack: reading nonce: %w", err)
	}
	var block [aes.BlockSize]byte
	binary.BigEndian.PutUint64(block[0:], id.Message)
	binary.BigEndian.PutUint32(block[8:], id.Index)
	// block[12:16] stays zero: the check.
	d := c.delta(out[:nonceSize])
	subtle.XORBytes(block[:], block[:], d[:])
	c.enc.Encrypt(block[:], block[:])
	subtle.XORBytes(out[nonceSize:], block[:], d[:])
	return out, nil
}

// Open checks an ack payload and returns the fragment it names.
func (c *Cipher) Open(b []byte) (fragment.ID, error) {
	if len(b) != Size {
		return fragment.ID{}, fmt.Errorf("%w: %d bytes, want %d", ErrInvalid, len(b), Size)
	}
	var block [aes.BlockSize]byte
	d := c.delta(b[:nonceSize])
	subtle.XORBytes(block[:], b[nonceSize:], d[:])
	c.enc.Decrypt(block[:], block[:])
	subtle.XORBytes(block[:], block[:], d[:])
	if subtle.ConstantTimeCompare(block[12:], []byte{0, 0, 0, 0}) != 1 {
		return fragment.ID{}, fmt.Errorf("%w: check failed", ErrInvalid)
	}
	return fragment.ID{
		Message: binary.BigEndian.Uint64(block[0:]),
		Index:   binary.BigEndian.Uint32(block[8:]),
	}, nil
}

// SealAck seals id under key with a nonce from rand; see [Cipher.Seal].
func SealAck(key []byte, id fragment.ID, rand io.Reader) ([Size]byte, error) {
	c, err := NewCipher(key)
	if err != nil {
		return [Size]byte{}, err
	}
	return c.Seal(id, rand)
}

// OpenAck opens an ack payload under key; see [Cipher.Open].
func OpenAck(key []byte, b []byte) (fragment.ID, error) {
	c, err := NewCipher(key)
	if err != nil {
		return fragment.ID{}, err
	}
	return c.Open(b)
}
