// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package gateway

import (
	"context"
	"errors"

	"github.com/coder/websocket"

	"github.com/nym-go/nym/internal/gateway/gwproto"
)

// readLoop reads and handles the client's frames until the connection
// ends. A frame that fails to open closes the connection; a malformed or
// unknown request gets an error response.
func (s *session) readLoop() {
	g := s.g
	for {
		typ, b, err := s.conn.Read(g.ctx)
		if err != nil {
			return
		}
		if typ != websocket.MessageBinary {
			g.ctr.badRequests.Add(1)
			s.reply(gwproto.ErrorMessage(gwproto.CodeEncrypted, "after the handshake every request travels in an encrypted binary frame"))
			continue
		}
		pt, err := s.open.Open(b[:0], b)
		if err != nil {
			g.ctr.badFrames.Add(1)
			s.kill(gwproto.CloseBadFrame, "frame authentication failed: forged, replayed or reordered")
			return
		}
		if len(pt) == 0 {
			g.ctr.badRequests.Add(1)
			s.reply(gwproto.ErrorMessage(gwproto.CodeBadRequest, "empty frame"))
			continue
		}
		switch gwproto.Kind(pt[0]) {
		case gwproto.KindSend:
			s.handleSend(pt)
		case gwproto.KindAck:
			ids, err := gwproto.ParseAck(pt)
			if err != nil {
				g.ctr.badRequests.Add(1)
				s.reply(gwproto.ErrorMessage(gwproto.CodeBadRequest, err.Error()))
				continue
			}
			s.ack(ids)
		case gwproto.KindJSON:
			s.handleJSON(pt[1:])
		default:
			g.ctr.badRequests.Add(1)
			s.reply(gwproto.ErrorMessage(gwproto.CodeUnknownRequest, "unknown frame kind"))
		}
	}
}

func (s *session) handleSend(pt []byte) {
	g := s.g
	hop, size, pkt, err := gwproto.ParseSend(pt)
	if err != nil {
		g.ctr.badRequests.Add(1)
		s.reply(gwproto.ErrorMessage(gwproto.CodeBadPacket, err.Error()))
		return
	}
	s.packets.Add(1)
	s.bytes.Add(uint64(len(pkt)))
	g.ctr.clientPackets.Add(1)
	g.ctr.clientBytes.Add(uint64(len(pkt)))
	if err := g.deps.Forward(hop, size, pkt); err != nil {
		g.ctr.sendFailed.Add(1)
		s.reply(&gwproto.Message{Type: gwproto.TypeSendRefused, Code: gwproto.CodeSendFailed, Reason: err.Error()})
	}
}

func (s *session) handleJSON(b []byte) {
	g := s.g
	m, err := gwproto.DecodeMessage(b)
	if err != nil {
		g.ctr.badRequests.Add(1)
		s.reply(gwproto.ErrorMessage(gwproto.CodeBadRequest, err.Error()))
		return
	}
	switch m.Type {
	case gwproto.TypeAck:
		if len(m.IDs) > gwproto.MaxAckIDs {
			g.ctr.badRequests.Add(1)
			s.reply(gwproto.ErrorMessage(gwproto.CodeBadRequest, "too many ids in one ack"))
			return
		}
		s.ack(m.IDs)
	default:
		g.ctr.badRequests.Add(1)
		s.reply(&gwproto.Message{Type: gwproto.TypeError, Code: gwproto.CodeUnknownRequest, Request: m.Type,
			Reason: "unknown request type"})
	}
}

// writeLoop is the session's writer: live pushes, inbox deliveries and
// responses. It stops when the session's context ends or a write fails.
func (s *session) writeLoop() {
	var buf []byte
	write := func(pt []byte) bool {
		frame := s.seal.Seal(pt[:0], pt) // in place
		ctx, cancel := context.WithTimeout(s.ctx, s.g.cfg.WriteTimeout)
		err := s.conn.Write(ctx, websocket.MessageBinary, frame)
		cancel()
		if err != nil {
			if !errors.Is(err, context.Canceled) {
				s.g.log.Debug("write failed", "error", err)
			}
			s.conn.CloseNow()
			return false
		}
		return true
	}
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-s.wake:
			for m := s.next(); m != nil; m = s.next() {
				buf = gwproto.AppendDeliver(buf[:0], m.id, m.flags, m.data)
				if !write(buf) {
					return
				}
			}
		case <-s.poke:
			if !s.fetch(write, &buf) {
				return
			}
		case m := <-s.ctl:
			buf = gwproto.AppendJSON(buf[:0], m)
			if !write(buf) {
				return
			}
		}
	}
}
