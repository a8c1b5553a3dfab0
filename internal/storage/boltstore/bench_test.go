// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package boltstore_test

import (
	"context"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/nym-go/nym/internal/storage"
	"github.com/nym-go/nym/internal/storage/boltstore"
	"github.com/nym-go/nym/internal/storage/storagetest"
)

// benchClients is how many clients the benchmark messages are spread over.
const benchClients = 1000

func benchStore(b *testing.B) *boltstore.Store {
	b.Helper()
	s, err := boltstore.Open(filepath.Join(b.TempDir(), "inbox.db"), boltstore.Config{
		Limits: storage.Limits{MaxMessages: -1, MaxBytes: -1, Retention: -1},
	}, boltstore.Deps{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	return s
}

// BenchmarkPut2KiB measures durable Puts of 2 KiB messages from 32
// producers per GOMAXPROCS, reported as msgs/s.
func BenchmarkPut2KiB(b *testing.B) {
	s := benchStore(b)
	data := make([]byte, 2048)
	var next atomic.Int64
	b.SetBytes(int64(len(data)))
	b.SetParallelism(32)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			c := storagetest.Client(int(next.Add(1) % benchClients))
			if _, err := s.Put(ctx, c, data); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkPutAsync2KiB measures PutAsync of 2 KiB messages from one
// producer that keeps at most 4096 unacknowledged, until all are durable.
func BenchmarkPutAsync2KiB(b *testing.B) {
	s := benchStore(b)
	data := make([]byte, 2048)
	var wg sync.WaitGroup
	window := make(chan struct{}, 4096)
	var busy atomic.Int64
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := range b.N {
		window <- struct{}{}
		wg.Add(1)
		s.PutAsync(storagetest.Client(i%benchClients), data, func(_ storage.Message, err error) {
			if err != nil {
				busy.Add(1)
			}
			<-window
			wg.Done()
		})
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	b.ReportMetric(float64(busy.Load()), "refused")
}
