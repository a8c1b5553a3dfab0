// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package netreq_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/client"
	"github.com/nym-go/nym/internal/clock/clocktest"
	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/netreq"
	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/streams"
)

// fakeMixnet stands in for the requester's mixnet client and the network:
// a client-role session's messages arrive on Receive with their SURBs, and
// each Reply is handed to that session.
type fakeMixnet struct {
	recv    chan client.Received
	mu      sync.Mutex
	peer    *streams.Session // the client side
	replies int
}

func (m *fakeMixnet) Receive() <-chan client.Received { return m.recv }

func (m *fakeMixnet) Reply(_ context.Context, surb *sphinx.SURB, msg []byte) error {
	if surb == nil {
		return errors.New("nil SURB")
	}
	if len(msg) > client.ReplyCapacity(surb) {
		return client.ErrTooLarge
	}
	m.mu.Lock()
	m.replies++
	peer := m.peer
	m.mu.Unlock()
	if peer != nil {
		_ = peer.Handle(bytes.Clone(msg))
	}
	return nil
}

func surbs(n int) []*sphinx.SURB {
	s := make([]*sphinx.SURB, n)
	for i := range s {
		s[i] = &sphinx.SURB{Size: sphinx.Regular}
	}
	return s
}

// harness is a requester and one client session talking to it.
type harness struct {
	r   *netreq.Requester
	mix *fakeMixnet
	cli *streams.Session
	dir string
}

func start(t *testing.T, cfg netreq.Config, allow string) *harness {
	t.Helper()
	return startDeps(t, cfg, allow, netreq.Deps{})
}

// startDeps is start with deps (Client is set here).
func startDeps(t *testing.T, cfg netreq.Config, allow string, deps netreq.Deps) *harness {
	t.Helper()
	h := &harness{mix: &fakeMixnet{recv: make(chan client.Received, 64)}, dir: t.TempDir()}
	if cfg.AllowList == "" {
		cfg.AllowList = filepath.Join(h.dir, "allowed.list")
		if err := os.WriteFile(cfg.AllowList, []byte(allow), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	deps.Client = h.mix
	r, err := netreq.New(cfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	h.r = r
	cli, err := streams.New(streams.Config{Role: streams.Client, SessionID: [16]byte{1, 2, 3}},
		streams.Deps{Send: func(ctx context.Context, msg []byte, n int) error {
			select {
			case h.mix.recv <- client.Received{Message: bytes.Clone(msg), ReplySURBs: surbs(n)}:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	h.mix.peer, h.cli = cli, cli
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = r.Run(ctx) })
	wg.Go(func() { _ = cli.Run(ctx) })
	t.Cleanup(func() { cancel(); wg.Wait() })
	return h
}

// echoServer accepts connections on loopback and echoes until EOF, then
// closes.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() { defer c.Close(); _, _ = io.Copy(c, c) })
		}
	})
	return ln.Addr().String()
}

func TestStreamThroughRequester(t *testing.T) {
	leaktest.Check(t)
	addr := echoServer(t)
	h := start(t, netreq.Config{}, "127.0.0.0/8\n")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	st, err := h.cli.Open(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	msg := bytes.Repeat([]byte("0123456789abcdef"), 20000) // 320 KB, many replies
	go func() {
		_, _ = st.Write(msg)
		_ = st.CloseWrite()
	}()
	got, err := io.ReadAll(st)
	if err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("echoed %d bytes (%v), want %d", len(got), err, len(msg))
	}
	st.Close()
	s := h.r.Stats()
	if s.StreamsAccepted != 1 || s.SessionsActive != 1 || s.BytesToTarget != uint64(len(msg)) ||
		s.BytesToClient != uint64(len(msg)) || s.RepliesSent == 0 || s.SURBsStored < s.RepliesSent {
		t.Fatalf("stats %+v", s)
	}
	var b strings.Builder
	if err := s.WriteMetrics(&b); err != nil || !strings.Contains(b.String(), "nym_netreq_streams_accepted_total 1\n") {
		t.Fatalf("metrics:\n%s", b.String())
	}
}

func TestRefusedHost(t *testing.T) {
	leaktest.Check(t)
	addr := echoServer(t)
	h := start(t, netreq.Config{}, "example.com\n")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, target := range []string{addr, "badexample.com:80", addr} {
		_, err := h.cli.Open(ctx, target)
		var ref *streams.RefusedError
		if !errors.As(err, &ref) || !strings.Contains(err.Error(), "allow list") {
			t.Fatalf("Open(%s): %v, want a refusal naming the allow list", target, err)
		}
	}
	b, err := os.ReadFile(filepath.Join(h.dir, "unknown.list"))
	if err != nil || string(b) != "127.0.0.1\nbadexample.com\n" {
		t.Fatalf("unknown.list = %q, %v; want each refused host once", b, err)
	}
	if s := h.r.Stats(); s.StreamsRefused != 3 || s.StreamsAccepted != 0 {
		t.Fatalf("stats %+v", s)
	}
}

func TestOpenProxyAndDialFailure(t *testing.T) {
	leaktest.Check(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	h := start(t, netreq.Config{OpenProxy: true, AllowPrivate: true, AllowList: filepath.Join(t.TempDir(), "missing")}, "")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = h.cli.Open(ctx, closed)
	var ref *streams.RefusedError
	// The client gets a coarse reason, not the dial error with its
	// addresses (which would help scanning what the exit can reach).
	if !errors.As(err, &ref) || ref.Reason != "connect failed: connection refused" {
		t.Fatalf("Open of a closed port: %v, want the reason %q", err, "connect failed: connection refused")
	}
	if s := h.r.Stats(); s.DialFailures != 1 {
		t.Fatalf("stats %+v", s)
	}
	if !h.r.Allows("anything.example") {
		t.Fatal("open proxy refuses")
	}
}

func TestMissingListAllowsNothing(t *testing.T) {
	r, err := netreq.New(netreq.Config{AllowList: filepath.Join(t.TempDir(), "none")},
		netreq.Deps{Client: &fakeMixnet{}})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"127.0.0.1", "localhost", "example.com"} {
		if r.Allows(h) {
			t.Fatalf("a missing list allows %s", h)
		}
	}
}

// TestReloadAndLimits runs a requester on a fake clock: the allow list is
// reloaded when the file changes; SURBs over the per-session limit are
// dropped and counted; sessions over MaxSessions are refused; an idle
// session ends.
func TestReloadAndLimits(t *testing.T) {
	leaktest.Check(t)
	clk := clocktest.NewFake(time.Unix(1_700_000_000, 0))
	dir := t.TempDir()
	list := filepath.Join(dir, "allowed.list")
	if err := os.WriteFile(list, []byte("# none\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mix := &fakeMixnet{recv: make(chan client.Received)}
	// reload: 3·reload just exceeds SessionIdle, and no session timer falls
	// on it.
	const reload = 20*time.Second + time.Millisecond
	r, err := netreq.New(netreq.Config{AllowList: list, MaxSURBsPerSession: 5, MaxSessions: 2,
		SessionIdle: time.Minute, ReloadInterval: reload, DialTimeout: time.Hour},
		netreq.Deps{Client: mix, Clock: clk, Resolver: fakeResolver{"a.example.com": {"203.0.113.1"}},
			// Connects hang until the test ends, so the sessions send
			// nothing (no SURB is spent) while the counts are checked.
			Dial: func(ctx context.Context, _, _ string) (net.Conn, error) { <-ctx.Done(); return nil, ctx.Err() }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- r.Run(ctx) }()
	defer func() { cancel(); <-done }()
	tctx, tcancel := context.WithTimeout(ctx, 10*time.Second)
	defer tcancel()
	// wait returns once Run's reload timer is armed (the sessions have
	// timers of their own on clk, so counting timers is not enough).
	wait := func(ctx context.Context) {
		for !slices.Contains(clk.Deadlines(), clk.Now().Add(reload)) {
			if ctx.Err() != nil {
				t.Fatal("the reload timer was not armed")
			}
			time.Sleep(time.Millisecond) // Run's goroutine arms it
		}
	}

	if r.Allows("example.com") {
		t.Fatal("allowed before the reload")
	}
	if err := os.WriteFile(list, []byte("example.com\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(list, later, later); err != nil {
		t.Fatal(err)
	}
	wait(tctx)
	clk.Advance(reload)
	for !r.Allows("a.example.com") {
		if tctx.Err() != nil {
			t.Fatal("allow list not reloaded")
		}
		time.Sleep(time.Millisecond) // Run's goroutine handles the timer
	}

	// open starts session id (an Open frame of an allowed target); msg is
	// a message of session id without frames.
	open := func(id byte) []byte { return openMsg([16]byte{id}, "a.example.com:80") }
	msg := func(id byte) []byte { return streams.AppendHeader(nil, [16]byte{id}) }
	mix.recv <- client.Received{Message: open(1), ReplySURBs: surbs(3)}
	mix.recv <- client.Received{Message: msg(1), ReplySURBs: surbs(4)}
	mix.recv <- client.Received{Message: open(2), ReplySURBs: surbs(1)}
	mix.recv <- client.Received{Message: open(3), ReplySURBs: surbs(1)} // a third session
	mix.recv <- client.Received{Message: []byte{0xff}}                  // not a stream message
	mix.recv <- client.Received{Message: msg(1), IsReply: true}
	mix.recv <- client.Received{Message: msg(2)} // Run is done with the ones before
	s := r.Stats()
	if s.SURBsStored != 6 || s.SURBsDropped != 2 || s.SessionsActive != 2 || s.SessionsRefused != 1 ||
		s.MessagesDropped != 3 {
		t.Fatalf("stats %+v", s)
	}
	// Each tick lands exactly on Run's reload deadline, so expire() reads
	// the time the test means (the fake clock steps through earlier
	// deadlines, and a tick taken mid-step would see an earlier time); and
	// once the timer is armed again, that tick's expire() is done.
	tick := func() {
		wait(tctx)
		clk.Advance(reload)
		wait(tctx)
	}
	tick()
	tick()
	mix.recv <- client.Received{Message: msg(2)} // session 2 stays busy
	tick()                                       // session 1 idle 3·reload ≥ SessionIdle
	if s := r.Stats(); s.SessionsActive != 1 || s.SessionsExpired != 1 {
		t.Fatalf("after a minute idle: %+v", s)
	}
}

// openMsg is a client→exit message of session id opening stream 1 to
// target.
func openMsg(id [16]byte, target string) []byte {
	return streams.AppendFrame(streams.AppendHeader(nil, id),
		streams.Frame{Kind: streams.KindOpen, Stream: 1, Body: []byte(target)})
}
