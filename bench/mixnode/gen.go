// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package main

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"

	"github.com/nym-go/nym/internal/sphinx"
)

// workload is a set of packets routed node → sink with zero delays, and
// for each the 32-byte α of the packet the node forwards, by which the
// sink recognises it.
type workload struct {
	pkts  [][]byte
	index map[[sphinx.GroupElementSize]byte]int
}

// generate builds n distinct packets on every core. It unwraps a copy of
// each with the node's key to learn the forwarded packet's α.
func generate(key sphinx.PrivateKey, node, sink sphinx.NodeAddress, n int) (*workload, error) {
	route := []sphinx.Hop{
		{Address: node, PublicKey: key.Public()},
		{Address: sink, PublicKey: key.Public()}, // the sink does not unwrap
	}
	proc := sphinx.NewProcessor(key)
	w := &workload{pkts: make([][]byte, n)}
	alphas := make([][sphinx.GroupElementSize]byte, n)
	workers := runtime.GOMAXPROCS(0)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for g := range workers {
		wg.Go(func() {
			rng := rand.NewChaCha8([32]byte{byte(g), 'b', 'e', 'n', 'c', 'h'})
			scratch := make([]byte, sphinx.Regular.PacketSize())
			for i := g; i < n; i += workers {
				p, err := sphinx.NewPacket(rng, route, sphinx.Destination{}, sphinx.Identifier{}, sphinx.Regular, fmt.Appendf(nil, "bench %d", i))
				if err != nil {
					errs[g] = err
					return
				}
				copy(scratch, p)
				u, err := proc.Unwrap(scratch)
				if err != nil {
					errs[g] = err
					return
				}
				w.pkts[i] = p
				alphas[i] = [sphinx.GroupElementSize]byte(u.Packet)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("generate packets: %w", err)
		}
	}
	w.index = make(map[[sphinx.GroupElementSize]byte]int, n)
	for i, a := range alphas {
		w.index[a] = i
	}
	return w, nil
}
