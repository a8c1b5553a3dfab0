// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package gateway

import (
	"context"
	"errors"

	"github.com/nym-go/nym/internal/gateway/gwproto"
)

// fetch delivers stored messages in arrival order, keeping at most
// FetchBatch in flight (delivered, unacknowledged). When the inbox has
// nothing more and no write to it is in flight, the session goes live. It
// returns false when a write failed.
func (s *session) fetch(write func([]byte) bool, buf *[]byte) bool {
	g := s.g
	for {
		s.mu.Lock()
		room, after := g.cfg.FetchBatch-len(s.stored), s.lastSeen
		s.mu.Unlock()
		if room <= 0 {
			return true // the next ack kicks us
		}
		msgs, err := g.deps.Inbox.Fetch(s.ctx, s.client, after, room)
		if err != nil {
			if !errors.Is(err, context.Canceled) {
				g.log.Warn("inbox fetch failed", "error", err)
			}
			return true
		}
		if len(msgs) == 0 {
			s.goLive()
			return true
		}
		for _, sm := range msgs {
			id, flags, data, ok := decodeRecord(sm.Data)
			s.mu.Lock()
			s.lastSeen = sm.ID
			if ok {
				s.stored[id] = sm.ID
			}
			s.mu.Unlock()
			if !ok {
				g.ctr.corrupt.Add(1)
				continue
			}
			*buf = gwproto.AppendDeliver((*buf)[:0], id, flags|gwproto.FlagStored, data)
			if !write(*buf) {
				return false
			}
		}
	}
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
