// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package sphinx_test

import (
	"crypto/sha256"
	"fmt"
	"io"
	"net/netip"
	"testing"
	"time"

	"golang.org/x/crypto/chacha20"

	"github.com/nym-go/nym/internal/sphinx"
)

// seededReader returns a deterministic stream of bytes (ChaCha20 keystream
// under SHA-256(seed)), so that tests and vectors are reproducible.
func seededReader(seed string) io.Reader {
	key := sha256.Sum256([]byte(seed))
	var nonce [chacha20.NonceSize]byte
	c, err := chacha20.NewUnauthenticatedCipher(key[:], nonce[:])
	if err != nil {
		panic(err)
	}
	return keystreamReader{c}
}

type keystreamReader struct{ c *chacha20.Cipher }

func (r keystreamReader) Read(p []byte) (int, error) {
	clear(p)
	r.c.XORKeyStream(p, p)
	return len(p), nil
}

// testNode is a node with its key, its processor and its place in a route.
type testNode struct {
	key  sphinx.PrivateKey
	proc *sphinx.Processor
	hop  sphinx.Hop
}

// newNodes makes n nodes with keys from rng, addresses alternating between
// IPv4 and IPv6, and distinct delays.
func newNodes(t testing.TB, rng io.Reader, n int) []testNode {
	t.Helper()
	nodes := make([]testNode, n)
	for i := range nodes {
		key, err := sphinx.GenerateKey(rng)
		if err != nil {
			t.Fatal(err)
		}
		ap := netip.MustParseAddrPort(fmt.Sprintf("10.0.%d.%d:%d", i, i+1, 1789+i))
		if i%2 == 1 {
			ap = netip.MustParseAddrPort(fmt.Sprintf("[2001:db8::%x]:%d", i+1, 1789+i))
		}
		addr, err := sphinx.NodeAddressFromAddrPort(ap)
		if err != nil {
			t.Fatal(err)
		}
		nodes[i] = testNode{
			key:  key,
			proc: sphinx.NewProcessor(key),
			hop:  sphinx.Hop{Address: addr, PublicKey: key.Public(), Delay: time.Duration(i+1) * 12345 * time.Microsecond},
		}
	}
	return nodes
}

func routeOf(nodes []testNode) []sphinx.Hop {
	r := make([]sphinx.Hop, len(nodes))
	for i, n := range nodes {
		r[i] = n.hop
	}
	return r
}

var sizes = []sphinx.SizeType{sphinx.Regular, sphinx.Ack, sphinx.Extended}

// fullPlaintext returns a plaintext of the largest size t carries, ending in
// 0x01 and 0x00 bytes to exercise the end marker.
func fullPlaintext(t sphinx.SizeType) []byte {
	p := make([]byte, t.PlaintextSize())
	for i := range p {
		p[i] = byte(i*7 + 3)
	}
	p[len(p)-1] = 0
	if len(p) > 1 {
		p[len(p)-2] = 1
	}
	return p
}
