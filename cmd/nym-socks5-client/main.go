// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Command nym-socks5-client is a SOCKS5 proxy whose connections go through
// the mixnet to an exit gateway's network requester (the provider).
// "nym-socks5-client init" creates a client and registers it with a
// gateway; "nym-socks5-client run" serves SOCKS5 on 127.0.0.1 (port 1080 by
// default). The work is done by internal/socks5client; this command only
// parses flags.
package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/nym-go/nym/internal/cli"
	"github.com/nym-go/nym/internal/nativeclient"
	"github.com/nym-go/nym/internal/socks5client"
)

// program is nym-socks5-client's command line; exit codes: 0 on success, 1
// on failure, 2 on bad usage.
var program = cli.Program{
	Name: "nym-socks5-client",
	Commands: map[string]cli.Command{
		"init": {Summary: "create a SOCKS5 client's keys and config and register it with a gateway", Run: cmdInit},
		"run":  {Summary: "run the SOCKS5 proxy (or check its config with --check-config)", Run: cmdRun},
	},
	Footer: "Files live under $NYM_HOME/socks5-clients/<id>/ ($NYM_HOME defaults to ~/.nym).\n",
}

func main() { cli.Main(program) }

// newFlags returns the flag set of the command name.
func newFlags(name, about string) *flag.FlagSet {
	return cli.NewFlags("nym-socks5-client "+name, "", about)
}

// usageError prints msg and returns exit code 2.
func usageError(s cli.Stdio, name, msg string) int {
	return cli.UsageError(s, "nym-socks5-client "+name, msg)
}

// failed prints err and returns exit code 1.
func failed(s cli.Stdio, name string, err error) int {
	return cli.Failed(s, "nym-socks5-client "+name, err)
}

func cmdInit(ctx context.Context, args []string, s cli.Stdio) int {
	fs := newFlags("init", "Creates a SOCKS5 client under $NYM_HOME/socks5-clients/<id>/: keys/ (as nym-client's), a\n"+
		"registration with a gateway, the topology cache and config/config.toml, whose [socks5] section names\n"+
		"the provider (the exit gateway's network requester address). An existing id is refused unless\n"+
		"--force, which registers again and rewrites the config but keeps the keys.")
	var n nativeclient.InitOptions
	var provider string
	var port int
	nativeclient.InitFlags(fs, &n, "client id: the directory name under $NYM_HOME/socks5-clients/ (required)")
	fs.StringVar(&provider, "provider", "", "address of the exit gateway's network requester, identity.encryption@gateway (required)")
	fs.IntVar(&port, "port", socks5client.DefaultPort, "port of the SOCKS5 listener on 127.0.0.1; 0 picks a free port at each run")
	if code, ok := cli.Parse(fs, args, 0, s); !ok {
		return code
	}
	switch {
	case n.ID == "":
		return usageError(s, "init", "--id is required")
	case provider == "":
		return usageError(s, "init", "--provider is required")
	case port < 0 || port > 65535:
		return usageError(s, "init", fmt.Sprintf("--port %d is outside 0..65535", port))
	}
	o := socks5client.InitOptions{
		Home: n.Home, ID: n.ID, Provider: provider,
		Gateway: n.Gateway, GatewayURL: n.GatewayURL, Directory: n.Directory,
		Port: port, Force: n.Force, Stdout: s.Out,
	}
	if _, _, err := socks5client.Init(ctx, o); err != nil {
		return failed(s, "init", err)
	}
	return 0
}

// runCommand is "nym-socks5-client run".
var runCommand = nativeclient.RunCommand{
	Name: "nym-socks5-client run",
	About: "Runs the SOCKS5 client initialised with --id until SIGINT or SIGTERM, then stops within 5 s.\n" +
		"It serves SOCKS5 (RFC 1928: no authentication, CONNECT to IPv4, IPv6 and domain names) on\n" +
		"127.0.0.1 and carries each connection through the mixnet to the provider, for example\n" +
		"curl --socks5-hostname 127.0.0.1:1080 http://example.com/. A host the exit refuses gets SOCKS\n" +
		"reply 0x02, no answer in time 0x04. When the exit answers nothing (not even pings) for\n" +
		"[socks5] exit_timeout (30 s), or a message to it fails after all its tries, every connection is\n" +
		"reset; new connections work once the exit is back. Silent SOCKS clients are cut after\n" +
		"handshake_timeout (10 s); connections over max_connections (256) are reset at once.",
	PortHelp:    "port of the SOCKS5 listener on 127.0.0.1 (default: api.listen in the config, 1080 after init)",
	MetricsHelp: "host:port to serve Prometheus metrics at /metrics (default: api.metrics_listen in the config; none if empty)",
	What:        "SOCKS5 client",
	Check:       func(o nativeclient.RunOptions) error { return socks5client.CheckConfig(runOptions(o)) },
	Run: func(ctx context.Context, o nativeclient.RunOptions) error {
		return socks5client.Run(ctx, runOptions(o))
	},
}

// runOptions returns the SOCKS5 client's options for the ones the run flags set.
func runOptions(o nativeclient.RunOptions) socks5client.RunOptions {
	return socks5client.RunOptions{Home: o.Home, ID: o.ID, Port: o.Port, Metrics: o.Metrics, Stdout: o.Stdout, Logger: o.Logger}
}

func cmdRun(ctx context.Context, args []string, s cli.Stdio) int {
	return runCommand.Main(ctx, args, s)
}
