// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package monitor

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/nym-go/nym/internal/tomlfile"
)

// Defaults for Config fields left zero.
const (
	DefaultInterval       = 60 * time.Second
	DefaultPacketsPerNode = 10
	DefaultRoutePackets   = 10
	DefaultExtraRoutes    = 2
	DefaultWaitTimeout    = 20 * time.Second
	DefaultHopDelay       = 50 * time.Millisecond
	DefaultGoodThreshold  = 50.0
	DefaultDialTimeout    = 10 * time.Second
	// DefaultSendGap is the mean gap between test packets: a client's
	// real-traffic stream sends one every 20 ms on average.
	DefaultSendGap = 20 * time.Millisecond
	// DefaultSendFraction is the largest share of Interval a run spends
	// sending test packets.
	DefaultSendFraction = 0.5
	// NoSendGap as Config.SendGap sends each phase's packets in one burst.
	NoSendGap time.Duration = -1
	// GoodRouteFraction is the share of a candidate route's validation
	// packets that must arrive for its nodes to count as known-good.
	GoodRouteFraction = 0.9
	// NoHopDelay as Config.HopDelay means no mixing delay.
	NoHopDelay time.Duration = -1
)

// Config is the monitor's settings; the [monitor] table of its TOML file.
// The zero value of every field means its default.
type Config struct {
	// DirectoryURL is the directory's base URL (required).
	DirectoryURL string `toml:"directory"`
	// Interval is the time from the start of one run to the next (60 s).
	Interval time.Duration `toml:"interval"`
	// PacketsPerNode is how many test packets go through each node per run (10).
	PacketsPerNode int `toml:"packets_per_node"`
	// RoutePackets is how many packets validate each candidate route (10).
	RoutePackets int `toml:"route_packets"`
	// ExtraRoutes is how many random candidate routes are validated
	// besides those that cover every preferred node once (2).
	ExtraRoutes int `toml:"extra_routes"`
	// WaitTimeout is how long a phase waits after its last send (20 s).
	WaitTimeout time.Duration `toml:"wait_timeout"`
	// HopDelay is the mean per-hop mixing delay of test packets (50 ms,
	// as clients use); NoHopDelay (any negative value; "-1ns" in the file)
	// means none.
	HopDelay time.Duration `toml:"hop_delay"`
	// SendGap is the mean of the exponential gaps between a run's test
	// packets (20 ms); it shrinks so that sending takes at most
	// SendFraction of the Interval. NoSendGap (any negative value; "-1ns"
	// in the file) sends each phase in one burst.
	SendGap time.Duration `toml:"send_gap"`
	// SendFraction is the largest share of Interval a run spends sending,
	// both phases together (0.5); 0 < SendFraction ≤ 1.
	SendFraction float64 `toml:"send_fraction"`
	// GoodThreshold is the last-run percentage at which a node is a
	// candidate for known-good routes (50).
	GoodThreshold float64 `toml:"good_threshold"`
	// HistoryFile is where the run history is kept (required by New;
	// the command sets data/history.json).
	HistoryFile string `toml:"history_file"`
	// Publish posts each run's results to the directory (the command
	// sets it; tests may leave it off).
	Publish bool `toml:"publish"`
	// AllowUnsigned also tests nodes whose directory record is unsigned.
	AllowUnsigned bool `toml:"allow_unsigned"`
}

type fileConfig struct {
	Monitor Config `toml:"monitor"`
}

// WithDefaults returns c with zero fields set to their defaults, or an
// error naming each invalid field.
func (c Config) WithDefaults() (Config, error) {
	if c.Interval == 0 {
		c.Interval = DefaultInterval
	}
	if c.PacketsPerNode == 0 {
		c.PacketsPerNode = DefaultPacketsPerNode
	}
	if c.RoutePackets == 0 {
		c.RoutePackets = DefaultRoutePackets
	}
	if c.ExtraRoutes == 0 {
		c.ExtraRoutes = DefaultExtraRoutes
	}
	if c.WaitTimeout == 0 {
		c.WaitTimeout = DefaultWaitTimeout
	}
	if c.HopDelay == 0 {
		c.HopDelay = DefaultHopDelay
	}
	if c.GoodThreshold == 0 {
		c.GoodThreshold = DefaultGoodThreshold
	}
	if c.SendGap == 0 {
		c.SendGap = DefaultSendGap
	}
	if c.SendFraction == 0 {
		c.SendFraction = DefaultSendFraction
	}
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf("monitor config: "+format, args...)) }
	if c.DirectoryURL == "" {
		bad("directory: required")
	} else if !strings.HasPrefix(c.DirectoryURL, "http://") && !strings.HasPrefix(c.DirectoryURL, "https://") {
		bad("directory: %q is not an http(s) URL", c.DirectoryURL)
	}
	if c.Interval < 0 || c.WaitTimeout < 0 {
		bad("interval and wait_timeout must be positive")
	}
	if c.PacketsPerNode < 0 || c.PacketsPerNode > 1000 || c.RoutePackets < 0 || c.RoutePackets > 1000 {
		bad("packets_per_node and route_packets must be 1..1000")
	}
	if c.ExtraRoutes < 0 || c.ExtraRoutes > 100 {
		bad("extra_routes must be 0..100")
	}
	if c.GoodThreshold < 0 || c.GoodThreshold > 100 {
		bad("good_threshold must be 0..100")
	}
	if !(c.SendFraction > 0 && c.SendFraction <= 1) { // also NaN
		bad("send_fraction must be in (0, 1]")
	}
	if c.HistoryFile == "" {
		bad("history_file: required")
	}
	return c, errors.Join(errs...)
}

// LoadConfig reads a config file. Unknown keys are an error.
func LoadConfig(path string) (Config, error) {
	var f fileConfig
	if _, err := tomlfile.Decode(path, &f, true); err != nil {
		return Config{}, fmt.Errorf("monitor %w", err)
	}
	return f.Monitor, nil
}

// Encode returns c as the TOML text of a config file.
func (c Config) Encode() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("# nym-network-monitor configuration (docs/protocol/monitor.md)\n")
	if err := toml.NewEncoder(&b).Encode(fileConfig{Monitor: c}); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// WriteConfig writes c to path (mode 0600, directory 0700).
func WriteConfig(path string, c Config) error {
	b, err := c.Encode()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dirOf(path), 0o700); err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}

func dirOf(p string) string {
	if i := strings.LastIndexByte(p, os.PathSeparator); i >= 0 {
		return p[:i]
	}
	return "."
}
