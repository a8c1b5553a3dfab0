// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package socks5test_test

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/address"
	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/socks5client"
	"github.com/nym-go/nym/internal/socks5client/socks5test"
	"github.com/nym-go/nym/internal/socks5e2e"
)

var _ socks5client.Backend = (*socks5test.Exit)(nil)

// echoServer echoes every connection on 127.0.0.1:0 until the test ends.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(c, c); c.Close() }()
		}
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return ln.Addr().String()
}

// TestExitThroughProxy runs a proxy over an Exit: a stream reaches a real
// target and echoes, a target Refuse names is refused, and every message
// gets a new id.
func TestExitThroughProxy(t *testing.T) {
	leaktest.Check(t)
	target := echoServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	exit := socks5test.NewExit(ctx, socks5test.ExitConfig{
		Refuse: func(target string) string {
			if host, _, _ := net.SplitHostPort(target); host == "blocked.example" {
				return "blocked"
			}
			return ""
		},
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p, err := socks5client.NewProxy(socks5client.ProxyConfig{Provider: address.Address{Identity: [32]byte{3}}},
		socks5client.ProxyDeps{Backend: exit, Listener: ln})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("proxy Run: %v", err)
		}
		exit.Wait()
	})

	dctx, dcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer dcancel()
	c, err := socks5e2e.Dial(dctx, ln.Addr().String(), target)
	if err != nil {
		t.Fatalf("dial through the proxy: %v", err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	msg := []byte("through the in-process exit")
	if _, err := c.Write(msg); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil || string(got) != string(msg) {
		t.Fatalf("echo: %q, %v; want %q", got, err, msg)
	}
	if exit.LastID() == 0 {
		t.Error("LastID is 0 after messages were sent")
	}

	_, err = socks5e2e.Dial(dctx, ln.Addr().String(), "blocked.example:80")
	var re *socks5e2e.ReplyError
	if !errors.As(err, &re) {
		t.Fatalf("dial a refused target: %v, want a SOCKS refusal", err)
	}
}

// TestExitRejectsNonStreamsMessage: a message that is not a streams
// message is an error, not a panic, and starts no session.
func TestExitRejectsNonStreamsMessage(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	exit := socks5test.NewExit(ctx, socks5test.ExitConfig{})
	if _, err := exit.SendWithSURBs(ctx, address.Address{}, []byte{1}, 1); err == nil {
		t.Error("a 1-byte message was accepted")
	}
	if exit.LastID() != 0 {
		t.Errorf("LastID = %d after a rejected message, want 0", exit.LastID())
	}
	cancel()
	exit.Wait()
}
