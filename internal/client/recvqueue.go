// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package client

import (
	"context"
	"sync"
)

// recvQueue holds complete messages between the connection loop and the
// Receive channel, so that the connection loop never waits for the
// application: acknowledgements, replies' keys and cover keep being handled
// while nobody reads Receive(). It is bounded by bytes: once it holds
// Config.ReceiveBuffer bytes, the connection loop leaves further messages
// unacknowledged at the gateway, which keeps them and offers them again
// after its ack timeout on the same connection, in order; one offered once
// the queue has room again is taken (see Client.serve).
type recvQueue struct {
	limit int

	mu    sync.Mutex
	q     []Received // guarded by mu
	bytes int        // guarded by mu: the sum of len(Message) in q
	wake  chan struct{}
}

func newRecvQueue(limit int) *recvQueue {
	return &recvQueue{limit: limit, wake: make(chan struct{}, 1)}
}

// accepting reports whether the queue takes another message.
func (r *recvQueue) accepting() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.bytes < r.limit
}

// push appends m. The queue may exceed its limit by one message: accepting
// is checked before a message is opened, and what has been opened is kept.
func (r *recvQueue) push(m Received) {
	r.mu.Lock()
	r.q = append(r.q, m)
	r.bytes += len(m.Message)
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// pop removes the oldest message, if any.
func (r *recvQueue) pop() (Received, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.q) == 0 {
		return Received{}, false
	}
	m := r.q[0]
	r.q[0] = Received{}
	r.q = r.q[1:]
	if len(r.q) == 0 {
		r.q = nil
	}
	r.bytes -= len(m.Message)
	return m, true
}

// unpop puts m back at the front (a message taken but not handed over).
func (r *recvQueue) unpop(m Received) {
	r.mu.Lock()
	r.q = append([]Received{m}, r.q...)
	r.bytes += len(m.Message)
	r.mu.Unlock()
}

// run hands queued messages to out, in order, until ctx ends.
func (r *recvQueue) run(ctx context.Context, out chan<- Received) {
	for {
		m, ok := r.pop()
		if !ok {
			select {
			case <-r.wake:
				continue
			case <-ctx.Done():
				return
			}
		}
		select {
		case out <- m:
		case <-ctx.Done():
			r.unpop(m)
			return
		}
	}
}
