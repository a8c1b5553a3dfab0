// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

//go:build race

package client_test

// raceEnabled is true under the race detector, which slows Sphinx about
// tenfold; large tests shrink.
const raceEnabled = true
