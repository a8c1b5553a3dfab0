// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package client

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"time"

	"github.com/nym-go/nym/internal/e2e"
	"github.com/nym-go/nym/internal/gateway/gwclient"
	"github.com/nym-go/nym/internal/wire"
)

func (c *Client) currentConn() Conn {
	c.connMu.Lock()
	defer c.connMu.Unlock()
	return c.conn
}

func (c *Client) setConn(conn Conn) {
	c.connMu.Lock()
	c.conn = conn
	c.connMu.Unlock()
}

// dial connects with Deps.Dial, or with gwclient.Dial by default.
func (c *Client) dial(ctx context.Context) (Conn, error) {
	if c.deps.Dial != nil {
		return c.deps.Dial(ctx)
	}
	url := c.cfg.GatewayURL
	if url == "" {
		top := c.deps.Topology()
		if top == nil {
			c.topologyFailed()
			return nil, ErrNoTopology
		}
		gw, ok := top.GatewayByIdentity(c.cfg.Gateway)
		if !ok {
			c.topologyFailed()
			return nil, fmt.Errorf("%w: own gateway not listed", ErrNoTopology)
		}
		url = gw.ClientURL
	}
	return gwclient.Dial(ctx, url, c.deps.Identity, ed25519.PublicKey(c.cfg.Gateway), c.deps.GatewayKeys,
		&gwclient.Options{Rand: c.deps.CryptoRand, Logger: c.deps.Logger})
}

// connLoop keeps a gateway connection until ctx ends, reconnecting with
// exponential backoff, and handles its deliveries.
func (c *Client) connLoop(ctx context.Context) {
	schedule := wire.Backoff{Initial: c.cfg.BackoffMin, Max: c.cfg.BackoffMax}
	failures := 0
	for ctx.Err() == nil {
		conn, err := c.dial(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			failures++
			wait := c.jitter(schedule.Delay(failures))
			c.deps.Logger.Warn("client: cannot connect to the gateway", "err", err, "retry_in", wait)
			if !c.sleep(ctx, wait) {
				return
			}
			continue
		}
		failures = 0
		c.setConn(conn)
		err = c.serve(ctx, conn)
		c.setConn(nil)
		conn.Close()
		if ctx.Err() != nil {
			return
		}
		c.deps.Logger.Warn("client: gateway connection lost", "err", err)
		if !c.sleep(ctx, c.jitter(schedule.Delay(1))) {
			return
		}
	}
}

// jitter returns a wait drawn uniformly from [d/2, d], so that the clients
// of a gateway that restarts do not all come back at the same instant.
func (c *Client) jitter(d time.Duration) time.Duration {
	if d <= 1 {
		return d
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return d/2 + time.Duration(c.rng.Int64N(int64(d-d/2)+1))
}

// sleep waits d on the clock; false if ctx ended first.
func (c *Client) sleep(ctx context.Context, d time.Duration) bool {
	t := c.deps.Clock.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C():
		return true
	}
}

// serve handles deliveries until the connection or ctx ends. It never
// waits for the application: each delivery is acknowledged to the gateway
// once handled, except a message the receive queue has no room for, which
// stays unacknowledged so that the gateway keeps it. The gateway offers an
// unacknowledged delivery again after its ack timeout, in order, on the same
// connection (docs/protocol/gateway.md §3), so nothing more is needed here.
func (c *Client) serve(ctx context.Context, conn Conn) error {
	for {
		d, err := conn.Receive(ctx)
		if err != nil {
			return err
		}
		if !c.handle(d) {
			c.deferred.Add(1)
			continue
		}
		if err := conn.Ack(ctx, d.ID); err != nil {
			return err
		}
	}
}

// handle processes one delivery. It returns false, having changed nothing,
// when the delivery carries a message the receive queue has no room for.
func (c *Client) handle(d gwclient.Delivery) bool {
	switch {
	case d.IsAck():
		id, err := c.cipher.Open(d.Data)
		if err != nil {
			c.deps.Logger.Debug("client: bad ack", "err", err)
			return true
		}
		c.mu.Lock()
		c.table.Ack(id)
		c.handleEventsLocked()
		c.mu.Unlock()
		return true
	case d.Reply():
		if !c.inbox.accepting() {
			return false
		}
		// Gateways name the SURB a reply came through, so its keys are one
		// lookup away; older gateways don't, and then every key set is tried.
		var msg []byte
		var err error
		now := c.deps.Clock.Now()
		c.mu.Lock()
		c.sweepLocked(now)
		if d.HasIdentifier() {
			msg, err = c.replies.OpenByIdentifier(d.Identifier, d.Data)
		} else {
			msg, _, err = c.replies.Open(d.Data)
		}
		if err == nil {
			c.markDirtyLocked()
		}
		c.mu.Unlock()
		if err != nil {
			c.unopened.Add(1)
			c.deps.Logger.Debug("client: reply dropped: no stored keys open it (evicted to make room, expired, or not ours)",
				"identifier", fmt.Sprintf("%x", d.Identifier[:4]), "err", err)
			return true
		}
		c.inbox.push(Received{Message: msg, IsReply: true})
		return true
	}
	frag, err := e2e.OpenDelivery(c.deps.Encryption, d.Data)
	if err != nil {
		c.deps.Logger.Debug("client: undecryptable delivery", "err", err)
		return true
	}
	if e2e.IsCover(frag) {
		return true
	}
	if !c.inbox.accepting() {
		return false
	}
	now := c.deps.Clock.Now()
	c.mu.Lock()
	c.sweepLocked(now)
	m, ok, err := c.reasm.Add(now, frag)
	c.mu.Unlock()
	if err != nil {
		c.deps.Logger.Debug("client: bad fragment", "err", err)
		return true
	}
	if !ok {
		return true
	}
	surbs, msg, err := e2e.ParseBody(m.Data)
	if err != nil {
		c.deps.Logger.Debug("client: bad message body", "err", err)
		return true
	}
	r := Received{Message: msg, ReplySURBs: surbs}
	if len(surbs) > 0 {
		r.ReplySURB = surbs[0]
	}
	c.inbox.push(r)
	return true
}

// Deferred returns how many deliveries the client has left unacknowledged at
// its gateway because its receive queue was full (Config.ReceiveBuffer). The
// gateway offers such a delivery again after its ack timeout, so one message
// may be counted several times while the application does not read.
func (c *Client) Deferred() uint64 { return c.deferred.Load() }
