// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package socks5client

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/nym-go/nym/internal/address"
	"github.com/nym-go/nym/internal/nativeclient"
	"github.com/nym-go/nym/internal/streams"
	"github.com/nym-go/nym/internal/tomlfile"
)

// Defaults of the [socks5] section.
const (
	DefaultPort          = 1080
	DefaultReplyKeyLimit = 20000
)

// Config is the content of a SOCKS5 client's config/config.toml: the native
// client's sections (api.listen is the SOCKS listener) and [socks5].
type Config struct {
	Client nativeclient.Config
	Socks5 Socks5Config
}

// Socks5Config is the [socks5] section.
type Socks5Config struct {
	// Provider is the exit gateway's network requester: a client address.
	Provider string `toml:"provider"`
	// OpenTimeout bounds the wait for the exit's answer to a CONNECT
	// (SOCKS "host unreachable" after it).
	OpenTimeout time.Duration `toml:"open_timeout"`
	// IdleTimeout closes a stream with no traffic either way for this long.
	IdleTimeout time.Duration `toml:"idle_timeout"`
	// ExitTimeout fails every stream (SOCKS connections reset) when the
	// exit answers nothing, not even the client's pings, for this long
	// while streams wait for it.
	ExitTimeout time.Duration `toml:"exit_timeout"`
	// HandshakeTimeout bounds a SOCKS client's greeting and request.
	HandshakeTimeout time.Duration `toml:"handshake_timeout"`
	// MaxStreams bounds the streams open at once.
	MaxStreams int `toml:"max_streams"`
	// MaxConnections bounds the SOCKS connections served at once; more are
	// reset at once.
	MaxConnections int `toml:"max_connections"`
	// SURBsPerOpen is how many reply SURBs go with each CONNECT.
	SURBsPerOpen int `toml:"surbs_per_open"`
	// ReplyKeyLimit bounds the reply keys of SURBs handed out and not yet
	// used.
	ReplyKeyLimit int `toml:"reply_key_limit"`
}

// Validate fills defaults for zero fields and checks every field.
func (c *Socks5Config) Validate() error {
	var errs []error
	if _, err := address.Parse(c.Provider); err != nil {
		errs = append(errs, fmt.Errorf("socks5.provider: %q is not a client address: %v", c.Provider, err))
	}
	def := func(d *time.Duration, v time.Duration, name string) {
		if *d == 0 {
			*d = v
		} else if *d < 0 {
			errs = append(errs, fmt.Errorf("socks5.%s: %v is negative", name, *d))
		}
	}
	def(&c.OpenTimeout, DefaultOpenTimeout, "open_timeout")
	def(&c.IdleTimeout, streams.DefaultIdleTimeout, "idle_timeout")
	def(&c.ExitTimeout, streams.DefaultExitTimeout, "exit_timeout")
	def(&c.HandshakeTimeout, DefaultHandshakeTimeout, "handshake_timeout")
	defi := func(p *int, v, limit int, name string) {
		if *p == 0 {
			*p = v
		} else if *p < 0 || *p > limit {
			errs = append(errs, fmt.Errorf("socks5.%s: %d is outside 1..%d", name, *p, limit))
		}
	}
	defi(&c.MaxStreams, streams.DefaultMaxStreams, 1<<16, "max_streams")
	defi(&c.MaxConnections, DefaultMaxConns, 1<<16, "max_connections")
	defi(&c.SURBsPerOpen, streams.DefaultSURBsPerOpen, streams.MaxWant, "surbs_per_open")
	defi(&c.ReplyKeyLimit, DefaultReplyKeyLimit, 1<<22, "reply_key_limit")
	return errors.Join(errs...)
}

// Load reads and validates a config file. Keys neither part knows are
// returned in unknown; with strict set they are an error.
func Load(path string, strict bool) (*Config, []string, error) {
	ncfg, unknown1, err := nativeclient.Load(path, false)
	if err != nil {
		return nil, nil, err
	}
	// The native client's keys are unknown to [socks5] and the other way
	// round: a key is unknown when neither part knows it.
	var s struct {
		Socks5 Socks5Config `toml:"socks5"`
	}
	f, err := tomlfile.Decode(path, &s, false)
	if err != nil {
		return nil, nil, err
	}
	unknown2 := f.Unknown
	var unknown []string
	for _, k := range unknown1 {
		if slices.Contains(unknown2, k) {
			unknown = append(unknown, k)
		}
	}
	if strict && len(unknown) > 0 {
		return nil, unknown, fmt.Errorf("config %s: unknown keys: %s", path, strings.Join(unknown, ", "))
	}
	if err := s.Socks5.Validate(); err != nil {
		return nil, unknown, fmt.Errorf("config %s: %w", path, err)
	}
	return &Config{Client: *ncfg, Socks5: s.Socks5}, unknown, nil
}

// Encode returns the config as TOML text.
func (c *Config) Encode() ([]byte, error) {
	base, err := c.Client.Encode()
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	b.WriteString("# nym-socks5-client configuration. `nym-socks5-client run --id " + c.Client.ID + " --check-config` validates it.\n")
	b.WriteString("# api.listen is the SOCKS5 listener (loopback only: SOCKS here has no authentication).\n")
	b.WriteString("# Durations are strings such as \"20ms\" or \"5m0s\"; hop_delay = \"0s\" means no mixing delay.\n\n")
	for _, line := range strings.SplitAfter(string(base), "\n") {
		if !strings.HasPrefix(line, "#") {
			b.WriteString(line)
		}
	}
	b.WriteString("\n")
	if err := toml.NewEncoder(&b).Encode(struct {
		Socks5 Socks5Config `toml:"socks5"`
	}{c.Socks5}); err != nil {
		return nil, fmt.Errorf("config: encode: %w", err)
	}
	return []byte(b.String()), nil
}
