// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package netsuite holds the end-to-end tests of a whole local network
// (internal/localnet), written once and run against the in-process network
// and against the --exec network of nym-node and nym-client processes:
//
//   - client A sends client B 100 messages of mixed sizes up to 1 MiB
//     through the clients' local APIs (clientapi), and all arrive intact;
//   - B replies through the reply SURB A attached, and A receives it;
//   - B, stopped and started again, receives what its gateway stored
//     meanwhile.
//
// It also holds the dashboard's browser test on a running network with
// traffic (dashboardtest.Check), skipped without Chromium unless
// NYM_REQUIRE_BROWSER=1.
//
// The package has only tests:
//
//	go test -race -count=1 ./internal/netsuite/                  # both modes
//	go test -race -count=1 -short ./internal/netsuite/           # in-process only
//	NYM_REQUIRE_BROWSER=1 go test -count=1 -run Dashboard ./internal/netsuite/
package netsuite
