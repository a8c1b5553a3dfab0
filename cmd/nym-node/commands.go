// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package main

import (
	"context"
	"fmt"
	"io"

	"github.com/nym-go/nym/internal/logging"
	"github.com/nym-go/nym/internal/node"
)

func cmdInit(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("init", "Writes a new node's config and keys under $NYM_HOME/nym-nodes/<id>/: config/config.toml,\n"+
		"keys/ed25519_identity(.pub) and keys/x25519_sphinx(.pub) (base58; private keys 0600 in a 0700 directory).\n"+
		"An existing id is refused unless --force, which rewrites the config but keeps the existing keys.", stderr)
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
	if code, ok := parse(fs, args, stdout, stderr); !ok {
		return code
	}
	if o.ID == "" || (o.Host == "" && o.MixHost == "") {
		fmt.Fprintln(stderr, "nym-node init: --id and --host (or --mix-host for a gateway) are required")
		return 2
	}
	o.Mode, o.Stdout = node.Mode(mode), stdout
	if _, err := node.Init(o); err != nil {
		fmt.Fprintf(stderr, "nym-node init: %v\n", err)
		return 1
	}
	return 0
}

func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("run", "Runs the node initialised with --id until SIGINT or SIGTERM, then stops within 5 s.\n"+
		"Prints a banner with its keys and addresses, serves the HTTP API and announces itself to the directory.", stderr)
	var o node.RunOptions
	var check bool
	var level, format string
	fs.StringVar(&o.ID, "id", "", "node id (required)")
	fs.BoolVar(&check, "check-config", false, "only validate the config strictly (unknown keys are errors) and the keys; exit 0 if valid, 1 if not")
	fs.StringVar(&level, "log-level", "info", "log level: debug, info, warn or error")
	fs.StringVar(&format, "log-format", logging.FormatText, "log format: text or json")
	if code, ok := parse(fs, args, stdout, stderr); !ok {
		return code
	}
	if o.ID == "" {
		fmt.Fprintln(stderr, "nym-node run: --id is required")
		return 2
	}
	if check {
		if err := node.CheckConfig(o); err != nil {
			fmt.Fprintf(stderr, "nym-node run --check-config: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "config and keys of node %q are valid\n", o.ID)
		return 0
	}
	log, err := logging.New(stderr, level, format)
	if err != nil {
		fmt.Fprintf(stderr, "nym-node run: %v\n", err)
		return 2
	}
	o.Stdout, o.Logger = stdout, log
	if err := node.Run(ctx, o); err != nil {
		fmt.Fprintf(stderr, "nym-node run: %v\n", err)
		return 1
	}
	return 0
}

func cmdKeys(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("keys", "Prints the node's public keys (base58): the Ed25519 identity key and the X25519 sphinx key.", stderr)
	var o node.KeysOptions
	fs.StringVar(&o.ID, "id", "", "node id (required)")
	if code, ok := parse(fs, args, stdout, stderr); !ok {
		return code
	}
	if o.ID == "" {
		fmt.Fprintln(stderr, "nym-node keys: --id is required")
		return 2
	}
	o.Stdout = stdout
	if err := node.Keys(o); err != nil {
		fmt.Fprintf(stderr, "nym-node keys: %v\n", err)
		return 1
	}
	return 0
}
