// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package node

import (
	"context"
	"crypto/rand"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

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
	addrOf := func(s string) sphinx.NodeAddress {
		a, err := sphinx.NodeAddressFromAddrPort(netip.MustParseAddrPort(s))
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	route := []sphinx.Hop{
		{Address: addrOf(n.MixnetAnnounce), PublicKey: n.Keys.Sphinx.Public()},
		{Address: addrOf(next.Addr().String()), PublicKey: nextKey.Public()},
	}
	pkt, err := sphinx.NewPacket(rand.Reader, route, sphinx.Destination{1}, sphinx.Identifier{}, sphinx.Regular, []byte("hello"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", n.MixnetListen.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	w := wire.NewWriter(c)
	if err := w.WriteFrame(sphinx.Regular, pkt); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-forwarded:
	case <-time.After(10 * time.Second):
		t.Fatal("the packet was not forwarded")
	}
	if got := d.dialled(); len(got) != 1 || got[0] != next.Addr().String() {
		t.Fatalf("the dialer was asked for %v, want [%s]", got, next.Addr())
	}
}
