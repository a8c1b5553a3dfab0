// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package wiretest_test

import (
	"context"
	"errors"
	"net"
	"os"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/clock/clocktest"
	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/wire"
	"github.com/nym-go/nym/internal/wire/wiretest"
)

// bound is how long a test waits for something that must happen promptly;
// reaching it is a failure, not a timing assumption.
const bound = 10 * time.Second

var epoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// newNetwork returns a network on a fake clock that the test closes, and
// checks that no goroutine or connection outlives the test.
func newNetwork(t *testing.T, cfg wiretest.Config) (*wiretest.Network, *clocktest.Fake) {
	t.Helper()
	leaktest.Check(t)
	clk := clocktest.NewFake(epoch)
	if cfg.Clock == nil {
		cfg.Clock = clk
	}
	n := wiretest.NewNetwork(cfg)
	t.Cleanup(func() {
		n.Close()
		if got := n.OpenConns(); got != 0 {
			t.Errorf("%d connection endpoints open after Network.Close", got)
		}
	})
	return n, clk
}

func dial(t *testing.T, d wire.Dialer, address string) net.Conn {
	t.Helper()
	c, err := d.DialContext(context.Background(), address)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func accept(t *testing.T, l net.Listener) net.Conn {
	t.Helper()
	c, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// result runs f in a goroutine and returns a channel with its outcome.
func result[T any](f func() T) <-chan T {
	c := make(chan T, 1)
	go func() { c <- f() }()
	return c
}

func await[T any](t *testing.T, c <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(bound):
		t.Fatalf("%s did not return", what)
		panic("unreachable")
	}
}

type readResult struct {
	data string
	err  error
}

func readAsync(c net.Conn, n int) <-chan readResult {
	return result(func() readResult {
		buf := make([]byte, n)
		k, err := c.Read(buf)
		return readResult{string(buf[:k]), err}
	})
}

// waitBlocked waits until count Read or Write calls are blocked.
func waitBlocked(t *testing.T, n *wiretest.Network, count int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	if err := n.WaitBlocked(ctx, count); err != nil {
		t.Fatal(err)
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() && errors.Is(err, os.ErrDeadlineExceeded)
}
