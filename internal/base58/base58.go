// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package base58 implements the Bitcoin-alphabet base58 text form that the
// network uses for every key (identity, encryption, sphinx) and for client
// addresses.
//
// Leading zero bytes encode as leading '1' characters, so the encoding is a
// bijection between byte strings and canonical base58 strings.
package base58

import (
	"errors"
	"fmt"
)

// Alphabet is the Bitcoin base58 alphabet.
const Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

// MaxDecodedLen bounds the input Decode accepts, so that hostile text cannot
// make it do quadratic work. Every key and address in the network is far
// shorter.
const MaxDecodedLen = 1024

// ErrInvalid is returned (wrapped) for text that is not base58.
var ErrInvalid = errors.New("base58: invalid")

var decodeMap = func() [256]int8 {
	var m [256]int8
	for i := range m {
		m[i] = -1
	}
	for i := 0; i < len(Alphabet); i++ {
		m[Alphabet[i]] = int8(i)
	}
	return m
}()

// Encode returns the base58 text form of b.
func Encode(b []byte) string {
	zeros := 0
	for zeros < len(b) && b[zeros] == 0 {
		zeros++
	}
	// log(256)/log(58) ≈ 1.366: the digits needed for the rest.
	size := (len(b)-zeros)*138/100 + 1
	digits := make([]byte, size)
	high := size - 1
	for _, c := range b[zeros:] {
		carry := int(c)
		j := size - 1
		for ; j > high || carry != 0; j-- {
			carry += 256 * int(digits[j])
			digits[j] = byte(carry % 58)
			carry /= 58
		}
		high = j
	}
	i := 0
	for i < size && digits[i] == 0 {
		i++
	}
	out := make([]byte, zeros+size-i)
	for k := 0; k < zeros; k++ {
		out[k] = '1'
	}
	for k, d := range digits[i:] {
		out[zeros+k] = Alphabet[d]
	}
	return string(out)
}

// Decode returns the bytes that s encodes. It rejects characters outside the
// alphabet and inputs longer than the text form of MaxDecodedLen bytes.
func Decode(s string) ([]byte, error) {
	if len(s) > MaxDecodedLen*138/100+1 {
		return nil, fmt.Errorf("%w: text of %d characters is too long", ErrInvalid, len(s))
	}
	zeros := 0
	for zeros < len(s) && s[zeros] == '1' {
		zeros++
	}
	// log(58)/log(256) ≈ 0.733: the bytes needed for the rest.
	size := (len(s)-zeros)*733/1000 + 1
	out := make([]byte, size)
	high := size - 1
	for i := zeros; i < len(s); i++ {
		v := decodeMap[s[i]]
		if v < 0 {
			return nil, fmt.Errorf("%w: character %q at offset %d", ErrInvalid, s[i], i)
		}
		carry := int(v)
		j := size - 1
		for ; j > high || carry != 0; j-- {
			carry += 58 * int(out[j])
			out[j] = byte(carry)
			carry >>= 8
		}
		high = j
	}
	i := 0
	for i < size && out[i] == 0 {
		i++
	}
	res := make([]byte, zeros+size-i)
	copy(res[zeros:], out[i:])
	return res, nil
}

// DecodeFixed decodes s and checks that it is exactly n bytes long, the
// usual case for keys.
func DecodeFixed(s string, n int) ([]byte, error) {
	b, err := Decode(s)
	if err != nil {
		return nil, err
	}
	if len(b) != n {
		return nil, fmt.Errorf("%w: decodes to %d bytes, want %d", ErrInvalid, len(b), n)
	}
	return b, nil
}
