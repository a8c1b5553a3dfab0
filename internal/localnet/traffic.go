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
	"github.com/nym-go/nym/internal/wire"
)

// Traffic: each client sends to the next one (client i to client i+1 mod
// N) over its local API, one message per tick of 1/TrafficRate, with sizes
// cycling through trafficSizes. A message carries its sender, sequence
// number and a pattern derived from them, so the receiver checks that it
// arrived intact. Every message the API accepted is pending until it
// arrives, a failure report of its sender's API takes it (the oldest
// pending message of that sender: reports carry no id) or it is overdue
// (pending for overdueAfter: lost, say with a connection that closed).
// While maxInFlight messages are pending, ticks send nothing (counted as
// skipped): the rate is bounded even when the network cannot keep up.
//
// Nothing transient stops the generator (nor, so, the network): a send the
// API refuses (no topology while a node's presence lapses, the ack table
// full) is counted as refused, and a client's API connection that fails
// to open or ends (the client stopped by StopClient, or restarting) is
// counted and dialled again after trafficBackoff. It returns only when
// its context ends.

// trafficSizes are the message sizes the clients cycle through: a single
// packet up to messages of dozens of packets.
var trafficSizes = []int{100, 1_000, 2_000, 10_000, 50_000, 200}

// Traffic bounds and timings.
const (
	maxInFlight     = 200
	overdueAfter    = 2 * time.Minute
	trafficLogEvery = 5 * time.Second
	trafficHeader   = 16 // magic (4), sender (4), sequence (8)
	trafficMagic    = 0x6e796d4c
)

// trafficBackoff is the wait before dialling a client's API again after a
// failed dial or a lost connection; it grows with consecutive failures.
var trafficBackoff = wire.Backoff{Initial: 200 * time.Millisecond, Max: 5 * time.Second}

// TrafficCounts are the totals of the traffic generator.
type TrafficCounts struct {
	Sent, Received, Failed, Corrupt, Skipped uint64
	SentBytes, ReceivedBytes                 uint64
	// Refused counts sends the API refused (not in Sent); Overdue the
	// messages written off after overdueAfter; Late those that arrived
	// after that (or twice).
	Refused, Overdue, Late uint64
	// DialFailures counts failed dials of a client's API; Lost the API
	// connections that ended while the generator ran; Reconnects the
	// dials that succeeded after either.
	DialFailures, Lost, Reconnects uint64
}

// pendingKey names a message: its sender and sequence number.
type pendingKey struct {
	from uint32
	seq  uint64
}

// traffic drives the clients' APIs. Its counters are atomics shared by
// every client's sender and receiver goroutines; mu guards pending.
type traffic struct {
	clk  clock.Clock
	log  *slog.Logger
	rate float64

	sent, received, failed, corrupt, skipped atomic.Uint64
	sentBytes, receivedBytes                 atomic.Uint64
	refused, overdue, late                   atomic.Uint64
	dialFailures, lost, reconnects           atomic.Uint64

	mu      sync.Mutex
	pending map[pendingKey]time.Time // accepted by the API, when
	seqs    map[uint32]uint64        // each sender's next sequence number
}

// counts returns a snapshot of the counters.
func (t *traffic) counts() TrafficCounts {
	return TrafficCounts{
		Sent: t.sent.Load(), Received: t.received.Load(), Failed: t.failed.Load(),
		Corrupt: t.corrupt.Load(), Skipped: t.skipped.Load(),
		SentBytes: t.sentBytes.Load(), ReceivedBytes: t.receivedBytes.Load(),
		Refused: t.refused.Load(), Overdue: t.overdue.Load(), Late: t.late.Load(),
		DialFailures: t.dialFailures.Load(), Lost: t.lost.Load(), Reconnects: t.reconnects.Load(),
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

// run drives every client's API until ctx ends, and then returns nil.
func (t *traffic) run(ctx context.Context, urls, addrs []string) error {
	t.mu.Lock()
	if t.pending == nil {
		t.pending = make(map[pendingKey]time.Time)
	}
	t.mu.Unlock()
	var wg sync.WaitGroup
	for i, u := range urls {
		to := addrs[(i+1)%len(addrs)]
		wg.Go(func() { t.client(ctx, u, uint32(i), to) })
	}
	wg.Go(func() { t.report(ctx) })
	wg.Wait()
	return nil
}

// client dials the API at url and sends from it to `to` and receives on
// it, dialling again (after trafficBackoff) whenever the dial fails or the
// connection ends, until ctx ends.
func (t *traffic) client(ctx context.Context, url string, from uint32, to string) {
	failures := 0
	for {
		c, err := clientapi.Dial(ctx, url)
		switch {
		case ctx.Err() != nil:
			if c != nil {
				c.Close()
			}
			return
		case err != nil:
			failures++
			t.dialFailures.Add(1)
			t.log.Warn("dial client API failed; dialling again", "url", url, "error", err,
				"failures", failures, "retry_in", trafficBackoff.Delay(failures))
		default:
			if failures > 0 {
				t.reconnects.Add(1)
				t.log.Info("client API connected again", "url", url, "after_failures", failures)
			}
			failures = 0
			err := t.serve(ctx, c, from, to)
			c.Close()
			if ctx.Err() != nil {
				return
			}
			failures = 1
			t.lost.Add(1)
			t.log.Warn("client API connection lost; dialling again", "url", url, "error", err,
				"retry_in", trafficBackoff.Delay(failures))
		}
		if !t.wait(ctx, trafficBackoff.Delay(failures)) {
			return
		}
	}
}

// wait waits d on the clock; false means ctx ended first.
func (t *traffic) wait(ctx context.Context, d time.Duration) bool {
	timer := t.clk.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C():
		return true
	}
}

// serve sends and receives on c until the connection fails (the error is
// returned) or ctx ends.
func (t *traffic) serve(ctx context.Context, c *clientapi.Conn, from uint32, to string) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	wg.Go(func() { cancel(t.send(ctx, c, from, to)) })
	wg.Go(func() { cancel(t.receive(ctx, c, from)) })
	wg.Wait()
	return context.Cause(ctx)
}

// send sends a message to `to` on every tick, until ctx ends (nil) or the
// connection fails (its error).
func (t *traffic) send(ctx context.Context, c *clientapi.Conn, from uint32, to string) error {
	gap := time.Duration(float64(time.Second) / t.rate)
	timer := t.clk.NewTimer(gap)
	defer timer.Stop()
	// seq continues across connections from what this sender sent before.
	for seq := t.nextSeq(from); ; {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C():
		}
		timer.Reset(gap)
		msg := trafficMessage(from, seq, trafficSizes[seq%uint64(len(trafficSizes))])
		key := pendingKey{from, seq}
		// Pending before it can arrive, so an arrival always finds it.
		if !t.admit(key) {
			t.skipped.Add(1)
			continue
		}
		seq++
		err := c.Send(ctx, to, msg, false)
		var se *clientapi.ServerError
		switch {
		case err == nil:
			t.sent.Add(1)
			t.sentBytes.Add(uint64(len(msg)))
			continue
		case errors.As(err, &se):
			t.forget(key)
			if t.refused.Add(1) == 1 {
				t.log.Warn("the client API refused a send (counted; later ones are in the traffic counts)", "error", se)
			}
			continue
		default:
			// Stopping, or the connection failed: the API may have taken
			// the message before, so it counts as sent and stays pending
			// (it arrives, or goes overdue).
			t.sent.Add(1)
			t.sentBytes.Add(uint64(len(msg)))
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("send: %w", err)
		}
	}
}

// nextSeq returns from's next sequence number: a new connection goes on
// where the last one stopped, so one sender's numbers never repeat.
func (t *traffic) nextSeq(from uint32) uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.seqs == nil {
		t.seqs = make(map[uint32]uint64)
	}
	return t.seqs[from]
}

// admit expires overdue messages and, unless maxInFlight are pending,
// records key as pending and reports true.
func (t *traffic) admit(key pendingKey) bool {
	now := t.clk.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	for k, at := range t.pending {
		if now.Sub(at) >= overdueAfter {
			delete(t.pending, k)
			t.overdue.Add(1)
		}
	}
	if len(t.pending) >= maxInFlight {
		return false
	}
	t.pending[key] = now
	if t.seqs == nil {
		t.seqs = make(map[uint32]uint64)
	}
	t.seqs[key.from] = key.seq + 1
	return true
}

// forget drops key from the pending messages (a send that did not go).
func (t *traffic) forget(key pendingKey) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.pending, key)
}

// arrived takes key off the pending messages; false means it was not
// pending (overdue already, or a second copy).
func (t *traffic) arrived(key pendingKey) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.pending[key]; !ok {
		return false
	}
	delete(t.pending, key)
	return true
}

// failedOne takes the oldest pending message of from off the pending
// messages, for a failure report on from's API.
func (t *traffic) failedOne(from uint32) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var oldest pendingKey
	found := false
	for k := range t.pending {
		if k.from == from && (!found || k.seq < oldest.seq) {
			oldest, found = k, true
		}
	}
	if found {
		delete(t.pending, oldest)
	}
}

// receive counts what arrives on c (the API of sender `self`), checking
// each message's pattern, until ctx ends (nil) or the connection fails
// (its error).
func (t *traffic) receive(ctx context.Context, c *clientapi.Conn, self uint32) error {
	for {
		r, err := c.Receive(ctx)
		var se *clientapi.ServerError
		switch {
		case ctx.Err() != nil:
			return nil
		case errors.As(err, &se) && se.Code == clientapi.CodeMessageFailed:
			t.failed.Add(1)
			t.failedOne(self)
			t.log.Warn("a message failed", "error", se)
			continue
		case err != nil:
			return fmt.Errorf("receive: %w", err)
		}
		if !checkTrafficMessage(r.Message) {
			t.corrupt.Add(1)
			t.log.Error("a message arrived corrupted", "size", len(r.Message))
			continue
		}
		t.received.Add(1)
		t.receivedBytes.Add(uint64(len(r.Message)))
		key := pendingKey{binary.BigEndian.Uint32(r.Message[4:]), binary.BigEndian.Uint64(r.Message[8:])}
		if !t.arrived(key) {
			t.late.Add(1)
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
			"skipped", c.Skipped, "refused", c.Refused, "overdue", c.Overdue, "late", c.Late,
			"dial_failures", c.DialFailures, "lost_connections", c.Lost, "reconnects", c.Reconnects,
			"sent_per_s", float64(c.Sent-last.Sent)/secs,
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
