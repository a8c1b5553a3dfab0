// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package client

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/nym-go/nym/internal/ack"
	"github.com/nym-go/nym/internal/address"
	"github.com/nym-go/nym/internal/cover"
	"github.com/nym-go/nym/internal/e2e"
	"github.com/nym-go/nym/internal/fragment"
	"github.com/nym-go/nym/internal/sphinx"
	"github.com/nym-go/nym/internal/topology"
)

// outPacket is a packet ready for the gateway.
type outPacket struct {
	firstHop sphinx.NodeAddress
	size     sphinx.SizeType
	pkt      []byte
}

// source is the cover.Source of real packets; it runs on Run's sender
// goroutine.
type source struct{ c *Client }

// NextReal implements cover.Source: it re-queues overdue fragments, then
// builds the next queued one. It returns nothing while the gateway is away,
// so nothing queued is spent on a dead connection.
func (s source) NextReal() (outPacket, bool) {
	c := s.c
	if c.currentConn() == nil {
		return outPacket{}, false
	}
	now := c.deps.Clock.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if due := c.table.Due(now); len(due) > 0 {
		items := make([]item, 0, len(due)+len(c.queue))
		for _, id := range due {
			items = append(items, item{id: id, retry: true})
		}
		c.queue = append(items, c.queue...)
	}
	c.handleEventsLocked()
	for len(c.queue) > 0 {
		it := c.queue[0]
		if it.pkt != nil {
			c.pop()
			size, ok := sphinx.SizeTypeForPacketLen(len(it.pkt))
			if !ok {
				continue
			}
			return outPacket{firstHop: it.firstHop, size: size, pkt: it.pkt}, true
		}
		m, ok := c.out[it.id.Message]
		if !ok { // done or failed meanwhile
			c.pop()
			continue
		}
		if m.keysGen > c.passGen {
			// Its SURBs' keys are not saved yet: ask the saver and send
			// cover meanwhile. One save covers every message queued so
			// far, so a burst of SURB messages costs one write.
			c.kickSave()
			return outPacket{}, false
		}
		p, rtt, err := c.buildLocked(m, it.id)
		if err != nil {
			// Leave it queued; the topology may come back.
			c.deps.Logger.Warn("client: cannot build packet", "fragment", it.id, "err", err)
			return outPacket{}, false
		}
		c.pop()
		if it.retry {
			err = c.table.Retry(it.id, now, rtt)
		} else {
			err = c.table.Add(it.id, now, rtt)
		}
		if err != nil { // acknowledged or failed while queued
			continue
		}
		return p, true
	}
	return outPacket{}, false
}

// pop removes the queue's head. Call with mu held.
func (c *Client) pop() {
	c.queue[0] = item{}
	c.queue = c.queue[1:]
	if len(c.queue) == 0 {
		c.queue = nil
	}
}

// routeTo picks a route of three mixes and dest's gateway, with delays set.
// Call with mu held.
func (c *Client) routeTo(dest address.Address) ([]sphinx.Hop, error) {
	r, _, err := c.routeDelay(dest)
	return r, err
}

// routeDelay is routeTo that also returns the sum of the mixes' delays. On
// ErrNoTopology it calls Deps.TopologyFailed.
func (c *Client) routeDelay(dest address.Address) ([]sphinx.Hop, time.Duration, error) {
	top := c.deps.Topology()
	if top == nil {
		c.topologyFailed()
		return nil, 0, ErrNoTopology
	}
	gw, ok := top.GatewayByIdentity(ed25519.PublicKey(dest.Gateway[:]))
	if !ok {
		c.topologyFailed()
		return nil, 0, fmt.Errorf("%w: gateway %x not listed", ErrNoTopology, dest.Gateway[:4])
	}
	return c.routeVia(top, gw)
}

// routeVia picks three mixes of top, then gw, with delays set, and returns
// the route and the sum of the mixes' delays. Call with mu held.
func (c *Client) routeVia(top *topology.Topology, gw topology.Gateway) ([]sphinx.Hop, time.Duration, error) {
	route, err := top.Route(c.rng, gw)
	if err != nil {
		c.topologyFailed()
		return nil, 0, errors.Join(ErrNoTopology, err)
	}
	var total time.Duration
	for i, d := range cover.Delays(c.rng, c.cfg.HopDelay, len(route)-1) {
		route[i].Delay = d
		total += d
	}
	return route, total, nil
}

// buildLocked wraps fragment id of m in a forward packet on a fresh route
// with a fresh SURB-ack, and returns it with its expected round trip. Call
// with mu held.
func (c *Client) buildLocked(m *outMsg, id fragment.ID) (outPacket, time.Duration, error) {
	if int(id.Index) >= len(m.frags) {
		return outPacket{}, 0, ack.ErrUnknown
	}
	route, fwd, err := c.routeDelay(m.dest)
	if err != nil {
		return outPacket{}, 0, err
	}
	ackRoute, _, err := c.routeDelay(c.self)
	if err != nil {
		return outPacket{}, 0, err
	}
	surbAck, ackDelay, err := e2e.BuildSURBAck(c.deps.CryptoRand, ackRoute, c.self, c.deps.AckKey[:], id)
	if err != nil {
		return outPacket{}, 0, err
	}
	sealed, err := e2e.Seal(c.deps.CryptoRand, m.dest.Encryption, m.frags[id.Index])
	if err != nil {
		return outPacket{}, 0, err
	}
	hop, pkt, err := e2e.Compose(c.deps.CryptoRand, route, m.dest, surbAck, sealed, c.size)
	if err != nil {
		return outPacket{}, 0, err
	}
	return outPacket{firstHop: hop, size: c.size, pkt: pkt}, fwd + ackDelay, nil
}

// handleEventsLocked forgets finished messages and reports failed ones.
// Call with mu held.
func (c *Client) handleEventsLocked() {
	for _, ev := range c.table.Events() {
		delete(c.out, ev.Message)
		if ev.Kind != ack.Failed {
			continue
		}
		select {
		case c.failures <- Failure{ID: ev.Handle.id, SentAt: ev.Handle.queued, Err: ev.Err}:
		default:
			c.deps.Logger.Warn("client: failure dropped, Failures() not read", "message", ev.Message, "err", ev.Err)
		}
	}
}

// sink is the cover.Sink: it builds cover and hands packets to the gateway,
// on Run's sender goroutine.
type sink struct {
	c   *Client
	ctx context.Context
}

// Send implements cover.Sink: it builds loop and drop cover, and sends.
func (s sink) Send(kind cover.Kind, p outPacket) {
	c := s.c
	conn := c.currentConn()
	if conn == nil {
		return
	}
	var err error
	switch kind {
	case cover.Loop:
		p, err = c.buildCover()
	case cover.Drop:
		p, err = c.buildDrop()
	}
	if err != nil {
		c.deps.Logger.Debug("client: no cover", "kind", kind, "err", err)
		return
	}
	if p.pkt == nil {
		return
	}
	ctx, cancel := context.WithTimeout(s.ctx, c.cfg.SendTimeout)
	defer cancel()
	if err := conn.Send(ctx, p.firstHop, p.size, p.pkt); err != nil {
		// A lost real packet is retransmitted when its ack times out.
		c.deps.Logger.Debug("client: send to gateway failed", "err", err)
	}
}

// buildCover builds a loop-cover packet to the client itself.
func (c *Client) buildCover() (outPacket, error) {
	c.mu.Lock()
	route, err := c.routeTo(c.self)
	c.mu.Unlock()
	if err != nil {
		return outPacket{}, err
	}
	hop, pkt, err := e2e.ComposeCover(c.deps.CryptoRand, route, c.self, e2e.NoAck, c.size)
	if err != nil {
		return outPacket{}, err
	}
	return outPacket{firstHop: hop, size: c.size, pkt: pkt}, nil
}

// buildDrop builds a drop-cover packet (Loopix drop cover): a packet of the
// client's size through three random mixes to a random gateway of the
// topology, addressed to a fresh random identity that no client has, so the
// gateway drops it as addressed to an unknown recipient. Its plaintext is
// sealed cover to a fresh key, so to everyone on the route it looks like
// any other packet.
func (c *Client) buildDrop() (outPacket, error) {
	var dest address.Address
	if _, err := io.ReadFull(c.deps.CryptoRand, dest.Identity[:]); err != nil {
		return outPacket{}, fmt.Errorf("client: drop cover identity: %w", err)
	}
	_, enc, err := e2e.GenerateKey(c.deps.CryptoRand)
	if err != nil {
		return outPacket{}, err
	}
	dest.Encryption = enc
	top := c.deps.Topology()
	if top == nil {
		c.topologyFailed()
		return outPacket{}, ErrNoTopology
	}
	gws := top.Gateways()
	if len(gws) == 0 {
		c.topologyFailed()
		return outPacket{}, fmt.Errorf("%w: no gateways", ErrNoTopology)
	}
	c.mu.Lock()
	gw := gws[c.rng.IntN(len(gws))]
	route, _, err := c.routeVia(top, gw)
	c.mu.Unlock()
	if err != nil {
		return outPacket{}, err
	}
	copy(dest.Gateway[:], gw.Identity)
	hop, pkt, err := e2e.ComposeCover(c.deps.CryptoRand, route, dest, e2e.NoAck, c.size)
	if err != nil {
		return outPacket{}, err
	}
	return outPacket{firstHop: hop, size: c.size, pkt: pkt}, nil
}
