// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package main

import (
	"context"
	"fmt"

	"github.com/nym-go/nym/internal/cli"
	"github.com/nym-go/nym/internal/logging"
	"github.com/nym-go/nym/internal/node"
)

func cmdInit(_ context.Context, args []string, s cli.Stdio) int {
	fs := cli.NewFlags("nym-node init", "", "Writes a new node's config and keys under $NYM_HOME/nym-nodes/<id>/: config/config.toml,\n"+
		"keys/ed25519_identity(.pub) and keys/x25519_sphinx(.pub) (base58; private keys 0600 in a 0700 directory).\n"+
		"An existing id is refused unless --force, which rewrites the config but keeps the existing keys.")
	var o node.InitOptions
	var mode string
	fs.StringVar(&o.ID, "id", "", "node id: the directory name under $NYM_HOME/nym-nodes/ (required)")
	fs.StringVar(&mode, "mode", string(node.ModeMixnode), fmt.Sprintf("what the node does, one of %v", node.Modes))
	fs.StringVar(&o.Host, "host", "", "IP address a mix node announces to the network (required for mixnode)")
	fs.StringVar(&o.MixHost, "mix-host", "", "gateway: IP address announced to mix nodes (default: --host)")
	fs.BoolVar(&o.OpenProxy, "open-proxy", false, "exit-gateway: let the network requester connect to any host (no allow list)")
	fs.StringVar(&o.ClientsHost, "clients-host", "", "gateway: host (IP or DNS name) clients connect to (required for gateway modes)")
	fs.IntVar(&o.ClientsPort, "clients-port", node.DefaultClientsPort, "gateway: TCP port of the client websocket")
	fs.StringVar(&o.ListenHost, "listen-host", "", "IP address the listeners bind, e.g. 0.0.0.0 behind NAT (default: --host or --mix-host, and --clients-host for the client websocket)")
	fs.IntVar(&o.MixPort, "mix-port", node.DefaultMixPort, "TCP port for mixnet packets, bound and announced")
	fs.IntVar(&o.HTTPPort, "http-port", node.DefaultHTTPPort, "TCP port of the HTTP API (health, roles, stats, /metrics); 0 picks a free port")
	fs.IntVar(&o.Layer, "layer", 0, fmt.Sprintf("mixnode: mix layer 1..%d (default: chosen uniformly at random)", node.DefaultLayers))
	fs.StringVar(&o.Directory, "directory", node.DefaultDirectory, "base URL of the directory the node announces itself to")
	fs.StringVar(&o.Location, "location", "", "free text shown in the directory, e.g. a city")
	fs.BoolVar(&o.Force, "force", false, "rewrite the config of an existing id (keys are kept, never replaced)")
	if code, ok := cli.Parse(fs, args, 0, s); !ok {
		return code
	}
	if o.ID == "" || (o.Host == "" && o.MixHost == "") {
		return cli.UsageError(s, "nym-node init", "--id and --host (or --mix-host for a gateway) are required")
	}
	o.Mode, o.Stdout = node.Mode(mode), s.Out
	if _, err := node.Init(o); err != nil {
		return cli.Failed(s, "nym-node init", err)
	}
	return 0
}

func cmdRun(ctx context.Context, args []string, s cli.Stdio) int {
	fs := cli.NewFlags("nym-node run", "", "Runs the node initialised with --id until SIGINT or SIGTERM, then stops within 5 s.\n"+
		"Prints a banner with its keys and addresses, serves the HTTP API and announces itself to the directory.")
	var o node.RunOptions
	var check bool
	var level, format string
	fs.StringVar(&o.ID, "id", "", "node id (required)")
	fs.BoolVar(&check, "check-config", false, "only validate the config strictly (unknown keys are errors) and the keys; exit 0 if valid, 1 if not")
	fs.StringVar(&level, "log-level", "info", "log level: debug, info, warn or error")
	fs.StringVar(&format, "log-format", logging.FormatText, "log format: text or json")
	if code, ok := cli.Parse(fs, args, 0, s); !ok {
		return code
	}
	if o.ID == "" {
		return cli.UsageError(s, "nym-node run", "--id is required")
	}
	if check {
		if err := node.CheckConfig(o); err != nil {
			return cli.Failed(s, "nym-node run --check-config", err)
		}
		fmt.Fprintf(s.Out, "config and keys of node %q are valid\n", o.ID)
		return 0
	}
	log, err := logging.New(s.Err, level, format)
	if err != nil {
		return cli.UsageError(s, "nym-node run", err.Error())
	}
	o.Stdout, o.Logger = s.Out, log
	if err := node.Run(ctx, o); err != nil {
		return cli.Failed(s, "nym-node run", err)
	}
	return 0
}

func cmdKeys(_ context.Context, args []string, s cli.Stdio) int {
	fs := cli.NewFlags("nym-node keys", "", "Prints the node's public keys (base58): the Ed25519 identity key and the X25519 sphinx key.")
	var o node.KeysOptions
	fs.StringVar(&o.ID, "id", "", "node id (required)")
	if code, ok := cli.Parse(fs, args, 0, s); !ok {
		return code
	}
	if o.ID == "" {
		return cli.UsageError(s, "nym-node keys", "--id is required")
	}
	o.Stdout = s.Out
	if err := node.Keys(o); err != nil {
		return cli.Failed(s, "nym-node keys", err)
	}
	return 0
}
