// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package node

import (
	"context"
	"crypto/rand"
	"net"
	"sync"
	"testing"

	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/wire"
)

// recordingDialer dials over TCP and records the addresses it was asked
// for.
type recordingDialer struct {
	mu    sync.Mutex
	addrs []string
}

func (d *recordingDialer) DialContext(ctx context.Context, addr string) (net.Conn, error) {
	d.mu.Lock()
	d.addrs = append(d.addrs, addr)
	d.mu.Unlock()
	return wire.TCPDialer{}.DialContext(ctx, addr)
}

func (d *recordingDialer) dialled() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.addrs...)
}

// TestRunDialer: a node run with RunOptions.Dialer connects to its next
// hop through that dialer.
func TestRunDialer(t *testing.T) {
	leaktest.Check(t)
	root := t.TempDir()
	initDebugNode(t, root, false)
	d := &recordingDialer{}
	n := startNode(t, RunOptions{Home: root, ID: "mix1", Dialer: d})
	next, forwarded := frameSink(t)

	nextKey, _ := sphinx.GenerateKey(rand.Reader)
	forwardOne(t, n, next.Addr().String(), nextKey.Public(), forwarded)
	if got := d.dialled(); len(got) != 1 || got[0] != next.Addr().String() {
		t.Fatalf("the dialer was asked for %v, want [%s]", got, next.Addr())
	}
}
