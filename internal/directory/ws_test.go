// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package directory

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/nym-go/nym/internal/dirapi"
	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/poll"
)

// live is a server serving on 127.0.0.1:0 on a fake clock.
type live struct {
	*env
	url  string // http://127.0.0.1:port
	stop func() error
}

// serve starts a server; the returned stop (also run at cleanup) cancels
// it and returns Serve's error.
func serve(t *testing.T, cfg Config) *live {
	t.Helper()
	e := newEnv(t, cfg)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.srv.Serve(ctx, ln) }()
	var stopped atomic.Bool
	var result error
	stop := func() error {
		if stopped.CompareAndSwap(false, true) {
			cancel()
			select {
			case result = <-done:
			case <-time.After(20 * time.Second):
				t.Error("Serve did not return within 20 s of cancel")
			}
		}
		return result
	}
	t.Cleanup(func() { stop() })
	return &live{env: e, url: "http://" + ln.Addr().String(), stop: stop}
}

// dial opens a websocket to /ws. A non-zero rcvbuf shrinks the client's
// socket receive buffer, so that a client that does not read backs up fast.
func (l *live) dial(t *testing.T, rcvbuf int, hdr http.Header) *websocket.Conn {
	t.Helper()
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err == nil && rcvbuf > 0 {
			c.(*net.TCPConn).SetReadBuffer(rcvbuf)
		}
		return c, err
	}}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(l.url, "http")+dirapi.PathWebsocket,
		&websocket.DialOptions{HTTPClient: &http.Client{Transport: tr}, HTTPHeader: hdr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.CloseNow(); tr.CloseIdleConnections() })
	c.SetReadLimit(1 << 20) // frames join lines up to 64 KiB, plus one line
	return c
}

// waitSubscribers polls until the hub has n subscribers (bounded).
func (l *live) waitSubscribers(t *testing.T, n int) {
	t.Helper()
	if !poll.Try(5*time.Second, func() bool { return l.srv.hub.len() == n }) {
		t.Fatalf("%d subscribers, want %d", l.srv.hub.len(), n)
	}
}

// readLines reads frames until it has n lines or the deadline passes.
func readLines(t *testing.T, c *websocket.Conn, n int) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var lines []string
	for len(lines) < n {
		typ, b, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("after %d of %d lines: %v", len(lines), n, err)
		}
		if typ != websocket.MessageText {
			t.Fatalf("frame type %v, want text", typ)
		}
		lines = append(lines, strings.Split(string(b), "\n")...)
	}
	return lines
}

func TestWSStreamsMetricLines(t *testing.T) {
	leaktest.Check(t)
	l := serve(t, Config{})
	a, b := l.dial(t, 0, nil), l.dial(t, 0, nil)
	l.waitSubscribers(t, 2)
	const n = 50
	for i := range n {
		l.mustPost(dirapi.PathMetricsMixes, metric(fmt.Sprint("m", i), uint64(i)))
	}
	for _, c := range []*websocket.Conn{a, b} {
		lines := readLines(t, c, n)
		if len(lines) != n {
			t.Fatalf("%d lines, want %d", len(lines), n)
		}
		for i, line := range lines {
			var compact bytes.Buffer
			if err := json.Compact(&compact, []byte(line)); err != nil || compact.String() != line {
				t.Fatalf("line %d is not compact JSON: %q", i, line)
			}
			var m dirapi.PersistedMixMetric
			if err := json.Unmarshal([]byte(line), &m); err != nil || m.PubKey != fmt.Sprint("m", i) ||
				m.Received != uint64(i) || m.Timestamp != l.clock.Now().UnixNano() || m.Sent["1.2.3.4:1789"] != 3 {
				t.Fatalf("line %d = %s (%v)", i, line, err)
			}
		}
	}
	if err := l.stop(); err != nil {
		t.Fatalf("Serve: %v", err)
	}
}

// Text a client sends is read and dropped; it never reaches other
// subscribers (v0.5.0 re-broadcast it to everyone).
func TestWSClientTextIgnored(t *testing.T) {
	leaktest.Check(t)
	l := serve(t, Config{})
	talker, listener := l.dial(t, 0, nil), l.dial(t, 0, nil)
	l.waitSubscribers(t, 2)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for range 10 {
		if err := talker.Write(ctx, websocket.MessageText, []byte(`{"pubKey":"injected","sent":{},"received":1}`)); err != nil {
			t.Fatal(err)
		}
	}
	l.mustPost(dirapi.PathMetricsMixes, metric("real", 1))
	for _, c := range []*websocket.Conn{listener, talker} {
		lines := readLines(t, c, 1)
		if len(lines) != 1 || !strings.Contains(lines[0], `"pubKey":"real"`) {
			t.Fatalf("got %q, want only the real metric", lines)
		}
	}
	// A message over the read limit closes the talker, not the server.
	big := bytes.Repeat([]byte("x"), maxWSReadBytes+1)
	talker.Write(ctx, websocket.MessageText, big)
	l.waitSubscribers(t, 1)
}

// A subscriber that never reads is dropped once its queue is full; POSTs
// never wait for it and other subscribers keep receiving everything.
func TestWSSlowSubscriberDropped(t *testing.T) {
	leaktest.Check(t)
	l := serve(t, Config{WSQueueLen: 8, MaxWindowBytes: 1 << 30, MaxWindowMetrics: 1 << 20, MaxMetricsPerKey: 1 << 20})
	slow := l.dial(t, 4096, nil)
	fast := l.dial(t, 0, nil)
	l.waitSubscribers(t, 2)

	got := make(chan int, 1)
	go func() { // the fast reader counts lines until it sees "last"
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		n := 0
		for {
			_, b, err := fast.Read(ctx)
			if err != nil {
				got <- -n
				return
			}
			n += bytes.Count(b, []byte("\n")) + 1
			if bytes.Contains(b, []byte(`"pubKey":"last"`)) {
				got <- n
				return
			}
		}
	}()

	big := metric("m", 1)
	for i := range 400 {
		big.Sent[fmt.Sprintf("10.%d.%d.1:1789", i/256, i%256)] = uint64(i)
	}
	body := body(t, big)
	posts, slowest := 0, time.Duration(0)
	for gauge(t, l.srv, "nym_directory_ws_dropped_subscribers_total") == 0 {
		if posts == 20_000 {
			t.Fatal("slow subscriber not dropped after 20,000 reports")
		}
		start := time.Now()
		l.mustPost(dirapi.PathMetricsMixes, body)
		slowest = max(slowest, time.Since(start))
		posts++
	}
	l.mustPost(dirapi.PathMetricsMixes, metric("last", 1))
	posts++
	if n := <-got; n != posts {
		t.Fatalf("fast subscriber got %d lines, want %d", n, posts)
	}
	t.Logf("slow subscriber dropped after %d reports; slowest POST %v", posts, slowest)
	if slowest > 2*time.Second {
		t.Errorf("a POST took %v while a subscriber was stuck", slowest)
	}
	l.waitSubscribers(t, 1)
	// The slow client finds its stream cut: after what was buffered, a close
	// (1013 try again later when the close frame got through).
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var err error
	total := 0
	for err == nil {
		var b []byte
		_, b, err = slow.Read(ctx)
		total += len(b)
	}
	t.Logf("slow read %d bytes then %v", total, err)
	if s := websocket.CloseStatus(err); s != websocket.StatusTryAgainLater && s != -1 {
		t.Errorf("slow subscriber closed with %v", s)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		t.Error("slow subscriber's connection was never closed")
	}
}

func TestWSAnyOrigin(t *testing.T) {
	leaktest.Check(t)
	l := serve(t, Config{})
	l.dial(t, 0, http.Header{"Origin": {"https://dashboard.example"}})
	l.waitSubscribers(t, 1)
}

func TestWSShutdown(t *testing.T) {
	leaktest.Check(t)
	l := serve(t, Config{})
	c := l.dial(t, 0, nil)
	l.waitSubscribers(t, 1)
	if err := l.stop(); err != nil {
		t.Fatalf("Serve: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, _, err := c.Read(ctx)
	if s := websocket.CloseStatus(err); s != websocket.StatusGoingAway {
		t.Fatalf("subscriber got %v (status %v), want going away", err, s)
	}
}

func TestWSBadHandshake(t *testing.T) {
	e := newEnv(t, Config{})
	wantError(t, e.do(http.MethodGet, dirapi.PathWebsocket, nil), http.StatusUpgradeRequired, "this is a websocket endpoint")
	up := []string{"Connection", "keep-alive, Upgrade", "Upgrade", "websocket"}
	wantError(t, e.do(http.MethodGet, dirapi.PathWebsocket, nil, append(up, "Sec-WebSocket-Version", "8")...),
		http.StatusBadRequest, "Sec-WebSocket-Version: must be 13")
	wantError(t, e.do(http.MethodGet, dirapi.PathWebsocket, nil, append(up, "Sec-WebSocket-Version", "13")...),
		http.StatusBadRequest, "Sec-WebSocket-Key: must be")
	wantError(t, e.do(http.MethodGet, dirapi.PathWebsocket, nil, append(up, "Sec-WebSocket-Version", "13", "Sec-WebSocket-Key", "c2hvcnQ=")...),
		http.StatusBadRequest, "Sec-WebSocket-Key: must be")
}
