// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package mixnode

import "errors"

// ErrFault means the packet was dropped because the node's test-only fault
// is switched on (SetFault).
var ErrFault = errors.New("mixnode: dropped by the fault injection switch")

// SetFault switches the node's test-only fault on or off. While it is on,
// every packet the node would forward to a next hop (unwrapped packets,
// packets released by the delay queue, and packets given to Send) is
// dropped and counted as DropFault, as a failing or malicious mix would
// lose them; final-hop packets are still handed to Deps.Final. Packets
// already in a forwarder's queue when it is switched on still leave.
//
// It exists so that the network monitor's tests can make a node fail on
// purpose; nym-node exposes it only with [debug] fault_injection = true.
// It is safe for concurrent use and takes effect for the next packet.
func (n *Node) SetFault(drop bool) {
	if n.fault.Swap(drop) != drop {
		n.log.Warn("fault injection switched", "drop_every_packet", drop)
	}
}

// Fault reports whether the test-only fault is on (see SetFault).
func (n *Node) Fault() bool { return n.fault.Load() }
