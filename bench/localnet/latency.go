// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"sync"
	"time"

	"github.com/nym-go/nym/internal/clientapi"
	"github.com/nym-go/nym/internal/localnet"
)

// perMessage bounds the wait for any one message.
const perMessage = 10 * time.Second

// benchLatency measures send-to-received latency on one network per real
// stream mean.
func benchLatency(ctx context.Context, means []time.Duration, messages, size, pipeline int) error {
	size = max(size, 8)
	for _, mean := range means {
		// Only the two clients' traffic: the monitor and the SOCKS5 proxy
		// stay off, and the exit gateway's requester keeps the client
		// default rate (it would follow RealMean and add its own cover).
		cfg := localnet.Config{HopDelay: -1, RealMean: mean, LoopMean: -1,
			NoMonitor: true, NoSOCKS5: true, ExitRealMean: 20 * time.Millisecond}
		var seq, pipe summary
		_, err := startStop(ctx, cfg, func(ctx context.Context, info localnet.Info) error {
			a, err := clientapi.Dial(ctx, info.Clients[0].APIURL())
			if err != nil {
				return err
			}
			defer a.Close()
			b, err := clientapi.Dial(ctx, info.Clients[1].APIURL())
			if err != nil {
				return err
			}
			defer b.Close()
			// A few messages first, so routes and connections are warm.
			if _, err := measure(ctx, a, b, info.Clients[1].Address, 10, size, 1); err != nil {
				return fmt.Errorf("warm-up: %w", err)
			}
			d, err := measure(ctx, a, b, info.Clients[1].Address, messages, size, 1)
			if err != nil {
				return fmt.Errorf("sequential: %w", err)
			}
			seq = summarize(d)
			d, err = measure(ctx, a, b, info.Clients[1].Address, messages, size, pipeline)
			if err != nil {
				return fmt.Errorf("pipelined: %w", err)
			}
			pipe = summarize(d)
			return nil
		})
		if err != nil {
			return fmt.Errorf("latency at real mean %v: %w", mean, err)
		}
		fmt.Printf("latency real_mean=%v hop_delay=0 loop=off size=%dB: sequential n=%d median %s ms p90 %s ms max %s ms; %d in flight n=%d median %s ms p90 %s ms max %s ms (target median 10 ms)\n",
			mean, size, seq.n, ms(seq.median), ms(seq.p90), ms(seq.max),
			pipeline, pipe.n, ms(pipe.median), ms(pipe.p90), ms(pipe.max))
	}
	return nil
}

// measure sends n messages of size bytes from a to the address to (b's),
// with at most inflight unanswered, and returns each one's time from just
// before Send to its arrival at b. Each message carries its number, so
// arrivals out of order are matched.
func measure(ctx context.Context, a, b *clientapi.Conn, to string, n, size, inflight int) ([]time.Duration, error) {
	var mu sync.Mutex
	sentAt := make(map[uint64]time.Time, n)
	took := make([]time.Duration, 0, n)
	slots := make(chan struct{}, inflight)
	sendErr := make(chan error, 1)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		for i := range n {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				sendErr <- ctx.Err()
				return
			}
			msg := make([]byte, size)
			binary.BigEndian.PutUint64(msg, uint64(i))
			mu.Lock()
			sentAt[uint64(i)] = time.Now()
			mu.Unlock()
			if err := a.Send(ctx, to, msg, false); err != nil {
				sendErr <- err
				return
			}
		}
		sendErr <- nil
	}()
	for len(took) < n {
		rctx, rcancel := context.WithTimeout(ctx, perMessage)
		m, err := b.Receive(rctx)
		arrived := time.Now()
		rcancel()
		if err != nil {
			return nil, fmt.Errorf("%d of %d messages received: %w", len(took), n, err)
		}
		if len(m.Message) != size {
			return nil, fmt.Errorf("received a message of %d bytes, sent %d", len(m.Message), size)
		}
		id := binary.BigEndian.Uint64(m.Message)
		mu.Lock()
		t0, ok := sentAt[id]
		delete(sentAt, id)
		mu.Unlock()
		if !ok {
			return nil, fmt.Errorf("received message %d, not sent or received twice", id)
		}
		took = append(took, arrived.Sub(t0))
		<-slots
	}
	return took, <-sendErr
}
