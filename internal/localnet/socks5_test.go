// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package localnet

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/home"
	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/logtest"
	"github.com/nym-go/nym/internal/socks5client"
)

// socksGreeting checks that a SOCKS5 server answers at addr: it offers
// the no-authentication method and expects it chosen.
func socksGreeting(t *testing.T, addr string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("SOCKS5 port: %v", err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := conn.Write([]byte{5, 1, 0}); err != nil {
		t.Fatal(err)
	}
	var reply [2]byte
	if _, err := io.ReadFull(conn, reply[:]); err != nil || reply != [2]byte{5, 0} {
		t.Fatalf("SOCKS5 greeting: reply %x, %v; want 0500", reply, err)
	}
}

// checkSOCKS5 checks the proxy in info and localnet.json: its provider is
// gateway-1's requester, its client is registered at the last gateway,
// its config is in socks5-clients/, and its port speaks SOCKS5.
func checkSOCKS5(t *testing.T, info Info) {
	t.Helper()
	s := info.SOCKS5
	if s == nil {
		t.Fatal("Info.SOCKS5 is nil")
	}
	var exit, last NodeInfo
	for _, n := range info.Nodes {
		if n.ID == "gateway-1" {
			exit = n
		}
		if n.Role != "mixnode" {
			last = n
		}
	}
	if s.ID != SOCKS5ID || s.Provider == "" || s.Provider != exit.Provider || s.Gateway != last.ID || s.Port == 0 {
		t.Errorf("SOCKS5 %+v; want id %s, provider %s, gateway %s, a port", *s, SOCKS5ID, exit.Provider, last.ID)
	}
	if !strings.HasSuffix(s.Address, "@"+last.Identity) {
		t.Errorf("SOCKS5 address %s is not at gateway %s", s.Address, last.Identity)
	}
	raw, err := os.ReadFile(filepath.Join(info.Dir, InfoFile))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		SOCKS5 map[string]any `json:"socks5"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.SOCKS5["port"] != float64(s.Port) || doc.SOCKS5["provider"] != s.Provider || doc.SOCKS5["id"] != SOCKS5ID {
		t.Errorf("%s socks5 = %v; want port %d, provider, id", InfoFile, doc.SOCKS5, s.Port)
	}
	dir, err := home.For(info.Dir, home.Socks5Client, SOCKS5ID)
	if err != nil {
		t.Fatal(err)
	}
	cfg, _, err := socks5client.Load(dir.Config(), true)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Socks5.Provider != s.Provider || !strings.HasSuffix(cfg.Client.API.Listen, ":"+strconv.Itoa(s.Port)) {
		t.Errorf("config: provider %s, listen %s", cfg.Socks5.Provider, cfg.Client.API.Listen)
	}
	socksGreeting(t, s.Addr())
}

// TestSOCKS5 runs an in-process network with its proxy, checks it, stops
// the exit with StopNode (the network keeps running) and checks
// StopNode's refusals.
func TestSOCKS5(t *testing.T) {
	leaktest.Check(t)
	var stdout logtest.Buffer
	log, logs := logtest.New()
	ready := make(chan Info, 1)
	n, err := New(Config{Clients: -1, NoMonitor: true, SOCKS5IdleTimeout: 7 * time.Second},
		Deps{Stdout: &stdout, Logger: log, Ready: func(i Info) { ready <- i }})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.StopNode("gateway-1"); err == nil {
		t.Error("StopNode before Run succeeded")
	}
	s := &started{net: n, done: make(chan error, 1), logs: logs}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s.cancel = cancel
	go func() { s.done <- n.Run(ctx) }()
	select {
	case s.info = <-ready:
	case err := <-s.done:
		t.Fatalf("Run before ready: %v\n%s", err, logs.String())
	case <-time.After(60 * time.Second):
		cancel()
		t.Fatalf("not ready within 60 s\n%s", logs.String())
	}
	t.Logf("ready in %d ms", s.info.ReadyMillis)
	checkSOCKS5(t, s.info)
	want := "socks5: " + s.info.SOCKS5.Addr() + " (curl --socks5-hostname " + s.info.SOCKS5.Addr() + " URL)"
	if !strings.Contains(stdout.String(), want) {
		t.Errorf("table lacks %q:\n%s", want, stdout.String())
	}
	dir, _ := home.For(s.info.Dir, home.Socks5Client, SOCKS5ID)
	if cfg, _, err := socks5client.Load(dir.Config(), true); err != nil || cfg.Socks5.IdleTimeout != 7*time.Second {
		t.Errorf("config idle_timeout: %v, %v; want 7s", cfg.Socks5.IdleTimeout, err)
	}

	if err := n.StopNode("nope"); err == nil || !strings.Contains(err.Error(), "no node") {
		t.Errorf("StopNode(nope) = %v", err)
	}
	if err := n.StopNode("gateway-1"); err != nil {
		t.Fatal(err)
	}
	if err := n.StopNode("gateway-1"); err == nil || !strings.Contains(err.Error(), "stopped already") {
		t.Errorf("second StopNode(gateway-1) = %v", err)
	}
	hc := &http.Client{Timeout: 5 * time.Second}
	defer hc.CloseIdleConnections()
	if err := healthy(ctx, hc, s.info.Nodes[0].HTTPAddress); err != nil {
		t.Errorf("mix node after StopNode(gateway-1): %v", err)
	}
	select {
	case err := <-s.done:
		t.Fatalf("Run returned after StopNode: %v", err)
	case <-time.After(500 * time.Millisecond):
	}
	socksGreeting(t, s.info.SOCKS5.Addr()) // the proxy's own gateway is gateway-2
	if err, _ := s.stop(t); err != nil {
		t.Errorf("Run: %v", err)
	}
	if err := n.StopNode("gateway-2"); err == nil {
		t.Error("StopNode after Run succeeded")
	}
}

// TestNoSOCKS5: with NoSOCKS5 there is no proxy, no socks5 key in
// localnet.json and no table line.
func TestNoSOCKS5(t *testing.T) {
	leaktest.Check(t)
	dir := filepath.Join(t.TempDir(), "net")
	s := startNet(t, Config{Dir: dir, Clients: -1, NoMonitor: true, NoSOCKS5: true}, nil)
	if s.info.SOCKS5 != nil {
		t.Errorf("Info.SOCKS5 = %+v with NoSOCKS5", *s.info.SOCKS5)
	}
	raw, err := os.ReadFile(filepath.Join(dir, InfoFile))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte(`"socks5"`)) {
		t.Errorf("%s has socks5 with NoSOCKS5:\n%s", InfoFile, raw)
	}
	if _, err := os.Stat(filepath.Join(dir, string(home.Socks5Client))); !os.IsNotExist(err) {
		t.Errorf("socks5-clients/ exists with NoSOCKS5: %v", err)
	}
	if err, _ := s.stop(t); err != nil {
		t.Errorf("Run: %v", err)
	}
}

// TestSOCKS5Exec runs the proxy as a nym-socks5-client process.
func TestSOCKS5Exec(t *testing.T) {
	bin := buildBinaries(t, "nym-node", "nym-socks5-client")
	leaktest.Check(t)
	var stderr logtest.Buffer
	s := startNet(t, Config{Exec: true, BinDir: bin, Clients: -1, NoMonitor: true}, &stderr)
	checkSOCKS5(t, s.info)
	if !strings.Contains(stderr.String(), "["+SOCKS5ID+"] ") {
		t.Errorf("no output of the %s process:\n%s", SOCKS5ID, stderr.String())
	}
	if err, _ := s.stop(t); err != nil {
		t.Errorf("Run: %v", err)
	}
}

func TestSOCKS5ConfigErrors(t *testing.T) {
	if _, err := New(Config{SOCKS5IdleTimeout: -time.Second}, Deps{}); err == nil || !strings.Contains(err.Error(), "socks5 idle timeout") {
		t.Errorf("New with a negative SOCKS5IdleTimeout: %v", err)
	}
}
