// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package localnet

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/nym-go/nym/internal/clock"
	"github.com/nym-go/nym/internal/dirclient"
	"github.com/nym-go/nym/internal/directory"
	"github.com/nym-go/nym/internal/home"
	"github.com/nym-go/nym/internal/monitor"
	"github.com/nym-go/nym/internal/node"
)

// pollInterval is how often Run checks whether the network is ready.
const pollInterval = 50 * time.Millisecond

// settleTime is how long after every node is in the topology the network
// is ready: every node has fetched the whole topology by then.
const settleTime = nodeTopologyInterval + 250*time.Millisecond

// Net is a local network. Build it with New and call Run once.
type Net struct {
	cfg  Config
	deps Deps
	log  *slog.Logger

	mu    sync.Mutex          // guards live, mon, nodes, nodeStop and links
	live  *liveClients        // set once the clients have started
	mon   *localMonitor       // set with the directory; nil with NoMonitor
	nodes map[string]NodeInfo // by id, set once the nodes are initialised
	// nodeStop holds each node's stop function (nil once StopNode stopped
	// it), set once the nodes have started; nil again once Run stops.
	nodeStop map[string]func()
	// links holds each node's link switch (links.go), in-process only;
	// set before the nodes start and not changed after.
	links map[string]*linkDialer
	// ctl is what KillNode, StartNode, StopDirectory and StartDirectory
	// need (nodectl.go).
	ctl nodeCtl
}

// New checks cfg (zero fields take their defaults) and returns a Net.
func New(cfg Config, deps Deps) (*Net, error) {
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("localnet: %w", err)
	}
	if deps.Stdout == nil {
		deps.Stdout = io.Discard
	}
	if deps.Stderr == nil {
		deps.Stderr = io.Discard
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	if deps.Clock == nil {
		deps.Clock = clock.Real()
	}
	if deps.Rand == nil {
		deps.Rand = rand.Reader
	}
	return &Net{cfg: cfg, deps: deps, log: deps.Logger.With("component", "localnet")}, nil
}

// Run starts the network, waits until it is ready (every node in the
// directory's topology and answering on its HTTP API, every client's API
// answering), then writes localnet.json, prints the table, calls
// Deps.Ready, and runs until ctx is cancelled or a part fails. It then
// stops everything within ShutdownTimeout and removes a temporary Dir.
// It returns nil after a cancellation of ctx, or the error that stopped
// the network.
func (n *Net) Run(ctx context.Context) (err error) {
	start := n.deps.Clock.Now()
	root, cleanup, err := n.prepareDir()
	if err != nil {
		return err
	}
	defer func() {
		if cerr := cleanup(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	sup := newSupervisor(ctx)
	defer func() {
		if serr := sup.Stop(ShutdownTimeout); serr != nil {
			err = errors.Join(err, serr)
		}
		n.log.Info("local network stopped", "error", err)
	}()
	defer n.endClients() // before sup.Stop: no client starts after
	defer n.endNodes()

	dirURL, err := n.startDirectory(sup, root)
	if err != nil {
		return err
	}
	specs, err := planNodes(&n.cfg)
	if err != nil {
		return err
	}
	for _, s := range specs {
		if err := initNode(root, dirURL, s, n.deps.Rand, false); err != nil {
			return err
		}
	}
	if !n.cfg.Exec {
		links := make(map[string]*linkDialer, len(specs))
		for _, s := range specs {
			links[s.info.ID] = newLinkDialer()
		}
		n.mu.Lock()
		n.links = links
		n.mu.Unlock()
	}
	var bins binaries
	if n.cfg.Exec {
		if bins, err = n.findBinaries(ctx, root); err != nil {
			return err
		}
	}
	nodeStop := make(map[string]func(), len(specs))
	for _, s := range specs {
		stop, err := n.startNodeFirst(sup, root, dirURL, bins, s)
		if err != nil {
			return n.cause(ctx, sup, err)
		}
		nodeStop[s.info.ID] = stop
	}
	info := &Info{Dir: root, Directory: dirURL, Dashboard: dirURL + "/", Exec: n.cfg.Exec}
	nodes := make(map[string]NodeInfo, len(specs))
	for _, s := range specs {
		info.Nodes = append(info.Nodes, s.info)
		nodes[s.info.ID] = s.info
	}
	n.mu.Lock()
	n.nodes = nodes
	n.nodeStop = nodeStop
	n.ctl.root, n.ctl.bins = root, bins
	if n.mon != nil {
		info.Monitor = &n.mon.info
	}
	n.mu.Unlock()
	if err := n.waitNodes(sup.ctx, dirURL, specs); err != nil {
		return n.cause(ctx, sup, err)
	}
	n.log.Info("nodes ready", "nodes", len(specs), "after", n.deps.Clock.Now().Sub(start).Round(time.Millisecond))
	// A node that fetched the topology before the others announced
	// refuses them as next hops until its next fetch; the network is
	// ready once every node has fetched again (clients start meanwhile).
	settled := n.deps.Clock.NewTimer(settleTime)
	defer settled.Stop()
	socks, err := n.initSOCKS5(sup.ctx, root, dirURL, specs)
	if err != nil {
		return n.cause(ctx, sup, err)
	}
	if socks != nil && n.cfg.Exec && bins.socks5 == "" {
		n.log.Warn("no nym-socks5-client next to nym-node: the network runs without its SOCKS5 proxy (build it, or pass --no-socks5)")
		socks = nil
	}
	if socks != nil {
		if err := n.startSOCKS5(sup, root, bins, socks); err != nil {
			return n.cause(ctx, sup, err)
		}
	}
	clients, err := n.startClients(sup, root, bins, dirURL, specs)
	if err != nil {
		return n.cause(ctx, sup, err)
	}
	if socks != nil {
		if err := n.waitSOCKS5(sup.ctx, socks); err != nil {
			return n.cause(ctx, sup, err)
		}
	}
	select {
	case <-settled.C():
	case <-sup.ctx.Done():
		return n.cause(ctx, sup, nil)
	}
	info.Clients, info.SOCKS5 = clients, socks
	info.ReadyMillis = n.deps.Clock.Now().Sub(start).Milliseconds()
	if err := writeInfo(root, info); err != nil {
		return fmt.Errorf("write %s: %w", InfoFile, err)
	}
	printTable(n.deps.Stdout, info)
	n.log.Info("local network ready", "after", time.Duration(info.ReadyMillis)*time.Millisecond, "dashboard", info.Dashboard)
	if err := n.startMonitor(sup); err != nil {
		return err
	}
	if n.deps.Ready != nil {
		n.deps.Ready(*info)
	}
	if n.cfg.Traffic {
		n.startTraffic(sup, info)
	}
	<-sup.ctx.Done()
	return n.cause(ctx, sup, nil)
}

// cause returns why the network stopped: nil when ctx (the caller's) was
// cancelled, else the failure that cancelled the supervisor, else err.
func (n *Net) cause(ctx context.Context, sup *supervisor, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	if c := context.Cause(sup.ctx); c != nil && !errors.Is(c, errStopped) {
		return c
	}
	return err
}

// prepareDir creates (or checks) the network's directory and returns a
// function that removes it if it is temporary.
func (n *Net) prepareDir() (root string, cleanup func() error, err error) {
	if n.cfg.Dir == "" {
		root, err = os.MkdirTemp("", "nym-localnet-")
		if err != nil {
			return "", nil, fmt.Errorf("localnet: %w", err)
		}
		return root, func() error { return os.RemoveAll(root) }, nil
	}
	if root, err = filepath.Abs(n.cfg.Dir); err != nil {
		return "", nil, fmt.Errorf("localnet: %w", err)
	}
	if err := os.MkdirAll(root, 0o700); err != nil {
		return "", nil, fmt.Errorf("localnet: %w", err)
	}
	old := []string{string(home.Node), string(home.Client), string(home.Socks5Client), monitor.Role, "logs", InfoFile}
	var found []string
	for _, name := range old {
		if _, err := os.Lstat(filepath.Join(root, name)); err == nil {
			found = append(found, name)
		}
	}
	if len(found) > 0 && !n.cfg.Force {
		return "", nil, fmt.Errorf("localnet: %s already holds a network (%s); pass --force to delete it and start afresh",
			root, strings.Join(found, ", "))
	}
	for _, name := range found {
		if err := os.RemoveAll(filepath.Join(root, name)); err != nil {
			return "", nil, fmt.Errorf("localnet: %w", err)
		}
	}
	return root, func() error { return nil }, nil
}

// startDirectory serves an in-process directory that trusts the network
// monitor (initialised under root here) and returns its base URL.
func (n *Net) startDirectory(sup *supervisor, root string) (string, error) {
	ln, err := net.Listen("tcp", n.cfg.DirectoryListen)
	if err != nil {
		return "", fmt.Errorf("directory: %w", err)
	}
	addr := ln.Addr().(*net.TCPAddr)
	host := addr.IP.String()
	if addr.IP.IsUnspecified() {
		host = Host
	}
	dirURL := "http://" + net.JoinHostPort(host, fmt.Sprint(addr.Port))
	fail := func(err error) (string, error) {
		ln.Close()
		return "", err
	}
	mon, err := n.initMonitor(root, dirURL)
	if err != nil {
		return fail(err)
	}
	keys, err := mon.monitorKeys()
	if err != nil {
		return fail(err)
	}
	dcfg := directory.Config{ShutdownTimeout: time.Second, MonitorKeys: keys}
	srv, err := directory.New(dcfg, directory.Deps{Logger: n.deps.Logger})
	if err != nil {
		return fail(err)
	}
	n.mu.Lock()
	n.mon = mon
	n.mu.Unlock()
	n.serveDirectory(sup, ln, srv, dcfg)
	return dirURL, nil
}

// startNode runs one node in-process, or as a child process with Exec, and
// returns the function that stops it alone (StopNode). In-process, it
// returns once the node's listeners are bound, or with the error that
// stopped the node before.
func (n *Net) startNode(sup *supervisor, root string, bins binaries, id string) (stop func(), err error) {
	if n.cfg.Exec {
		return n.startProcess(sup, root, id, bins.node, "run", "--id", id, "--log-level", n.cfg.LogLevel)
	}
	opts := node.RunOptions{Home: root, ID: id, Stdout: io.Discard, Logger: n.deps.Logger}
	if d := n.links[id]; d != nil {
		opts.Dialer = d
	}
	return startBound(sup, "node "+id, func(ctx context.Context, bound func()) error {
		o := opts
		o.Ready = func(node.Addrs) { bound() }
		return node.Run(ctx, o)
	})
}

// startNodeFirst starts node s for the first time. In-process, a node
// whose port another program took since planNodes is started again on
// fresh ports, its config and s.info rewritten (ports.go).
func (n *Net) startNodeFirst(sup *supervisor, root, dirURL string, bins binaries, s *nodeSpec) (stop func(), err error) {
	start := func() (func(), error) { return n.startNode(sup, root, bins, s.info.ID) }
	if n.cfg.Exec {
		return start()
	}
	return retryTakenPort(n.log, "node "+s.info.ID, start, func() error {
		ports, err := freePorts(3)
		if err != nil {
			return err
		}
		s.mixPort, s.httpPort, s.clientPort = ports[0], ports[1], ports[2]
		return initNode(root, dirURL, s, n.deps.Rand, true)
	})
}

// waitNodes polls until every node is ready or Config.ReadyTimeout passes.
func (n *Net) waitNodes(ctx context.Context, dirURL string, specs []*nodeSpec) error {
	hc := &http.Client{Timeout: 2 * time.Second}
	defer hc.CloseIdleConnections()
	dc, err := dirclient.New(dirURL, hc)
	if err != nil {
		return err
	}
	return n.poll(ctx, "nodes", func() ([]string, error) { return nodesReady(ctx, dc, hc, specs) })
}

// poll calls check every pollInterval until it reports nothing missing, ctx
// ends or Config.ReadyTimeout passes (an error naming what is missing).
func (n *Net) poll(ctx context.Context, what string, check func() ([]string, error)) error {
	deadline := n.deps.Clock.Now().Add(n.cfg.ReadyTimeout)
	t := n.deps.Clock.NewTimer(0)
	defer t.Stop()
	var missing []string
	var lastErr error
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C():
		}
		missing, lastErr = check()
		if lastErr == nil && len(missing) == 0 {
			return nil
		}
		if !n.deps.Clock.Now().Before(deadline) {
			if lastErr != nil {
				return fmt.Errorf("%s not ready within %v: %w", what, n.cfg.ReadyTimeout, lastErr)
			}
			return fmt.Errorf("%s not ready within %v: %s", what, n.cfg.ReadyTimeout, strings.Join(missing, "; "))
		}
		t.Reset(pollInterval)
	}
}
