// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package node

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/mixnode"
)

func mixConfig() *Config {
	return &Config{
		ID:        "mix1",
		Mode:      ModeMixnode,
		Mixnet:    MixnetConfig{Listen: "127.0.0.1:1789", Announce: "127.0.0.1:1789"},
		HTTP:      HTTPConfig{Listen: "127.0.0.1:8000"},
		Directory: DirectoryConfig{URL: "http://127.0.0.1:8080"},
		Mixnode:   &MixnodeConfig{Layer: 2},
	}
}

func TestValidateFillsDefaults(t *testing.T) {
	c := mixConfig()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Mixnet.MaxDelay != DefaultMaxDelay || c.Directory.PresenceInterval != DefaultPresenceInterval ||
		c.Directory.MetricsInterval != DefaultMetricsInterval {
		t.Fatalf("defaults not filled: %+v %+v", c.Mixnet, c.Directory)
	}
}

func TestValidateErrors(t *testing.T) {
	tests := []struct {
		field string
		edit  func(*Config)
	}{
		{"id", func(c *Config) { c.ID = "" }},
		{"mode", func(c *Config) { c.Mode = "router" }},
		{"mixnode", func(c *Config) { c.Mixnode = nil }},
		{"mixnode.layer", func(c *Config) { c.Mixnode.Layer = 4 }},
		{"gateway", func(c *Config) { c.Gateway = &GatewayConfig{} }},
		{"mixnet.listen", func(c *Config) { c.Mixnet.Listen = "1789" }},
		{"mixnet.announce", func(c *Config) { c.Mixnet.Announce = "example.com:1789" }},
		{"mixnet.announce", func(c *Config) { c.Mixnet.Announce = "127.0.0.1:0" }},
		{"mixnet.max_delay", func(c *Config) { c.Mixnet.MaxDelay = -time.Second }},
		{"mixnet.max_delay", func(c *Config) { c.Mixnet.MaxDelay = time.Hour }},
		{"mixnet.max_delay", func(c *Config) { c.Mixnet.MaxDelay = time.Hour }},
		{"http.listen", func(c *Config) { c.HTTP.Listen = "" }},
		{"directory.url", func(c *Config) { c.Directory.URL = "ftp://x" }},
		{"directory.presence_interval", func(c *Config) { c.Directory.PresenceInterval = time.Millisecond }},
		{"gateway.clients_announce", func(c *Config) {
			c.Mode, c.Mixnode = ModeEntryGateway, nil
			c.Gateway = &GatewayConfig{ClientsListen: "127.0.0.1:9000", ClientsAnnounce: "127.0.0.1:9000"}
		}},
	}
	for _, tt := range tests {
		c := mixConfig()
		tt.edit(c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tt.field+":") {
			t.Errorf("%s: Validate() = %v, want an error naming it", tt.field, err)
		}
	}
}

func TestLoadRoundTripAndUnknownKeys(t *testing.T) {
	c := mixConfig()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	text, err := c.Encode()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "config.toml")
	os.WriteFile(path, text, 0o600)
	got, unknown, err := Load(path, true)
	if err != nil {
		t.Fatalf("Load: %v\n%s", err, text)
	}
	if len(unknown) != 0 || got.Mixnode.Layer != 2 || got.Mixnet.MaxDelay != DefaultMaxDelay {
		t.Fatalf("Load = %+v, unknown %v", got, unknown)
	}

	os.WriteFile(path, append(text, []byte("\n[mixnet2]\nspeed = 3\n")...), 0o600)
	if _, unknown, err = Load(path, false); err != nil || len(unknown) != 2 {
		t.Fatalf("lenient Load: unknown=%v err=%v", unknown, err)
	}
	if _, _, err = Load(path, true); err == nil || !strings.Contains(err.Error(), "mixnet2.speed") {
		t.Fatalf("strict Load error = %v, want one naming mixnet2.speed", err)
	}
	os.WriteFile(path, []byte("id = 5\n"), 0o600)
	if _, _, err = Load(path, false); err == nil {
		t.Fatal("Load accepted a wrongly typed id")
	}
}

func TestAnnounceAddress(t *testing.T) {
	for _, bad := range []string{"0.0.0.0:1789", "[::]:1789", "[fe80::1%eth0]:1789", "[fe80::1]:1789",
		"224.0.0.1:1789", "169.254.1.1:1789", "localhost:1789", "127.0.0.1:0", "127.0.0.1"} {
		c := mixConfig()
		c.Mixnet.Announce = bad
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "mixnet.announce:") {
			t.Errorf("announce %q: Validate() = %v, want a mixnet.announce error", bad, err)
		}
	}
	for _, good := range []string{"127.0.0.1:1789", "203.0.113.7:1789", "[2001:db8::1]:1789", "10.0.0.5:1"} {
		c := mixConfig()
		c.Mixnet.Announce = good
		if err := c.Validate(); err != nil {
			t.Errorf("announce %q: %v", good, err)
		}
	}
}

func TestNextHopPolicy(t *testing.T) {
	for announce, want := range map[string]mixnode.NextHopPolicy{
		"127.0.0.1:1789":     mixnode.NextHopsPrivate,
		"10.1.2.3:1789":      mixnode.NextHopsPrivate,
		"192.168.1.2:1789":   mixnode.NextHopsPrivate,
		"[fd00::1]:1789":     mixnode.NextHopsPrivate,
		"203.0.113.7:1789":   mixnode.NextHopsPublic,
		"[2001:db8::1]:1789": mixnode.NextHopsPublic,
	} {
		c := mixConfig()
		c.Mixnet.Announce = announce
		if got := c.NextHopPolicy(); got != want {
			t.Errorf("NextHopPolicy(%s) = %v, want %v", announce, got, want)
		}
	}
}
