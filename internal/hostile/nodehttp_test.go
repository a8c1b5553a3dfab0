// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package hostile_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/nodehttp"
)

// nodeAPI is a node's HTTP API served by nodehttp.ServeWith as a nym-node
// serves it, and a reader from goodIP.
type nodeAPI struct {
	addr    string
	refused func() uint64
	good    *http.Client
}

func newNodeAPI(t *testing.T, opts nodehttp.ServeOptions) *nodeAPI {
	t.Helper()
	srv, err := nodehttp.New(nodehttp.Config{Roles: nodehttp.Roles{MixnodeEnabled: true}},
		nodehttp.Deps{Identity: identityKey(5)})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a := &nodeAPI{addr: ln.Addr().String()}
	opts.Refused = func(f func() uint64) { a.refused = f }
	ctx, cancel := context.WithCancel(context.Background())
	runDone, srvDone := make(chan error, 1), make(chan error, 1)
	go func() { runDone <- srv.Run(ctx) }()
	go func() { srvDone <- nodehttp.ServeWith(ctx, ln, srv.Handler(), opts) }()
	tr := &http.Transport{DialContext: func(ctx context.Context, _, addr string) (net.Conn, error) {
		return dialFrom(ctx, goodIP, addr)
	}}
	a.good = &http.Client{Transport: tr, Timeout: 10 * time.Second}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		cancel()
		for _, ch := range []chan error{srvDone, runDone} {
			select {
			case err := <-ch:
				if err != nil {
					t.Errorf("node API: %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Error("node API did not stop within 10 s")
			}
		}
	})
	return a
}

func (a *nodeAPI) health() error {
	resp, err := a.good.Get("http://" + a.addr + nodehttp.PathHealth)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("health: %s", resp.Status)
	}
	return nil
}

func TestNodeAPIAttacks(t *testing.T) {
	leaktest.Check(t)
	a := newNodeAPI(t, nodehttp.ServeOptions{ReadHeaderTimeout: 300 * time.Millisecond, MaxConnsPerIP: 8,
		LimitLoopback: true, Grace: time.Second})
	before := measure()
	t.Run("random bytes", func(t *testing.T) {
		n := during(t, func() {
			if k := sprayRandom(t, a.addr, 32, 8<<10, nil); k != 32 {
				t.Errorf("%d of 32 random-byte connections closed", k)
			}
		}, a.health)
		t.Logf("%d good requests during the attack", n)
	})
	t.Run("slowloris", func(t *testing.T) {
		silent, _ := holdOpen(t, a.addr, 4, nil)
		half, _ := holdOpen(t, a.addr, 4, []byte("GET /api/v1/health HTTP/1.1\r\n"))
		if err := a.health(); err != nil {
			t.Fatal(err)
		}
		allClosed(t, silent, 10*time.Second, "no request")
		allClosed(t, half, 10*time.Second, "half a request")
	})
	t.Run("oversized headers", func(t *testing.T) {
		c, err := dialFrom(context.Background(), attackerIP, a.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 64<<10) + "\r\n\r\n"))
		buf := make([]byte, 64)
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if k, _ := c.Read(buf); !strings.Contains(string(buf[:k]), "431") {
			t.Fatalf("oversized headers answered %q, want 431", buf[:k])
		}
	})
	t.Run("flood", func(t *testing.T) {
		conns, _ := holdOpen(t, a.addr, 100, nil)
		waitFor(t, "refusals", func() bool { return a.refused() >= 92 })
		checkPeak(t, before, 8*2+8, "during the flood")
		if err := a.health(); err != nil {
			t.Fatalf("reader from another IP during the flood: %v", err)
		}
		for _, c := range conns {
			c.Close()
		}
	})
	if err := a.health(); err != nil {
		t.Fatal(err)
	}
	checkRecovered(t, before, 5, 32<<20)
}
