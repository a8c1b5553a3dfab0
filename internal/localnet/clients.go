// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package localnet

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/nym-go/nym/internal/clientapi"
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
	// The client config cannot say "no delay": 0 means its default.
	hop := n.cfg.HopDelay
	if hop == 0 {
		hop = time.Nanosecond
	}
	for i := range n.cfg.Clients {
		gw := gateways[i%len(gateways)]
		c := ClientInfo{ID: "client-" + strconv.Itoa(i+1), APIPort: ports[i], Gateway: gw.info.ID}
		_, addr, err := nativeclient.Init(sup.ctx, nativeclient.InitOptions{
			Home: root, ID: c.ID, Gateway: gw.info.Identity, Directory: dirURL, APIPort: c.APIPort,
			Traffic: nativeclient.TrafficConfig{HopDelay: hop},
			Rand:    n.deps.Rand, Stdout: io.Discard, Logger: n.deps.Logger,
		})
		if err != nil {
			return nil, fmt.Errorf("init client %s: %w", c.ID, err)
		}
		c.Address = addr.String()
		clients = append(clients, c)
	}
	for _, c := range clients {
		if n.cfg.Exec {
			if err := n.startProcess(sup, root, c.ID, bins.client, "run", "--id", c.ID, "--log-level", n.cfg.LogLevel); err != nil {
				return nil, err
			}
			continue
		}
		sup.Go("client "+c.ID, func(ctx context.Context) error {
			return nativeclient.Run(ctx, nativeclient.RunOptions{Home: root, ID: c.ID, Stdout: io.Discard, Logger: n.deps.Logger})
		})
	}
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
