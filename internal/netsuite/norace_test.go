// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

//go:build !race

package netsuite

// raceEnabled: the race detector slows Sphinx and everything else ~5-10x.
const raceEnabled = false
