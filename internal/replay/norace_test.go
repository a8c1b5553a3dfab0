// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

//go:build !race

package replay_test

// raceEnabled is true when the race detector is on; statistical tests then
// use smaller samples, since every atomic access is many times slower.
const raceEnabled = false
