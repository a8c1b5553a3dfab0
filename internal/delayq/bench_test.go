// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package delayq_test

import (
	"context"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/clock"
	"github.com/nym-go/nym/internal/delayq"
)

// BenchmarkPushPop measures the pure heap in a mix node's steady state:
// about 1,500 packets held (30k/s at a 50 ms mean delay), one push and,
// on average, one pop per operation as the clock moves 1/30 ms per push.
func BenchmarkPushPop(b *testing.B) {
	const held = 1500
	rng := rand.New(rand.NewPCG(1, 2))
	delays := make([]time.Duration, 4096)
	for i := range delays {
		delays[i] = time.Duration(rng.ExpFloat64() * float64(50*time.Millisecond))
	}
	q := delayq.NewQueue[*[2413]byte](0)
	pkt := new([2413]byte)
	now := epoch
	step := time.Second / 30000
	var dst []*[2413]byte
	for i := range held * 4 {
		q.Push(now.Add(delays[i%len(delays)]), pkt)
		now = now.Add(step)
		dst = q.PopDue(now, dst[:0])
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		q.Push(now.Add(delays[i%len(delays)]), pkt)
		now = now.Add(step)
		dst = q.PopDue(now, dst[:0])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "items/s")
}

// BenchmarkSchedulerDue measures the driver's overhead per value on the
// real clock: Schedule with no delay from one goroutine, Run's wake-up, and
// the send on Out to a consumer goroutine. The time is until the consumer
// has received all b.N values.
func BenchmarkSchedulerDue(b *testing.B) {
	out := make(chan int, 1024)
	s, err := delayq.New(delayq.Config{}, delayq.Deps[int]{Clock: clock.Real(), Out: out})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	received := make(chan struct{})
	b.ReportAllocs()
	b.ResetTimer()
	go func() {
		for range b.N {
			<-out
		}
		close(received)
	}()
	for i := range b.N {
		for s.Schedule(i, 0) != nil { // ErrFull: let the consumer catch up
			runtime.Gosched()
		}
	}
	<-received
	b.StopTimer()
	cancel()
	<-done
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "items/s")
}
