// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Command nym-node runs a node of the mixnet. "nym-node init" writes a
// node's keys and config under $NYM_HOME/nym-nodes/<id>/, "nym-node run"
// runs it and "nym-node keys" prints its public keys. The work is done by
// package internal/node; this command only parses flags.
package main

import "github.com/nym-go/nym/internal/cli"

var commands = map[string]cli.Command{
	"init": {Summary: "write a new node's keys and config", Run: cmdInit},
	"run":  {Summary: "run a node (or check its config with --check-config)", Run: cmdRun},
	"keys": {Summary: "print a node's public keys", Run: cmdKeys},
}

// program is nym-node's command line; exit codes: 0 on success, 1 on
// failure, 2 on bad usage.
var program = cli.Program{
	Name:     "nym-node",
	Commands: commands,
	Footer:   "Files live under $NYM_HOME/nym-nodes/<id>/ ($NYM_HOME defaults to ~/.nym).\n",
}

func main() { cli.Main(program) }
