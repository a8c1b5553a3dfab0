// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package nativeclient

import (
	"fmt"

	"github.com/nym-go/nym/internal/address"
	"github.com/nym-go/nym/internal/keyfile"
)

// AddressOptions are the arguments of Address.
type AddressOptions struct {
	// Home is the $NYM_HOME root; empty means home.Root().
	Home string
	// ID names the client.
	ID string
}

// Address returns the address of an initialised client, read from its
// public key files and config without running it.
func Address(opts AddressOptions) (address.Address, error) {
	var a address.Address
	dir, err := clientDir(opts.Home, opts.ID)
	if err != nil {
		return a, err
	}
	cfg, _, err := Load(dir.Config(), false)
	if err != nil {
		return a, fmt.Errorf("client %q: %w", opts.ID, err)
	}
	gw, err := cfg.GatewayKey()
	if err != nil {
		return a, err
	}
	for _, k := range []struct {
		file string
		dst  []byte
	}{{IdentityPublicKeyFile, a.Identity[:]}, {EncryptionPublicKeyFile, a.Encryption[:]}} {
		b, err := keyfile.Read(dir.Keys(k.file), address.KeySize, keyfile.Public)
		if err != nil {
			return a, fmt.Errorf("client %q: %w", opts.ID, err)
		}
		copy(k.dst, b)
	}
	copy(a.Gateway[:], gw)
	return a, nil
}
