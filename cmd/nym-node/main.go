// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Command nym-node runs a node of the mixnet. "nym-node init" writes a
// node's keys and config under $NYM_HOME/nym-nodes/<id>/, "nym-node run"
// runs it and "nym-node keys" prints its public keys. The work is done by
// package internal/node; this command only parses flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// command is one subcommand: its one-line summary, and a function that
// parses its flags and runs it, returning the exit code.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

var commands = map[string]command{
	"init": {"write a new node's keys and config", cmdInit},
	"run":  {"run a node (or check its config with --check-config)", cmdRun},
	"keys": {"print a node's public keys", cmdKeys},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run dispatches args to a subcommand and returns the exit code: 0 on
// success, 1 on failure, 2 on bad usage.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		usage(stdout)
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "nym-node: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	return c.run(ctx, args[1:], stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "Usage: nym-node <command> [flags]\n\nCommands:\n")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-5s %s\n", n, commands[n].summary)
	}
	fmt.Fprintf(w, "\nRun \"nym-node <command> --help\" for a command's flags.\n"+
		"Files live under $NYM_HOME/nym-nodes/<id>/ ($NYM_HOME defaults to ~/.nym).\n")
}

// newFlags returns a flag set whose --help prints about and the flags.
func newFlags(name, about string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("nym-node "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: nym-node %s [flags]\n\n%s\n\nFlags (write them -flag or --flag):\n", name, about)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args; it returns false, with the exit code, when the
// command should not go on: 0 after --help (usage on stdout), 2 after a
// usage error (message and usage on stderr).
func parse(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) (int, bool) {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	if err == nil && fs.NArg() > 0 {
		err = fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.SetOutput(stdout)
		fs.Usage()
		return 0, false
	case err != nil:
		fmt.Fprintf(stderr, "%s: %v\n", fs.Name(), err)
		fs.SetOutput(stderr)
		fs.Usage()
		return 2, false
	}
	fs.SetOutput(stderr)
	return 0, true
}
