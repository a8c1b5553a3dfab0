// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package localnet

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/address"
	"github.com/nym-go/nym/internal/base58"
	"github.com/nym-go/nym/internal/client"
	"github.com/nym-go/nym/internal/clientapi"
	"github.com/nym-go/nym/internal/clock/clocktest"
	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/sphinx"
)

func TestTrafficMessage(t *testing.T) {
	for _, size := range append(trafficSizes, 0, trafficHeader, 1<<20) {
		m := trafficMessage(7, 42, size)
		if len(m) != max(size, trafficHeader) || !checkTrafficMessage(m) {
			t.Fatalf("size %d: len %d, check %v", size, len(m), checkTrafficMessage(m))
		}
		if len(m) > trafficHeader {
			m[len(m)-1] ^= 1
			if checkTrafficMessage(m) {
				t.Fatalf("size %d: a flipped bit passes the check", size)
			}
		}
	}
	if a, b := trafficMessage(1, 1, 100), trafficMessage(1, 2, 100); bytes.Equal(a[trafficHeader:], b[trafficHeader:]) {
		t.Fatal("two sequence numbers have the same pattern")
	}
	if checkTrafficMessage([]byte("short")) || checkTrafficMessage(make([]byte, 64)) {
		t.Fatal("a foreign message passes the check")
	}
}

// memBackend is a clientapi.Backend that delivers to the other memBackends
// in memory. With corrupt set it flips a byte of every message it sends.
type memBackend struct {
	addr    address.Address
	peers   map[string]*memBackend
	recv    chan client.Received
	fail    chan client.Failure
	corrupt bool
	id      atomic.Uint64
}

func (b *memBackend) Address() address.Address { return b.addr }
func (b *memBackend) Send(ctx context.Context, to address.Address, msg []byte, _ bool) (client.MessageID, error) {
	p, ok := b.peers[to.String()]
	if !ok {
		return 0, errors.New("unknown recipient")
	}
	m := bytes.Clone(msg)
	if b.corrupt {
		m[len(m)-1] ^= 1
	}
	select {
	case p.recv <- client.Received{Message: m}:
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	return client.MessageID(b.id.Add(1)), nil
}
func (b *memBackend) Reply(context.Context, *sphinx.SURB, []byte) error {
	return errors.New("no replies")
}
func (b *memBackend) Receive() <-chan client.Received { return b.recv }
func (b *memBackend) Failures() <-chan client.Failure { return b.fail }

// memAPIs serves a clientapi.Server over n memBackends on 127.0.0.1 and
// returns their URLs and addresses.
func memAPIs(t *testing.T, n int, corrupt bool) (urls, addrs []string) {
	t.Helper()
	peers := map[string]*memBackend{}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	for i := range n {
		key := func(b byte) string { return base58.Encode(bytes.Repeat([]byte{b}, address.KeySize)) }
		a, err := address.Parse(key(byte(i+1)) + "." + key(byte(i+100)) + "@" + key(200))
		if err != nil {
			t.Fatal(err)
		}
		b := &memBackend{addr: a, peers: peers, recv: make(chan client.Received, 1000), fail: make(chan client.Failure), corrupt: corrupt}
		peers[a.String()] = b
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv, err := clientapi.New(clientapi.Config{}, clientapi.Deps{Backend: b, Listener: ln})
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() { srv.Run(ctx) })
		urls = append(urls, "ws://"+ln.Addr().String())
		addrs = append(addrs, a.String())
	}
	return urls, addrs
}

// runTraffic runs the generator over urls with a fake clock for ticks
// ticks of each sender, then until it has received want messages (or
// corrupt ones) and returns the counts.
func runTraffic(t *testing.T, urls, addrs []string, ticks int, done func(TrafficCounts) bool) TrafficCounts {
	t.Helper()
	clk := clocktest.NewFake(time.Unix(1e9, 0))
	tr := &traffic{clk: clk, log: slog.New(slog.DiscardHandler), rate: 10}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- tr.run(ctx, urls, addrs) }()
	wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
	defer wcancel()
	timers := len(urls) + 1 // a sender each and the reporter
	for range ticks {
		if err := clk.WaitForTimers(wctx, timers); err != nil {
			cancel()
			t.Fatalf("timers not armed: %v (run: %v)", err, <-errc)
		}
		clk.Advance(100 * time.Millisecond)
	}
	for !done(tr.counts()) {
		if wctx.Err() != nil {
			cancel()
			<-errc
			t.Fatalf("counts %+v", tr.counts())
		}
		time.Sleep(5 * time.Millisecond) // waiting for loopback I/O, not for a timer
	}
	cancel()
	if err := <-errc; err != nil {
		t.Fatalf("run: %v", err)
	}
	return tr.counts()
}

func TestTraffic(t *testing.T) {
	leaktest.Check(t)
	urls, addrs := memAPIs(t, 3, false)
	const ticks = 12
	c := runTraffic(t, urls, addrs, ticks, func(c TrafficCounts) bool { return c.Received >= 3*ticks })
	if c.Sent != 3*ticks || c.Received != 3*ticks || c.Corrupt != 0 || c.Failed != 0 || c.Skipped != 0 {
		t.Fatalf("counts %+v, want %d sent and received", c, 3*ticks)
	}
	var want uint64
	for i := range ticks {
		want += uint64(3 * trafficSizes[i%len(trafficSizes)])
	}
	if c.SentBytes != want || c.ReceivedBytes != want {
		t.Fatalf("bytes sent %d received %d, want %d", c.SentBytes, c.ReceivedBytes, want)
	}
}

func TestTrafficCountsCorrupt(t *testing.T) {
	leaktest.Check(t)
	urls, addrs := memAPIs(t, 2, true)
	c := runTraffic(t, urls, addrs, 3, func(c TrafficCounts) bool { return c.Corrupt >= 6 })
	if c.Received != 0 || c.Corrupt != 6 {
		t.Fatalf("counts %+v, want 6 corrupt", c)
	}
}

func TestTrafficDialFails(t *testing.T) {
	leaktest.Check(t)
	tr := &traffic{clk: clocktest.NewFake(time.Unix(0, 0)), log: slog.New(slog.DiscardHandler), rate: 1}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	url := "ws://" + ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := tr.run(ctx, []string{url}, []string{"x"}); err == nil || !strings.Contains(err.Error(), "dial client API") {
		t.Fatalf("run against a closed port: %v", err)
	}
}
