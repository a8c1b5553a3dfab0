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

	push chan *message         // Final → writer; drop-tail (Final stores instead)
	ctl  chan *gwproto.Message // reader → writer; drop when full
	poke chan struct{}         // "the inbox may have messages": capacity 1

	// Guarded by g.reg.mu.
	draining bool // new messages go to the inbox until it is empty
	closed   bool // finish has started: nothing more is pushed

	pendingN atomic.Int64 // len(pending), read by Final without s.mu
	packets  atomic.Uint64
	bytes    atomic.Uint64
	killOnce sync.Once
	ready    *gwproto.Message // sent by run once the session is registered

	mu       sync.Mutex          // guards the fields below
	pending  map[uint64]*message // pushed, awaiting an ack
	order    []*message          // pending in push order (with acked ones not yet popped)
	stored   map[uint64]uint64   // delivered from the inbox, awaiting an ack: message id → inbox id
	lastSeen uint64              // highest inbox id fetched
	timer    clock.Timer         // the ack timer, armed while order is not empty
	armed    bool
	finished bool
}

func (g *Gateway) newSession(conn *websocket.Conn, t *gwproto.Transcript, shared []byte) (*session, error) {
	c2g, g2c := t.SessionKeys(shared)
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
		push: make(chan *message, g.cfg.PushQueue), ctl: make(chan *gwproto.Message, ctlQueue),
		poke: make(chan struct{}, 1), draining: true,
		pending: map[uint64]*message{}, stored: map[uint64]uint64{},
	}, nil
}

// run serves the session until its connection ends.
func (s *session) run() {
	g := s.g
	if old := g.reg.add(s); old != nil {
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
func (s *session) finish() {
	g := s.g
	g.reg.mu.Lock()
	s.closed = true
	if g.reg.sessions[s.client] == s {
		delete(g.reg.sessions, s.client)
	}
	g.reg.mu.Unlock()

	s.mu.Lock()
	s.finished = true
	if s.timer != nil {
		s.timer.Stop()
	}
	var left []*message
	for _, m := range s.order {
		if s.pending[m.id] == m {
			left = append(left, m)
		}
	}
	s.pending, s.order = nil, nil
	s.mu.Unlock()
	for {
		select {
		case m := <-s.push:
			left = append(left, m)
			continue
		default:
		}
		break
	}
	s.pendingN.Store(0)
	for _, m := range left {
		g.store(s.client, m)
	}
}

// addPending records a pushed message before it is written, and arms the
// ack timer.
func (s *session) addPending(m *message) {
	m.deadline = s.g.clk.Now().Add(s.g.cfg.AckTimeout)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pending[m.id] = m
	s.order = append(s.order, m)
	s.pendingN.Add(1)
	if !s.armed {
		s.armed = true
		if s.timer == nil {
			s.timer = s.g.clk.AfterFunc(s.g.cfg.AckTimeout, s.ackTimeout)
		} else {
			s.timer.Reset(s.g.cfg.AckTimeout)
		}
	}
}

// ackTimeout moves pushed messages whose ack is overdue to the inbox.
func (s *session) ackTimeout() {
	now := s.g.clk.Now()
	var late []*message
	s.mu.Lock()
	if s.finished {
		s.mu.Unlock()
		return
	}
	for len(s.order) > 0 && !s.order[0].deadline.After(now) {
		m := s.order[0]
		s.order[0] = nil
		s.order = s.order[1:]
		if s.pending[m.id] == m {
			delete(s.pending, m.id)
			late = append(late, m)
		}
	}
	// Skip acked entries at the front so the timer waits for a live one.
	for len(s.order) > 0 && s.pending[s.order[0].id] != s.order[0] {
		s.order[0] = nil
		s.order = s.order[1:]
	}
	if len(s.order) > 0 {
		s.timer.Reset(s.order[0].deadline.Sub(now))
	} else {
		s.armed = false
	}
	s.mu.Unlock()
	s.pendingN.Add(-int64(len(late)))
	s.g.ctr.ackTimeouts.Add(uint64(len(late)))
	for _, m := range late {
		s.g.store(s.client, m)
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
	s.pendingN.Add(-int64(len(live)))
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
