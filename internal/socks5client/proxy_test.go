// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package socks5client

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/address"
	"github.com/nym-go/nym/internal/client"
	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/socks5"
	"github.com/nym-go/nym/internal/socks5client/socks5test"
)

// newFakeExit returns the Backend the tests run the proxy over: an exit
// streams.Session in the same process that dials real TCP targets and
// refuses "blocked.example"; an error of the exit fails the test.
func newFakeExit(ctx context.Context, t *testing.T) *socks5test.Exit {
	return socks5test.NewExit(ctx, socks5test.ExitConfig{
		Refuse: func(target string) string {
			if host, _, _ := net.SplitHostPort(target); host == "blocked.example" {
				return "blocked.example is not on the allow-list"
			}
			return ""
		},
		HandleError: func(err error) { t.Errorf("exit: %v", err) },
	})
}

// startProxy runs a Proxy over newFakeExit on 127.0.0.1:0.
func startProxy(t *testing.T, cfg ProxyConfig) (*Proxy, string) {
	t.Helper()
	p, addr, _ := startProxyBackend(t, cfg, nil)
	return p, addr
}

// startProxyBackend is startProxy with the backend wrapped by wrap (if
// not nil); it also returns the exit.
func startProxyBackend(t *testing.T, cfg ProxyConfig, wrap func(*socks5test.Exit) Backend) (*Proxy, string, *socks5test.Exit) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	f := newFakeExit(ctx, t)
	var b Backend = f
	if wrap != nil {
		b = wrap(f)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Provider = address.Address{Identity: [32]byte{1}}
	p, err := NewProxy(cfg, ProxyDeps{Backend: b, Listener: ln})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		f.Wait()
	})
	return p, ln.Addr().String(), f
}

// socksDial is a minimal SOCKS5 client (no auth, CONNECT); the reply code
// comes back in the error as a *socks5.Error.
func socksDial(ctx context.Context, proxy, target string) (net.Conn, error) {
	host, portText, err := net.SplitHostPort(target)
	if err != nil {
		return nil, err
	}
	port, _ := strconv.Atoi(portText)
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", proxy)
	if err != nil {
		return nil, err
	}
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
	}
	req := []byte{5, 1, 0}
	c.Write(req)
	var m [2]byte
	if _, err := io.ReadFull(c, m[:]); err != nil || m[1] != 0 {
		c.Close()
		return nil, fmt.Errorf("method %v: %v", m, err)
	}
	req = []byte{5, 1, 0}
	if ip := net.ParseIP(host); ip != nil && ip.To4() != nil {
		req = append(append(req, 1), ip.To4()...)
	} else if ip != nil {
		req = append(append(req, 4), ip...)
	} else {
		req = append(append(req, 3, byte(len(host))), host...)
	}
	req = binary.BigEndian.AppendUint16(req, uint16(port))
	c.Write(req)
	var rep [10]byte
	if _, err := io.ReadFull(c, rep[:]); err != nil {
		c.Close()
		return nil, err
	}
	if rep[1] != 0 {
		c.Close()
		return nil, &socks5.Error{Code: rep[1], Err: errors.New(socks5.ReplyText(rep[1]))}
	}
	c.SetDeadline(time.Time{})
	return c, nil
}

func body(n int, seed string) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed[i%len(seed)] + byte(i/len(seed))
	}
	return b
}

func httpServer(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		w.Write(body(n, r.URL.Path))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func httpVia(proxy string) *http.Client {
	return &http.Client{
		Timeout: 60 * time.Second,
		Transport: &http.Transport{
			DisableKeepAlives: true,
			DialContext: func(ctx context.Context, _, addr string) (net.Conn, error) {
				return socksDial(ctx, proxy, addr)
			},
		},
	}
}

func get(t *testing.T, hc *http.Client, url string) []byte {
	t.Helper()
	resp, err := hc.Get(url)
	if err != nil {
		t.Errorf("GET %s: %v", url, err)
		return nil
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Errorf("GET %s: body: %v", url, err)
	}
	return b
}

func TestProxyFetch(t *testing.T) {
	leaktest.Check(t)
	srv := httpServer(t)
	_, proxy := startProxy(t, ProxyConfig{})
	hc := httpVia(proxy)
	got := get(t, hc, srv.URL+"/page?n=300000")
	if !bytes.Equal(got, body(300000, "/page")) {
		t.Fatalf("fetched %d bytes, want 300000 identical", len(got))
	}
	// By domain name (ATYP 3) and IPv6 if the machine has it.
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	if got := get(t, hc, "http://localhost:"+port+"/x?n=10"); !bytes.Equal(got, body(10, "/x")) {
		t.Errorf("by name: %q", got)
	}
}

func TestProxyConcurrentStreams(t *testing.T) {
	leaktest.Check(t)
	srv := httpServer(t)
	p, proxy := startProxy(t, ProxyConfig{})
	hc := httpVia(proxy)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			path := fmt.Sprintf("/s%d", i)
			n := 20000 + i*3001
			if got := get(t, hc, fmt.Sprintf("%s%s?n=%d", srv.URL, path, n)); !bytes.Equal(got, body(n, path)) {
				t.Errorf("stream %d: %d bytes, want %d identical", i, len(got), n)
			}
		})
	}
	wg.Wait()
	if s := p.Stats(); s.Session.StreamsOpened != 20 || s.Connections != 20 {
		t.Errorf("stats: %+v", s)
	}
}

func TestProxyRefusalIsNotAllowed(t *testing.T) {
	leaktest.Check(t)
	p, proxy := startProxy(t, ProxyConfig{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := socksDial(ctx, proxy, "blocked.example:80")
	var e *socks5.Error
	if !errors.As(err, &e) || e.Code != socks5.ReplyNotAllowed {
		t.Fatalf("dial = %v, want SOCKS reply 0x02", err)
	}
	if s := p.Stats(); s.Refused != 1 {
		t.Errorf("refused = %d", s.Refused)
	}
	// A target that refuses the exit's TCP connection is refused too.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	if _, err := socksDial(ctx, proxy, addr); !errors.As(err, &e) || e.Code != socks5.ReplyNotAllowed {
		t.Errorf("dial to a closed port = %v", err)
	}
}

func TestProxyOpenTimeoutIsHostUnreachable(t *testing.T) {
	leaktest.Check(t)
	ctx, cancel := context.WithCancel(context.Background())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// A provider that never answers.
	silent := &silentBackend{recv: make(chan client.Received)}
	p, err := NewProxy(ProxyConfig{Provider: address.Address{Identity: [32]byte{1}}, OpenTimeout: 200 * time.Millisecond},
		ProxyDeps{Backend: silent, Listener: ln})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	defer func() { cancel(); <-done }()
	dctx, dcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer dcancel()
	_, err = socksDial(dctx, ln.Addr().String(), "example.com:80")
	var e *socks5.Error
	if !errors.As(err, &e) || e.Code != socks5.ReplyHostUnreachable {
		t.Fatalf("dial = %v, want SOCKS reply 0x04", err)
	}
}

type silentBackend struct{ recv chan client.Received }

func (s *silentBackend) Receive() <-chan client.Received { return s.recv }
func (s *silentBackend) SendWithSURBs(context.Context, address.Address, []byte, int) (client.MessageID, error) {
	return 1, nil
}
