// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package faults holds the fault tests of issue 10: a whole local network
// (internal/localnet) with one part crashed, cut off or taken away while
// client-1 sends client-2 messages through their local APIs (clientapi),
// and every message still arriving, exactly once:
//
//   - TestKillMixNode: kill -9 a layer-2 mix node in the middle of a
//     200-message transfer; retransmission routes around it.
//   - TestKillGateway: kill -9 the recipient's gateway while messages
//     arrive, start it again from its files; none is lost.
//   - TestDirectoryOutage: the directory down for 60 s (5 s with -short);
//     messages sent meanwhile arrive on the cached topology, and every
//     node is back in the fresh directory's topology soon after it returns.
//   - TestClientOffline: the recipient stopped in the middle of a
//     transfer, messages sent while it is away, started again: it receives
//     everything.
//   - TestLayerPartition: every link from layer 1 to layer 2 cut (the
//     layer-1 mix nodes' debug fault switch drops all they forward);
//     nothing arrives during the cut, and all arrives once it heals,
//     without a restart.
//   - TestLinkCut: the TCP links from layer 1 to layer 2 cut
//     (localnet.CutLinks: dials fail, open connections are closed) past
//     the reconnect backoff's early steps (8 s; -faults.linkcut=30s for a
//     longer cut); nothing arrives during the cut, and the layer-1 nodes
//     reconnect on their own once it heals (after the backoff wait that
//     was running) and all arrives.
//
// The kill tests run nym-node and nym-client as processes (localnet
// --exec, binaries built once with go build) and are skipped with -short;
// the others run the network in this process. The package has only tests:
//
//	go test -race -count=1 ./internal/faults/           # all
//	go test -race -count=1 -short ./internal/faults/    # in-process only, 5 s outage
package faults
