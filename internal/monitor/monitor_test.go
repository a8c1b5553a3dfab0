// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package monitor_test

import (
	"context"
	"crypto/ed25519"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/dirapi"
	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/monitor"
	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/topology"
)

func key(seed byte) ed25519.PrivateKey {
	s := make([]byte, 32)
	s[0] = seed
	return ed25519.NewKeyFromSeed(s)
}

// newMonitor builds a monitor of the network n keeping its history in
// file.
func newMonitor(t *testing.T, n *testNet, file string, seed uint64) *monitor.Monitor {
	t.Helper()
	dir, err := monitor.NewHTTPDirectory(n.dirURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := monitor.New(monitor.Config{
		DirectoryURL: n.dirURL, PacketsPerNode: 5, RoutePackets: 5, ExtraRoutes: 1,
		WaitTimeout: 3 * time.Second, HopDelay: monitor.NoHopDelay, HistoryFile: file, Publish: true,
	}, monitor.Deps{
		Identity: key(1), ClientSeed: make([]byte, 32), Directory: dir,
		Rand: rand.New(rand.NewPCG(seed, 1)),
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func topo(t *testing.T, n *testNet) *dirapi.Topology {
	t.Helper()
	dir, _ := monitor.NewHTTPDirectory(n.dirURL, nil)
	dt, err := dir.Topology(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return dt
}

// The monitor scores every node 100 on a healthy network; a stopped mix
// scores 0 in the next run while the others stay at 100; the scores
// reach the directory's topology and clients' route choice avoids the
// stopped node; the history survives a restart of the monitor.
func TestMonitorNetwork(t *testing.T) {
	leaktest.Check(t)
	if testing.Short() {
		t.Skip("starts a network")
	}
	n := startNet(t, key(1).Public().(ed25519.PublicKey), 2, 2)
	file := filepath.Join(t.TempDir(), "history.json")
	m := newMonitor(t, n, file, 1)
	defer m.Close()
	ctx := context.Background()

	all := append(append(append([]string(nil), n.mixKeys[0]...), append(n.mixKeys[1], n.mixKeys[2]...)...), n.gwKeys...)
	res, err := m.RunOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Nodes) != len(all) {
		t.Fatalf("run 1 tested %d nodes, want %d: %v", len(res.Nodes), len(all), res.Nodes)
	}
	for _, k := range all {
		if c := res.Nodes[k]; c.Sent != 5 || c.Received != 5 {
			t.Errorf("run 1: node %s: %+v, want 5/5", k, c)
		}
	}
	for _, mx := range topo(t, n).MixNodes {
		if mx.Reliability == nil || *mx.Reliability != 100 {
			t.Errorf("topology: mix %s reliability %v, want 100", mx.PubKey, mx.Reliability)
		}
	}

	dead := n.mixKeys[1][0]
	n.stop[dead]()
	res, err = m.RunOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range all {
		want := uint64(5)
		if k == dead {
			want = 0
		}
		if c := res.Nodes[k]; c.Sent != 5 || c.Received != want {
			t.Errorf("run 2: node %s: %+v, want %d/5", k, c, want)
		}
	}
	for _, nr := range res.Report.Nodes {
		if nr.PubKey == dead && (nr.LastRun != 0 || nr.LastHour != 50 || nr.LastDay != 50) {
			t.Errorf("dead node's report: %+v", nr)
		}
	}
	dt := topo(t, n)
	top, _ := topology.FromDirectory(dt, topology.Options{})
	for _, mx := range top.Layer(2) {
		if k := mx.SphinxKey; mx.Measured && mx.Reliability == 0 {
			r := rand.New(rand.NewPCG(9, 9))
			for range 200 {
				route, err := top.Route(r, top.Gateways()[0])
				if err != nil {
					t.Fatal(err)
				}
				if route[1].PublicKey == sphinx.PublicKey(k) {
					t.Fatal("a client route goes through the node that scored 0")
				}
			}
			goto restart
		}
	}
	t.Fatalf("the directory does not show the stopped node at 0: %+v", dt.MixNodes)

restart:
	// A new monitor on the same history file starts from both runs.
	m.Close()
	m2 := newMonitor(t, n, file, 2)
	defer m2.Close()
	h := m2.History()
	if len(h.Runs) != 2 || h.Runs[1].Nodes[dead].Received != 0 || h.Runs[0].Nodes[dead].Received != 5 {
		t.Fatalf("history after restart: %+v", h)
	}
}
