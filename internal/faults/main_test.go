// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package faults

import (
	"os"
	"testing"
)

// binDir is the temporary directory execConfig builds the binaries into,
// removed by TestMain.
var binDir string

func tempDir() (string, error) {
	dir, err := os.MkdirTemp("", "nym-faults-bin-")
	binDir = dir
	return dir, err
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}
