// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package localnet

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
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
	"github.com/nym-go/nym/internal/poll"
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
	refuse  atomic.Bool // Send fails, as a client refusing a message does
	id      atomic.Uint64
}

func (b *memBackend) Address() address.Address { return b.addr }
func (b *memBackend) Send(ctx context.Context, to address.Address, msg []byte, _ bool) (client.MessageID, error) {
	if b.refuse.Load() {
		return 0, errors.New("no topology yet")
	}
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
	a := memAPIsWith(t, n, corrupt)
	return a.urls, a.addrs
}

// apiSet are the APIs memAPIsWith serves.
type apiSet struct {
	urls, addrs []string
	backends    []*memBackend
	listeners   []*dropListener
}

// memAPIsWith is memAPIs returning the backends and listeners too.
func memAPIsWith(t *testing.T, n int, corrupt bool) *apiSet {
	t.Helper()
	set := &apiSet{}
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
		tl, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ln := &dropListener{Listener: tl}
		srv, err := clientapi.New(clientapi.Config{}, clientapi.Deps{Backend: b, Listener: ln})
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() { srv.Run(ctx) })
		set.urls = append(set.urls, "ws://"+ln.Addr().String())
		set.addrs = append(set.addrs, a.String())
		set.backends = append(set.backends, b)
		set.listeners = append(set.listeners, ln)
	}
	return set
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
	// The senders' timers have fired; what is left is loopback I/O.
	if !poll.Try(20*time.Second, func() bool { return done(tr.counts()) }) {
		cancel()
		<-errc
		t.Fatalf("counts %+v", tr.counts())
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

// TestTrafficDialFails: an API that does not answer is dialled again after
// trafficBackoff, counted, and does not stop the generator, which returns
// nil once its context ends.
func TestTrafficDialFails(t *testing.T) {
	leaktest.Check(t)
	clk := clocktest.NewFake(time.Unix(0, 0))
	tr := &traffic{clk: clk, log: slog.New(slog.DiscardHandler), rate: 1}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	url := "ws://" + ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- tr.run(ctx, []string{url, url}, []string{"x", "y"}) }()
	wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
	defer wcancel()
	for tr.counts().DialFailures < 6 {
		// Both clients waiting out their backoff, and the reporter.
		if err := clk.WaitForTimers(wctx, 3); err != nil {
			t.Fatalf("backoff timers not armed: %v (counts %+v)", err, tr.counts())
		}
		clk.Advance(trafficBackoff.Max)
	}
	select {
	case err := <-errc:
		t.Fatalf("run returned while its context was live: %v", err)
	default:
	}
	cancel()
	if err := <-errc; err != nil {
		t.Fatalf("run: %v", err)
	}
	if c := tr.counts(); c.Sent != 0 || c.Reconnects != 0 || c.Lost != 0 {
		t.Fatalf("counts %+v", c)
	}
}

// dropListener is a listener that can close every connection it accepted.
type dropListener struct {
	net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func (l *dropListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.mu.Lock()
		l.conns = append(l.conns, c)
		l.mu.Unlock()
	}
	return c, err
}

// drop closes every connection accepted so far.
func (l *dropListener) drop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range l.conns {
		c.Close()
	}
	l.conns = nil
}

// TestTrafficSurvivesRefusalsAndLostConnections: an API that refuses
// sends (as a client without topology or with its ack table full does)
// and an API connection that ends (as when StopClient stops the client)
// are counted, the generator dials the API again after its backoff, and
// traffic flows again afterwards; run returns nil only when its context
// ends.
func TestTrafficSurvivesRefusalsAndLostConnections(t *testing.T) {
	leaktest.Check(t)
	apis := memAPIsWith(t, 2, false)
	urls, addrs := apis.urls, apis.addrs
	clk := clocktest.NewFake(time.Unix(1e9, 0))
	tr := &traffic{clk: clk, log: slog.New(slog.DiscardHandler), rate: 10}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- tr.run(ctx, urls, addrs) }()
	wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
	defer wcancel()
	// until advances the clock a tick at a time until cond holds.
	until := func(what string, cond func(TrafficCounts) bool) {
		t.Helper()
		for !cond(tr.counts()) {
			select {
			case err := <-errc:
				t.Fatalf("%s: run returned %v while its context was live (counts %+v)", what, err, tr.counts())
			case <-wctx.Done():
				t.Fatalf("%s: not reached, counts %+v", what, tr.counts())
			case <-time.After(2 * time.Millisecond): // loopback I/O
			}
			clk.Advance(100 * time.Millisecond)
		}
	}
	until("traffic", func(c TrafficCounts) bool { return c.Received >= 4 })

	apis.backends[0].refuse.Store(true)
	until("refusals", func(c TrafficCounts) bool { return c.Refused >= 3 })
	apis.backends[0].refuse.Store(false)

	lost := tr.counts().Lost
	apis.listeners[1].drop()
	until("a lost connection", func(c TrafficCounts) bool { return c.Lost > lost })
	until("a reconnect", func(c TrafficCounts) bool { return c.Reconnects >= 1 })
	received := tr.counts().Received
	until("traffic again", func(c TrafficCounts) bool { return c.Received >= received+6 })
	cancel()
	if err := <-errc; err != nil {
		t.Fatalf("run: %v", err)
	}
	c := tr.counts()
	if c.Corrupt != 0 || c.DialFailures != 0 || c.Failed != 0 || c.Overdue != 0 {
		t.Fatalf("counts %+v", c)
	}
	// A message in the dropped connection's hands may be lost (it stays
	// pending until overdue), or, sent as the connection failed, arrive
	// unexpected (late): either way every message is accounted for.
	tr.mu.Lock()
	pending := len(tr.pending)
	tr.mu.Unlock()
	if uint64(pending) != c.Sent-(c.Received-c.Late) {
		t.Fatalf("%d pending, counts %+v", pending, c)
	}
}

// TestTrafficOverdue: at most maxInFlight messages are pending; one
// pending for overdueAfter is written off as overdue and makes room.
func TestTrafficOverdue(t *testing.T) {
	clk := clocktest.NewFake(time.Unix(1e9, 0))
	tr := &traffic{clk: clk, log: slog.New(slog.DiscardHandler), rate: 1, pending: map[pendingKey]time.Time{}}
	for i := range maxInFlight {
		if !tr.admit(pendingKey{1, uint64(i)}) {
			t.Fatalf("message %d not admitted", i)
		}
	}
	if tr.admit(pendingKey{2, 0}) {
		t.Fatal("admitted past maxInFlight")
	}
	if !tr.arrived(pendingKey{1, 7}) || tr.arrived(pendingKey{1, 7}) {
		t.Fatal("an arrival is not taken exactly once")
	}
	tr.failedOne(1) // takes seq 0, the oldest
	if tr.arrived(pendingKey{1, 0}) {
		t.Fatal("a failure report did not take the oldest pending message")
	}
	clk.Advance(overdueAfter - time.Second)
	if !tr.admit(pendingKey{2, 0}) || !tr.admit(pendingKey{2, 1}) || tr.admit(pendingKey{2, 2}) {
		t.Fatal("the two freed places are not admitted exactly")
	}
	if tr.overdue.Load() != 0 {
		t.Fatal("written off early")
	}
	clk.Advance(time.Second)
	if !tr.admit(pendingKey{2, 2}) {
		t.Fatal("nothing admitted once the first messages are overdue")
	}
	if got := tr.overdue.Load(); got != maxInFlight-2 {
		t.Fatalf("%d overdue, want %d", got, maxInFlight-2)
	}
	if got := tr.nextSeq(2); got != 3 {
		t.Fatalf("next sequence number of sender 2: %d, want 3", got)
	}
}
