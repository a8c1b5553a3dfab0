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

	"github.com/nym-go/nym/internal/clientapi"
	"github.com/nym-go/nym/internal/home"
	"github.com/nym-go/nym/internal/nativeclient"
)

// startClients initialises the native clients (as nym-client init would:
// keys, registration at the gateway, config), client-i at gateway
// (i-1) mod Gateways, starts them in-process or as processes, and waits
// until each one's API answers selfAddress with its address.
func (n *Net) startClients(sup *supervisor, root string, bins binaries, dirURL string, specs []*nodeSpec) ([]ClientInfo, error) {
	clients := []ClientInfo{}
	if n.cfg.Clients == 0 {
		return clients, nil
	}
	var gateways []*nodeSpec
	for _, s := range specs {
		if s.mode.IsGateway() {
			gateways = append(gateways, s)
		}
	}
	ports, err := freePorts(n.cfg.Clients)
	if err != nil {
		return nil, err
	}
	hop := n.cfg.HopDelay
	if hop == 0 {
		hop = nativeclient.NoHopDelay // the client's 0 means its default
	}
	for i := range n.cfg.Clients {
		gw := gateways[i%len(gateways)]
		c := ClientInfo{ID: "client-" + strconv.Itoa(i+1), APIPort: ports[i], Gateway: gw.info.ID}
		_, addr, err := nativeclient.Init(sup.ctx, nativeclient.InitOptions{
			Home: root, ID: c.ID, Gateway: gw.info.Identity, Directory: dirURL, APIPort: c.APIPort,
			Traffic: nativeclient.TrafficConfig{HopDelay: hop, RealMean: n.cfg.RealMean, LoopMean: n.cfg.LoopMean},
			Rand:    n.deps.Rand, Stdout: io.Discard, Logger: n.deps.Logger,
		})
		if err != nil {
			return nil, fmt.Errorf("init client %s: %w", c.ID, err)
		}
		if err := shortenClientTopology(root, c.ID); err != nil {
			return nil, fmt.Errorf("init client %s: %w", c.ID, err)
		}
		c.Address = addr.String()
		clients = append(clients, c)
	}
	live := &liveClients{sup: sup, root: root, bins: bins, stop: make(map[string]func()), info: make(map[string]ClientInfo)}
	for i := range clients {
		c := &clients[i]
		start := func() (func(), error) { return n.runClient(live, c.ID) }
		if !n.cfg.Exec {
			start0 := start
			start = func() (func(), error) {
				return retryTakenPort(n.log, "client "+c.ID, start0, func() error { return movePort(root, c) })
			}
		}
		stop, err := start()
		if err != nil {
			return nil, err
		}
		live.stop[c.ID], live.info[c.ID] = stop, *c
	}
	n.mu.Lock()
	n.live = live
	n.mu.Unlock()
	err = n.poll(sup.ctx, "clients", func() ([]string, error) {
		var missing []string
		for _, c := range clients {
			if err := checkClient(sup.ctx, c); err != nil {
				missing = append(missing, c.ID+" ("+err.Error()+")")
			}
		}
		return missing, nil
	})
	return clients, err
}

// liveClients are what StopClient and StartClient need of a running
// network.
type liveClients struct {
	sup  *supervisor
	root string
	bins binaries
	// stop holds each running client's stop function, nil for a stopped
	// client; info every client. Guarded by Net.mu.
	stop map[string]func()
	info map[string]ClientInfo
	// ended is set (under Net.mu) when Run starts to shut down; no part
	// may start after.
	ended bool
}

// runClient starts client id in-process or, with Exec, as a process, and
// returns the function that stops it alone. In-process, it returns once
// the client's API listens, or with the error that stopped it before.
func (n *Net) runClient(live *liveClients, id string) (stop func(), err error) {
	if n.cfg.Exec {
		return n.startProcess(live.sup, live.root, id, live.bins.client, "run", "--id", id, "--log-level", n.cfg.LogLevel)
	}
	return startBound(live.sup, "client "+id, func(ctx context.Context, bound func()) error {
		return nativeclient.Run(ctx, nativeclient.RunOptions{Home: live.root, ID: id, Stdout: io.Discard, Logger: n.deps.Logger,
			Ready: func(nativeclient.Addrs) { bound() }})
	})
}

// movePort gives client c a fresh API port, in its config and c.APIPort.
func movePort(root string, c *ClientInfo) error {
	ports, err := freePorts(1)
	if err != nil {
		return err
	}
	dir, err := home.For(root, home.Client, c.ID)
	if err != nil {
		return err
	}
	cfg, _, err := nativeclient.Load(dir.Config(), true)
	if err != nil {
		return err
	}
	cfg.API.Listen = net.JoinHostPort(Host, strconv.Itoa(ports[0]))
	text, err := cfg.Encode()
	if err != nil {
		return err
	}
	if err := os.WriteFile(dir.Config(), text, 0o600); err != nil {
		return err
	}
	c.APIPort = ports[0]
	return nil
}

// StopClient stops the client id (in-process: its Run is cancelled; with
// Exec: its process gets SIGTERM) and returns once it has stopped. The
// rest of the network keeps running, and the client's gateway stores what
// arrives for it meanwhile; StartClient starts it again. It fails if the
// network is not running or id is unknown or already stopped.
func (n *Net) StopClient(id string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.live == nil || n.live.ended {
		return errors.New("localnet: StopClient: the network is not running")
	}
	stop, ok := n.live.stop[id]
	if !ok {
		if _, known := n.live.info[id]; known {
			return fmt.Errorf("localnet: StopClient: %s is stopped already", id)
		}
		return fmt.Errorf("localnet: StopClient: no client %q", id)
	}
	stop()
	delete(n.live.stop, id)
	n.log.Info("client stopped", "id", id)
	return nil
}

// StartClient starts the client id, stopped by StopClient, again from its
// files (same keys, address and API port), and returns once its API
// accepts TCP connections, or with an error after ctx ends or
// Config.ReadyTimeout. (It opens no websocket session: the API would hand
// a session the messages stored for the client, and closing the session
// would lose them.)
func (n *Net) StartClient(ctx context.Context, id string) error {
	n.mu.Lock()
	if n.live == nil || n.live.ended {
		n.mu.Unlock()
		return errors.New("localnet: StartClient: the network is not running")
	}
	live := n.live
	c, known := live.info[id]
	_, running := live.stop[id]
	if !known || running {
		n.mu.Unlock()
		if running {
			return fmt.Errorf("localnet: StartClient: %s is running", id)
		}
		return fmt.Errorf("localnet: StartClient: no client %q", id)
	}
	stop, err := n.runClient(live, id)
	if err != nil {
		n.mu.Unlock()
		return fmt.Errorf("localnet: StartClient: %w", err)
	}
	live.stop[id] = stop
	n.mu.Unlock()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { // the network stopping ends the wait too
		select {
		case <-live.sup.ctx.Done():
			cancel()
		case <-ctx.Done():
		}
	}()
	var d net.Dialer
	err = n.poll(ctx, "client "+id, func() ([]string, error) {
		conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(Host, strconv.Itoa(c.APIPort)))
		if err != nil {
			return []string{id + " (" + err.Error() + ")"}, nil
		}
		conn.Close()
		return nil, nil
	})
	if err != nil {
		return fmt.Errorf("localnet: StartClient: %w", err)
	}
	n.log.Info("client started", "id", id)
	return nil
}

// endClients marks the network as shutting down: StopClient and
// StartClient refuse from now on.
func (n *Net) endClients() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.live != nil {
		n.live.ended = true
	}
}

// checkClient asks the client's API for its address and compares it.
func checkClient(ctx context.Context, c ClientInfo) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	conn, err := clientapi.Dial(ctx, c.APIURL())
	if err != nil {
		return err
	}
	defer conn.Close()
	got, err := conn.SelfAddress(ctx)
	if err != nil {
		return err
	}
	if got != c.Address {
		return fmt.Errorf("API answers address %s, want %s", got, c.Address)
	}
	return nil
}
