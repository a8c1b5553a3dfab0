// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package socks5e2e

import (
	"os"
	"testing"

	"github.com/nym-go/nym/internal/localnet/localnettest"
)

// TestMain removes the binaries buildBinaries built (localnettest.BuildBinaries).
func TestMain(m *testing.M) { os.Exit(localnettest.Main(m)) }
