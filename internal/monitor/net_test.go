// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package monitor_test

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/dirapi"
	"github.com/nym-go/nym/internal/dirclient"
	"github.com/nym-go/nym/internal/directory"
	"github.com/nym-go/nym/internal/home"
	"github.com/nym-go/nym/internal/node"
	"github.com/nym-go/nym/internal/topology"
)

// testNet is an in-process network on 127.0.0.1: a directory that trusts
// monitor, perLayer mix nodes in each layer and gateways gateways, each a
// nym-node run from its files.
type testNet struct {
	dirURL string
	// mixKeys[l-1][i] is the base58 Sphinx key of mix i of layer l;
	// gwKeys those of the gateways.
	mixKeys [topology.Layers][]string
	gwKeys  []string
	stop    map[string]func() // by base58 Sphinx key
}

func startNet(t *testing.T, monitor ed25519.PublicKey, perLayer, gateways int) *testNet {
	t.Helper()
	d, err := directory.New(directory.Config{PresenceTTL: time.Minute, MonitorKeys: []ed25519.PublicKey{monitor}},
		directory.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	fetches := &topologyFetches{changed: make(chan struct{})}
	srv := httptest.NewServer(fetches.wrap(d.Handler()))
	t.Cleanup(func() { srv.CloseClientConnections(); srv.Close() })
	n := &testNet{dirURL: srv.URL, stop: map[string]func(){}}
	root := t.TempDir()
	type spec struct {
		id    string
		layer int
	}
	var specs []spec
	for l := 1; l <= topology.Layers; l++ {
		for i := range perLayer {
			id := fmt.Sprintf("mix%d%c", l, 'a'+i)
			initNode(t, node.InitOptions{Home: root, ID: id, Mode: node.ModeMixnode, Host: "127.0.0.1", Layer: l,
				MixPort: freePort(t), Directory: n.dirURL + nodePrefix + id})
			specs = append(specs, spec{id, l})
		}
	}
	for g := range gateways {
		id := fmt.Sprintf("gw%d", g+1)
		initNode(t, node.InitOptions{Home: root, ID: id, Mode: node.ModeEntryGateway, MixHost: "127.0.0.1",
			ClientsHost: "127.0.0.1", ClientsPort: freePort(t), MixPort: freePort(t), Directory: n.dirURL + nodePrefix + id})
		specs = append(specs, spec{id, 0})
	}
	for _, s := range specs {
		key, stop := runNode(t, root, s.id)
		n.stop[key] = stop
		if s.layer == 0 {
			n.gwKeys = append(n.gwKeys, key)
		} else {
			n.mixKeys[s.layer-1] = append(n.mixKeys[s.layer-1], key)
		}
	}
	dc, err := dirclient.New(n.dirURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		dt, err := dc.Topology(context.Background())
		if err == nil && len(dt.MixNodes) == perLayer*topology.Layers && len(dt.GatewayNodes) == gateways {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the directory does not list the whole network: %v", err)
		}
		time.Sleep(50 * time.Millisecond) // polling real nodes over real sockets
	}
	// Every node must have the whole topology before a run: a node
	// checks next hops against its copy and drops packets to nodes it
	// does not know yet.
	ids := make([]string, len(specs))
	for i, s := range specs {
		ids[i] = s.id
	}
	fetches.arm()
	if missing := fetches.wait(ids, 2, time.Until(deadline)); len(missing) > 0 {
		t.Fatalf("nodes %v did not refetch the topology after the directory listed the whole network", missing)
	}
	return n
}

// nodePrefix is put before the directory's paths in each node's directory
// URL, followed by the node's id, so that the test directory knows which
// node asks for the topology.
const nodePrefix = "/node/"

// topologyFetches counts, by node id, the topology requests the directory
// got since arm was called.
type topologyFetches struct {
	mu      sync.Mutex
	armed   bool
	count   map[string]int
	changed chan struct{} // closed and replaced at each counted request
}

// wrap serves h under nodePrefix+id (and at its own paths), counting
// topology requests by id.
func (f *topologyFetches) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rest, ok := strings.CutPrefix(r.URL.Path, nodePrefix); ok {
			id, path, _ := strings.Cut(rest, "/")
			r = r.Clone(r.Context())
			r.URL.Path, r.URL.RawPath = "/"+path, ""
			if r.Method == http.MethodGet && r.URL.Path == dirapi.PathTopology {
				f.record(id)
			}
		}
		h.ServeHTTP(w, r)
	})
}

func (f *topologyFetches) record(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.armed {
		f.count[id]++
		close(f.changed)
		f.changed = make(chan struct{})
	}
}

// arm starts counting.
func (f *topologyFetches) arm() {
	f.mu.Lock()
	f.armed, f.count = true, map[string]int{}
	f.mu.Unlock()
}

// wait returns when every node of ids made n topology requests since arm,
// or after limit with the ids that did not. A node's watcher fetches one
// at a time, so its second request since arm means it has stored the
// answer to the first, which listed every node.
func (f *topologyFetches) wait(ids []string, n int, limit time.Duration) []string {
	timeout := time.NewTimer(limit)
	defer timeout.Stop()
	for {
		f.mu.Lock()
		var missing []string
		for _, id := range ids {
			if f.count[id] < n {
				missing = append(missing, id)
			}
		}
		ch := f.changed
		f.mu.Unlock()
		if len(missing) == 0 {
			return nil
		}
		select {
		case <-ch:
		case <-timeout.C:
			return missing
		}
	}
}

func initNode(t *testing.T, o node.InitOptions) {
	t.Helper()
	if _, err := node.Init(o); err != nil {
		t.Fatal(err)
	}
	d, err := home.For(o.Home, home.Node, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	cfg, _, err := node.Load(d.Config(), true)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Directory.TopologyInterval = 200 * time.Millisecond
	cfg.Directory.PresenceInterval = 500 * time.Millisecond
	text, err := cfg.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(d.Config(), text, 0o600); err != nil {
		t.Fatal(err)
	}
}

// runNode runs a node until the test ends or stop is called; it returns
// the node's base58 Sphinx key.
func runNode(t *testing.T, root, id string) (string, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan node.Addrs, 1)
	done := make(chan error, 1)
	go func() {
		done <- node.Run(ctx, node.RunOptions{Home: root, ID: id, Ready: func(a node.Addrs) { ready <- a }})
	}()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("node %s: %v", id, err)
			}
		case <-time.After(node.ShutdownTimeout + time.Second):
			t.Errorf("node %s did not stop", id)
		}
	}
	t.Cleanup(stop)
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("node %s: %v", id, err)
	case <-time.After(10 * time.Second):
		t.Fatalf("node %s did not get ready", id)
	}
	d, err := home.For(root, home.Node, id)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := node.LoadKeys(d)
	if err != nil {
		t.Fatal(err)
	}
	return keys.SphinxPublic(), stop
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
