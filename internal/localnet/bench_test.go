// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package localnet

import (
	"context"
	"testing"
	"time"
)

// BenchmarkReady measures start to ready of the default in-process
// network (8 nodes, 2 clients), including the settle time after the last
// node joins the topology, and the time to stop it.
//
//	go test -run '^$' -bench Ready -benchtime 5x ./internal/localnet/
func BenchmarkReady(b *testing.B) {
	var ready, stop time.Duration
	for b.Loop() {
		readyc := make(chan struct{})
		n, err := New(Config{}, Deps{Ready: func(Info) { close(readyc) }})
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		begin := time.Now()
		go func() { done <- n.Run(ctx) }()
		select {
		case <-readyc:
		case err := <-done:
			cancel()
			b.Fatalf("Run: %v", err)
		}
		ready += time.Since(begin)
		begin = time.Now()
		cancel()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		stop += time.Since(begin)
	}
	b.ReportMetric(float64(ready.Milliseconds())/float64(b.N), "ms-to-ready")
	b.ReportMetric(float64(stop.Milliseconds())/float64(b.N), "ms-to-stop")
}
