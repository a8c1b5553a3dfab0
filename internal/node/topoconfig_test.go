// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package node

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/base58"
	"github.com/nym-go/nym/internal/clock/clocktest"
	"github.com/nym-go/nym/internal/dirapi"
	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/topology"
)

// TestTopologyKeysLoadStrict checks that [directory] topology_interval and
// require_signed are known keys (strict load), default to 30 s and false,
// and are range-checked.
func TestTopologyKeysLoadStrict(t *testing.T) {
	c := mixConfig()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Directory.TopologyInterval != 30*time.Second || c.Directory.RequireSigned {
		t.Fatalf("defaults: %+v", c.Directory)
	}
	text, err := c.Encode()
	if err != nil {
		t.Fatal(err)
	}
	text = []byte(strings.Replace(string(text), `topology_interval = "30s"`, `topology_interval = "7s"`, 1))
	text = []byte(strings.Replace(string(text), "require_signed = false", "require_signed = true", 1))
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, text, 0o600); err != nil {
		t.Fatal(err)
	}
	got, unknown, err := Load(path, true)
	if err != nil || len(unknown) != 0 {
		t.Fatalf("strict Load: %v, unknown %v\n%s", err, unknown, text)
	}
	if got.Directory.TopologyInterval != 7*time.Second || !got.Directory.RequireSigned {
		t.Fatalf("loaded %+v\n%s", got.Directory, text)
	}

	c = mixConfig()
	c.Directory.TopologyInterval = time.Millisecond
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "directory.topology_interval:") {
		t.Fatalf("Validate() = %v, want an error naming directory.topology_interval", err)
	}
}

// TestTopologyWatcherConfig checks that the [directory] keys reach the
// watcher: the refresh is armed topology_interval after a fetch, and
// require_signed leaves an unsigned entry out.
func TestTopologyWatcherConfig(t *testing.T) {
	leaktest.Check(t)
	k := sphinx.PublicKey{1}
	dir := &dirapi.Topology{MixNodes: []dirapi.MixNodePresence{
		{Host: "10.0.0.1:1789", PubKey: base58.Encode(k[:]), Layer: 1}, // unsigned
	}}
	hop := netip.MustParseAddrPort("10.0.0.1:1789")
	for _, tt := range []struct {
		name   string
		cfg    DirectoryConfig
		listed bool
	}{
		{"defaults", DirectoryConfig{TopologyInterval: DefaultTopologyInterval}, true},
		{"configured", DirectoryConfig{TopologyInterval: 7 * time.Second, RequireSigned: true}, false},
	} {
		clk := clocktest.NewFake(time.Unix(1_700_000_000, 0))
		fetched := make(chan struct{}, 4)
		w, err := newTopologyWatcher(func(context.Context) (*dirapi.Topology, error) {
			fetched <- struct{}{}
			return dir, nil
		}, tt.cfg, clk, nil)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		done := make(chan error, 1)
		go func() { done <- w.Run(ctx) }()
		<-fetched
		if err := clk.WaitForTimers(ctx, 1); err != nil { // armed after the result is stored
			t.Fatal(err)
		}
		if d := clk.Deadlines(); len(d) != 1 || !d[0].Equal(clk.Now().Add(tt.cfg.TopologyInterval)) {
			t.Errorf("%s: next fetch at %v, want +%v", tt.name, d, tt.cfg.TopologyInterval)
		}
		cur := w.Current()
		if listed := cur != nil && cur.AllowsAddrPort(topology.GatewayLayer, hop); listed != tt.listed {
			t.Errorf("%s: unsigned layer-1 entry listed = %v, want %v", tt.name, listed, tt.listed)
		}
		cancel()
		<-done
	}
}
