// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package gateway

import (
	"context"
	"errors"

	"github.com/nym-go/nym/internal/gateway/gwproto"
	"github.com/nym-go/nym/internal/storage"
)

// fetch delivers stored messages in arrival order, keeping at most
// FetchBatch in flight (delivered, awaiting an ack within AckTimeout; see
// session.ackTimeout for what happens after). When the inbox has nothing
// more and no write to it is in flight, the session goes live. It returns
// false when a write failed.
func (s *session) fetch(write func([]byte) bool, buf *[]byte) bool {
	g := s.g
	for {
		s.mu.Lock()
		room, after, rewinds := g.cfg.FetchBatch-s.out, s.lastSeen, s.rewinds
		s.mu.Unlock()
		if room <= 0 {
			return true // the next ack or the ack timer kicks us
		}
		s.inboxMu.Lock()
		msgs, err := g.deps.Inbox.Fetch(s.ctx, s.client, after, room)
		if err != nil {
			s.inboxMu.Unlock()
			if !errors.Is(err, context.Canceled) {
				g.log.Warn("inbox fetch failed", "error", err)
			}
			return true
		}
		batch, ok := s.register(msgs, rewinds)
		s.inboxMu.Unlock()
		if !ok {
			continue // re-offered meanwhile: fetch from the rewound position
		}
		if len(msgs) == 0 {
			s.goLive()
			return true
		}
		for _, sm := range batch {
			id, flags, data, _ := decodeRecord(sm.Data)
			*buf = gwproto.AppendDeliver((*buf)[:0], id, flags|gwproto.FlagStored, data)
			if !write(*buf) {
				return false
			}
		}
	}
}

// register records fetched messages as deliveries awaiting an ack and
// advances lastSeen past them; it returns the well-formed ones (corrupt
// records are counted and skipped). It returns false, recording nothing,
// when the session re-offered since rewinds was read: the fetch started
// from a stale position. The caller holds inboxMu.
func (s *session) register(msgs []storage.Message, rewinds uint64) ([]storage.Message, bool) {
	g := s.g
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rewinds != rewinds {
		return nil, false
	}
	for len(s.sent) > 0 && s.settledLocked(s.sent[0]) { // keep sent about as long as out
		s.sent[0] = nil
		s.sent = s.sent[1:]
	}
	deadline := g.clk.Now().Add(g.cfg.AckTimeout)
	batch := msgs[:0:0]
	for _, sm := range msgs {
		s.lastSeen = sm.ID
		id, _, _, ok := decodeRecord(sm.Data)
		if !ok {
			g.ctr.corrupt.Add(1)
			continue
		}
		d := &delivery{id: id, inbox: sm.ID, deadline: deadline, out: true}
		if old := s.stored[id]; old != nil && old.out {
			s.out-- // delivered twice in one batch (cannot happen with unique ids; keep the count right)
		}
		s.stored[id] = d
		s.sent = append(s.sent, d)
		s.out++
		batch = append(batch, sm)
	}
	if len(batch) > 0 {
		s.armLocked()
	}
	if len(s.stored) > s.out {
		// A re-offered delivery at or below lastSeen that this fetch did
		// not return is no longer in the inbox (expired): forget it.
		for id, d := range s.stored {
			if !d.out && d.inbox <= s.lastSeen {
				delete(s.stored, id)
			}
		}
	}
	return batch, true
}

// goLive ends draining unless an inbox write for the client is in flight
// (its completion kicks the writer, which fetches it and tries again).
func (s *session) goLive() {
	g := s.g
	g.reg.mu.Lock()
	if g.reg.puts[s.client] == 0 {
		s.draining = false
	}
	g.reg.mu.Unlock()
}

// checkEmpty makes a new session live at once if the inbox holds nothing
// for its client.
func (s *session) checkEmpty() {
	msgs, err := s.g.deps.Inbox.Fetch(s.ctx, s.client, 0, 1)
	if err == nil && len(msgs) == 0 {
		s.goLive()
	}
}
