// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Command nym-directory runs the network's directory: the presence and
// PKI registry nodes announce themselves to, the topology clients read,
// and the metrics stream dashboards watch. See docs/protocol/directory.md.
package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/nym-go/nym/internal/base58"
	"github.com/nym-go/nym/internal/directory"
	"github.com/nym-go/nym/internal/home"
	"github.com/nym-go/nym/internal/logging"
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
		fmt.Fprintln(os.Stderr, "nym-directory:", err)
		os.Exit(1)
	}
}

var errUsage = errors.New("usage")

const usage = `Usage: nym-directory [flags]
       nym-directory unbind --state FILE --pubkey KEY

Runs the directory: nodes POST their presence to it, clients GET the
topology, mix nodes POST traffic metrics, and /ws streams those metrics.
It keeps the REST API of the v0.5.0 Nym directory; presence is signed with
the node's Ed25519 identity (see docs/protocol/directory.md). It stops
cleanly on SIGINT or SIGTERM. Bindings of pubKeys to identities are kept in
the --state file across restarts; "nym-directory unbind" removes one from it
while the directory is stopped.

Flags:
`

// run parses args, serves until ctx is cancelled and returns why it
// stopped. It prints the address and routes to stdout, logs to stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "unbind" {
		return unbind(args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet("nym-directory", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
	}
	var cfg directory.Config
	fs.StringVar(&cfg.Listen, "listen", directory.DefaultListen,
		"TCP `address` to serve HTTP on (host:port; port 0 picks a free one)")
	fs.BoolVar(&cfg.AllowUnsigned, "allow-unsigned", false,
		"accept unsigned presence, as v0.5.0-era nodes send it; it never replaces a record\n"+
			"whose pubKey is bound to an identity (refused with 403). Without it: 401")
	fs.DurationVar(&cfg.PresenceTTL, "presence-ttl", directory.DefaultPresenceTTL,
		"how long a node stays in the topology after its last announcement")
	fs.IntVar(&cfg.MaxLayers, "max-layers", directory.DefaultMaxLayers,
		"highest mix `layer` a mix node may announce (layers are 1..max-layers)")
	fs.DurationVar(&cfg.SignatureWindow, "signature-window", directory.DefaultSignatureWindow,
		"how far a signed announcement's timestamp may be from this clock, either way")
	fs.DurationVar(&cfg.TopologyMaxAge, "topology-max-age", directory.DefaultTopologyMaxAge,
		"how stale lastSeen values in the served topology may be; other changes show at once")
	fs.DurationVar(&cfg.BindingTTL, "binding-ttl", directory.DefaultBindingTTL,
		"how long a pubKey stays bound to its identity after the last signed announcement")
	fs.StringVar(&cfg.StateFile, "state", defaultStateFile(),
		"`file` keeping pubKey→identity bindings across restarts (\"\": memory only)")
	fs.DurationVar(&cfg.ReliabilityMaxAge, "reliability-max-age", directory.DefaultReliabilityMaxAge,
		"how long after its run a monitor's score is shown in the topology (older: served as stale)")
	fs.Func("monitor-key", "base58 Ed25519 `key` of a network monitor whose reliability reports are trusted\n"+
		"(repeatable, or a comma-separated list); none: every report is refused", func(v string) error {
		for _, k := range strings.Split(v, ",") {
			b, err := base58.DecodeFixed(strings.TrimSpace(k), ed25519.PublicKeySize)
			if err != nil {
				return fmt.Errorf("monitor key %q: %v", k, err)
			}
			cfg.MonitorKeys = append(cfg.MonitorKeys, ed25519.PublicKey(b))
		}
		return nil
	})
	logLevel := fs.String("log-level", "info", "log `level`: debug, info, warn or error")
	logFormat := fs.String("log-format", logging.FormatText, "log `format`: text or json")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage // the flag package has printed the problem
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "nym-directory: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return errUsage
	}
	log, err := logging.New(stderr, *logLevel, *logFormat)
	if err != nil {
		return err
	}
	srv, err := directory.New(cfg, directory.Deps{Logger: log})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "nym-directory listening on %s (%s)\n", ln.Addr(), browseURL(ln.Addr()))
	for _, r := range srv.Routes() {
		fmt.Fprintf(stdout, "  %-34s %s\n", strings.TrimSuffix(r.Pattern, "{$}"), r.Doc)
	}
	return srv.Serve(ctx, ln)
}

// defaultStateFile is $NYM_HOME/directory/bindings.json, or "" if there
// is no home directory.
func defaultStateFile() string {
	root, err := home.Root()
	if err != nil {
		return ""
	}
	return filepath.Join(root, "directory", "bindings.json")
}

// unbind removes one binding from a stopped directory's state file.
func unbind(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("nym-directory unbind", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: nym-directory unbind --state FILE --pubkey KEY\n\n"+
			"Removes KEY's binding from the state file, so any identity may bind it again.\n"+
			"Stop the directory first: a running one writes its bindings back.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	state := fs.String("state", defaultStateFile(), "the directory's state `file`")
	pubKey := fs.String("pubkey", "", "the bound `pubKey` to release")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 || *pubKey == "" || *state == "" {
		fmt.Fprintln(stderr, "nym-directory unbind: --state and --pubkey are required, and nothing else")
		fs.Usage()
		return errUsage
	}
	id, err := directory.RemoveBinding(*state, *pubKey)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "unbound %s (was bound to identity %s)\n", *pubKey, id)
	return nil
}

// browseURL is the URL to open for a listener: localhost when it listens
// on every address.
func browseURL(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok || tcp.IP.IsUnspecified() {
		_, port, _ := net.SplitHostPort(a.String())
		return "http://localhost:" + port + "/"
	}
	return "http://" + tcp.String() + "/"
}
