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
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/nym-go/nym/internal/base58"
	"github.com/nym-go/nym/internal/home"
	"github.com/nym-go/nym/internal/logging"
	"github.com/nym-go/nym/internal/monitor"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	switch {
	case errors.Is(err, flag.ErrHelp):
	case errors.Is(err, errUsage):
		os.Exit(2)
	case err != nil:
		fmt.Fprintln(os.Stderr, "nym-network-monitor:", err)
		os.Exit(1)
	}
}

var errUsage = errors.New("usage")

const usage = `Usage: nym-network-monitor init --id ID --directory URL [flags]
       nym-network-monitor run --id ID [flags]

init writes the monitor's keys (an Ed25519 identity that signs its results,
a seed for its per-gateway client identities) and config under
$NYM_HOME/network-monitor/ID/ (or --dir) and prints the identity: start the
directory with --monitor-key IDENTITY to trust it. run measures every node
each interval and publishes the scores until SIGINT or SIGTERM.
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "init" && args[0] != "run") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprint(stderr, usage)
			return flag.ErrHelp
		}
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	cmd := args[0]
	fs := flag.NewFlagSet("nym-network-monitor "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage+"\nFlags of "+cmd+":\n")
		fs.PrintDefaults()
	}
	id := fs.String("id", "", "the monitor's `id` (its directory under $NYM_HOME/network-monitor/)")
	dir := fs.String("dir", "", "the monitor's `directory` (instead of $NYM_HOME/network-monitor/ID)")
	var cfg monitor.Config
	var force bool
	logLevel := fs.String("log-level", "info", "log `level`: debug, info, warn or error")
	logFormat := fs.String("log-format", logging.FormatText, "log `format`: text or json")
	if cmd == "init" {
		fs.StringVar(&cfg.DirectoryURL, "directory", "", "the directory's base `URL` (required)")
		fs.DurationVar(&cfg.Interval, "interval", monitor.DefaultInterval, "time from the start of one run to the next")
		fs.IntVar(&cfg.PacketsPerNode, "packets-per-node", monitor.DefaultPacketsPerNode, "test packets through each node per run")
		fs.IntVar(&cfg.RoutePackets, "route-packets", monitor.DefaultRoutePackets, "packets validating each candidate route")
		fs.DurationVar(&cfg.WaitTimeout, "wait-timeout", monitor.DefaultWaitTimeout, "how long to wait for packets after the last send")
		fs.DurationVar(&cfg.HopDelay, "hop-delay", monitor.DefaultHopDelay, "mean per-hop mixing delay of test packets (0: none)")
		fs.BoolVar(&force, "force", false, "rewrite the config of an existing monitor (keys are kept)")
	}
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 || (*id == "" && *dir == "") {
		fmt.Fprintln(stderr, "nym-network-monitor: --id (or --dir) is required, and no other argument")
		fs.Usage()
		return errUsage
	}
	files, err := locate(*id, *dir)
	if err != nil {
		return err
	}
	if cmd == "init" {
		if cfg.HopDelay == 0 {
			cfg.HopDelay = monitor.NoHopDelay
		}
		cfg.Publish = true
		pub, err := monitor.Init(files, cfg, force, rand.Reader)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "initialised network monitor in %s\nidentity: %s\nstart the directory with --monitor-key %s\n",
			files.Dir, base58.Encode(pub), base58.Encode(pub))
		return nil
	}
	log, err := logging.New(stderr, *logLevel, *logFormat)
	if err != nil {
		return err
	}
	cfg, err = monitor.LoadConfig(files.Config())
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
