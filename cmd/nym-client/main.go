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
	run     func(ctx context.Context, args []string, stdio stdio) int
}

// stdio are a command's standard streams.
type stdio struct {
	in       io.Reader
	out, err io.Writer
}

var commands = map[string]command{
	"init":    {"create a client's keys and config and register it with a gateway", cmdInit},
	"run":     {"run a client and its local API (or check its config with --check-config)", cmdRun},
	"send":    {"send a message through a running client's API", cmdSend},
	"listen":  {"print the messages a running client receives, one JSON line each", cmdListen},
	"address": {"print a client's address from its files", cmdAddress},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], stdio{os.Stdin, os.Stdout, os.Stderr})
	stop()
	os.Exit(code)
}

// run dispatches args to a subcommand and returns the exit code: 0 on
// success, 1 on failure, 2 on bad usage.
func run(ctx context.Context, args []string, s stdio) int {
	if len(args) == 0 {
		usage(s.err)
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		usage(s.out)
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(s.err, "nym-client: unknown command %q\n\n", args[0])
		usage(s.err)
		return 2
	}
	return c.run(ctx, args[1:], s)
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "Usage: nym-client <command> [flags]\n\nCommands:\n")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, commands[n].summary)
	}
	fmt.Fprintf(w, "\nRun \"nym-client <command> --help\" for a command's flags.\n"+
		"Files live under $NYM_HOME/clients/<id>/ ($NYM_HOME defaults to ~/.nym).\n")
}

// newFlags returns a flag set whose --help prints about and the flags.
func newFlags(name, args, about string) *flag.FlagSet {
	fs := flag.NewFlagSet("nym-client "+name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: nym-client %s [flags]%s\n\n%s\n\nFlags (write them -flag or --flag):\n", name, args, about)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args; it returns false, with the exit code, when the
// command should not go on: 0 after --help (usage on stdout), 2 after a
// usage error (message and usage on stderr). maxArgs bounds the positional
// arguments.
func parse(fs *flag.FlagSet, args []string, maxArgs int, s stdio) (int, bool) {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	if err == nil && fs.NArg() > maxArgs {
		err = fmt.Errorf("unexpected argument %q", fs.Arg(maxArgs))
	}
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.SetOutput(s.out)
		fs.Usage()
		return 0, false
	case err != nil:
		fmt.Fprintf(s.err, "%s: %v\n", fs.Name(), err)
		fs.SetOutput(s.err)
		fs.Usage()
		return 2, false
	}
	fs.SetOutput(s.err)
	return 0, true
}

// usageError prints msg and returns exit code 2.
func usageError(s stdio, name, msg string) int {
	fmt.Fprintf(s.err, "nym-client %s: %s\n", name, msg)
	return 2
}

// failed prints err and returns exit code 1.
func failed(s stdio, name string, err error) int {
	fmt.Fprintf(s.err, "nym-client %s: %v\n", name, err)
	return 1
}
