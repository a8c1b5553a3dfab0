// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package monitor is the network monitor: it measures how reliably every
// mix node and gateway forwards packets and publishes the scores to the
// directory, which puts them in the topology for clients (route choice,
// internal/topology) and the dashboard (docs/protocol/monitor.md).
//
// The monitor is a set of ordinary clients: it registers one client
// identity at every gateway, so it can send from any gateway and receive at
// each. A run (RunOnce):
//
//  1. fetches the topology and connects to every gateway it lists;
//  2. validates candidate routes (mixes and gateways that scored well in
//     the last run, every node at bootstrap) with Config.RoutePackets
//     packets each; every node on a route that delivered is known-good;
//  3. sends Config.PacketsPerNode test packets through each node, on
//     routes whose other hops are known-good, so a loss is pinned on the
//     node under test;
//     Both phases send their packets one by one, in a shuffled order, with
//     exponential gaps of mean Config.SendGap, shrunk so that a run sends
//     for at most Config.SendFraction of the Interval (pacing.go): no
//     burst at the start of a run tells a mix which packets are tests;
//  4. waits until every packet arrived or Config.WaitTimeout passed since
//     the latest arrival time drawn for them (longer while packets keep
//     arriving, at most three WaitTimeouts), scores each node
//     received/sent × 100, appends the run to the History (written
//     atomically) and posts a signed dirapi.ReliabilityReport with the
//     last run, last hour and last day. Packets arriving after their run
//     are late, not lost: History.AddLate adds them to its record.
//
// One receiver per gateway connection reads and acknowledges every
// delivery at once, during and between runs; if it cannot, it closes the
// connection and the next run dials again. Result.Stats counts what
// happened to the run's packets at the monitor.
//
// Test packets are ordinary: Regular-size Sphinx packets on 3-mix routes
// with exponential hop delays (Config.HopDelay), a real SURB-ack in front,
// and a payload sealed end to end (e2e.Seal) to the receiving identity, so
// only the monitor can read (run id, node tested, nonce) inside.
//
// Run repeats RunOnce every Config.Interval on the injected clock until
// its context ends. History may be called from any goroutine meanwhile. Time (clock.Clock) and randomness (a *rand.Rand for
// routes, delays and nonces; an io.Reader for keys) are injected.
package monitor
