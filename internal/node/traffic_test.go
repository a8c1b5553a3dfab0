// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package node

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/dirapi"
	"github.com/nym-go/nym/internal/directory"
	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/nodehttp"
	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/wire"
)

// TestTrafficIsCounted sends one packet through a running node to a next
// hop and checks that the HTTP stats and the directory's metric reports
// count it.
func TestTrafficIsCounted(t *testing.T) {
	leaktest.Check(t)
	dirSrv, err := directory.New(directory.Config{}, directory.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	metrics := make(chan dirapi.MixMetric, 100)
	dir := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == dirapi.PathMetricsMixes && r.Method == http.MethodPost {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			var m dirapi.MixMetric
			if json.Unmarshal(body, &m) == nil {
				select {
				case metrics <- m:
				default:
				}
			}
		}
		dirSrv.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(dir.Close)

	next, forwarded := frameSink(t)

	// The node (layer 2) forwards only to hops the topology lists in layer 3.
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
	forwardOne(t, n, next.Addr().String(), nextKey.Public(), forwarded)

	hop := next.Addr().String()
	timeout := time.After(10 * time.Second)
	for got := (dirapi.MixMetric{}); got.Received == 0 || got.Sent[hop] == 0; {
		select {
		case m := <-metrics:
			if m.PubKey != keys.SphinxPublic() {
				t.Fatalf("metric for %q", m.PubKey)
			}
			got.Received += m.Received
			if got.Sent == nil {
				got.Sent = map[string]uint64{}
			}
			got.Sent[hop] += m.Sent[hop]
			if got.Received > 1 || got.Sent[hop] > 1 {
				t.Fatalf("deltas add up to more than one packet: %+v", got)
			}
		case <-timeout:
			t.Fatal("no metric report counted the packet")
		}
	}

	resp, err := http.Get("http://" + addrs.HTTP.String() + nodehttp.PathStats)
	if err != nil {
		t.Fatal(err)
	}
	var st nodehttp.StatsResponse
	err = json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if st.SinceStart.Received != 1 || st.SinceStart.Sent[hop] != 1 {
		t.Fatalf("stats since start: %+v", st.SinceStart)
	}
	http.DefaultClient.CloseIdleConnections()
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}
}

// forwardOne sends one packet into the running node n, routed on to the
// next hop at addr (with Sphinx key nextKey), and waits until forwarded
// yields it.
func forwardOne(t *testing.T, n *runningNode, addr string, nextKey sphinx.PublicKey, forwarded <-chan wire.Frame) {
	t.Helper()
	addrOf := func(s string) sphinx.NodeAddress {
		a, err := sphinx.NodeAddressFromAddrPort(netip.MustParseAddrPort(s))
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	route := []sphinx.Hop{
		{Address: addrOf(n.MixnetAnnounce), PublicKey: n.Keys.Sphinx.Public()},
		{Address: addrOf(addr), PublicKey: nextKey},
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
}
