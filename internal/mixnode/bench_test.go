// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package mixnode_test

import (
	"context"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/mixnode"
	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/wire"
	"github.com/nym-go/nym/internal/wire/wiretest"
)

// benchPackets caches packets for the benchmark's route, which is the same
// in every run, because building one costs far more than forwarding it.
var benchPackets struct {
	sync.Mutex
	key  sphinx.PrivateKey
	pkts [][]byte
}

const (
	benchNode = "10.0.1.1:1789"
	benchSink = "10.0.2.1:1789"
)

// packetsFor returns n distinct packets routed benchNode → benchSink with
// zero delays, and the node's key.
func packetsFor(b *testing.B, n int) (sphinx.PrivateKey, [][]byte) {
	benchPackets.Lock()
	defer benchPackets.Unlock()
	if benchPackets.pkts == nil {
		benchPackets.key, _ = sphinx.GenerateKey(rand.NewChaCha8([32]byte{1}))
	}
	have := len(benchPackets.pkts)
	if have < n {
		route := []sphinx.Hop{
			{Address: nodeAddr(b, benchNode), PublicKey: benchPackets.key.Public()},
			{Address: nodeAddr(b, benchSink), PublicKey: benchPackets.key.Public()},
		}
		more := make([][]byte, n-have)
		var wg sync.WaitGroup
		workers := 4
		for w := range workers {
			wg.Go(func() {
				rng := rand.NewChaCha8([32]byte{2, byte(w), byte(have), byte(have >> 8), byte(have >> 16)})
				for i := w; i < len(more); i += workers {
					p, err := sphinx.NewPacket(rng, route, sphinx.Destination{}, sphinx.Identifier{}, sphinx.Regular, []byte("bench"))
					if err != nil {
						b.Error(err)
						return
					}
					more[i] = p
				}
			})
		}
		wg.Wait()
		benchPackets.pkts = append(benchPackets.pkts, more...)
	}
	return benchPackets.key, benchPackets.pkts[:n]
}

// BenchmarkPipeline measures packets/s through one node with zero delays
// on the in-memory network and the real clock: two connections write
// pre-built packets, a sink counts the frames the node forwards.
func BenchmarkPipeline(b *testing.B) {
	b.StopTimer()
	key, pkts := packetsFor(b, b.N)
	nw := wiretest.NewNetwork(wiretest.Config{})
	defer nw.Close()
	ln, _ := nw.Listen(benchNode)
	sinkLn, _ := nw.Listen(benchSink)
	var got atomic.Int64
	sinkDone := make(chan struct{})
	go func() {
		defer close(sinkDone)
		c, err := sinkLn.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		r := wire.NewReader(c)
		buf := make([]byte, sphinx.Regular.PacketSize())
		for {
			if _, err := r.ReadFrame(buf); err != nil {
				return
			}
			got.Add(1)
		}
	}()
	n, err := mixnode.New(mixnode.Config{}, mixnode.Deps{Key: key, Listener: ln, Dialer: nw.Dialer()})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	runDone := make(chan struct{})
	go func() { defer close(runDone); n.Run(ctx) }()

	conns := make([]net.Conn, 2)
	for i := range conns {
		if conns[i], err = nw.DialContext(ctx, benchNode); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.StartTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Go(func() {
			w := wire.NewWriter(c)
			for j := i; j < len(pkts); j += len(conns) {
				w.WriteFrame(sphinx.Regular, pkts[j])
			}
			w.Flush()
		})
	}
	wg.Wait()
	for got.Load() < int64(b.N) {
		if st := n.Stats(); sum(st.Dropped) > 0 {
			b.Fatalf("drops: %v", st.Dropped)
		}
		time.Sleep(100 * time.Microsecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "pkts/s")
	cancel()
	<-runDone
	sinkLn.Close()
	nw.Close()
	<-sinkDone
}
