// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package localnet

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nym-go/nym/internal/clientapi"
	"github.com/nym-go/nym/internal/clock"
)

// Traffic: each client sends to the next one (client i to client i+1 mod
// N) over its local API, one message per tick of 1/TrafficRate, with sizes
// cycling through trafficSizes. A message carries its sender, sequence
// number and a pattern derived from them, so the receiver checks that it
// arrived intact. While more than maxInFlight messages are neither
// received nor failed, ticks send nothing (counted as skipped): the rate
// is bounded even when the network cannot keep up.

// trafficSizes are the message sizes the clients cycle through: a single
// packet up to messages of dozens of packets.
var trafficSizes = []int{100, 1_000, 2_000, 10_000, 50_000, 200}

// Traffic bounds and timings.
const (
	maxInFlight     = 200
	trafficLogEvery = 5 * time.Second
	trafficHeader   = 16 // magic (4), sender (4), sequence (8)
	trafficMagic    = 0x6e796d4c
)

// TrafficCounts are the totals of the traffic generator.
type TrafficCounts struct {
	Sent, Received, Failed, Corrupt, Skipped uint64
	SentBytes, ReceivedBytes                 uint64
}

// traffic drives the clients' APIs. Its counters are atomics shared by
// every client's sender and receiver goroutines.
type traffic struct {
	clk  clock.Clock
	log  *slog.Logger
	rate float64

	sent, received, failed, corrupt, skipped atomic.Uint64
	sentBytes, receivedBytes                 atomic.Uint64
}

// counts returns a snapshot of the counters.
func (t *traffic) counts() TrafficCounts {
	return TrafficCounts{
		Sent: t.sent.Load(), Received: t.received.Load(), Failed: t.failed.Load(),
		Corrupt: t.corrupt.Load(), Skipped: t.skipped.Load(),
		SentBytes: t.sentBytes.Load(), ReceivedBytes: t.receivedBytes.Load(),
	}
}

// startTraffic makes the clients exchange messages until the network
// stops, logging the counts every trafficLogEvery.
func (n *Net) startTraffic(sup *supervisor, info *Info) {
	t := &traffic{clk: n.deps.Clock, log: n.log.With("part", "traffic"), rate: n.cfg.TrafficRate}
	urls := make([]string, len(info.Clients))
	addrs := make([]string, len(info.Clients))
	for i, c := range info.Clients {
		urls[i], addrs[i] = c.APIURL(), c.Address
	}
	sup.Go("traffic", func(ctx context.Context) error { return t.run(ctx, urls, addrs) })
}

// run connects to every API and sends and receives until ctx ends. It
// returns an error if a connection fails while ctx is live.
func (t *traffic) run(ctx context.Context, urls, addrs []string) error {
	conns := make([]*clientapi.Conn, len(urls))
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}()
	for i, u := range urls {
		c, err := clientapi.Dial(ctx, u)
		if err != nil {
			return fmt.Errorf("dial client API %s: %w", u, err)
		}
		conns[i] = c
	}
	outer := ctx
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	for i, c := range conns {
		to := addrs[(i+1)%len(addrs)]
		wg.Go(func() {
			if err := t.send(ctx, c, uint32(i), to); err != nil {
				cancel(err)
			}
		})
		wg.Go(func() {
			if err := t.receive(ctx, c); err != nil {
				cancel(err)
			}
		})
	}
	wg.Go(func() { t.report(ctx) })
	wg.Wait()
	if outer.Err() != nil {
		return nil // stopped
	}
	return context.Cause(ctx) // a connection failed
}

// send sends a message to `to` on every tick.
func (t *traffic) send(ctx context.Context, c *clientapi.Conn, from uint32, to string) error {
	gap := time.Duration(float64(time.Second) / t.rate)
	timer := t.clk.NewTimer(gap)
	defer timer.Stop()
	for seq := uint64(0); ; {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C():
		}
		timer.Reset(gap)
		// Loaded in this order, received and failed can only be ahead of
		// sent's snapshot; the signed difference never wraps.
		done := int64(t.received.Load() + t.failed.Load() + t.corrupt.Load())
		if int64(t.sent.Load())-done >= maxInFlight {
			t.skipped.Add(1)
			continue
		}
		msg := trafficMessage(from, seq, trafficSizes[seq%uint64(len(trafficSizes))])
		seq++
		// Counted before it can arrive, so in-flight is never negative.
		t.sent.Add(1)
		t.sentBytes.Add(uint64(len(msg)))
		if err := c.Send(ctx, to, msg, false); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("send: %w", err)
		}
	}
}

// receive counts what arrives on c, checking each message's pattern.
func (t *traffic) receive(ctx context.Context, c *clientapi.Conn) error {
	for {
		r, err := c.Receive(ctx)
		var se *clientapi.ServerError
		switch {
		case ctx.Err() != nil:
			return nil
		case errors.As(err, &se) && se.Code == clientapi.CodeMessageFailed:
			t.failed.Add(1)
			t.log.Warn("a message failed", "error", se)
			continue
		case err != nil:
			return fmt.Errorf("receive: %w", err)
		}
		if checkTrafficMessage(r.Message) {
			t.received.Add(1)
			t.receivedBytes.Add(uint64(len(r.Message)))
		} else {
			t.corrupt.Add(1)
			t.log.Error("a message arrived corrupted", "size", len(r.Message))
		}
	}
}

// report logs the counts every trafficLogEvery.
func (t *traffic) report(ctx context.Context) {
	timer := t.clk.NewTimer(trafficLogEvery)
	defer timer.Stop()
	last := t.counts()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C():
		}
		timer.Reset(trafficLogEvery)
		c := t.counts()
		secs := trafficLogEvery.Seconds()
		t.log.Info("traffic", "sent", c.Sent, "received", c.Received, "failed", c.Failed, "corrupt", c.Corrupt,
			"skipped", c.Skipped, "sent_per_s", float64(c.Sent-last.Sent)/secs,
			"received_kib_per_s", float64(c.ReceivedBytes-last.ReceivedBytes)/1024/secs)
		last = c
	}
}

// trafficMessage returns a message of size bytes (at least the header)
// from sender from with sequence number seq.
func trafficMessage(from uint32, seq uint64, size int) []byte {
	size = max(size, trafficHeader)
	m := make([]byte, size)
	binary.BigEndian.PutUint32(m[0:], trafficMagic)
	binary.BigEndian.PutUint32(m[4:], from)
	binary.BigEndian.PutUint64(m[8:], seq)
	fill(m[trafficHeader:], from, seq)
	return m
}

// checkTrafficMessage reports whether m is a message trafficMessage made.
func checkTrafficMessage(m []byte) bool {
	if len(m) < trafficHeader || binary.BigEndian.Uint32(m) != trafficMagic {
		return false
	}
	want := make([]byte, len(m)-trafficHeader)
	fill(want, binary.BigEndian.Uint32(m[4:]), binary.BigEndian.Uint64(m[8:]))
	return string(want) == string(m[trafficHeader:])
}

// fill writes the pattern of (from, seq) into b.
func fill(b []byte, from uint32, seq uint64) {
	x := seq*0x9e3779b97f4a7c15 + uint64(from)
	for i := range b {
		b[i] = byte(x >> 32)
		x = x*6364136223846793005 + 1442695040888963407
	}
}
