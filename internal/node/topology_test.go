// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package node

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/base58"
	"github.com/nym-go/nym/internal/clock/clocktest"
	"github.com/nym-go/nym/internal/dirapi"
	"github.com/nym-go/nym/internal/dirclient"
	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/logtest"
	"github.com/nym-go/nym/internal/nodehttp"
	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/topology"
	"github.com/nym-go/nym/internal/wire"
)

// announceMix posts a signed presence of a mix node at host to the
// directory at url.
func announceMix(t *testing.T, url, host string, key sphinx.PublicKey, layer uint64) {
	t.Helper()
	_, id, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	dc, err := dirclient.New(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := &dirapi.MixNodePresence{Host: host, PubKey: base58.Encode(key[:]), Layer: layer, Version: Version, Location: "test"}
	dirapi.Sign(p, id, time.Now())
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := dc.Announce(ctx, p); err != nil {
		t.Fatal(err)
	}
}

func TestAllowNextHopPolicy(t *testing.T) {
	leaktest.Check(t)
	clk := clocktest.NewFake(time.Unix(1_700_000_000, 0))
	k3, k1 := sphinx.PublicKey{3}, sphinx.PublicKey{1}
	dir := &dirapi.Topology{
		MixNodes: []dirapi.MixNodePresence{
			{Host: "10.0.0.3:1789", PubKey: base58.Encode(k3[:]), Layer: 3},
			{Host: "10.0.0.1:1789", PubKey: base58.Encode(k1[:]), Layer: 1},
		},
	}
	fetches := make(chan struct{}, 10)
	w, err := topology.New(topology.Config{}, topology.Deps{Clock: clk, Fetch: func(context.Context) (*dirapi.Topology, error) {
		fetches <- struct{}{}
		return dir, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	var logs logtest.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	allow := allowNextHop(w, 2, log)
	layer3, layer1 := netip.MustParseAddrPort("10.0.0.3:1789"), netip.MustParseAddrPort("10.0.0.1:1789")
	unknown := netip.MustParseAddrPort("10.0.0.9:1789")

	// No topology yet: fail open, logged once.
	if !allow(unknown) || !allow(layer3) {
		t.Fatal("refused before the first topology")
	}
	if n := logs.Count("no topology from the directory yet"); n != 1 {
		t.Fatalf("logged %d times:\n%s", n, logs.String())
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	defer func() { cancel(); <-done }()
	<-fetches
	wctx, wcancel := context.WithTimeout(ctx, 5*time.Second)
	defer wcancel()
	if err := clk.WaitForTimers(wctx, 1); err != nil {
		t.Fatal(err)
	}
	start := clk.Now()
	if !allow(layer3) {
		t.Fatal("listed layer-3 hop refused")
	}
	if allow(layer1) || allow(unknown) {
		t.Fatal("unlisted next hop allowed")
	}
	// The refusal kicked an early refresh, MinKickInterval after the last.
	want := start.Add(topology.DefaultMinKickInterval)
	for end := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		if d := clk.Deadlines(); len(d) == 1 && d[0].Equal(want) {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("deadlines %v, want %v", clk.Deadlines(), want)
		}
	}
	clk.Advance(topology.DefaultMinKickInterval)
	<-fetches

	// A gateway forwards into layer 1.
	gw := allowNextHop(w, topology.GatewayLayer, log)
	if !gw(layer1) || gw(layer3) {
		t.Fatal("gateway next-hop check")
	}
}

// TestNextHopsFollowTopology runs a layer-2 mix node whose directory lists
// one layer-3 node: a packet to it is forwarded, one to an unlisted
// address is dropped as bad_next_hop.
func TestNextHopsFollowTopology(t *testing.T) {
	leaktest.Check(t)
	dir := newDirectory(t, nil)

	next, forwarded := frameSink(t)
	nextKey, _ := sphinx.GenerateKey(rand.Reader)
	announceMix(t, dir.URL, next.Addr().String(), nextKey.Public(), 3)

	root := t.TempDir()
	o := initOpts(root)
	o.MixPort, o.HTTPPort, o.Directory = freePort(t), 0, dir.URL
	if _, err := Init(o); err != nil {
		t.Fatal(err)
	}
	n := startNode(t, RunOptions{Home: root, ID: "mix1"})
	keys, addrs := n.Keys, n.Addrs

	c, err := net.Dial("tcp", addrs.MixnetListen.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	wr := wire.NewWriter(c)
	send := func(hop string) {
		t.Helper()
		addrOf := func(s string) sphinx.NodeAddress {
			a, err := sphinx.NodeAddressFromAddrPort(netip.MustParseAddrPort(s))
			if err != nil {
				t.Fatal(err)
			}
			return a
		}
		route := []sphinx.Hop{
			{Address: addrOf(addrs.MixnetAnnounce), PublicKey: keys.Sphinx.Public()},
			{Address: addrOf(hop), PublicKey: nextKey.Public()},
		}
		pkt, err := sphinx.NewPacket(rand.Reader, route, sphinx.Destination{1}, sphinx.Identifier{}, sphinx.Regular, []byte("hi"))
		if err != nil {
			t.Fatal(err)
		}
		if err := wr.WriteFrame(sphinx.Regular, pkt); err != nil {
			t.Fatal(err)
		}
		if err := wr.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	dropped := func() uint64 {
		t.Helper()
		resp, err := http.Get("http://" + addrs.HTTP.String() + nodehttp.PathStats)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var st nodehttp.StatsResponse
		if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
			t.Fatal(err)
		}
		return st.SinceStart.Dropped["bad_next_hop"]
	}

	send(next.Addr().String())
	select {
	case <-forwarded:
	case <-time.After(10 * time.Second):
		t.Fatal("the packet to the listed next hop was not forwarded")
	}
	// Until the node's first fetch is stored it fails open, so each try
	// uses a new unlisted port; normally the first one is refused.
	for end := time.Now().Add(10 * time.Second); dropped() == 0; {
		if time.Now().After(end) {
			t.Fatal("no packet dropped as bad_next_hop")
		}
		send(netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(freePort(t))).String())
		time.Sleep(20 * time.Millisecond) // polling the node's stats over real sockets
	}

	http.DefaultClient.CloseIdleConnections()
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}
}
