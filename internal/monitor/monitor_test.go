// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package monitor_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"math/rand/v2"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/dirapi"
	"github.com/nym-go/nym/internal/gateway/gwclient"
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
	return newMonitorDial(t, n, file, seed, nil)
}

// newMonitorDial is newMonitor with Deps.Dial set to dial.
func newMonitorDial(t *testing.T, n *testNet, file string, seed uint64, dial monitor.DialFunc) *monitor.Monitor {
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
		Rand: rand.New(rand.NewPCG(seed, 1)), Dial: dial,
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

// failingAcks is a gateway connection whose acknowledgements fail while
// the connection itself stays open.
type failingAcks struct{ monitor.GatewayConn }

func (failingAcks) Ack(context.Context, ...uint64) error {
	return errors.New("ack refused by the test")
}

// When the monitor cannot acknowledge a delivery it must not leave the
// connection open and unread (its gateway would time out and store every
// later delivery, and the monitor would never hear of them): it closes it,
// and the next run dials the gateway again and scores every node 100.
func TestMonitorRedialsWhenAckFails(t *testing.T) {
	leaktest.Check(t)
	if testing.Short() {
		t.Skip("starts a network")
	}
	n := startNet(t, key(1).Public().(ed25519.PublicKey), 1, 1)
	var dials atomic.Int32
	keys := &gwclient.MemKeys{}
	dial := func(ctx context.Context, gw topology.Gateway, id ed25519.PrivateKey) (monitor.GatewayConn, error) {
		c, err := gwclient.Dial(ctx, gw.ClientURL, id, gw.Identity, keys, nil)
		if err != nil {
			return nil, err
		}
		if dials.Add(1) == 1 {
			return failingAcks{c}, nil
		}
		return c, nil
	}
	m := newMonitorDial(t, n, filepath.Join(t.TempDir(), "history.json"), 3, dial)
	defer m.Close()
	ctx := context.Background()
	if res, err := m.RunOnce(ctx); err == nil {
		// The first delivery's ack failed and closed the connection: at
		// most that one packet was counted, so no route validated.
		t.Fatalf("run 1 over a connection whose acks fail succeeded: %+v", res)
	}
	res, err := m.RunOnce(ctx)
	if err != nil {
		t.Fatalf("run 2: %v", err)
	}
	if got := dials.Load(); got != 2 {
		t.Errorf("dialled the gateway %d times, want 2", got)
	}
	if len(res.Nodes) != 4 {
		t.Fatalf("run 2 tested %d nodes: %v", len(res.Nodes), res.Nodes)
	}
	for k, c := range res.Nodes {
		if c.Sent != 5 || c.Received != 5 {
			t.Errorf("run 2: node %s: %+v, want 5/5", k, c)
		}
	}
	if st := res.Stats; st.Sent != 30 || st.Received != 30 || st.SendFailed != 0 {
		t.Errorf("run 2 stats %+v, want 30 sent and received (2 routes × 5 validation, 4 nodes × 5 test)", st)
	}
}
