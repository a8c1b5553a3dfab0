// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package nativeclient

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/nym-go/nym/internal/ack"
	"github.com/nym-go/nym/internal/address"
	"github.com/nym-go/nym/internal/base58"
	"github.com/nym-go/nym/internal/e2e"
	"github.com/nym-go/nym/internal/home"
	"github.com/nym-go/nym/internal/keyfile"
)

// Key file names under keys/. Private keys are base58 of 32 bytes (the
// Ed25519 seed, the X25519 scalar, the ack key); public keys are base58 of
// their 32 bytes. The ack key has no public half.
const (
	IdentityKeyFile         = "ed25519_identity"
	IdentityPublicKeyFile   = "ed25519_identity.pub"
	EncryptionKeyFile       = "x25519_encryption"
	EncryptionPublicKeyFile = "x25519_encryption.pub"
	AckKeyFile              = "ack_key"
)

// KeySet is a client's private keys.
type KeySet struct {
	// Identity is the client's Ed25519 identity: the gateway delivers to
	// it and it authenticates the client to the gateway.
	Identity ed25519.PrivateKey
	// Encryption is the X25519 key senders seal fragments to.
	Encryption [e2e.KeySize]byte
	// Ack seals the client's acknowledgements (internal/ack).
	Ack [ack.KeySize]byte
}

// Address returns the client's address at the gateway gw.
func (k *KeySet) Address(gw ed25519.PublicKey) address.Address {
	var a address.Address
	copy(a.Identity[:], k.Identity.Public().(ed25519.PublicKey))
	a.Encryption = e2e.PublicKey(k.Encryption)
	copy(a.Gateway[:], gw)
	return a
}

// LoadKeys reads the private keys of the client in dir, refusing files
// that others can read, and checks that the .pub files match them.
func LoadKeys(dir home.Dir) (*KeySet, error) {
	seed, err := keyfile.Read(dir.Keys(IdentityKeyFile), ed25519.SeedSize, keyfile.Private)
	if err != nil {
		return nil, fmt.Errorf("identity key: %w", err)
	}
	enc, err := keyfile.Read(dir.Keys(EncryptionKeyFile), e2e.KeySize, keyfile.Private)
	if err != nil {
		return nil, fmt.Errorf("encryption key: %w", err)
	}
	ak, err := keyfile.Read(dir.Keys(AckKeyFile), ack.KeySize, keyfile.Private)
	if err != nil {
		return nil, fmt.Errorf("ack key: %w", err)
	}
	k := &KeySet{Identity: ed25519.NewKeyFromSeed(seed)}
	copy(k.Encryption[:], enc)
	copy(k.Ack[:], ak)
	if k.Encryption == ([e2e.KeySize]byte{}) || k.Ack == ([ack.KeySize]byte{}) {
		return nil, fmt.Errorf("keys in %s: an all-zero key", dir.Keys(""))
	}
	encPub := e2e.PublicKey(k.Encryption)
	for _, c := range []struct {
		file string
		want []byte
	}{
		{IdentityPublicKeyFile, k.Identity.Public().(ed25519.PublicKey)},
		{EncryptionPublicKeyFile, encPub[:]},
	} {
		pub, err := keyfile.Read(dir.Keys(c.file), 32, keyfile.Public)
		if err != nil {
			return nil, fmt.Errorf("public key: %w", err)
		}
		if base58.Encode(pub) != base58.Encode(c.want) {
			return nil, fmt.Errorf("public key %s does not match its private key", dir.Keys(c.file))
		}
	}
	return k, nil
}

// ensureKeys keeps the keys already in dir and generates (from rand) the
// missing ones; a private key is never replaced. The .pub files are
// rewritten from the private keys. It reports which keys it generated.
func ensureKeys(dir home.Dir, rand io.Reader) (generated []string, err error) {
	gen := []struct {
		file string
		make func() ([]byte, error)
	}{
		{IdentityKeyFile, func() ([]byte, error) {
			seed := make([]byte, ed25519.SeedSize)
			_, err := io.ReadFull(rand, seed)
			return seed, err
		}},
		{EncryptionKeyFile, func() ([]byte, error) {
			priv, _, err := e2e.GenerateKey(rand)
			return priv[:], err
		}},
		{AckKeyFile, func() ([]byte, error) {
			k := make([]byte, ack.KeySize)
			_, err := io.ReadFull(rand, k)
			return k, err
		}},
	}
	for _, g := range gen {
		path := dir.Keys(g.file)
		if exists(path) {
			continue
		}
		k, err := g.make()
		if err != nil {
			return nil, fmt.Errorf("generate %s: %w", g.file, err)
		}
		if err := keyfile.Write(path, k, keyfile.Private, false); err != nil {
			return nil, err
		}
		generated = append(generated, g.file)
	}
	seed, err := keyfile.Read(dir.Keys(IdentityKeyFile), ed25519.SeedSize, keyfile.Private)
	if err != nil {
		return nil, fmt.Errorf("identity key: %w", err)
	}
	raw, err := keyfile.Read(dir.Keys(EncryptionKeyFile), e2e.KeySize, keyfile.Private)
	if err != nil {
		return nil, fmt.Errorf("encryption key: %w", err)
	}
	var enc [e2e.KeySize]byte
	copy(enc[:], raw)
	encPub := e2e.PublicKey(enc)
	// Public halves are derived, so rewriting them replaces nothing.
	if err := keyfile.Write(dir.Keys(IdentityPublicKeyFile), ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey), keyfile.Public, true); err != nil {
		return nil, err
	}
	if err := keyfile.Write(dir.Keys(EncryptionPublicKeyFile), encPub[:], keyfile.Public, true); err != nil {
		return nil, err
	}
	return generated, nil
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return !errors.Is(err, fs.ErrNotExist)
}
