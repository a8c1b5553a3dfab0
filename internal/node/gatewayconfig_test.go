// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package node

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/gateway"
)

func gatewayModeConfig() *Config {
	c := mixConfig()
	c.Mode, c.Mixnode = ModeEntryGateway, nil
	c.Gateway = &GatewayConfig{ClientsListen: "127.0.0.1:9000", ClientsAnnounce: "ws://127.0.0.1:9000"}
	return c
}

// TestGatewayLimitKeys reads the gateway's limit keys from a file and
// checks they reach gateway.Config.
func TestGatewayLimitKeys(t *testing.T) {
	c := gatewayModeConfig()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	text, err := c.Encode()
	if err != nil {
		t.Fatal(err)
	}
	keys := "max_registered_clients = 7\nregister_rate_per_minute = 3\nregister_burst = 4\n" +
		"inbox_total_bytes = -1\nreply_quota = 9\nclient_key_retention = \"720h\"\n"
	for _, k := range []string{"max_registered_clients", "register_rate_per_minute", "register_burst",
		"inbox_total_bytes", "reply_quota"} {
		// Drop the encoded zero values; the file sets them below.
		text = []byte(strings.Replace(string(text), k+" = 0\n", "", 1))
	}
	text = []byte(strings.Replace(string(text), "client_key_retention = \"0s\"\n", "", 1))
	text = []byte(strings.Replace(string(text), "[gateway]\n", "[gateway]\n"+keys, 1))
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, text, 0o600); err != nil {
		t.Fatal(err)
	}
	got, _, err := Load(path, true)
	if err != nil {
		t.Fatalf("Load: %v\n%s", err, text)
	}
	want := gateway.Config{MaxRegistered: 7, RegisterRate: 3, RegisterBurst: 4, InboxTotalBytes: -1, ReplyQuota: 9,
		ClientKeyRetention: 30 * 24 * time.Hour}
	if g := gatewayConfig(got.Gateway); g != want {
		t.Fatalf("gatewayConfig = %+v, want %+v", g, want)
	}
}

func TestGatewayLimitKeysNegative(t *testing.T) {
	for key, edit := range map[string]func(*GatewayConfig){
		"max_registered_clients":   func(g *GatewayConfig) { g.MaxRegisteredClients = -1 },
		"register_rate_per_minute": func(g *GatewayConfig) { g.RegisterRatePerMinute = -1 },
		"register_burst":           func(g *GatewayConfig) { g.RegisterBurst = -1 },
	} {
		c := gatewayModeConfig()
		edit(c.Gateway)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "gateway."+key+":") {
			t.Errorf("%s: Validate() = %v, want an error naming it", key, err)
		}
	}
}
