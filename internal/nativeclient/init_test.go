// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package nativeclient_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/address"
	"github.com/nym-go/nym/internal/home"
	"github.com/nym-go/nym/internal/nativeclient"
	"github.com/nym-go/nym/internal/nativeclient/nettest"
)

// testTraffic is fast traffic with short mixing delays for tests.
var testTraffic = nativeclient.TrafficConfig{
	RealMean: 2 * time.Millisecond, LoopMean: 50 * time.Millisecond,
	HopDelay: time.Millisecond, AckMargin: 500 * time.Millisecond,
}

func initClient(t *testing.T, root, id string, net *nettest.Network, gw string, force bool) (*nativeclient.Config, address.Address, string) {
	t.Helper()
	var out bytes.Buffer
	cfg, addr, err := nativeclient.Init(context.Background(), nativeclient.InitOptions{
		Home: root, ID: id, Gateway: gw, Directory: net.DirectoryURL, Force: force,
		Traffic: testTraffic, Stdout: &out,
	})
	if err != nil {
		t.Fatalf("nativeclient.Init %s: %v", id, err)
	}
	return cfg, addr, out.String()
}

func TestInit(t *testing.T) {
	root := t.TempDir()
	net := nettest.Start(t, root, 2)
	cfg, addr, out := initClient(t, root, "alice", net, "", false)
	if !strings.Contains(out, "address: "+addr.String()) {
		t.Fatalf("nativeclient.Init did not print the address %s:\n%s", addr, out)
	}
	if cfg.Gateway.Identity != net.Gateways[0] && cfg.Gateway.Identity != net.Gateways[1] {
		t.Fatalf("gateway %s is not one of %v", cfg.Gateway.Identity, net.Gateways)
	}
	dir, _ := home.For(root, home.Client, "alice")
	// The registration left a shared key for the gateway, private.
	gk, _ := cfg.GatewayKey()
	if _, ok, err := nativeclient.NewGatewayKeys(dir.Data(nativeclient.GatewayKeysDir)).LoadKey(gk); !ok || err != nil {
		t.Fatalf("no shared key stored for the gateway: %v", err)
	}
	for _, p := range []string{dir.Keys(nativeclient.IdentityKeyFile), dir.Keys(nativeclient.EncryptionKeyFile), dir.Keys(nativeclient.AckKeyFile), dir.Data(nativeclient.GatewayKeysDir + "/" + cfg.Gateway.Identity)} {
		st, err := os.Stat(p)
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v, want mode 0600", p, st.Mode(), err)
		}
	}
	if st, err := os.Stat(filepath.Dir(dir.Keys("x"))); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("keys/: %v %v", st.Mode(), err)
	}
	if _, err := os.Stat(dir.Data(nativeclient.TopologyCacheFile)); err != nil {
		t.Errorf("no topology cache after init: %v", err)
	}
	if got, err := nativeclient.Address(nativeclient.AddressOptions{Home: root, ID: "alice"}); err != nil || got != addr {
		t.Fatalf("nativeclient.Address = %v, %v; want %v", got, err, addr)
	}
	loaded, _, err := nativeclient.Load(dir.Config(), true)
	if err != nil {
		t.Fatal(err)
	}
	if loaded.Traffic != cfg.Traffic || loaded.Traffic.RealMean != testTraffic.RealMean || loaded.Traffic.MaxTries != nativeclient.DefaultMaxTries {
		t.Fatalf("config traffic %+v, nativeclient.Init returned %+v", loaded.Traffic, cfg.Traffic)
	}

	// A second init refuses; --force keeps the keys, so the address only
	// changes with the gateway.
	_, _, err = nativeclient.Init(context.Background(), nativeclient.InitOptions{Home: root, ID: "alice", Directory: net.DirectoryURL})
	if !errors.Is(err, nativeclient.ErrExists) || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("second nativeclient.Init: %v", err)
	}
	_, again, out := initClient(t, root, "alice", net, cfg.Gateway.Identity, true)
	if again != addr || !strings.Contains(out, "Kept the existing keys") || !strings.Contains(out, "authenticated") {
		t.Fatalf("nativeclient.Init --force: %v (was %v)\n%s", again, addr, out)
	}
	other := net.Gateways[0]
	if other == cfg.Gateway.Identity {
		other = net.Gateways[1]
	}
	_, moved, out := initClient(t, root, "alice", net, other, true)
	if moved.Identity != addr.Identity || moved.Encryption != addr.Encryption || moved.String() == addr.String() ||
		!strings.Contains(out, "registered") {
		t.Fatalf("nativeclient.Init --force with another gateway: %v (was %v)\n%s", moved, addr, out)
	}

	// Bad input: an unknown gateway, an unreachable directory, a bad id.
	if _, _, err := nativeclient.Init(context.Background(), nativeclient.InitOptions{Home: root, ID: "bob", Directory: net.DirectoryURL,
		Gateway: "11111111111111111111111111111111"}); err == nil || !strings.Contains(err.Error(), "not in the directory") {
		t.Errorf("unknown gateway: %v", err)
	}
	if _, _, err := nativeclient.Init(context.Background(), nativeclient.InitOptions{Home: root, ID: "bob", Directory: "http://127.0.0.1:1"}); err == nil {
		t.Error("nativeclient.Init with no directory succeeded")
	}
	if _, _, err := nativeclient.Init(context.Background(), nativeclient.InitOptions{Home: root, ID: "../x", Directory: net.DirectoryURL}); !errors.Is(err, home.ErrBadID) {
		t.Errorf("bad id: %v", err)
	}
	bob, _ := home.For(root, home.Client, "bob")
	if bob.Exists() {
		t.Error("failed inits left a config")
	}
}
