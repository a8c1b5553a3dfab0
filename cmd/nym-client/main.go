// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Command nym-client is the native mixnet client. "nym-client init" creates
// a client and registers it with a gateway, "nym-client run" runs it with a
// local websocket API for applications, "nym-client send" and
// "nym-client listen" use that API from a shell, and "nym-client address"
// prints a client's address. The work is done by package
// internal/nativeclient (and internal/clientapi); this command only parses
// flags.
package main

import (
	"flag"

	"github.com/nym-go/nym/internal/cli"
)

var commands = map[string]cli.Command{
	"init":    {Summary: "create a client's keys and config and register it with a gateway", Run: cmdInit},
	"run":     {Summary: "run a client and its local API (or check its config with --check-config)", Run: cmdRun},
	"send":    {Summary: "send a message through a running client's API", Run: cmdSend},
	"listen":  {Summary: "print the messages a running client receives, one JSON line each", Run: cmdListen},
	"address": {Summary: "print a client's address from its files", Run: cmdAddress},
}

// program is nym-client's command line; exit codes: 0 on success, 1 on
// failure, 2 on bad usage.
var program = cli.Program{
	Name:     "nym-client",
	Commands: commands,
	Footer:   "Files live under $NYM_HOME/clients/<id>/ ($NYM_HOME defaults to ~/.nym).\n",
}

func main() { cli.Main(program) }

// newFlags returns the flag set of the command name; args describes its
// positional arguments.
func newFlags(name, args, about string) *flag.FlagSet {
	return cli.NewFlags("nym-client "+name, args, about)
}

// usageError prints msg and returns exit code 2.
func usageError(s cli.Stdio, name, msg string) int { return cli.UsageError(s, "nym-client "+name, msg) }

// failed prints err and returns exit code 1.
func failed(s cli.Stdio, name string, err error) int { return cli.Failed(s, "nym-client "+name, err) }
