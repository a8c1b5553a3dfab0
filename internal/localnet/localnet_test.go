// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package localnet

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/clientapi"
	"github.com/nym-go/nym/internal/dirclient"
	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/logtest"
)

// started is a network started by startNet.
type started struct {
	net    *Net
	info   Info
	cancel context.CancelFunc
	done   chan error
	logs   *logtest.Buffer
}

// startNet runs a network from cfg and waits (up to 60 s) until it is
// ready. The network is stopped at cleanup if the test has not stopped it.
func startNet(t *testing.T, cfg Config, stderr *logtest.Buffer) *started {
	t.Helper()
	log, logs := logtest.New()
	ready := make(chan Info, 1)
	deps := Deps{Logger: log, Ready: func(i Info) { ready <- i }}
	if stderr != nil {
		deps.Stderr = stderr
	}
	n, err := New(cfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &started{net: n, cancel: cancel, done: make(chan error, 1), logs: logs}
	go func() { s.done <- n.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-s.done:
		case <-time.After(2 * ShutdownTimeout):
			t.Error("Run did not return at cleanup")
		}
	})
	select {
	case s.info = <-ready:
	case err := <-s.done:
		s.done <- err
		t.Fatalf("Run before ready: %v\nlogs:\n%s", err, logs.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("not ready within 60 s; logs:\n%s", logs.String())
	}
	return s
}

// loadSlack is added to time bounds that tests check: they catch hangs,
// not slowness, since this machine is shared and -race is slow. Run itself
// enforces ShutdownTimeout (children are killed at its deadline); the
// stopping time is measured by BenchmarkReady.
const loadSlack = 5 * time.Second

// stop cancels the network and returns Run's result and how long it took.
func (s *started) stop(t *testing.T) (error, time.Duration) {
	t.Helper()
	begin := time.Now()
	s.cancel()
	select {
	case err := <-s.done:
		s.done <- err // for the cleanup
		return err, time.Since(begin)
	case <-time.After(2 * ShutdownTimeout):
		t.Fatal("Run did not return within twice the shutdown timeout")
		return nil, 0
	}
}

// checkTopology checks that the directory lists every node of info with
// its keys, address and layer, and that every node's HTTP API answers.
func checkTopology(t *testing.T, info Info) {
	t.Helper()
	hc := &http.Client{Timeout: 5 * time.Second}
	defer hc.CloseIdleConnections()
	dc, err := dirclient.New(info.Directory, hc)
	if err != nil {
		t.Fatal(err)
	}
	topo, err := dc.Topology(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	mixes, gateways := map[string]string{}, map[string]string{}
	for _, m := range topo.MixNodes {
		mixes[m.PubKey] = m.Host + " " + string(rune('0'+m.Layer)) + " " + m.IdentityKey
	}
	for _, g := range topo.GatewayNodes {
		gateways[g.PubKey] = g.MixnetListener + " " + g.ClientListener + " " + g.IdentityKey
	}
	for _, n := range info.Nodes {
		switch n.Role {
		case "mixnode":
			if want := n.MixnetAddress + " " + string(rune('0'+n.Layer)) + " " + n.Identity; mixes[n.SphinxKey] != want {
				t.Errorf("mix %s: topology has %q, want %q", n.ID, mixes[n.SphinxKey], want)
			}
		case "entry-gateway", "exit-gateway":
			if (n.Role == "exit-gateway") != (n.ID == "gateway-1") || (n.Provider != "") != (n.ID == "gateway-1") {
				t.Errorf("gateway %s: role %s, provider %q; want gateway-1 alone as the exit", n.ID, n.Role, n.Provider)
			}
			if want := n.MixnetAddress + " " + n.ClientsURL + " " + n.Identity; gateways[n.SphinxKey] != want {
				t.Errorf("gateway %s: topology has %q, want %q", n.ID, gateways[n.SphinxKey], want)
			}
		default:
			t.Errorf("node %s has role %q", n.ID, n.Role)
		}
		if err := healthy(context.Background(), hc, n.HTTPAddress); err != nil {
			t.Errorf("node %s HTTP API: %v", n.ID, err)
		}
	}
	if len(mixes) != 6 || len(gateways) != 2 {
		t.Errorf("topology has %d mixes and %d gateways, want 6 and 2", len(mixes), len(gateways))
	}
}

// checkInfoFile checks that dir/localnet.json holds info with every
// documented key.
func checkInfoFile(t *testing.T, dir string, info Info) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, InfoFile))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("%s: %v\n%s", InfoFile, err, raw)
	}
	var clients []map[string]any
	if err := json.Unmarshal(doc["clients"], &clients); err != nil || len(clients) != len(info.Clients) {
		t.Fatalf("clients: %v (%d entries, want %d)", err, len(clients), len(info.Clients))
	}
	for _, c := range clients {
		for _, k := range []string{"id", "address", "apiPort"} {
			if _, ok := c[k]; !ok {
				t.Errorf("client %v lacks key %q", c["id"], k)
			}
		}
	}
	for _, k := range []string{"directory", "dashboard", "nodes", "clients"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("%s lacks key %q", InfoFile, k)
		}
	}
	var nodes []map[string]any
	if err := json.Unmarshal(doc["nodes"], &nodes); err != nil || len(nodes) != len(info.Nodes) {
		t.Fatalf("nodes: %v (%d entries, want %d)", err, len(nodes), len(info.Nodes))
	}
	for _, n := range nodes {
		for _, k := range []string{"id", "role", "layer", "mixnetAddress", "httpAddress", "identity", "sphinxKey"} {
			if _, ok := n[k]; !ok {
				t.Errorf("node %v lacks key %q", n["id"], k)
			}
		}
		if _, ok := n["clientsURL"]; ok != (n["role"] != "mixnode") {
			t.Errorf("node %v: clientsURL present=%v for role %v", n["id"], ok, n["role"])
		}
	}
	got, err := ReadInfo(dir)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(got)
	b, _ := json.Marshal(info)
	if string(a) != string(b) {
		t.Errorf("%s differs from the Ready info:\n%s\n%s", InfoFile, a, b)
	}
	if info.Dashboard != info.Directory+"/" || !strings.HasPrefix(info.Directory, "http://127.0.0.1:") {
		t.Errorf("directory %q, dashboard %q", info.Directory, info.Dashboard)
	}
}

// checkClients checks that every client's API answers with its address at
// its gateway, and that a message from the first client reaches the
// second intact.
func checkClients(t *testing.T, info Info) {
	t.Helper()
	if len(info.Clients) != 2 {
		t.Fatalf("%d clients, want 2", len(info.Clients))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	identity := map[string]string{}
	for _, n := range info.Nodes {
		identity[n.ID] = n.Identity
	}
	conns := make([]*clientapi.Conn, len(info.Clients))
	for i, c := range info.Clients {
		if want := "gateway-" + strconv.Itoa(i+1); c.Gateway != want {
			t.Errorf("client %s at %s, want %s", c.ID, c.Gateway, want)
		}
		if !strings.HasSuffix(c.Address, "@"+identity[c.Gateway]) {
			t.Errorf("client %s address %s is not at its gateway %s", c.ID, c.Address, identity[c.Gateway])
		}
		conn, err := clientapi.Dial(ctx, c.APIURL())
		if err != nil {
			t.Fatalf("client %s API: %v", c.ID, err)
		}
		defer conn.Close()
		if got, err := conn.SelfAddress(ctx); err != nil || got != c.Address {
			t.Fatalf("client %s selfAddress = %s, %v; want %s", c.ID, got, err, c.Address)
		}
		conns[i] = conn
	}
	msg := trafficMessage(1, 1, 5000)
	begin := time.Now()
	if err := conns[0].Send(ctx, info.Clients[1].Address, msg, false); err != nil {
		t.Fatal(err)
	}
	got, err := conns[1].Receive(ctx)
	if err != nil || !bytes.Equal(got.Message, msg) {
		t.Fatalf("client-2 received %d bytes, %v; want the %d sent", len(got.Message), err, len(msg))
	}
	t.Logf("a 5000-byte message from client-1 reached client-2 in %v", time.Since(begin).Round(time.Millisecond))
}

func TestInProcess(t *testing.T) {
	leaktest.Check(t)
	dir := filepath.Join(t.TempDir(), "net")
	begin := time.Now()
	s := startNet(t, Config{Dir: dir}, nil)
	t.Logf("in-process network ready after %v (Run measured %d ms)", time.Since(begin).Round(time.Millisecond), s.info.ReadyMillis)
	if s.info.Dir != dir || s.info.Exec {
		t.Errorf("info: dir %q exec %v", s.info.Dir, s.info.Exec)
	}
	if len(s.info.Nodes) != 8 {
		t.Fatalf("%d nodes, want 8", len(s.info.Nodes))
	}
	checkTopology(t, s.info)
	checkInfoFile(t, dir, s.info)
	checkClients(t, s.info)
	checkExit(t, s.info)

	err, took := s.stop(t)
	if err != nil {
		t.Fatalf("Run after cancel: %v\nlogs:\n%s", err, s.logs.String())
	}
	if took > ShutdownTimeout+loadSlack {
		t.Errorf("stopping took %v, more than %v", took, ShutdownTimeout+loadSlack)
	}
	t.Logf("stopped in %v", took.Round(time.Millisecond))
	if _, err := os.Stat(filepath.Join(dir, InfoFile)); err != nil {
		t.Errorf("a given dir is kept: %v", err)
	}
}

func TestDirReuse(t *testing.T) {
	leaktest.Check(t)
	dir := t.TempDir()
	s := startNet(t, Config{Dir: dir, Clients: -1, MixesPerLayer: 1, Gateways: 1}, nil)
	first := s.info.Nodes[0].Identity
	if err, _ := s.stop(t); err != nil {
		t.Fatal(err)
	}
	// A second run over the same dir is refused without Force.
	n, err := New(Config{Dir: dir, Clients: -1}, Deps{})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("Run over an existing network without Force: %v", err)
	}
	// With Force it starts afresh, with new keys.
	s = startNet(t, Config{Dir: dir, Clients: -1, MixesPerLayer: 1, Gateways: 1, Force: true}, nil)
	if s.info.Nodes[0].Identity == first {
		t.Error("Force kept the old keys")
	}
	if err, _ := s.stop(t); err != nil {
		t.Fatal(err)
	}
}

func TestTempDirRemoved(t *testing.T) {
	leaktest.Check(t)
	s := startNet(t, Config{Clients: -1, MixesPerLayer: 1, Gateways: 1}, nil)
	if _, err := os.Stat(filepath.Join(s.info.Dir, InfoFile)); err != nil {
		t.Fatal(err)
	}
	if err, _ := s.stop(t); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(s.info.Dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("temporary dir still there: %v", err)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"layers", Config{Layers: 2}, "layers"},
		{"mixes", Config{MixesPerLayer: -1}, "mixes per layer"},
		{"too many mixes", Config{MixesPerLayer: MaxMixesPerLayer + 1}, "mixes per layer"},
		{"gateways", Config{Gateways: -2}, "gateways"},
		{"clients", Config{Clients: MaxClients + 1}, "clients"},
		{"traffic without clients", Config{Traffic: true, Clients: -1}, "traffic needs"},
		{"listen", Config{DirectoryListen: "nonsense"}, "directory listen"},
		{"log level", Config{LogLevel: "loud"}, "log level"},
		{"hop delay", Config{HopDelay: time.Hour}, "hop delay"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.cfg, Deps{}); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New: %v, want an error about %q", err, tt.want)
			}
		})
	}
	n, err := New(Config{}, Deps{})
	if err != nil {
		t.Fatal(err)
	}
	c := n.cfg
	if c.Layers != 3 || c.MixesPerLayer != 2 || c.Gateways != 2 || c.Clients != 2 || c.HopDelay != DefaultHopDelay ||
		c.DirectoryListen != DefaultDirectoryListen || c.ReadyTimeout != DefaultReadyTimeout {
		t.Fatalf("defaults: %+v", c)
	}
}

// checkExit checks that gateway-1's HTTP API names the provider address of
// localnet.json and that its allow list admits loopback only.
func checkExit(t *testing.T, info Info) {
	t.Helper()
	gw := info.Nodes[len(info.Nodes)-2]
	if gw.ID != "gateway-1" || gw.Provider == "" {
		t.Fatalf("no exit gateway-1 in %+v", gw)
	}
	resp, err := http.Get("http://" + gw.HTTPAddress + "/api/v1/network-requester")
	if err != nil {
		t.Fatal(err)
	}
	var body struct{ Address string }
	err = json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if err != nil || body.Address != gw.Provider {
		t.Fatalf("network-requester API says %q (%v), localnet.json %q", body.Address, err, gw.Provider)
	}
	list, err := os.ReadFile(filepath.Join(info.Dir, "nym-nodes", "gateway-1", "data", "allowed.list"))
	if err != nil || !strings.Contains(string(list), "\n127.0.0.0/8\n::1\nlocalhost\n") {
		t.Fatalf("exit allow list %q, %v", list, err)
	}
}
