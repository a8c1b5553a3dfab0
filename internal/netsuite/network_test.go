// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package netsuite

import (
	"context"
	"testing"
	"time"

	"github.com/nym-go/nym/internal/leaktest"
	"github.com/nym-go/nym/internal/localnet"
	"github.com/nym-go/nym/internal/localnet/localnettest"
	"github.com/nym-go/nym/internal/logtest"
)

// fastConfig is the network the suite runs on: no mixing delay and no
// separate loop-cover stream. Every client sends a packet, loop cover when
// idle, at each tick of its real-traffic stream, and each packet brings a
// SURB-ack back, so the stream's rate is the load whether or not anything
// is sent. It must stay well below what the nodes can unwrap on this
// shared 2-core machine: beyond it the mix nodes' 1024-packet inbound
// queues fill, round trips grow past the ack timeout, and retransmissions
// of the same fragments crowd out everything else (the network does not
// recover while the load lasts). 10 ms (100 packets/s per client) leaves
// room; under the race detector, which makes every packet several times
// dearer, 25 ms (40/s).
func fastConfig() localnet.Config {
	realMean := 10 * time.Millisecond
	if raceEnabled {
		realMean = 25 * time.Millisecond
	}
	return localnet.Config{
		HopDelay:     -1, // none
		RealMean:     realMean,
		LoopMean:     -1, // off: idle real ticks send loop cover already
		ReadyTimeout: 60 * time.Second,
	}
}

// network is a running local network as the suite sees it.
type network struct {
	info localnet.Info
	// stopClient stops one client (by id) and returns once it has stopped;
	// startClient starts it again and returns once its API answers.
	stopClient  func(id string) error
	startClient func(ctx context.Context, id string) error
	logs        *logtest.Buffer
}

// startNet runs a local network with cfg until the test ends, and returns
// it once ready.
func startNet(t *testing.T, cfg localnet.Config) *network {
	t.Helper()
	r := localnettest.Start(t, cfg)
	return &network{info: r.Info, stopClient: r.Net.StopClient, startClient: r.Net.StartClient, logs: r.Logs}
}

// buildBinaries builds nym-node, nym-client and nym-socks5-client once
// into a temporary directory and returns it; under -short it skips the
// test.
func buildBinaries(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("SKIP: -short: the --exec suite builds nym-node and nym-client with go build and runs 8 nodes and 2 clients as processes")
	}
	return localnettest.BuildBinaries(t)
}

// TestInProcess runs the suite against the in-process local network.
func TestInProcess(t *testing.T) {
	leaktest.Check(t)
	runSuite(t, startNet(t, fastConfig()))
}

// TestExec runs the suite against a local network of nym-node and
// nym-client processes (localnet --exec).
func TestExec(t *testing.T) {
	bin := buildBinaries(t)
	leaktest.Check(t)
	cfg := fastConfig()
	cfg.Exec, cfg.BinDir = true, bin
	runSuite(t, startNet(t, cfg))
}
