// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package nativeclient

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const validConfig = `
id = "alice"
[directory]
url = "http://127.0.0.1:8080"
[gateway]
identity = "4vJ9JU1bJJE96FWSJKvHsmmFADCg4gpZQff4P3bkLKi"
[api]
listen = "127.0.0.1:1977"
[traffic]
real_mean = "5ms"
`

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadDefaultsAndRoundTrip(t *testing.T) {
	cfg, unknown, err := Load(writeConfig(t, validConfig), true)
	if err != nil || len(unknown) != 0 {
		t.Fatal(err, unknown)
	}
	want := TrafficConfig{RealMean: 5 * time.Millisecond, LoopMean: DefaultLoopMean, HopDelay: DefaultHopDelay,
		MaxMessage: DefaultMaxMessage, MaxTries: DefaultMaxTries, AckMargin: DefaultAckMargin}
	if cfg.Traffic != want || cfg.Directory.TopologyInterval != DefaultTopologyInterval {
		t.Fatalf("traffic %+v, topology interval %v", cfg.Traffic, cfg.Directory.TopologyInterval)
	}
	text, err := cfg.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(text), `real_mean = "5ms"`) || !strings.Contains(string(text), `topology_interval = "5m0s"`) {
		t.Fatalf("durations are not written as strings:\n%s", text)
	}
	again, _, err := Load(writeConfig(t, string(text)), true)
	if err != nil || *again != *cfg {
		t.Fatalf("round trip: %+v, %v; want %+v", again, err, cfg)
	}
}

func TestLoadUnknownKeys(t *testing.T) {
	p := writeConfig(t, validConfig+"\n[typo]\nlisten = 1\n")
	if _, unknown, err := Load(p, false); err != nil || !strings.Contains(strings.Join(unknown, " "), "typo.listen") {
		t.Fatalf("lenient: %v %v", unknown, err)
	}
	if _, _, err := Load(p, true); err == nil || !strings.Contains(err.Error(), "typo.listen") {
		t.Fatalf("strict: %v", err)
	}
}

func TestValidateErrors(t *testing.T) {
	for _, tt := range []struct {
		name, replace, with, want string
	}{
		{"no id", `id = "alice"`, ``, "id: missing"},
		{"directory scheme", `http://127.0.0.1:8080`, `ftp://x`, "directory.url"},
		{"gateway key", `4vJ9JU1bJJE96FWSJKvHsmmFADCg4gpZQff4P3bkLKi`, `abc`, "gateway.identity"},
		{"public API", `127.0.0.1:1977`, `0.0.0.0:1977`, "loopback"},
		{"API port", `127.0.0.1:1977`, `127.0.0.1:99999`, "api.listen"},
		{"tiny real mean", `"5ms"`, `"1us"`, "traffic.real_mean"},
		{"bad duration", `"5ms"`, `"soon"`, "soon"},
		{"hop delay", `real_mean = "5ms"`, `hop_delay = "1h"`, "traffic.hop_delay"},
		{"max message", `real_mean = "5ms"`, `max_message = -1`, "traffic.max_message"},
		{"drop mean", `real_mean = "5ms"`, `drop_mean = "-1s"`, "traffic.drop_mean"},
		{"max tries", `real_mean = "5ms"`, `max_tries = -2`, "traffic.max_tries"},
		{"topology interval", `[directory]`, "[directory]\ntopology_interval = \"1ms\"", "directory.topology_interval"},
		{"gateway url", `[gateway]`, "[gateway]\nurl = \"http://x:1\"", "gateway.url"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			text := strings.Replace(validConfig, tt.replace, tt.with, 1)
			if text == validConfig {
				t.Fatalf("%q is not in the config", tt.replace)
			}
			if _, _, err := Load(writeConfig(t, text), false); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one naming %q", err, tt.want)
			}
		})
	}
}

// TestHopDelayZero: hop_delay = "0s" in the file means no delay (and
// survives a round trip), an absent key the default, a negative value in
// the file is an error; in Go, NoHopDelay (any negative) means no delay.
func TestHopDelayZero(t *testing.T) {
	withHop := func(v string) string {
		return strings.Replace(validConfig, `real_mean = "5ms"`, `hop_delay = `+v, 1)
	}
	cfg, _, err := Load(writeConfig(t, withHop(`"0s"`)), true)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Traffic.HopDelay != NoHopDelay {
		t.Fatalf(`hop_delay = "0s" loaded as %v, want NoHopDelay`, cfg.Traffic.HopDelay)
	}
	gw, err := cfg.GatewayKey()
	if err != nil {
		t.Fatal(err)
	}
	if d := cfg.clientConfig(gw).HopDelay; d >= 0 {
		t.Fatalf("client core gets HopDelay %v, want a negative value (no delay)", d)
	}
	text, err := cfg.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(text), `hop_delay = "0s"`) {
		t.Fatalf(`NoHopDelay is not written as "0s":`+"\n%s", text)
	}
	again, _, err := Load(writeConfig(t, string(text)), true)
	if err != nil || *again != *cfg {
		t.Fatalf("round trip: %+v, %v; want %+v", again, err, cfg)
	}

	if cfg, _, err := Load(writeConfig(t, validConfig), true); err != nil || cfg.Traffic.HopDelay != DefaultHopDelay {
		t.Fatalf("absent hop_delay: %v, %v; want the default %v", cfg.Traffic.HopDelay, err, DefaultHopDelay)
	}
	if cfg, _, err := Load(writeConfig(t, withHop(`"2ms"`)), true); err != nil || cfg.Traffic.HopDelay != 2*time.Millisecond {
		t.Fatalf(`hop_delay = "2ms": %v, %v`, cfg.Traffic.HopDelay, err)
	}
	if _, _, err := Load(writeConfig(t, withHop(`"-5ms"`)), true); err == nil || !strings.Contains(err.Error(), "traffic.hop_delay") {
		t.Fatalf("negative hop_delay in the file: %v", err)
	}

	for _, tt := range []struct {
		in, want time.Duration
	}{{0, DefaultHopDelay}, {NoHopDelay, NoHopDelay}, {-5 * time.Millisecond, NoHopDelay}, {time.Millisecond, time.Millisecond}} {
		c, _, err := Load(writeConfig(t, validConfig), true)
		if err != nil {
			t.Fatal(err)
		}
		c.Traffic.HopDelay = tt.in
		if err := c.Validate(); err != nil || c.Traffic.HopDelay != tt.want {
			t.Errorf("Validate HopDelay %v: %v, %v; want %v", tt.in, c.Traffic.HopDelay, err, tt.want)
		}
	}
	// An unvalidated zero is the default, not "no delay", in the file too.
	c := &Config{ID: "x"}
	text, err = c.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(text), `hop_delay = "50ms"`) {
		t.Fatalf("a zero HopDelay is not written as the default:\n%s", text)
	}
}
