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

	mu       sync.Mutex           // guards the fields below
	queue    []*message           // accepted for a live push, not yet taken by the writer
	pending  map[uint64]*message  // pushed, awaiting an ack
	order    []*message           // pending in push order (with acked ones not yet popped)
	stored   map[uint64]*delivery // delivered from the inbox, not acknowledged: message id → delivery
	sent     []*delivery          // stored deliveries in delivery order (settled ones not yet popped)
	out      int                  // deliveries in stored awaiting an ack (FetchBatch bounds it)
	rewinds  uint64               // times lastSeen was moved back (re-offers)
	lastSeen uint64               // the inbox id the next fetch starts after
	timer    clock.Timer          // the ack timer, armed while order or sent is not empty
	armed    bool
	finished bool

	inboxMu sync.Mutex // serializes a fetch's read with an ack's inbox delete
}

// delivery is a stored message delivered to the client and not yet
// acknowledged. Once its ack is overdue it is re-offered: out turns false
// (it no longer takes FetchBatch room) but it stays in stored, so a late
// ack still deletes it, until it is fetched again (a new delivery replaces
// it) or acknowledged.
type delivery struct {
	id       uint64 // message id
	inbox    uint64 // inbox id
	deadline time.Time
	out      bool // awaiting an ack within its deadline
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
		pending: map[uint64]*message{}, stored: map[uint64]*delivery{},
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
	s.armLocked()
	return m
}

// armLocked arms the ack timer for AckTimeout from now unless it is armed
// (then it fires for an earlier deadline). The caller holds s.mu.
func (s *session) armLocked() {
	if s.armed {
		return
	}
	s.armed = true
	if s.timer == nil {
		s.timer = s.g.clk.AfterFunc(s.g.cfg.AckTimeout, s.ackTimeout)
	} else {
		s.timer.Reset(s.g.cfg.AckTimeout)
	}
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
	if len(s.sent) == 0 || s.finished { // else the timer still watches stored deliveries
		if s.timer != nil {
			s.timer.Stop()
		}
		s.armed = false
	}
	return out
}

// reofferLocked gives up waiting for the stored deliveries' acks: they no
// longer take FetchBatch room, and the next fetch starts again before the
// oldest unacknowledged one, so they are delivered again, in order, ahead
// of anything newer. They stay in stored, so a late ack is still honoured.
// It returns how many were awaiting an ack. The caller holds s.mu.
func (s *session) reofferLocked() int {
	n := 0
	for _, d := range s.sent {
		if d.out && s.stored[d.id] == d {
			d.out = false
			n++
		}
	}
	clear(s.sent)
	s.sent, s.out = nil, 0
	if len(s.stored) == 0 {
		return n
	}
	oldest := s.lastSeen + 1
	for _, d := range s.stored {
		oldest = min(oldest, d.inbox)
	}
	if oldest <= s.lastSeen {
		s.lastSeen = oldest - 1 // inbox ids start at 1
		s.rewinds++
	}
	return n
}

// settledLocked reports whether d no longer awaits an ack (acknowledged,
// re-offered, or replaced by a newer delivery of the same message).
func (s *session) settledLocked(d *delivery) bool {
	return !d.out || s.stored[d.id] != d
}

// ackTimeout runs when the oldest pushed message or stored delivery may be
// overdue. If one is, the client is stalled, lost frames or left it
// unacknowledged (a full receive queue): every pushed message it has not
// acknowledged goes to the inbox, oldest first, every stored delivery it
// has not acknowledged is re-offered (reofferLocked), and the session
// drains the inbox before it pushes again, so the client gets them all
// again in arrival order on the same connection.
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
	// Skip settled entries at the front so the timer waits for a live one.
	for len(s.order) > 0 && s.pending[s.order[0].id] != s.order[0] {
		s.order[0] = nil
		s.order = s.order[1:]
	}
	for len(s.sent) > 0 && s.settledLocked(s.sent[0]) {
		s.sent[0] = nil
		s.sent = s.sent[1:]
	}
	var due time.Time // the earliest deadline; zero if nothing awaits an ack
	if len(s.order) > 0 {
		due = s.order[0].deadline
	}
	if len(s.sent) > 0 && (due.IsZero() || s.sent[0].deadline.Before(due)) {
		due = s.sent[0].deadline
	}
	if due.IsZero() {
		s.armed = false
		s.mu.Unlock()
		g.reg.mu.Unlock()
		return
	}
	if due.After(now) {
		s.timer.Reset(due.Sub(now))
		s.mu.Unlock()
		g.reg.mu.Unlock()
		return
	}
	reoffered := s.reofferLocked()
	late := s.takeLocked()
	s.mu.Unlock()
	if len(late) > 0 || reoffered > 0 {
		s.draining = true
	}
	g.reg.puts[s.client] += len(late)
	g.reg.mu.Unlock()
	g.ctr.ackTimeouts.Add(uint64(len(late)))
	g.ctr.reoffered.Add(uint64(reoffered))
	for _, m := range late {
		g.putInbox(s.client, m)
	}
	if reoffered > 0 {
		s.kick()
	}
}

// ack handles the client's acknowledgements. An ack for a stored delivery
// is honoured once, also when it comes after the delivery was re-offered;
// the inbox delete runs under inboxMu, so a fetch sees the message either
// before the ack (its new delivery is then settled here) or not at all.
func (s *session) ack(ids []uint64) {
	var live []*message
	var del []uint64
	s.inboxMu.Lock()
	defer s.inboxMu.Unlock()
	s.mu.Lock()
	for _, id := range ids {
		if m, ok := s.pending[id]; ok {
			delete(s.pending, id)
			live = append(live, m)
		} else if d, ok := s.stored[id]; ok {
			delete(s.stored, id)
			if d.out {
				d.out = false
				s.out--
			}
			del = append(del, d.inbox)
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
