// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package mixnode

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
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
		case addFull:
			n.ctr.refused.Add(1)
			c.Close()
		case addClosed:
			c.Close()
		}
	}
}

// readConn reads frames from c and queues their packets for the unwrap
// workers, blocking when the inbound queue is full. It closes c on a
// framing or read error, at the peer's close, or at shutdown.
func (n *Node) readConn(ctx context.Context, c net.Conn) {
	defer n.conns.remove(c)
	r := wire.NewReader(c)
	for {
		st, err := r.NextSize()
		if err != nil {
			n.readFailed(ctx, c, err)
			return
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

// readFailed counts and logs why a connection's reader stopped.
func (n *Node) readFailed(ctx context.Context, c net.Conn, err error) {
	if err == io.EOF || ctx.Err() != nil {
		return
	}
	n.ctr.closed.Add(1)
	n.log.Debug("closing inbound connection", "remote", c.RemoteAddr().String(), "err", err)
}

// connSet tracks the open inbound connections, so that shutdown can close
// them, and bounds their number.
type connSet struct {
	mu     sync.Mutex
	max    int
	m      map[net.Conn]struct{}
	closed bool
	count  *counters
}

type addResult int

const (
	addOK addResult = iota
	addFull
	addClosed
)

func (s *connSet) init(maxConns int, ctr *counters) {
	s.max, s.m, s.count = maxConns, make(map[net.Conn]struct{}), ctr
}

func (s *connSet) add(c net.Conn) addResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return addClosed
	case len(s.m) >= s.max:
		return addFull
	}
	s.m[c] = struct{}{}
	s.count.conns.Add(1)
	return addOK
}

// remove closes c and forgets it.
func (s *connSet) remove(c net.Conn) {
	c.Close()
	s.mu.Lock()
	if _, ok := s.m[c]; ok {
		delete(s.m, c)
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
