// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package client

import "context"

// Hooks for the external tests and benchmarks: they drive the sender and
// the saver without Run's Poisson timer.

// NextPacket builds the next queued real packet as a real-stream tick
// does, and reports whether there was one to send.
func (c *Client) NextPacket() bool {
	_, ok := source{c}.NextReal()
	return ok
}

// SetConn sets the gateway connection NextPacket requires.
func (c *Client) SetConn(conn Conn) { c.setConn(conn) }

// RunSaver runs the saver goroutine's loop until ctx ends.
func (c *Client) RunSaver(ctx context.Context) { c.saveLoop(ctx) }
