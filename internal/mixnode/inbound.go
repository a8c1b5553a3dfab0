// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package mixnode

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/nym-go/nym/internal/wire"
)

// Accept retry delays after a failed Accept that is not the listener
// closing (for example, out of file descriptors), as net/http does.
const (
	acceptRetryMin = 5 * time.Millisecond
	acceptRetryMax = time.Second
)

// acceptLoop accepts connections and starts a reader for each, adding it
// to wg, until the listener is closed. It returns an error only if the
// listener fails while ctx is still live.
func (n *Node) acceptLoop(ctx context.Context, wg *sync.WaitGroup) error {
	var retry time.Duration
	for {
		c, err := n.deps.Listener.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, net.ErrClosed) {
				return fmt.Errorf("mixnode: listener closed: %w", err)
			}
			retry = min(max(2*retry, acceptRetryMin), acceptRetryMax)
			n.log.Warn("accept failed; retrying", "err", err, "retry_in", retry)
			t := n.clk.NewTimer(retry)
			select {
			case <-t.C():
			case <-ctx.Done():
				t.Stop()
				return nil
			}
			continue
		}
		retry = 0
		switch n.conns.add(c) {
		case addOK:
			wg.Go(func() { n.readConn(ctx, c) })
		case addFull, addFullIP:
			n.ctr.refused.Add(1)
			c.Close()
		case addClosed:
			c.Close()
		}
	}
}

// readConn reads frames from c and queues their packets for the unwrap
// workers, blocking when the inbound queue is full. It closes c on a
// framing or read error, at the peer's close, at shutdown, when no frame
// starts within IdleConnTimeout, or when a started frame is not complete
// within FrameTimeout. Read deadlines are on the Listener's clock.
func (n *Node) readConn(ctx context.Context, c net.Conn) {
	defer n.conns.remove(c)
	r := wire.NewReaderSize(c, readBufferSize)
	var dl readDeadline
	for {
		// No deadline is needed while the next header is buffered.
		if r.Buffered() < wire.HeaderSize {
			dl.idle(n, c)
		}
		st, err := r.NextSize()
		if err != nil {
			n.readFailed(ctx, c, err)
			return
		}
		if r.Buffered() < wire.HeaderSize+st.PacketSize() {
			dl.frame(n, c)
		}
		pk := n.pool.get(st)
		if _, err := r.ReadFrame(pk.buf); err != nil {
			n.pool.put(pk)
			n.readFailed(ctx, c, err)
			return
		}
		pk.recv = n.clk.Now()
		n.ctr.received.Add(1)
		select {
		case n.inbound <- pk:
		case <-ctx.Done():
			n.dropPacket(pk, rShutdown)
			return
		}
	}
}

// readDeadline sets an inbound connection's read deadlines: IdleConnTimeout
// while waiting for a frame to start, FrameTimeout to complete one. An idle
// deadline is refreshed only once a quarter of it has passed, so a busy
// connection does not update it per frame.
type readDeadline struct {
	inFrame bool      // the deadline set is a frame deadline
	idleSet time.Time // when the idle deadline was set, if !inFrame
}

func (d *readDeadline) idle(n *Node, c net.Conn) {
	now := n.listenClk.Now()
	if !d.inFrame && !d.idleSet.IsZero() && now.Sub(d.idleSet) < n.cfg.IdleConnTimeout/4 {
		return
	}
	c.SetReadDeadline(now.Add(n.cfg.IdleConnTimeout)) // an error here shows up in the read
	d.inFrame, d.idleSet = false, now
}

func (d *readDeadline) frame(n *Node, c net.Conn) {
	c.SetReadDeadline(n.listenClk.Now().Add(n.cfg.FrameTimeout))
	d.inFrame = true
}

// readFailed counts and logs why a connection's reader stopped.
func (n *Node) readFailed(ctx context.Context, c net.Conn, err error) {
	if err == io.EOF || ctx.Err() != nil {
		return
	}
	n.ctr.closed.Add(1)
	n.log.Debug("closing inbound connection", "remote", c.RemoteAddr().String(), "err", err)
}

// connSet tracks the open inbound connections, so that shutdown can close
// them, and bounds their number, in all and per remote IP (loopback
// exempt unless Config.LimitLoopback).
type connSet struct {
	mu     sync.Mutex
	max    int
	maxIP  int
	lo     bool                    // loopback peers count against maxIP
	m      map[net.Conn]netip.Addr // the remote IP if it counts against maxIP
	perIP  map[netip.Addr]int
	closed bool
	count  *counters
}

type addResult int

const (
	addOK addResult = iota
	addFull
	addFullIP
	addClosed
)

func (s *connSet) init(maxConns, maxPerIP int, limitLoopback bool, ctr *counters) {
	s.max, s.maxIP, s.lo, s.count = maxConns, maxPerIP, limitLoopback, ctr
	s.m, s.perIP = make(map[net.Conn]netip.Addr), make(map[netip.Addr]int)
}

// remoteIP returns the source c counts against in perIP (its IPv4 address,
// or its IPv6 /64 as wire.SourceKey defines it: one holder of a /64 is one
// source), or an invalid Addr for an address that is not an IP (in-memory
// networks) or a loopback peer unless limitLoopback.
func remoteIP(c net.Conn, limitLoopback bool) netip.Addr {
	ap, err := netip.ParseAddrPort(c.RemoteAddr().String())
	if err != nil || (!limitLoopback && ap.Addr().Unmap().IsLoopback()) {
		return netip.Addr{}
	}
	return wire.SourceKey(ap.Addr(), wire.DefaultIPv6Prefix).Addr()
}

func (s *connSet) add(c net.Conn) addResult {
	ip := remoteIP(c, s.lo)
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return addClosed
	case len(s.m) >= s.max:
		return addFull
	case ip.IsValid() && s.perIP[ip] >= s.maxIP:
		return addFullIP
	}
	s.m[c] = ip
	if ip.IsValid() {
		s.perIP[ip]++
	}
	s.count.conns.Add(1)
	return addOK
}

// remove closes c and forgets it.
func (s *connSet) remove(c net.Conn) {
	c.Close()
	s.mu.Lock()
	if ip, ok := s.m[c]; ok {
		delete(s.m, c)
		if ip.IsValid() {
			if s.perIP[ip]--; s.perIP[ip] <= 0 {
				delete(s.perIP, ip)
			}
		}
		s.count.conns.Add(-1)
	}
	s.mu.Unlock()
}

// closeAll closes every connection and refuses new ones; their readers
// then fail and remove them.
func (s *connSet) closeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	for c := range s.m {
		c.Close()
	}
}
