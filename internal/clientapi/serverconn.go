// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package clientapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/coder/websocket"
)

type frameType = websocket.MessageType

const (
	frameText   = websocket.MessageText
	frameBinary = websocket.MessageBinary

	statusGoingAway = websocket.StatusGoingAway
	statusTooSlow   = websocket.StatusPolicyViolation
)

// frame is one message waiting in a connection's write queue.
type frame struct {
	typ  frameType
	data []byte
}

// conn is one application connection. Its handler goroutine reads and
// handles requests in order; its writer goroutine owns every write. Both
// the handler and the dispatcher queue frames on out; a full queue kills
// the connection (statusTooSlow) instead of blocking.
type conn struct {
	s   *Server
	ws  *websocket.Conn
	out chan frame
	// binary is set once the application sends a binary frame; from then on
	// received messages and failures reach it in binary form.
	binary atomic.Bool

	killOnce sync.Once
	done     chan struct{} // closed by kill
	status   websocket.StatusCode
	reason   string
}

// serveWS runs one connection: admission, upgrade, then the request loop
// until the connection ends.
func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	ok, why := s.admit()
	if !ok {
		s.refused.Add(1)
		http.Error(w, why, http.StatusServiceUnavailable)
		return
	}
	defer s.handlers.Done()
	// The default options keep coder/websocket's same-origin check: a web
	// page the user visits must not be able to drive the local client.
	ws, err := websocket.Accept(w, r, nil)
	if err != nil {
		s.log.Debug("websocket upgrade failed", "remote", r.RemoteAddr, "error", err)
		return // Accept has written the HTTP error
	}
	ws.SetReadLimit(int64(s.cfg.MaxMessage) + FrameOverhead)
	c := &conn{s: s, ws: ws, out: make(chan frame, s.cfg.WriteQueue), done: make(chan struct{})}
	if !s.addConn(c) {
		ws.Close(statusGoingAway, "client shutting down")
		return
	}
	s.log.Debug("application connected", "remote", r.RemoteAddr)
	written := make(chan struct{})
	go func() {
		defer close(written)
		c.writeLoop()
	}()
	err = c.readLoop()
	c.kill(websocket.StatusNormalClosure, "")
	<-written
	s.removeConn(c)
	ws.CloseNow()
	s.log.Debug("application disconnected", "remote", r.RemoteAddr, "reason", err)
}

// kill ends the connection: the writer stops taking frames and closes the
// websocket with status and reason once the write in progress, if any, has
// finished (within WriteTimeout; if it times out the connection is dropped
// without a status). Only the first call counts.
func (c *conn) kill(status websocket.StatusCode, reason string) {
	c.killOnce.Do(func() {
		c.status, c.reason = status, reason
		close(c.done)
	})
}

// enqueue queues a frame without blocking; if the queue is full the
// connection is killed as too slow.
func (c *conn) enqueue(typ frameType, data []byte) {
	select {
	case <-c.done:
		return
	default:
	}
	select {
	case c.out <- frame{typ, data}:
	default:
		c.s.slowDrops.Add(1)
		c.s.log.Warn("application reads too slowly; closing its connection", "queue", cap(c.out))
		c.kill(statusTooSlow, "write queue full: reading too slowly")
	}
}

// sendError queues e in binary or JSON form.
func (c *conn) sendError(e *ServerError, binaryForm bool) {
	if binaryForm {
		c.enqueue(frameBinary, encodeErrorBinary(e))
	} else {
		c.enqueue(frameText, encodeErrorJSON(e))
	}
}

// writeLoop writes queued frames until the connection is killed, then
// closes the websocket with the kill's status. A frame that cannot be
// written within WriteTimeout ends the connection.
func (c *conn) writeLoop() {
	for {
		select { // a killed connection takes no more frames
		case <-c.done:
			_ = c.ws.Close(c.status, c.reason)
			return
		default:
		}
		select {
		case <-c.done:
			_ = c.ws.Close(c.status, c.reason)
			return
		case f := <-c.out:
			ctx, cancel := context.WithTimeout(context.Background(), c.s.cfg.WriteTimeout)
			err := c.ws.Write(ctx, f.typ, f.data)
			cancel()
			if err != nil {
				c.s.writeFailures.Add(1)
				c.s.log.Debug("write to application failed; closing its connection", "error", err)
				c.kill(websocket.StatusInternalError, "write failed")
				c.ws.CloseNow()
				return
			}
		}
	}
}

// readLoop reads and handles requests, in order, until the connection
// fails or closes.
func (c *conn) readLoop() error {
	for {
		// Not c's context: cancelling a read would drop the connection
		// without the close status kill sends. Close (by the writer) and
		// CloseNow (by serveWS) end the read instead.
		typ, data, err := c.ws.Read(context.Background())
		if err != nil {
			return err
		}
		select {
		case <-c.done:
			return errors.New("connection closed by the server")
		default:
		}
		isBinary := typ == websocket.MessageBinary
		if isBinary {
			c.binary.Store(true)
		}
		c.handle(data, isBinary)
	}
}

// handle answers one request frame.
func (c *conn) handle(data []byte, isBinary bool) {
	var req request
	var rerr *ServerError
	if isBinary {
		req, rerr = decodeBinaryRequest(data)
	} else {
		req, rerr = decodeJSONRequest(data)
	}
	if rerr != nil {
		c.s.badRequests.Add(1)
		c.sendError(rerr, isBinary)
		return
	}
	s := c.s
	switch req.kind {
	case TagSelfAddress:
		if isBinary {
			c.enqueue(frameBinary, encodeSelfAddressBinary(s.self))
		} else {
			c.enqueue(frameText, encodeSelfAddressJSON(s.self))
		}
	case TagSend:
		if len(req.message) > s.cfg.MaxMessage {
			c.sendError(&ServerError{Code: CodeOther, Message: fmt.Sprintf("message of %d bytes exceeds the limit of %d", len(req.message), s.cfg.MaxMessage)}, isBinary)
			return
		}
		id, err := s.b.Send(s.ctx, req.recipient, req.message, req.withSURB)
		if err != nil {
			c.sendError(&ServerError{Code: CodeOther, Message: "send: " + err.Error()}, isBinary)
			return
		}
		s.track(id, c)
	case TagReply:
		if len(req.message) > s.cfg.MaxMessage {
			c.sendError(&ServerError{Code: CodeOther, Message: fmt.Sprintf("message of %d bytes exceeds the limit of %d", len(req.message), s.cfg.MaxMessage)}, isBinary)
			return
		}
		if err := s.b.Reply(s.ctx, req.surb, req.message); err != nil {
			c.sendError(&ServerError{Code: CodeOther, Message: "reply: " + err.Error()}, isBinary)
		}
	}
}
