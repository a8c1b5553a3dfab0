// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

//go:build !race

package faults

const raceEnabled = false
