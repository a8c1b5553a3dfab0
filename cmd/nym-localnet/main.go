// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Command nym-localnet starts a whole network on this machine: a
// directory, 3 layers of mix nodes, entry gateways and native clients,
// over loopback TCP with fresh keys. The work is done by package
// internal/localnet; this command only parses flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/nym-go/nym/internal/localnet"
	"github.com/nym-go/nym/internal/logging"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usage = `Usage: nym-localnet [flags]

Starts a whole Nym network on this machine over loopback TCP: a directory
(with the dashboard at its "/"), --layers x --mixes-per-layer mix nodes,
--gateways entry gateways and --clients native clients, client i registered
at gateway i mod --gateways. Every node and client gets fresh keys and a
config in --dir, laid out as a NYM_HOME (nym-nodes/<id>/, clients/<id>/), with
a free port for every listener.

When every node is in the directory's topology and every client's API
answers, it prints a table of nodes and clients and writes localnet.json in
--dir (written only once ready) with the keys directory, dashboard, nodes
(id, role, layer, mixnetAddress, httpAddress, clientsURL, identity,
sphinxKey, provider), clients (id, address, apiPort, gateway) and socks5.

The directory always runs inside nym-localnet. Nodes and clients run inside
it too, unless --exec: then each runs as its own process ("nym-node run --id
ID", "nym-client run --id ID" with NYM_HOME=--dir), its output forwarded to
stderr with an "[id] " prefix. --exec finds the binaries in --bin-dir if
given, else next to this program, else in $PATH, else builds them with
"go build -o DIR/bin/ ./cmd/nym-node ./cmd/nym-client ./cmd/nym-socks5-client"
when run inside the nym-go module (a place without nym-socks5-client is used
without the SOCKS5 proxy, with a warning). A child that exits early stops the whole network with an error.

A network monitor (package internal/monitor) runs inside nym-localnet in both
modes, once the network is ready, every --monitor-interval: it tests every
node and posts the scores, which the directory trusts (its key is in
localnet.json "monitor" and in the table), puts in the topology and shows on
the dashboard; clients avoid nodes under 50 %. Its files are in
--dir/network-monitor/monitor/ (history kept in data/history.json).
--no-monitor turns it off.

gateway-1 is an exit gateway: its network requester connects SOCKS5 streams
to this machine's loopback only (allow list 127.0.0.0/8, ::1, localhost). A
SOCKS5 proxy (nym-socks5-client "socks5-1", files in --dir/socks5-clients/,
registered at the last gateway) uses it as its provider; the table prints its
address and localnet.json lists it under "socks5" (id, port, provider,
gateway, address), so right after start:
  curl --socks5-hostname 127.0.0.1:PORT http://127.0.0.1:8000/
fetches from a server on this machine through the mixnet. With --exec it
runs as "nym-socks5-client run --id socks5-1". --no-socks5 skips it. Its
download rate is bounded by --exit-real-mean (about 2 KB per tick).

Local network only: every node runs with [debug] fault_injection = true, so
POST http://NODE-HTTP/api/v1/debug/fault {"drop": true} makes a node drop
every packet it would forward ({"drop": false} undoes it). Never enable that
setting on a real node.

SIGINT (Ctrl-C) or SIGTERM stops everything within 5 s: children get SIGTERM,
then SIGKILL. A temporary --dir is removed; a given one is kept.

Flags (write them -flag or --flag):
`

// run parses args, runs the network until ctx ends and returns the exit
// code: 0 after a clean stop, 1 on failure, 2 on bad usage.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("nym-localnet", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
	}
	var cfg localnet.Config
	fs.StringVar(&cfg.Dir, "dir", "", "`directory` for keys, configs, logs and localnet.json; kept at exit\n(default: a fresh temporary directory, removed at exit)")
	fs.BoolVar(&cfg.Force, "force", false, "use a --dir that holds an earlier network: delete its nym-nodes/, clients/, logs/\nand localnet.json first (every run starts with fresh keys)")
	fs.IntVar(&cfg.Layers, "layers", localnet.DefaultLayers, "mix layers (nodes support exactly 3)")
	fs.IntVar(&cfg.MixesPerLayer, "mixes-per-layer", localnet.DefaultMixesPerLayer, "mix nodes in each layer")
	fs.IntVar(&cfg.Gateways, "gateways", localnet.DefaultGateways, "entry gateways")
	fs.IntVar(&cfg.Clients, "clients", localnet.DefaultClients, "native clients (0: none)")
	fs.BoolVar(&cfg.Exec, "exec", false, "run every node and client as its own process from the built binaries")
	fs.StringVar(&cfg.BinDir, "bin-dir", "", "with --exec: `directory` holding nym-node and nym-client (see above for the default)")
	fs.BoolVar(&cfg.Traffic, "traffic", false, "clients send each other messages of mixed sizes continuously, so the dashboard\nshows throughput; counts are logged every few seconds")
	fs.Float64Var(&cfg.TrafficRate, "traffic-rate", localnet.DefaultTrafficRate, "with --traffic: messages per second each client sends")
	fs.DurationVar(&cfg.HopDelay, "hop-delay", localnet.DefaultHopDelay, "clients' mean mixing delay per hop (0: none)")
	fs.DurationVar(&cfg.RealMean, "real-mean", 0, "clients' real-traffic stream mean gap: a message waits about this long to leave,\nand an idle client sends loop cover at each tick (0: the client default, 20ms)")
	fs.DurationVar(&cfg.LoopMean, "loop-mean", 0, "clients' loop-cover stream mean gap (0: the client default, 200ms; negative: off)")
	fs.DurationVar(&cfg.ExitRealMean, "exit-real-mean", 0, "the exit gateway's network requester's real-traffic mean gap; it bounds the\nSOCKS5 download rate to about 2 KB per tick (0: --real-mean)")
	fs.StringVar(&cfg.DirectoryListen, "directory-listen", localnet.DefaultDirectoryListen, "TCP `address` of the directory and dashboard (port 0: a free port)")
	fs.DurationVar(&cfg.ReadyTimeout, "ready-timeout", localnet.DefaultReadyTimeout, "give up if the network is not ready after this long")
	fs.StringVar(&cfg.LogLevel, "log-level", "info", "log `level`: debug, info, warn or error (also passed to child processes)")
	fs.DurationVar(&cfg.MonitorInterval, "monitor-interval", localnet.DefaultMonitorInterval, "time between the starts of two network monitor runs")
	fs.BoolVar(&cfg.NoMonitor, "no-monitor", false, "run without the network monitor")
	fs.BoolVar(&cfg.NoSOCKS5, "no-socks5", false, "run without the SOCKS5 proxy")
	fs.DurationVar(&cfg.SOCKS5IdleTimeout, "socks5-idle-timeout", localnet.DefaultSOCKS5IdleTimeout, "the SOCKS5 proxy resets a stream with no traffic either way for this long\n(also how a download ends when its exit goes away)")
	logFormat := fs.String("log-format", logging.FormatText, "log `format`: text or json")
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	if err == nil && fs.NArg() > 0 {
		err = fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.SetOutput(stdout)
		fs.Usage()
		return 0
	case err != nil:
		fmt.Fprintf(stderr, "nym-localnet: %v\n", err)
		fs.SetOutput(stderr)
		fs.Usage()
		return 2
	}
	// In Config zero means the default; on the command line it means none.
	if cfg.Clients == 0 {
		cfg.Clients = -1
	}
	if cfg.HopDelay == 0 {
		cfg.HopDelay = -1
	}
	log, err := logging.New(stderr, cfg.LogLevel, *logFormat)
	if err != nil {
		fmt.Fprintf(stderr, "nym-localnet: %v\n", err)
		return 2
	}
	n, err := localnet.New(cfg, localnet.Deps{Stdout: stdout, Stderr: stderr, Logger: log})
	if err != nil {
		fmt.Fprintf(stderr, "nym-localnet: %v\n", err)
		return 2
	}
	if err := n.Run(ctx); err != nil {
		fmt.Fprintf(stderr, "nym-localnet: %v\n", err)
		return 1
	}
	return 0
}
