// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Command nym-network-monitor measures the reliability of every mix node
// and gateway and publishes the scores to the directory (see
// docs/protocol/monitor.md).
//
//	nym-network-monitor init --id monitor --directory http://127.0.0.1:8080
//	nym-network-monitor run --id monitor
package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/nym-go/nym/internal/base58"
	"github.com/nym-go/nym/internal/cli"
	"github.com/nym-go/nym/internal/home"
	"github.com/nym-go/nym/internal/logging"
	"github.com/nym-go/nym/internal/monitor"
)

var commands = map[string]cli.Command{
	"init": {Summary: "write the monitor's keys and config and print its identity", Run: cmdInit},
	"run":  {Summary: "measure every node each interval and publish the scores", Run: cmdRun},
}

// program is nym-network-monitor's command line; exit codes: 0 on
// success, 1 on failure, 2 on bad usage.
var program = cli.Program{
	Name:     "nym-network-monitor",
	Commands: commands,
	Footer: `
init writes the monitor's keys (an Ed25519 identity that signs its results,
a seed for its per-gateway client identities) and config under
$NYM_HOME/network-monitor/ID/ (or --dir) and prints the identity: start the
directory with --monitor-key IDENTITY to trust it. run measures every node
each interval and publishes the scores until SIGINT or SIGTERM.
`,
}

func main() { cli.Main(program) }

// commonFlags are the flags of both commands: where the monitor's files
// are, and its logging.
type commonFlags struct {
	id, dir             string
	logLevel, logFormat string
}

func (c *commonFlags) add(fs *flag.FlagSet) {
	fs.StringVar(&c.id, "id", "", "the monitor's `id` (its directory under $NYM_HOME/network-monitor/)")
	fs.StringVar(&c.dir, "dir", "", "the monitor's `directory` (instead of $NYM_HOME/network-monitor/ID)")
	fs.StringVar(&c.logLevel, "log-level", "info", "log `level`: debug, info, warn or error")
	fs.StringVar(&c.logFormat, "log-format", logging.FormatText, "log `format`: text or json")
}

// parse parses args into fs and checks that the monitor is named; it
// returns false, with the exit code, when the command should not go on.
func (c *commonFlags) parse(fs *flag.FlagSet, args []string, s cli.Stdio) (int, bool) {
	if code, ok := cli.Parse(fs, args, 0, s); !ok {
		return code, false
	}
	if c.id == "" && c.dir == "" {
		return cli.UsageError(s, fs.Name(), "--id (or --dir) is required"), false
	}
	return 0, true
}

func cmdInit(_ context.Context, args []string, s cli.Stdio) int {
	const name = "nym-network-monitor init"
	fs := cli.NewFlags(name, "", "Writes the monitor's keys and config under $NYM_HOME/network-monitor/ID/ (or --dir) and prints\n"+
		"its identity: start the directory with --monitor-key IDENTITY to trust it. An existing monitor is\n"+
		"refused unless --force, which rewrites the config but keeps the keys.")
	var c commonFlags
	c.add(fs)
	var cfg monitor.Config
	var force bool
	fs.StringVar(&cfg.DirectoryURL, "directory", "", "the directory's base `URL` (required)")
	fs.DurationVar(&cfg.Interval, "interval", monitor.DefaultInterval, "time from the start of one run to the next")
	fs.IntVar(&cfg.PacketsPerNode, "packets-per-node", monitor.DefaultPacketsPerNode, "test packets through each node per run")
	fs.IntVar(&cfg.RoutePackets, "route-packets", monitor.DefaultRoutePackets, "packets validating each candidate route")
	fs.DurationVar(&cfg.WaitTimeout, "wait-timeout", monitor.DefaultWaitTimeout, "how long to wait for packets after the last send")
	fs.DurationVar(&cfg.HopDelay, "hop-delay", monitor.DefaultHopDelay, "mean per-hop mixing delay of test packets (0: none)")
	fs.BoolVar(&force, "force", false, "rewrite the config of an existing monitor (keys are kept)")
	if code, ok := c.parse(fs, args, s); !ok {
		return code
	}
	files, err := locate(c.id, c.dir)
	if err != nil {
		return cli.Failed(s, name, err)
	}
	if cfg.HopDelay == 0 {
		cfg.HopDelay = monitor.NoHopDelay
	}
	cfg.Publish = true
	pub, err := monitor.Init(files, cfg, force, rand.Reader)
	if err != nil {
		return cli.Failed(s, name, err)
	}
	fmt.Fprintf(s.Out, "initialised network monitor in %s\nidentity: %s\nstart the directory with --monitor-key %s\n",
		files.Dir, base58.Encode(pub), base58.Encode(pub))
	return 0
}

func cmdRun(ctx context.Context, args []string, s cli.Stdio) int {
	const name = "nym-network-monitor run"
	fs := cli.NewFlags(name, "", "Runs the monitor initialised with --id (or --dir): it measures every mix node and gateway each\n"+
		"interval and publishes the scores to the directory until SIGINT or SIGTERM.")
	var c commonFlags
	c.add(fs)
	if code, ok := c.parse(fs, args, s); !ok {
		return code
	}
	log, err := logging.New(s.Err, c.logLevel, c.logFormat)
	if err != nil {
		return cli.UsageError(s, name, err.Error())
	}
	if err := runMonitor(ctx, c, log, s.Out); err != nil {
		return cli.Failed(s, name, err)
	}
	return 0
}

// runMonitor runs the monitor named by c until ctx ends.
func runMonitor(ctx context.Context, c commonFlags, log *slog.Logger, stdout io.Writer) error {
	files, err := locate(c.id, c.dir)
	if err != nil {
		return err
	}
	cfg, err := monitor.LoadConfig(files.Config())
	if err != nil {
		return err
	}
	idKey, seed, err := monitor.LoadKeys(files)
	if err != nil {
		return err
	}
	d, err := monitor.NewHTTPDirectory(cfg.DirectoryURL, nil)
	if err != nil {
		return err
	}
	m, err := monitor.New(cfg, monitor.Deps{Identity: idKey, ClientSeed: seed, Directory: d,
		GatewayKeys: files.GatewayKeys(), Logger: log})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "nym-network-monitor %s: directory %s, every %v (started %s)\n", files.Dir, cfg.DirectoryURL,
		cfg.Interval, time.Now().UTC().Format(time.RFC3339))
	return m.Run(ctx)
}

// locate returns the monitor's files: dir, or $NYM_HOME/network-monitor/id.
func locate(id, dir string) (monitor.Files, error) {
	if dir != "" {
		return monitor.Files{Dir: dir}, nil
	}
	root, err := home.Root()
	if err != nil {
		return monitor.Files{}, err
	}
	d, err := home.For(root, home.Role(monitor.Role), id)
	if err != nil {
		return monitor.Files{}, err
	}
	return monitor.Files{Dir: filepath.Clean(string(d))}, nil
}
