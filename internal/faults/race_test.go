// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

//go:build race

package faults

// raceEnabled: the race detector makes every packet several times dearer.
const raceEnabled = true
