// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package socks5client

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/poll"

	"github.com/nym-go/nym/internal/client"
	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/socks5client/socks5test"
	"github.com/nym-go/nym/internal/streams"
)

// hang bounds every wait in these tests: reaching it means a hang.
const hang = 60 * time.Second

// eventually polls cond (at most hang) and fails with what when it never
// holds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	poll.Until(t, what, hang, cond)
}

// holdServer writes n bytes to each connection, then copies what it reads
// back until the connection ends.
func holdServer(t *testing.T, n int) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Go(func() {
				defer c.Close()
				if _, err := c.Write(body(n, "hold")); err != nil {
					return
				}
				io.Copy(c, c)
			})
		}
	})
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

// readErr reads c until it fails and returns the error and how long it
// took (bounded by hang).
func readErr(c net.Conn) (error, time.Duration) {
	start := time.Now()
	c.SetReadDeadline(start.Add(hang))
	_, err := io.Copy(io.Discard, c)
	if err == nil {
		err = io.EOF
	}
	return err, time.Since(start)
}

// closed reports whether a read error means the peer closed or reset the
// connection.
func closed(err error) bool { return err == io.EOF || errors.Is(err, syscall.ECONNRESET) }

// TestSlowloris: SOCKS clients that connect and send nothing (or half a
// greeting) are disconnected after HandshakeTimeout, a connection over
// MaxConns is reset at once, both are counted, and no goroutine is left.
func TestSlowloris(t *testing.T) {
	leaktest.Check(t)
	const handshake = 2 * time.Second
	srv := httpServer(t)
	p, proxy := startProxy(t, ProxyConfig{HandshakeTimeout: handshake, MaxConns: 3})
	var silent []net.Conn
	for i := range 3 {
		c, err := net.Dial("tcp", proxy)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if i == 2 {
			c.Write([]byte{5}) // half a greeting
		}
		silent = append(silent, c)
	}
	start := time.Now()
	eventually(t, "the proxy did not take the 3 connections", func() bool { return p.Stats().Connections == 3 })
	// Over the limit: reset at once (on loopback the reset may even beat
	// the end of the dial).
	if over, err := net.Dial("tcp", proxy); err == nil {
		defer over.Close()
		if err, took := readErr(over); !closed(err) || took >= hang {
			t.Errorf("connection over the limit: %v after %v, want closed at once", err, took)
		}
	} else if !errors.Is(err, syscall.ECONNRESET) {
		t.Fatal(err)
	}
	eventually(t, "the connection over the limit was not counted", func() bool { return p.Stats().OverLimit == 1 })
	for i, c := range silent {
		if err, _ := readErr(c); !closed(err) {
			t.Errorf("silent connection %d: %v, want closed", i, err)
		}
	}
	if took := time.Since(start); took < handshake-100*time.Millisecond {
		t.Errorf("silent connections closed after %v, before the %v handshake timeout", took, handshake)
	}
	eventually(t, "handshake timeouts not counted", func() bool { return p.Stats().HandshakeTimeouts == 3 })
	// The slots are free again.
	if got := get(t, httpVia(proxy), srv.URL+"/after?n=1000"); len(got) != 1000 {
		t.Errorf("fetch after the silent clients left: %d bytes", len(got))
	}
}

// TestProxyExitGone: the exit disappears while a stream is open; the SOCKS
// client's connection is reset within the exit timeout (not left
// hanging), and once the exit is back new connections work.
func TestProxyExitGone(t *testing.T) {
	leaktest.Check(t)
	const exitTimeout = 2 * time.Second
	target := holdServer(t, 50_000)
	p, proxy, f := startProxyBackend(t, ProxyConfig{Session: streams.Config{ExitTimeout: exitTimeout}}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), hang)
	defer cancel()
	c, err := socksDial(ctx, proxy, target)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.ReadFull(c, make([]byte, 50_000)); err != nil {
		t.Fatal(err)
	}
	f.SetDown(true)
	err, took := readErr(c)
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("read after the exit left: %v after %v, want a connection reset", err, took)
	}
	if took > exitTimeout+2*time.Second {
		t.Errorf("the connection was reset %v after the exit left, want about %v", took, exitTimeout)
	}
	if s := p.Stats().Session; s.ExitUnreachable != 1 || s.StreamsExitFailed != 1 {
		t.Errorf("session: %d exit failures, %d streams failed; want 1, 1", s.ExitUnreachable, s.StreamsExitFailed)
	}

	f.Restart()
	f.SetDown(false)
	c2, err := socksDial(ctx, proxy, target)
	if err != nil {
		t.Fatalf("dial after the exit came back: %v", err)
	}
	defer c2.Close()
	if _, err := io.ReadFull(c2, make([]byte, 50_000)); err != nil {
		t.Errorf("read after the exit came back: %v", err)
	}
}

// failingExit is a socks5test.Exit whose client core reports failed messages.
type failingExit struct {
	*socks5test.Exit
	failures chan client.Failure
}

func (f *failingExit) Failures() <-chan client.Failure { return f.failures }

// TestProxyFailureFailsStreams: a message to the provider that the client
// core gave up on resets the SOCKS connections at once (no wait for the
// exit timeout); a failure of a message the exit answered after, or of an
// unknown one, changes nothing.
func TestProxyFailureFailsStreams(t *testing.T) {
	leaktest.Check(t)
	target := holdServer(t, 10)
	fe := &failingExit{failures: make(chan client.Failure, 4)}
	p, proxy, f := startProxyBackend(t, ProxyConfig{Session: streams.Config{ExitTimeout: 10 * time.Minute}},
		func(f *socks5test.Exit) Backend { fe.Exit = f; return fe })
	ctx, cancel := context.WithTimeout(context.Background(), hang)
	defer cancel()
	opened := time.Now() // the proxy's clock: the real one
	c, err := socksDial(ctx, proxy, target)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.ReadFull(c, make([]byte, 10)); err != nil {
		t.Fatal(err)
	}
	fe.failures <- client.Failure{ID: 1, SentAt: opened, Err: errors.New("old message")}        // answered since
	fe.failures <- client.Failure{ID: 1 << 40, SentAt: time.Now(), Err: errors.New("not ours")} // never sent
	eventually(t, "failures not counted", func() bool { return p.Stats().MessageFailures == 2 })
	if s := p.Stats().Session; s.StreamsActive != 1 || s.ExitUnreachable != 0 {
		t.Fatalf("after failures of old or unknown messages: %d streams, %d exit failures", s.StreamsActive, s.ExitUnreachable)
	}

	f.SetDown(true)
	before := f.LastID()
	c.Write([]byte("x")) // a message to the exit that will fail
	eventually(t, "the write was not sent", func() bool { return f.LastID() > before })
	fe.failures <- client.Failure{ID: f.LastID(), SentAt: time.Now(), Err: errors.New("not acknowledged after 10 tries")}
	if err, took := readErr(c); !errors.Is(err, syscall.ECONNRESET) || took > 10*time.Second {
		t.Errorf("read after the failure: %v after %v, want a connection reset at once", err, took)
	}
	if s := p.Stats().Session; s.ExitUnreachable != 1 {
		t.Errorf("ExitUnreachable = %d, want 1", s.ExitUnreachable)
	}
}

func TestSocks5ConfigLimits(t *testing.T) {
	c := Socks5Config{Provider: "x"}
	c.Validate()
	if c.ExitTimeout != streams.DefaultExitTimeout || c.HandshakeTimeout != DefaultHandshakeTimeout || c.MaxConnections != DefaultMaxConns {
		t.Errorf("defaults: exit %v, handshake %v, connections %d", c.ExitTimeout, c.HandshakeTimeout, c.MaxConnections)
	}
	for key, bad := range map[string]Socks5Config{
		"socks5.exit_timeout":      {ExitTimeout: -time.Second},
		"socks5.handshake_timeout": {HandshakeTimeout: -time.Second},
		"socks5.max_connections":   {MaxConnections: 1<<16 + 1},
	} {
		if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%s: Validate = %v", key, err)
		}
	}
}

// TestSentSetBounded: the proxy remembers the latest maxSentRecords message
// ids sent to the provider, forgets older ones, and matches a failure once.
func TestSentSetBounded(t *testing.T) {
	p := &Proxy{}
	for i := range 2*maxSentRecords + 5 {
		p.recordSent(client.MessageID(i))
	}
	if n := len(p.sent.ids); n != maxSentRecords {
		t.Fatalf("%d ids remembered, want %d", n, maxSentRecords)
	}
	if p.sentToProvider(client.MessageID(maxSentRecords)) {
		t.Error("an id older than the latest maxSentRecords is still matched")
	}
	last := client.MessageID(2*maxSentRecords + 4)
	oldest := client.MessageID(maxSentRecords + 5)
	if !p.sentToProvider(last) || !p.sentToProvider(oldest) {
		t.Error("the newest or oldest remembered id is not matched")
	}
	if p.sentToProvider(last) {
		t.Error("a failure of the same message matched twice")
	}
}
