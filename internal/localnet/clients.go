// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package localnet

// startClients initialises and starts the native clients, client i at
// gateway i mod Gateways, and waits until each one's API answers.
func (n *Net) startClients(sup *supervisor, root string, bins binaries, dirURL string, specs []*nodeSpec) ([]ClientInfo, error) {
	if n.cfg.Clients > 0 {
		n.log.Warn("native clients are not available yet: starting none", "wanted", n.cfg.Clients)
	}
	return []ClientInfo{}, nil
}
