// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package localnet

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/nym-go/nym/internal/clock"
	"github.com/nym-go/nym/internal/node"
)

// Defaults for the zero fields of Config.
const (
	DefaultLayers          = node.DefaultLayers // 3, the only count nodes support
	DefaultMixesPerLayer   = 2
	DefaultGateways        = 2
	DefaultClients         = 2
	DefaultHopDelay        = 10 * time.Millisecond
	DefaultTrafficRate     = 5.0 // messages per second per client
	DefaultDirectoryListen = "127.0.0.1:0"
	DefaultReadyTimeout    = 30 * time.Second
	// ShutdownTimeout bounds how long Run takes to return once its context
	// is cancelled: in-process parts are cancelled, child processes get
	// SIGTERM and, at ShutdownTimeout-500ms, SIGKILL.
	ShutdownTimeout = 5 * time.Second
)

// Limits on the sizes, so a typo can't start thousands of nodes.
const (
	MaxMixesPerLayer = 20
	MaxGateways      = 20
	MaxClients       = 50
)

// Host is the loopback address every node binds and announces.
const Host = "127.0.0.1"

// Config says what network to start. The zero value of every field means
// its default; New validates the result.
type Config struct {
	// Dir holds the network's files (a NYM_HOME: nym-nodes/, clients/,
	// logs/, bin/, localnet.json). Empty means a fresh temporary
	// directory, removed when Run returns. A given Dir is kept; if it
	// already holds a network, Run refuses unless Force is set.
	Dir string
	// Force lets Run use a Dir that holds an earlier network: Run first
	// deletes that network's files (nym-nodes/, clients/, logs/,
	// localnet.json), so every run starts with fresh keys.
	Force bool
	// Layers is the number of mix layers; nodes support only 3.
	Layers int
	// MixesPerLayer is the number of mix nodes in each layer (default 2).
	MixesPerLayer int
	// Gateways is the number of entry gateways (default 2).
	Gateways int
	// Clients is the number of native clients (default 2); client i
	// registers at gateway i mod Gateways. Negative means none.
	Clients int
	// Exec runs every node and client as its own process (nym-node run,
	// nym-client run) instead of in this process. The directory always
	// runs in this process.
	Exec bool
	// BinDir is where Exec finds nym-node and nym-client. Empty means:
	// next to os.Executable(), then $PATH, else built with go build into
	// Dir/bin when the working directory is inside this Go module.
	BinDir string
	// Traffic makes the clients send each other messages continuously.
	Traffic bool
	// TrafficRate is the messages per second each client sends with
	// Traffic (default 5).
	TrafficRate float64
	// HopDelay is the clients' mean per-hop mixing delay (default 10 ms,
	// fast enough for a demo; negative means zero).
	HopDelay time.Duration
	// RealMean is the clients' real-traffic stream mean gap (0: the
	// client's default, 20 ms): a message waits for the next tick, about
	// RealMean, before it leaves, and an idle client sends loop cover at
	// each tick. LoopMean is the loop-cover stream's mean gap (0: the
	// client's default, 200 ms; negative turns it off). See
	// nativeclient.TrafficConfig.
	RealMean, LoopMean time.Duration
	// ExitRealMean is the real-traffic mean gap of the exit gateway's
	// network requester (0: RealMean, or the client default 20 ms when
	// that is 0 too). It bounds the SOCKS5 proxy's download rate, one reply
	// packet (about 2 KB) per tick, and an idle exit sends loop cover at
	// each tick; the requester's loop-cover stream follows LoopMean.
	ExitRealMean time.Duration
	// DirectoryListen is the directory's TCP address (default
	// 127.0.0.1:0, a free port).
	DirectoryListen string
	// LogLevel is passed to child processes' --log-level (default info).
	LogLevel string
	// ReadyTimeout bounds the wait for the network to be ready (default
	// 30 s).
	ReadyTimeout time.Duration
	// MonitorInterval is the network monitor's interval (default 3 s,
	// at least MinMonitorInterval). The monitor runs in this process in
	// both modes and starts once the network is ready.
	MonitorInterval time.Duration
	// NoMonitor runs the network without a monitor.
	NoMonitor bool
	// NoSOCKS5 runs the network without its SOCKS5 proxy (socks5.go).
	NoSOCKS5 bool
	// SOCKS5IdleTimeout is the proxy's stream idle timeout: a stream with
	// no traffic either way for this long is reset, which also ends a
	// download whose exit went away (default 60 s).
	SOCKS5IdleTimeout time.Duration
}

// Deps holds what the network gets from its environment.
type Deps struct {
	// Stdout receives the table printed once the network is ready (nil:
	// discard).
	Stdout io.Writer
	// Stderr receives the output of child processes, each line prefixed
	// with "[id] " (nil: discard).
	Stderr io.Writer
	// Logger receives the launcher's and in-process nodes' logs (nil:
	// discard).
	Logger *slog.Logger
	// Ready, if set, is called once with the network's Info when it is
	// ready, after localnet.json is written.
	Ready func(Info)
	// Clock times readiness polls and traffic (nil: clock.Real()).
	Clock clock.Clock
	// Rand is the randomness for keys (nil: crypto/rand).
	Rand io.Reader
}

// validate fills defaults and checks every field.
func (c *Config) validate() error {
	var errs []error
	if c.Layers == 0 {
		c.Layers = DefaultLayers
	}
	if c.Layers != node.DefaultLayers {
		errs = append(errs, fmt.Errorf("layers: %d, but nodes support exactly %d", c.Layers, node.DefaultLayers))
	}
	if c.MixesPerLayer == 0 {
		c.MixesPerLayer = DefaultMixesPerLayer
	}
	if c.MixesPerLayer < 1 || c.MixesPerLayer > MaxMixesPerLayer {
		errs = append(errs, fmt.Errorf("mixes per layer: %d is outside 1..%d", c.MixesPerLayer, MaxMixesPerLayer))
	}
	if c.Gateways == 0 {
		c.Gateways = DefaultGateways
	}
	if c.Gateways < 1 || c.Gateways > MaxGateways {
		errs = append(errs, fmt.Errorf("gateways: %d is outside 1..%d", c.Gateways, MaxGateways))
	}
	switch {
	case c.Clients == 0:
		c.Clients = DefaultClients
	case c.Clients < 0:
		c.Clients = 0
	case c.Clients > MaxClients:
		errs = append(errs, fmt.Errorf("clients: %d is more than %d", c.Clients, MaxClients))
	}
	if c.TrafficRate == 0 {
		c.TrafficRate = DefaultTrafficRate
	}
	if c.TrafficRate < 0 || c.TrafficRate > 1000 {
		errs = append(errs, fmt.Errorf("traffic rate: %v is outside 0..1000 messages per second", c.TrafficRate))
	}
	if c.Traffic && c.Clients < 2 {
		errs = append(errs, errors.New("traffic needs at least 2 clients"))
	}
	if c.HopDelay == 0 {
		c.HopDelay = DefaultHopDelay
	} else if c.HopDelay < 0 {
		c.HopDelay = 0
	}
	if c.HopDelay > time.Minute {
		errs = append(errs, fmt.Errorf("hop delay: %v is more than a minute", c.HopDelay))
	}
	if c.ExitRealMean < 0 {
		errs = append(errs, fmt.Errorf("exit real mean: %v is negative", c.ExitRealMean))
	}
	if c.RealMean < 0 {
		errs = append(errs, fmt.Errorf("real mean: %v is negative", c.RealMean))
	}
	if c.DirectoryListen == "" {
		c.DirectoryListen = DefaultDirectoryListen
	}
	if _, _, err := net.SplitHostPort(c.DirectoryListen); err != nil {
		errs = append(errs, fmt.Errorf("directory listen: %q is not host:port", c.DirectoryListen))
	}
	if c.LogLevel == "" {
		c.LogLevel = "info"
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log level: %q is not debug, info, warn or error", c.LogLevel))
	}
	if c.MonitorInterval == 0 {
		c.MonitorInterval = DefaultMonitorInterval
	} else if c.MonitorInterval < MinMonitorInterval {
		errs = append(errs, fmt.Errorf("monitor interval: %v is below %v", c.MonitorInterval, MinMonitorInterval))
	}
	if c.SOCKS5IdleTimeout == 0 {
		c.SOCKS5IdleTimeout = DefaultSOCKS5IdleTimeout
	} else if c.SOCKS5IdleTimeout < 0 {
		errs = append(errs, fmt.Errorf("socks5 idle timeout: %v is negative", c.SOCKS5IdleTimeout))
	}
	if c.ReadyTimeout == 0 {
		c.ReadyTimeout = DefaultReadyTimeout
	} else if c.ReadyTimeout < 0 {
		errs = append(errs, fmt.Errorf("ready timeout: %v is negative", c.ReadyTimeout))
	}
	return errors.Join(errs...)
}
