// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package socks5client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/address"
	"github.com/nym-go/nym/internal/client"
	"github.com/nym-go/nym/internal/home"
	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/nativeclient"
	"github.com/nym-go/nym/internal/nativeclient/nettest"
	"github.com/nym-go/nym/internal/socks5"
	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/streams"
)

var testLog = func() *slog.Logger {
	if os.Getenv("SOCKS_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}()

// fast is the traffic of the test clients: no mixing delay, quick streams.
var fast = nativeclient.TrafficConfig{HopDelay: nativeclient.NoHopDelay, RealMean: 20 * time.Millisecond, LoopMean: -1}

// testExit is a minimal network requester on a real client core: one
// exit session per session id, SURBs kept in a queue, replies through them.
type testExit struct {
	core *client.Client
	mu   sync.Mutex
	sess map[[16]byte]*exitSession
	wg   sync.WaitGroup
}

type exitSession struct {
	s     *streams.Session
	mu    sync.Mutex
	surbs []*sphinx.SURB
}

func (e *testExit) run(ctx context.Context, t testing.TB) {
	for {
		select {
		case <-ctx.Done():
			return
		case m := <-e.core.Receive():
			id, err := streams.SessionIDOf(m.Message)
			if err != nil || len(m.ReplySURBs) == 0 && e.sess[id] == nil {
				continue
			}
			e.mu.Lock()
			es := e.sess[id]
			if es == nil {
				es = &exitSession{}
				s, err := streams.New(streams.Config{Role: streams.Exit, SessionID: id, MaxMessage: client.ReplyCapacity(m.ReplySURBs[0])},
					streams.Deps{Send: func(ctx context.Context, msg []byte, _ int) error {
						es.mu.Lock()
						surb := es.surbs[0]
						es.surbs = es.surbs[1:]
						es.mu.Unlock()
						return e.core.Reply(ctx, surb, msg)
					}, Logger: testLog.With("side", "exit"), Accept: func(st *streams.Stream, target string) { e.accept(ctx, st, target) }})
				if err != nil {
					t.Error(err)
					e.mu.Unlock()
					return
				}
				es.s = s
				e.sess[id] = es
				e.wg.Go(func() { s.Run(ctx) })
			}
			e.mu.Unlock()
			es.mu.Lock()
			es.surbs = append(es.surbs, m.ReplySURBs...)
			es.mu.Unlock()
			es.s.AddCredits(len(m.ReplySURBs))
			if err := es.s.Handle(m.Message); err != nil {
				t.Logf("exit: %v", err)
			}
		}
	}
}

func (e *testExit) accept(ctx context.Context, st *streams.Stream, target string) {
	if strings.HasPrefix(target, "blocked.example:") {
		st.Refuse("not on the allow-list")
		return
	}
	e.wg.Go(func() {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", target)
		if err != nil {
			st.Refuse(err.Error())
			return
		}
		st.Accept()
		socks5.Relay(c, st)
		st.Close()
	})
}

// startTestExit runs a test exit on a native client "exit" under root
// until the test ends, and returns its address.
func startTestExit(tb testing.TB, ctx context.Context, root string, mix *nettest.Network, traffic nativeclient.TrafficConfig) address.Address {
	tb.Helper()
	ctx, cancel := context.WithCancel(ctx)
	exitDir, err := home.For(root, home.Client, "exit")
	if err != nil {
		tb.Fatal(err)
	}
	ecfg, exitAddr, err := nativeclient.Init(ctx, nativeclient.InitOptions{Home: root, ID: "exit", Directory: mix.DirectoryURL, Gateway: mix.Gateways[0], Traffic: traffic})
	if err != nil {
		tb.Fatal(err)
	}
	core, err := nativeclient.NewCore(ctx, nativeclient.CoreOptions{Dir: exitDir, Config: ecfg, Logger: testLog.With("side", "exit")})
	if err != nil {
		tb.Fatal(err)
	}
	exit := &testExit{core: core.Client, sess: map[[16]byte]*exitSession{}}
	var wg sync.WaitGroup
	wg.Go(func() { core.Run(ctx) })
	wg.Go(func() { exit.run(ctx, tb) })
	tb.Cleanup(func() { cancel(); wg.Wait(); exit.wg.Wait() })
	return exitAddr
}

// TestInitRunThroughMixnet: init and run a SOCKS5 client on a real
// in-process mixnet whose provider is a test exit on another client;
// fetch a page, run parallel fetches, get a refusal, restart. (20
// concurrent streams run over the in-process exit in proxy_test.go.)
func TestInitRunThroughMixnet(t *testing.T) {
	leaktest.Check(t)
	if testing.Short() {
		t.Skip("starts a mixnet")
	}
	root := t.TempDir()
	mix := nettest.Start(t, root, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	exitAddr := startTestExit(t, ctx, root, mix, fast)

	// init: a bad provider is refused, a second init needs --force.
	if _, _, err := Init(ctx, InitOptions{Home: root, ID: "s", Provider: "nope", Directory: mix.DirectoryURL}); err == nil {
		t.Fatal("init accepted a bad provider")
	}
	var out bytes.Buffer
	if _, _, err := Init(ctx, InitOptions{Home: root, ID: "s", Provider: exitAddr.String(), Directory: mix.DirectoryURL,
		Gateway: mix.Gateways[0], Traffic: fast, Stdout: &out}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "nym-socks5-client run --id s") {
		t.Errorf("init output: %s", out.String())
	}
	if _, _, err := Init(ctx, InitOptions{Home: root, ID: "s", Provider: exitAddr.String(), Directory: mix.DirectoryURL}); !errors.Is(err, nativeclient.ErrExists) {
		t.Errorf("second init = %v, want ErrExists", err)
	}
	dir, _ := home.For(root, home.Socks5Client, "s")
	text, err := os.ReadFile(dir.Config())
	if err != nil || !strings.Contains(string(text), "[socks5]") || !strings.Contains(string(text), exitAddr.String()) {
		t.Fatalf("config: %v\n%s", err, text)
	}
	if err := CheckConfig(RunOptions{Home: root, ID: "s"}); err != nil {
		t.Errorf("CheckConfig: %v", err)
	}
	// A key neither the native client's sections nor [socks5] know is
	// reported (an error when strict); the keys of both parts are not.
	bogus := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(bogus, append(text, "surbs_per_opn = 5\n"...), 0o600); err != nil {
		t.Fatal(err)
	}
	if cfg, unknown, err := Load(bogus, false); err != nil || !slices.Equal(unknown, []string{"socks5.surbs_per_opn"}) || cfg.Socks5.Provider != exitAddr.String() {
		t.Errorf("Load with a misspelt key: unknown %q, err %v", unknown, err)
	}
	if _, _, err := Load(bogus, true); err == nil || !strings.Contains(err.Error(), "unknown keys: socks5.surbs_per_opn") {
		t.Errorf("strict Load with a misspelt key: %v", err)
	}

	srv := httpServer(t)
	for round := range 2 { // the second run starts from the same files
		rctx, rcancel := context.WithCancel(ctx)
		ready := make(chan Addrs, 1)
		done := make(chan error, 1)
		go func() {
			done <- Run(rctx, RunOptions{Home: root, ID: "s", Port: nettest.FreePort(t), Metrics: "127.0.0.1:0", Logger: testLog, Ready: func(a Addrs) { ready <- a }})
		}()
		var a Addrs
		select {
		case a = <-ready:
		case err := <-done:
			rcancel()
			t.Fatalf("Run: %v", err)
		}
		hc := httpVia(a.SOCKS.String())
		if got := get(t, hc, srv.URL+"/first?n=50000"); !bytes.Equal(got, body(50000, "/first")) {
			t.Errorf("round %d: fetched %d bytes, want 50000 identical", round, len(got))
		}
		if round == 0 {
			var fw sync.WaitGroup
			for i := range 5 {
				fw.Go(func() {
					path := fmt.Sprintf("/p%d", i)
					if got := get(t, hc, srv.URL+path+"?n=5000"); !bytes.Equal(got, body(5000, path)) {
						t.Errorf("parallel fetch %d: %d bytes", i, len(got))
					}
				})
			}
			fw.Wait()
			dctx, dcancel := context.WithTimeout(ctx, 30*time.Second)
			_, err := socksDial(dctx, a.SOCKS.String(), "blocked.example:443")
			dcancel()
			var se *socks5.Error
			if !errors.As(err, &se) || se.Code != socks5.ReplyNotAllowed {
				t.Errorf("blocked host: %v, want SOCKS 0x02", err)
			}
		}
		resp, err := http.Get("http://" + a.Metrics.String() + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		m, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(m), "nym_socks5_streams_opened_total") || strings.Contains(string(m), "nym_socks5_connections_total 0\n") ||
			!strings.Contains(string(m), "nym_socks5_exit_unreachable_total 0\n") || !strings.Contains(string(m), "nym_socks5_over_limit_total 0\n") {
			t.Errorf("metrics lack the proxy's counts:\n%.2000s", m)
		}
		rcancel()
		if err := <-done; err != nil {
			t.Errorf("Run round %d: %v", round, err)
		}
	}
}

// BenchmarkMixnetDownload fetches 1 MiB pages through a SOCKS5 client, the
// in-process mixnet (no mixing delay; real-traffic mean 2 ms at the exit,
// 5 ms at the SOCKS client) and the test exit, and reports MB/s of payload and the time to the
// first byte of the response.
func BenchmarkMixnetDownload(b *testing.B) {
	root := b.TempDir()
	mix := nettest.Start(b, root, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	traffic := nativeclient.TrafficConfig{HopDelay: nativeclient.NoHopDelay, RealMean: 5 * time.Millisecond, LoopMean: -1}
	exitTraffic := traffic
	exitTraffic.RealMean = 2 * time.Millisecond
	exitAddr := startTestExit(b, ctx, root, mix, exitTraffic)
	if _, _, err := Init(ctx, InitOptions{Home: root, ID: "s", Provider: exitAddr.String(), Directory: mix.DirectoryURL,
		Gateway: mix.Gateways[0], Traffic: traffic}); err != nil {
		b.Fatal(err)
	}
	ready := make(chan Addrs, 1)
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, RunOptions{Home: root, ID: "s", Port: nettest.FreePort(b), Ready: func(a Addrs) { ready <- a }})
	}()
	a := <-ready
	defer func() { cancel(); <-done }()
	const size = 1 << 20
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(body(size, "/big"))
	}))
	defer srv.Close()
	hc := httpVia(a.SOCKS.String())
	var first time.Duration
	b.SetBytes(size)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		resp, err := hc.Get(srv.URL + "/big")
		if err != nil {
			b.Fatal(err)
		}
		buf := make([]byte, 1)
		if _, err := io.ReadFull(resp.Body, buf); err != nil {
			b.Fatal(err)
		}
		first += time.Since(start)
		rest, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || len(rest) != size-1 {
			b.Fatalf("read %d bytes: %v", len(rest)+1, err)
		}
	}
	b.ReportMetric(float64(first.Milliseconds())/float64(b.N), "ms-first-byte")
}
