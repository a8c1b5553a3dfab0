// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package gateway

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/nym-go/nym/internal/clock"
	"github.com/nym-go/nym/internal/gateway/gwproto"
	"github.com/nym-go/nym/internal/storage"
)

// ctlQueue bounds the JSON responses waiting for a session's writer; when
// full, responses are dropped (counted) rather than blocking the reader.
const ctlQueue = 64

// session is one authenticated client connection. See the package
// documentation for who owns what.
type session struct {
	g      *Gateway
	conn   *websocket.Conn
	client storage.ClientID
	seal   *gwproto.Sealer // writer only
	open   *gwproto.Opener // reader only
	ctx    context.Context // the writer's; cancelled by the reader when it ends
	cancel context.CancelFunc
	wg     sync.WaitGroup // the writer

	wake chan struct{}         // "queue has messages": capacity 1
	ctl  chan *gwproto.Message // reader → writer; drop when full
	poke chan struct{}         // "the inbox may have messages": capacity 1

	// Guarded by g.reg.mu.
	draining bool // new messages go to the inbox until it is empty
	closed   bool // finish has started: nothing more is pushed

	packets  atomic.Uint64
	bytes    atomic.Uint64
	killOnce sync.Once
	ready    *gwproto.Message // sent by run once the session is registered

	mu       sync.Mutex          // guards the fields below
	queue    []*message          // accepted for a live push, not yet taken by the writer
	pending  map[uint64]*message // pushed, awaiting an ack
	order    []*message          // pending in push order (with acked ones not yet popped)
	stored   map[uint64]uint64   // delivered from the inbox, awaiting an ack: message id → inbox id
	lastSeen uint64              // highest inbox id fetched
	timer    clock.Timer         // the ack timer, armed while order is not empty
	armed    bool
	finished bool
}

func (g *Gateway) newSession(conn *websocket.Conn, t *gwproto.Transcript, shared []byte) (*session, error) {
	c2g, g2c, err := t.SessionKeys(shared)
	if err != nil {
		return nil, err
	}
	open, err := gwproto.NewOpener(c2g)
	if err != nil {
		return nil, err
	}
	seal, err := gwproto.NewSealer(g2c)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(g.ctx)
	return &session{
		g: g, conn: conn, client: storage.ClientID(t.Client), seal: seal, open: open, ctx: ctx, cancel: cancel,
		wake: make(chan struct{}, 1), ctl: make(chan *gwproto.Message, ctlQueue),
		poke: make(chan struct{}, 1), draining: true,
		pending: map[uint64]*message{}, stored: map[uint64]uint64{},
	}, nil
}

// run serves the session until its connection ends.
func (s *session) run() {
	g := s.g
	old, ok := g.reg.add(s, g.cfg.MaxClients)
	if !ok {
		g.ctr.refusedConns.Add(1)
		s.refuseFull()
		return
	}
	if old != nil {
		g.ctr.replaced.Add(1)
		old.kill(gwproto.CloseReplaced, "replaced by a newer connection of the same client")
	}
	g.ctr.connections.Add(1)
	// With an empty inbox the session is live before the client hears it
	// is ready; otherwise the writer delivers the inbox first.
	s.checkEmpty()
	ctx, cancel := context.WithTimeout(s.ctx, g.cfg.HandshakeTimeout)
	err := s.conn.Write(ctx, websocket.MessageText, s.ready.Encode())
	cancel()
	if err == nil {
		s.kick()
		s.wg.Go(s.writeLoop)
		s.readLoop()
	}
	s.cancel()
	s.wg.Wait()
	s.finish()
	g.log.Debug("session ended", "packets", s.packets.Load(), "bytes", s.bytes.Load())
}

// refuseFull tells a client that authenticated while MaxClients other
// clients are connected to try later, and closes the connection.
func (s *session) refuseFull() {
	ctx, cancel := context.WithTimeout(s.g.ctx, s.g.cfg.HandshakeTimeout)
	defer cancel()
	m := gwproto.ErrorMessage(gwproto.CodeGatewayFull, "too many connected clients; try again later")
	if s.conn.Write(ctx, websocket.MessageText, m.Encode()) == nil {
		s.conn.Close(gwproto.CloseHandshakeFailed, "too many connected clients")
		return
	}
	s.conn.CloseNow()
}

// kill closes the connection with code and reason (once); the reader then
// sees the connection end. The close handshake runs on its own goroutine.
func (s *session) kill(code websocket.StatusCode, reason string) {
	s.killOnce.Do(func() {
		s.g.sessions.Go(func() { s.conn.Close(code, reason) })
	})
}

// kick tells the writer to look at the inbox.
func (s *session) kick() {
	select {
	case s.poke <- struct{}{}:
	default:
	}
}

// reply queues a JSON response for the writer.
func (s *session) reply(m *gwproto.Message) {
	select {
	case s.ctl <- m:
	default:
		s.g.ctr.droppedReplies.Add(1)
	}
}

// finish runs after the writer stopped: the session takes no more
// messages, and everything unacknowledged goes to the inbox, oldest first.
// It holds the client's order lock throughout, so no newer message of the
// client reaches the inbox ahead of these.
func (s *session) finish() {
	g := s.g
	lk := g.orderLock(s.client)
	lk.Lock()
	defer lk.Unlock()
	g.reg.mu.Lock()
	s.closed = true
	if g.reg.sessions[s.client] == s {
		delete(g.reg.sessions, s.client)
	}
	g.reg.mu.Unlock()

	s.mu.Lock()
	s.finished = true
	left := s.takeLocked()
	s.mu.Unlock()
	for _, m := range left {
		g.store(s.client, m)
	}
}

// offer queues m for a live push. It returns false when the session cannot
// take it: the queue or the pending table is full, or the session ended.
// The caller holds g.reg.mu.
func (s *session) offer(m *message) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.finished || len(s.queue) >= s.g.cfg.PushQueue || len(s.pending) >= s.g.cfg.MaxPending {
		return false
	}
	s.queue = append(s.queue, m)
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return true
}

// next moves the oldest queued message to the pending table (arming the
// ack timer) and returns it, or nil if the queue is empty. Taking it from
// the queue and adding it as pending is one step, so takeLocked always
// finds every unacknowledged message in one place or the other.
func (s *session) next() *message {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.queue) == 0 || s.finished {
		return nil
	}
	m := s.queue[0]
	s.queue[0] = nil
	s.queue = s.queue[1:]
	m.deadline = s.g.clk.Now().Add(s.g.cfg.AckTimeout)
	s.pending[m.id] = m
	s.order = append(s.order, m)
	if !s.armed {
		s.armed = true
		if s.timer == nil {
			s.timer = s.g.clk.AfterFunc(s.g.cfg.AckTimeout, s.ackTimeout)
		} else {
			s.timer.Reset(s.g.cfg.AckTimeout)
		}
	}
	return m
}

// takeLocked empties the pending table and the queue and returns their
// messages oldest first (pending ones were pushed before queued ones). The
// caller holds s.mu and stores them; a client's ack for one of them is
// then ignored, and the stored copy is delivered again (same id).
func (s *session) takeLocked() []*message {
	var out []*message
	for _, m := range s.order {
		if s.pending[m.id] == m {
			out = append(out, m)
		}
	}
	out = append(out, s.queue...)
	clear(s.pending)
	s.order, s.queue = nil, nil
	if s.timer != nil {
		s.timer.Stop()
	}
	s.armed = false
	return out
}

// ackTimeout runs when the oldest pushed message may be overdue. If it is,
// the client is stalled or lost frames: every unacknowledged message goes
// to the inbox, oldest first, and the session drains the inbox before it
// pushes again, so the client gets them in arrival order.
func (s *session) ackTimeout() {
	g := s.g
	lk := g.orderLock(s.client)
	lk.Lock()
	defer lk.Unlock()
	now := g.clk.Now()
	g.reg.mu.Lock()
	s.mu.Lock()
	if s.finished {
		s.mu.Unlock()
		g.reg.mu.Unlock()
		return
	}
	// Skip acked entries at the front so the timer waits for a live one.
	for len(s.order) > 0 && s.pending[s.order[0].id] != s.order[0] {
		s.order[0] = nil
		s.order = s.order[1:]
	}
	if len(s.order) > 0 && s.order[0].deadline.After(now) {
		s.timer.Reset(s.order[0].deadline.Sub(now))
		s.mu.Unlock()
		g.reg.mu.Unlock()
		return
	}
	late := s.takeLocked()
	s.mu.Unlock()
	if len(late) > 0 {
		s.draining = true
	}
	g.reg.puts[s.client] += len(late)
	g.reg.mu.Unlock()
	g.ctr.ackTimeouts.Add(uint64(len(late)))
	for _, m := range late {
		g.putInbox(s.client, m)
	}
}

// ack handles the client's acknowledgements.
func (s *session) ack(ids []uint64) {
	var live []*message
	var del []uint64
	s.mu.Lock()
	for _, id := range ids {
		if m, ok := s.pending[id]; ok {
			delete(s.pending, id)
			live = append(live, m)
		} else if inboxID, ok := s.stored[id]; ok {
			delete(s.stored, id)
			del = append(del, inboxID)
		}
	}
	s.mu.Unlock()
	g := s.g
	g.ctr.deliveredLive.Add(uint64(len(live)))
	for _, m := range live {
		g.forwardAck(m)
	}
	if len(del) > 0 {
		ctx, cancel := context.WithTimeout(g.ctx, 10*time.Second)
		defer cancel()
		if err := g.deps.Inbox.Delete(ctx, s.client, del); err != nil {
			g.log.Warn("inbox delete failed; the messages will be delivered again", "error", err)
		}
		g.ctr.deliveredStored.Add(uint64(len(del)))
		s.kick() // room for the next batch
	}
}
