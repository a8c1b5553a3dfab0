// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

//go:build race

package wire_test

// raceEnabled reports whether the race detector is on; it allocates, so
// allocation counts are not checked under it.
const raceEnabled = true
