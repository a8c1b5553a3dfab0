// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package localnet

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/home"
	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/node"
)

func TestRetryTakenPortBounded(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	taken := fmt.Errorf("mixnet listener: %w", &net.OpError{Op: "listen", Net: "tcp", Err: os.NewSyscallError("bind", syscall.EADDRINUSE)})
	starts, repicks := 0, 0
	_, err := retryTakenPort(log, "node x", func() (func(), error) { starts++; return nil, taken }, func() error { repicks++; return nil })
	if err == nil || !errors.Is(err, syscall.EADDRINUSE) || starts != maxStartAttempts || repicks != maxStartAttempts-1 {
		t.Fatalf("always taken: %v after %d starts, %d repicks", err, starts, repicks)
	}

	starts, repicks = 0, 0
	other := errors.New("bad config")
	if _, err := retryTakenPort(log, "node x", func() (func(), error) { starts++; return nil, other }, func() error { repicks++; return nil }); err != other || starts != 1 || repicks != 0 {
		t.Fatalf("another error: %v after %d starts, %d repicks", err, starts, repicks)
	}

	starts, repicks = 0, 0
	stop, err := retryTakenPort(log, "node x", func() (func(), error) {
		if starts++; starts == 1 {
			return nil, taken
		}
		return func() {}, nil
	}, func() error { repicks++; return nil })
	if err != nil || stop == nil || starts != 2 || repicks != 1 {
		t.Fatalf("taken once: %v after %d starts, %d repicks", err, starts, repicks)
	}
}

// TestStartNodeOnTakenPort: a node whose planned mixnet port another
// program took before it started is started on fresh ports, with its
// config and info rewritten, and the network does not fail.
func TestStartNodeOnTakenPort(t *testing.T) {
	leaktest.Check(t)
	root := t.TempDir()
	n, err := New(Config{}, Deps{})
	if err != nil {
		t.Fatal(err)
	}
	ports, err := freePorts(3)
	if err != nil {
		t.Fatal(err)
	}
	s := &nodeSpec{mode: node.ModeMixnode, layer: 1, mixPort: ports[0], httpPort: ports[1], clientPort: ports[2]}
	s.info.ID = "mix-1-1"
	// No directory answers there: the node runs without announcing.
	dirURL := "http://" + closedAddr(t)
	if err := initNode(root, dirURL, s, rand.Reader, false); err != nil {
		t.Fatal(err)
	}
	squatter, err := net.Listen("tcp", net.JoinHostPort(Host, strconv.Itoa(s.mixPort)))
	if err != nil {
		t.Fatalf("occupy the planned port: %v", err)
	}
	defer squatter.Close()
	keyBefore := s.info.SphinxKey

	sup := newSupervisor(context.Background())
	defer sup.Stop(ShutdownTimeout)
	stop, err := n.startNodeFirst(sup, root, dirURL, binaries{}, s)
	if err != nil {
		t.Fatalf("start on a taken port: %v", err)
	}
	defer stop()
	if s.mixPort == ports[0] || !strings.HasSuffix(s.info.MixnetAddress, ":"+strconv.Itoa(s.mixPort)) {
		t.Fatalf("the node kept the taken port: port %d, announced %s", s.mixPort, s.info.MixnetAddress)
	}
	if s.info.SphinxKey != keyBefore {
		t.Fatal("the restart changed the node's keys")
	}
	dir, err := home.For(root, home.Node, s.info.ID)
	if err != nil {
		t.Fatal(err)
	}
	cfg, _, err := node.Load(dir.Config(), true)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Mixnet.Announce != s.info.MixnetAddress || cfg.HTTP.Listen != s.info.HTTPAddress || !cfg.Debug.FaultInjection {
		t.Fatalf("config not rewritten: mixnet %s, http %s, fault injection %v; info %+v", cfg.Mixnet.Announce, cfg.HTTP.Listen, cfg.Debug.FaultInjection, s.info)
	}
	hc := &http.Client{Timeout: 2 * time.Second}
	defer hc.CloseIdleConnections()
	if err := healthy(context.Background(), hc, s.info.HTTPAddress); err != nil {
		t.Fatalf("the node on its fresh ports: %v", err)
	}
	c, err := net.DialTimeout("tcp", s.info.MixnetAddress, 2*time.Second)
	if err != nil {
		t.Fatalf("the node's fresh mixnet port: %v", err)
	}
	c.Close()
	if err := sup.ctx.Err(); err != nil {
		t.Fatalf("the network failed: %v", context.Cause(sup.ctx))
	}
}

// closedAddr returns a 127.0.0.1 address nothing listens on (a moment ago).
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
