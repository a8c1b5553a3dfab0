// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package nativeclient

import (
	"context"
	"flag"
	"fmt"

	"github.com/nym-go/nym/internal/cli"
	"github.com/nym-go/nym/internal/logging"
)

// HomeFlag registers --home on fs, the $NYM_HOME root of a client's files,
// into p.
func HomeFlag(fs *flag.FlagSet, p *string) {
	fs.StringVar(p, "home", "", "root of the client files (default $NYM_HOME, or ~/.nym when unset)")
}

// InitFlags registers on fs the "init" flags nym-client and
// nym-socks5-client share, into o: --id (described by idHelp), --gateway,
// --gateway-url, --directory, --force and --home. Each command adds its own
// port flag.
func InitFlags(fs *flag.FlagSet, o *InitOptions, idHelp string) {
	fs.StringVar(&o.ID, "id", "", idHelp)
	fs.StringVar(&o.Gateway, "gateway", "", "base58 identity key of the gateway to register with (default: one picked at random from the directory)")
	fs.StringVar(&o.GatewayURL, "gateway-url", "", "ws:// URL of the gateway's client websocket, overriding the one in the directory")
	fs.StringVar(&o.Directory, "directory", DefaultDirectory, "base URL of the directory the topology comes from")
	fs.BoolVar(&o.Force, "force", false, "re-initialise an existing id (keys are kept, never replaced)")
	HomeFlag(fs, &o.Home)
}

// RunCommand is the "run" command of a client binary (nym-client,
// nym-socks5-client): the flags --id, --port, --metrics, --check-config,
// --log-level, --log-format and --home, their checks, --check-config and the
// logger. Check and Run get the options the flags set (Home, ID, Port and
// Metrics, plus Stdout and Logger for Run).
type RunCommand struct {
	// Name is the command's full name, as in "nym-client run".
	Name string
	// About is the command's help text.
	About string
	// PortHelp and MetricsHelp describe --port and --metrics.
	PortHelp, MetricsHelp string
	// What names the client in the --check-config message, as in "client"
	// or "SOCKS5 client".
	What string
	// Check validates the config strictly and the keys (--check-config).
	Check func(RunOptions) error
	// Run runs the client until ctx ends.
	Run func(context.Context, RunOptions) error
}

// Main parses args and runs the command; it returns the exit code: 0 on
// success, 1 on failure, 2 on bad usage.
func (c RunCommand) Main(ctx context.Context, args []string, s cli.Stdio) int {
	fs := cli.NewFlags(c.Name, "", c.About)
	var o RunOptions
	var check bool
	var level, format string
	fs.StringVar(&o.ID, "id", "", "client id (required)")
	fs.IntVar(&o.Port, "port", 0, c.PortHelp)
	fs.StringVar(&o.Metrics, "metrics", "", c.MetricsHelp)
	fs.BoolVar(&check, "check-config", false, "only validate the config strictly (unknown keys are errors) and the keys; exit 0 if valid, 1 if not")
	fs.StringVar(&level, "log-level", "info", "log level: debug, info, warn or error")
	fs.StringVar(&format, "log-format", logging.FormatText, "log format: text or json")
	HomeFlag(fs, &o.Home)
	if code, ok := cli.Parse(fs, args, 0, s); !ok {
		return code
	}
	if o.ID == "" {
		return cli.UsageError(s, c.Name, "--id is required")
	}
	if o.Port < 0 || o.Port > 65535 {
		return cli.UsageError(s, c.Name, fmt.Sprintf("--port %d is outside 0..65535", o.Port))
	}
	if check {
		if err := c.Check(o); err != nil {
			return cli.Failed(s, c.Name+" --check-config", err)
		}
		fmt.Fprintf(s.Out, "config and keys of %s %q are valid\n", c.What, o.ID)
		return 0
	}
	log, err := logging.New(s.Err, level, format)
	if err != nil {
		return cli.UsageError(s, c.Name, err.Error())
	}
	o.Stdout, o.Logger = s.Out, log
	if err := c.Run(ctx, o); err != nil {
		return cli.Failed(s, c.Name, err)
	}
	return 0
}
