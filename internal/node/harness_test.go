// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package node

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/directory"
	"github.com/nym-go/nym/internal/home"
	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/wire"
)

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago (the
// mixnet announce address needs a real port in the config).
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// newDirectory serves a real directory (signatures required, bindings in
// memory). wrap, if not nil, wraps its handler so a test can watch or
// change requests.
func newDirectory(t *testing.T, wrap func(http.Handler) http.Handler) *httptest.Server {
	t.Helper()
	d, err := directory.New(directory.Config{}, directory.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	h := d.Handler()
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// runningNode is a node started by startNode.
type runningNode struct {
	Addrs
	Keys *KeySet
	stop func() error
	once sync.Once
	err  error
}

// startNode runs the node initialised under ro.Home with id ro.ID and
// waits until it is ready. Stop (also run at cleanup) cancels it and
// returns what Run returned.
func startNode(t *testing.T, ro RunOptions) *runningNode {
	t.Helper()
	nd, err := home.For(ro.Home, home.Node, ro.ID)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := LoadKeys(nd)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan Addrs, 1)
	done := make(chan error, 1)
	ro.Ready = func(a Addrs) { ready <- a }
	go func() { done <- Run(ctx, ro) }()
	n := &runningNode{Keys: keys}
	n.stop = func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(ShutdownTimeout + time.Second):
			t.Errorf("Run did not stop within the shutdown timeout")
			return nil
		}
	}
	select {
	case n.Addrs = <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("Run: %v", err)
	case <-time.After(10 * time.Second):
		n.Stop()
		t.Fatal("Run did not get ready")
	}
	t.Cleanup(func() { n.Stop() })
	return n
}

// Stop cancels the node and returns Run's error; later calls return the
// same.
func (n *runningNode) Stop() error {
	n.once.Do(func() { n.err = n.stop() })
	return n.err
}

// frameSink listens on 127.0.0.1 as a next hop and reports the first frame
// a node forwards to it.
func frameSink(t *testing.T) (net.Listener, <-chan wire.Frame) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	got := make(chan wire.Frame, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		if f, err := wire.NewReader(c).ReadFrame(make([]byte, sphinx.Regular.PacketSize())); err == nil {
			got <- f
		}
	}()
	return ln, got
}
