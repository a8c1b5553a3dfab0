// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package localnet

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/nym-go/nym/internal/base58"
	"github.com/nym-go/nym/internal/home"
	"github.com/nym-go/nym/internal/monitor"
	"github.com/nym-go/nym/internal/nativeclient"
	"github.com/nym-go/nym/internal/node"
)

// The local network's monitor: files in Dir/network-monitor/MonitorID/
// (as nym-network-monitor init writes them), run in this process in both
// modes, a WaitTimeout short enough for the fast interval, the clients' own
// hop delay, and a few packets per node.
const (
	// MonitorID is the monitor's id under network-monitor/.
	MonitorID = "monitor"
	// DefaultMonitorInterval is Config.MonitorInterval's default.
	DefaultMonitorInterval = 3 * time.Second
	// MinMonitorInterval is the shortest Config.MonitorInterval.
	MinMonitorInterval = 500 * time.Millisecond
	monitorWaitTimeout = 2 * time.Second
	monitorPackets     = 5 // per node and per candidate route
	// clientTopologyInterval is how often the local clients refetch the
	// topology (nym-client's default is 5 min): they see a node's new
	// score within a second of the monitor posting it.
	clientTopologyInterval = time.Second
)

// MonitorInfo describes the local network's monitor.
type MonitorInfo struct {
	// Identity is the monitor's base58 Ed25519 identity, the one the
	// directory trusts (nym-directory --monitor-key).
	Identity string `json:"identity"`
	// IntervalMillis is the time between the starts of two runs.
	IntervalMillis int64 `json:"intervalMillis"`
	// Dir holds its files (config, keys, data/history.json).
	Dir string `json:"dir"`
	// HistoryFile is its run history, kept across restarts.
	HistoryFile string `json:"historyFile"`
}

// localMonitor is the network's monitor: its files, and how to stop the
// running one. Guarded by Net.mu.
type localMonitor struct {
	files monitor.Files
	cfg   monitor.Config
	info  MonitorInfo
	sup   *supervisor      // set once the network is ready
	stop  func()           // the running monitor's stop; nil when stopped
	run   *monitor.Monitor // the running (or last) monitor
}

// initMonitor writes the monitor's keys and config under root, as
// nym-network-monitor init would, and returns it (nil with NoMonitor).
func (n *Net) initMonitor(root, dirURL string) (*localMonitor, error) {
	if n.cfg.NoMonitor {
		return nil, nil
	}
	dir, err := home.For(root, monitor.Role, MonitorID)
	if err != nil {
		return nil, err
	}
	f := monitor.Files{Dir: string(dir)}
	hop := n.cfg.HopDelay
	if hop <= 0 {
		hop = monitor.NoHopDelay
	}
	cfg := monitor.Config{
		DirectoryURL: dirURL, Interval: n.cfg.MonitorInterval, PacketsPerNode: monitorPackets,
		RoutePackets: monitorPackets, WaitTimeout: monitorWaitTimeout, HopDelay: hop,
		HistoryFile: f.Data(monitor.HistoryFileName), Publish: true,
	}
	id, err := monitor.Init(f, cfg, false, n.deps.Rand)
	if err != nil {
		return nil, fmt.Errorf("init monitor: %w", err)
	}
	return &localMonitor{files: f, cfg: cfg, info: MonitorInfo{
		Identity: base58.Encode(id), IntervalMillis: n.cfg.MonitorInterval.Milliseconds(),
		Dir: f.Dir, HistoryFile: cfg.HistoryFile,
	}}, nil
}

// monitorKeys returns the identities the directory trusts.
func (m *localMonitor) monitorKeys() ([]ed25519.PublicKey, error) {
	if m == nil {
		return nil, nil
	}
	id, _, err := monitor.LoadKeys(m.files)
	if err != nil {
		return nil, err
	}
	return []ed25519.PublicKey{id.Public().(ed25519.PublicKey)}, nil
}

// startMonitorLocked runs the monitor from its files (its history
// included) as a part of sup. n.mu must be held.
func (n *Net) startMonitorLocked() error {
	m := n.mon
	id, seed, err := monitor.LoadKeys(m.files)
	if err != nil {
		return err
	}
	dir, err := monitor.NewHTTPDirectory(m.cfg.DirectoryURL, nil)
	if err != nil {
		return err
	}
	mon, err := monitor.New(m.cfg, monitor.Deps{
		Identity: id, ClientSeed: seed, Directory: dir, GatewayKeys: m.files.GatewayKeys(),
		Clock: n.deps.Clock, Logger: n.deps.Logger.With("component", "monitor"),
	})
	if err != nil {
		return fmt.Errorf("monitor: %w", err)
	}
	ctx, cancel := m.sup.Part()
	m.stop = m.sup.GoPart(ctx, cancel, "monitor", mon.Run)
	m.run = mon
	return nil
}

// StopMonitor stops the network's monitor and returns once it has stopped;
// its history stays in its file. The rest of the network keeps running,
// and the directory keeps the scores it has (for --reliability-max-age).
// It fails if the network is not ready, runs without a monitor, or the
// monitor is stopped already.
func (n *Net) StopMonitor() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	switch {
	case n.mon == nil:
		return errors.New("localnet: StopMonitor: the network runs without a monitor")
	case n.mon.sup == nil || n.mon.sup.ctx.Err() != nil:
		return errors.New("localnet: StopMonitor: the network is not running")
	case n.mon.stop == nil:
		return errors.New("localnet: StopMonitor: the monitor is stopped already")
	}
	n.mon.stop()
	n.mon.stop = nil
	n.log.Info("monitor stopped")
	return nil
}

// StartMonitor starts the monitor stopped by StopMonitor again from its
// files: same keys, and the history it wrote, so its last-hour and
// last-day scores still count the runs before the restart.
func (n *Net) StartMonitor() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	switch {
	case n.mon == nil:
		return errors.New("localnet: StartMonitor: the network runs without a monitor")
	case n.mon.sup == nil || n.mon.sup.ctx.Err() != nil:
		return errors.New("localnet: StartMonitor: the network is not running")
	case n.mon.stop != nil:
		return errors.New("localnet: StartMonitor: the monitor is running")
	}
	if err := n.startMonitorLocked(); err != nil {
		return fmt.Errorf("localnet: StartMonitor: %w", err)
	}
	n.log.Info("monitor started again", "history", n.mon.info.HistoryFile)
	return nil
}

// SetFault switches the test-only fault of node id (see
// docs/protocol/monitor.md): with drop set the node drops every packet it
// would forward. It posts to the node's debug API, which the local
// network's nodes serve ([debug] fault_injection = true), in both modes.
func (n *Net) SetFault(ctx context.Context, id string, drop bool) error {
	n.mu.Lock()
	nd, ok := n.nodes[id]
	n.mu.Unlock()
	if !ok {
		return fmt.Errorf("localnet: SetFault: no node %q", id)
	}
	body := fmt.Sprintf(`{"drop": %v}`, drop)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+nd.HTTPAddress+node.PathDebugFault, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
	if err != nil {
		return fmt.Errorf("localnet: SetFault %s: %w", id, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("localnet: SetFault %s: %s", id, resp.Status)
	}
	n.log.Warn("fault injection", "node", id, "drop", drop)
	return nil
}

// shortenClientTopology sets client id's topology refresh to
// clientTopologyInterval, so route choice follows the monitor's scores.
func shortenClientTopology(root, id string) error {
	dir, err := home.For(root, home.Client, id)
	if err != nil {
		return err
	}
	cfg, _, err := nativeclient.Load(dir.Config(), true)
	if err != nil {
		return err
	}
	cfg.Directory.TopologyInterval = clientTopologyInterval
	text, err := cfg.Encode()
	if err != nil {
		return err
	}
	return os.WriteFile(dir.Config(), text, 0o600)
}

// startMonitor starts the monitor, if the network has one, once the
// network is ready: its first run does not delay readiness.
func (n *Net) startMonitor(sup *supervisor) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.mon == nil {
		return nil
	}
	n.mon.sup = sup
	if err := n.startMonitorLocked(); err != nil {
		return err
	}
	n.log.Info("monitor running", "identity", n.mon.info.Identity, "interval", n.cfg.MonitorInterval)
	return nil
}
