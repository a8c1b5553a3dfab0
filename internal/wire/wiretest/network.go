// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Package wiretest is an in-memory network for tests of nodes: listeners
// and a wire.Dialer that connect by address string, over buffered pipes.
//
// Unlike net.Pipe, whose writes wait for a matching read, each direction of
// a connection buffers up to Config.BufferSize bytes, as a socket does, so
// a pipeline of nodes behaves as it would over TCP: a writer blocks only
// when its peer falls that far behind. Deadlines follow the network's
// clock, so a test on a clocktest.Fake fires them with Advance. Network and
// its listeners implement wire.ConnClocker, so code that computes deadlines
// with wire.ConnClock uses that clock here and the wall clock over TCP.
//
// Loss, latency and reordering are not simulated: those happen at the
// packet level, above this package.
package wiretest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"

	"github.com/nym-go/nym/internal/clock"
	"github.com/nym-go/nym/internal/wire"
)

// network is the name returned by Addr.Network and used in errors.
const network = "mem"

// Defaults for Config.
const (
	// DefaultBufferSize is how many bytes each direction of a connection
	// buffers by default, in the range of a TCP socket's buffers.
	DefaultBufferSize = 64 << 10
	// DefaultBacklog is how many unaccepted connections a listener holds
	// by default.
	DefaultBacklog = 128
)

// Errors from Listen and DialContext, wrapped in *net.OpError.
var (
	// ErrRefused means nothing listens on the address, or its backlog of
	// unaccepted connections is full.
	ErrRefused = errors.New("wiretest: connection refused")
	// ErrAddrInUse means another listener has the address.
	ErrAddrInUse = errors.New("wiretest: address already in use")
	// ErrNetworkClosed means Network.Close has been called.
	ErrNetworkClosed = errors.New("wiretest: network closed")
)

// Config configures a Network. The zero value selects every default.
type Config struct {
	// Clock times deadlines; nil means clock.Real().
	Clock clock.Clock
	// BufferSize is how many bytes each direction of a connection buffers;
	// 0 means DefaultBufferSize.
	BufferSize int
	// Backlog is how many connections a listener holds before Accept; a
	// dial beyond it is refused. 0 means DefaultBacklog.
	Backlog int
}

// Network is an in-memory network. It is safe for concurrent use.
type Network struct {
	cfg Config

	mu        sync.Mutex
	closed    bool
	down      chan struct{} // closed by Close before any endpoint, so none sees its peer's EOF first
	listeners map[string]*listener
	conns     map[*conn]struct{} // open endpoints
	nextPort  int                // for "host:0" listeners and dialers' local addresses

	bmu            sync.Mutex    // guards the fields below
	blocked        int           // Read and Write calls waiting
	blockedChanged chan struct{} // closed and replaced when blocked changes
}

var (
	_ wire.Dialer      = (*Network)(nil)
	_ wire.ConnClocker = (*Network)(nil)
	_ wire.ConnClocker = (*listener)(nil)
)

// NewNetwork returns an empty network.
func NewNetwork(cfg Config) *Network {
	if cfg.Clock == nil {
		cfg.Clock = clock.Real()
	}
	if cfg.BufferSize <= 0 {
		cfg.BufferSize = DefaultBufferSize
	}
	if cfg.Backlog <= 0 {
		cfg.Backlog = DefaultBacklog
	}
	return &Network{
		cfg:       cfg,
		down:      make(chan struct{}),
		listeners: map[string]*listener{},
		conns:     map[*conn]struct{}{},
		nextPort:  49152,

		blockedChanged: make(chan struct{}),
	}
}

// addr is a network address: any string, conventionally "host:port".
type addr string

func (a addr) Network() string { return network }
func (a addr) String() string  { return string(a) }

// Listen starts listening on address, which may end in ":0" to get a free
// port (the listener's Addr tells which).
func (n *Network) Listen(address string) (net.Listener, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return nil, &net.OpError{Op: "listen", Net: network, Addr: addr(address), Err: ErrNetworkClosed}
	}
	if host, ok := strings.CutSuffix(address, ":0"); ok {
		address = host + ":" + strconv.Itoa(n.port())
	}
	if _, taken := n.listeners[address]; taken {
		return nil, &net.OpError{Op: "listen", Net: network, Addr: addr(address), Err: ErrAddrInUse}
	}
	l := &listener{net: n, addr: addr(address), backlog: make(chan *conn, n.cfg.Backlog), done: make(chan struct{})}
	n.listeners[address] = l
	return l, nil
}

// port returns an unused port number. The caller holds n.mu.
func (n *Network) port() int {
	n.nextPort++
	return n.nextPort
}

// ConnClock returns the clock the network's connection deadlines follow
// (Config.Clock), so that code computing deadlines with wire.ConnClock
// uses it; it implements wire.ConnClocker.
func (n *Network) ConnClock() clock.Clock { return n.cfg.Clock }

// Dialer returns the network's wire.Dialer (the Network itself).
func (n *Network) Dialer() wire.Dialer { return n }

// DialContext connects to the listener at address. It succeeds as soon as
// the connection is in the listener's backlog, before Accept, as a TCP
// connect does; it fails with ErrRefused if nothing listens there or the
// backlog is full, and with ctx's error if ctx is already done.
func (n *Network) DialContext(ctx context.Context, address string) (net.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Addr: addr(address), Err: err}
	}
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil, &net.OpError{Op: "dial", Net: network, Addr: addr(address), Err: ErrNetworkClosed}
	}
	l := n.listeners[address]
	if l == nil {
		n.mu.Unlock()
		return nil, &net.OpError{Op: "dial", Net: network, Addr: addr(address), Err: ErrRefused}
	}
	local := addr("dialer:" + strconv.Itoa(n.port()))
	client, server := n.pairLocked(local, l.addr)
	n.mu.Unlock()

	if !l.enqueue(server) {
		client.Close()
		server.Close()
		return nil, &net.OpError{Op: "dial", Net: network, Addr: addr(address), Err: ErrRefused}
	}
	return client, nil
}

// pairLocked makes the two endpoints of a connection and records them as
// open. The caller holds n.mu.
func (n *Network) pairLocked(clientAddr, serverAddr addr) (client, server *conn) {
	up, down := newRing(n.cfg.BufferSize), newRing(n.cfg.BufferSize)
	client = &conn{net: n, local: clientAddr, remote: serverAddr, rx: down, tx: up,
		rdl: newDeadline(n.cfg.Clock), wdl: newDeadline(n.cfg.Clock), closed: make(chan struct{})}
	server = &conn{net: n, local: serverAddr, remote: clientAddr, rx: up, tx: down,
		rdl: newDeadline(n.cfg.Clock), wdl: newDeadline(n.cfg.Clock), closed: make(chan struct{})}
	n.conns[client] = struct{}{}
	n.conns[server] = struct{}{}
	return client, server
}

// forget drops a closed endpoint from the open set.
func (n *Network) forget(c *conn) {
	n.mu.Lock()
	delete(n.conns, c)
	n.mu.Unlock()
}

// OpenConns returns the number of connection endpoints not yet closed: a
// connection counts twice until both of its ends are closed, and one whose
// server end still waits in a backlog counts too. Tests check that it
// returns to 0.
func (n *Network) OpenConns() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.conns)
}

// blocking adds delta to the count of waiting Read and Write calls.
func (n *Network) blocking(delta int) {
	n.bmu.Lock()
	n.blocked += delta
	close(n.blockedChanged)
	n.blockedChanged = make(chan struct{})
	n.bmu.Unlock()
}

// WaitBlocked waits until at least count Read or Write calls on the
// network's connections are blocked (waiting for data, buffer space, a
// deadline or Close), or until ctx is done. Tests call it before moving a
// fake clock or closing a connection, to be sure the calls they mean to
// wake are waiting.
func (n *Network) WaitBlocked(ctx context.Context, count int) error {
	for {
		n.bmu.Lock()
		got, ch := n.blocked, n.blockedChanged
		n.bmu.Unlock()
		if got >= count {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("wiretest: waiting for %d blocked calls, %d blocked: %w", count, got, ctx.Err())
		}
	}
}

// Close closes every listener and every connection, and makes later
// Listen and DialContext calls fail with ErrNetworkClosed.
func (n *Network) Close() error {
	n.mu.Lock()
	if !n.closed {
		close(n.down)
	}
	n.closed = true
	listeners := make([]*listener, 0, len(n.listeners))
	for _, l := range n.listeners {
		listeners = append(listeners, l)
	}
	conns := make([]*conn, 0, len(n.conns))
	for c := range n.conns {
		conns = append(conns, c)
	}
	n.mu.Unlock()
	for _, l := range listeners {
		l.Close()
	}
	for _, c := range conns {
		c.Close()
	}
	return nil
}

// listener is a Network's net.Listener.
type listener struct {
	net     *Network
	addr    addr
	backlog chan *conn

	mu     sync.Mutex // guards closed and sends on backlog
	closed bool
	done   chan struct{} // closed by Close
}

// enqueue puts a dialled connection's server end in the backlog, and
// reports false if the listener is closed or the backlog is full.
func (l *listener) enqueue(c *conn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return false
	}
	select {
	case l.backlog <- c:
		return true
	default:
		return false
	}
}

// Accept waits for a connection, or for Close.
func (l *listener) Accept() (net.Conn, error) {
	select {
	case c := <-l.backlog:
		return c, nil
	case <-l.done:
		return nil, &net.OpError{Op: "accept", Net: network, Addr: l.addr, Err: net.ErrClosed}
	}
}

// Close stops the listener, frees its address and closes connections
// still in its backlog. A blocked Accept returns net.ErrClosed.
func (l *listener) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return &net.OpError{Op: "close", Net: network, Addr: l.addr, Err: net.ErrClosed}
	}
	l.closed = true
	close(l.done)
	var pending []*conn
drain:
	for {
		select {
		case c := <-l.backlog:
			pending = append(pending, c)
		default:
			break drain
		}
	}
	l.mu.Unlock()

	l.net.mu.Lock()
	if l.net.listeners[string(l.addr)] == l {
		delete(l.net.listeners, string(l.addr))
	}
	l.net.mu.Unlock()
	for _, c := range pending {
		c.Close()
	}
	return nil
}

// Addr returns the listener's address.
func (l *listener) Addr() net.Addr { return l.addr }

// ConnClock returns the network's clock, which the deadlines of accepted
// connections follow.
func (l *listener) ConnClock() clock.Clock { return l.net.cfg.Clock }
