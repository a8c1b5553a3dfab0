// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

//go:build !linux

package localnet

import "os/exec"

// setProcAttr does nothing outside Linux: a child stays in the launcher's
// process group and is not killed if the launcher dies.
func setProcAttr(*exec.Cmd) {}
