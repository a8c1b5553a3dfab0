// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package address parses and formats a client's mixnet address: the keys a
// sender needs to reach a client, and the gateway it receives at.
//
// The text form is Nym's:
//
//	base58(identity).base58(encryption)@base58(gateway)
//
// where identity is the client's Ed25519 public key (the destination the
// gateway delivers to), encryption its X25519 public key (the end-to-end key,
// see internal/e2e), and gateway the Ed25519 identity of its gateway. Every
// part is exactly 32 bytes. Only lengths are checked: whether a key is a valid
// curve point is the business of the code that uses it.
package address

import (
	"errors"
	"fmt"
	"strings"

	"github.com/nym-go/nym/internal/base58"
)

// KeySize is the size of each of the three keys in an address.
const KeySize = 32

// ErrInvalid is wrapped by every error Parse returns.
var ErrInvalid = errors.New("address: invalid")

// maxTextLen bounds the input Parse looks at: three 32-byte keys take at
// most 44 base58 characters each, plus two separators.
const maxTextLen = 3*44 + 2

// Address is a client's address.
type Address struct {
	// Identity is the client's Ed25519 identity key.
	Identity [KeySize]byte
	// Encryption is the client's X25519 end-to-end encryption key.
	Encryption [KeySize]byte
	// Gateway is the Ed25519 identity key of the client's gateway.
	Gateway [KeySize]byte
}

// Parse parses the text form of an address. Errors wrap ErrInvalid and name
// the part that is wrong.
func Parse(s string) (Address, error) {
	var a Address
	if len(s) > maxTextLen {
		return a, fmt.Errorf("%w: %d characters, at most %d", ErrInvalid, len(s), maxTextLen)
	}
	client, gateway, ok := strings.Cut(s, "@")
	if !ok {
		return a, fmt.Errorf("%w: missing '@' before the gateway identity", ErrInvalid)
	}
	if strings.Contains(gateway, "@") {
		return a, fmt.Errorf("%w: more than one '@'", ErrInvalid)
	}
	identity, encryption, ok := strings.Cut(client, ".")
	if !ok {
		return a, fmt.Errorf("%w: missing '.' between the identity and the encryption key", ErrInvalid)
	}
	if strings.Contains(encryption, ".") {
		return a, fmt.Errorf("%w: more than one '.'", ErrInvalid)
	}
	for _, p := range []struct {
		name string
		text string
		dst  *[KeySize]byte
	}{
		{"identity key", identity, &a.Identity},
		{"encryption key", encryption, &a.Encryption},
		{"gateway identity", gateway, &a.Gateway},
	} {
		if err := decodeKey(p.dst, p.text); err != nil {
			return Address{}, fmt.Errorf("%w: %s: %w", ErrInvalid, p.name, err)
		}
	}
	return a, nil
}

func decodeKey(dst *[KeySize]byte, s string) error {
	if s == "" {
		return errors.New("empty")
	}
	b, err := base58.Decode(s)
	if err != nil {
		return err
	}
	if len(b) != KeySize {
		return fmt.Errorf("%d bytes, want %d", len(b), KeySize)
	}
	// Decode accepts only canonical strings, but check anyway so that an
	// address has exactly one text form.
	if base58.Encode(b) != s {
		return errors.New("not canonical base58")
	}
	copy(dst[:], b)
	return nil
}

// String returns the text form of a.
func (a Address) String() string {
	return base58.Encode(a.Identity[:]) + "." + base58.Encode(a.Encryption[:]) + "@" + base58.Encode(a.Gateway[:])
}

// MarshalText returns the text form of a.
func (a Address) MarshalText() ([]byte, error) {
	return []byte(a.String()), nil
}

// UnmarshalText parses the text form of an address into a.
func (a *Address) UnmarshalText(b []byte) error {
	p, err := Parse(string(b))
	if err != nil {
		return err
	}
	*a = p
	return nil
}
