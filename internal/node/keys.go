// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package node

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/nym-go/nym/internal/base58"
	"github.com/nym-go/nym/internal/home"
	"github.com/nym-go/nym/internal/keyfile"
	"github.com/nym-go/nym/internal/sphinx"
)

// Key file names under keys/. Private keys are base58 of 32 bytes: the
// Ed25519 seed and the (clamped) X25519 scalar; public keys are base58 of
// their 32 bytes.
const (
	IdentityKeyFile       = "ed25519_identity"
	IdentityPublicKeyFile = "ed25519_identity.pub"
	SphinxKeyFile         = "x25519_sphinx"
	SphinxPublicKeyFile   = "x25519_sphinx.pub"
)

// KeySet is a node's pair of private keys.
type KeySet struct {
	// Identity signs presence and host information.
	Identity ed25519.PrivateKey
	// Sphinx decrypts the packets sent to the node.
	Sphinx sphinx.PrivateKey
}

// IdentityPublic returns the base58 Ed25519 public key.
func (k *KeySet) IdentityPublic() string {
	return base58.Encode(k.Identity.Public().(ed25519.PublicKey))
}

// SphinxPublic returns the base58 X25519 public key.
func (k *KeySet) SphinxPublic() string {
	pub := k.Sphinx.Public()
	return base58.Encode(pub[:])
}

// LoadKeys reads the private keys of the node in dir, refusing files that
// others can read, and checks that the .pub files match them.
func LoadKeys(dir home.Dir) (*KeySet, error) {
	seed, err := keyfile.Read(dir.Keys(IdentityKeyFile), ed25519.SeedSize, keyfile.Private)
	if err != nil {
		return nil, fmt.Errorf("identity key: %w", err)
	}
	raw, err := keyfile.Read(dir.Keys(SphinxKeyFile), len(sphinx.PrivateKey{}), keyfile.Private)
	if err != nil {
		return nil, fmt.Errorf("sphinx key: %w", err)
	}
	k := &KeySet{Identity: ed25519.NewKeyFromSeed(seed)}
	copy(k.Sphinx[:], raw)
	for _, c := range []struct{ file, want string }{
		{IdentityPublicKeyFile, k.IdentityPublic()}, {SphinxPublicKeyFile, k.SphinxPublic()},
	} {
		pub, err := keyfile.Read(dir.Keys(c.file), 32, keyfile.Public)
		if err != nil {
			return nil, fmt.Errorf("public key: %w", err)
		}
		if base58.Encode(pub) != c.want {
			return nil, fmt.Errorf("public key %s does not match its private key", dir.Keys(c.file))
		}
	}
	return k, nil
}

// ensureKeys keeps the keys already in dir and generates (with rand) the
// ones missing. A pair whose private half exists is never replaced; a
// missing .pub is rewritten from it. It reports which pairs it generated.
func ensureKeys(dir home.Dir, rand io.Reader) (generated []string, err error) {
	idPath, sxPath := dir.Keys(IdentityKeyFile), dir.Keys(SphinxKeyFile)
	if !exists(idPath) {
		seed := make([]byte, ed25519.SeedSize)
		if _, err := io.ReadFull(rand, seed); err != nil {
			return nil, fmt.Errorf("generate identity key: %w", err)
		}
		if err := keyfile.Write(idPath, seed, keyfile.Private, false); err != nil {
			return nil, err
		}
		generated = append(generated, IdentityKeyFile)
	}
	if !exists(sxPath) {
		k, err := sphinx.GenerateKey(rand)
		if err != nil {
			return nil, fmt.Errorf("generate sphinx key: %w", err)
		}
		if err := keyfile.Write(sxPath, k[:], keyfile.Private, false); err != nil {
			return nil, err
		}
		generated = append(generated, SphinxKeyFile)
	}
	seed, err := keyfile.Read(idPath, ed25519.SeedSize, keyfile.Private)
	if err != nil {
		return nil, fmt.Errorf("identity key: %w", err)
	}
	raw, err := keyfile.Read(sxPath, len(sphinx.PrivateKey{}), keyfile.Private)
	if err != nil {
		return nil, fmt.Errorf("sphinx key: %w", err)
	}
	var sk sphinx.PrivateKey
	copy(sk[:], raw)
	sp := sk.Public()
	// Public halves are derived, so rewriting them replaces nothing.
	if err := keyfile.Write(dir.Keys(IdentityPublicKeyFile), ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey), keyfile.Public, true); err != nil {
		return nil, err
	}
	if err := keyfile.Write(dir.Keys(SphinxPublicKeyFile), sp[:], keyfile.Public, true); err != nil {
		return nil, err
	}
	return generated, nil
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return !errors.Is(err, fs.ErrNotExist)
}

// KeysOptions are the arguments of Keys.
type KeysOptions struct {
	// Home is the $NYM_HOME root; empty means home.Root().
	Home string
	// ID names the node.
	ID string
	// Stdout receives the keys.
	Stdout io.Writer
}

// Keys prints the node's public keys, read from the .pub files.
func Keys(opts KeysOptions) error {
	dir, err := nodeDir(opts.Home, opts.ID)
	if err != nil {
		return err
	}
	var pubs [2]string
	for i, f := range []string{IdentityPublicKeyFile, SphinxPublicKeyFile} {
		b, err := keyfile.Read(dir.Keys(f), 32, keyfile.Public)
		if err != nil {
			return fmt.Errorf("node %q: %w", opts.ID, err)
		}
		pubs[i] = base58.Encode(b)
	}
	_, err = fmt.Fprintf(out(opts.Stdout), "identity key (ed25519): %s\nsphinx key (x25519):    %s\n", pubs[0], pubs[1])
	return err
}

// nodeDir returns the directory of node id under root (or home.Root()).
func nodeDir(root, id string) (home.Dir, error) {
	if root == "" {
		r, err := home.Root()
		if err != nil {
			return "", err
		}
		root = r
	}
	return home.For(root, home.Node, id)
}

func out(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}
