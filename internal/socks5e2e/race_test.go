// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

//go:build race

package socks5e2e

// raceEnabled: the race detector makes every packet several times dearer
// in CPU; the big download shrinks.
const raceEnabled = true
