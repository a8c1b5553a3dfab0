// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package cli is the subcommand dispatcher of the thin mains
// (nym-node init|run|keys, nym-client init|run|send|..., and so on): a
// Program maps command names to Commands, prints the same usage text shape
// for every binary, and maps the outcome to the exit codes every binary
// uses: 0 on success (and after --help), 1 on failure, 2 on bad usage.
//
// A command parses its own flags with a flag set from NewFlags and Parse,
// which give every command the same --help text and usage errors.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"syscall"
)

// Exit codes of every command.
const (
	ExitOK      = 0 // success, or --help
	ExitFailure = 1 // the command ran and failed
	ExitUsage   = 2 // bad command line: unknown command, bad flag, missing flag
)

// Stdio are a command's standard streams.
type Stdio struct {
	In       io.Reader
	Out, Err io.Writer
}

// Command is one subcommand: a one-line summary for the program's usage
// text, and Run, which parses the command's flags from args (the
// arguments after the command name), runs it and returns its exit code.
type Command struct {
	Summary string
	Run     func(ctx context.Context, args []string, s Stdio) int
}

// Program is a binary made of subcommands.
type Program struct {
	// Name is the binary's name, e.g. "nym-node".
	Name string
	// Commands maps each command name to its command.
	Commands map[string]Command
	// Footer ends the usage text, e.g. where the binary keeps its files.
	Footer string
}

// Main runs p with the process's arguments and standard streams, under a
// context that ends on SIGINT or SIGTERM, and exits with its exit code.
func Main(p Program) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := p.Run(ctx, os.Args[1:], Stdio{In: os.Stdin, Out: os.Stdout, Err: os.Stderr})
	stop()
	os.Exit(code)
}

// Run dispatches args (without the binary's name) to a command and
// returns the exit code. "help", "-h", "-help" and "--help" print the
// usage text on s.Out (exit 0); no command or an unknown one prints it on
// s.Err (exit 2).
func (p Program) Run(ctx context.Context, args []string, s Stdio) int {
	if len(args) == 0 {
		p.Usage(s.Err)
		return ExitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		p.Usage(s.Out)
		return ExitOK
	}
	c, ok := p.Commands[args[0]]
	if !ok {
		fmt.Fprintf(s.Err, "%s: unknown command %q\n\n", p.Name, args[0])
		p.Usage(s.Err)
		return ExitUsage
	}
	return c.Run(ctx, args[1:], s)
}

// Usage writes the program's usage text: the commands in name order with
// their summaries, then Footer.
func (p Program) Usage(w io.Writer) {
	fmt.Fprintf(w, "Usage: %s <command> [flags]\n\nCommands:\n", p.Name)
	names := make([]string, 0, len(p.Commands))
	width := 0
	for n := range p.Commands {
		names = append(names, n)
		width = max(width, len(n))
	}
	slices.Sort(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-*s %s\n", width+1, n, p.Commands[n].Summary)
	}
	fmt.Fprintf(w, "\nRun \"%s <command> --help\" for a command's flags.\n", p.Name)
	if p.Footer != "" {
		fmt.Fprint(w, p.Footer)
		if p.Footer[len(p.Footer)-1] != '\n' {
			fmt.Fprintln(w)
		}
	}
}

// NewFlags returns the flag set of the command name (the binary's and the
// command's names, e.g. "nym-node init"). Its --help text is
// "Usage: <name> [flags]<args>", about, and the flags; args describes the
// positional arguments, e.g. " [MESSAGE | -]", or is empty.
func NewFlags(name, args, about string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: %s [flags]%s\n\n%s\n\nFlags (write them -flag or --flag):\n", name, args, about)
		fs.PrintDefaults()
	}
	return fs
}

// Parse parses args with fs, allowing at most maxArgs positional
// arguments. It returns ok false, with the exit code, when the command
// should not go on: 0 after --help (the flags' usage on s.Out), 2 after a
// usage error (the error and the usage on s.Err). When ok, fs writes to
// s.Err afterwards (for the command's own fs.Usage calls).
func Parse(fs *flag.FlagSet, args []string, maxArgs int, s Stdio) (code int, ok bool) {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	if err == nil && fs.NArg() > maxArgs {
		err = fmt.Errorf("unexpected argument %q", fs.Arg(maxArgs))
	}
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.SetOutput(s.Out)
		fs.Usage()
		return ExitOK, false
	case err != nil:
		fmt.Fprintf(s.Err, "%s: %v\n", fs.Name(), err)
		fs.SetOutput(s.Err)
		fs.Usage()
		return ExitUsage, false
	}
	fs.SetOutput(s.Err)
	return ExitOK, true
}

// UsageError writes "<name>: <msg>" to s.Err and returns ExitUsage; name
// is the command's, e.g. "nym-node run".
func UsageError(s Stdio, name, msg string) int {
	fmt.Fprintf(s.Err, "%s: %s\n", name, msg)
	return ExitUsage
}

// Failed writes "<name>: <err>" to s.Err and returns ExitFailure.
func Failed(s Stdio, name string, err error) int {
	fmt.Fprintf(s.Err, "%s: %v\n", name, err)
	return ExitFailure
}
