// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"log"
	"slices"
	"sync"
	"time"

	"github.com/nym-go/nym/internal/client"
	"github.com/nym-go/nym/internal/cover"
	"github.com/nym-go/nym/internal/e2e"
	"github.com/nym-go/nym/internal/topology"
)

// newClient builds a client at gateway gw of n.
func newClient(n *network, gw int, cfg client.Config) (*client.Client, error) {
	_, id, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	enc, _, err := e2e.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	var ackKey [32]byte
	if _, err := rand.Read(ackKey[:]); err != nil {
		return nil, err
	}
	cfg.Gateway = n.ids[gw]
	return client.New(cfg, client.Deps{Identity: id, Encryption: enc, AckKey: ackKey,
		Topology: func() *topology.Topology { return n.top }})
}

// throughput sends total bytes from A to B as msgSize messages, runs
// times, and prints each rate and the median.
func throughput(ctx context.Context, total, msgSize, runs int, realMean, recvMean, ackMargin time.Duration) error {
	n, err := startNetwork(ctx)
	if err != nil {
		return err
	}
	defer n.Close()
	cfg := client.Config{Cover: cover.Config{RealMean: realMean}, HopDelay: time.Nanosecond, AckMargin: ackMargin}
	a, err := newClient(n, 0, cfg)
	if err != nil {
		return err
	}
	// B only receives: its own streams carry nothing but cover, so its
	// rate does not bound the transfer; it only takes CPU from the rest.
	bcfg := cfg
	bcfg.Cover.RealMean = recvMean
	b, err := newClient(n, 1, bcfg)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	wg.Go(func() { _ = a.Run(ctx) })
	wg.Go(func() { _ = b.Run(ctx) })

	count := (total + msgSize - 1) / msgSize
	log.Printf("throughput: %d × %d KiB messages per run, real stream mean %v (receiver %v), %d runs",
		count, msgSize>>10, realMean, recvMean, runs)
	var rates []float64
	for run := range runs {
		msgs := make([][]byte, count)
		for i := range msgs {
			msgs[i] = make([]byte, msgSize)
			if _, err := rand.Read(msgs[i]); err != nil {
				return err
			}
			binary.BigEndian.PutUint32(msgs[i], uint32(i))
		}
		start := time.Now()
		for _, m := range msgs {
			if _, err := a.Send(ctx, b.Address(), m, false); err != nil {
				return err
			}
		}
		got := 0
		timeout := time.NewTimer(10 * time.Minute)
		for got < count {
			select {
			case r := <-b.Receive():
				if len(r.Message) != msgSize {
					return fmt.Errorf("B got a %d-byte message, want %d", len(r.Message), msgSize)
				}
				if i := binary.BigEndian.Uint32(r.Message); int(i) >= count || !bytes.Equal(r.Message, msgs[i]) {
					return fmt.Errorf("B got a corrupt message")
				}
				got++
			case f := <-a.Failures():
				return fmt.Errorf("message %d failed: %v; drops:%s", f.ID, f.Err, n.drops())
			case <-timeout.C:
				return fmt.Errorf("run %d: %d of %d messages in 10 minutes", run+1, got, count)
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		timeout.Stop()
		el := time.Since(start)
		rate := float64(count*msgSize) / el.Seconds() / 1e6
		rates = append(rates, rate)
		log.Printf("run %d: %.1f MiB in %v: %.2f MB/s (drops so far: %s)", run+1, float64(count*msgSize)/(1<<20),
			el.Round(time.Millisecond), rate, n.drops())
	}
	slices.Sort(rates)
	med := rates[len(rates)/2]
	verdict := "meets"
	if med < 1 {
		verdict = "MISSES"
	}
	fmt.Printf("throughput: median %.2f MB/s of payload over %d runs (min %.2f, max %.2f); %s the 1 MB/s target\n",
		med, len(rates), rates[0], rates[len(rates)-1], verdict)
	return nil
}
