// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package socks5client

import (
	"math/rand/v2"
	"testing"

	"github.com/nym-go/nym/internal/e2e"
	"github.com/nym-go/nym/internal/fragment"
	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/streams"
)

// TestSURBsFitOnePacket: a message with SURBsFit(len) SURBs is one
// fragment of the client core; one SURB more makes it two.
func TestSURBsFitOnePacket(t *testing.T) {
	capacity := e2e.FragmentCapacity(sphinx.Regular)
	rng := rand.New(rand.NewPCG(1, 2))
	frags := func(msgLen, surbs int) int {
		_, f, err := fragment.Split(rng, make([]byte, msgLen+e2e.BodyOverhead(surbs)), capacity, 0)
		if err != nil {
			t.Fatal(err)
		}
		return len(f)
	}
	if n := SURBsFit(streams.HeaderLen); n != 3 {
		t.Errorf("SURBsFit(header) = %d, want 3 (Regular packets, %d-byte SURBs)", n, sphinx.SURBSize)
	}
	for _, msgLen := range []int{streams.HeaderLen, 100, 400, 800, 1200, 1500, 1600, 5000} {
		n := SURBsFit(msgLen)
		if n > 0 && frags(msgLen, n) != 1 {
			t.Errorf("msg of %d bytes with %d SURBs: %d fragments, want 1", msgLen, n, frags(msgLen, n))
		}
		if frags(msgLen, n+1) == 1 {
			t.Errorf("msg of %d bytes: %d SURBs would still fit, SURBsFit says %d", msgLen, n+1, n)
		}
	}
}
