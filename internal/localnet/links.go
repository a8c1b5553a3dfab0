// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package localnet

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"

	"github.com/nym-go/nym/internal/wire"
)

// Links: in-process, every node dials its next hops through its own
// linkDialer (node.RunOptions.Dialer), which is TCP until CutLinks cuts
// some of its links. A cut link is cut at the TCP level: the node's dials
// to that address fail at once and its open connections to it are closed,
// as when a route between two hosts goes down and connections are reset.
// The node then reconnects with its usual backoff once HealLinks heals it.

// ErrLinkCut is the error a node's dial to a next hop gets while
// CutLinks has cut the link.
var ErrLinkCut = errors.New("localnet: link cut")

// LinkStats counts what one node's link switch did since the network
// started.
type LinkStats struct {
	// Refused is how many dials failed because their link was cut.
	Refused uint64
	// Closed is how many open connections a cut closed.
	Closed uint64
	// Dials is how many dials went through (to links not cut).
	Dials uint64
}

// linkDialer is one node's wire.Dialer in an in-process network. Its
// fields are guarded by mu; the connections it made remove themselves
// from conns when closed.
type linkDialer struct {
	tcp wire.TCPDialer

	mu    sync.Mutex
	all   bool            // every link cut
	cut   map[string]bool // next-hop addresses (host:port) cut
	conns map[*linkConn]struct{}
	stats LinkStats
}

func newLinkDialer() *linkDialer {
	return &linkDialer{cut: make(map[string]bool), conns: make(map[*linkConn]struct{})}
}

// isCutLocked reports whether the link to addr is cut; d.mu is held.
func (d *linkDialer) isCutLocked(addr string) bool { return d.all || d.cut[addr] }

// DialContext connects to addr over TCP unless the link to addr is cut.
func (d *linkDialer) DialContext(ctx context.Context, addr string) (net.Conn, error) {
	d.mu.Lock()
	if d.isCutLocked(addr) {
		d.stats.Refused++
		d.mu.Unlock()
		return nil, fmt.Errorf("dial %s: %w", addr, ErrLinkCut)
	}
	d.mu.Unlock()
	c, err := d.tcp.DialContext(ctx, addr)
	if err != nil {
		return nil, err
	}
	lc := &linkConn{Conn: c, d: d, addr: addr}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.isCutLocked(addr) { // cut while dialling
		d.stats.Refused++
		c.Close()
		return nil, fmt.Errorf("dial %s: %w", addr, ErrLinkCut)
	}
	d.stats.Dials++
	d.conns[lc] = struct{}{}
	return lc, nil
}

// setCut cuts the links to addrs (every link when addrs is empty) and
// closes the open connections over them.
func (d *linkDialer) setCut(addrs []string) {
	d.mu.Lock()
	if len(addrs) == 0 {
		d.all = true
	}
	for _, a := range addrs {
		d.cut[a] = true
	}
	var doomed []*linkConn
	for c := range d.conns {
		if d.isCutLocked(c.addr) {
			doomed = append(doomed, c)
			delete(d.conns, c)
			d.stats.Closed++
		}
	}
	d.mu.Unlock()
	for _, c := range doomed {
		c.Conn.Close()
	}
}

// heal ends every cut.
func (d *linkDialer) heal() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.all = false
	clear(d.cut)
}

func (d *linkDialer) linkStats() LinkStats {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stats
}

// linkConn is a connection made by a linkDialer.
type linkConn struct {
	net.Conn
	d    *linkDialer
	addr string
}

// Close forgets the connection and closes it.
func (c *linkConn) Close() error {
	c.d.mu.Lock()
	delete(c.d.conns, c)
	c.d.mu.Unlock()
	return c.Conn.Close()
}

// nodeLinksLocked returns node id's link switch, or an error when the
// network runs its nodes as processes, is not running, or has no node id.
// n.mu is held.
func (n *Net) nodeLinksLocked(id string) (d *linkDialer, err error) {
	switch {
	case n.cfg.Exec:
		return nil, errors.New("needs in-process nodes (not Exec: a process dials over plain TCP)")
	case n.nodeStop == nil:
		return nil, errors.New("the network is not running")
	}
	d, ok := n.links[id]
	if !ok {
		return nil, fmt.Errorf("no node %q", id)
	}
	return d, nil
}

// CutLinks cuts node from's mixnet links to the nodes to, or all its
// links when to is empty: from's dials to them fail with ErrLinkCut and
// its open connections to them are closed, until HealLinks. Cuts add up.
// Traffic the other way (to's links to from) is not affected. It needs
// in-process nodes (not Config.Exec) and a running network.
func (n *Net) CutLinks(from string, to ...string) error {
	n.mu.Lock()
	d, err := n.nodeLinksLocked(from)
	var addrs []string
	for _, id := range to {
		if err != nil {
			break
		}
		nd, ok := n.nodes[id]
		if !ok {
			err = fmt.Errorf("no node %q", id)
			break
		}
		addrs = append(addrs, nd.MixnetAddress)
	}
	n.mu.Unlock()
	if err != nil {
		return fmt.Errorf("localnet: CutLinks: %w", err)
	}
	d.setCut(addrs)
	n.log.Warn("links cut", "from", from, "to", to)
	return nil
}

// HealLinks ends every cut of node from's links: its next dials go
// through (each forwarder redials when its backoff wait ends).
func (n *Net) HealLinks(from string) error {
	n.mu.Lock()
	d, err := n.nodeLinksLocked(from)
	n.mu.Unlock()
	if err != nil {
		return fmt.Errorf("localnet: HealLinks: %w", err)
	}
	d.heal()
	n.log.Warn("links healed", "from", from)
	return nil
}

// LinkStats returns what node id's link switch counted.
func (n *Net) LinkStats(id string) (LinkStats, error) {
	n.mu.Lock()
	d, err := n.nodeLinksLocked(id)
	n.mu.Unlock()
	if err != nil {
		return LinkStats{}, fmt.Errorf("localnet: LinkStats: %w", err)
	}
	return d.linkStats(), nil
}
