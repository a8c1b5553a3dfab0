// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package directory

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/dirapi"
	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/poll"
)

func TestServeConnsPerIP(t *testing.T) {
	leaktest.Check(t)
	l := serve(t, Config{MaxConnsPerIP: 2, LimitLoopback: true})
	addr := strings.TrimPrefix(l.url, "http://")
	var held []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		held = append(held, c)
	}
	// Wait until both are accepted (one request answered on each).
	for _, c := range held {
		if _, err := io.WriteString(c, "GET "+dirapi.PathHealthcheck+" HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := c.Read(make([]byte, 64)); err != nil {
			t.Fatalf("held connection not served: %v", err)
		}
	}
	tr := &http.Transport{DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	cl := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	if resp, err := cl.Get(l.url + dirapi.PathHealthcheck); err == nil {
		resp.Body.Close()
		t.Fatalf("third connection from one IP served: %d", resp.StatusCode)
	}
	if n := l.srv.RefusedConns(); n < 1 {
		t.Fatalf("RefusedConns = %d, want >= 1", n)
	}
	rec := l.do("GET", "/metrics", nil)
	if !strings.Contains(rec.Body.String(), "nym_directory_refused_connections_total ") {
		t.Fatal("/metrics lacks nym_directory_refused_connections_total")
	}
	held[0].Close()
	var err error
	if !poll.Try(10*time.Second, func() bool {
		var resp *http.Response
		if resp, err = cl.Get(l.url + dirapi.PathHealthcheck); err == nil {
			resp.Body.Close()
		}
		return err == nil
	}) {
		t.Fatalf("no room after a close: %v", err)
	}
}

func TestServeSlowlorisClosed(t *testing.T) {
	leaktest.Check(t)
	l := serve(t, Config{ReadHeaderTimeout: 200 * time.Millisecond})
	c, err := net.Dial("tcp", strings.TrimPrefix(l.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET / HTTP/1.1\r\n") // and never the rest
	start := time.Now()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err = io.ReadAll(c)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatal("half-sent request not closed within 10 s")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("closed after %v, want about ReadHeaderTimeout", d)
	}
}
