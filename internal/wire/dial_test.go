// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package wire_test

import (
	"context"
	"io"
	"math"
	"net"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/wire"
)

func TestBackoff(t *testing.T) {
	ms := time.Millisecond
	for _, tt := range []struct {
		b        wire.Backoff
		failures int
		want     time.Duration
	}{
		{wire.DefaultBackoff, 0, 0},
		{wire.DefaultBackoff, -3, 0},
		{wire.DefaultBackoff, 1, 100 * ms},
		{wire.DefaultBackoff, 2, 200 * ms},
		{wire.DefaultBackoff, 5, 1600 * ms},
		{wire.DefaultBackoff, 6, 3200 * ms},
		{wire.DefaultBackoff, 7, 5 * time.Second},
		{wire.DefaultBackoff, 10, 5 * time.Second},
		{wire.DefaultBackoff, math.MaxInt, 5 * time.Second},
		{wire.Backoff{Initial: time.Second, Max: math.MaxInt64}, 200, math.MaxInt64},
		{wire.Backoff{Initial: time.Second}, 5, time.Second}, // no Max: constant
		{wire.Backoff{Initial: time.Second, Max: 3 * time.Second}, 3, 3 * time.Second},
		{wire.Backoff{}, 4, 0},
	} {
		if got := tt.b.Delay(tt.failures); got != tt.want {
			t.Errorf("%+v.Delay(%d) = %v, want %v", tt.b, tt.failures, got, tt.want)
		}
	}
}

// TestTCPDialer checks the real Dialer against a loopback listener.
func TestTCPDialer(t *testing.T) {
	leaktest.Check(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			_, err = io.Copy(c, c) // echo until the client closes
			c.Close()
		}
		accepted <- err
	}()

	var d wire.Dialer = wire.TCPDialer{}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := d.DialContext(ctx, ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("ping"))
	got := make([]byte, 4)
	if _, err := io.ReadFull(c, got); err != nil || string(got) != "ping" {
		t.Fatalf("echo: %q, %v", got, err)
	}
	c.Close()
	if err := <-accepted; err != nil {
		t.Fatal(err)
	}

	ln.Close()
	if _, err := d.DialContext(ctx, ln.Addr().String()); err == nil {
		t.Fatal("dial to a closed listener succeeded")
	}
}
