// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package sphinx_test

import (
	"testing"

	"github.com/nym-go/nym/internal/sphinx"
)

// benchPacket returns a packet of the given size for a three-mix-plus-gateway
// route, and the first mix's processor, which forwards it.
func benchPacket(b *testing.B, size sphinx.SizeType) ([]byte, *sphinx.Processor) {
	b.Helper()
	rng := seededReader("bench")
	nodes := newNodes(b, rng, 4)
	pkt, err := sphinx.NewPacket(rng, routeOf(nodes), sphinx.Destination{1}, sphinx.Identifier{}, size, fullPlaintext(size))
	if err != nil {
		b.Fatal(err)
	}
	return pkt, nodes[0].proc
}

func benchmarkUnwrap(b *testing.B, size sphinx.SizeType) {
	orig, proc := benchPacket(b, size)
	pkt := make([]byte, len(orig))
	b.ReportAllocs()
	b.SetBytes(int64(len(orig)))
	for b.Loop() {
		copy(pkt, orig)
		if _, err := proc.Unwrap(pkt); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUnwrap measures one forwarding hop of a regular packet: the
// number to compare with BenchmarkFloor.
func BenchmarkUnwrap(b *testing.B) { benchmarkUnwrap(b, sphinx.Regular) }

// BenchmarkUnwrapAck measures one forwarding hop of an ack packet.
func BenchmarkUnwrapAck(b *testing.B) { benchmarkUnwrap(b, sphinx.Ack) }

// BenchmarkUnwrapExtended measures one forwarding hop of an extended packet.
func BenchmarkUnwrapExtended(b *testing.B) { benchmarkUnwrap(b, sphinx.Extended) }

// BenchmarkUnwrapParallel runs Unwrap of regular packets on GOMAXPROCS
// goroutines sharing one Processor; compare ns/op with -cpu 1,2.
func BenchmarkUnwrapParallel(b *testing.B) {
	orig, proc := benchPacket(b, sphinx.Regular)
	b.ReportAllocs()
	b.SetBytes(int64(len(orig)))
	b.RunParallel(func(pb *testing.PB) {
		pkt := make([]byte, len(orig))
		for pb.Next() {
			copy(pkt, orig)
			if _, err := proc.Unwrap(pkt); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func benchmarkNewPacket(b *testing.B, size sphinx.SizeType) {
	rng := seededReader("bench")
	route := routeOf(newNodes(b, rng, 4))
	pt := fullPlaintext(size)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := sphinx.NewPacket(rng, route, sphinx.Destination{1}, sphinx.Identifier{}, size, pt); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNewPacket measures building a regular packet for three mixes and
// a gateway.
func BenchmarkNewPacket(b *testing.B) { benchmarkNewPacket(b, sphinx.Regular) }

// BenchmarkNewPacketAck measures building an ack packet for three mixes and
// a gateway.
func BenchmarkNewPacketAck(b *testing.B) { benchmarkNewPacket(b, sphinx.Ack) }
