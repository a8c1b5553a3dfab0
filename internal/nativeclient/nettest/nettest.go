// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package nettest runs a small real mixnet on 127.0.0.1 for tests of the
// native client and its command: an in-process directory, one mix node per
// layer and one or more gateways, each a nym-node run from its files in a
// temporary $NYM_HOME.
package nettest

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/base58"
	"github.com/nym-go/nym/internal/dirclient"
	"github.com/nym-go/nym/internal/directory"
	"github.com/nym-go/nym/internal/home"
	"github.com/nym-go/nym/internal/node"
	"github.com/nym-go/nym/internal/nodehttp"
	"github.com/nym-go/nym/internal/topology"
)

// TopologyInterval is the nodes' topology refresh in the test network, so
// that a node picks up the others within a fraction of a second.
const TopologyInterval = 200 * time.Millisecond

// Network is a running test network.
type Network struct {
	// DirectoryURL is the directory's base URL.
	DirectoryURL string
	// Gateways are the gateways' base58 identity keys.
	Gateways []string
	// GatewayHTTP are the gateways' HTTP API addresses (host:port).
	GatewayHTTP []string

	dir     *httptest.Server
	dirOnce sync.Once
}

// Start runs a directory, one mix node per layer and gateways gateways
// under root, waits until the directory lists all of them, and stops
// everything when the test ends.
func Start(t testing.TB, root string, gateways int) *Network {
	t.Helper()
	d, err := directory.New(directory.Config{}, directory.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	n := &Network{dir: httptest.NewServer(d.Handler())}
	n.DirectoryURL = n.dir.URL
	t.Cleanup(n.StopDirectory)
	var nodes []node.InitOptions
	for l := 1; l <= topology.Layers; l++ {
		nodes = append(nodes, node.InitOptions{
			Home: root, ID: "mix" + string(rune('0'+l)), Mode: node.ModeMixnode, Host: "127.0.0.1", Layer: l,
			MixPort: freePort(t), Directory: n.DirectoryURL,
		})
	}
	for g := range gateways {
		nodes = append(nodes, node.InitOptions{
			Home: root, ID: "gw" + string(rune('1'+g)), Mode: node.ModeEntryGateway, MixHost: "127.0.0.1",
			ClientsHost: "127.0.0.1", ClientsPort: freePort(t), MixPort: freePort(t), Directory: n.DirectoryURL,
		})
	}
	for _, o := range nodes {
		initNode(t, o)
	}
	for _, o := range nodes {
		id := o.ID
		keys, addrs := startNode(t, o)
		if id[:2] == "gw" {
			n.Gateways = append(n.Gateways, base58.Encode(keys.Identity.Public().(ed25519.PublicKey)))
			n.GatewayHTTP = append(n.GatewayHTTP, addrs.HTTP.String())
		}
	}
	dc, err := dirclient.New(n.DirectoryURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(15 * time.Second); ; {
		dt, err := dc.Topology(context.Background())
		if err == nil {
			top, _ := topology.FromDirectory(dt, topology.Options{RequireSigned: true})
			if len(top.Layer(1)) == 1 && len(top.Layer(2)) == 1 && len(top.Layer(3)) == 1 && len(top.Gateways()) == gateways {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the directory does not list the whole network: %v", err)
		}
		time.Sleep(50 * time.Millisecond) // polling a real directory over real sockets
	}
	// Let every node see the full topology before clients send.
	time.Sleep(2 * TopologyInterval)
	return n
}

// StopDirectory stops the directory (the nodes keep running).
func (n *Network) StopDirectory() {
	n.dirOnce.Do(func() {
		n.dir.CloseClientConnections()
		n.dir.Close()
		http.DefaultClient.CloseIdleConnections()
	})
}

func initNode(t testing.TB, o node.InitOptions) {
	t.Helper()
	if _, err := node.Init(o); err != nil {
		t.Fatal(err)
	}
	path := configPath(t, o.Home, o.ID)
	cfg, _, err := node.Load(path, true)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Directory.TopologyInterval = TopologyInterval
	cfg.Directory.PresenceInterval = 500 * time.Millisecond
	text, err := cfg.Encode()
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, text)
}

// maxStarts bounds the starts of a node whose port was taken.
const maxStarts = 4

// startNode runs the node initialised with o. Its ports were free when
// picked, but another process may take one before the node binds it: a
// node that fails with "address already in use" is initialised again on
// fresh ports (same keys) and started again, up to maxStarts times.
func startNode(t testing.TB, o node.InitOptions) (*node.KeySet, node.Addrs) {
	t.Helper()
	for attempt := 1; ; attempt++ {
		keys, addrs, err := runNode(t, o.Home, o.ID)
		if err == nil {
			return keys, addrs
		}
		if !errors.Is(err, syscall.EADDRINUSE) || attempt == maxStarts {
			t.Fatalf("node %s (start %d): %v", o.ID, attempt, err)
		}
		t.Logf("node %s: a port was taken (%v); starting again on fresh ports", o.ID, err)
		o.MixPort, o.Force = freePort(t), true
		if o.ClientsPort != 0 {
			o.ClientsPort = freePort(t)
		}
		initNode(t, o)
	}
}

// runNode runs node id until the test ends. An error is what stopped the
// node before it was ready.
func runNode(t testing.TB, home, id string) (*node.KeySet, node.Addrs, error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan node.Addrs, 1)
	done := make(chan error, 1)
	go func() {
		done <- node.Run(ctx, node.RunOptions{Home: home, ID: id, Ready: func(a node.Addrs) { ready <- a }})
	}()
	var addrs node.Addrs
	select {
	case addrs = <-ready:
	case err := <-done:
		cancel()
		if err == nil {
			err = errors.New("stopped before it was ready")
		}
		return nil, node.Addrs{}, err
	case <-time.After(10 * time.Second):
		cancel()
		select {
		case <-done:
		case <-time.After(node.ShutdownTimeout + time.Second):
		}
		t.Fatalf("node %s did not get ready", id)
	}
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("node %s: %v", id, err)
			}
		case <-time.After(node.ShutdownTimeout + time.Second):
			t.Errorf("node %s did not stop", id)
		}
	})
	keys, err := node.LoadKeys(nodeDir(t, home, id))
	if err != nil {
		t.Fatal(err)
	}
	return keys, addrs, nil
}

// GatewayStats returns the statistics of gateway i from its HTTP API.
func (n *Network) GatewayStats(t testing.TB, i int) nodehttp.GatewayStats {
	t.Helper()
	resp, err := http.Get("http://" + n.GatewayHTTP[i] + nodehttp.PathGateway)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st nodehttp.GatewayStats
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return st
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
// Another process may take it before the caller binds it; a caller that
// can should listen on 127.0.0.1:0 itself and keep the listener, or retry
// on "address already in use" (as Start does for its nodes).
func FreePort(t testing.TB) int { return freePort(t) }

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func nodeDir(t testing.TB, root, id string) home.Dir {
	t.Helper()
	d, err := home.For(root, home.Node, id)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func configPath(t testing.TB, root, id string) string { return nodeDir(t, root, id).Config() }

func writeFile(t testing.TB, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
