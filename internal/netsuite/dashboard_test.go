// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package netsuite

import (
	"testing"
	"time"

	"github.com/nym-go/nym/internal/browsertest"
	"github.com/nym-go/nym/internal/dashboard/dashboardtest"
)

// TestDashboardOnLocalnet opens the dashboard of a running in-process
// local network whose clients exchange messages (Config.Traffic) in
// headless Chromium, and checks that every node of the topology is listed
// (by its Sphinx key, as the directory lists it) and that the network's
// throughput becomes non-zero; it saves a screenshot (dashboard.png, see
// browsertest.SaveArtifact). Without chromium it skips, unless
// NYM_REQUIRE_BROWSER=1.
func TestDashboardOnLocalnet(t *testing.T) {
	ctx := browsertest.New(t, 90*time.Second) // skips first: no network started in vain
	cfg := fastConfig()
	cfg.Traffic = true
	nw := startNet(t, cfg)
	var keys []string
	for _, n := range nw.info.Nodes {
		keys = append(keys, n.SphinxKey)
	}
	if len(keys) != 3*2+2 {
		t.Fatalf("the network lists %d nodes, want 8 (3 layers of 2 mixes, 2 gateways)", len(keys))
	}
	dashboardtest.Check(t, ctx, nw.info.Dashboard, keys)
}
