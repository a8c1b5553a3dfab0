// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package node

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/address"
	"github.com/nym-go/nym/internal/home"
	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/logtest"
	"github.com/nym-go/nym/internal/nodehttp"
)

func TestInitExitGateway(t *testing.T) {
	root := t.TempDir()
	o := initOpts(root)
	o.ID, o.Mode, o.Layer, o.Host = "exit1", ModeExitGateway, 0, ""
	o.MixHost, o.ClientsHost, o.ClientsPort = "127.0.0.1", "127.0.0.1", 9000
	cfg, err := Init(o)
	if err != nil {
		t.Fatal(err)
	}
	nr := cfg.NetworkRequester
	if nr == nil || nr.AllowList != "data/allowed.list" || nr.OpenProxy || nr.RealMean != DefaultRequesterRealMean {
		t.Fatalf("network_requester section %+v", nr)
	}
	dir, _ := home.For(root, home.Node, "exit1")
	for _, f := range []string{RequesterIdentityFile, RequesterEncryptionFile, RequesterAckKeyFile} {
		fi, err := os.Stat(dir.Keys(f))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("key %s: %v", f, err)
		}
	}
	list, err := os.ReadFile(dir.Data(DefaultAllowList))
	if err != nil || !strings.HasPrefix(string(list), "# Allow list") {
		t.Fatalf("allow list %q, %v", list, err)
	}
	for _, line := range strings.Split(string(list), "\n") {
		if line != "" && !strings.HasPrefix(line, "#") {
			t.Fatalf("the default allow list has a rule: %q", line)
		}
	}
	loaded, _, err := Load(dir.Config(), true)
	if err != nil || *loaded.NetworkRequester != *nr {
		t.Fatalf("reloaded %+v, %v", loaded.NetworkRequester, err)
	}
	k1, err := loadRequesterKeys(dir)
	if err != nil {
		t.Fatal(err)
	}
	// --force keeps the requester's keys and a list the operator edited.
	if err := os.WriteFile(dir.Data(DefaultAllowList), []byte("example.com\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	o.Force, o.OpenProxy = true, true
	cfg, err = Init(o)
	if err != nil || !cfg.NetworkRequester.OpenProxy {
		t.Fatalf("init --force --open-proxy: %+v, %v", cfg.NetworkRequester, err)
	}
	k2, _ := loadRequesterKeys(dir)
	if !k1.identity.Equal(k2.identity) || k1.encryption != k2.encryption || k1.ack != k2.ack {
		t.Fatal("--force replaced the requester's keys")
	}
	if b, _ := os.ReadFile(dir.Data(DefaultAllowList)); string(b) != "example.com\n" {
		t.Fatalf("--force replaced the allow list: %q", b)
	}

	o.Mode, o.ID = ModeEntryGateway, "entry"
	if _, err := Init(o); err == nil || !strings.Contains(err.Error(), "--open-proxy") {
		t.Fatalf("--open-proxy on an entry gateway: %v", err)
	}
	bad := *cfg
	bad.Mode = ModeEntryGateway
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "network_requester") {
		t.Fatalf("entry gateway with a network_requester section: %v", err)
	}
	bad = *cfg
	bad.NetworkRequester = nil
	if err := bad.Validate(); err == nil {
		t.Fatal("exit gateway without network_requester validates")
	}
}

// TestRunExitGateway: the exit gateway prints its network requester's
// address, writes it to data/provider-address and serves it on the HTTP
// API; the requester's client connects to the gateway.
func TestRunExitGateway(t *testing.T) {
	leaktest.Check(t)
	root := t.TempDir()
	o := initOpts(root)
	o.ID, o.Mode, o.Layer, o.Host = "exit1", ModeExitGateway, 0, ""
	o.MixHost, o.ClientsHost, o.ClientsPort = "127.0.0.1", "127.0.0.1", freePort(t)
	dir := newDirectory(t, nil)
	o.MixPort, o.HTTPPort, o.Directory = freePort(t), 0, dir.URL
	if _, err := Init(o); err != nil {
		t.Fatal(err)
	}
	var stdout logtest.Buffer
	n := startNode(t, RunOptions{Home: root, ID: "exit1", Stdout: &stdout})
	prov, err := address.Parse(n.Addrs.Provider)
	if err != nil {
		t.Fatalf("provider address %q: %v", n.Addrs.Provider, err)
	}
	if !bytes.Equal(prov.Gateway[:], n.Keys.Identity.Public().(ed25519.PublicKey)) {
		t.Fatalf("provider %v is not at this gateway", prov)
	}
	if !strings.Contains(stdout.String(), "network requester:      "+n.Addrs.Provider) {
		t.Fatalf("banner lacks the provider address:\n%s", stdout.String())
	}
	nd, _ := home.For(root, home.Node, "exit1")
	if b, err := os.ReadFile(nd.Data(ProviderAddressFile)); err != nil || strings.TrimSpace(string(b)) != n.Addrs.Provider {
		t.Fatalf("provider-address file %q, %v", b, err)
	}
	base := "http://" + n.Addrs.HTTP.String()
	resp, err := http.Get(base + "/api/v1/network-requester")
	if err != nil {
		t.Fatal(err)
	}
	var body struct{ Address string }
	err = json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if err != nil || body.Address != n.Addrs.Provider {
		t.Fatalf("GET network-requester: %+v, %v", body, err)
	}
	resp, err = http.Get(base + nodehttp.PathRoles)
	if err != nil {
		t.Fatal(err)
	}
	var roles nodehttp.Roles
	err = json.NewDecoder(resp.Body).Decode(&roles)
	resp.Body.Close()
	if err != nil || !roles.GatewayEnabled || !roles.NetworkRequesterEnabled || roles.MixnodeEnabled {
		t.Fatalf("roles %+v, %v", roles, err)
	}
	// The requester's client registers and stays connected.
	for deadline := time.Now().Add(10 * time.Second); ; {
		resp, err := http.Get(base + nodehttp.PathGateway)
		if err != nil {
			t.Fatal(err)
		}
		var st nodehttp.GatewayStats
		err = json.NewDecoder(resp.Body).Decode(&st)
		resp.Body.Close()
		if err == nil && st.ConnectedClients == 1 && st.RegisteredClients == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the requester's client is not connected: %+v, %v", st, err)
		}
		time.Sleep(20 * time.Millisecond) // polling a real server
	}
	resp, err = http.Get(base + "/api/v1/network-requester/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(metrics), "nym_netreq_sessions_active 0") {
		t.Fatalf("metrics:\n%s", metrics)
	}
	if err := n.Stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
}
