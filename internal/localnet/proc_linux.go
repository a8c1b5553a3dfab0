// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package localnet

import (
	"os/exec"
	"syscall"
)

// setProcAttr puts a child in its own process group, so a Ctrl-C in the
// terminal reaches only the launcher (which then stops the child in
// order), and has the kernel kill it if the launcher dies.
func setProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
