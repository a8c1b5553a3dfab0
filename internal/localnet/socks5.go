// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package localnet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/nym-go/nym/internal/home"
	"github.com/nym-go/nym/internal/nativeclient"
	"github.com/nym-go/nym/internal/socks5client"
)

// The local network's SOCKS5 proxy: one nym-socks5-client whose provider
// is gateway-1's network requester (the exit), registered at the last
// gateway, so that with two gateways or more its own gateway is not the
// exit (stopping the exit with StopNode leaves the proxy running).
const (
	// SOCKS5ID is the proxy's id under socks5-clients/.
	SOCKS5ID = "socks5-1"
	// DefaultSOCKS5IdleTimeout is Config.SOCKS5IdleTimeout's default: a
	// stream with no traffic either way for this long is reset, which is
	// also how a download from an exit that went away ends.
	DefaultSOCKS5IdleTimeout = 60 * time.Second
)

// SOCKS5Info describes the local network's SOCKS5 proxy.
type SOCKS5Info struct {
	// ID is the proxy's id under socks5-clients/ (nym-socks5-client run
	// --id ID).
	ID string `json:"id"`
	// Port is the SOCKS5 listener's port on 127.0.0.1.
	Port int `json:"port"`
	// Provider is the exit's network requester address.
	Provider string `json:"provider"`
	// Gateway is the id of the gateway the proxy's client registered at.
	Gateway string `json:"gateway"`
	// Address is the proxy's own mixnet address.
	Address string `json:"address"`
}

// Addr returns the SOCKS5 listener's address, 127.0.0.1:Port.
func (s SOCKS5Info) Addr() string { return net.JoinHostPort(Host, strconv.Itoa(s.Port)) }

// initSOCKS5 initialises the proxy's client (keys, registration at the
// last gateway, config with a free port and the exit as provider), as
// nym-socks5-client init would. It returns nil with Config.NoSOCKS5 or
// when no node is an exit.
func (n *Net) initSOCKS5(ctx context.Context, root, dirURL string, specs []*nodeSpec) (*SOCKS5Info, error) {
	if n.cfg.NoSOCKS5 {
		return nil, nil
	}
	var exit, gw *nodeSpec
	for _, s := range specs {
		if s.info.Provider != "" && exit == nil {
			exit = s
		}
		if s.mode.IsGateway() {
			gw = s
		}
	}
	if exit == nil || gw == nil {
		return nil, nil
	}
	ports, err := freePorts(1)
	if err != nil {
		return nil, err
	}
	info := &SOCKS5Info{ID: SOCKS5ID, Port: ports[0], Provider: exit.info.Provider, Gateway: gw.info.ID}
	hop := n.cfg.HopDelay
	if hop == 0 {
		hop = nativeclient.NoHopDelay
	}
	_, addr, err := socks5client.Init(ctx, socks5client.InitOptions{
		Home: root, ID: info.ID, Provider: info.Provider, Gateway: gw.info.Identity, Directory: dirURL,
		Port:    info.Port,
		Traffic: nativeclient.TrafficConfig{HopDelay: hop, RealMean: n.cfg.RealMean, LoopMean: n.cfg.LoopMean},
		Socks5:  socks5client.Socks5Config{IdleTimeout: n.cfg.SOCKS5IdleTimeout},
		Rand:    n.deps.Rand, Stdout: io.Discard, Logger: n.deps.Logger,
	})
	if err != nil {
		return nil, fmt.Errorf("init %s: %w", info.ID, err)
	}
	if err := shortenSOCKS5Topology(root, info.ID); err != nil {
		return nil, fmt.Errorf("init %s: %w", info.ID, err)
	}
	info.Address = addr.String()
	return info, nil
}

// shortenSOCKS5Topology sets the proxy's topology refresh to
// clientTopologyInterval, as the native clients'.
func shortenSOCKS5Topology(root, id string) error {
	dir, err := home.For(root, home.Socks5Client, id)
	if err != nil {
		return err
	}
	cfg, _, err := socks5client.Load(dir.Config(), true)
	if err != nil {
		return err
	}
	cfg.Client.Directory.TopologyInterval = clientTopologyInterval
	text, err := cfg.Encode()
	if err != nil {
		return err
	}
	return os.WriteFile(dir.Config(), text, 0o600)
}

// startSOCKS5 runs the proxy in-process (socks5client.Run) or, with Exec,
// as "nym-socks5-client run --id ID".
func (n *Net) startSOCKS5(sup *supervisor, root string, bins binaries, info *SOCKS5Info) error {
	if n.cfg.Exec {
		_, err := n.startProcess(sup, root, info.ID, bins.socks5, "run", "--id", info.ID, "--log-level", n.cfg.LogLevel)
		return err
	}
	sup.Go("socks5 client "+info.ID, func(ctx context.Context) error {
		return socks5client.Run(ctx, socks5client.RunOptions{Home: root, ID: info.ID, Stdout: io.Discard, Logger: n.deps.Logger})
	})
	return nil
}

// waitSOCKS5 polls until the proxy's port accepts TCP connections.
func (n *Net) waitSOCKS5(ctx context.Context, info *SOCKS5Info) error {
	var d net.Dialer
	return n.poll(ctx, "socks5 proxy", func() ([]string, error) {
		dctx, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		conn, err := d.DialContext(dctx, "tcp", info.Addr())
		if err != nil {
			return []string{info.ID + " (" + err.Error() + ")"}, nil
		}
		conn.Close()
		return nil, nil
	})
}

// StopNode stops node id (in-process: its Run is cancelled; with Exec: its
// process gets SIGTERM) and returns once it has stopped. The rest of the
// network keeps running; the node stays stopped (tests use it to take an
// exit away mid-stream). It fails if the network is not running or id is
// unknown or already stopped.
func (n *Net) StopNode(id string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.nodeStop == nil {
		return errors.New("localnet: StopNode: the network is not running")
	}
	stop, ok := n.nodeStop[id]
	if !ok {
		return fmt.Errorf("localnet: StopNode: no node %q", id)
	}
	if stop == nil {
		return fmt.Errorf("localnet: StopNode: %s is stopped already", id)
	}
	stop()
	n.nodeStop[id] = nil
	n.log.Info("node stopped", "id", id)
	return nil
}

// endNodes marks the network as shutting down: StopNode refuses from now
// on.
func (n *Net) endNodes() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.nodeStop = nil
}
